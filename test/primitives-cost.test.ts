/**
 * Cost profiles: the shipped default.json equals DEFAULT_PROFILE, the loader validates and names
 * the bad field, the calibrate fit is the line through two points, and calibrate's output loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROFILE, ZERO_PROFILE } from '../harness/cost/profile.ts';
import { loadCostProfile, CostProfileError } from '../harness/cost/load.ts';
import { calibrate, fitCost, rotatingSubsets, writeJsonAtomic } from '../harness/cost/calibrate.ts';
import { DEFAULT_PROFILE_PATH } from '../harness/cost/calibrate-default.ts';

test('configs/cost-profiles/default.json equals DEFAULT_PROFILE', () => {
  assert.deepEqual(JSON.parse(readFileSync(DEFAULT_PROFILE_PATH, 'utf8')), DEFAULT_PROFILE);
  assert.deepEqual(loadCostProfile(DEFAULT_PROFILE_PATH), DEFAULT_PROFILE);
});

test('loadCostProfile: names, bare files, calibrate reports', () => {
  assert.equal(loadCostProfile('zero'), ZERO_PROFILE);
  assert.equal(loadCostProfile('default'), DEFAULT_PROFILE);
  const dir = mkdtempSync(join(tmpdir(), 'qb-cost-'));
  try {
    const custom = { ...DEFAULT_PROFILE, name: 'custom', hash: { nsPerOp: 0, nsPerByte: 1 } };
    const bare = join(dir, 'bare.json');
    writeJsonAtomic(bare, custom);
    assert.deepEqual(loadCostProfile(bare), custom);
    const wrapped = join(dir, 'wrapped.json');
    writeJsonAtomic(wrapped, { profile: custom, calibration: { host: 'x' } });
    assert.deepEqual(loadCostProfile(wrapped), custom);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadCostProfile: errors name the field and the value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-cost-'));
  try {
    const write = (name: string, data: unknown): string => {
      const path = join(dir, name);
      writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
      return path;
    };
    const negative = write('neg.json', { ...DEFAULT_PROFILE, hash: { nsPerOp: 5, nsPerByte: -1 } });
    assert.throws(() => loadCostProfile(negative), (e: unknown) => {
      assert.ok(e instanceof CostProfileError);
      assert.match(e.message, /hash\.nsPerByte/);
      assert.match(e.message, /got -1/);
      return true;
    });
    const text = write('str.json', { profile: { ...DEFAULT_PROFILE, verify: { nsPerOp: 'fast', nsPerByte: 0 } } });
    assert.throws(() => loadCostProfile(text), /profile\.verify\.nsPerOp.*got "fast"/);
    const { message: _dropped, ...noMessage } = DEFAULT_PROFILE;
    assert.throws(() => loadCostProfile(write('missing.json', noMessage)), /message.*got nothing/);
    assert.throws(() => loadCostProfile(write('extra.json', { ...DEFAULT_PROFILE, gpu: 1 })), /gpu/);
    assert.throws(() => loadCostProfile(write('bad.json', '{ nope')), /not valid JSON/);
    assert.throws(() => loadCostProfile(join(dir, 'absent.json')), /absent\.json/);
    assert.throws(() => loadCostProfile('fast'), /"fast"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fitCost is the line through two points, clamped at 0', () => {
  assert.deepEqual(fitCost(64, 1000, 1064, 2000), { nsPerOp: 936, nsPerByte: 1 });
  assert.deepEqual(fitCost(0, 500, 1_000_000, 300_500), { nsPerOp: 500, nsPerByte: 0.3 });
  // Noise making the large input look cheaper per call than the small one: no negative slope.
  assert.deepEqual(fitCost(64, 1000, 128, 900), { nsPerOp: 1000, nsPerByte: 0 });
  assert.throws(() => fitCost(10, 1, 10, 2), RangeError);
});

test('rotatingSubsets covers all k-subsets when few, spreads when many', () => {
  assert.deepEqual(rotatingSubsets(2, 4, 16), [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
  const spread = rotatingSubsets(3, 10, 16);
  assert.equal(spread.length, 16);
  assert.deepEqual(spread[0], [0, 1, 2]);
  assert.equal(new Set(spread.map((s) => s.join())).size, 16);
});

test('calibrate (very short) yields a loadable profile and records what it measured', async () => {
  const report = await calibrate({ crypto: 'node', erasure: 'typescript', k: 2, n: 3, measure: { timeMs: 1, iterations: 2 } });
  assert.equal(report.calibration.erasure, 'rs-ts');
  assert.equal(report.calibration.crypto, 'node');
  assert.equal(report.calibration.points.length, 14);
  const dir = mkdtempSync(join(tmpdir(), 'qb-cost-'));
  try {
    const path = join(dir, 'cal.json');
    writeJsonAtomic(path, report);
    const profile = loadCostProfile(path);
    assert.equal(profile.name, 'calibrated');
    // Ed25519 verification costs far more than hashing 64 bytes on any machine.
    assert.ok(profile.verify.nsPerOp > profile.hash.nsPerOp, JSON.stringify(profile));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
