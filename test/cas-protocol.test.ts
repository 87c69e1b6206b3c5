/**
 * CAS (docs/protocols.md#cas) with the in-test driver: thresholds for several (n, t), round counts,
 * wire bytes and stored bytes worked out by hand from the codec's rules, the garbage-collection
 * rule step by step on one server, the storage bound under random schedules, strict parsing,
 * options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeValue, encodeValue, wireSize } from '../harness/wire/codec.ts';
import { ConfigError, parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { checkHistory } from '../harness/checker/index.ts';
import { cas } from '../protocols/cas/index.ts';
import { parseCasMessage, type CasMessage, type CasTag } from '../protocols/cas/messages.ts';
import { casQuorum, codeDimension, readFinDecision } from '../protocols/cas/quorum.ts';
import { CasServer } from '../protocols/cas/server.ts';
import { intersectionSize } from '../protocols/common/quorum.ts';
import type { NodeEnv } from '../protocols/types.ts';
import { bytes, codec, crypto, Driver, text, type OpHandle } from './powerstore-driver.ts';

/** Size of a varint-encoded length (codec.ts): 1 byte below 128, 2 below 16384, 3 below 2^21. */
const varintBytes = (x: number): number => (x < 128 ? 1 : x < 16384 ? 2 : x < 2 ** 21 ? 3 : 4);

/*
 * Message sizes by hand from the codec's rules (object: tag 1 + field count 1 + per field (key
 * length 1 + key bytes + value); string/bytes: tag 1 + length varint + bytes; uint below 128: 2;
 * null: 1), with op and z below 128 and writer "w1":
 *   field type   = 1+4 + 1+1+len(type)          field op = 1+2 + 2 = 5
 *   field tag    = 1+3 + tag object, tag object = 2 + (1+3 + 2) + (1+6 + 1+1+len(writer))
 *                = 4 + 19 = 23 for (z, "w1"), 4 + 17 = 21 for t0 = (0, "")
 *   field element(F) = 1+7 + 1+varint(F)+F
 *   QUERY        = 2 + (5+7)  + 5                                   = 19
 *   QUERY_ACK    = 2 + (5+11) + 5 + tag                              = 46 (w1), 44 (t0)
 *   PRE(F)       = 2 + (5+5)  + 5 + 23 + 8 + 1 + varint(F) + F       = 49 + varint(F) + F
 *   PRE_ACK      = 2 + (5+9)  + 5                                   = 21, FIN_ACK the same
 *   FIN          = 2 + (5+5)  + 5 + 23                              = 40
 *   READ_FIN     = 2 + (5+10) + 5 + tag                              = 45 (w1), 43 (t0)
 *   READ_FIN_ACK(F) = 2 + (5+14) + 5 + 8 + 1 + varint(F) + F        = 35 + varint(F) + F
 *     without element: 2 + 19 + 5 + (8 + 1) + (1+6 + 1+1+len(reason)) = 51 (missing), 53 (collected)
 */
const QUERY = 19;
const QUERY_ACK = 46;
const QUERY_ACK_T0 = 44;
const PRE = (F: number): number => 49 + varintBytes(F) + F;
const PRE_ACK = 21;
const FIN = 40;
const FIN_ACK = 21;
const READ_FIN = 45;
const READ_FIN_ACK = (F: number): number => 35 + varintBytes(F) + F;
const READ_FIN_ACK_MISSING = 51;
const READ_FIN_ACK_COLLECTED = 53;

const tag = (num: number, writer: string): CasTag => ({ num, writer });
const T0 = tag(0, '');

test('thresholds: k = n − 2t and q = ⌈(n + k)/2⌉ for several (n, t); quorums meet in k servers; q = n − t', () => {
  // [n, t, k, q], by hand: e.g. n = 7, t = 2: k = 3, q = ⌈10/2⌉ = 5.
  const table: [number, number, number, number][] = [
    [3, 1, 1, 2],
    [4, 1, 2, 3],
    [5, 1, 3, 4],
    [5, 2, 1, 3],
    [7, 2, 3, 5],
    [9, 2, 5, 7],
    [10, 3, 4, 7],
    [16, 5, 6, 11],
  ];
  for (const [n, t, k, q] of table) {
    assert.equal(codeDimension(n, t), k, `k for n=${n}, t=${t}`);
    assert.equal(casQuorum(n, k), q, `q for n=${n}, k=${k}`);
    assert.equal(intersectionSize(n, q), k, 'two quorums share k servers');
    assert.ok(q <= n - t, 'a quorum answers with t servers crashed');
  }
});

test('the read decides at the q-th reply: decode with k elements, else retry; never before q', () => {
  // n = 4, t = 1: q = 3, k = 2.
  assert.equal(readFinDecision(1, 1, 3, 2), 'wait');
  assert.equal(readFinDecision(2, 2, 3, 2), 'wait', 'k elements but the tag is not yet fin at a quorum');
  assert.equal(readFinDecision(3, 2, 3, 2), 'decode');
  assert.equal(readFinDecision(3, 3, 3, 2), 'decode');
  assert.equal(readFinDecision(3, 1, 3, 2), 'retry');
  assert.equal(readFinDecision(3, 0, 3, 2), 'retry');
  // n = 3, t = 1 (k = 1, replication): one element among q = 2 replies suffices.
  assert.equal(readFinDecision(2, 1, 2, 1), 'decode');
});

test('hand-computed message sizes agree with the codec', () => {
  const w1 = tag(3, 'w1');
  for (const F of [8, 72, 200, 524296]) {
    const element = new Uint8Array(F);
    assert.equal(wireSize({ type: 'PRE', op: 1, tag: w1, element }), PRE(F));
    assert.equal(wireSize({ type: 'READ_FIN_ACK', op: 1, element }), READ_FIN_ACK(F));
  }
  assert.equal(wireSize({ type: 'QUERY', op: 1 }), QUERY);
  assert.equal(wireSize({ type: 'QUERY_ACK', op: 1, tag: w1 }), QUERY_ACK);
  assert.equal(wireSize({ type: 'QUERY_ACK', op: 1, tag: T0 }), QUERY_ACK_T0);
  assert.equal(wireSize({ type: 'PRE_ACK', op: 1 }), PRE_ACK);
  assert.equal(wireSize({ type: 'FIN', op: 1, tag: w1 }), FIN);
  assert.equal(wireSize({ type: 'FIN_ACK', op: 1 }), FIN_ACK);
  assert.equal(wireSize({ type: 'READ_FIN', op: 1, tag: w1 }), READ_FIN);
  assert.equal(wireSize({ type: 'READ_FIN_ACK', op: 1, element: null, reason: 'missing' }), READ_FIN_ACK_MISSING);
  assert.equal(wireSize({ type: 'READ_FIN_ACK', op: 1, element: null, reason: 'collected' }), READ_FIN_ACK_COLLECTED);
});

test('parseMessage accepts every well-formed message after a wire round trip, and nothing else', () => {
  const w1 = tag(4, 'w1');
  const good: CasMessage[] = [
    { type: 'QUERY', op: 0 },
    { type: 'QUERY_ACK', op: 7, tag: T0 },
    { type: 'QUERY_ACK', op: 7, tag: w1 },
    { type: 'PRE', op: 2, tag: w1, element: Uint8Array.of(1, 2, 3) },
    { type: 'PRE_ACK', op: 2 },
    { type: 'FIN', op: 2, tag: w1 },
    { type: 'FIN_ACK', op: 2 },
    { type: 'READ_FIN', op: 9, tag: T0 },
    { type: 'READ_FIN_ACK', op: 9, element: new Uint8Array(0) },
    { type: 'READ_FIN_ACK', op: 9, element: null, reason: 'missing' },
    { type: 'READ_FIN_ACK', op: 9, element: null, reason: 'collected' },
  ];
  for (const msg of good) assert.deepEqual(cas.parseMessage(decodeValue(encodeValue(msg))), msg, msg.type);
  const pre = { type: 'PRE', op: 2, tag: w1, element: Uint8Array.of(1) };
  const bad: unknown[] = [
    null,
    [],
    'QUERY',
    { type: 'NOPE', op: 1 },
    { type: 'QUERY', op: -1 },
    { type: 'QUERY', op: 1.5 },
    { type: 'QUERY' },
    { type: 'QUERY', op: 1, extra: 0 },
    { ...pre, element: [1] },
    { ...pre, element: 'x' },
    { ...pre, tag: { num: 1 } },
    { ...pre, tag: { num: 1, writer: 'w1', extra: 0 } },
    { ...pre, tag: { num: -1, writer: 'w1' } },
    { ...pre, tag: { num: 1, writer: 'w'.repeat(257) } },
    { type: 'FIN', op: 1, tag: w1, element: Uint8Array.of(1) },
    { type: 'READ_FIN_ACK', op: 1, element: null },
    { type: 'READ_FIN_ACK', op: 1, element: null, reason: 'lost' },
    { type: 'READ_FIN_ACK', op: 1, element: Uint8Array.of(1), reason: 'missing' },
    { type: 'READ_FIN_ACK', op: 1 },
  ];
  for (const value of bad) assert.equal(parseCasMessage(value), undefined, JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? `bytes(${v.length})` : v)));
});

for (const [t, servers] of [
  [1, undefined],
  [1, 5],
  [2, undefined],
] as const) {
  const n = servers ?? 3 * t + 1;
  const k = n - 2 * t;
  const q = n - t;
  test(`n = ${n}, t = ${t} (k = ${k}, q = ${q}): writes 3 rounds and n elements of V/k; reads 2 rounds; wire and stored bytes as computed`, () => {
    const d = new Driver(cas, { t, servers, writers: 1, readers: 1 });
    const V = 1000;
    const value = new Uint8Array(V).fill(7);
    // The element: V/k value bytes, plus the codec's header and padding (layout.ts; a few dozen bytes).
    const F = codec.encode(value, k, n)[0]!.length;
    assert.ok(F >= Math.ceil(V / k) && F < Math.ceil(V / k) + 128, `element of ${F} bytes for V/k = ${V / k}`);
    const F0 = codec.encode(new Uint8Array(0), k, n)[0]!.length;

    // Write: every server answers every round (the driver delivers everything).
    const w = d.write('w1', value);
    d.run();
    assert.ok(w.done);
    assert.equal(w.operation.rounds, 3);
    assert.equal(w.operation.retries, 0);
    const writeMessages = d.delivered.splice(0);
    assert.equal(writeMessages.length, 6 * n);
    const preBytes = writeMessages.filter((e) => e.msg.type === 'PRE').reduce((sum, e) => sum + (e.msg as Extract<CasMessage, { type: 'PRE' }>).element.length, 0);
    assert.equal(preBytes, n * F, 'n elements of V/k each');
    const writeBytes = writeMessages.reduce((sum, e) => sum + wireSize(e.msg), 0);
    assert.equal(writeBytes, n * (QUERY + QUERY_ACK_T0) + n * (PRE(F) + PRE_ACK) + n * (FIN + FIN_ACK));

    // Stored: t0's element e0_i and the new element, each with its tag and label, plus the line (t0).
    for (const server of d.servers) assert.equal(server.storedBytes(), (F0 + 8 + 1) + (F + 10 + 1) + 8);

    // Read: query, then READ_FIN with the element of every server; decodes the written value.
    const r = d.read('r1');
    d.run();
    assert.ok(r.done);
    assert.deepEqual(r.value, value);
    assert.equal(r.operation.rounds, 2);
    assert.equal(r.operation.retries, 0);
    const readBytes = d.delivered.splice(0).reduce((sum, e) => sum + wireSize(e.msg), 0);
    assert.equal(readBytes, n * (QUERY + QUERY_ACK) + n * (READ_FIN + READ_FIN_ACK(F)));
    assert.equal(d.rejects.size, 0);
  });
}

test('a write of 1 MiB at t = 1: 4 elements of 512 KiB (+ header) = 2 MiB; with 5 servers, 5 of 1/3 MiB = 5/3 MiB', () => {
  const V = 1 << 20;
  for (const [n, k, elementsMiB] of [
    [4, 2, 2],
    [5, 3, 5 / 3],
  ] as const) {
    const d = new Driver(cas, { t: 1, servers: n, writers: 1, readers: 0 });
    d.finish(d.write('w1', new Uint8Array(V)));
    const elements = d.delivered.filter((e) => e.msg.type === 'PRE').map((e) => (e.msg as Extract<CasMessage, { type: 'PRE' }>).element.length);
    assert.equal(elements.length, n);
    const total = elements.reduce((a, b) => a + b, 0);
    // Each element is V/k rounded up to the codec's alignment, plus its header: < 128 bytes over.
    assert.ok(total >= (n * V) / k && total < (n * V) / k + n * 128, `${total} bytes of elements for k = ${k}`);
    assert.ok(Math.abs(total / 2 ** 20 - elementsMiB) < 0.001);
  }
});

/** A server alone, fed messages by hand: n = 4, t = 1, writers w1..w3, retain 2. */
function lonelyServer(): { server: CasServer; rejects: Map<string, number> } {
  const rejects = new Map<string, number>();
  const env: NodeEnv = { id: 's1', crypto, codec, random: { bytes: (length) => new Uint8Array(length) }, reject: (reason) => rejects.set(reason, (rejects.get(reason) ?? 0) + 1) };
  const cluster = { n: 4, t: 1, servers: ['s1', 's2', 's3', 's4'], writers: ['w1', 'w2', 'w3'], readers: ['r1'] };
  return { server: new CasServer({ index: 0, cluster, retain: 2 }, env), rejects };
}

test('garbage collection step by step (retain 2): only fin tags count; below the line PRE/FIN are acked and not stored, READ_FIN says collected', () => {
  const { server, rejects } = lonelyServer();
  const element = (byte: number) => new Uint8Array(72).fill(byte);
  const send = (from: string, msg: CasMessage) => server.handle(from, msg).map((s) => s.msg);
  const readFin = (t: CasTag) => send('r1', { type: 'READ_FIN', op: 1, tag: t })[0]!;

  // (1,w1): pre, then fin. Fin tags {t0, (1,w1)}: no more than retain, nothing collected.
  assert.deepEqual(send('w1', { type: 'PRE', op: 1, tag: tag(1, 'w1'), element: element(1) }), [{ type: 'PRE_ACK', op: 1 }]);
  assert.equal(server.labelOf(tag(1, 'w1')), 'pre');
  assert.deepEqual(send('r1', { type: 'QUERY', op: 1 }), [{ type: 'QUERY_ACK', op: 1, tag: T0 }], 'QUERY answers the highest fin tag, not a pre one');
  send('w1', { type: 'FIN', op: 1, tag: tag(1, 'w1') });
  assert.equal(server.labelOf(tag(1, 'w1')), 'fin');
  assert.deepEqual(server.collectionLine(), T0);

  // (2,w1): FIN before PRE stores (⊥, fin); the line moves to the 2nd highest fin tag, (1,w1): t0 goes.
  send('w1', { type: 'FIN', op: 2, tag: tag(2, 'w1') });
  assert.deepEqual(server.collectionLine(), tag(1, 'w1'));
  assert.deepEqual(readFin(T0), { type: 'READ_FIN_ACK', op: 1, element: null, reason: 'collected' });
  assert.deepEqual(readFin(tag(2, 'w1')), { type: 'READ_FIN_ACK', op: 1, element: null, reason: 'missing' });
  send('w1', { type: 'PRE', op: 2, tag: tag(2, 'w1'), element: element(2) });
  assert.equal(server.labelOf(tag(2, 'w1')), 'fin', 'the PRE after the FIN keeps the label fin');
  assert.deepEqual(readFin(tag(2, 'w1')), { type: 'READ_FIN_ACK', op: 1, element: element(2) });

  // Writers w2 and w3 pre-write higher tags and crash: pre tags do not count, nothing is collected.
  send('w2', { type: 'PRE', op: 1, tag: tag(3, 'w2'), element: element(3) });
  send('w3', { type: 'PRE', op: 1, tag: tag(4, 'w3'), element: element(4) });
  assert.deepEqual(server.collectionLine(), tag(1, 'w1'));
  assert.deepEqual(readFin(tag(1, 'w1')), { type: 'READ_FIN_ACK', op: 1, element: element(1) }, 'a pre-counting GC would have collected this');
  assert.equal(server.elementsHeld(), 4);

  // (3,w1) finalized: fin tags (1,w1) < (2,w1) < (3,w1): the line moves to (2,w1) and (1,w1) goes;
  // the pre tags (3,w2) and (4,w3) are above the line and stay.
  send('w1', { type: 'PRE', op: 3, tag: tag(3, 'w1'), element: element(5) });
  send('w1', { type: 'FIN', op: 3, tag: tag(3, 'w1') });
  assert.deepEqual(server.collectionLine(), tag(2, 'w1'));
  assert.equal(server.labelOf(tag(1, 'w1')), undefined);
  assert.equal(server.labelOf(tag(3, 'w2')), 'pre');
  assert.equal(server.labelOf(tag(4, 'w3')), 'pre');
  assert.equal(server.elementsHeld(), 4, 'retain (2) fin elements + 2 pre elements');
  assert.deepEqual(send('r1', { type: 'QUERY', op: 2 }), [{ type: 'QUERY_ACK', op: 2, tag: tag(3, 'w1') }]);

  // Below the line: PRE and FIN acknowledged, not stored; READ_FIN answers collected.
  assert.deepEqual(send('w2', { type: 'PRE', op: 2, tag: tag(1, 'w2'), element: element(6) }), [{ type: 'PRE_ACK', op: 2 }]);
  assert.deepEqual(send('w3', { type: 'FIN', op: 2, tag: tag(1, 'w3') }), [{ type: 'FIN_ACK', op: 2 }]);
  assert.equal(server.labelOf(tag(1, 'w2')), undefined);
  assert.equal(server.labelOf(tag(1, 'w3')), undefined);
  assert.deepEqual(readFin(tag(1, 'w1')), { type: 'READ_FIN_ACK', op: 1, element: null, reason: 'collected' });
  assert.equal(server.elementsHeld(), 4);

  // Stored bytes: 4 elements of 72 bytes, entries (2,w1) (3,w1) (3,w2) (4,w3) each with an 8 + 2
  // byte tag and a label byte, plus the line (2,w1).
  assert.equal(server.storedBytes(), 4 * 72 + 4 * (8 + 2 + 1) + (8 + 2));

  // A finalized pre tag above the line: w2's (3,w2) becomes fin, the line moves to (3,w1).
  send('w2', { type: 'FIN', op: 1, tag: tag(3, 'w2') });
  assert.deepEqual(server.collectionLine(), tag(3, 'w1'));
  assert.equal(server.labelOf(tag(2, 'w1')), undefined);
  assert.deepEqual(readFin(tag(3, 'w2')), { type: 'READ_FIN_ACK', op: 1, element: element(3) });
  assert.deepEqual(rejects, new Map());
});

test('the server refuses PRE and FIN from non-writers and for another writer\'s tag, and replies to nothing it should not get', () => {
  const { server, rejects } = lonelyServer();
  const element = new Uint8Array(72);
  assert.deepEqual(server.handle('r1', { type: 'PRE', op: 1, tag: tag(1, 'r1'), element }), []);
  assert.deepEqual(server.handle('r1', { type: 'FIN', op: 1, tag: tag(1, 'r1') }), []);
  assert.deepEqual(server.handle('w1', { type: 'PRE', op: 1, tag: tag(1, 'w2'), element }), []);
  assert.deepEqual(server.handle('w1', { type: 'FIN', op: 1, tag: T0 }), []);
  assert.deepEqual(server.handle('s2', { type: 'QUERY_ACK', op: 1, tag: T0 }), []);
  assert.deepEqual(server.handle('r1', { type: 'READ_FIN_ACK', op: 1, element }), []);
  assert.deepEqual(Object.fromEntries(rejects), { 'pre-from-non-writer': 1, 'fin-from-non-writer': 1, 'pre-foreign-tag': 1, 'fin-foreign-tag': 1, 'unexpected-message': 2 });
  assert.equal(server.elementsHeld(), 1, 'only e0');
});

test('storage stays within retain + writers elements per server under random schedules, with reads retrying, and the history is linearizable', async () => {
  const retain = 2;
  const writers = ['w1', 'w2', 'w3'];
  let peak = 0;
  let retries = 0;
  for (const seed of [1, 2, 3, 4]) {
    const d = new Driver(cas, { t: 1, seed, writers: writers.length, readers: 2, options: { retain } });
    const clients = [...writers, 'r1', 'r2'];
    const running = new Map<string, { h: OpHandle; value: string | null; call: number }>();
    const history: { client: string; op: 'read' | 'write'; key: string; value: string | null; call: number; return: number | null; status: 'ok'; rounds: number }[] = [];
    const issued = new Map(clients.map((c) => [c, 0]));
    let clock = 0;
    for (;;) {
      for (const client of clients) {
        if (running.has(client) || issued.get(client)! >= 12) continue;
        const count = issued.get(client)! + 1;
        issued.set(client, count);
        const value = client.startsWith('w') ? `${client}:${count}` : null;
        running.set(client, { h: value === null ? d.read(client) : d.write(client, bytes(value)), value, call: clock });
      }
      if (running.size === 0) break;
      assert.ok(d.step(), 'blocked');
      clock++;
      for (const server of d.servers) peak = Math.max(peak, (server as CasServer).elementsHeld());
      for (const [client, op] of running) {
        if (!op.h.done) continue;
        running.delete(client);
        const kind = op.h.operation.kind;
        retries += op.h.operation.retries;
        const value = kind === 'write' ? op.value : op.h.value!.length === 0 ? null : text(op.h.value);
        history.push({ client, op: kind, key: 'k', value, call: op.call, return: clock, status: 'ok', rounds: op.h.operation.rounds });
      }
    }
    assert.equal((await checkHistory(history, { model: 'register' })).verdict, 'ok', `seed ${seed}`);
  }
  assert.ok(peak <= retain + writers.length, `a server held ${peak} elements`);
  assert.ok(peak > retain, `pre elements above the line were never held (peak ${peak}): the bound was not exercised`);
  assert.ok(retries > 0, 'no read retried: garbage collection never ran ahead of a read');
});

test('options and server count: retain defaults to 16; servers from 2t + 1 (k = 1) up; below is refused naming the field and value', () => {
  assert.deepEqual(cas.optionsSchema.parse({}), { retain: 16 });
  assert.equal(cas.optionsSchema.safeParse({ retain: 0 }).success, false);
  assert.equal(cas.optionsSchema.safeParse({ retian: 3 }).success, false);
  assert.equal(cas.serverCount(1), 4);
  assert.equal(cas.serverCount(2), 7);
  const raw = { name: 'cas-n', protocol: { name: 'cas', t: 2 }, network: { preset: 'lan' }, workload: { operations: 1 } };
  assert.equal(resolveExperiment(parseConfig(raw)).runs[0]!.n, 7);
  assert.equal(resolveExperiment(parseConfig({ ...raw, servers: 5 })).runs[0]!.n, 5);
  assert.throws(() => resolveExperiment(parseConfig({ ...raw, servers: 4 })), (error: unknown) => error instanceof ConfigError && error.message === 'protocol.t: t=2 needs 5 servers but servers: 4 given');
});

test('Byzantine servers break CAS (crash-tolerant only): corrupt and forge elements decode to values nobody wrote', () => {
  // n = 4, k = 2: a 4096-byte value is two data shards of 2048 bytes (elements 0 and 1) and two
  // parity ones. s3 never gets the PRE (held) and s4's replies to r1 are held, so the read decodes
  // from exactly elements 0 (s1, the liar's) and 1 (s2): the value is s1's shard followed by s2's.
  const value = new Uint8Array(4096).fill(0x61);
  for (const strategy of ['corrupt', 'forge']) {
    const d = new Driver(cas, { t: 1, byzantine: { 0: strategy } });
    d.hold = (e) => (e.from === 'w1' && e.to === 's3' && e.msg.type === 'PRE') || (e.from === 's4' && e.to === 'r1');
    d.finish(d.write('w1', value));
    const r = d.read('r1');
    d.finish(r);
    assert.equal(r.value!.length, 4096, strategy);
    assert.deepEqual(r.value!.subarray(2048), value.subarray(2048), `${strategy}: s2's shard is genuine`);
    if (strategy === 'corrupt') assert.deepEqual(r.value!.subarray(0, 2048), new Uint8Array(2048).fill(0x61 ^ 0xff));
    else assert.notDeepEqual(r.value!.subarray(0, 2048), value.subarray(0, 2048), 'forge: s1 made its shard up');
  }
});
