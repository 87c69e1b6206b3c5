/**
 * Each node's CPU is one queue in the simulator (harness/sim/engine.ts): a task starts when the
 * node's previous task ends, costs charged during it make it last that long, and the frames it
 * sends leave when it ends. Shown through the public run API with a hand-written cost profile and
 * constant 1 ms links, against schedules worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { runOnce } from '../harness/runner/index.ts';

const FREE = { nsPerOp: 0, nsPerByte: 0 };
const ONE_WAY_MS = 1;

function profile(overrides: Record<string, { nsPerOp: number; nsPerByte: number }>) {
  return { name: 'hand', hash: FREE, hmac: FREE, sign: FREE, verify: FREE, encode: FREE, decode: FREE, message: FREE, ...overrides };
}

async function latenciesMs(fields: Record<string, unknown>): Promise<Map<string, number>> {
  const config = parseConfig({
    name: 'cpu-queue',
    engine: 'sim',
    seed: 1,
    network: { latency: { distribution: 'constant', oneWayMs: ONE_WAY_MS }, bandwidthMBps: 0 },
    faults: [],
    ...fields,
  });
  const { history } = await runOnce(resolveExperiment(config).runs[0]!);
  for (const h of history) assert.equal(h.status, 'ok', `${h.client} ${h.op}`);
  return new Map(history.map((h) => [h.client, h.return! - h.call]));
}

const close = (actual: number, expected: number, label: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${label}: ${actual} ms, expected ${expected} ms`);

test('a client handles one reply at a time: an ABD write with 0.1 ms per message takes 4L + 6C = 4.6 ms', async () => {
  // C = 0.1 ms per received message, L = 1 ms, n = 3, quorum 2. GET_TS leaves at 0; each server
  // handles it in [1, 1.1]; the three replies reach the writer at 2.1 and are handled one after the
  // other: [2.1, 2.2], [2.2, 2.3] (quorum: PUTs leave at 2.3), [2.3, 2.4]. The servers handle the PUT
  // in [3.3, 3.4]; acks arrive at 4.4, handled [4.4, 4.5] and [4.5, 4.6]: done at 4.6 ms. Were the
  // replies handled in parallel, it would be 4L + 4C = 4.4 ms.
  const latency = await latenciesMs({
    protocol: { name: 'abd', t: 1 },
    costProfile: profile({ message: { nsPerOp: 100_000, nsPerByte: 0 } }),
    workload: { keys: 1, writers: 1, readers: 0, readRatio: 0, valueBytes: 16, operations: 1 },
  });
  close(latency.get('w1')!, 4.6, 'w1');
});

test('a busy server delays the messages behind it: two concurrent ABD writes finish 0.1 ms apart', async () => {
  // Both writers send GET_TS at 0; every server receives both at 1 and handles w1's in [1, 1.1] and
  // w2's in [1.1, 1.2] (same-time events run in the order they were scheduled). So w1 proceeds as in
  // the test above (4.6 ms) and w2 one message later throughout: replies at 2.2, handled [2.2, 2.3],
  // [2.3, 2.4] (PUTs leave at 2.4), PUTs handled [3.4, 3.5] right after w1's [3.3, 3.4], acks at 4.5,
  // handled [4.5, 4.6], [4.6, 4.7]: done at 4.7 ms.
  const latency = await latenciesMs({
    protocol: { name: 'abd', t: 1 },
    costProfile: profile({ message: { nsPerOp: 100_000, nsPerByte: 0 } }),
    workload: { keys: 1, writers: 2, readers: 0, readRatio: 0, valueBytes: 16, operations: 2 },
  });
  close(latency.get('w1')!, 4.6, 'w1');
  close(latency.get('w2')!, 4.7, 'w2');
});

test('a client that encodes 16 MiB sends nothing meanwhile: a PoWerStore write takes E + 4L', async () => {
  // Encoding is charged 0.5 ns per value byte: E = 0.5 · 16 MiB = 8,388,608 ns. The STOREs leave
  // when the writer's start task (encode, hashes free) ends at E; two round trips follow (STORE,
  // COMPLETE), with free servers: E + 4L = 12.388608 ms. Had the STOREs left at 0 while encoding
  // went on, the write would take max(E, …) + 2L at most.
  const valueBytes = 16 * 1024 * 1024;
  const latency = await latenciesMs({
    protocol: { name: 'powerstore', t: 1 },
    costProfile: profile({ encode: { nsPerOp: 0, nsPerByte: 0.5 } }),
    workload: { keys: 1, writers: 1, readers: 0, readRatio: 0, valueBytes, operations: 1 },
  });
  close(latency.get('w1')!, (0.5 * valueBytes) / 1e6 + 4 * ONE_WAY_MS, 'w1');
});

test('coding is charged from the grid in a run: a PoWerStore write of 4 KiB at t = 1 takes E(2, 4, 4 KiB) + 4L', async () => {
  // t = 1: k = 2, n = 4. The grid holds (2, 4) only, with 4096 ns for encoding 4 KiB (the flat
  // encode term, 1 ns per byte, would charge 0.01 ms more and does not apply). The writer's start
  // task lasts E = 4096 ns; STORE and COMPLETE round trips follow: 0.004096 + 4 ms.
  const grid = { sizesBytes: [1024, 4096], shapes: [{ k: 2, n: 4, encodeNs: [1024, 4096], decodeNs: [[1, 1], [1, 1], [1, 1]] }] };
  const latency = await latenciesMs({
    protocol: { name: 'powerstore', t: 1 },
    costProfile: { ...profile({ encode: { nsPerOp: 10_000, nsPerByte: 1 } }), coding: grid },
    workload: { keys: 1, writers: 1, readers: 0, readRatio: 0, valueBytes: 4096, operations: 1 },
  });
  close(latency.get('w1')!, 4096 / 1e6 + 4 * ONE_WAY_MS, 'w1');
});
