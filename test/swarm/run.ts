/**
 * The swarm runner: many seeds of the shared atomicity suite, each with a random fault mix within
 * the protocol's tolerance, spread over the machine's cores (child processes).
 *
 *   npm run test:swarm -- --seeds 10000                 all registry protocols, t = 1..3
 *   npm run test:swarm -- --seeds 2000 --protocol powerstore --t 2
 *   npm run test:swarm -- --protocol m-powerstore --t 1 --seed 417     replay one case
 *
 * Prints a verdict table (protocol × t) and, for every failure, the exact replay command. Exit code
 * 0 when every case passed, 1 on any failure, 2 on bad arguments.
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { stream } from '../../harness/rng.ts';
import { randomMix, replayCommand, runCase, suiteProtocols, type CaseSpec } from './cases.ts';

interface Args {
  seeds: number;
  firstSeed: number;
  protocol: string | undefined;
  t: number | undefined;
  seed: number | undefined;
  workers: number;
  operations: number;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function intArg(name: string, value: string | undefined, min: number): number {
  const parsed = Number(value);
  if (value === undefined || !Number.isSafeInteger(parsed) || parsed < min) fail(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  return parsed;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seeds: 100, firstSeed: 1, protocol: undefined, t: undefined, seed: undefined, workers: Math.max(1, Math.min(availableParallelism(), 8)), operations: DEFAULT_OPERATIONS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    switch (flag) {
      case '--seeds':
        args.seeds = intArg('seeds', value, 1);
        break;
      case '--first-seed':
        args.firstSeed = intArg('first-seed', value, 0);
        break;
      case '--protocol':
        if (value === undefined || !(value in suiteProtocols())) fail(`--protocol: expected one of ${Object.keys(suiteProtocols()).join(', ')}, got ${JSON.stringify(value)}`);
        args.protocol = value;
        break;
      case '--t':
        args.t = intArg('t', value, 1);
        break;
      case '--seed':
        args.seed = intArg('seed', value, 0);
        break;
      case '--workers':
        args.workers = intArg('workers', value, 1);
        break;
      case '--operations':
        args.operations = intArg('operations', value, 1);
        break;
      default:
        fail(`unknown argument ${JSON.stringify(flag)} (expected --seeds, --first-seed, --protocol, --t, --seed, --workers, --operations)`);
    }
    i++;
  }
  return args;
}

/** The case of one seed: protocol and t drawn from the seed unless fixed, then a random fault mix. */
export function swarmCase(seed: number, protocol: string | undefined, t: number | undefined, operations: number): CaseSpec {
  const rng = stream(seed, 'swarm');
  const names = Object.keys(suiteProtocols());
  // Always draw both, so that fixing one on the command line does not shift the other.
  const drawnProtocol = names[rng.int(0, names.length - 1)]!;
  const draw = rng.int(0, 99);
  const drawnT = draw < 55 ? 1 : draw < 90 ? 2 : 3;
  const p = protocol ?? drawnProtocol;
  const tt = t ?? drawnT;
  return { protocol: p, t: tt, seed, mix: randomMix(p, tt, stream(seed, `mix:${p}:${tt}`)), operations };
}

interface Result {
  readonly seed: number;
  readonly protocol: string;
  readonly t: number;
  readonly label: string;
  readonly verdict: string;
  readonly problems: string[];
  readonly readRetries: number;
  readonly error?: string;
}

async function runSeed(seed: number, args: Pick<Args, 'protocol' | 't' | 'operations'>): Promise<Result> {
  const spec = swarmCase(seed, args.protocol, args.t, args.operations);
  try {
    const outcome = await runCase(spec);
    return { seed, protocol: spec.protocol, t: spec.t, label: spec.mix.label, verdict: outcome.verdict, problems: outcome.problems, readRetries: outcome.readRetries };
  } catch (error) {
    return { seed, protocol: spec.protocol, t: spec.t, label: spec.mix.label, verdict: 'error', problems: [], readRetries: 0, error: String(error) };
  }
}

function failed(result: Result): boolean {
  return result.verdict !== 'ok' || result.problems.length > 0 || result.error !== undefined;
}

const DEFAULT_OPERATIONS = 60;
let operationsArg = DEFAULT_OPERATIONS;

function replay(result: Result): string {
  const base = replayCommand({ protocol: result.protocol, t: result.t, seed: result.seed, mix: { label: result.label, faults: [] } });
  return operationsArg === DEFAULT_OPERATIONS ? base : `${base} --operations ${operationsArg}`;
}

// ---------------------------------------------------------------- worker side

interface WorkOrder {
  readonly seeds: number[];
  readonly protocol: string | undefined;
  readonly t: number | undefined;
  readonly operations: number;
}

async function workerMain(): Promise<void> {
  process.on('message', async (order: WorkOrder) => {
    for (const seed of order.seeds) process.send!({ kind: 'result', result: await runSeed(seed, order) });
    process.send!({ kind: 'done' });
  });
}

// ---------------------------------------------------------------- coordinator

function printTable(results: Result[]): void {
  const rows = new Map<string, { runs: number; ok: number; violation: number; unknown: number; problems: number; errors: number; retries: number }>();
  for (const r of results) {
    const key = `${r.protocol}\tt=${r.t}`;
    const row = rows.get(key) ?? { runs: 0, ok: 0, violation: 0, unknown: 0, problems: 0, errors: 0, retries: 0 };
    row.runs++;
    if (r.error !== undefined) row.errors++;
    else if (r.verdict === 'ok') row.ok++;
    else if (r.verdict === 'violation') row.violation++;
    else row.unknown++;
    if (r.problems.length > 0) row.problems++;
    row.retries += r.readRetries;
    rows.set(key, row);
  }
  const header = ['protocol', 't', 'runs', 'ok', 'violation', 'unknown', 'blocked/rounds', 'errors', 'readRetries'];
  const lines = [header.join('\t')];
  for (const [key, row] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push([key, row.runs, row.ok, row.violation, row.unknown, row.problems, row.errors, row.retries].join('\t'));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function coordinatorMain(args: Args): Promise<void> {
  const started = Date.now();
  operationsArg = args.operations;
  const seeds = args.seed !== undefined ? [args.seed] : Array.from({ length: args.seeds }, (_, i) => args.firstSeed + i);
  let results: Result[] = [];
  if (seeds.length === 1 || args.workers === 1) {
    for (const seed of seeds) results.push(await runSeed(seed, args));
  } else {
    const workers = Math.min(args.workers, seeds.length);
    const self = fileURLToPath(import.meta.url);
    let doneCount = 0;
    const progressEvery = Math.max(1, Math.floor(seeds.length / 20));
    results = await new Promise<Result[]>((resolve, reject) => {
      const collected: Result[] = [];
      let finished = 0;
      for (let w = 0; w < workers; w++) {
        const child = fork(self, ['--swarm-worker'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        child.on('message', (message: { kind: 'result'; result: Result } | { kind: 'done' }) => {
          if (message.kind === 'result') {
            collected.push(message.result);
            if (++doneCount % progressEvery === 0) process.stderr.write(`  ${doneCount}/${seeds.length} seeds\n`);
            if (failed(message.result)) process.stderr.write(`  FAIL seed ${message.result.seed}: ${replay(message.result)}\n`);
          } else {
            child.disconnect();
            if (++finished === workers) resolve(collected);
          }
        });
        child.on('error', reject);
        child.on('exit', (code) => {
          if (code !== 0 && code !== null) reject(new Error(`swarm worker exited with code ${code}`));
        });
        // Interleaved slices so that every worker gets a similar mix of protocols and t.
        child.send({ seeds: seeds.filter((_, i) => i % workers === w), protocol: args.protocol, t: args.t, operations: args.operations } satisfies WorkOrder);
      }
    });
  }
  results.sort((a, b) => a.seed - b.seed);
  printTable(results);
  const failures = results.filter(failed);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`${results.length} seeds, ${failures.length} failed, ${seconds} s, ${args.workers} workers\n`);
  for (const f of failures) {
    process.stdout.write(`FAIL seed ${f.seed} ${f.protocol} t=${f.t} [${f.label}] verdict=${f.verdict} ${f.problems.join('; ')}${f.error ? ` error=${f.error}` : ''}\n  replay: ${replay(f)}\n`);
  }
  process.exitCode = failures.length > 0 ? 1 : 0;
}

if (process.argv.includes('--swarm-worker')) {
  void workerMain();
} else {
  void coordinatorMain(parseArgs(process.argv.slice(2)));
}
