/**
 * The attribution rule (harness/host/attribution.ts) on hand-built PoWerStore schedules, t = 1, n = 4,
 * constant 1 ms links. The write's STORE to s4 is held, so s4 parks the write's COMPLETE and answers
 * the read's FILTER with UNKNOWN; when the STORE is released, s4 sends a FILTER_UPDATE to the reader:
 *
 * - released while the read still runs (s1's FILTER_ACK is held, so the read waits for s4): the
 *   update, and the hash s4 spent producing it, count for the read;
 * - released after the read returned: they count for the run's background, for no operation.
 *
 * Messages per operation, by hand: a write sends STORE and COMPLETE to 4 servers (8) and gets 4
 * STORE_ACKs and 4 COMPLETE_ACKs (8): 16 in both cases (a second write, to k1, follows the read). The read sends COLLECT and FILTER to 4
 * servers (8) and gets 4 COLLECT_ACKs and 4 FILTER_ACKs (8): 16, plus the update in the first case.
 * CPU (a profile that prices only hashing, 1000 ns per call): the write's own hashes are the same in
 * both cases; s4 hashes the candidate's nonce once to produce the update (1000 ns).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { ZERO_PROFILE } from '../harness/cost/profile.ts';
import { runOnce } from '../harness/runner/index.ts';

const HASH_NS = 1000;

async function run(releaseStore: Record<string, unknown>, extra: Record<string, unknown>[]) {
  const config = parseConfig({
    name: 'attribution',
    seed: 1,
    protocol: { name: 'powerstore', t: 1 },
    network: { latency: { distribution: 'constant', oneWayMs: 1 } },
    costProfile: 'zero',
    workload: {
      keys: 2,
      writers: 1,
      readers: 1,
      // wr2 (another register) keeps the run going after rd, so that actions after rd take place.
      script: [
        { id: 'wr', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'rd', client: 'r1', kind: 'read', after: 'wr' },
        { id: 'wr2', client: 'w1', kind: 'write', key: 'k1', after: 'rd', delayMs: 5 },
      ],
    },
    schedule: [{ atMs: 0, action: 'hold', from: 'w1', to: 's4', messageType: 'STORE' }, ...extra, { ...releaseStore, action: 'release', from: 'w1', to: 's4' }],
  });
  const resolved = resolveExperiment(config).runs[0]!;
  return runOnce({ ...resolved, costProfile: { ...ZERO_PROFILE, name: 'hash-only', hash: { nsPerOp: HASH_NS, nsPerByte: 0 } } });
}

test('a FILTER_UPDATE that reaches a running read counts for that read, with the CPU that produced it', async () => {
  const output = await run({ atMs: 12 }, [
    { atMs: 0, action: 'hold', from: 's1', to: 'r1', messageType: 'FILTER_ACK' },
    { after: 'rd', action: 'release', from: 's1', to: 'r1' },
  ]);
  const { write, read } = output.result.ops;
  // Times to the ms (hashing adds a few µs here and there).
  assert.deepEqual(output.history.map((h) => [h.op, h.value, Math.round(h.call), Math.round(h.return!)]), [
    ['write', 'w1:1', 0, 4],
    // COLLECT 4 → 6, FILTER 6 → 8: s2, s3 confirm, s4 UNKNOWN, s1 held; s4's update (STORE released at 12) at 13.
    ['read', 'w1:1', 4, 13],
    ['write', 'w1:2', 18, 22],
  ]);
  assert.equal(write!.messagesPerOp, 16);
  assert.equal(read!.messagesPerOp, 17, 'COLLECT, FILTER, their acks, and the FILTER_UPDATE');
  assert.equal(output.result.backgroundMessages, 0);
  assert.equal(output.result.backgroundBytes, 0);
  assert.equal(output.result.backgroundCpuNs, 0);
  const background = await run({ after: 'rd' }, []);
  assert.equal(background.result.ops.read!.messagesPerOp, 16);
  assert.equal(background.result.ops.write!.messagesPerOp, 16);
  assert.equal(background.result.backgroundMessages, 1);
  // The update is the same message in both runs (a CONFIRM of c1 with s4's fragment): its bytes moved
  // from the read to the background, and so did the hash that produced it.
  assert.equal(background.result.backgroundBytes, read!.bytesPerOp - background.result.ops.read!.bytesPerOp);
  assert.ok(background.result.backgroundBytes > 0);
  assert.equal(background.result.backgroundCpuNs, HASH_NS);
  assert.equal(read!.cpuNsPerOp.hash! - background.result.ops.read!.cpuNsPerOp.hash!, HASH_NS);
  assert.equal(write!.cpuNsPerOp.hash, background.result.ops.write!.cpuNsPerOp.hash, 'the write pays for none of it');
  assert.equal(write!.bytesPerOp, background.result.ops.write!.bytesPerOp);
});
