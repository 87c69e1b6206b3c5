/**
 * PoWerStore (docs/protocols.md#powerstore) with the in-test driver: round counts over seeded
 * random schedules, strict parsing, the server's handling of hostile input (details 1–5),
 * per-reader memory bounds, and storage / wire bytes against hand-computed expressions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { powerstore } from '../protocols/powerstore/index.ts';
import { abd } from '../protocols/abd/index.ts';
import { PowerStoreServer } from '../protocols/common/powerstore/server.ts';
import type { PowerStoreMessage } from '../protocols/common/powerstore/messages.ts';
import type { Operation, ServerMachine } from '../protocols/types.ts';
import { wireSize } from '../harness/wire/codec.ts';
import { HEADER_BYTES, SHARD_ALIGN_BYTES } from '../protocols/common/erasure/layout.ts';
import { bytes, crypto, Driver, text, type Envelope } from './powerstore-driver.ts';

type Msg = PowerStoreMessage<number>;
const parse = powerstore.parseMessage;
const N = (fill: number) => new Uint8Array(32).fill(fill);
const lcOf = (machine: ServerMachine) => (machine as PowerStoreServer<number>).lastCompleted();

test('round counts: writes exactly 2, reads at most 2, no retries, over random schedules (t = 1, 2, 3)', () => {
  for (const t of [1, 2, 3]) {
    for (let seed = 1; seed <= 8; seed++) {
      const d = new Driver(powerstore, { t, seed, readers: 3 });
      let last = '';
      for (let i = 1; i <= 4; i++) {
        const w = d.write('w1', bytes(`v${i}`.repeat(i * 7)));
        const readers = ['r1', 'r2', 'r3'].map((r) => d.read(r));
        d.finish(w, ...readers);
        assert.equal(w.operation.rounds, 2);
        for (const r of readers) {
          assert.ok(r.operation.rounds <= 2, `read took ${r.operation.rounds} rounds`);
          assert.equal(r.operation.retries, 0);
          // Concurrent with write i: the previous value or the new one.
          assert.ok([last, `v${i}`.repeat(i * 7)].includes(text(r.value)), `t=${t} seed=${seed}: ${text(r.value)}`);
        }
        last = `v${i}`.repeat(i * 7);
      }
      const r = d.read('r1');
      d.finish(r);
      assert.equal(text(r.value), last);
      assert.equal(r.operation.rounds, 2);
      assert.equal(d.rejects.size, 0);
    }
  }
});

test('parseMessage accepts exactly the well-formed messages', () => {
  const cc = [N(1), N(2), N(3), N(4)];
  const good: Msg[] = [
    { type: 'STORE', ts: 3, fragment: new Uint8Array(40), cc, commitment: N(9) },
    { type: 'STORE_ACK', ts: 3 },
    { type: 'COMPLETE', ts: 3, nonce: N(7) },
    { type: 'COMPLETE_ACK', ts: 3 },
    { type: 'COLLECT', rid: 1 },
    { type: 'COLLECT_ACK', rid: 1, lc: { ts: 0, nonce: N(0) } },
    { type: 'FILTER', rid: 2, candidates: [{ ts: 0, nonce: N(0) }, { ts: 3, nonce: N(7) }] },
    {
      type: 'FILTER_ACK',
      rid: 2,
      statuses: [{ kind: 'CONFIRM', cc: [], fragment: null, lc: null }, { kind: 'CONFIRM', cc, fragment: null, lc: { ts: 5, nonce: N(5) } }, { kind: 'REFUTE' }, { kind: 'UNKNOWN' }],
    },
    { type: 'FILTER_UPDATE', rid: 2, index: 1, candidate: { ts: 3, nonce: N(7) }, status: { kind: 'REFUTE' } },
  ];
  for (const msg of good) assert.deepEqual(parse(msg), msg, msg.type);
  const bad: unknown[] = [
    null,
    [],
    new Uint8Array(3),
    { type: 'NOPE' },
    { type: 'COLLECT', rid: -1 },
    { type: 'COLLECT', rid: 1.5 },
    { type: 'COLLECT', rid: '1' },
    { type: 'COLLECT', rid: 1, extra: true },
    { type: 'COLLECT' },
    { type: 'COMPLETE', ts: 3, nonce: new Uint8Array(31) },
    { type: 'COMPLETE', ts: 3, nonce: new Uint8Array(33) },
    { type: 'COMPLETE', ts: { num: 3, writer: 'w1' }, nonce: N(1) },
    { type: 'STORE', ts: 3, fragment: new Uint8Array(4), cc: [N(1), new Uint8Array(31)], commitment: N(9) },
    { type: 'STORE', ts: 3, fragment: new Uint8Array(4), cc: [N(1)], commitment: N(9), mac: [N(1)] },
    { type: 'STORE', ts: 3, fragment: 'abc', cc: [N(1)], commitment: N(9) },
    { type: 'FILTER', rid: 1, candidates: [{ ts: 1, nonce: N(1), x: 1 }] },
    { type: 'FILTER', rid: 1, candidates: {} },
    { type: 'FILTER_ACK', rid: 1, statuses: [{ kind: 'CONFIRM', cc: [], fragment: null }] },
    { type: 'FILTER_ACK', rid: 1, statuses: [{ kind: 'MAYBE' }] },
    { type: 'FILTER_ACK', rid: 1, statuses: [{ kind: 'REFUTE', cc: [] }] },
    { type: 'FILTER_UPDATE', rid: 1, index: 0, candidate: { ts: 1, nonce: N(1) }, status: { kind: 'UNKNOWN' } },
    // The single-writer variant has no GET_TS round.
    { type: 'GET_TS', op: 1 },
    Object.assign(Object.create({ inherited: 1 }), { type: 'COLLECT', rid: 1 }),
  ];
  for (const value of bad) assert.equal(parse(value), undefined, JSON.stringify(value));
});

test('FILTER with more than n + 1 candidates: no reply, no state change (detail 3)', () => {
  const d = new Driver(powerstore, { t: 1 });
  d.finish(d.write('w1', bytes('a')));
  const nonce = (d.delivered.find((e) => e.msg.type === 'COMPLETE')!.msg as Extract<Msg, { type: 'COMPLETE' }>).nonce;
  // A server that saw STORE(1) but no COMPLETE yet: a fresh one fed the STORE only.
  const server = d.honestServers[0] as PowerStoreServer<number>;
  const fresh = powerstore.createServer(0, d.cluster, d.options as never, null, { ...envOf(d), id: 's1' }) as PowerStoreServer<number>;
  const store = d.delivered.find((e) => e.msg.type === 'STORE' && e.to === 's1')!.msg as Msg;
  fresh.handle('w1', store);
  const genuine = { ts: 1, nonce };
  const forged = Array.from({ length: 5 }, (_, i) => ({ ts: 100 + i, nonce: N(i) }));
  // n + 2 = 6 candidates including the genuine one: dropped, lc not raised, nothing remembered.
  assert.deepEqual(fresh.handle('r9', { type: 'FILTER', rid: 1, candidates: [genuine, ...forged] }), []);
  assert.equal(lcOf(fresh).ts, 0);
  assert.equal(fresh.rememberedCandidates(), 0);
  assert.equal(d.rejectCount('filter-too-many-candidates'), 1);
  // n + 1 = 5 candidates: answered, genuine one raised (the metadata write-back), 4 remembered UNKNOWNs.
  const out = fresh.handle('r9', { type: 'FILTER', rid: 2, candidates: [genuine, ...forged.slice(0, 4)] });
  assert.equal(out.length, 1);
  assert.equal(lcOf(fresh).ts, 1);
  assert.equal(fresh.rememberedCandidates(), 5);
  assert.equal(server.lastCompleted().ts, 1);
});

function envOf(d: Driver) {
  return {
    id: 'x',
    crypto,
    codec: { name: 'none', encode: () => [], decode: () => new Uint8Array(0) },
    random: { bytes: (n: number) => new Uint8Array(n) },
    reject: (reason: string) => d.rejects.set(reason, (d.rejects.get(reason) ?? 0) + 1),
  };
}

test('STORE and COMPLETE from a non-writer get no reply and are counted (detail 5); a hostile reader changes nothing', () => {
  const d = new Driver(powerstore, { t: 1, hostile: { h1: 'non-writer-store' } });
  d.finish(d.write('w1', bytes('a')));
  for (let i = 0; i < 3; i++) d.tickHostile('h1');
  d.run();
  assert.equal(d.rejectCount('store-from-non-writer'), 3 * 4);
  assert.equal(d.rejectCount('complete-from-non-writer'), 3 * 4);
  assert.equal(d.delivered.filter((e) => e.to === 'h1').length, 0);
  for (const s of d.servers) assert.equal(lcOf(s).ts, 1);
  const r = d.read('r1');
  d.finish(r);
  assert.equal(text(r.value), 'a');
});

test('a COMPLETE that overtakes its STORE is parked and acknowledged when the STORE arrives; duplicate STOREs keep the first entry', () => {
  const d = new Driver(powerstore, { t: 1 });
  const w = d.write('w1', bytes('a'));
  d.hold = (e) => e.msg.type === 'STORE' && e.to === 's4';
  d.run();
  const store = d.queued().find((e) => e.to === 's4')!.msg as Extract<Msg, { type: 'STORE' }>;
  const complete = d.delivered.find((e) => e.msg.type === 'COMPLETE')!.msg as Extract<Msg, { type: 'COMPLETE' }>;
  const s4 = d.servers[3] as PowerStoreServer<number>;
  // Deliver the COMPLETE to s4 out of band before its STORE: parked, no reply.
  assert.deepEqual(s4.handle('w1', complete), []);
  assert.equal(s4.lastCompleted().ts, 0);
  const replies = s4.handle('w1', store);
  assert.deepEqual(replies.map((s) => s.msg.type), ['STORE_ACK', 'COMPLETE_ACK']);
  assert.equal(s4.lastCompleted().ts, 1);
  // A second STORE for ts 1 with other bytes: acked, old entry kept.
  const other = { ...store, fragment: new Uint8Array(store.fragment.length).fill(9), commitment: N(3) };
  assert.deepEqual(s4.handle('w1', other).map((s) => s.msg.type), ['STORE_ACK']);
  const ack = s4.handle('r1', { type: 'FILTER', rid: 1, candidates: [{ ts: 1, nonce: complete.nonce }] })[0]!.msg as Extract<Msg, { type: 'FILTER_ACK' }>;
  const status = ack.statuses[0]!;
  assert.equal(status.kind, 'CONFIRM');
  assert.deepEqual(status.kind === 'CONFIRM' ? status.fragment : null, store.fragment);
  d.hold = () => false;
  d.finish(w);
});

test('the reader rejects a FILTER_ACK of the wrong length and a mismatched FILTER_UPDATE, and still completes', () => {
  const d = new Driver(powerstore, { t: 1 });
  d.finish(d.write('w1', bytes('a')));
  const r = d.read('r1');
  d.run(() => r.operation.rounds === 2);
  const rid = (d.queued().find((e) => e.msg.type === 'FILTER')!.msg as Extract<Msg, { type: 'FILTER' }>).rid;
  let step = (r.operation as Operation<Msg>).onMessage('s1', { type: 'FILTER_ACK', rid, statuses: [{ kind: 'REFUTE' }] });
  assert.equal(step.status, 'pending');
  step = (r.operation as Operation<Msg>).onMessage('s1', { type: 'FILTER_UPDATE', rid, index: 7, candidate: { ts: 1, nonce: N(1) }, status: { kind: 'REFUTE' } });
  assert.equal(d.rejectCount('filter-ack-wrong-length'), 1);
  assert.equal(d.rejectCount('filter-update-mismatch'), 1);
  d.finish(r);
  assert.equal(text(r.value), 'a');
});

test('server memory per reader is bounded: at most n + 1 remembered candidates, one entry per reader', () => {
  const d = new Driver(powerstore, { t: 1, hostile: { h1: 'forged-candidates', h2: 'oversized-candidates' } });
  d.finish(d.write('w1', bytes('a')));
  for (let i = 0; i < 50; i++) {
    d.tickHostile('h1');
    d.tickHostile('h2');
    d.run();
  }
  for (const s of d.honestServers) {
    const server = s as PowerStoreServer<number>;
    assert.ok(server.rememberedCandidates() <= 5, `remembered ${server.rememberedCandidates()}`);
    assert.ok(server.rememberedReaders() <= 1, 'only h1 (h2 is always oversized) and readers');
  }
  assert.equal(d.rejectCount('filter-too-many-candidates'), 50 * 4);
  const r = d.read('r1');
  d.finish(r);
  assert.equal(text(r.value), 'a');
});

test('inflate-ts and forge on t servers: timestamps stay bounded by the number of writes', () => {
  for (const strategy of ['inflate-ts', 'forge']) {
    const d = new Driver(powerstore, { t: 2, byzantine: { 0: strategy, 4: strategy } });
    for (let i = 1; i <= 5; i++) {
      d.finish(d.write('w1', bytes(`v${i}`)));
      const r = d.read('r1');
      d.finish(r);
      assert.equal(text(r.value), `v${i}`);
    }
    for (const i of [1, 2, 3, 5, 6]) assert.equal(lcOf(d.servers[i]!).ts, 5, strategy);
  }
});

/** Fragment size of the shared codec's format (protocols/common/erasure/layout.ts): header + shard rounded up to the alignment. */
function fragmentBytes(valueBytes: number, k: number): number {
  return HEADER_BYTES + Math.ceil(Math.ceil(valueBytes / k) / SHARD_ALIGN_BYTES) * SHARD_ALIGN_BYTES;
}

test('bytes stored per server ≈ |v| / (t + 1) per version (vs |v| for ABD), by hand-computed expressions', () => {
  const valueBytes = 262144;
  for (const t of [1, 2, 3]) {
    const n = 3 * t + 1;
    const d = new Driver(powerstore, { t });
    const before = d.servers.map((s) => s.storedBytes());
    d.finish(d.write('w1', new Uint8Array(valueBytes).fill(7)));
    d.finish(d.write('w1', new Uint8Array(valueBytes).fill(8)));
    d.run();
    const fragment = fragmentBytes(valueBytes, t + 1);
    // Per version: fragment + cross-checksum (32 n) + commitment (32) + timestamp (8).
    const perVersion = fragment + 32 * n + 32 + 8;
    for (let i = 0; i < n; i++) assert.equal(d.servers[i]!.storedBytes() - before[i]!, 2 * perVersion, `t=${t} s${i + 1}`);
    // ≈ |v| / (t + 1): within 1 % at 256 KiB (metadata 32(n + 1) + 8 bytes, shard padding to 32).
    const ratio = perVersion / (valueBytes / (t + 1));
    assert.ok(ratio > 1 && ratio < 1.01, `t=${t}: ${ratio}`);
    // ABD keeps the whole value at every server.
    const abdServer = abd.createServer(0, { ...d.cluster, n: 2 * t + 1 }, { fastRead: false }, null, envOf(d) as never);
    abdServer.handle('w1', { type: 'PUT', op: 1, num: 1, writer: 'w1', value: new Uint8Array(valueBytes) });
    assert.equal(abdServer.storedBytes(), valueBytes + 8 + 2);
  }
});

test('bytes on the wire per write ≈ n/(t + 1) · |v| (vs n · |v| for ABD), from wireSize against hand-computed sizes', () => {
  const valueBytes = 262144;
  for (const t of [1, 2, 3]) {
    const n = 3 * t + 1;
    const d = new Driver(powerstore, { t });
    const w = d.write('w1', new Uint8Array(valueBytes).fill(1));
    d.finish(w);
    d.run();
    const traffic = d.delivered.filter((e: Envelope) => e.from === 'w1' || e.to === 'w1');
    const measured = traffic.reduce((sum, e) => sum + wireSize(e.msg), 0);
    const F = fragmentBytes(valueBytes, t + 1);
    const varint = (x: number) => (x < 128 ? 1 : x < 16384 ? 2 : 3);
    // Object = tag 1 + count varint 1, then per field: key (1 + length) + value. ts = 1 → 2 bytes.
    //   STORE        2 + type(5+7) + ts(3+2) + fragment(9+1+varint(F)+F) + cc(3+2+34n) + commitment(11+34)
    //   STORE_ACK    2 + type(5+11) + ts(3+2)                         = 23
    //   COMPLETE     2 + type(5+10) + ts(3+2) + nonce(6+34)            = 62
    //   COMPLETE_ACK 2 + type(5+14) + ts(3+2)                         = 26
    const store = 2 + 12 + 5 + 10 + varint(F) + F + 5 + 34 * n + 45;
    assert.equal(wireSize(d.delivered.find((e) => e.msg.type === 'STORE')!.msg), store);
    const expected = n * (store + 23 + 62 + 26);
    assert.equal(measured, expected, `t=${t}`);
    // ≈ n/(t+1)·|v|: within 1 % at 256 KiB; ABD's PUT alone carries n_ABD · |v| = (2t + 1)·|v|.
    const ratio = measured / ((n / (t + 1)) * valueBytes);
    assert.ok(ratio > 1 && ratio < 1.01, `t=${t}: ${ratio}`);
    assert.ok(measured < (2 * t + 1) * valueBytes, 'less than ABD even though ABD has fewer servers');
  }
});
