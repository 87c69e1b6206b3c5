/**
 * The 95 % interval of a sweep point (Student t) and the aggregation of runs into points.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanInterval, tQuantile975 } from '../harness/sweep/stats.ts';
import { outcomeOf, pointRows } from '../harness/sweep/aggregate.ts';

test('t quantiles from the table', () => {
  assert.equal(tQuantile975(1), 12.706);
  assert.equal(tQuantile975(2), 4.303);
  assert.equal(tQuantile975(30), 2.042);
  assert.equal(tQuantile975(1000), 1.96);
  assert.throws(() => tQuantile975(0), /df must be an integer >= 1, got 0/);
});

test('mean ± t·s/√n, worked by hand', () => {
  // Values 10, 12, 14: mean 12, s² = (4 + 0 + 4) / 2 = 4, s = 2, s/√3 = 1.1547005, × 4.303 = 4.9686762.
  const i = meanInterval([10, 12, 14])!;
  assert.equal(i.mean, 12);
  assert.ok(Math.abs(i.low! - (12 - 4.303 * 2 / Math.sqrt(3))) < 1e-12);
  assert.ok(Math.abs(i.high! - 16.968676) < 1e-6);
  assert.deepEqual(meanInterval([5]), { mean: 5, low: null, high: null, n: 1 });
  assert.deepEqual(meanInterval([3, 3]), { mean: 3, low: 3, high: 3, n: 2 });
  assert.equal(meanInterval([]), null);
});

test('points: identity columns copied, metrics averaged with intervals, verdicts summarised', () => {
  const row = (rep: number, latency: number, verdict: string) => ({
    experiment: 'e', run: `p#${rep}`, repetition: rep, seed: 100 + rep, protocol: 'abd', t: 1, n: 3, valueBytes: 1024,
    op: 'write', point: 'p', latencyMsMean: latency, verdict, expectViolation: true,
  });
  const [point] = pointRows([row(0, 10, 'ok'), row(1, 14, 'violation')]);
  assert.equal(point!['protocol'], 'abd');
  assert.equal(point!['repetitions'], 2);
  assert.equal(point!['latencyMsMean'], 12);
  // s = 2√2, s/√2 = 2, × 12.706 = 25.412.
  assert.ok(Math.abs((point!['latencyMsMeanCiLow'] as number) - (12 - 25.412)) < 1e-9);
  assert.equal(point!['verdict'], 'violation');
  assert.equal(point!['violations'], 1);
  assert.equal(point!['outcome'], 'violation (expected)');
  assert.equal(point!['seeds'], '100 101');
  assert.equal('repetitionCiLow' in point!, false, 'identities are not averaged');
  assert.equal(outcomeOf(['ok', 'violation'], false), 'violation');
  assert.equal(outcomeOf(['ok', 'unknown'], false), 'unknown');
});
