/**
 * Message traces, checked against schedules and sizes worked out by hand: constant 1 ms one-way
 * latency and zero CPU cost, so every event's time is exact, and every message's bytes follow from
 * the wire codec's rules (harness/wire/codec.ts):
 *   object = 1 (tag) + 1 (field count) + per field: 1 + name length + value; string = 2 + length;
 *   small uint = 2; byte string = 2 + length (+1 from 128 bytes on); array = 2 + items;
 *   a frame {key, msg} = 10 + "k0" (4) + msg = 14 + msg.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { runOnce } from '../harness/runner/index.ts';
import { loadExperiment } from '../harness/config/index.ts';
import type { Trace, TraceEvent } from '../harness/trace/events.ts';
import { parseTrace, serializeTrace } from '../harness/trace/file.ts';

function runConfig(raw: Record<string, unknown>) {
  return runOnce(resolveExperiment(parseConfig(raw)).runs[0]!);
}

/** A message event as `[t, ev, from, to, type, bytes]`; an operation's as `[t, ev, node, op]`. */
function rows(trace: Trace): unknown[][] {
  return trace.events.map((e: TraceEvent) => ('from' in e ? [e.t, e.ev, e.from, e.to, e.type, e.bytes] : [e.t, e.ev, e.node, 'op' in e ? e.op : e.action]));
}

const base = {
  seed: 1,
  network: { latency: { distribution: 'constant', oneWayMs: 1 } },
  costProfile: 'zero',
};

test('a 2-round ABD read at t = 1: every event, its time, type and bytes, by hand', async () => {
  // w1 writes "w1:1" (8 bytes) at 0 and is done at 4; r1 reads at 10. The trace starts at 10, so it
  // holds the read alone. n = 3, the read waits for n - t = 2 replies per round.
  const output = await runConfig({
    ...base,
    name: 'trace-abd-read',
    protocol: { name: 'abd', t: 1 },
    workload: { writers: 1, readers: 1, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }, { id: 'rd', client: 'r1', kind: 'read', atMs: 10 }] },
    trace: { fromMs: 10 },
  });
  const trace = output.trace!;
  // GET {type:"GET", op:1}: 2 + (5 + 5) + (3 + 2) = 17 bytes → 31 on the wire.
  // GET_ACK {type, op, num:1, writer:"w1", value: 8 bytes}: 2 + (5 + 9) + 5 + (4 + 2) + (7 + 4) + (6 + 10) = 54 → 68.
  // PUT, the write-back {type:"PUT", op, num, writer, value}: 2 + (5 + 5) + 5 + 6 + 11 + 16 = 50 → 64.
  // PUT_ACK {type:"PUT_ACK", op}: 2 + (5 + 9) + 5 = 21 → 35.
  const get = 31;
  const getAck = 68;
  const put = 64;
  const putAck = 35;
  assert.deepEqual(rows(trace), [
    [10, 'call', 'r1', 1],
    [10, 'send', 'r1', 's1', 'GET', get],
    [10, 'send', 'r1', 's2', 'GET', get],
    [10, 'send', 'r1', 's3', 'GET', get],
    [11, 'deliver', 'r1', 's1', 'GET', get],
    [11, 'send', 's1', 'r1', 'GET_ACK', getAck],
    [11, 'deliver', 'r1', 's2', 'GET', get],
    [11, 'send', 's2', 'r1', 'GET_ACK', getAck],
    [11, 'deliver', 'r1', 's3', 'GET', get],
    [11, 'send', 's3', 'r1', 'GET_ACK', getAck],
    // The second reply completes round 1: the write-back goes out before the third reply is handled.
    [12, 'deliver', 's1', 'r1', 'GET_ACK', getAck],
    [12, 'deliver', 's2', 'r1', 'GET_ACK', getAck],
    [12, 'send', 'r1', 's1', 'PUT', put],
    [12, 'send', 'r1', 's2', 'PUT', put],
    [12, 'send', 'r1', 's3', 'PUT', put],
    [12, 'deliver', 's3', 'r1', 'GET_ACK', getAck],
    [13, 'deliver', 'r1', 's1', 'PUT', put],
    [13, 'send', 's1', 'r1', 'PUT_ACK', putAck],
    [13, 'deliver', 'r1', 's2', 'PUT', put],
    [13, 'send', 's2', 'r1', 'PUT_ACK', putAck],
    [13, 'deliver', 'r1', 's3', 'PUT', put],
    [13, 'send', 's3', 'r1', 'PUT_ACK', putAck],
    [14, 'deliver', 's1', 'r1', 'PUT_ACK', putAck],
    [14, 'deliver', 's2', 'r1', 'PUT_ACK', putAck],
    [14, 'return', 'r1', 1],
    // The run ends as its last operation returns: s3's PUT_ACK, due at 14 too, is never handed over.
  ]);
  // Every message is the read's (history line index 1); the read returned the written value.
  for (const event of trace.events) if ('from' in event) assert.equal(event.op, 1);
  assert.deepEqual(trace.events.find((e) => e.ev === 'return'), { t: 14, ev: 'return', node: 'r1', op: 1, status: 'ok', value: 'w1:1' });
  // r1's links: GET is the first message on r1 → s1, PUT the second; replies number their own links.
  const seqs = trace.events.filter((e) => 'from' in e && e.from === 'r1' && e.to === 's1').map((e) => ('seq' in e ? e.seq : 0));
  assert.deepEqual(seqs, [1, 1, 2, 2]);
  // The read's own bytes in the run's metrics are the trace's sends: 3 × (31 + 68 + 64 + 35).
  const sent = trace.events.filter((e) => e.ev === 'send').reduce((sum, e) => sum + ('bytes' in e ? e.bytes : 0), 0);
  assert.equal(sent, 3 * (get + getAck + put + putAck));
  assert.equal(output.result.ops.read!.bytesPerOp, sent);
  assert.deepEqual(output.result.trace, { file: 'trace/base_0.jsonl', events: 25, notRecorded: 0, boundReachedAtMs: null });
});

test('a 3-round M-PoWerStore write at t = 1: every event, its time, type and bytes, by hand', async () => {
  // n = 4, the writer waits for n - t = 3 replies per round: GET_TS, STORE, COMPLETE.
  const output = await runConfig({
    ...base,
    name: 'trace-mps-write',
    protocol: { name: 'm-powerstore', t: 1 },
    workload: { writers: 1, readers: 0, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }] },
    trace: true,
  });
  // GET_TS {type:"GET_TS", op:1}: 2 + (5 + 8) + 5 = 20 → 34.
  // GET_TS_ACK {type, op, ts:{num:0, writer:""}, mac:[]}: 2 + (5 + 12) + 5 + (3 + 2 + 6 + 9) + (4 + 2) = 50 → 64.
  // STORE {type, ts:{num:1, writer:"w1"}, fragment, cc, commitment, mac}: the fragment of an 8-byte value
  // with k = t + 1 = 2 is an 8-byte header and a 64-byte shard (ceil(8 / 2) rounded up to 64): 72 bytes;
  // cc and mac hold n = 4 digests of 32 bytes. 2 + (5 + 7) + (3 + 19) + (9 + 74) + (3 + 2 + 4 × 34)
  // + (11 + 34) + (4 + 2 + 4 × 34) = 447 → 461.
  // STORE_ACK {type, ts}: 2 + (5 + 11) + 22 = 40 → 54.
  // COMPLETE {type, ts, nonce: 32 bytes}: 2 + (5 + 10) + 22 + (6 + 34) = 79 → 93.
  // COMPLETE_ACK {type, ts}: 2 + (5 + 14) + 22 = 43 → 57.
  const servers = ['s1', 's2', 's3', 's4'];
  const round = (t: number, type: string, bytes: number): unknown[][] => servers.map((s) => [t, 'send', 'w1', s, type, bytes]);
  const replies = (t: number, request: string, requestBytes: number, reply: string, replyBytes: number): unknown[][] =>
    servers.flatMap((s) => [
      [t, 'deliver', 'w1', s, request, requestBytes],
      [t, 'send', s, 'w1', reply, replyBytes],
    ]);
  const gathered = (t: number, type: string, bytes: number, then: unknown[][]): unknown[][] => [
    [t, 'deliver', 's1', 'w1', type, bytes],
    [t, 'deliver', 's2', 'w1', type, bytes],
    [t, 'deliver', 's3', 'w1', type, bytes],
    ...then,
    [t, 'deliver', 's4', 'w1', type, bytes],
  ];
  assert.deepEqual(rows(output.trace!), [
    [0, 'call', 'w1', 0],
    ...round(0, 'GET_TS', 34),
    ...replies(1, 'GET_TS', 34, 'GET_TS_ACK', 64),
    ...gathered(2, 'GET_TS_ACK', 64, round(2, 'STORE', 461)),
    ...replies(3, 'STORE', 461, 'STORE_ACK', 54),
    ...gathered(4, 'STORE_ACK', 54, round(4, 'COMPLETE', 93)),
    ...replies(5, 'COMPLETE', 93, 'COMPLETE_ACK', 57),
    // The run ends with the write: s4's COMPLETE_ACK, due at 6 too, is never handed over.
    ...gathered(6, 'COMPLETE_ACK', 57, [[6, 'return', 'w1', 0]]).slice(0, -1),
  ]);
  assert.equal(output.result.ops.write!.bytesPerOp, 4 * (34 + 64 + 461 + 54 + 93 + 57));
});

test('held and released frames, a drop at a crashed node, and the same trace for the same seed', async () => {
  // configs/examples/schedule-abd-held-write.yaml: wr's PUTs to s2 and s3 are held from their
  // arrival at 3 until rd2 returns at 13, then delivered at once.
  const run = { ...loadExperiment('configs/examples/schedule-abd-held-write.yaml').runs[0]!, trace: { fromMs: 0, toMs: null, nodes: null, maxEvents: 1000 } };
  const trace = (await runOnce(run)).trace!;
  const of = (to: string): unknown[][] => trace.events.filter((e) => 'from' in e && e.from === 'w1' && e.to === to && e.type === 'PUT').map((e) => [e.t, e.ev, 'seq' in e ? e.seq : 0]);
  assert.deepEqual(of('s2'), [
    [2, 'send', 2],
    [3, 'hold', 2],
    [13, 'release', 2],
    [13, 'deliver', 2],
  ]);
  assert.deepEqual(of('s1'), [
    [2, 'send', 2],
    [3, 'deliver', 2],
  ]);
  // s3's replies to r1 are held and never released: held, nothing after.
  assert.deepEqual(
    trace.events.filter((e) => 'from' in e && e.from === 's3' && e.to === 'r1').map((e) => [e.t, e.ev, 'type' in e ? e.type : '']),
    [
      [6, 'send', 'GET_ACK'],
      [7, 'hold', 'GET_ACK'],
      [8, 'send', 'PUT_ACK'],
      [9, 'hold', 'PUT_ACK'],
    ],
  );
  assert.equal(serializeTrace((await runOnce(run)).trace!), serializeTrace(trace), 'a simulated trace is a function of config and seed');
  assert.equal(serializeTrace(parseTrace(serializeTrace(trace))), serializeTrace(trace));

  // A server crashed at 0.5 ms: the GET_TS sent to it at 0 arrives at 1 and is dropped.
  const crashed = await runConfig({
    ...base,
    name: 'trace-drop',
    protocol: { name: 'abd', t: 1 },
    workload: { writers: 1, readers: 0, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }] },
    faults: [{ type: 'crash', node: 's3', atMs: 0.5 }],
    trace: true,
  });
  const toS3 = crashed.trace!.events.filter((e) => ('from' in e && e.to === 's3') || ('node' in e && e.node === 's3'));
  assert.deepEqual(rows({ ...crashed.trace!, events: toS3 }), [
    [0, 'send', 'w1', 's3', 'GET_TS', 34],
    [0.5, 'fault', 's3', 'crash'],
    [1, 'drop', 'w1', 's3', 'GET_TS', 34],
    [2, 'send', 'w1', 's3', 'PUT', 64],
    [3, 'drop', 'w1', 's3', 'PUT', 64],
  ]);
});

test('bounds: a window, some nodes, and maxEvents, which says what it left out', async () => {
  const config = {
    ...base,
    name: 'trace-bounds',
    protocol: { name: 'abd', t: 1 },
    workload: { writers: 1, readers: 1, valueBytes: 8, operations: 20 },
  };
  const whole = (await runConfig({ ...config, trace: true })).trace!;
  // Closed loop, 2 clients, 2-round operations of 4 ms over 3 servers: 20 operations, 12 messages
  // (24 send/deliver events) and a call and a return each; the last operation's third reply is not
  // delivered (the run ends as the last operation returns).
  assert.equal(whole.header.events, 20 * (24 + 2) - 1);
  const windowed = (await runConfig({ ...config, trace: { fromMs: 4, toMs: 8, nodes: ['s2'] } })).trace!;
  assert.ok(windowed.events.length > 0);
  for (const event of windowed.events) {
    assert.ok(event.t >= 4 && event.t <= 8, `t = ${event.t}`);
    assert.ok('from' in event ? event.from === 's2' || event.to === 's2' : event.node === 's2');
  }
  const bounded = await runConfig({ ...config, trace: { maxEvents: 100 } });
  assert.equal(bounded.trace!.events.length, 100);
  assert.equal(bounded.trace!.header.notRecorded, whole.header.events - 100);
  // The first 100 events are kept; the bound is reached by the 101st.
  assert.equal(bounded.trace!.header.boundReachedAtMs, whole.events[100]!.t);
  assert.deepEqual(bounded.result.trace, { file: 'trace/base_0.jsonl', events: 100, notRecorded: whole.header.events - 100, boundReachedAtMs: whole.events[100]!.t });
  assert.deepEqual(bounded.trace!.events, whole.events.slice(0, 100));
});

test('a Byzantine server: its sends name the strategy, and only the messages it changed are lies', async () => {
  // ABD's `forge` rewrites GET_ACK and GET_TS_ACK and passes PUT_ACK through unchanged.
  const output = await runConfig({
    ...base,
    name: 'trace-forge',
    protocol: { name: 'abd', t: 1 },
    expectViolation: true,
    faults: [{ type: 'byzantine', node: 's3', strategy: 'forge' }],
    workload: { writers: 1, readers: 1, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }, { id: 'rd', client: 'r1', kind: 'read', atMs: 10 }] },
    trace: true,
  });
  const fromS3 = output.trace!.events.filter((e) => e.ev === 'send' && e.from === 's3').map((e) => (e.ev === 'send' ? [e.type, e.faulty, e.lie ?? false] : []));
  assert.deepEqual(fromS3, [
    ['GET_TS_ACK', 'forge', true],
    ['PUT_ACK', 'forge', false],
    ['GET_ACK', 'forge', true],
    ['PUT_ACK', 'forge', false],
  ]);
  for (const event of output.trace!.events) if (event.ev === 'send' && event.from !== 's3') assert.equal(event.faulty, undefined);
  assert.deepEqual(output.trace!.events.find((e) => e.ev === 'fault'), { t: 0, ev: 'fault', node: 's3', action: 'byzantine', cause: 'faults[0]: strategy forge' });
});

test('tracing changes nothing in the run: same history and results with and without it (lying M-PoWerStore server)', async () => {
  const config = {
    ...base,
    name: 'trace-neutral',
    protocol: { name: 'm-powerstore', t: 1 },
    network: { latency: { distribution: 'uniform', minMs: 1, maxMs: 3 } },
    costProfile: 'default',
    faults: [{ type: 'byzantine', node: 's2', strategy: 'forge' }],
    workload: { writers: 2, readers: 2, valueBytes: 64, operations: 40 },
  };
  const plain = await runConfig(config);
  const traced = await runConfig({ ...config, trace: true });
  assert.deepEqual(traced.history, plain.history);
  const { trace, ...rest } = traced.result;
  assert.deepEqual(rest, plain.result);
  assert.ok(trace !== undefined && trace.events > 0);
});

test('bad trace bounds are config errors that name the field', () => {
  const config = { ...base, name: 'trace-bad', protocol: { name: 'abd', t: 1 }, workload: { operations: 1 } };
  assert.throws(() => resolveExperiment(parseConfig({ ...config, trace: { nodes: ['s9'] } })), /^ConfigError: trace\.nodes\[0\]: unknown node or block "s9"/);
  assert.throws(() => resolveExperiment(parseConfig({ ...config, trace: { fromMs: 5, toMs: 1 } })), /^ConfigError: trace\.toMs: must be >= fromMs \(5\), got 1$/);
  assert.throws(() => parseConfig({ ...config, trace: { maxEvents: 0 } }), /trace\.maxEvents: must be >= 1/);
  assert.throws(() => parseConfig({ ...config, trace: { window: 3 } }), /^ConfigError: trace\.window: unknown field \(known: fromMs, toMs, nodes, maxEvents\)$/);
});
