/**
 * Fault schedules and scripted workloads with outcomes worked out by hand: constant 1 ms
 * one-way latency and zero CPU cost, so every call and return time below is exact (the derivations
 * are in the comments here and in the example configs' headers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { ConfigError, loadExperiment, parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { runOnce } from '../harness/runner/index.ts';
import { checkHistory } from '../harness/checker/index.ts';
import type { HistoryRecord } from '../harness/history/types.ts';

/** The history as compact tuples: [client, op, value, call, return, status]. */
function rows(history: readonly HistoryRecord[]): unknown[][] {
  return history.map((r) => [r.client, r.op, r.value, r.call, r.return, r.status]);
}

function runConfig(raw: Record<string, unknown>) {
  const run = resolveExperiment(parseConfig(raw)).runs[0]!;
  return runOnce(run);
}

const base = {
  name: 'schedule-test',
  seed: 1,
  protocol: { name: 'abd', t: 1 },
  network: { latency: { distribution: 'constant', oneWayMs: 1 } },
  costProfile: 'zero',
};

test('a write held from two servers until after two reads: the reads return it, exact times, verdict ok', async () => {
  const output = await runOnce(loadExperiment('configs/examples/schedule-abd-held-write.yaml').runs[0]!);
  // wr's PUT reaches only s1 (at 3); rd1's quorum is {s1, s2} (s3 -> r1 held): it sees ts 1 from s1,
  // writes it back and returns "w1:1" at 9; rd2 then reads it from every server (9 -> 13); the held
  // PUTs reach s2, s3 at 13 (release after rd2) and their acks complete wr at 14.
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 14, 'ok'],
    ['r1', 'read', 'w1:1', 5, 9, 'ok'],
    ['r2', 'read', 'w1:1', 9, 13, 'ok'],
  ]);
  assert.deepEqual(
    output.schedule?.applied.map((a) => [a.atMs, a.action, a.delivered]),
    [
      [0, 'hold', 0],
      [0, 'hold', 0],
      [13, 'release', 2],
    ],
  );
  // Held: wr's PUT to s2 and s3; s3's GET_ACK and PUT_ACK to r1 (never released).
  assert.equal(output.schedule?.heldTotal, 4);
  assert.equal(output.schedule?.heldAtEnd, 2);
  assert.equal((await checkHistory(output.history)).verdict, 'ok');
});

test('scripted violation: ABD server reverts its memory after a completed write; the next read returns the initial value', async () => {
  const experiment = loadExperiment('configs/examples/schedule-abd-revert-violation.yaml');
  assert.equal(experiment.runs[0]!.expectViolation, true);
  const output = await runOnce(experiment.runs[0]!);
  // wr completes on {s1, s2} at 4 (s3 never hears w1); s1 reverts at 4; rd1 (5..9) hears s1 and s3: ts 0.
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 4, 'ok'],
    ['r1', 'read', null, 5, 9, 'ok'],
  ]);
  assert.deepEqual(output.schedule?.applied.map((a) => [a.atMs, a.action]), [
    [0, 'hold'],
    [0, 'hold'],
    [4, 'revert'],
  ]);
  assert.equal((await checkHistory(output.history)).verdict, 'violation');
});

test('the same run without the revert is linearizable (the violation is the revert, not the holds)', async () => {
  const raw = parseYaml(readFileSync('configs/examples/schedule-abd-revert-violation.yaml', 'utf8')) as Record<string, unknown>;
  const schedule = (raw['schedule'] as unknown[]).slice(0, 2);
  const output = await runConfig({ ...raw, schedule, expectViolation: false });
  // rd1 hears s1 (ts 1) and s3 (ts 0): returns "w1:1".
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 4, 'ok'],
    ['r1', 'read', 'w1:1', 5, 9, 'ok'],
  ]);
  assert.equal((await checkHistory(output.history)).verdict, 'ok');
});

test('pause two of three servers: the write waits for resume (0 -> 13)', async () => {
  const output = await runConfig({
    ...base,
    workload: { writers: 1, readers: 0, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }] },
    schedule: [
      { atMs: 0, action: 'pause', node: ['s1', 's2'] },
      { atMs: 10, action: 'resume', node: ['s1', 's2'] },
    ],
  });
  // GET_TS reaches s3 at 1 (reply at 2); s1, s2 handle theirs at 10 (replies at 11): round 1 ends at
  // 11, the PUT round takes 2 ms more.
  assert.deepEqual(rows(output.history), [['w1', 'write', 'w1:1', 0, 13, 'ok']]);
  assert.deepEqual(output.schedule?.applied.map((a) => [a.atMs, a.action, a.delivered]), [
    [0, 'pause', 0],
    [10, 'resume', 2],
  ]);  // The same episode as one entry: `forMs` resumes 10 ms after the pause applied.
  const short = await runConfig({
    ...base,
    workload: { writers: 1, readers: 0, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }] },
    schedule: [{ atMs: 0, action: 'pause', node: ['s1', 's2'], forMs: 10 }],
  });
  assert.deepEqual(rows(short.history), [['w1', 'write', 'w1:1', 0, 13, 'ok']]);
  assert.deepEqual(short.schedule?.applied.map((a) => [a.atMs, a.action, a.delivered]), [
    [0, 'pause', 0],
    [10, 'resume', 2],
  ]);
});

test('partition {w1, s1} | {s2, s3, r1}: the write waits for heal, the reader proceeds on its side', async () => {
  const output = await runConfig({
    ...base,
    blocks: { A: ['w1', 's1'], B: ['s2', 's3', 'r1'] },
    workload: {
      writers: 1,
      readers: 1,
      valueBytes: 8,
      script: [
        { id: 'wr', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'rd', client: 'r1', kind: 'read', atMs: 1 },
      ],
    },
    schedule: [
      { atMs: 0, action: 'partition', groups: [['A'], ['B']] },
      { atMs: 20, action: 'heal' },
    ],
  });
  // wr: GET_TS to s2, s3 held until 20, replies at 21, PUT round 21 -> 23. rd: GET to s2, s3 at 2
  // (s1 cut off), ts 0, write-back 3 -> 5.
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 23, 'ok'],
    ['r1', 'read', null, 1, 5, 'ok'],
  ]);
  // Held until heal: w1 -> s2, s3 (GET_TS); r1 -> s1 (GET, and PUT write-back).
  assert.equal(output.schedule?.applied[1]?.delivered, 4);
});

test('a hold never released: the write stays pending, the held frames are counted, the run goes idle', async () => {
  const output = await runConfig({
    ...base,
    workload: { writers: 1, readers: 0, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }] },
    schedule: [{ atMs: 0, action: 'hold', from: 'w1', to: ['s2', 's3'] }],
  });
  assert.deepEqual(rows(output.history), [['w1', 'write', 'w1:1', 0, null, 'pending']]);
  assert.equal(output.outcome, 'idle');
  assert.equal(output.schedule?.heldAtEnd, 2);
});

test('release narrower than its hold releases just that link; afterOps and atStartOf triggers', async () => {
  const output = await runConfig({
    ...base,
    workload: {
      writers: 1,
      readers: 1,
      valueBytes: 8,
      script: [
        { id: 'w', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'r', client: 'r1', kind: 'read', atMs: 30 },
      ],
    },
    schedule: [
      { atMs: 0, action: 'hold', from: 'w1' },
      { atMs: 10, action: 'release', from: 'w1', to: 's2' },
      { atStartOf: 'r', action: 'release', from: 'w1', to: 's1' },
      { afterOps: 1, action: 'crash', node: 's3' },
    ],
  });
  // Only s2 hears w1 from 10 on: one reply per round is not a quorum. At 30 (r starts) s1 is released:
  // GET_TS replies of s1, s2 at 31, PUT to all, s1 and s2 ack at 33. r (30 -> 34) reads ts 0 from
  // all three (PUTs arrive at 32). Then (afterOps 1) s3 crashes.
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 33, 'ok'],
    ['r1', 'read', null, 30, 34, 'ok'],
  ]);
  assert.deepEqual(output.schedule?.applied.map((a) => [a.atMs, a.action, a.delivered]), [
    [0, 'hold', 0],
    [10, 'release', 1],
    [30, 'release', 1],
    [33, 'crash', 0],
  ]);
});

test('afterDelivered: the writer crashes once its PUT reached two servers; the held PUT to s3 still arrives', async () => {
  const output = await runConfig({
    ...base,
    workload: {
      writers: 1,
      readers: 1,
      valueBytes: 8,
      script: [
        { id: 'wr', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'rd', client: 'r1', kind: 'read', atMs: 12 },
      ],
    },
    schedule: [
      { atMs: 0, action: 'hold', from: 'w1', to: 's3' },
      { afterDelivered: { from: 'w1', messageType: 'PUT', count: 2 }, action: 'crash', node: 'w1' },
      { atMs: 10, action: 'release', from: 'w1', to: 's3' },
    ],
  });
  // GET_TS replies of s1, s2 at 2; the PUT reaches s1 and s2 at 3: w1 crashes at 3, its write pending.
  // Released at 10, the held GET_TS and PUT (both sent before the crash) reach s3. rd (12 -> 16) reads "w1:1".
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, null, 'pending'],
    ['r1', 'read', 'w1:1', 12, 16, 'ok'],
  ]);
  assert.deepEqual(output.schedule?.applied.map((a) => [a.atMs, a.action, a.delivered]), [
    [0, 'hold', 0],
    [3, 'crash', 0],
    [10, 'release', 2],
  ]);
  assert.equal((await checkHistory(output.history)).verdict, 'ok');
});

test('validation: unknown nodes, blocks and op ids, the fault budget, engine real (field path and value named)', () => {
  const script = [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }];
  const workload = { writers: 1, readers: 1, script };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ schedule: [{ atMs: 0, action: 'crash', node: 'T9' }] }, /^schedule\[0\]\.node: unknown node or block "T9"/],
    [{ schedule: [{ atMs: 0, action: 'hold', from: ['w1', 's7'] }] }, /^schedule\[0\]\.from\[1\]: unknown node or block "s7"/],
    [{ blocks: { T1: ['s9'] } }, /^blocks\.T1\[0\]: unknown node "s9"/],
    [{ schedule: [{ after: 'nope', action: 'heal' }] }, /^schedule\[0\]\.after: no scripted operation "nope"/],
    [{ schedule: [{ atMs: 1, afterOps: 2, action: 'heal' }] }, /^schedule\[0\]: give exactly one of atMs, afterOps, after, atStartOf, afterDelivered, got 2/],
    [{ schedule: [{ afterDelivered: { to: 'T7' }, action: 'heal' }] }, /^schedule\[0\]\.afterDelivered\.to: unknown node or block "T7"/],
    [{ schedule: [{ atMs: 1, action: 'pause', node: 'w1' }] }, /^schedule\[0\]\.node: pause applies to servers only, got "w1"/],
    [{ schedule: [{ atMs: 1, action: 'byzantine', node: 's1', strategy: 'nope' }] }, /^schedule\[0\]\.strategy: unknown strategy "nope"/],
    [{ schedule: [{ atMs: 1, action: 'partition', groups: [['s1'], ['s1', 's2']] }] }, /^schedule\[0\]\.groups\[1\]: node "s1" is also in groups\[0\]/],
    [{ workload: { ...workload, script: [{ id: 'a', client: 'r1', kind: 'write', atMs: 0 }] } }, /^workload\.script\[0\]\.client: r1 is a reader/],
    [{ workload: { ...workload, script: [{ id: 'a', client: 'w1', kind: 'read', after: 'a' }] } }, /^workload\.script\[0\]\.after: operations wait for each other in a cycle/],
    [{ schedule: [{ atMs: 1, action: 'revert', node: 's1' }] }, /^faults: 0 crashed \+ 1 Byzantine servers exceed abd's tolerance/],
    [{ schedule: [{ atMs: 1, action: 'crash', node: ['s1', 's2'] }] }, /^faults: 2 crashed \+ 0 Byzantine servers exceed/],
    [{ engine: 'real', schedule: [{ atMs: 1, action: 'heal' }] }, /^schedule\[0\]\.action: not supported with engine: real/],
  ];
  for (const [extra, pattern] of cases) {
    assert.throws(
      () => resolveExperiment(parseConfig({ ...base, workload, ...extra })),
      (error: unknown) => error instanceof ConfigError && pattern.test(error.message),
      `expected ${pattern} for ${JSON.stringify(extra)}`,
    );
  }
  // Crash within budget (t = 1) and a revert with expectViolation are accepted.
  resolveExperiment(parseConfig({ ...base, workload, schedule: [{ atMs: 1, action: 'crash', node: 's1' }] }));
  resolveExperiment(parseConfig({ ...base, workload, expectViolation: true, schedule: [{ atMs: 1, action: 'revert', node: ['s1', 's2'] }] }));
});

test('a scripted operation that becomes ready while its client is busy waits for it and still runs', async () => {
  // w2 is due at 1 ms but w1's client is busy with w1 until 4 (2 rounds × 2 × 1 ms); it starts then
  // and returns at 8. The run must not end while w2's start is queued behind w1.
  const output = await runConfig({
    ...base,
    workload: {
      writers: 1,
      readers: 1,
      valueBytes: 8,
      script: [
        { id: 'w1', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'w2', client: 'w1', kind: 'write', atMs: 1 },
      ],
    },
  });
  assert.deepEqual(rows(output.history), [
    ['w1', 'write', 'w1:1', 0, 4, 'ok'],
    ['w1', 'write', 'w1:2', 4, 8, 'ok'],
  ]);
});
