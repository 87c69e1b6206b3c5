/**
 * PoWerStore (docs/protocols.md#powerstore) on hand-built schedules with the in-test driver: the
 * schedules of detail 6 in docs/protocols.md#implementation-details (each broke a mutated version of
 * the rules), forged candidates, writer crashes, retention.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { powerstore } from '../protocols/powerstore/index.ts';
import { PowerStoreServer } from '../protocols/common/powerstore/server.ts';
import type { PowerStoreMessage } from '../protocols/common/powerstore/messages.ts';
import type { ServerMachine, ServerStrategy } from '../protocols/types.ts';
import { bytes, crypto, Driver, text, type Envelope } from './powerstore-driver.ts';

type Msg = PowerStoreMessage<number>;
const is = (type: string, from?: string, to?: string) => (e: Envelope) =>
  e.msg.type === type && (from === undefined || e.from === from) && (to === undefined || e.to === to);
const lcOf = (machine: ServerMachine) => (machine as PowerStoreServer<number>).lastCompleted();

/** Honest to r1, answers r2 from its initial state (a two-faced Byzantine server). */
const twoFaced: ServerStrategy<Msg> = (honest, ctx) => ({
  handle: (from, msg) => (from === 'r2' ? ctx.fresh().handle(from, msg) : honest.handle(from, msg)),
  storedBytes: () => honest.storedBytes(),
});

test('two-faced server + split schedule: a read with only t + 1 confirms must wait for 2t + 1', () => {
  // t = 1, n = 4, s1 two-faced. The write's STORE reaches s1..s3; its COMPLETE only s1, s2 (split:
  // s3, s4 see COMPLETE and FILTER late). r1 collects c1 from s1, s2: with t + 1 = 2 confirms it must
  // not return, or a later r2 that meets s1 (lying), s3, s4 would miss the value.
  const d = new Driver(powerstore, { t: 1, byzantine: { 0: twoFaced } });
  d.hold = (e) => is('STORE', 'w1', 's4')(e) || (e.msg.type === 'COMPLETE' && (e.to === 's3' || e.to === 's4'));
  const w = d.write('w1', bytes('v1'));
  d.run();
  assert.equal(w.done, false, 'the write has only 2 COMPLETE_ACKs of the 3 it needs');
  const r1 = d.read('r1');
  const split = (e: Envelope) => e.from === 'r1' && e.msg.type === 'FILTER' && (e.to === 's3' || e.to === 's4');
  const prior = d.hold;
  // r1's collect must see c1: let s3's COLLECT_ACK (lc = c0) through only after s1's and s2's.
  d.hold = (e) => prior(e) || split(e) || is('COLLECT', 'r1', 's4')(e) || is('COLLECT', 'r1', 's3')(e);
  d.run();
  d.hold = (e) => prior(e) || split(e) || is('COLLECT', 'r1', 's4')(e);
  d.run();
  assert.equal(r1.done, false, 'r1 holds t + 1 = 2 confirms for c1 and must keep waiting');
  d.hold = (e) => prior(e) || is('COLLECT', 'r1', 's4')(e) || is('FILTER', 'r1', 's4')(e);
  d.run();
  assert.equal(r1.done, true);
  assert.equal(text(r1.value), 'v1');
  // The write-back reached s3 (correct): lc = c1 there although s3 never saw the COMPLETE.
  assert.equal(lcOf(d.servers[2]!).ts, 1);
  // r2 collects from s1 (answers r2 from its initial state), s3, s4 (its COLLECT to s2 is late; the
  // held write messages are delivered eventually): only s3's lc carries c1, and that suffices.
  const r2 = d.read('r2');
  d.hold = is('COLLECT', 'r2', 's2');
  d.run(() => d.pending() > 0 && r2.operation.rounds === 2);
  const collected = d.delivered.filter(is('COLLECT_ACK', undefined, 'r2')).map((e) => e.from);
  assert.deepEqual(collected.sort(), ['s1', 's3', 's4']);
  d.hold = () => false;
  d.run();
  assert.equal(r2.done, true);
  assert.equal(text(r2.value), 'v1');
});

test('FILTER_UPDATE: a read whose candidate is UNKNOWN at a server with the STORE in flight completes when it lands', () => {
  // t = 1: the write completes with STORE_ACKs from s1..s3 (s4's STORE in flight). s1 then crashes.
  // r1's FILTER: s2, s3 confirm c1, s4 says UNKNOWN: 2 < 2t + 1 confirms and c1 is not invalid, so
  // r1 waits; only s4's FILTER_UPDATE, sent when the STORE lands, lets it finish.
  const d = new Driver(powerstore, { t: 1 });
  d.hold = is('STORE', 'w1', 's4');
  const w = d.write('w1', bytes('v1'));
  d.run(() => w.done);
  assert.equal(w.done, true);
  d.crash('s1');
  const r = d.read('r1');
  d.run();
  assert.equal(r.done, false, 'two confirms and one UNKNOWN: not selectable yet');
  d.hold = () => false;
  d.run();
  assert.equal(r.done, true);
  assert.equal(text(r.value), 'v1');
  assert.ok(d.delivered.some(is('FILTER_UPDATE', 's4', 'r1')), 'the update came from s4');
  assert.equal(r.operation.rounds, 2);
  assert.equal(r.operation.retries, 0);
});

test('the same schedule without FILTER_UPDATE (s4 withholds updates) blocks the read', () => {
  // The mutation "drop FILTER_UPDATE" (detail 6 of docs/protocols.md#implementation-details) turns
  // this schedule into a blocked read.
  const d = new Driver(powerstore, { t: 1, byzantine: { 3: 'withhold-updates' } });
  d.hold = is('STORE', 'w1', 's4');
  const w = d.write('w1', bytes('v1'));
  d.run(() => w.done);
  d.crash('s1');
  const r = d.read('r1');
  d.run();
  d.hold = () => false;
  d.run();
  assert.equal(r.done, false);
});

test('forged candidates: a huge (ts, N) and guessed genuine timestamps are never raised; the read returns the latest genuine value', () => {
  // s1 forges (reports lc = (huge ts, random N) and confirms everything with made-up fragments);
  // hostile reader h1 FILTERs (2, random N), (3, random N) and (huge, random N) at every server,
  // while write 3 is stored everywhere but its N is not revealed (the writer stalls after round 1).
  const d = new Driver(powerstore, { t: 1, byzantine: { 0: 'forge' }, hostile: { h1: 'forged-candidates' } });
  d.finish(d.write('w1', bytes('a')));
  d.finish(d.write('w1', bytes('b')));
  d.hold = is('COMPLETE', 'w1');
  d.write('w1', bytes('c'));
  d.run();
  d.tickHostile('h1'); // collects genuine lcs
  d.run();
  d.tickHostile('h1'); // FILTERs forged candidates
  d.run();
  const forged = d.delivered
    .filter((e) => e.from === 'h1' && e.msg.type === 'FILTER')
    .flatMap((e) => (e.msg as Extract<Msg, { type: 'FILTER' }>).candidates.map((c) => c.ts));
  assert.ok(forged.includes(3), 'the in-flight timestamp 3 was guessed');
  assert.ok(forged.some((ts) => ts > 1e15), 'a huge forged timestamp was sent');
  const genuine = (d.delivered.find((e) => e.msg.type === 'COMPLETE' && (e.msg as Extract<Msg, { type: 'COMPLETE' }>).ts === 2)!.msg as Extract<Msg, { type: 'COMPLETE' }>).nonce;
  for (const i of [1, 2, 3]) assert.deepEqual(lcOf(d.servers[i]!), { ts: 2, nonce: genuine }, `s${i + 1} kept lc = c2`);
  // r1 collects from s1 (the forger), s3, s4: its candidate set includes the forged huge candidate.
  const r = d.read('r1');
  d.hold = (e) => is('COMPLETE', 'w1')(e) || is('COLLECT', 'r1', 's2')(e);
  d.run(() => r.operation.rounds === 2);
  d.hold = is('COMPLETE', 'w1');
  d.run(() => r.done);
  assert.equal(text(r.value), 'b');
  // r1's candidate set carried s1's forged huge candidate, and correct servers still did not raise it.
  const filter = d.delivered.find(is('FILTER', 'r1'))!.msg as Extract<Msg, { type: 'FILTER' }>;
  assert.ok(filter.candidates.some((c) => c.ts > 1e15));
  for (const i of [1, 2, 3]) assert.deepEqual(lcOf(d.servers[i]!), { ts: 2, nonce: genuine });
  assert.equal(r.operation.rounds, 2);
  assert.equal(d.rejectCount('malformed-message'), 0);
});

test('writer crash after round 1 (no COMPLETE sent): reads complete and agree on the old value', () => {
  const d = new Driver(powerstore, { t: 1, readers: 2 });
  const w1 = d.write('w1', bytes('old'));
  d.finish(w1);
  d.sendFilter = (e) => !(e.from === 'w1' && e.msg.type === 'COMPLETE');
  const w2 = d.write('w1', bytes('new'));
  d.run();
  assert.equal(w2.done, false);
  d.crash('w1');
  const r1 = d.read('r1');
  const r2 = d.read('r2');
  d.finish(r1, r2);
  assert.equal(text(r1.value), 'old');
  assert.equal(text(r2.value), 'old');
});

test('writer crash during round 2 (COMPLETE reached one server): later reads never go back', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const d = new Driver(powerstore, { t: 1, readers: 2, seed });
    d.finish(d.write('w1', bytes('old')));
    d.sendFilter = (e) => !(e.from === 'w1' && e.msg.type === 'COMPLETE' && e.to !== 's2');
    d.write('w1', bytes('new'));
    d.run();
    d.crash('w1');
    const r1 = d.read('r1');
    d.finish(r1);
    const r2 = d.read('r2');
    d.finish(r2);
    // r2 starts after r1 returned: it must not return an older value than r1 did.
    if (text(r1.value) === 'new') assert.equal(text(r2.value), 'new', `seed ${seed}`);
    assert.ok(['old', 'new'].includes(text(r2.value)));
  }
});

test('proof of writing: N is revealed only after n - t STORE_ACKs', () => {
  const d = new Driver(powerstore, { t: 2 });
  d.hold = (e) => e.msg.type === 'STORE_ACK' && ['s1', 's2', 's3'].includes(e.from);
  const w = d.write('w1', bytes('v'));
  d.run();
  // 7 servers, n - t = 5: with 4 acks delivered, no COMPLETE may exist anywhere.
  assert.equal(d.delivered.filter(is('STORE_ACK')).length, 4);
  assert.equal([...d.delivered, ...d.queued()].some(is('COMPLETE')), false);
  d.hold = () => false;
  d.finish(w);
  assert.equal(w.operation.rounds, 2);
});

test('retention: a read whose candidate was pruned takes one counted extra FILTER round and returns a newer value', () => {
  // retain = 2. r1 collects c1, then its FILTER is held while the writer completes v2 and v3, so
  // every server keeps fragments of v2 and v3 only. The CONFIRMs of c1 carry no fragment but lc = c3;
  // r1 re-filters {c1, c3} and returns v3: 3 rounds, 1 retry.
  const d = new Driver(powerstore, { t: 1, options: { retain: 2 } });
  d.finish(d.write('w1', bytes('v1')));
  const r = d.read('r1');
  d.hold = is('FILTER', 'r1');
  d.run();
  d.finish(d.write('w1', bytes('v2')));
  d.finish(d.write('w1', bytes('v3')));
  d.hold = () => false;
  d.finish(r);
  assert.equal(text(r.value), 'v3');
  assert.equal(r.operation.rounds, 3);
  assert.equal(r.operation.retries, 1);
  const filters = d.delivered.filter(is('FILTER', 'r1', 's1')).map((e) => (e.msg as Extract<Msg, { type: 'FILTER' }>).candidates.map((c) => c.ts));
  assert.deepEqual(filters, [[0, 1], [1, 3]]);
});

test('prune-liar: fragment-less CONFIRMs with forged lcs cause no retry when no correct server pruned', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const d = new Driver(powerstore, { t: 1, seed, byzantine: { 2: 'prune-liar' } });
    for (const v of ['a', 'b', 'c']) d.finish(d.write('w1', bytes(v)));
    const r = d.read('r1');
    d.finish(r);
    assert.equal(text(r.value), 'c');
    assert.equal(r.operation.retries, 0);
    assert.ok(r.operation.rounds <= 2);
  }
});

test('c0 is returned after one round when every collect reply names it', () => {
  const d = new Driver(powerstore, { t: 1 });
  const r = d.read('r1');
  d.finish(r);
  assert.equal(r.value!.length, 0);
  assert.equal(r.operation.rounds, 1);
  assert.equal(d.delivered.some(is('FILTER')), false);
});

test('sanity: H(N0) is not what a server checks for c0 (N0 is public, compared directly)', () => {
  // A candidate (0, N) with N ≠ N0 is refuted even though hist[0] exists.
  const d = new Driver(powerstore, { t: 1 });
  const out = d.servers[0]!.handle('r1', { type: 'FILTER', rid: 1, candidates: [{ ts: 0, nonce: crypto.sha256(new Uint8Array(32)) }] } as Msg);
  assert.deepEqual((out[0]!.msg as Extract<Msg, { type: 'FILTER_ACK' }>).statuses, [{ kind: 'REFUTE' }]);
});
