/**
 * CAS (docs/protocols.md#cas) under scripted fault schedules whose outcomes were worked out by hand:
 * constant 1 ms one-way latency and zero CPU cost, so every call and return time is exact (each
 * derivation is in the comment above its test, or in the example config's header). Two of them are
 * there to catch broken thresholds: a quorum one too small, and a reader that does not label its tag
 * `fin` (its write-back) both turn these runs into linearizability violations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadExperiment, parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { runOnce } from '../harness/runner/index.ts';
import { checkHistory } from '../harness/checker/index.ts';
import type { HistoryRecord } from '../harness/history/types.ts';
import { createErasureCodec } from '../protocols/common/erasure/index.ts';

/** The history as compact tuples: [client, op, value, call, return, status, rounds]. */
function rows(history: readonly HistoryRecord[]): unknown[][] {
  return history.map((r) => [r.client, r.op, r.value, r.call, r.return, r.status, r.rounds]);
}

function runConfig(raw: Record<string, unknown>) {
  return runOnce(resolveExperiment(parseConfig(raw)).runs[0]!);
}

const base = {
  seed: 1,
  protocol: { name: 'cas', t: 1 },
  network: { latency: { distribution: 'constant', oneWayMs: 1 } },
  costProfile: 'zero',
};

test('a read overlapping retain (2) writes finds its elements collected and retries: 4 rounds, 1 retry, returns the newest value', async () => {
  const output = await runOnce(loadExperiment('configs/examples/schedule-cas-gc-retry.yaml').runs[0]!);
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 6, 'ok', 3],
    ['r1', 'read', 'w1:3', 7, 27, 'ok', 4],
    ['w1', 'write', 'w1:2', 10, 16, 'ok', 3],
    ['w1', 'write', 'w1:3', 16, 22, 'ok', 3],
  ]);
  assert.equal(output.result.ops.read?.retries, 1);
  assert.equal((await checkHistory(output.history)).verdict, 'ok');
});

test('the same read overlapping one write (fewer than retain) is not retried: 2 rounds, returns the value it queried', async () => {
  const raw = parseYaml(readFileSync('configs/examples/schedule-cas-gc-retry.yaml', 'utf8')) as Record<string, unknown>;
  const schedule = [{ atMs: 0, action: 'hold', from: 'r1', messageType: 'READ_FIN' }, { after: 'wr2', action: 'release', from: 'r1' }];
  const output = await runConfig({ ...raw, schedule });
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 6, 'ok', 3],
    ['r1', 'read', 'w1:1', 7, 17, 'ok', 2],
    ['w1', 'write', 'w1:2', 10, 16, 'ok', 3],
    ['w1', 'write', 'w1:3', 16, 22, 'ok', 3],
  ]);
  assert.equal(output.result.ops.read?.retries, 0);
});

/*
 * Writer w1 crashes after its pre-write (retain 1). wr1 (0..6) leaves (1,w1) finalized. wr2 starts
 * at 7, its query completes at 9, it sends PRE(2,w1) to all 4 servers and crashes: (2,w1) is `pre`
 * everywhere from 10, never finalized. rd1 (12..16) queries (1,w1) — QUERY answers fin tags only —
 * and gets its elements: a GC counting the pre tag would have collected them, and the read would
 * retry for ever. w2 then writes (17..23) with tag (2,w2) (z = 1 + 1, above (2,w1)): the line moves
 * to it and the crashed pre-write's element goes too, so each server ends with one element.
 * rd2 (23..27) returns "w2:1".
 */
test('a writer crashing after its pre-write: reads still complete in 2 rounds, its pre element does not push finalized ones out', async () => {
  const output = await runConfig({
    ...base,
    name: 'cas-writer-crash',
    protocol: { name: 'cas', t: 1, options: { retain: 1 } },
    workload: {
      writers: 2,
      readers: 1,
      valueBytes: 8,
      script: [
        { id: 'wr1', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'wr2', client: 'w1', kind: 'write', atMs: 7 },
        { id: 'rd1', client: 'r1', kind: 'read', atMs: 12 },
        { id: 'wr3', client: 'w2', kind: 'write', atMs: 17 },
        { id: 'rd2', client: 'r1', kind: 'read', after: 'wr3' },
      ],
    },
    faults: [{ type: 'crash', node: 'w1', duringOp: 2, afterRound: 1, sendTo: 4 }],
  });
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 6, 'ok', 3],
    ['w1', 'write', 'w1:2', 7, null, 'pending', 2],
    ['r1', 'read', 'w1:1', 12, 16, 'ok', 2],
    ['w2', 'write', 'w2:1', 17, 23, 'ok', 3],
    ['r1', 'read', 'w2:1', 23, 27, 'ok', 2],
  ]);
  assert.equal((await checkHistory(output.history)).verdict, 'ok');
  // One element per server (retain 1): the 8-byte value's element (72 bytes with today's codec: an
  // 8-byte header and one 64-byte-aligned shard), plus its tag (8 + 2) and label (1), plus the line
  // (2,w2) (8 + 2).
  const element = createErasureCodec('typescript').encode(new Uint8Array(8), 2, 4)[0]!.length;
  assert.deepEqual(output.result.storageBytesPerServer, [0, 1, 2, 3].map(() => element + 11 + 10));
});

/*
 * The reader's READ_FIN labels its tag `fin` at a quorum (its write-back). wr1's FIN reaches s1 only
 * (held to s2..s4 until rd2 returns), so (1,w1) is fin at s1 alone at 5. rd1 (r1, quorum s1..s3:
 * s4's replies to r1 are held) queries at 6, sees (1,w1) from s1 at 8, READ_FIN labels it fin at
 * every server at 9 and returns "w1:1" at 10. rd2 (r2, quorum s2..s4: s1's replies held) then
 * queries (1,w1) from the servers rd1 labelled and returns "w1:1" at 14. wr1 returns at 15, once its
 * FINs are released. A reader that skipped the labelling would see only t0 in rd2's quorum and
 * return the initial value after rd1 returned "w1:1": a violation.
 */
test('a read finalizes its tag at a quorum before returning, so a later read with a disjoint-from-the-writer quorum sees it', async () => {
  const output = await runConfig({
    ...base,
    name: 'cas-read-fin',
    workload: {
      writers: 1,
      readers: 2,
      valueBytes: 8,
      script: [
        { id: 'wr1', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'rd1', client: 'r1', kind: 'read', atMs: 6 },
        { id: 'rd2', client: 'r2', kind: 'read', after: 'rd1' },
      ],
    },
    schedule: [
      { atMs: 0, action: 'hold', from: 'w1', to: ['s2', 's3', 's4'], messageType: 'FIN' },
      { atMs: 0, action: 'hold', from: 's4', to: 'r1' },
      { atMs: 0, action: 'hold', from: 's1', to: 'r2' },
      { after: 'rd2', action: 'release', from: 'w1' },
    ],
  });
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 15, 'ok', 3],
    ['r1', 'read', 'w1:1', 6, 10, 'ok', 2],
    ['r2', 'read', 'w1:1', 10, 14, 'ok', 2],
  ]);
  assert.equal((await checkHistory(output.history)).verdict, 'ok');
});

/*
 * Quorums of n − t = 3 (n = 4): w1's messages to s3, s4 and the replies of s1, s2 to r1 are held
 * until 20. wr1 (0..) has only 2 query replies, rd1 (7..) only 2 (from s3, s4, naming t0): both
 * wait. At 20 everything is released: rd1 has 4 replies, all t0 (s1, s2 answered at 8, before
 * any pre-write), so it reads t0 and returns the initial value at 22; wr1 completes its query at 21
 * and returns at 25. Concurrent, so linearizable. With quorums of 2, wr1 would complete on s1, s2 at
 * 6 and rd1 return the initial value from s3, s4 at 11, after wr1 returned: a violation.
 */
test('quorums of n − t: a write and a read each seeing only 2 of 4 servers wait instead of missing each other', async () => {
  const output = await runConfig({
    ...base,
    name: 'cas-quorum',
    workload: {
      writers: 1,
      readers: 1,
      valueBytes: 8,
      script: [
        { id: 'wr1', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'rd1', client: 'r1', kind: 'read', atMs: 7 },
      ],
    },
    schedule: [
      { atMs: 0, action: 'hold', from: 'w1', to: ['s3', 's4'] },
      { atMs: 0, action: 'hold', from: ['s1', 's2'], to: 'r1' },
      { atMs: 20, action: 'release', from: 'w1' },
      { atMs: 20, action: 'release', to: 'r1' },
    ],
  });
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 25, 'ok', 3],
    ['r1', 'read', null, 7, 22, 'ok', 2],
  ]);
  assert.equal((await checkHistory(output.history)).verdict, 'ok');
});

/*
 * The pre-write waits for a quorum of PRE_ACKs before anyone may label the tag `fin`. w1's PREs to
 * s3, s4 are held until 20, and s1's replies to r1 are held (rd1's quorum is s2..s4). wr1's PRE is
 * acked by s1, s2 only at 4: it waits. rd1 (5..9) sees t0 everywhere and returns the initial value
 * in 2 rounds. At 20 the PREs arrive, the third ack at 21, FIN 21..23: wr1 returns at 23. A writer
 * that finalized after 2 acks would have (1,w1) fin at every server at 5 while only s1, s2 hold
 * elements: rd1 would see it and find 1 element in its quorum, retrying until 20.
 */
test('the pre-write reaches a quorum before the tag is finalized: a read never meets a fin tag whose elements are missing', async () => {
  const output = await runConfig({
    ...base,
    name: 'cas-pre-quorum',
    workload: {
      writers: 1,
      readers: 1,
      valueBytes: 8,
      script: [
        { id: 'wr1', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'rd1', client: 'r1', kind: 'read', atMs: 5 },
      ],
    },
    schedule: [
      { atMs: 0, action: 'hold', from: 'w1', to: ['s3', 's4'], messageType: 'PRE' },
      { atMs: 0, action: 'hold', from: 's1', to: 'r1' },
      { atMs: 20, action: 'release', from: 'w1' },
    ],
  });
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 23, 'ok', 3],
    ['r1', 'read', null, 5, 9, 'ok', 2],
  ]);
  assert.equal(output.result.ops.read?.retries, 0);
});

/*
 * n = 2t + 1 = 3 (`servers: 3`): k = 1, quorum 2, so one element decodes, but the read still waits
 * for its second READ_FIN_ACK: that is its write-back. wr1's FIN reaches s1 only (held to s2, s3),
 * so (1,w1) is fin at s1 alone at 5. rd1 (r1; s3's replies to it held) queries s1, s2 at 6..8 and
 * gets (1,w1) from s1; its READ_FINs to s2, s3 are held, so at 10 it has s1's element and waits.
 * rd2 (r2, 11..15; s1's replies to it held) queries s2, s3: t0, and returns the initial value. At 15
 * everything held towards s2, s3 is released: rd1 gets s2's reply and returns "w1:1" at 16, wr1 its
 * FIN_ACKs at 16. A read that returned with its element at 10 would be followed by rd2 returning the
 * initial value: a violation.
 */
test('with servers: 3 (k = 1) a read waits for its write-back quorum even with an element in hand', async () => {
  const output = await runConfig({
    ...base,
    name: 'cas-n3-write-back',
    servers: 3,
    workload: {
      writers: 1,
      readers: 2,
      valueBytes: 8,
      script: [
        { id: 'wr1', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'rd1', client: 'r1', kind: 'read', atMs: 6 },
        { id: 'rd2', client: 'r2', kind: 'read', atMs: 11 },
      ],
    },
    schedule: [
      { atMs: 0, action: 'hold', from: 'w1', to: ['s2', 's3'], messageType: 'FIN' },
      { atMs: 0, action: 'hold', from: 'r1', to: ['s2', 's3'], messageType: 'READ_FIN' },
      { atMs: 0, action: 'hold', from: 's3', to: 'r1' },
      { atMs: 0, action: 'hold', from: 's1', to: 'r2' },
      { after: 'rd2', action: 'release', to: ['s2', 's3'] },
    ],
  });
  assert.equal(resolveExperiment(parseConfig({ ...base, name: 'n3', servers: 3, workload: { operations: 1 } })).runs[0]!.n, 3);
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 16, 'ok', 3],
    ['r1', 'read', 'w1:1', 6, 16, 'ok', 2],
    ['r2', 'read', null, 11, 15, 'ok', 2],
  ]);
  assert.equal((await checkHistory(output.history)).verdict, 'ok');
});
