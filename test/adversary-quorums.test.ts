/**
 * The quorums, write-backs and timestamp rules of the replication protocols, ABD (crash faults
 * only, docs/protocols.md#abd) and bft-signed (docs/protocols.md#bft-signed), each against the
 * schedule that exploits it: links held as long as the rules allow, writers crashing mid-round, a
 * selective liar one version behind (bft-signed `confirm-stale`). Every test passes on the real
 * rules; the mutants suite shows each failing when its rule is weakened. The expected values follow
 * from atomicity: a read invoked after a write returned returns that write's value or a later one,
 * and a read invoked after another read returned does not return an older value than it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abd } from '../protocols/abd/index.ts';
import { bftSigned } from '../protocols/bft-signed/index.ts';
import type { AnyProtocolDefinition } from '../protocols/types.ts';
import { bytes, Driver, text } from './powerstore-driver.ts';
import { completeStalling, messages } from './support/stalling.ts';

const SEEDS = Array.from({ length: 8 }, (_, i) => i + 1);
const BOTH = [abd, bftSigned] as AnyProtocolDefinition[];

test('bft-signed: confirm-stale + PUTs to two correct servers held as long as possible: quorums of 2t + 1 still meet an up-to-date correct server', () => {
  // t = 1, n = 4, s1 stores and acks but reports the version before its current one. The write of v2
  // returns with 2t + 1 = 3 acks: s1, s2 and one of s3, s4. A read whose GET to s2 is slow meets s1
  // (v1), s3 and s4: one of them holds v2. With quorums of t + 1 (or 2t) the write would return with
  // s1 and s2 alone, and the read with s1 and s4 would return v1.
  for (const seed of SEEDS) {
    const d = new Driver(bftSigned, { t: 1, seed, byzantine: { 0: 'confirm-stale' } });
    d.finish(d.write('w1', bytes('v1')));
    d.run();
    const w = d.write('w1', bytes('v2'));
    completeStalling(d, w, [messages('PUT', 'w1', 's3'), messages('PUT', 'w1', 's4')]);
    const r = d.read('r1');
    completeStalling(d, r, [messages('GET', 'r1', 's2')], [messages('PUT', 'w1', 's4')]);
    assert.equal(text(r.value), 'v2', `seed ${seed}`);
  }
});

test('bft-signed: a Byzantine server pushing forged PUTs and forged replies: nothing forged is stored or returned', () => {
  // `forge` answers every query with a huge timestamp, a made-up value and a random signature, and
  // sends forged PUTs to the other servers: clients and servers must verify every signature.
  for (const seed of SEEDS) {
    const d = new Driver(bftSigned, { t: 1, seed, byzantine: { 0: 'forge' } });
    for (let i = 1; i <= 3; i++) {
      d.finish(d.write('w1', bytes(`v${i}`)));
      const r = d.read('r1');
      d.finish(r);
      assert.equal(text(r.value), `v${i}`, `seed ${seed}`);
    }
    assert.ok(d.rejectCount('bad-signature') > 0, 'the forged versions were seen and refused');
  }
});

for (const def of BOTH) {
  const q = def.name === 'abd' ? 'n - t' : '2t + 1';
  test(`${def.name}: a write returns only with ${q} acks; a later read meets a server that has it`, () => {
    // The adversary delays the writer's PUT to every server but s1 for as long as the write can do
    // without them, then the read's queries to the servers that got it.
    for (const seed of SEEDS) {
      const d = new Driver(def, { t: 1, seed });
      d.finish(d.write('w1', bytes('v1')));
      d.run();
      const w = d.write('w1', bytes('v2'));
      completeStalling(d, w, d.cluster.servers.slice(1).map((s) => messages('PUT', 'w1', s)));
      const holders = d.cluster.servers.filter((s) => d.delivered.some((e) => e.msg.type === 'PUT' && e.from === 'w1' && e.to === s && text((e.msg as unknown as { value: Uint8Array }).value) === 'v2'));
      const behind = d.cluster.servers.filter((s) => !holders.includes(s));
      const r = d.read('r1');
      completeStalling(d, r, holders.map((s) => messages('GET', 'r1', s)), behind.map((s) => messages('PUT', 'w1', s)));
      assert.equal(text(r.value), 'v2', `seed ${seed}`);
    }
  });

  test(`${def.name}: write-back: after a read returned a value that only one server held, no later read returns the older one`, () => {
    // The writer crashes after its PUT of v2 reached s2 only. r1 meets s2 and returns v2; r2 queries
    // the other servers only: the write-back of r1 must already have put v2 on a quorum.
    for (const seed of SEEDS) {
      const d = new Driver(def, { t: 1, seed, readers: 2 });
      d.finish(d.write('w1', bytes('v1')));
      d.run();
      d.sendFilter = (e) => !(e.from === 'w1' && e.msg.type === 'PUT' && e.to !== 's2');
      d.write('w1', bytes('v2'));
      d.run();
      d.crash('w1');
      d.sendFilter = () => true;
      const r1 = d.read('r1');
      completeStalling(d, r1, [messages('GET', 'r1', 's1')]);
      assert.equal(text(r1.value), 'v2', `seed ${seed}: r1 met s2`);
      const r2 = d.read('r2');
      completeStalling(d, r2, [messages('GET', 'r2', 's2')]);
      assert.equal(text(r2.value), 'v2', `seed ${seed}: r2 after r1`);
    }
  });

  test(`${def.name}: a late write-back of an older version does not overwrite a newer one`, () => {
    // r1 reads v1 and its write-back PUT(v1) is delayed while v2 is written everywhere; when the
    // write-back lands, servers must keep v2 (a read after v2 returned must return v2).
    for (const seed of SEEDS) {
      const d = new Driver(def, { t: 1, seed, readers: 2 });
      d.finish(d.write('w1', bytes('v1')));
      d.run();
      const r1 = d.read('r1');
      d.hold = messages('PUT', 'r1');
      d.run();
      const w = d.write('w1', bytes('v2'));
      d.run(() => w.done);
      d.run();
      d.hold = () => false;
      d.finish(r1);
      d.run();
      const r2 = d.read('r2');
      completeStalling(d, r2, [messages('GET', 'r2', 's1')]);
      assert.equal(text(r2.value), 'v2', `seed ${seed}`);
    }
  });

  test(`${def.name}: timestamps: a write takes one above the highest its query quorum reports, in any reply order`, () => {
    // w2 writes v1 and v2; v2's PUT to s3 is held, so s3 reports v1's timestamp. w1's query replies
    // come from the up-to-date servers first and from s3 last: w1 must still go above (2, w2) — with
    // (2, w1) < (2, w2) every server would ignore v3.
    for (const seed of SEEDS) {
      const d = new Driver(def, { t: 1, seed, writers: 2 });
      d.finish(d.write('w2', bytes('v1')));
      d.run();
      const behind = messages('PUT', 'w2', 's3');
      completeStalling(d, d.write('w2', bytes('v2')), [], [behind]);
      const w = d.write('w1', bytes('v3'));
      const upToDate = d.cluster.servers.filter((s) => s !== 's3');
      completeStalling(d, w, [messages('GET_TS_ACK', 's3', 'w1'), messages('GET_TS_ACK', upToDate[upToDate.length - 1]!, 'w1')], [behind]);
      d.hold = () => false;
      d.run();
      const r = d.read('r1');
      d.finish(r);
      assert.equal(text(r.value), 'v3', `seed ${seed}`);
    }
  });
}
