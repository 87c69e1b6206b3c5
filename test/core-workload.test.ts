/**
 * Workloads: key choice, op mix, value tags, closed and open loop, duration and warm-up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyChooser } from '../harness/workload/index.ts';
import { makeValue, valueTag } from '../harness/workload/values.ts';
import { Rng } from '../harness/rng.ts';
import { runOnce } from '../harness/runner/index.ts';
import { checkHistory } from '../harness/checker/index.ts';
import { abdConstantConfig, latencyNs, resolveRun } from './core-helpers.ts';

test('values: the tag round-trips, sizes are as configured, empty = initial value', () => {
  const value = makeValue('w12:345', 1000);
  assert.equal(value.length, 1000);
  assert.equal(valueTag(value), 'w12:345');
  // Shorter than its tag: the value is the tag and its separator.
  assert.equal(makeValue('w1:1', 2).length, 5);
  assert.equal(valueTag(makeValue('w1:1', 0)), 'w1:1');
  assert.equal(valueTag(new Uint8Array(0)), null);
  // Bytes that are no value of ours map to a tag no write used.
  assert.match(valueTag(new Uint8Array([0xff, 0xfe]))!, /^unknown:fffe:2$/);
});

test('zipfian keys: frequencies follow 1/(rank+1)^θ', () => {
  const choose = keyChooser({ keys: 10, keyDistribution: 'zipfian', zipfianTheta: 0.99, hotspot: { keyFraction: 0.2, opFraction: 0.8 } });
  const rng = new Rng(5);
  const counts = new Array(10).fill(0);
  const draws = 200_000;
  for (let i = 0; i < draws; i++) counts[choose(rng)]++;
  const weights = Array.from({ length: 10 }, (_, i) => 1 / Math.pow(i + 1, 0.99));
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < 10; i++) {
    const expected = (weights[i]! / total) * draws;
    assert.ok(Math.abs(counts[i] - expected) < 5 * Math.sqrt(expected), `rank ${i}: ${counts[i]} vs ${expected.toFixed(0)}`);
  }
});

test('hotspot keys: opFraction of the draws hit the first keyFraction of the keys', () => {
  const choose = keyChooser({ keys: 100, keyDistribution: 'hotspot', zipfianTheta: 0.99, hotspot: { keyFraction: 0.1, opFraction: 0.9 } });
  const rng = new Rng(6);
  let hot = 0;
  for (let i = 0; i < 100_000; i++) if (choose(rng) < 10) hot++;
  // 90 % directly, plus none of the cold draws (they avoid the hot keys).
  assert.ok(Math.abs(hot / 100_000 - 0.9) < 0.005, `hot share ${hot / 100_000}`);
});

test('readRatio: readers read, writers mix in reads so the expected share is readRatio', () => {
  const run = resolveRun(abdConstantConfig({ workload: { writers: 2, readers: 2, readRatio: 0.75, operations: 4000 } }));
  // (R + W (1 - w)) / (R + W) = 0.75 with R = W = 2 ⇒ w = 0.5.
  assert.equal(run.workload.writerWriteProbability, 0.5);
  const preset = resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 0, preset: 'B', operations: 10 } }));
  assert.equal(preset.workload.readRatioResolved, 0.95);
  assert.ok(Math.abs(preset.workload.writerWriteProbability - 0.05) < 1e-12);
});

test('readRatio: the measured mix matches (constant latency ⇒ equal per-client rates)', async () => {
  const { history } = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 2, readers: 2, readRatio: 0.75, operations: 4000, valueBytes: 8 } })));
  const reads = history.filter((r) => r.op === 'read').length;
  assert.ok(Math.abs(reads / 4000 - 0.75) < 0.02, `read share ${reads / 4000}`);
});

test('durationMs: a closed-loop client issues while time < duration (40 ms ops ⇒ 25 ops in 1 s)', async () => {
  const { history } = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 0, valueBytes: 8, durationMs: 1000 } })));
  // Calls at 0, 40, ..., 960 ms; at 1000 ms the duration is over.
  assert.equal(history.length, 25);
  assert.equal(history.at(-1)!.call, 960);
});

test('think time: each client waits thinkTimeMs between its operations', async () => {
  const { history } = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 0, valueBytes: 8, operations: 5, thinkTimeMs: 10 } })));
  assert.deepEqual(
    history.map((r) => r.call),
    [0, 50, 100, 150, 200],
  );
});

test('warm-up: warmupOps and warmupMs are in the history but not in the statistics', async () => {
  const ops = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 1, valueBytes: 8, operations: 20, warmupOps: 10 } })));
  assert.equal(ops.history.length, 30);
  assert.equal(ops.result.ops.read!.count + ops.result.ops.write!.count, 20);
  const time = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 0, valueBytes: 8, durationMs: 400, warmupMs: 200 } })));
  // Calls at 0, 40, ..., 560 ms (15 ops, until 600 ms); those from 200 ms on are measured: 200..560 = 10.
  assert.equal(time.history.length, 15);
  assert.equal(time.result.ops.write!.count, 10);
  // The measured span starts at the first measured call (200 ms) and ends at the last return (600 ms).
  assert.equal(time.result.durationMs, 400);
});

test('warm-up: `operations` counts measured operations when the warm-up is by time too', async () => {
  // One writer, each write 40 ms: calls at 0, 40 and 80 ms fall in the first 100 ms, then 20 are measured.
  const byTime = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 0, valueBytes: 8, operations: 20, warmupMs: 100 } })));
  assert.equal(byTime.history.length, 23);
  assert.equal(byTime.result.ops.write!.count, 20);
  // The longer of the two warm-ups wins: 5 operations (calls up to 160 ms) against 3 before 100 ms.
  const both = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 0, valueBytes: 8, operations: 20, warmupOps: 5, warmupMs: 100 } })));
  assert.equal(both.history.length, 25);
  assert.equal(both.result.ops.write!.count, 20);
  // Open loop: every arrival before 200 ms is warm-up, however many the seed draws, and 50 follow.
  const open = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 3, valueBytes: 8, mode: 'open', rateOpsPerS: 100, operations: 50, warmupMs: 200 } })));
  const early = open.history.filter((r) => r.call < 200).length;
  assert.ok(early > 0, 'the seed draws arrivals in the first 200 ms');
  assert.equal(open.history.length, 50 + early);
  assert.equal(open.result.ops.read!.count + (open.result.ops.write?.count ?? 0), 50);
});

test('open loop: latency counts from the intended start, so a backlog shows as latency', async () => {
  // One writer, each write 40 ms, arrivals at 100/s: the writer falls behind and queued writes wait.
  const busy = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 0, valueBytes: 8, mode: 'open', rateOpsPerS: 100, operations: 200 } })));
  assert.equal(busy.history.length, 200);
  const latencies = busy.history.map(latencyNs);
  assert.ok(latencies.every((ns) => ns >= 40_000_000));
  assert.ok(latencies.at(-1)! > 1_000_000_000, `last latency ${latencies.at(-1)}`);
  // The writer is never idle while a backlog exists: one write after another, 40 ms apart.
  assert.ok(busy.result.ops.write!.latencyMs.p99 > 1000);
  // At 5/s (mean gap 200 ms) the same writer mostly keeps up: a write takes exactly 40 ms unless it
  // arrived while the previous one ran, P(gap < 40 ms) = 1 - e^(-0.2) ≈ 0.18, so about 164 of 200.
  const calm = await runOnce(resolveRun(abdConstantConfig({ workload: { writers: 1, readers: 0, valueBytes: 8, mode: 'open', rateOpsPerS: 5, operations: 200 } })));
  const exact = calm.history.filter((r) => latencyNs(r) === 40_000_000).length;
  assert.ok(exact > 140 && exact < 190, `${exact} of 200 writes at exactly 40 ms`);
  // Poisson arrivals at 5/s: 200 ops span about 40 s.
  assert.ok(Math.abs(calm.history.at(-1)!.call / 1000 - 40) < 8);
  assert.equal((await checkHistory(calm.history)).verdict, 'ok');
});

test('many keys: each key is its own register (histories check per key)', async () => {
  const { history, result } = await runOnce(
    resolveRun(abdConstantConfig({ network: { latency: { distribution: 'uniform', minMs: 1, maxMs: 10 } }, workload: { keys: 8, keyDistribution: 'zipfian', writers: 3, readers: 3, valueBytes: 32, operations: 1000 } })),
  );
  const keys = new Set(history.map((r) => r.key));
  assert.equal(keys.size, 8);
  // Each server holds a copy of every key written: 8 registers of 32-byte values + metadata.
  assert.ok(result.storageBytesPerServer.every((bytes) => bytes >= 8 * 32));
  assert.equal((await checkHistory(history)).verdict, 'ok');
});
