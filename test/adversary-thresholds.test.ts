/**
 * Each threshold of the Byzantine-tolerant protocols against the selective adversary that exploits
 * it (protocols.md §4, §5, §7 "Also wanted"). Every test passes on the real rules; the mutants suite
 * (`npm run test:mutants`, docs/mutants.md) shows that each fails when its threshold is one too weak.
 * Schedules are built with the in-test driver: holds of chosen links, random delivery otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mPowerstore } from '../protocols/m-powerstore/index.ts';
import { powerstore } from '../protocols/powerstore/index.ts';
import type { AnyProtocolDefinition } from '../protocols/types.ts';
import { bytes, Driver, text, type Envelope } from './powerstore-driver.ts';

const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
const is = (type: string, from?: string, to?: string) => (e: Envelope) =>
  e.msg.type === type && (from === undefined || e.from === from) && (to === undefined || e.to === to);

for (const def of [mPowerstore, powerstore] as AnyProtocolDefinition[]) {
  test(`${def.name}: refute-newest + the writer's STORE to one correct server held: a read after write v2 returns v2 (invalid needs 2t + 1)`, () => {
    // t = 1, n = 4. s1 refutes the newest candidate and answers everything else honestly, fragment
    // included; w1's STORE of v2 to s4 (correct) is held. v2 completes with s1..s3. A read that starts
    // afterwards sees c2 refuted by s1 and UNKNOWN at s4: 2 = t + 1 statuses, short of 2t + 1, so it
    // must wait for s4 to confirm c2 once the STORE lands. Were t + 1 enough, c1 (confirmed by s1
    // with its fragment, s2, s3 and s4) or c0 would be returned: an old value after v2 completed.
    for (const seed of SEEDS) {
      const d = new Driver(def, { t: 1, seed, byzantine: { 0: 'refute-newest' } });
      d.finish(d.write('w1', bytes('v1')));
      d.hold = is('STORE', 'w1', 's4');
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
