/**
 * `quorumbench run` on a sweep config: every point runs, runs.csv / points.csv combine them, a point's
 * config.yaml replays it alone, and a bad sweep is a config error (exit 2) before anything runs.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCsv } from '../harness/results/csv.ts';

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
  const { code, err } = cli(['run', config, '--out', out]);
  assert.equal(code, 0, err);
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

  // The point's own config.yaml replays it exactly (same seed, same numbers).
  const pointDir = join(out, 'points', 'p003-protocol=bft-signed_valueBytes=1024');
  const replay = join(dir, 'replay');
  assert.equal(cli(['run', join(pointDir, 'config.yaml'), '--out', replay]).code, 0);
  const a = JSON.parse(readFileSync(join(pointDir, 'summary.json'), 'utf8')).runs;
  const b = JSON.parse(readFileSync(join(replay, 'summary.json'), 'utf8')).runs;
  assert.deepEqual(b, a);
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
