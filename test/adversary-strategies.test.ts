/**
 * What each Byzantine strategy sends (docs/protocols.md#byzantine-strategies), one test per
 * strategy, on hand-built states: the selective liars of PoWerStore / M-PoWerStore
 * (`refute-newest`, `confirm-stale`, `fake-fragment`, `ack-and-forget`), `confirm-all` in
 * FILTER_UPDATE, key pooling of colluders from the run's setup, the generic per-reader and
 * per-operation equivocators (`two-faced`, `flip-flop`), and `bft-signed`'s `confirm-stale`. The
 * expected statuses are worked out from the honest server's rules by hand (a server verifying c1
 * and c2 attaches its fragment to c2 only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abd } from '../protocols/abd/index.ts';
import { bftSigned } from '../protocols/bft-signed/index.ts';
import type { BftMessage } from '../protocols/bft-signed/messages.ts';
import { mPowerstore, type MPowerStoreSetup } from '../protocols/m-powerstore/index.ts';
import { powerstore } from '../protocols/powerstore/index.ts';
import type { Candidate, FilterStatus, PowerStoreMessage } from '../protocols/common/powerstore/messages.ts';
import { writerTimestamps, type WriterTimestamp } from '../protocols/common/timestamp.ts';
import type { AbdMessage } from '../protocols/abd/messages.ts';
import type { ServerMachine } from '../protocols/types.ts';
import { bytes, crypto, Driver, text, type Envelope } from './powerstore-driver.ts';

type Msg = PowerStoreMessage<number>;
type Status = FilterStatus<number>;
const N0 = new Uint8Array(32);
const c0: Candidate<number> = { ts: 0, nonce: N0 };
const is = (type: string, from?: string, to?: string) => (e: Envelope) =>
  e.msg.type === type && (from === undefined || e.from === from) && (to === undefined || e.to === to);

/** Genuine candidates of the writes so far, from the COMPLETEs on the wire, by timestamp. */
function genuine(d: Driver): Map<number, Candidate<number>> {
  const out = new Map<number, Candidate<number>>();
  for (const e of d.delivered) {
    if (e.msg.type !== 'COMPLETE') continue;
    const complete = e.msg as Extract<Msg, { type: 'COMPLETE' }>;
    out.set(complete.ts, { ts: complete.ts, nonce: complete.nonce });
  }
  return out;
}

/** The fragment server `index` got in the STORE of version `ts`. */
function storedFragment(d: Driver, index: number, ts: number): Uint8Array {
  const store = d.delivered.find((e) => e.msg.type === 'STORE' && e.to === `s${index + 1}` && (e.msg as Extract<Msg, { type: 'STORE' }>).ts === ts)!;
  return (store.msg as Extract<Msg, { type: 'STORE' }>).fragment;
}

function filterAck(machine: ServerMachine, from: string, rid: number, candidates: Candidate<number>[]): Status[] {
  const replies = machine.handle(from, { type: 'FILTER', rid, candidates } as Msg);
  assert.equal(replies.length, 1);
  const msg = replies[0]!.msg as Msg;
  assert.equal(msg.type, 'FILTER_ACK');
  return (msg as Extract<Msg, { type: 'FILTER_ACK' }>).statuses;
}

function kinds(statuses: readonly Status[]): string[] {
  return statuses.map((s) => (s.kind === 'CONFIRM' ? (s.fragment === null ? 'CONFIRM' : 'CONFIRM+fragment') : s.kind));
}

/** Two writes that reached every server: each holds c1 and c2, with lc = c2. */
function twoWrites(strategy: string): { d: Driver; c1: Candidate<number>; c2: Candidate<number> } {
  const d = new Driver(powerstore, { t: 1, byzantine: { 0: strategy } });
  d.finish(d.write('w1', bytes('v1')));
  d.finish(d.write('w1', bytes('v2')));
  d.run();
  const candidates = genuine(d);
  return { d, c1: candidates.get(1)!, c2: candidates.get(2)! };
}

test('honest reference: a server verifying c1 and c2 confirms both, with its fragment on c2 only', () => {
  const { d, c1, c2 } = twoWrites('refute-newest');
  const statuses = filterAck(d.honestServers[1]!, 'r1', 1, [c0, c1, c2]);
  assert.deepEqual(kinds(statuses), ['CONFIRM', 'CONFIRM', 'CONFIRM+fragment']);
});

test('refute-newest: REFUTE for the newest candidate, honest CONFIRM with the fragment for the one below; REFUTE in its FILTER_UPDATE', () => {
  const { d, c1, c2 } = twoWrites('refute-newest');
  const statuses = filterAck(d.servers[0]!, 'r1', 1, [c0, c1, c2]);
  assert.deepEqual(kinds(statuses), ['CONFIRM', 'CONFIRM+fragment', 'REFUTE']);
  const c1Status = statuses[1] as Extract<Status, { kind: 'CONFIRM' }>;
  assert.deepEqual(c1Status.fragment, storedFragment(d, 0, 1), 'the genuine fragment of v1');
  // Order in C does not matter: the newest by timestamp is refuted.
  assert.deepEqual(kinds(filterAck(d.servers[0]!, 'r1', 2, [c2, c0, c1])), ['REFUTE', 'CONFIRM', 'CONFIRM+fragment']);
  // C = [c0] alone: nothing to lie about.
  assert.deepEqual(kinds(filterAck(d.servers[0]!, 'r1', 3, [c0])), ['CONFIRM']);
  // A FILTER_UPDATE about the newest candidate: v3's STORE to s1 held while r2 filters [c2, c3].
  d.hold = is('STORE', 'w1', 's1');
  const w3 = d.write('w1', bytes('v3'));
  d.run(() => w3.done);
  const c3 = genuine(d).get(3)!;
  assert.deepEqual(kinds(filterAck(d.servers[0]!, 'r2', 1, [c2, c3])), ['CONFIRM+fragment', 'REFUTE']);
  const before = d.delivered.length;
  d.hold = () => false;
  d.run();
  const update = d.delivered.slice(before).find(is('FILTER_UPDATE', 's1', 'r2'));
  assert.ok(update !== undefined, 'the update was sent');
  assert.equal((update.msg as Extract<Msg, { type: 'FILTER_UPDATE' }>).status.kind, 'REFUTE');
});

test('confirm-stale: UNKNOWN for the newest candidate and never an update for it; older ones confirmed with the fragment; collect one lc behind', () => {
  const { d, c1, c2 } = twoWrites('confirm-stale');
  const s1 = d.servers[0]!;
  const statuses = filterAck(s1, 'r1', 1, [c0, c1, c2]);
  assert.deepEqual(kinds(statuses), ['CONFIRM', 'CONFIRM+fragment', 'UNKNOWN']);
  // Collect: the honest lc is c2; confirm-stale reports the lc it had before (c1), and so on.
  const collect = (rid: number) => (s1.handle('r1', { type: 'COLLECT', rid } as Msg)[0]!.msg as Extract<Msg, { type: 'COLLECT_ACK' }>).lc;
  assert.deepEqual(collect(2), c1);
  d.finish(d.write('w1', bytes('v3')));
  assert.deepEqual(collect(3), c2, 'lc is c3 now; confirm-stale reports the one before');
  // No FILTER_UPDATE about the newest: v4's STORE to s1 held while r2 filters [c3, c4].
  d.hold = is('STORE', 'w1', 's1');
  const w4 = d.write('w1', bytes('v4'));
  d.run(() => w4.done);
  const c4 = genuine(d).get(4)!;
  assert.deepEqual(kinds(filterAck(s1, 'r2', 1, [genuine(d).get(3)!, c4])), ['CONFIRM+fragment', 'UNKNOWN']);
  const before = d.delivered.length;
  d.hold = () => false;
  d.run();
  assert.equal(d.delivered.slice(before).filter(is('FILTER_UPDATE', 's1')).length, 0);
  // The honest machine underneath did send one (it remembered r2's UNKNOWN for c4).
  assert.deepEqual(kinds(filterAck(d.honestServers[0]!, 'r2', 1, [genuine(d).get(3)!, c4])), ['CONFIRM', 'CONFIRM+fragment']);
});

test('fake-fragment: a fragment that is not the stored one, whose hash sits at its own cc entry; every other entry genuine', () => {
  const { d, c1, c2 } = twoWrites('fake-fragment');
  const lied = filterAck(d.servers[0]!, 'r1', 1, [c0, c1, c2])[2] as Extract<Status, { kind: 'CONFIRM' }>;
  const honest = filterAck(d.honestServers[0]!, 'r1', 1, [c0, c1, c2])[2] as Extract<Status, { kind: 'CONFIRM' }>;
  assert.equal(lied.fragment!.length, honest.fragment!.length);
  assert.notDeepEqual(lied.fragment, honest.fragment);
  assert.deepEqual(lied.cc[0], crypto.sha256(lied.fragment!));
  assert.notDeepEqual(lied.cc[0], honest.cc[0]);
  assert.deepEqual(lied.cc.slice(1), honest.cc.slice(1));
});

test('ack-and-forget: acknowledges STORE and COMPLETE at once, keeps nothing, answers reads from the initial state', () => {
  const d = new Driver(powerstore, { t: 1, byzantine: { 0: 'ack-and-forget' } });
  const s1 = d.servers[0]!;
  const store = { type: 'STORE', ts: 1, fragment: new Uint8Array(8), cc: [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i)), commitment: new Uint8Array(32) } as Msg;
  assert.deepEqual(s1.handle('w1', store), [{ to: 'w1', msg: { type: 'STORE_ACK', ts: 1 } }]);
  // A COMPLETE whose nonce matches no commitment at all: acknowledged anyway (the generic stale would park it).
  assert.deepEqual(s1.handle('w1', { type: 'COMPLETE', ts: 1, nonce: new Uint8Array(32).fill(7) } as Msg), [{ to: 'w1', msg: { type: 'COMPLETE_ACK', ts: 1 } }]);
  assert.equal(s1.storedBytes(), 0);
  // Not from a writer: no reply, as an honest server (it is the writers it lies to).
  assert.deepEqual(s1.handle('r1', store), []);
  d.finish(d.write('w1', bytes('v1')));
  const c1 = genuine(d).get(1)!;
  assert.deepEqual((s1.handle('r1', { type: 'COLLECT', rid: 1 } as Msg)[0]!.msg as Extract<Msg, { type: 'COLLECT_ACK' }>).lc, c0);
  assert.deepEqual(kinds(filterAck(s1, 'r1', 1, [c0, c1])), ['CONFIRM', 'UNKNOWN']);
  // The writer's acks came from s1 as from the others.
  assert.ok(d.delivered.some(is('COMPLETE_ACK', 's1', 'w1')));
});

test('confirm-stale (M-PoWerStore): GET_TS reports the timestamp and μ of the lc before the current one', () => {
  type MMsg = PowerStoreMessage<WriterTimestamp>;
  const d = new Driver(mPowerstore, { t: 1, byzantine: { 0: 'confirm-stale' } });
  const getTs = () => d.servers[0]!.handle('w1', { type: 'GET_TS', op: 9 } as MMsg)[0]!.msg as Extract<MMsg, { type: 'GET_TS_ACK' }>;
  const honestTs = () => d.honestServers[0]!.handle('w1', { type: 'GET_TS', op: 9 } as MMsg)[0]!.msg as Extract<MMsg, { type: 'GET_TS_ACK' }>;
  d.finish(d.write('w1', bytes('v1')));
  const first = honestTs();
  assert.deepEqual(getTs(), { type: 'GET_TS_ACK', op: 9, ts: { num: 0, writer: '' }, mac: [] });
  d.finish(d.write('w1', bytes('v2')));
  assert.deepEqual(honestTs().ts, { num: 2, writer: 'w1' });
  assert.deepEqual(getTs(), first, 'the genuine (1, w1) with its genuine μ');
});

test('confirm-all: a made-up CONFIRM in FILTER_UPDATE as well as in FILTER_ACK', () => {
  // s1 does not have v2's STORE yet when r1 filters [c1, (2, wrong nonce)], so it remembers an UNKNOWN;
  // when the STORE lands the honest update is a REFUTE (wrong nonce), which confirm-all turns into a CONFIRM.
  const d = new Driver(powerstore, { t: 1, byzantine: { 0: 'confirm-all' } });
  d.finish(d.write('w1', bytes('v1')));
  const c1 = genuine(d).get(1)!;
  d.hold = is('STORE', 'w1', 's1');
  const w2 = d.write('w1', bytes('v2'));
  d.run(() => w2.done);
  const wrong: Candidate<number> = { ts: 2, nonce: new Uint8Array(32).fill(9) };
  assert.deepEqual(kinds(filterAck(d.servers[0]!, 'r1', 1, [c1, wrong])), ['CONFIRM+fragment', 'CONFIRM+fragment']);
  const before = d.delivered.length;
  d.hold = () => false;
  d.run();
  const update = d.delivered.slice(before).find(is('FILTER_UPDATE', 's1', 'r1'))!;
  const status = (update.msg as Extract<Msg, { type: 'FILTER_UPDATE' }>).status;
  assert.equal(status.kind, 'CONFIRM');
  // The honest machine's view of the same candidate now: REFUTE (the lie was the CONFIRM).
  assert.deepEqual(kinds(filterAck(d.honestServers[0]!, 'r9', 1, [wrong])), ['REFUTE']);
});

test('inflate-ts colluders pool their keys from the run setup: entries valid exactly at the colluders, never at a correct server', () => {
  type MMsg = PowerStoreMessage<WriterTimestamp>;
  // t = 2, n = 7, colluders s2 and s6.
  const d = new Driver(mPowerstore, { t: 2, byzantine: { 1: 'inflate-ts', 5: 'inflate-ts' } });
  const keys = (d.setup as MPowerStoreSetup).serverKeys;
  for (const index of [1, 5]) {
    const reply = d.servers[index]!.handle('w1', { type: 'GET_TS', op: 1 } as MMsg)[0]!.msg as Extract<MMsg, { type: 'GET_TS_ACK' }>;
    assert.ok(reply.ts.num > 1e15);
    const valid = reply.mac.flatMap((mac, i) => (Buffer.compare(mac, crypto.hmacSha256(keys[i]!, writerTimestamps.bytes(reply.ts))) === 0 ? [i] : []));
    assert.deepEqual(valid, [1, 5]);
  }
  // Alone (one colluder), a faulty server has its own key only.
  const alone = new Driver(mPowerstore, { t: 2, byzantine: { 3: 'inflate-ts' } });
  const reply = alone.servers[3]!.handle('w1', { type: 'GET_TS', op: 1 } as MMsg)[0]!.msg as Extract<MMsg, { type: 'GET_TS_ACK' }>;
  const aloneKeys = (alone.setup as MPowerStoreSetup).serverKeys;
  assert.deepEqual(reply.mac.flatMap((mac, i) => (Buffer.compare(mac, crypto.hmacSha256(aloneKeys[i]!, writerTimestamps.bytes(reply.ts))) === 0 ? [i] : [])), [3]);
});

test('two-faced (generic): honest to writers and r1, answers r2 from the initial state', () => {
  const d = new Driver(abd, { t: 1, byzantine: { 0: 'two-faced' } });
  d.finish(d.write('w1', bytes('v1')));
  const s1 = d.servers[0]! as ServerMachine<AbdMessage>;
  const get = (reader: string) => s1.handle(reader, { type: 'GET', op: 1 })[0]!.msg as Extract<AbdMessage, { type: 'GET_ACK' }>;
  assert.equal(text(get('r1').value), 'v1');
  assert.equal(get('r2').num, 0);
  assert.equal(get('r2').value.length, 0);
  // The lie is per client: the same server, same state, asked by w1.
  assert.equal((s1.handle('w1', { type: 'GET_TS', op: 5 })[0]!.msg as Extract<AbdMessage, { type: 'GET_TS_ACK' }>).num, 1);
});

test('flip-flop (generic): honest to a client\'s odd-numbered operations, the initial state to its even-numbered ones', () => {
  const d = new Driver(abd, { t: 1, byzantine: { 0: 'flip-flop' } });
  d.finish(d.write('w1', bytes('v1')));
  const s1 = d.servers[0]! as ServerMachine<AbdMessage>;
  const num = (op: number) => (s1.handle('r1', { type: 'GET', op })[0]!.msg as Extract<AbdMessage, { type: 'GET_ACK' }>).num;
  assert.deepEqual([1, 2, 3, 4].map(num), [1, 0, 1, 0]);
  // Messages without an operation number are answered honestly: PoWerStore's STORE from the writer.
  const p = new Driver(powerstore, { t: 1, byzantine: { 0: 'flip-flop' } });
  p.finish(p.write('w1', bytes('v1')));
  assert.equal(p.servers[0]!.storedBytes(), p.honestServers[1]!.storedBytes());
});

test('bft-signed confirm-stale: stores and acks like a correct server, reports the version before its current one', () => {
  const d = new Driver(bftSigned, { t: 1, byzantine: { 0: 'confirm-stale' } });
  const s1 = d.servers[0]! as ServerMachine<BftMessage>;
  const get = (op: number) => s1.handle('r1', { type: 'GET', op })[0]!.msg as Extract<BftMessage, { type: 'GET_ACK' }>;
  d.finish(d.write('w1', bytes('v1')));
  assert.equal(get(1).num, 0, 'one version behind: the initial version');
  d.finish(d.write('w1', bytes('v2')));
  const reply = get(2);
  assert.equal(text(reply.value), 'v1');
  assert.equal(reply.num, 1);
  // The reported version is genuine: its signature is the one v1's PUT carried.
  const put = d.delivered.find((e) => e.msg.type === 'PUT' && (e.msg as Extract<BftMessage, { type: 'PUT' }>).num === 1)!.msg as Extract<BftMessage, { type: 'PUT' }>;
  assert.deepEqual(reply.sig, put.sig);
  const ts = s1.handle('w1', { type: 'GET_TS', op: 3 })[0]!.msg as Extract<BftMessage, { type: 'GET_TS_ACK' }>;
  assert.equal(ts.num, 1);
  assert.ok(d.delivered.filter(is('PUT_ACK', 's1', 'w1')).length === 2, 'both PUTs acknowledged');
});
