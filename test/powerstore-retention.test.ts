/**
 * Fragment retention (docs/protocols.md#fragment-retention) and the liveness hole we found in the
 * rule as first specified, which prunes every fragment outside the newest `retain` stored
 * versions. When `retain` versions above a reader's candidate are stored but not yet completed (one
 * per concurrent writer), a correct server prunes the fragment of its own `lc`; its CONFIRM then
 * carries `lc` = the candidate itself, the retry has nothing newer to ask for, and the read blocks
 * forever although every server is correct and every message is delivered. Found by the swarm:
 * `npm run test:swarm -- --protocol m-powerstore --t 1 --seed 577` (3 writers, retain 3) blocked r2
 * before the fix. Our fix (`retentionRule: 'lc-guarded'`, the default): never prune a fragment at or
 * above the server's `lc`. The retry's argument then holds for any number of writers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mPowerstore } from '../protocols/m-powerstore/index.ts';
import { powerstore } from '../protocols/powerstore/index.ts';
import type { PowerStoreServer } from '../protocols/common/powerstore/server.ts';
import type { AnyProtocolDefinition } from '../protocols/types.ts';
import { bytes, Driver, text, type Envelope } from './powerstore-driver.ts';

const is = (type: string, from?: string, to?: string) => (e: Envelope) =>
  e.msg.type === type && (from === undefined || e.from === from) && (to === undefined || e.to === to);

/**
 * v1 completes; r1 collects {c0, c1} and its FILTER is held while `writers` concurrent writes store
 * their fragments everywhere with their COMPLETEs held; then everything is released.
 */
function schedule(def: AnyProtocolDefinition, writers: number, retain: number, retentionRule: 'spec' | 'lc-guarded') {
  const d = new Driver(def, { t: 1, writers, options: { retain, retentionRule } });
  d.finish(d.write('w1', bytes('v1')));
  const r = d.read('r1');
  d.hold = is('FILTER', 'r1');
  d.run();
  const completeHeld = (e: Envelope) => e.msg.type === 'COMPLETE';
  d.hold = (e) => is('FILTER', 'r1')(e) || completeHeld(e);
  const writes = Array.from({ length: writers }, (_, i) => d.write(`w${i + 1}`, bytes(`x${i + 1}`)));
  d.run();
  // The reader's FILTER arrives while the new versions are stored but not completed anywhere.
  d.hold = completeHeld;
  d.run();
  const doneBeforeCompletes = r.done;
  d.hold = () => false;
  d.run();
  return { d, r, writes, doneBeforeCompletes };
}

for (const [def, writers] of [
  [powerstore, 1],
  [mPowerstore, 2],
] as const) {
  test(`${def.name}: spec retention rule with retain = ${writers} writer(s) blocks a read with all servers correct`, () => {
    const { r, writes } = schedule(def, writers, writers, 'spec');
    assert.ok(writes.every((w) => w.done), 'the writes completed');
    assert.equal(r.done, false, 'the read is blocked for ever: every message was delivered');
  });

  test(`${def.name}: lc-guarded retention (default) completes the same schedule in 2 rounds`, () => {
    const { d, r, writes, doneBeforeCompletes } = schedule(def, writers, writers, 'lc-guarded');
    assert.ok(writes.every((w) => w.done));
    assert.equal(doneBeforeCompletes, true);
    assert.equal(text(r.value), 'v1');
    assert.equal(r.operation.rounds, 2);
    assert.equal(r.operation.retries, 0);
    // Fragments held stay bounded by retain + one uncompleted version per writer.
    for (const server of d.servers) assert.ok((server as PowerStoreServer<unknown>).retainedFragments() <= writers + writers);
  });
}

test('lc-guarded retention still prunes: after many writes each server holds exactly `retain` fragments', () => {
  const d = new Driver(powerstore, { t: 1, options: { retain: 3 } });
  for (let i = 1; i <= 10; i++) d.finish(d.write('w1', bytes(`v${i}`)));
  d.run();
  for (const server of d.servers) assert.equal((server as PowerStoreServer<number>).retainedFragments(), 3);
  const r = d.read('r1');
  d.finish(r);
  assert.equal(text(r.value), 'v10');
  assert.equal(r.operation.retries, 0);
});
