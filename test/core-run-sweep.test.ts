/**
 * `quorumbench run` on a sweep config: every point runs, runs.csv / points.csv combine them, a point's
 * config.yaml replays it alone (into a folder of its own: not the sweep's), and a bad sweep or
 * output folder is a config error (exit 2) before anything runs.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '../harness/config/errors.ts';
import { parseCsv } from '../harness/results/csv.ts';
import { checkOutputFolder } from '../harness/results/output-folder.ts';

const dir = mkdtempSync(join(tmpdir(), 'qb-run-sweep-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): { code: number; out: string; err: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, out: result.stdout, err: result.stderr };
}

const SWEEP = `
name: sweep-test
seed: 5
protocol: { name: [abd, bft-signed], t: 1 }
network: { latency: { distribution: constant, oneWayMs: 10 }, bandwidthMBps: 0 }
costProfile: zero
workload: { writers: 1, readers: 1, operations: 20 }
sweep:
  workload.valueBytes: [16, 1024]
`;

test('a sweep config runs every point; with 10 ms links and zero CPU cost every 2-round op takes 40 ms', () => {
  const config = join(dir, 'sweep.yaml');
  writeFileSync(config, SWEEP);
  const out = join(dir, 'out');
  const { code, err, out: stdout } = cli(['run', config, '--out', out]);
  assert.equal(code, 0, err);
  // The files listed as the user named the folder; the points' own files on one line: per point
  // config.yaml, summary.json, runs.csv, latency.csv and history/base_0.jsonl (one repetition).
  assert.deepEqual(stdout.slice(stdout.indexOf('wrote ')).split('\n'), [
    'wrote 22 files (4 points, 4 runs):',
    `  ${join(out, 'points.csv')}`,
    `  ${join(out, 'runs.csv')}`,
    `  ${join(out, 'points')}/ (4 point folders, 20 files: each point's config.yaml, summary.json, runs.csv, latency.csv, history/ and any trace/)`,
    '',
  ]);
  assert.deepEqual(readdirSync(join(out, 'points')).sort(), [
    'p000-protocol=abd_valueBytes=16',
    'p001-protocol=abd_valueBytes=1024',
    'p002-protocol=bft-signed_valueBytes=16',
    'p003-protocol=bft-signed_valueBytes=1024',
  ]);
  const points = parseCsv(readFileSync(join(out, 'points.csv'), 'utf8'));
  // 4 points × (read, write); both protocols: 2 rounds of 2 × 10 ms each, nothing else costs time.
  assert.equal(points.length, 8);
  for (const row of points) {
    assert.equal(Number(row['latencyMsP50']), 40, `${row['point']} ${row['op']}`);
    assert.equal(row['verdict'], 'ok');
  }

  // The point's own config.yaml replays it exactly (same seed, same numbers), with the command its
  // header gives, into a folder beside the sweep's.
  const pointDir = join(out, 'points', 'p003-protocol=bft-signed_valueBytes=1024');
  const pointConfig = join(pointDir, 'config.yaml');
  const header = readFileSync(pointConfig, 'utf8').split('\n').slice(0, 2);
  assert.deepEqual(header, [
    '# Sweep point protocol=bft-signed,valueBytes=1024 of sweep-test',
    "# Replay it alone: quorumbench run <this file> --out <the sweep's folder>-replay/p003-protocol=bft-signed_valueBytes=1024",
  ]);
  const replay = join(`${out}-replay`, 'p003-protocol=bft-signed_valueBytes=1024');
  assert.equal(cli(['run', pointConfig, '--out', replay]).code, 0);
  const a = JSON.parse(readFileSync(join(pointDir, 'summary.json'), 'utf8')).runs;
  const b = JSON.parse(readFileSync(join(replay, 'summary.json'), 'utf8')).runs;
  assert.deepEqual(b, a);

  // Into the sweep's own folder (where its name would put it) a single run is refused: its runs.csv
  // would replace the sweep's beside the sweep's points.csv. So is any folder inside the sweep's,
  // which its next run replaces. Nothing changes there.
  const before = readFileSync(join(out, 'runs.csv'), 'utf8');
  const mixed = cli(['run', pointConfig, '--out', out]);
  assert.equal(mixed.code, 2);
  assert.equal(mixed.err, `config error: --out: ${JSON.stringify(out)} holds a sweep's results (points.csv), which a single run would mix with: give another folder with --out\n`);
  // (The same check in-process, a command start saved: run.ts calls it first, as `mixed` shows.)
  assert.throws(
    () => checkOutputFolder(join(pointDir, 'replay'), '--out', 'run'),
    new ConfigError(`--out: ${JSON.stringify(join(pointDir, 'replay'))} is inside the sweep results in ${JSON.stringify(out)}, which the sweep's next run replaces: give a folder outside it (replays: ${JSON.stringify(`${out}-replay`)})`),
  );
  assert.equal(readFileSync(join(out, 'runs.csv'), 'utf8'), before);
  assert.deepEqual(readdirSync(pointDir).sort(), ['config.yaml', 'history', 'latency.csv', 'runs.csv', 'summary.json']);
  // And a sweep into a single run's folder (the replay's) would leave its summary.json beside the sweep's files.
  const sweepOnRun = cli(['run', config, '--out', replay]);
  assert.equal(sweepOnRun.code, 2);
  assert.equal(sweepOnRun.err, `config error: --out: ${JSON.stringify(replay)} holds a single run's results (summary.json), which a sweep would mix with: give another folder with --out\n`);
});

test('--out that cannot be a folder is refused before anything runs: exit 2, one line', () => {
  const config = join(dir, 'plain.yaml');
  writeFileSync(config, 'name: plain\nprotocol: { name: abd, t: 1 }\nworkload: { operations: 10 }\n');
  const file = join(dir, 'a-file');
  writeFileSync(file, 'mine\n');
  const { code, out, err } = cli(['run', config, '--out', file]);
  assert.equal(code, 2, err);
  assert.equal(err, `config error: --out: ${JSON.stringify(file)} is a file, not a folder\n`);
  assert.equal(out, '');
  // The other cases of the same check, in-process (each a command start saved).
  const refused = (outDir: string, line: string): void => assert.throws(() => checkOutputFolder(outDir, '--out', 'run'), new ConfigError(`--out: ${line}`));
  refused(join(file, 'x', 'y'), `${JSON.stringify(join(file, 'x', 'y'))} cannot be made: ${JSON.stringify(file)} is a file`);
  refused('', 'must be a folder, got ""');
  assert.equal(readFileSync(file, 'utf8'), 'mine\n');
});

test('a bad sweep is refused before anything runs: exit 2, the field named', () => {
  const config = join(dir, 'bad.yaml');
  writeFileSync(config, SWEEP.replace('[16, 1024]', '[]'));
  const out = join(dir, 'bad-out');
  const { code, err } = cli(['run', config, '--out', out]);
  assert.equal(code, 2);
  assert.match(err, /sweep\.workload\.valueBytes: must be a non-empty list/);
  assert.throws(() => readdirSync(out));
});
