/**
 * Appendix A at the protocol level: the fast-write strawman (UNSAFE by design) and PoWerStore driven
 * through the proof's runs by hand (test/appendix-a-runs.ts), t = 1 and t = 2. The values asserted
 * are the ones the proof derives: which value each read returns, and which runs a client cannot
 * tell apart (its received messages are identical).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fastwriteStrawman } from '../protocols/fastwrite-strawman/index.ts';
import { FastWriteServer } from '../protocols/fastwrite-strawman/server.ts';
import { parseFastWriteMessage } from '../protocols/fastwrite-strawman/messages.ts';
import type { FastWriteRead } from '../protocols/fastwrite-strawman/client.ts';
import { powerstore } from '../protocols/powerstore/index.ts';
import { PROTOCOLS, protocolNames } from '../protocols/registry.ts';
import { bytes, Driver, text } from './powerstore-driver.ts';
import { blocksOf, executeRun, machineOf, viewOf } from './appendix-a-runs.ts';

const snapshot = (d: Driver, id: string) => (machineOf(d, id) as unknown as FastWriteServer).snapshot();
const selection = (op: unknown) => (op as FastWriteRead).selection!;

describe('fastwrite-strawman: the protocol itself', () => {
  test('is unsafe, resolvable by name, and hidden from registry iteration', () => {
    assert.equal(fastwriteStrawman.unsafe, true);
    assert.equal(PROTOCOLS['fastwrite-strawman'], fastwriteStrawman);
    assert.equal(Object.hasOwn(PROTOCOLS, 'fastwrite-strawman'), true);
    assert.equal(protocolNames().includes('fastwrite-strawman'), false);
    assert.equal(Object.keys({ ...PROTOCOLS }).includes('fastwrite-strawman'), false);
    assert.equal(fastwriteStrawman.serverCount(1), 4);
    assert.equal(fastwriteStrawman.serverCount(2), 8);
    assert.deepEqual(fastwriteStrawman.optionsSchema.parse({}), { readRule: 't+1' });
    assert.equal(fastwriteStrawman.optionsSchema.safeParse({ readRule: 't+2' }).success, false);
  });

  test('fault-free: 1-round write of fragments, 2-round read returning the newest value', () => {
    for (const t of [1, 2]) {
      for (const readRule of ['t', 't+1']) {
        const d = new Driver(fastwriteStrawman, { t, options: { readRule } });
        const w1 = d.write('w1', bytes('first'));
        d.finish(w1);
        const w2 = d.write('w1', bytes('second'));
        d.finish(w2);
        assert.equal(w1.operation.rounds, 1);
        const r = d.read('r1');
        d.finish(r);
        assert.equal(text(r.value), 'second');
        assert.equal(r.operation.rounds, 2);
        // Each server got its own fragment: k = t of n = 4t (length = ceil-ish of value / t, never the whole value for t = 2).
        const stores = d.delivered.filter((e) => e.msg.type === 'STORE' && (e.msg as unknown as { ts: number }).ts === 2);
        assert.equal(stores.length, 4 * t);
        assert.equal(new Set(stores.map((e) => Buffer.from((e.msg as unknown as { fragment: Uint8Array }).fragment).toString('hex'))).size, 4 * t);
      }
    }
  });

  test('the write-back is metadata only: the server records the timestamp but holds no new fragment', () => {
    const d = new Driver(fastwriteStrawman, { t: 1 });
    const server = d.servers[0]!;
    const cc = [new Uint8Array(32), new Uint8Array(32), new Uint8Array(32), new Uint8Array(32)];
    assert.deepEqual(server.handle('r1', { type: 'WRITEBACK', rid: 1, ts: 7, cc } as never), [{ to: 'r1', msg: { type: 'WRITEBACK_ACK', rid: 1 } }]);
    assert.deepEqual((server as unknown as FastWriteServer).snapshot(), { held: [], wbTs: 7 });
    // A STORE from a reader is refused and counted.
    assert.deepEqual(server.handle('r1', { type: 'STORE', ts: 8, fragment: new Uint8Array(4), cc } as never), []);
    assert.equal(d.rejectCount('store-from-non-writer'), 1);
  });

  test('the parser accepts exactly the message shapes', () => {
    const digest = new Uint8Array(32);
    assert.deepEqual(parseFastWriteMessage({ type: 'STORE_ACK', ts: 3 }), { type: 'STORE_ACK', ts: 3 });
    assert.equal(parseFastWriteMessage({ type: 'STORE_ACK', ts: -1 }), undefined);
    assert.equal(parseFastWriteMessage({ type: 'STORE_ACK', ts: 1, extra: 1 }), undefined);
    assert.equal(parseFastWriteMessage({ type: 'WRITEBACK', rid: 1, ts: 1, cc: [new Uint8Array(31)] }), undefined);
    assert.equal(parseFastWriteMessage({ type: 'COLLECT_ACK', rid: 1, wbTs: 0, versions: [{ ts: 1, fragment: 'x', cc: [digest] }] }), undefined);
    assert.ok(parseFastWriteMessage({ type: 'COLLECT_ACK', rid: 1, wbTs: 0, versions: [{ ts: 1, fragment: new Uint8Array(2), cc: [digest] }] }));
    assert.equal(parseFastWriteMessage({ type: 'NOPE' }), undefined);
  });
});

for (const t of [1, 2]) {
  describe(`Appendix A, t = ${t}: the strawman (n = ${4 * t})`, () => {
    const blocks = blocksOf(4 * t, t);

    test("run1': T4 crashed, wr completes writing v to T1, T2, T3; run2: wr cannot tell T4 delayed from crashed", () => {
      const run1p = executeRun(fastwriteStrawman, t, "run1'");
      const run2 = executeRun(fastwriteStrawman, t, 'run2');
      assert.equal(run1p.values.wr, 'done');
      assert.equal(run2.values.wr, 'done');
      assert.deepEqual(viewOf(run2.driver, 'w1'), viewOf(run1p.driver, 'w1'), "the writer's view of run2 equals run1'");
      assert.equal(run1p.wr.operation.rounds, 1);
      // After wr, T2 reverted in run2: v is held by T1 and T3 only.
      for (const id of [...blocks.T1, ...blocks.T3]) assert.deepEqual(snapshot(run2.driver, id).held, [1], id);
      for (const id of [...blocks.T2, ...blocks.T4]) assert.deepEqual(snapshot(run2.driver, id).held, [], id);
    });

    test('run1: T1 crashed, the writer crashes after writing v to T3 only', () => {
      const run1 = executeRun(fastwriteStrawman, t, 'run1');
      assert.equal(run1.values.wr, 'pending');
      for (const id of blocks.T3) assert.deepEqual(snapshot(run1.driver, id).held, [1]);
      for (const id of [...blocks.T2, ...blocks.T4]) assert.deepEqual(snapshot(run1.driver, id).held, []);
    });

    test("rule 't+1': run3 and run4 look the same to r1, so rd1 returns ⊥ in both: after a complete write in run4 (violation)", () => {
      const options = { readRule: 't+1' };
      const run3 = executeRun(fastwriteStrawman, t, 'run3', { options });
      const run4 = executeRun(fastwriteStrawman, t, 'run4', { options });
      assert.deepEqual(run3.values, { wr: 'pending', rd1: '' });
      assert.deepEqual(run4.values, { wr: 'done', rd1: '' }, 'rd1 misses the completed write: not linearizable');
      assert.deepEqual(viewOf(run4.driver, 'r1'), viewOf(run3.driver, 'r1'), "r1's view of run4 equals run3");
      // rd1 heard T2, T3, T4; v was held by T3's t servers only, fewer than t + 1.
      const sel = selection(run4.rd1!.operation);
      assert.deepEqual(sel.collectedFrom, [...blocks.T2, ...blocks.T3, ...blocks.T4]);
      assert.equal(sel.ts, 0);
    });

    test("rule 't': run3 and run4 return v (rd1 trusts T3's t servers), so run4 is fine", () => {
      const options = { readRule: 't' };
      const run3 = executeRun(fastwriteStrawman, t, 'run3', { options });
      const run4 = executeRun(fastwriteStrawman, t, 'run4', { options });
      assert.deepEqual(run3.values, { wr: 'pending', rd1: 'v' });
      assert.deepEqual(run4.values, { wr: 'done', rd1: 'v' });
      assert.deepEqual(selection(run4.rd1!.operation).heldBy, [...blocks.T3]);
    });

    test("rule 't': run5 looks like run3 to r1 (rd1 returns v); run6: T3 crashes, rd2 finds v nowhere and returns ⊥ (violation)", () => {
      const options = { readRule: 't' };
      const run3 = executeRun(fastwriteStrawman, t, 'run3', { options });
      const run6 = executeRun(fastwriteStrawman, t, 'run6', { options });
      assert.deepEqual(run6.values, { wr: 'pending', rd1: 'v', rd2: '' }, 'rd2 after rd1 returned v reads ⊥: not linearizable');
      assert.deepEqual(viewOf(run6.driver, 'r1'), viewOf(run3.driver, 'r1'), "r1's view of run5 equals run3");
      // (ii) rd1 wrote back metadata only: T2 and T4 know ts 1 was returned but hold no fragment of it.
      const sel2 = selection(run6.rd2!.operation);
      assert.deepEqual(sel2.collectedFrom, [...blocks.T1, ...blocks.T2, ...blocks.T4]);
      assert.equal(sel2.maxWrittenBackTs, 1, 'rd2 saw the metadata of v');
      assert.deepEqual(sel2.heldBy, []);
      for (const id of [...blocks.T2, ...blocks.T4]) assert.deepEqual(snapshot(run6.driver, id), { held: [], wbTs: 1 }, id);
    });

    test("rule 't+1': run6 is fine (rd1 already returned ⊥)", () => {
      const run6 = executeRun(fastwriteStrawman, t, 'run6', { options: { readRule: 't+1' } });
      assert.deepEqual(run6.values, { wr: 'pending', rd1: '', rd2: '' });
    });
  });

  describe(`Appendix A, t = ${t}: PoWerStore (n = ${3 * t + 1}, T4 = 1 server, 2-round writes)`, () => {
    test('run4: rd1 does not return ⊥ without T1; it waits, and returns v once the delayed messages arrive', () => {
      const held = executeRun(powerstore, t, 'run4');
      assert.equal(held.values.wr, 'done');
      assert.equal(held.wr.operation.rounds, 2);
      assert.equal(held.values.rd1, '<pending>', 'rd1 cannot decide while T1 and T4 lag');
      const released = executeRun(powerstore, t, 'run4', { releaseAtEnd: true });
      assert.deepEqual(released.values, { wr: 'done', rd1: 'v' });
    });

    test('run6: the write never finished its first round, so nothing was completed: rd1 and rd2 return ⊥', () => {
      const run6 = executeRun(powerstore, t, 'run6');
      assert.deepEqual(run6.values, { wr: 'pending', rd1: '', rd2: '' });
      // r1 can tell run3 from run4 here: T3 reports lc = c1 in run4 (the write's second round reached it), c0 in run3.
      const run3 = executeRun(powerstore, t, 'run3');
      const run4 = executeRun(powerstore, t, 'run4');
      assert.notDeepEqual(viewOf(run4.driver, 'r1'), viewOf(run3.driver, 'r1'));
    });
  });
}
