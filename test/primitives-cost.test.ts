/**
 * Cost profiles: the shipped default loads, the loader reads flat and grid profiles (bare or in a
 * calibrate report) and names the bad field, the fits are worked out by hand, and a very short
 * calibration writes a profile that loads and holds the grid it measured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZERO_PROFILE, type CostProfile } from '../harness/cost/profile.ts';
import { DEFAULT_PROFILE, DEFAULT_PROFILE_PATH } from '../harness/cost/default-profile.ts';
import { loadCostProfile, CostProfileError } from '../harness/cost/load.ts';
import { calibrate, fitCost, fitFlat, subsetsWithParity, writeJsonAtomic } from '../harness/cost/calibrate.ts';
import { calibrationTables } from '../harness/cost/calibrate-report.ts';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';

const FLAT: CostProfile = {
  name: 'flat',
  hash: { nsPerOp: 500, nsPerByte: 0.6 },
  hmac: { nsPerOp: 1000, nsPerByte: 0.6 },
  sign: { nsPerOp: 25_000, nsPerByte: 0.6 },
  verify: { nsPerOp: 60_000, nsPerByte: 0.6 },
  encode: { nsPerOp: 1000, nsPerByte: 0.3 },
  decode: { nsPerOp: 1000, nsPerByte: 0.3 },
  message: { nsPerOp: 2000, nsPerByte: 0.1 },
};
const GRID: CostProfile = {
  ...FLAT,
  name: 'grid',
  coding: { sizesBytes: [1024, 4096], shapes: [{ k: 2, n: 4, encodeNs: [2048, 4096], decodeNs: [[100, 400], [200, 800], [300, 1200]] }] },
};

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'qb-cost-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the default profile is configs/cost-profiles/default.json, by name and by path', () => {
  assert.equal(loadCostProfile('default'), DEFAULT_PROFILE);
  assert.deepEqual(loadCostProfile(DEFAULT_PROFILE_PATH), DEFAULT_PROFILE);
  assert.equal(DEFAULT_PROFILE.name, 'default');
});

test('loadCostProfile: names, flat (older) and grid profiles, bare or in a calibrate report', () => {
  assert.equal(loadCostProfile('zero'), ZERO_PROFILE);
  withDir((dir) => {
    for (const profile of [FLAT, GRID]) {
      const bare = join(dir, `${profile.name}.json`);
      writeJsonAtomic(bare, profile);
      assert.deepEqual(loadCostProfile(bare), profile);
      const wrapped = join(dir, `${profile.name}-report.json`);
      writeJsonAtomic(wrapped, { profile, calibration: { machine: { host: 'x' } } });
      assert.deepEqual(loadCostProfile(wrapped), profile);
    }
  });
});

test('loadCostProfile: errors name the field and the value', () => {
  withDir((dir) => {
    const write = (name: string, data: unknown): string => {
      const path = join(dir, name);
      writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
      return path;
    };
    const failsWith = (data: unknown, pattern: RegExp): void => {
      assert.throws(() => loadCostProfile(write('bad.json', data)), (e: unknown) => {
        assert.ok(e instanceof CostProfileError, String(e));
        assert.match(e.message, pattern);
        return true;
      });
    };
    failsWith({ ...FLAT, hash: { nsPerOp: 5, nsPerByte: -1 } }, /hash\.nsPerByte.*got -1/);
    failsWith({ profile: { ...FLAT, verify: { nsPerOp: 'fast', nsPerByte: 0 } } }, /profile\.verify\.nsPerOp.*got "fast"/);
    const { message: _dropped, ...noMessage } = FLAT;
    failsWith(noMessage, /message.*got nothing/);
    failsWith({ ...FLAT, gpu: 1 }, /gpu/);
    const grid = GRID.coding!;
    const shape = grid.shapes[0]!;
    failsWith({ ...GRID, coding: { ...grid, sizesBytes: [4096, 1024] } }, /coding\.sizesBytes\.1: sizes must be strictly increasing, got 1024/);
    failsWith({ ...GRID, coding: { ...grid, shapes: [{ ...shape, encodeNs: [1] }] } }, /coding\.shapes\.0\.encodeNs: expected 2 entries/);
    failsWith({ ...GRID, coding: { ...grid, shapes: [{ ...shape, decodeNs: shape.decodeNs.slice(1) }] } }, /coding\.shapes\.0\.decodeNs: expected 3 rows/);
    failsWith({ ...GRID, coding: { ...grid, shapes: [{ ...shape, decodeNs: [[1, 2], [3], [5, 6]] }] } }, /coding\.shapes\.0\.decodeNs\.1: expected 2 entries/);
    failsWith({ ...GRID, coding: { ...grid, shapes: [{ ...shape, n: 1 }] } }, /coding\.shapes\.0\.n: must be >= k \(2\), got 1/);
    failsWith({ ...GRID, coding: { ...grid, shapes: [shape, shape] } }, /coding\.shapes\.1\.n: \(k, n\) = \(2, 4\) appears twice/);
    failsWith({ ...GRID, coding: { ...grid, shapes: [{ ...shape, encodeNs: [1, Number.NaN] }] } }, /coding\.shapes\.0\.encodeNs\.1/);
    assert.throws(() => loadCostProfile(write('bad.json', '{ nope')), /not valid JSON/);
    assert.throws(() => loadCostProfile(join(dir, 'absent.json')), /absent\.json/);
    assert.throws(() => loadCostProfile('fast'), /"fast"/);
  });
});

test('fitCost is the line through two points; fitFlat takes the slope of the two largest sizes', () => {
  assert.deepEqual(fitCost(64, 1000, 1064, 2000), { nsPerOp: 936, nsPerByte: 1 });
  assert.deepEqual(fitCost(0, 500, 1_000_000, 300_500), { nsPerOp: 500, nsPerByte: 0.3 });
  // Noise making the large input look cheaper per call than the small one: no negative slope.
  assert.deepEqual(fitCost(64, 1000, 128, 900), { nsPerOp: 1000, nsPerByte: 0 });
  assert.throws(() => fitCost(10, 1, 10, 2), RangeError);
  // Slope (2,100,000 − 1,100,000) / (2,000,000 − 1,000,000) = 1 ns/B; per call 700 − 1 · 100 = 600.
  assert.deepEqual(
    fitFlat([{ bytes: 2_000_000, ns: 2_100_000 }, { bytes: 100, ns: 700 }, { bytes: 1_000_000, ns: 1_100_000 }]),
    { nsPerOp: 600, nsPerByte: 1 },
  );
  // Per-call part clamped at 0 when the small call is cheaper than the slope predicts.
  assert.deepEqual(fitFlat([{ bytes: 1000, ns: 10 }, { bytes: 2000, ns: 4000 }, { bytes: 3000, ns: 6000 }]), { nsPerOp: 0, nsPerByte: 2 });
  assert.throws(() => fitFlat([{ bytes: 1, ns: 1 }]), RangeError);
});

test('subsetsWithParity: exactly p parity fragments, rotating the missing data shards', () => {
  assert.deepEqual(subsetsWithParity(2, 4, 0, 4), [[0, 1]]);
  assert.deepEqual(subsetsWithParity(2, 4, 1, 4), [[1, 2], [0, 3]]);
  assert.deepEqual(subsetsWithParity(2, 4, 2, 4), [[2, 3]]);
  assert.deepEqual(subsetsWithParity(3, 7, 2, 4), [[2, 3, 4], [0, 4, 5], [1, 5, 6], [2, 3, 6]]);
  for (const subset of subsetsWithParity(6, 16, 3, 4)) {
    assert.equal(subset.length, 6);
    assert.equal(subset.filter((i) => i >= 6).length, 3);
  }
  assert.throws(() => subsetsWithParity(2, 4, 3, 4), RangeError);
});

test('calibrate (very short, small grid) writes a loadable profile holding the grid it measured', async () => {
  const report = await calibrate({
    name: 'tiny',
    crypto: 'node',
    erasure: 'typescript',
    shapes: [[2, 4], [3, 7]],
    sizesBytes: [1024, 8192],
    measure: { timeMs: 1, iterations: 2, rounds: 1 },
  });
  const grid = report.profile.coding!;
  assert.deepEqual(grid.sizesBytes, [1024, 8192]);
  assert.deepEqual(grid.shapes.map((s) => [s.k, s.n, s.encodeNs.length, s.decodeNs.length]), [[2, 4, 2, 3], [3, 7, 2, 4]]);
  assert.equal(report.calibration.erasure, 'rs-ts');
  // 4 sizes × (hash + hmac) + 3 × (sign + verify) + 4 message frames.
  assert.equal(report.calibration.points.length, 18);
  // Per size: (2, 4) encode + 3 decode rows, (3, 7) encode + 4 decode rows.
  assert.equal(report.calibration.coding.length, 2 * (4 + 5));
  assert.match(calibrationTables(report), /\| 3 \| 7 \| decode p3 \|/);
  // The profile holds the CPU-clock means of the cells measured; the flat terms are fitted to them.
  const cellOf = (op: string, k: number, bytes: number, parity: number) =>
    report.calibration.coding.find((p) => p.op === op && p.k === k && p.bytes === bytes && p.parityFragments === parity)!;
  assert.deepEqual(grid.shapes[1]!.encodeNs, [cellOf('encode', 3, 1024, 0).cpuMeanNs, cellOf('encode', 3, 8192, 0).cpuMeanNs]);
  assert.deepEqual(grid.shapes[0]!.decodeNs[2], [cellOf('decode', 2, 1024, 2).cpuMeanNs, cellOf('decode', 2, 8192, 2).cpuMeanNs]);
  const hashAt = (bytes: number) => report.calibration.points.find((p) => p.primitive === 'hash' && p.bytes === bytes)!.cpuMeanNs;
  assert.deepEqual(report.profile.hash, fitFlat([64, 1024, 65536, 1048576].map((bytes) => ({ bytes, ns: hashAt(bytes) }))));
  withDir((dir) => {
    const path = join(dir, 'cal.json');
    writeJsonAtomic(path, report);
    assert.deepEqual(loadCostProfile(path), report.profile);
  });
});

test('an inline costProfile in a config may carry a grid; a bad grid is one line naming the field and the value', () => {
  const FREE = { nsPerOp: 0, nsPerByte: 0 };
  const flat = { hash: FREE, hmac: FREE, sign: FREE, verify: FREE, encode: FREE, decode: FREE, message: FREE };
  const coding = { sizesBytes: [1024, 4096], shapes: [{ k: 2, n: 4, encodeNs: [10, 20], decodeNs: [[1, 2], [3, 4], [5, 6]] }] };
  const config = (costProfile: unknown) => ({ name: 'x', engine: 'sim', protocol: { name: 'powerstore', t: 1 }, workload: { operations: 1 }, costProfile });
  const resolved = resolveExperiment(parseConfig(config({ ...flat, coding }))).runs[0]!;
  assert.deepEqual(resolved.costProfile.coding, coding);
  const bad = { ...coding, shapes: [{ ...coding.shapes[0]!, decodeNs: [[1, 2]] }] };
  assert.throws(
    () => parseConfig(config({ ...flat, coding: bad })),
    (error: Error) => error.message === 'costProfile.coding.shapes[0].decodeNs: expected 3 rows (parity fragments 0..2), got [[1,2]]',
  );
});
