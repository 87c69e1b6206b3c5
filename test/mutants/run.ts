/**
 * The mutants suite: every mutant of test/mutants/catalog.ts is patched into a temporary copy of the
 * tree (so the shipped code carries no test hooks) and run against its tests, then a bounded swarm,
 * stopping at the first failure. Prints a table: mutant, killed (by which test or swarm seed, with
 * the command that replays it) or survived, and the time taken.
 *
 *   npm run test:mutants                          every mutant, 2 workers
 *   npm run test:mutants -- --only ps-invalid-t-plus-1,abd-quorum-one-less
 *   npm run test:mutants -- --workers 1 --swarm-seeds 20 --json results/mutants.json
 *   npm run test:mutants -- --markdown results/mutants.md     the table as markdown too
 *   npm run test:mutants -- --list                names and what each one breaks
 *   npm run test:mutants -- --show NAME           the mutant as a patch (git apply --unidiff-zero)
 *
 * Exit codes: 0 — every mutant killed or declared equivalent; 1 — a mutant survived; 2 — bad
 * arguments, or a catalog snippet not found exactly once (fix the catalog: protocol code changed).
 * The copies live under the system temp directory and are removed on every exit path (Ctrl-C too);
 * each test or swarm run is its own process group, killed as a whole on time-out or interrupt.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { MUTANTS, type Mutant, type MutantTest } from './catalog.ts';
import { writeFileAtomic } from '../../harness/results/writer.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Longest a test file or a swarm probe may run on a mutant before it counts as killed (time-out). */
const RUN_TIMEOUT_MS = 240_000;

interface Args {
  only: string[] | undefined;
  workers: number;
  swarmSeeds: number | undefined;
  json: string | undefined;
  markdown: string | undefined;
  list: boolean;
  show: string | undefined;
}

function usage(message: string): never {
  process.stderr.write(`test:mutants: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { only: undefined, workers: Math.max(1, Math.min(2, availableParallelism())), swarmSeeds: undefined, json: undefined, markdown: undefined, list: false, show: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) usage(`${flag}: missing value`);
      return next;
    };
    const count = (min: number): number => {
      const text = value();
      if (!/^\d+$/.test(text) || Number(text) < min) usage(`${flag}: expected an integer >= ${min}, got ${JSON.stringify(text)}`);
      return Number(text);
    };
    switch (flag) {
      case '--only':
        args.only = value().split(',').filter((name) => name.length > 0);
        break;
      case '--workers':
        args.workers = count(1);
        break;
      case '--swarm-seeds':
        args.swarmSeeds = count(0);
        break;
      case '--json':
        args.json = value();
        break;
      case '--markdown':
        args.markdown = value();
        break;
      case '--list':
        args.list = true;
        break;
      case '--show':
        args.show = value();
        break;
      default:
        usage(`unknown argument ${JSON.stringify(flag)} (expected --only, --workers, --swarm-seeds, --json, --markdown, --list, --show)`);
    }
  }
  const known = new Set(MUTANTS.map((m) => m.name));
  for (const name of [...(args.only ?? []), ...(args.show === undefined ? [] : [args.show])]) {
    if (!known.has(name)) usage(`unknown mutant ${JSON.stringify(name)} (see --list)`);
  }
  return args;
}

// ---------------------------------------------------------------- the catalog against the tree

function occurrences(text: string, snippet: string): number {
  let count = 0;
  for (let at = text.indexOf(snippet); at >= 0; at = text.indexOf(snippet, at + 1)) count++;
  return count;
}

/** Every problem of the catalog against the current tree, one line each (empty: all good). */
function catalogProblems(): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const mutant of MUTANTS) {
    if (names.has(mutant.name)) problems.push(`${mutant.name}: duplicate name`);
    names.add(mutant.name);
    if (mutant.find === mutant.replace) problems.push(`${mutant.name}: replace equals find`);
    let text: string;
    try {
      text = readFileSync(join(ROOT, mutant.file), 'utf8');
    } catch {
      problems.push(`${mutant.name}: file ${mutant.file} not found`);
      continue;
    }
    const found = occurrences(text, mutant.find);
    if (found !== 1) problems.push(`${mutant.name}: snippet found ${found} times in ${mutant.file} (must be exactly once): ${JSON.stringify(mutant.find.slice(0, 120))}`);
    for (const test of mutant.tests) {
      const file = typeof test === 'string' ? test : test.file;
      try {
        readFileSync(join(ROOT, file));
      } catch {
        problems.push(`${mutant.name}: test file ${file} not found`);
      }
    }
    if (mutant.swarm !== undefined) {
      try {
        readFileSync(join(ROOT, mutant.swarm.config));
      } catch {
        problems.push(`${mutant.name}: swarm config ${mutant.swarm.config} not found`);
      }
    }
  }
  return problems;
}

function patched(mutant: Mutant, text: string): string {
  const at = text.indexOf(mutant.find);
  return text.slice(0, at) + mutant.replace + text.slice(at + mutant.find.length);
}

/** The mutant as a zero-context unified diff (`git apply --unidiff-zero`). */
function asPatch(mutant: Mutant): string {
  const original = readFileSync(join(ROOT, mutant.file), 'utf8');
  const at = original.indexOf(mutant.find);
  const firstLine = original.slice(0, at).split('\n').length;
  const lineStart = original.lastIndexOf('\n', at - 1) + 1;
  let lineEnd = original.indexOf('\n', at + mutant.find.length - (mutant.find.endsWith('\n') ? 1 : 0));
  if (lineEnd < 0) lineEnd = original.length;
  const oldLines = original.slice(lineStart, lineEnd).split('\n');
  const mutated = patched(mutant, original);
  const newText = mutated.slice(lineStart, lineEnd + (mutated.length - original.length));
  const newLines = newText === '' ? [] : newText.split('\n');
  const header = `@@ -${firstLine},${oldLines.length} +${newLines.length === 0 ? firstLine - 1 : firstLine},${newLines.length} @@`;
  return [`--- a/${mutant.file}`, `+++ b/${mutant.file}`, header, ...oldLines.map((l) => `-${l}`), ...newLines.map((l) => `+${l}`), ''].join('\n');
}

// ---------------------------------------------------------------- copies and child processes

const copies: string[] = [];
const running = new Set<number>();

function removeCopies(): void {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function killRunning(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

function onInterrupt(signal: NodeJS.Signals): void {
  killRunning();
  removeCopies();
  process.stderr.write(`test:mutants: ${signal}, stopped; temporary copies removed\n`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

/** A copy of the tree without node_modules (linked instead) and .git. */
function makeCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'quorumbench-mutants-'));
  copies.push(dir);
  const skip = new Set([join(ROOT, 'node_modules'), join(ROOT, '.git')]);
  cpSync(ROOT, dir, { recursive: true, filter: (source) => !skip.has(source) });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

interface ChildRun {
  readonly failed: boolean;
  readonly timedOut: boolean;
  readonly stdout: string;
}

/** `node --import tsx <args>` in `cwd`, as its own process group, killed whole after RUN_TIMEOUT_MS. */
async function runNode(cwd: string, args: readonly string[]): Promise<ChildRun> {
  const child = execa(process.execPath, ['--import', 'tsx', ...args], { cwd, reject: false, detached: true, stdin: 'ignore', env: { FORCE_COLOR: '0', NO_COLOR: '1' } });
  const pid = child.pid;
  if (pid !== undefined) running.add(pid);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }, RUN_TIMEOUT_MS);
  const result = await child;
  clearTimeout(timer);
  if (pid !== undefined) running.delete(pid);
  return { failed: timedOut || result.exitCode !== 0, timedOut, stdout: String(result.stdout ?? '') };
}

// ---------------------------------------------------------------- one mutant

interface Outcome {
  readonly name: string;
  readonly protocol: string;
  readonly status: 'killed' | 'survived';
  readonly equivalent: boolean;
  /** A test file (and the first failing test), or `swarm <config> seed S`. */
  readonly by: string;
  /** The command that shows the failure on the mutated tree. */
  readonly replay: string;
  readonly seconds: number;
}

/** The name of the first failing test in TAP output (top-level or nested), if any. */
function firstFailure(tap: string): string | undefined {
  const match = /^\s*not ok \d+ - (.*)$/m.exec(tap);
  return match?.[1]?.trim();
}

function testArgs(test: string | MutantTest): string[] {
  const spec = typeof test === 'string' ? { file: test } : test;
  return ['--test', '--test-reporter=tap', ...(spec.name === undefined ? [] : ['--test-name-pattern', spec.name]), spec.file];
}

async function runMutant(copy: string, mutant: Mutant, swarmSeeds: number | undefined): Promise<Outcome> {
  const started = performance.now();
  const path = join(copy, mutant.file);
  const original = readFileSync(path, 'utf8');
  writeFileSync(path, patched(mutant, original));
  const replayPrefix = `npm run test:mutants -- --show ${mutant.name} | git apply --unidiff-zero; then:`;
  const done = (status: Outcome['status'], by: string, replay: string): Outcome => ({
    name: mutant.name,
    protocol: mutant.protocol,
    status,
    equivalent: mutant.equivalent !== undefined,
    by,
    replay,
    seconds: (performance.now() - started) / 1000,
  });
  try {
    for (const test of mutant.tests) {
      const args = testArgs(test);
      const run = await runNode(copy, args);
      if (run.failed) {
        const file = typeof test === 'string' ? test : test.file;
        const which = run.timedOut ? 'time-out' : (firstFailure(run.stdout) ?? 'failed');
        const pattern = typeof test === 'string' || test.name === undefined ? '' : ` --test-name-pattern '${test.name}'`;
        return done('killed', `${file}: ${which}`, `${replayPrefix} node --import tsx --test${pattern} ${file}`);
      }
    }
    const seeds = swarmSeeds ?? mutant.swarm?.seeds ?? 0;
    if (mutant.swarm !== undefined && seeds > 0) {
      const run = await runNode(copy, ['test/mutants/swarm-probe.ts', mutant.swarm.config, '--seeds', String(seeds)]);
      const line = run.stdout.trim().split('\n').pop() ?? '';
      let report: { failed?: boolean; seed?: number; kind?: string } = {};
      try {
        report = JSON.parse(line) as typeof report;
      } catch {
        // No report: the probe itself crashed or timed out, which the mutant caused.
      }
      if (run.failed) {
        const which = report.seed !== undefined ? `seed ${report.seed} (${report.kind})` : run.timedOut ? 'time-out' : 'crashed';
        const seed = report.seed !== undefined ? ` --seed ${report.seed}` : '';
        return done('killed', `swarm ${mutant.swarm.config} ${which}`, `${replayPrefix} node dist/bin/quorumbench.js run ${mutant.swarm.config}${seed}`);
      }
    }
    return done('survived', `${mutant.tests.length} test files${mutant.swarm !== undefined && seeds > 0 ? `, ${seeds} swarm seeds` : ''}`, '');
  } finally {
    writeFileSync(path, original);
  }
}

// ---------------------------------------------------------------- table

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The table as markdown: mutant, what it breaks, result, killed by, seconds. */
function markdownTable(outcomes: readonly Outcome[]): string {
  const breaks = new Map(MUTANTS.map((m) => [m.name, m.breaks]));
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = outcomes.map((o) => {
    const result = o.status === 'killed' ? 'killed' : o.equivalent ? 'equivalent (survived)' : '**survived**';
    return `| \`${o.name}\` | ${cell(breaks.get(o.name) ?? '')} | ${result} | ${cell(o.by)} | ${o.seconds.toFixed(1)} |`;
  });
  return ['| mutant | breaks | result | killed by | s |', '|---|---|---|---|---:|', ...rows, ''].join('\n');
}

function printTable(outcomes: readonly Outcome[]): void {
  const short = (text: string) => (text.length > 100 ? `${text.slice(0, 99)}…` : text);
  const rows = outcomes.map((o) => [o.name, o.status === 'killed' ? 'killed' : o.equivalent ? 'survived (equivalent)' : 'SURVIVED', short(o.by), o.seconds.toFixed(1)]);
  const header = ['mutant', 'result', 'killed by', 'time_s'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!)).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  process.stdout.write('\nreplay (on a scratch checkout):\n');
  for (const o of outcomes) if (o.replay !== '') process.stdout.write(`  ${o.name}: ${o.replay}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const problems = catalogProblems();
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`test:mutants: catalog: ${problem}\n`);
    process.exit(2);
  }
  if (args.list) {
    for (const m of MUTANTS) process.stdout.write(`${pad(m.name, 36)} ${pad(m.protocol, 18)} ${m.breaks}${m.equivalent !== undefined ? ' [equivalent]' : ''}\n`);
    return;
  }
  if (args.show !== undefined) {
    process.stdout.write(asPatch(MUTANTS.find((m) => m.name === args.show)!));
    return;
  }
  const selected = args.only === undefined ? MUTANTS : MUTANTS.filter((m) => args.only!.includes(m.name));
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  process.on('exit', () => {
    killRunning();
    removeCopies();
  });
  const started = performance.now();
  const load = loadavg().map((v) => v.toFixed(2)).join(' ');
  const workers = Math.min(args.workers, selected.length);
  const dirs = Array.from({ length: workers }, makeCopy);
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(
    dirs.map(async (dir) => {
      while (next < selected.length) {
        const mutant = selected[next++]!;
        const outcome = await runMutant(dir, mutant, args.swarmSeeds);
        outcomes.push(outcome);
        process.stderr.write(`  ${outcomes.length}/${selected.length} ${outcome.name}: ${outcome.status} (${outcome.by}) ${outcome.seconds.toFixed(1)} s\n`);
      }
    }),
  );
  removeCopies();
  const order = new Map(selected.map((m, i) => [m.name, i]));
  outcomes.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  printTable(outcomes);
  const seconds = (performance.now() - started) / 1000;
  const killed = outcomes.filter((o) => o.status === 'killed').length;
  const equivalent = outcomes.filter((o) => o.status === 'survived' && o.equivalent).length;
  const survived = outcomes.filter((o) => o.status === 'survived' && !o.equivalent);
  process.stdout.write(`\n${outcomes.length} mutants: ${killed} killed, ${equivalent} survived as declared equivalent, ${survived.length} survived; ${seconds.toFixed(0)} s with ${workers} workers (load average at start: ${load})\n`);
  if (args.markdown !== undefined) writeFileAtomic(args.markdown, markdownTable(outcomes));
  if (args.json !== undefined) writeFileAtomic(args.json, `${JSON.stringify({ seconds, workers, loadAverageAtStart: load, outcomes }, null, 1)}\n`);
  process.exitCode = survived.length > 0 ? 1 : 0;
}

void main();
