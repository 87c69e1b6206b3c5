/**
 * CAS on the real engine: four server processes over loopback TCP (one of them killed at the start),
 * two writers and two readers in this process, garbage collection keeping 2 finalized elements.
 * The history is judged by the linearizability checker; round counts and the storage bound are the
 * protocol's (docs/protocols.md#cas). No wall-clock assertions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHistory } from '../harness/checker/index.ts';
import { liveChildPids } from '../harness/real/processes.ts';
import { createErasureCodec } from '../protocols/common/erasure/index.ts';
import { resolveRun, runReal } from './support/real-run.ts';

test('cas over TCP (n = 4, 1 KiB, 2 ms links, s2 killed, retain 2): linearizable, writes 3 rounds, reads 2 per attempt, storage bounded', async () => {
  const retain = 2;
  const writers = 2;
  const run = resolveRun({
    name: 'real-cas',
    engine: 'real',
    seed: 16,
    protocol: { name: 'cas', t: 1, options: { retain } },
    network: { latency: { distribution: 'constant', oneWayMs: 2 } },
    workload: { writers, readers: 2, keys: 1, valueBytes: 1024, operations: 60 },
    faults: [{ type: 'crash', node: 's2', atMs: 0 }],
  });
  const { output, engine } = await runReal(run);
  assert.equal(output.outcome, 'stopped');
  assert.equal(output.history.length, 60);
  assert.ok(output.history.every((record) => record.status === 'ok'), 'an operation did not complete');
  const writes = output.history.filter((record) => record.op === 'write');
  const reads = output.history.filter((record) => record.op === 'read');
  assert.ok(writes.length > 0 && reads.length > 0);
  assert.ok(writes.every((record) => record.rounds === 3), 'a write took other than 3 rounds');
  // A read is 2 rounds, plus 2 per retry (its elements collected by 2 newer writes).
  assert.ok(reads.every((record) => record.rounds % 2 === 0), 'a read took an odd number of rounds');
  const extraRounds = reads.reduce((sum, record) => sum + record.rounds - 2, 0);
  assert.equal(extraRounds / 2, output.result.ops.read?.retries ?? 0);
  assert.equal((await checkHistory(output.history, { model: 'register' })).verdict, 'ok');
  // Each live server holds at most retain + writers elements of 1 KiB / k = 512 B plus the codec's
  // header, and per entry an 8 + 2 byte tag and a label byte, plus the line's tag.
  const element = createErasureCodec('typescript').encode(new Uint8Array(1024), 2, 4)[0]!.length;
  const bound = (retain + writers) * (element + 11) + 10;
  assert.equal(engine.serverStats.size, 3, 'the three servers alive at the end report their stats');
  for (const [id, stats] of engine.serverStats) {
    assert.ok(stats.storedBytes <= bound && stats.storedBytes >= retain * element, `${id} stores ${stats.storedBytes} bytes (bound ${bound})`);
    assert.deepEqual(stats.rejected, {});
  }
  assert.deepEqual(liveChildPids(), []);
});
