/**
 * M-PoWerStore (docs/protocols.md#m-powerstore) with the in-test driver: 3-round writes, reads of
 * at most 2 rounds, MAC-authenticated timestamps (each server checks only its own entry; ≥ t + 1
 * valid entries make a GET_TS reply authentic), GET_TS answering `lc.ts`, and bounded timestamps
 * under `inflate-ts`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mPowerstore, type MPowerStoreSetup } from '../protocols/m-powerstore/index.ts';
import type { PowerStoreMessage } from '../protocols/common/powerstore/messages.ts';
import type { PowerStoreServer } from '../protocols/common/powerstore/server.ts';
import type { WriterTimestamp } from '../protocols/common/timestamp.ts';
import { writerTimestamps } from '../protocols/common/timestamp.ts';
import { checkHistory } from '../harness/checker/index.ts';
import type { ServerMachine } from '../protocols/types.ts';
import { bytes, crypto, Driver, text, type OpHandle } from './powerstore-driver.ts';

type Msg = PowerStoreMessage<WriterTimestamp>;
const lcOf = (d: Driver, i: number) => (d.servers[i] as PowerStoreServer<WriterTimestamp>).lastCompleted();
const macFor = (key: Uint8Array, ts: WriterTimestamp) => crypto.hmacSha256(key, writerTimestamps.bytes(ts));

test('round counts: writes exactly 3, reads at most 2, no retries; concurrent writers stay linearizable (t = 1, 2, 3)', async () => {
  for (const t of [1, 2, 3]) {
    for (let seed = 1; seed <= 6; seed++) {
      const d = new Driver(mPowerstore, { t, seed, writers: 3, readers: 2 });
      const history: { client: string; op: 'read' | 'write'; key: string; value: string | null; call: number; return: number | null; status: 'ok'; rounds: number }[] = [];
      let clock = 0;
      for (let round = 1; round <= 3; round++) {
        const ops: { h: OpHandle; value: string | null; call: number }[] = [];
        for (const w of ['w1', 'w2', 'w3']) ops.push({ h: d.write(w, bytes(`${w}:${round}`)), value: `${w}:${round}`, call: clock++ });
        for (const r of ['r1', 'r2']) ops.push({ h: d.read(r), value: null, call: clock++ });
        d.finish(...ops.map((o) => o.h));
        for (const o of ops) {
          const kind = o.h.operation.kind;
          if (kind === 'write') assert.equal(o.h.operation.rounds, 3);
          else assert.ok(o.h.operation.rounds <= 2);
          assert.equal(o.h.operation.retries, 0);
          const value = kind === 'write' ? o.value : o.h.value!.length === 0 ? null : text(o.h.value);
          history.push({ client: o.h.client, op: kind, key: 'k', value, call: o.call, return: clock + 1, status: 'ok', rounds: o.h.operation.rounds });
        }
        clock += 2;
      }
      assert.equal((await checkHistory(history, { model: 'register' })).verdict, 'ok');
      assert.equal(d.rejects.size, 0);
    }
  }
});

test('timestamps: a write after a completed write takes max authentic num + 1 with its own id', () => {
  const d = new Driver(mPowerstore, { t: 1, writers: 2 });
  d.finish(d.write('w2', bytes('a')));
  d.finish(d.write('w1', bytes('b')));
  d.finish(d.write('w2', bytes('c')));
  for (let i = 0; i < 4; i++) assert.deepEqual(lcOf(d, i).ts, { num: 3, writer: 'w2' });
  const stores = d.delivered.filter((e) => e.msg.type === 'STORE' && e.to === 's1').map((e) => (e.msg as Extract<Msg, { type: 'STORE' }>).ts);
  assert.deepEqual(stores, [{ num: 1, writer: 'w2' }, { num: 2, writer: 'w1' }, { num: 3, writer: 'w2' }]);
});

test('a STORE whose own MAC entry does not verify is ignored and not acknowledged; other entries are not the server\'s to check', () => {
  const d = new Driver(mPowerstore, { t: 1 });
  const keys = (d.setup as MPowerStoreSetup).serverKeys;
  const ts = { num: 1, writer: 'w1' };
  const base = { type: 'STORE' as const, ts, fragment: new Uint8Array(72), cc: [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i)), commitment: new Uint8Array(32) };
  const s2 = d.servers[1] as ServerMachine<Msg>;
  // μ[1] computed with s1's key k_1 (not k_2): rejected.
  const wrongKey = keys.map(() => macFor(keys[0]!, ts));
  assert.deepEqual(s2.handle('w1', { ...base, mac: wrongKey }), []);
  assert.equal(d.rejectCount('store-bad-mac'), 1);
  // Wrong length μ: rejected.
  assert.deepEqual(s2.handle('w1', { ...base, mac: [macFor(keys[1]!, ts)] }), []);
  assert.equal(d.rejectCount('store-bad-mac'), 2);
  // Own entry right, the others garbage: s2 holds only k_2 and accepts.
  const ownOnly = keys.map((key, i) => (i === 1 ? macFor(key, ts) : new Uint8Array(32)));
  assert.deepEqual(s2.handle('w1', { ...base, mac: ownOnly }).map((s) => s.msg.type), ['STORE_ACK']);
});

test('GET_TS returns lc.ts and its μ, not the highest stored timestamp; ts0 comes with no MACs', () => {
  const d = new Driver(mPowerstore, { t: 1 });
  const s1 = d.servers[0] as ServerMachine<Msg>;
  const first = s1.handle('w1', { type: 'GET_TS', op: 1 })[0]!.msg as Extract<Msg, { type: 'GET_TS_ACK' }>;
  assert.deepEqual(first, { type: 'GET_TS_ACK', op: 1, ts: { num: 0, writer: '' }, mac: [] });
  d.finish(d.write('w1', bytes('a')));
  // Write 2 stored everywhere, COMPLETE held: lc stays at (1, w1).
  d.hold = (e) => e.msg.type === 'COMPLETE';
  d.write('w1', bytes('b'));
  d.run();
  const reply = s1.handle('w1', { type: 'GET_TS', op: 9 })[0]!.msg as Extract<Msg, { type: 'GET_TS_ACK' }>;
  assert.deepEqual(reply.ts, { num: 1, writer: 'w1' });
  const keys = (d.setup as MPowerStoreSetup).serverKeys;
  assert.deepEqual(reply.mac, keys.map((key) => macFor(key, { num: 1, writer: 'w1' })));
});

test('inflate-ts / forge on t colluding servers (t valid MAC entries each): timestamps stay bounded (t = 1, 2)', () => {
  for (const t of [1, 2]) {
    for (const strategy of ['inflate-ts', 'forge']) {
      const byzantine: Record<number, string> = {};
      for (let i = 0; i < t; i++) byzantine[i * 2] = strategy;
      const d = new Driver(mPowerstore, { t, writers: 2, byzantine });
      for (let i = 1; i <= 4; i++) d.finish(d.write(i % 2 === 0 ? 'w2' : 'w1', bytes(`v${i}`)));
      const r = d.read('r1');
      d.finish(r);
      assert.equal(text(r.value), 'v4');
      const keys = (d.setup as MPowerStoreSetup).serverKeys;
      // The forged replies really carry t valid entries (the colluders' keys): below t + 1, not authentic.
      const forged = d.delivered.find((e) => e.from === 's1' && e.msg.type === 'GET_TS_ACK')!.msg as Extract<Msg, { type: 'GET_TS_ACK' }>;
      assert.ok(forged.ts.num > 1e15);
      const valid = forged.mac.filter((mac, i) => Buffer.compare(mac, macFor(keys[i]!, forged.ts)) === 0).length;
      assert.equal(valid, t, `${strategy} t=${t}`);
      // Every stored timestamp is one of the 4 genuine ones.
      const nums = d.delivered.filter((e) => e.msg.type === 'STORE').map((e) => (e.msg as Extract<Msg, { type: 'STORE' }>).ts.num);
      assert.ok(Math.max(...nums) <= 4, `${strategy} t=${t}: ${Math.max(...nums)}`);
    }
  }
});

test('parseMessage (multi-writer): timestamps are (num, writer) pairs, STORE needs μ, GET_TS is allowed', () => {
  const parse = mPowerstore.parseMessage;
  const ts = { num: 2, writer: 'w1' };
  assert.deepEqual(parse({ type: 'GET_TS', op: 3 }), { type: 'GET_TS', op: 3 });
  assert.deepEqual(parse({ type: 'GET_TS_ACK', op: 3, ts, mac: [] }), { type: 'GET_TS_ACK', op: 3, ts, mac: [] });
  assert.equal(parse({ type: 'GET_TS_ACK', op: 3, ts: 2, mac: [] }), undefined);
  assert.equal(parse({ type: 'GET_TS_ACK', op: 3, ts: { num: 2, writer: 'w1', x: 1 }, mac: [] }), undefined);
  assert.equal(parse({ type: 'GET_TS_ACK', op: 3, ts: { num: -1, writer: 'w1' }, mac: [] }), undefined);
  assert.equal(parse({ type: 'GET_TS_ACK', op: 3, ts: { num: 1, writer: 'w'.repeat(300) }, mac: [] }), undefined);
  assert.equal(parse({ type: 'GET_TS_ACK', op: 3, ts, mac: [new Uint8Array(16)] }), undefined);
  const store = { type: 'STORE', ts, fragment: new Uint8Array(8), cc: [new Uint8Array(32)], commitment: new Uint8Array(32) };
  assert.equal(parse(store), undefined, 'μ missing');
  assert.deepEqual(parse({ ...store, mac: [new Uint8Array(32)] }), { ...store, mac: [new Uint8Array(32)] });
});

test('writers hold every k_i, readers none: a reader client cannot write', () => {
  const d = new Driver(mPowerstore, { t: 1 });
  assert.throws(() => d.clients.get('r1')!.write(bytes('x')), /not a writer/);
  assert.equal((d.setup as MPowerStoreSetup).serverKeys.length, 4);
});
