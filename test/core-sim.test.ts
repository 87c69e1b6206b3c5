/**
 * The simulator's pieces: event order, the network model (FIFO per link, bandwidth, NIC), the CPU
 * model with a cost profile, and determinism of whole runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventQueue } from '../harness/sim/event-queue.ts';
import { Simulator } from '../harness/sim/simulator.ts';
import { SimTransport } from '../harness/sim/transport.ts';
import { frameWireSize } from '../harness/sim/frame-size.ts';
import { NetworkModel, transmissionNs, type NetworkSpec } from '../harness/network/model.ts';
import { latencySampler } from '../harness/network/latency.ts';
import { Rng, stream, deriveSeed } from '../harness/rng.ts';
import { runExperiment, runOnce } from '../harness/runner/index.ts';
import { parseConfig } from '../harness/config/index.ts';
import { ZERO_PROFILE } from '../harness/cost/profile.ts';
import type { Frame } from '../harness/transport/types.ts';
import type { ClientMachine, NodeId, Operation, OpStep, ProtocolDefinition, ServerMachine } from '../protocols/types.ts';
import { z } from 'zod';
import { abdConstantConfig, latencyNs, resolveRun } from './core-helpers.ts';

test('event queue: time order, ties in insertion order', () => {
  const queue = new EventQueue();
  const order: string[] = [];
  const times = [5, 1, 3, 1, 5, 0, 3, 1];
  times.forEach((t, i) => queue.push(t, () => order.push(`${t}:${i}`)));
  while (queue.size > 0) {
    const event = queue.pop()!;
    event.fn(event.a, event.b, event.c);
  }
  assert.deepEqual(order, ['0:5', '1:1', '1:3', '1:7', '3:2', '3:6', '5:0', '5:4']);
});

test('event queue: agrees with a stable sort on 10,000 random events', () => {
  const rng = new Rng(7);
  const queue = new EventQueue();
  const events = Array.from({ length: 10_000 }, (_, i) => ({ t: rng.int(0, 500), i }));
  const popped: number[] = [];
  for (const e of events) queue.push(e.t, () => popped.push(e.i));
  while (queue.size > 0) {
    const event = queue.pop()!;
    event.fn(event.a, event.b, event.c);
  }
  const expected = [...events].sort((a, b) => a.t - b.t || a.i - b.i).map((e) => e.i);
  assert.deepEqual(popped, expected);
});

test('rng: named streams are independent and reproducible', () => {
  assert.equal(deriveSeed(1, 'network'), deriveSeed(1, 'network'));
  assert.notEqual(deriveSeed(1, 'network'), deriveSeed(1, 'workload'));
  assert.notEqual(deriveSeed(1, 'network'), deriveSeed(2, 'network'));
  const a = stream(9, 'x');
  const b = stream(9, 'x');
  for (let i = 0; i < 100; i++) assert.equal(a.uint32(), b.uint32());
  const r = new Rng(3);
  for (let i = 0; i < 1000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    const k = r.int(2, 4);
    assert.ok(k >= 2 && k <= 4);
  }
});

test('latency distributions: constant exact, normal truncated at 0, means as configured', () => {
  const rng = new Rng(11);
  assert.equal(latencySampler({ distribution: 'constant', oneWayMs: 2.5 })(rng), 2_500_000);
  const normal = latencySampler({ distribution: 'normal', meanMs: 0, stddevMs: 1 });
  let zeros = 0;
  for (let i = 0; i < 2000; i++) {
    const v = normal(rng);
    assert.ok(v >= 0);
    if (v === 0) zeros++;
  }
  // Half of a zero-mean normal is negative and truncated to 0.
  assert.ok(zeros > 850 && zeros < 1150, `zeros=${zeros}`);
  const exponential = latencySampler({ distribution: 'exponential', meanMs: 4 });
  let sum = 0;
  for (let i = 0; i < 20_000; i++) sum += exponential(rng);
  assert.ok(Math.abs(sum / 20_000 / 1e6 - 4) < 0.2);
  const pareto = latencySampler({ distribution: 'pareto', scaleMs: 1, shape: 3 });
  for (let i = 0; i < 1000; i++) assert.ok(pareto(rng) >= 1_000_000);
});

function makeTransport(spec: NetworkSpec, nodes: NodeId[], seed = 1) {
  const sim = new Simulator();
  const transport = new SimTransport(sim, nodes, new NetworkModel(spec, nodes), stream(seed, 'network'));
  return { sim, transport };
}

test('FIFO per link under random latency: no frame overtakes an earlier one on its link', async () => {
  const spec: NetworkSpec = { latency: { distribution: 'uniform', minMs: 0, maxMs: 100 }, bandwidthMBps: 0, nicUplinkMBps: 0, nicDownlinkMBps: 0 };
  const { sim, transport } = makeTransport(spec, ['a', 'b', 'c']);
  const received: { from: string; seq: number; atNs: number }[] = [];
  transport.attach('b', (from, frame) => received.push({ from, seq: (frame.msg as unknown as { seq: number }).seq, atNs: sim.nowNs() }));
  for (let i = 0; i < 500; i++) {
    sim.schedule(i * 100_000, () => {
      transport.send('a', 'b', { key: 'k0', tag: 0, msg: { type: 'X', seq: i } as never });
      transport.send('c', 'b', { key: 'k0', tag: 0, msg: { type: 'X', seq: i } as never });
    });
  }
  await sim.run(Infinity);
  assert.equal(received.length, 1000);
  for (const from of ['a', 'c']) {
    const seqs = received.filter((r) => r.from === from).map((r) => r.seq);
    assert.deepEqual(seqs, Array.from({ length: 500 }, (_, i) => i));
  }
  // Across links there is no such order: the two links' frames interleave out of send order.
  const interleaved = received.map((r) => r.seq);
  assert.ok(interleaved.some((seq, i) => i > 0 && seq < interleaved[i - 1]!));
});

test('bandwidth: frames on one link are serialized; a NIC uplink is shared by all links of a node', async () => {
  const frame: Frame = { key: 'k0', tag: 0, msg: { type: 'X', payload: new Uint8Array(9985) } as never };
  // 10 + 4 (key) + 2 + (1+4 + 1+1+1) "type":"X" + (1+7 + 1+2+9985) "payload" = 10020 bytes.
  assert.equal(frameWireSize(frame), 10_020);
  assert.equal(transmissionNs(10_020, 10), 1_002_000);
  const spec: NetworkSpec = { latency: { distribution: 'constant', oneWayMs: 1 }, bandwidthMBps: 10, nicUplinkMBps: 0, nicDownlinkMBps: 0 };
  const { sim, transport } = makeTransport(spec, ['a', 'b', 'c']);
  const arrivals: number[] = [];
  transport.attach('b', () => arrivals.push(sim.nowNs()));
  transport.attach('c', () => arrivals.push(sim.nowNs()));
  transport.send('a', 'b', frame);
  transport.send('a', 'b', frame);
  transport.send('a', 'c', frame);
  await sim.run(Infinity);
  // Link a→b: 1.002 ms each, back to back; link a→c runs in parallel.
  assert.deepEqual(arrivals, [2_002_000, 2_002_000, 3_004_000]);

  const nic: NetworkSpec = { latency: { distribution: 'constant', oneWayMs: 1 }, bandwidthMBps: 0, nicUplinkMBps: 10, nicDownlinkMBps: 0 };
  const second = makeTransport(nic, ['a', 'b', 'c']);
  const nicArrivals: string[] = [];
  second.transport.attach('b', () => nicArrivals.push(`b@${second.sim.nowNs()}`));
  second.transport.attach('c', () => nicArrivals.push(`c@${second.sim.nowNs()}`));
  second.transport.send('a', 'b', frame);
  second.transport.send('a', 'c', frame);
  await second.sim.run(Infinity);
  // One uplink: the frame to c leaves after the frame to b has been pushed out.
  assert.deepEqual(nicArrivals, ['b@2002000', 'c@3004000']);

  const down: NetworkSpec = { latency: { distribution: 'constant', oneWayMs: 1 }, bandwidthMBps: 0, nicUplinkMBps: 0, nicDownlinkMBps: 10 };
  const third = makeTransport(down, ['a', 'b', 'c']);
  const downArrivals: string[] = [];
  third.transport.attach('c', (from) => downArrivals.push(`${from}@${third.sim.nowNs()}`));
  third.transport.send('a', 'c', frame);
  third.transport.send('b', 'c', frame);
  await third.sim.run(Infinity);
  // One downlink at c: both arrive at 1 ms, then are received one after the other.
  assert.deepEqual(downArrivals, ['a@2002000', 'b@3004000']);
});

// A tiny protocol for the cost model: the one server hashes each value it receives.
type HashMsg = { readonly type: 'H'; readonly value: Uint8Array } | { readonly type: 'ACK' };
const hashProtocol: ProtocolDefinition<HashMsg, Record<string, never>, null> = {
  name: 'hash-test',
  description: 'test protocol: the server hashes every value',
  serverCount: () => 1,
  tolerance: () => ({ crash: 0, byzantine: 0, byzantineReaders: false }),
  multiWriter: true,
  optionsSchema: z.strictObject({}),
  setup: () => null,
  createServer: (_i, _c, _o, _s, env): ServerMachine<HashMsg> => ({
    handle(from, msg) {
      if (msg.type !== 'H') return [];
      env.crypto.sha256(msg.value);
      return [{ to: from, msg: { type: 'ACK' } }];
    },
    storedBytes: () => 0,
  }),
  createClient: (): ClientMachine<HashMsg> => {
    const op = (kind: 'read' | 'write', value: Uint8Array): Operation<HashMsg> => ({
      kind,
      rounds: 1,
      retries: 0,
      start: () => [{ to: 's1', msg: { type: 'H', value } }],
      onMessage: (): OpStep<HashMsg> => ({ status: 'done', send: [] }),
    });
    return { read: () => op('read', new Uint8Array(0)), write: (value) => op('write', value) };
  },
  parseMessage: (v) => v as HashMsg,
  strategies: {},
};

test('cost profile: hashing 1 MiB at 1 ns/byte takes 1.048576 ms of server CPU; the next message waits', async () => {
  const profile = { ...ZERO_PROFILE, name: 'hash-1ns', hash: { nsPerOp: 0, nsPerByte: 1 } };
  const run = resolveRun(
    abdConstantConfig({
      protocol: { name: 'hash-test', t: 1 },
      costProfile: profile,
      workload: { keys: 1, writers: 2, readers: 0, valueBytes: 1048576, operations: 2 },
    }),
    { 'hash-test': hashProtocol },
  );
  const { history, result } = await runOnce(run);
  const w1 = history.find((r) => r.client === 'w1')!;
  const w2 = history.find((r) => r.client === 'w2')!;
  // Both values reach s1 at 10 ms. w1's is handled first (sent first): 10 + 1.048576 + 10 ms.
  assert.equal(latencyNs(w1), 21_048_576);
  // w2's waits until 11.048576 ms, then takes another 1.048576 ms: 10 + 2 × 1.048576 + 10 ms.
  assert.equal(latencyNs(w2), 22_097_152);
  assert.equal(result.ops.write!.cpuNsPerOp['hash'], 1_048_576);
});

test('cost profile: message handling cost per message and per byte delays replies', async () => {
  const profile = { ...ZERO_PROFILE, name: 'msg', message: { nsPerOp: 1000, nsPerByte: 0 } };
  const { history } = await runOnce(resolveRun(abdConstantConfig({ costProfile: profile, workload: { keys: 1, writers: 1, readers: 0, valueBytes: 16, operations: 1 } })));
  // 4 hops of 10 ms; each round costs 1 µs at the server and 1 µs per reply at the client, but the
  // client finishes the round with the 2nd reply (the 3rd arrives at the same time, after it):
  // round = 10 ms + 1 µs (server) + 10 ms + 2 µs (client: two replies) = 20.003 ms.
  assert.equal(latencyNs(history[0]!), 40_006_000);
});

test('same config and seed ⇒ byte-identical summary.json; another seed ⇒ a different history', async () => {
  const raw = abdConstantConfig({
    network: { latency: { distribution: 'exponential', meanMs: 5, minMs: 1 }, bandwidthMBps: 50 },
    costProfile: 'default',
    workload: { keys: 4, keyDistribution: 'zipfian', writers: 3, readers: 3, valueBytes: [100, 2000], operations: 300 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'qb-core-'));
  try {
    await runExperiment(parseConfig(raw), { outDir: join(dir, 'a') });
    await runExperiment(parseConfig(raw), { outDir: join(dir, 'b') });
    await runExperiment(parseConfig(raw), { outDir: join(dir, 'c'), seed: 43 });
    const a = readFileSync(join(dir, 'a', 'summary.json'));
    const b = readFileSync(join(dir, 'b', 'summary.json'));
    assert.ok(a.equals(b));
    assert.ok(readFileSync(join(dir, 'a', 'runs.csv')).equals(readFileSync(join(dir, 'b', 'runs.csv'))));
    assert.ok(readFileSync(join(dir, 'a', 'history', 'base_0.jsonl')).equals(readFileSync(join(dir, 'b', 'history', 'base_0.jsonl'))));
    const other = readFileSync(join(dir, 'c', 'history', 'base_0.jsonl'), 'utf8');
    assert.notEqual(other, readFileSync(join(dir, 'a', 'history', 'base_0.jsonl'), 'utf8'));
    assert.ok(!a.toString().includes('"seed": 43'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('global preset: servers in Virginia, Frankfurt, Tokyo; a Virginia client waits for Frankfurt', async () => {
  const { history } = await runOnce(
    resolveRun(abdConstantConfig({ network: { preset: 'global', bandwidthMBps: 0 }, workload: { writers: 1, readers: 0, valueBytes: 8, operations: 3 } })),
  );
  // Quorum 2 of 3: Virginia answers after 1 ms (round trip in-region), Frankfurt after 89 ms, so each
  // round takes 89 ms and a write 178 ms.
  assert.ok(history.every((r) => latencyNs(r) === 178_000_000));
  // Clients in Tokyo with servers in Tokyo, Tokyo, Sydney: rounds of 1 ms.
  const local = await runOnce(
    resolveRun(
      abdConstantConfig({
        network: { preset: 'global', bandwidthMBps: 0, global: { servers: ['tokyo', 'tokyo', 'sydney'], clients: ['tokyo'] } },
        workload: { writers: 1, readers: 0, valueBytes: 8, operations: 3 },
      }),
    ),
  );
  assert.ok(local.history.every((r) => latencyNs(r) === 2_000_000));
});
