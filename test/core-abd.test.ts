/**
 * ABD end to end on the simulator, against hand-computed schedules (docs/protocols.md#abd).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOnce } from '../harness/runner/index.ts';
import { frameWireSize } from '../harness/sim/frame-size.ts';
import { wireSize } from '../harness/wire/codec.ts';
import { checkHistory } from '../harness/checker/index.ts';
import { makeValue } from '../harness/workload/values.ts';
import type { AbdMessage } from '../protocols/abd/messages.ts';
import { abdConstantConfig, latencyNs, resolveRun } from './core-helpers.ts';

test('abd-constant config: every write and every read takes exactly 2 rounds and exactly 40 ms', async () => {
  // Each round is one 10 ms hop out and one back; two rounds = 4 hops = 40 ms, with no CPU cost and
  // unlimited bandwidth, whatever the interleaving of the writer and the reader.
  const { result, history } = await runOnce(resolveRun(abdConstantConfig()));
  assert.equal(history.length, 200);
  for (const record of history) {
    assert.equal(record.status, 'ok');
    assert.equal(record.rounds, 2);
    assert.equal(latencyNs(record), 40_000_000);
  }
  assert.equal(result.ops.write?.count, 100);
  assert.equal(result.ops.read?.count, 100);
  for (const kind of ['read', 'write'] as const) {
    const stats = result.ops[kind]!;
    assert.deepEqual(stats.latencyMs, { mean: 40, p50: 40, p90: 40, p99: 40, p999: 40, max: 40 });
    assert.deepEqual(stats.rounds, { mean: 2, max: 2, histogram: { '2': 100 } });
    // 2 rounds × (3 requests + 3 replies): every server answers, even beyond the quorum.
    assert.equal(stats.messagesPerOp, 12);
  }
  // Closed loop, one op after another per client: 100 ops × 40 ms = 4 s, 200 ops / 4 s = 50 ops/s.
  assert.equal(result.durationMs, 4000);
  assert.equal(result.throughputOpsPerS, 50);
  assert.equal((await checkHistory(history)).verdict, 'ok');
});

test('a 1 MiB write over 100 MB/s links adds exactly each frame\'s transmission time per hop', async () => {
  const run = resolveRun(
    abdConstantConfig({
      network: { latency: { distribution: 'constant', oneWayMs: 10 }, bandwidthMBps: 100 },
      workload: { keys: 1, writers: 1, readers: 0, valueBytes: 1048576, operations: 1 },
    }),
  );
  const { history } = await runOnce(run);
  assert.equal(history.length, 1);
  // Frame sizes by hand (harness/wire/codec.ts format; frame = {key, msg}):
  //   frame overhead 10 + key "k0" 4, then the message object:
  //   GET_TS     {type:"GET_TS",op:1}                           2 + 13 + 5               = 20  → 34 B
  //   GET_TS_ACK {type:"GET_TS_ACK",op:1,num:0,writer:""}      2 + 17 + 5 + 6 + 9       = 39  → 53 B
  //   PUT        {type:"PUT",op:1,num:1,writer:"w1",value:1MiB} 2 + 10 + 5 + 6 + 11 + (6 + 1 + 3 + 1048576) = 1048620 → 1048634 B
  //   PUT_ACK    {type:"PUT_ACK",op:1}                          2 + 14 + 5               = 21  → 35 B
  const value = makeValue('w1:1', 1048576);
  assert.equal(value.length, 1048576);
  const messages: AbdMessage[] = [
    { type: 'GET_TS', op: 1 },
    { type: 'GET_TS_ACK', op: 1, num: 0, writer: '' },
    { type: 'PUT', op: 1, num: 1, writer: 'w1', value },
    { type: 'PUT_ACK', op: 1 },
  ];
  const sizes = messages.map((msg) => frameWireSize({ key: 'k0', msg, tag: 0 }));
  assert.deepEqual(sizes, [34, 53, 1048634, 35]);
  assert.equal(wireSize({ key: 'k0', msg: messages[2] }), 1048634);
  // At 100 MB/s a byte takes 10 ns: 4 hops of 10 ms plus (34 + 53 + 1048634 + 35) × 10 ns.
  assert.equal(latencyNs(history[0]!), 40_000_000 + (34 + 53 + 1048634 + 35) * 10);
  assert.equal(latencyNs(history[0]!), 50_487_560);
});

test('fastRead: uncontended reads take 1 round (and plain reads 2)', async () => {
  // One client alternating writes and reads: its reads never overlap a write, and each write reached
  // all three servers at the same instant (constant latency), so every read's quorum agrees.
  const workload = { keys: 1, writers: 1, readers: 0, valueBytes: 64, readRatio: 0.5, operations: 200 };
  const fast = await runOnce(resolveRun(abdConstantConfig({ protocol: { name: 'abd', t: 1, options: { fastRead: true } }, workload })));
  const reads = fast.history.filter((r) => r.op === 'read');
  assert.ok(reads.length > 50, `expected many reads, got ${reads.length}`);
  for (const read of reads) {
    assert.equal(read.rounds, 1);
    assert.equal(latencyNs(read), 20_000_000);
  }
  assert.equal(fast.result.ops.read!.rounds.max, 1);
  assert.equal((await checkHistory(fast.history)).verdict, 'ok');

  const plain = await runOnce(resolveRun(abdConstantConfig({ workload })));
  assert.ok(plain.history.filter((r) => r.op === 'read').every((r) => r.rounds === 2));
});

test('fastRead: a read concurrent with a write that reached only part of its quorum takes 2 rounds', async () => {
  // Random 1–20 ms links: a read overlapping a write sees different timestamps and writes back.
  const run = resolveRun(
    abdConstantConfig({
      protocol: { name: 'abd', t: 1, options: { fastRead: true } },
      network: { latency: { distribution: 'uniform', minMs: 1, maxMs: 20 } },
      workload: { keys: 1, writers: 2, readers: 4, valueBytes: 64, operations: 400 },
    }),
  );
  const { history } = await runOnce(run);
  assert.ok(history.some((r) => r.op === 'read' && r.rounds === 2));
  assert.ok(history.some((r) => r.op === 'read' && r.rounds === 1));
  assert.equal((await checkHistory(history)).verdict, 'ok');
});

test('crash of t servers: every operation still completes (t = 2, n = 5)', async () => {
  const run = resolveRun(
    abdConstantConfig({
      protocol: { name: 'abd', t: 2 },
      workload: { keys: 3, writers: 2, readers: 3, valueBytes: 128, operations: 300 },
      faults: [
        { type: 'crash', node: 's1', atMs: 0 },
        { type: 'crash', node: 's4', atMs: 95 },
      ],
    }),
  );
  const { result, history } = await runOnce(run);
  assert.equal(history.length, 300);
  assert.ok(history.every((r) => r.status === 'ok' && r.rounds === 2));
  assert.equal(result.ops.read!.pending + result.ops.write!.pending, 0);
  assert.equal((await checkHistory(history)).verdict, 'ok');
  // s1 crashed before its first message: it stores nothing.
  assert.equal(result.storageBytesPerServer[0], 0);
});

test('crash of t + 1 servers (expectViolation): the run ends, unfinished operations pending', async () => {
  const run = resolveRun(
    abdConstantConfig({
      expectViolation: true,
      faults: [
        { type: 'crash', node: 's1', atMs: 100 },
        { type: 'crash', node: 's2', atMs: 100 },
      ],
    }),
  );
  const { history, outcome } = await runOnce(run);
  assert.equal(outcome, 'idle');
  // Ops run at 0 and 40 ms and finish. The pair starting at 80 ms gets its round-1 replies at 100 ms
  // (queries reached the servers at 90), but its round 2 reaches s1 and s2 at 110, after their crash
  // at 100: only s3 answers, short of the quorum of 2, so both stay pending and nothing else happens.
  const pending = history.filter((r) => r.status === 'pending');
  assert.equal(pending.length, 2);
  assert.ok(pending.every((r) => r.return === null && r.call === 80 && r.rounds === 2));
  assert.equal(history.filter((r) => r.status === 'ok').length, 4);
});

test('writer crash mid-write: after round 1, round 2 sent to one server only; the op stays pending', async () => {
  const run = resolveRun(
    abdConstantConfig({
      workload: { keys: 1, writers: 1, readers: 1, valueBytes: 64, readRatio: 0.5, operations: 40 },
      faults: [{ type: 'crash', node: 'w1', duringOp: 2, afterRound: 1, sendTo: 1 }],
    }),
  );
  const { history, result } = await runOnce(run);
  const writes = history.filter((r) => r.client === 'w1');
  assert.equal(writes.length, 2);
  assert.equal(writes[0]!.status, 'ok');
  assert.deepEqual({ ...writes[1]!, call: 0 }, { client: 'w1', op: 'write', key: 'k0', value: 'w1:2', call: 0, return: null, status: 'pending', rounds: 2 });
  // Only s1 got the second PUT: it stores w1:2 (value 64 B + 8 + "w1"), the others still w1:1.
  assert.deepEqual(result.storageBytesPerServer, [74, 74, 74]);
  // The reader goes on; a read write-back of w1:2 would spread it, which the checker accepts.
  assert.ok(history.filter((r) => r.client === 'r1').every((r) => r.status === 'ok'));
  assert.equal((await checkHistory(history)).verdict, 'ok');
});

test('more servers than 2t + 1: quorums of n - t (t = 1, servers: 5 ⇒ 4 replies), still 40 ms', async () => {
  const run = resolveRun(abdConstantConfig({ servers: 5, faults: [{ type: 'crash', node: 's5', atMs: 0 }] }));
  assert.equal(run.n, 5);
  const { history } = await runOnce(run);
  assert.ok(history.every((r) => r.status === 'ok' && latencyNs(r) === 40_000_000));
  // With a second server slowed by 30 ms, the 4th reply comes from it: rounds of 50 ms.
  const slow = await runOnce(
    resolveRun(abdConstantConfig({ servers: 5, workload: { writers: 1, readers: 0, valueBytes: 8, operations: 3 }, faults: [{ type: 'crash', node: 's5', atMs: 0 }, { type: 'slow', node: 's4', delayMs: 30 }] })),
  );
  assert.ok(slow.history.every((r) => latencyNs(r) === 100_000_000));
});
