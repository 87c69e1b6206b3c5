/**
 * PoWerStore and M-PoWerStore thresholds, each against the selective adversary that exploits it
 * (docs/protocols.md#selective-liars). Every test passes on the real rules; the mutants suite
 * (`npm run test:mutants`, docs/mutants.md) shows each one failing when its threshold is one too
 * weak. Schedules use the in-test driver: chosen links held, random delivery otherwise (t = 1, n = 4).
 *
 * The value a read must return is worked out by hand: with one writer (or writers that run one
 * after the other), a read invoked after write v returned must return v (atomicity).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mPowerstore } from '../protocols/m-powerstore/index.ts';
import { powerstore } from '../protocols/powerstore/index.ts';
import type { PowerStoreMessage } from '../protocols/common/powerstore/messages.ts';
import type { AnyProtocolDefinition, Operation } from '../protocols/types.ts';
import { bytes, Driver, text } from './powerstore-driver.ts';
import { completeStalling, messages } from './support/stalling.ts';

const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
const FAMILY = [mPowerstore, powerstore] as AnyProtocolDefinition[];

for (const def of FAMILY) {
  for (const liar of ['refute-newest', 'confirm-stale']) {
    test(`${def.name}: ${liar} + the writer's STORE to one correct server held: a read after write v2 returns v2 (invalid needs 2t + 1)`, () => {
      // s1 lies about the newest candidate only (REFUTE, or UNKNOWN as if it never got it) and answers
      // everything else honestly, fragment included; w1's STORE of v2 to s4 (correct) is held. v2
      // completes with s1..s3. A read that starts afterwards sees c2 refuted or unknown at s1 and
      // UNKNOWN at s4: t + 1 = 2 statuses, short of 2t + 1, so it must wait for s4 to confirm c2 once
      // the STORE lands. Were t + 1 enough, c1 (confirmed by s1 with its fragment, s2, s3, s4) or c0
      // would be returned: an old value after v2 completed.
      for (const seed of SEEDS) {
        const d = new Driver(def, { t: 1, seed, byzantine: { 0: liar } });
        d.finish(d.write('w1', bytes('v1')));
        d.run();
        d.hold = messages('STORE', 'w1', 's4');
        const w2 = d.write('w1', bytes('v2'));
        d.run(() => w2.done);
        assert.equal(w2.done, true, `seed ${seed}: v2 completes without s4`);
        const r = d.read('r1');
        d.run();
        assert.equal(r.done, false, `seed ${seed}: the read returned ${text(r.value)} while c2 had only t + 1 refutes/unknowns`);
        d.hold = () => false;
        d.finish(r);
        assert.equal(text(r.value), 'v2', `seed ${seed}`);
      }
    });
  }

  test(`${def.name}: fake-fragment on s1 (a made-up fragment under a self-consistent cross-checksum): every read decodes the written value`, () => {
    // A checksum reported by s1 alone (t) must not be trusted, and a fragment must match its entry
    // of a checksum reported by t + 1: s1's fragment is index 0, a data fragment of every decode.
    for (const seed of SEEDS) {
      const d = new Driver(def, { t: 1, seed, readers: 2, byzantine: { 0: 'fake-fragment' } });
      for (let i = 1; i <= 3; i++) {
        d.finish(d.write('w1', bytes(`value-${seed}-${i}`)));
        const reads = [d.read('r1'), d.read('r2')];
        d.finish(...reads);
        for (const r of reads) assert.equal(text(r.value), `value-${seed}-${i}`, `seed ${seed}, write ${i}`);
      }
    }
  });

  test(`${def.name}: confirm-stale + a write's COMPLETE to one correct server held: the collect round needs n - t replies`, () => {
    // v2 completes without s4 (COMPLETE held), so lc = c2 at s2, s3 only; s1 reports its lc one step
    // behind (c1). A read whose COLLECTs to s2 and s3 are slow must wait for one of them: with the
    // replies of s1 and s4 alone C = {c0, c1}, and c1 would be confirmed by s2, s3, s4 (an old value).
    for (const seed of SEEDS) {
      const d = new Driver(def, { t: 1, seed, byzantine: { 0: 'confirm-stale' } });
      d.finish(d.write('w1', bytes('v1')));
      d.finish(d.write('w1', bytes('v2')));
      d.run(); // every message of v1 and v2 delivered
      d.hold = messages('COMPLETE', 'w1', 's4');
      const w3 = d.write('w1', bytes('v3'));
      d.run(() => w3.done);
      const r = d.read('r1');
      completeStalling(d, r, [messages('COLLECT', 'r1', 's2', 's3')], [messages('COMPLETE', 'w1', 's4')]);
      assert.equal(text(r.value), 'v3', `seed ${seed}`);
    }
  });

  test(`${def.name}: ack-and-forget + COMPLETEs held as long as possible: a write returns only with n - t COMPLETE_ACKs`, () => {
    // s1 acknowledges every STORE and COMPLETE and keeps nothing. The adversary delays w1's COMPLETE
    // to s3 and s4 for as long as the write can do without them: with n - t = 3 acks, one of s3, s4
    // (correct) raised lc to c2 before the write returns, so a later read, whose COLLECT to s2 is
    // slow, meets it. With 2 acks (s1's lie and s2) only s2 would know c2, and the read returns v1.
    for (const seed of SEEDS) {
      const d = new Driver(def, { t: 1, seed, byzantine: { 0: 'ack-and-forget' } });
      d.finish(d.write('w1', bytes('v1')));
      d.run();
      const w2 = d.write('w1', bytes('v2'));
      completeStalling(d, w2, [messages('COMPLETE', 'w1', 's3'), messages('COMPLETE', 'w1', 's4')]);
      const r = d.read('r1');
      completeStalling(d, r, [messages('COLLECT', 'r1', 's2')], [messages('COMPLETE', 'w1', 's4')]);
      assert.equal(text(r.value), 'v2', `seed ${seed}`);
    }
  });
}

for (const def of FAMILY) {
  test(`${def.name}: retention: with t matching fragments left (k = t + 1 needed), the read retries instead of decoding`, () => {
    // retain = 2. r1 collected c1; its FILTER is held while v2 and v3 complete without s4 (w1's link
    // to s4 held), so s1..s3 pruned v1's fragment and s4 alone still has it: t = 1 matching fragment,
    // which cannot decode. The CONFIRMs of s1..s3 carry lc = c3, so r1 re-filters {c1, c3} and
    // returns v3.
    const d = new Driver(def, { t: 1, options: { retain: 2 } });
    d.finish(d.write('w1', bytes('v1')));
    d.run();
    const toS4 = (e: { from: string; to: string }) => e.from === 'w1' && e.to === 's4';
    const r = d.read('r1');
    d.hold = (e) => toS4(e) || messages('FILTER', 'r1')(e);
    d.run();
    for (const value of ['v2', 'v3']) {
      const w = d.write('w1', bytes(value));
      d.run(() => w.done);
      assert.equal(w.done, true);
    }
    // s3's answer comes last, so that s4's fragment is among the first 2t + 1 confirmations.
    completeStalling(d, r, [messages('FILTER', 'r1', 's3')], [toS4]);
    assert.equal(text(r.value), 'v3');
    assert.equal(r.operation.retries, 1);
    assert.equal(d.rejectCount('decode-failed'), 0);
  });
}

test('m-powerstore: confirm-stale + a slow get-ts: a write takes its timestamp from n - t replies, above every completed write', () => {
  // w2 writes v1 at (1, w2); its COMPLETE to s4 is held, so s4 still reports ts0, and s1 reports the
  // timestamp before its current one (ts0). w1 then writes v2 while its GET_TS to s2 and s3 is slow:
  // with the replies of s1 and s4 alone it would pick (1, w1) < (1, w2), and a read after v2 returned
  // would return v1.
  for (const seed of SEEDS) {
    const d = new Driver(mPowerstore, { t: 1, seed, writers: 2, byzantine: { 0: 'confirm-stale' } });
    const w = d.write('w2', bytes('v1'));
    completeStalling(d, w, [], [messages('COMPLETE', 'w2', 's4')]);
    const w2 = d.write('w1', bytes('v2'));
    completeStalling(d, w2, [messages('GET_TS', 'w1', 's2', 's3')], [messages('COMPLETE', 'w2', 's4')]);
    const r = d.read('r1');
    d.hold = () => false;
    d.finish(r);
    assert.equal(text(r.value), 'v2', `seed ${seed}`);
  }
});

test('m-powerstore: the highest authentic get-ts reply wins, whatever the order replies arrive in', () => {
  // w2's write (2, w2) completes without s1 (its COMPLETE to s1 held), so s1 still reports (1, w1).
  // w1's get-ts replies arrive s2, s3 first, then s1: the timestamp must exceed (2, w2), not (1, w1).
  for (const seed of SEEDS) {
    const d = new Driver(mPowerstore, { t: 1, seed, writers: 2 });
    d.finish(d.write('w1', bytes('v1')));
    d.run();
    const w = d.write('w2', bytes('v2'));
    const behind = messages('COMPLETE', 'w2', 's1');
    completeStalling(d, w, [], [behind]);
    const w3 = d.write('w1', bytes('v3'));
    completeStalling(d, w3, [messages('GET_TS_ACK', 's1', 'w1'), messages('GET_TS_ACK', 's4', 'w1')], [behind]);
    const r = d.read('r1');
    d.hold = () => false;
    d.finish(r);
    assert.equal(text(r.value), 'v3', `seed ${seed}`);
  }
});

test('a FILTER_UPDATE naming another candidate than the one at its index is refused and counted', () => {
  // Only a faulty server sends one; the reader must not take it for the status of the candidate it
  // asked about (index 1 of C = [c0, c1] here), and counts it as hostile.
  type Msg = PowerStoreMessage<number>;
  const d = new Driver(powerstore, { t: 1 });
  d.finish(d.write('w1', bytes('a')));
  const r = d.read('r1');
  d.run(() => r.operation.rounds === 2);
  const filter = d.queued().find((e) => e.msg.type === 'FILTER')!.msg as Extract<Msg, { type: 'FILTER' }>;
  assert.deepEqual(filter.candidates.map((c) => c.ts), [0, 1]);
  const read = r.operation as Operation<Msg>;
  const confirm = { kind: 'CONFIRM' as const, cc: [], fragment: null, lc: null };
  read.onMessage('s1', { type: 'FILTER_UPDATE', rid: filter.rid, index: 1, candidate: { ts: 1, nonce: new Uint8Array(32).fill(7) }, status: confirm });
  read.onMessage('s1', { type: 'FILTER_UPDATE', rid: filter.rid, index: 1, candidate: { ts: 2, nonce: filter.candidates[1]!.nonce }, status: confirm });
  assert.equal(d.rejectCount('filter-update-mismatch'), 2);
  d.finish(r);
  assert.equal(text(r.value), 'a');
});
