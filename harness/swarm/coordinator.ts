/**
 * @module The swarm coordinator: spreads seeds over worker processes (one seed at a time to whichever
 * worker is free, so slow seeds do not hold up a fixed share), collects results in seed order, and
 * classifies them. Workers are child processes (each a full Node), so both cores
 * work; with one worker the seeds run in this process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { entryFile, loaderFlags } from '../entry-points.ts';
import { runSwarmSeed, type SeedOptions, type SeedResult } from './run-seed.ts';

export interface SwarmOptions extends SeedOptions {
  readonly configPath: string;
  readonly seeds: readonly number[];
  readonly workers: number;
  /** Called after every result (in completion order). */
  readonly onResult?: (result: SeedResult, done: number) => void;
}

export type SeedClass = 'ok' | 'violation' | 'stuck' | 'unknown' | 'error' | 'nondeterministic';

/** One class per seed, worst first: error, nondeterministic, violation, unknown, stuck, ok. */
export function classify(result: SeedResult): SeedClass {
  if (result.verdict === 'error') return 'error';
  if (result.deterministic === false) return 'nondeterministic';
  if (result.verdict === 'violation') return 'violation';
  if (result.verdict === 'unknown') return 'unknown';
  if (result.stuck !== null) return 'stuck';
  return 'ok';
}

/**
 * Whether a seed's outcome is a failure. Errors and nondeterminism always are; with
 * `expectViolation` (faults beyond tolerance) violations, blocked operations and checker time-outs
 * are expected outcomes, not failures.
 */
export function isFailure(kind: SeedClass, expectViolation: boolean): boolean {
  if (kind === 'ok') return false;
  if (kind === 'error' || kind === 'nondeterministic') return true;
  return !expectViolation;
}

export async function runSwarm(options: SwarmOptions): Promise<SeedResult[]> {
  const seedOptions: SeedOptions = { ...(options.checkDeterminism ? { checkDeterminism: true } : {}), ...(options.checkerTimeoutMs !== undefined ? { checkerTimeoutMs: options.checkerTimeoutMs } : {}) };
  const results: SeedResult[] = [];
  const workers = Math.max(1, Math.min(options.workers, options.seeds.length));
  if (workers === 1) {
    for (const seed of options.seeds) {
      const result = await runSwarmSeed(options.configPath, seed, seedOptions);
      results.push(result);
      options.onResult?.(result, results.length);
    }
    return results.sort((a, b) => a.seed - b.seed);
  }
  const workerPath = entryFile('harness/swarm/worker');
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    const children: ChildProcess[] = [];
    let live = workers;
    const feed = (child: ChildProcess) => {
      if (next < options.seeds.length) child.send({ configPath: options.configPath, seed: options.seeds[next++]!, options: seedOptions });
      else child.send('exit');
    };
    for (let w = 0; w < workers; w++) {
      const child = fork(workerPath, [], { execArgv: loaderFlags(workerPath), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      child.on('message', (result: SeedResult) => {
        results.push(result);
        options.onResult?.(result, results.length);
        feed(child);
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code !== 0) {
          for (const other of children) if (other !== child && other.exitCode === null) other.kill();
          reject(new Error(`swarm worker ${child.pid} exited with ${signal ?? `code ${code}`}`));
          return;
        }
        if (--live === 0) resolve();
      });
      feed(child);
    }
  });
  return results.sort((a, b) => a.seed - b.seed);
}

/**
 * The swarm's exit code: 1 when a seed failed (see `isFailure`), or when `expectViolation` is set
 * and no seed violated linearizability (the swarm exists to show those violations); else 0.
 */
export function swarmExitCode(results: readonly SeedResult[], expectViolation: boolean): 0 | 1 {
  const kinds = results.map(classify);
  if (kinds.some((kind) => isFailure(kind, expectViolation))) return 1;
  if (expectViolation && !kinds.includes('violation')) return 1;
  return 0;
}
