/**
 * The command line's surface: --version, exit codes in `run --help` (as in check and compare), the
 * --tolerance help without commander's "(default: [])", `run` refusing `t: 0` or a server list that
 * lacks a server with one line and exit 2, a run cut short by maxDurationMs saying so, and figures
 * rounded for the console.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../harness/cli/main.ts';
import { ms, opsPerS, plural, rounded } from '../harness/cli/figures.ts';

const CLI = fileURLToPath(new URL('../bin/quorumbench.ts', import.meta.url));

const help = (name: string): string => {
  const command = buildProgram().commands.find((c) => c.name() === name);
  assert.ok(command, name);
  return command.helpInformation();
};

test('--version prints the version of package.json', () => {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  assert.equal(buildProgram().version(), version);
});

test('run, check and compare list their exit codes in --help; --tolerance states its default once', () => {
  const flat = (name: string) => help(name).replace(/\s+/g, ' ');
  assert.match(flat('run'), /exit 0 done, 1 a violation within tolerance, 2 bad config or arguments, 130\/143 interrupted by SIGINT\/SIGTERM, 70 an internal error/);
  assert.match(flat('check'), /exit 0 all ok, 1 a violation, 3 unknown, 2 bad input/);
  assert.match(flat('compare'), /exit 0 nothing worse, 1 a regression or a missing run, 2 bad input/);
  const tolerance = flat('compare').split('--tolerance')[1]!.split('--only-changes')[0]!;
  assert.match(tolerance, /\(default exact=0,noisy=0\.1\) $/);
  assert.doesNotMatch(tolerance, /default: \[\]/);
});

test('a usage error is commander\'s line and a pointer to --help, not the whole usage: exit 2', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run'], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.equal(run.stderr, "error: missing required argument 'config'\n(quorumbench <command> --help for its usage)\n");
  assert.equal(run.stdout, '');
});

test('run refuses t: 0: exit 2, one line on stderr naming the field and the value, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 't0.yaml');
  writeFileSync(config, 'name: t0\nprotocol: { name: abd, t: 0 }\nworkload: { operations: 10 }\n');
  // A process of its own: the command exits the process, and its stdout must not mix with the test runner's.
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', config, '--out', join(dir, 'out')], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.equal(run.stderr, 'config error: protocol.t: must be >= 1, got 0\n');
  assert.equal(run.stdout, '');
  assert.deepEqual(readdirSync(dir), ['t0.yaml']);
});

test('run with real.servers missing a server: exit 2, one line naming the field, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const secret = join(dir, 'secret');
  writeFileSync(secret, 'a'.repeat(64), { mode: 0o600 });
  const config = join(dir, 'two-of-three.yaml');
  // abd with t = 1 has three servers; the list names two. No server is contacted: the check comes first.
  writeFileSync(config, `name: two-of-three\nengine: real\nprotocol: { name: abd, t: 1 }\nworkload: { operations: 10 }\nreal: { servers: { s1: "127.0.0.1:1", s2: "127.0.0.1:2" }, secretFile: ${JSON.stringify(secret)} }\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', config, '--out', join(dir, 'out')], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.equal(run.stderr, 'config error: real.servers.s3: missing address of server s3 (n=3)\n');
  assert.equal(run.stdout, '');
  assert.deepEqual(readdirSync(dir).sort(), ['secret', 'two-of-three.yaml']);
});

test('a run that maxDurationMs stops says so: one warning line, and the time in summary.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'cut.yaml');
  // One writer, 10 ms links, no CPU cost: every ABD write takes 2 rounds of 20 ms, so writes end at
  // 40, 80, 120 and 160 ms; the fifth (160 to 200 ms) is still going at the 190 ms limit.
  writeFileSync(
    config,
    'name: cut\nprotocol: { name: abd, t: 1 }\nnetwork: { latency: { distribution: constant, oneWayMs: 10 }, bandwidthMBps: 0 }\ncostProfile: zero\nworkload: { writers: 1, readers: 0, operations: 100 }\nmaxDurationMs: 190\n',
  );
  const out = join(dir, 'out');
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', config, '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const warnings = run.stderr.split('\n').filter((line) => line.startsWith('warning:'));
  assert.deepEqual(warnings, [
    'warning: run base#0 stopped at maxDurationMs (190 ms) with 4 measured operations completed of the 100 asked for and 1 pending: its figures cover only the completed ones (raise maxDurationMs or ask for fewer operations; an operation blocked by faults stays pending however long the run)',
  ]);
  const result = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { runs: { timeLimitReachedAtMs?: number; ops: { write: { count: number; pending: number } } }[] }).runs[0]!;
  assert.equal(result.timeLimitReachedAtMs, 190);
  assert.deepEqual([result.ops.write.count, result.ops.write.pending], [4, 1]);
  // A run that finishes its workload has no such field and prints no warning.
  writeFileSync(config, readFileSync(config, 'utf8').replace('operations: 100', 'operations: 3'));
  const whole = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', config, '--out', out], { encoding: 'utf8' });
  assert.equal(whole.status, 0, whole.stderr);
  assert.doesNotMatch(whole.stderr, /warning/);
  assert.equal('timeLimitReachedAtMs' in (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { runs: object[] }).runs[0]!, false);
});

test('console figures: rounded, and the noun in the right number', () => {
  assert.equal(opsPerS(2647.501226), '2647.5 ops/s');
  assert.equal(opsPerS(50), '50 ops/s');
  assert.equal(ms(6.0159999), '6.016ms');
  assert.equal(rounded(2.046, 2), '2.05');
  assert.equal(rounded(1 / 3, 2), '0.33');
  assert.equal(plural(1, 'chart'), '1 chart');
  assert.equal(plural(0, 'chart'), '0 charts');
  assert.equal(plural(16, 'chart'), '16 charts');
});
