/**
 * Faults: slow and silent servers, crashes by time, op count and message count, Byzantine `stale`
 * against ABD (a violation the checker must report), hostile clients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timelineFileName } from '../harness/results/writer.ts';
import { runOnce, runExperiment } from '../harness/runner/index.ts';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { abd } from '../protocols/abd/index.ts';
import { checkHistory } from '../harness/checker/index.ts';
import type { ClientMachine, HostileClient, Operation, ProtocolDefinition, ServerMachine } from '../protocols/types.ts';
import { abdConstantConfig, latencyNs, resolveRun } from './core-helpers.ts';

test('slow: a quorum waits for its second-fastest server (s1, s2 +5 ms ⇒ rounds of 25 ms)', async () => {
  const one = await runOnce(resolveRun(abdConstantConfig({ faults: [{ type: 'slow', node: 's3', delayMs: 100 }] })));
  // Quorum 2 of 3: s1 and s2 answer after 20 ms; the slow s3 never matters.
  assert.ok(one.history.every((r) => latencyNs(r) === 40_000_000));
  const two = await runOnce(
    resolveRun(
      abdConstantConfig({
        faults: [
          { type: 'slow', node: 's1', delayMs: 5 },
          { type: 'slow', node: 's2', delayMs: 5 },
        ],
      }),
    ),
  );
  // Replies at 20 (s3), 25, 25 ms: the second one completes the round; 2 rounds = 50 ms.
  assert.ok(two.history.every((r) => latencyNs(r) === 50_000_000));
});

test('silent Byzantine server (ABD, expectViolation): behaves like a crash, all operations complete', async () => {
  const { history, result } = await runOnce(resolveRun(abdConstantConfig({ expectViolation: true, faults: [{ type: 'byzantine', node: 's1', strategy: 'silent' }] })));
  assert.ok(history.every((r) => r.status === 'ok' && latencyNs(r) === 40_000_000));
  assert.equal(result.storageBytesPerServer[0], 0);
  // It received every request (2 rounds × 3 servers per op) but answered none.
  assert.equal(result.messages.serverToClient, 200 * 2 * 2);
});

test('stale Byzantine server ("revert memory") breaks ABD: the checker reports the violation', async () => {
  // s1 answers from its initial state and never stores. A write completes with acks from s1 and one
  // honest server; a later read whose quorum is s1 plus the other honest server, which the write's
  // PUT has not reached yet (random delays), returns an older value: not linearizable.
  const raw = abdConstantConfig({
    expectViolation: true,
    network: { latency: { distribution: 'exponential', meanMs: 10, minMs: 1 }, bandwidthMBps: 0 },
    workload: { keys: 1, writers: 2, readers: 4, valueBytes: 16, operations: 2000 },
    faults: [{ type: 'byzantine', node: 's1', strategy: 'stale' }],
  });
  const { history } = await runOnce(resolveRun(raw));
  assert.equal((await checkHistory(history)).verdict, 'violation');
  // Expected by the config, so the experiment records it without flagging it as a failure; the
  // checker's timeline of the offending operations is kept next to the history.
  const out = mkdtempSync(join(tmpdir(), 'qb-stale-'));
  try {
    const experiment = await runExperiment(parseConfig(raw), { outDir: out });
    assert.equal(experiment.summary.runs[0]!.verdict, 'violation');
    assert.deepEqual(experiment.summary.runs[0]!.keyVerdicts, { k0: 'violation' });
    assert.deepEqual(experiment.unexpectedViolations, []);
    const runId = experiment.summary.runs[0]!.id;
    const timeline = readFileSync(join(out, 'history', timelineFileName(runId)), 'utf8');
    assert.match(timeline, /^<!doctype html>/i);
    assert.match(timeline, /<h1>Violation on key &#34;k0&#34;<\/h1>/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('crash by op count and by message count', async () => {
  const byOps = await runOnce(resolveRun(abdConstantConfig({ faults: [{ type: 'crash', node: 's2', afterOps: 10 }] })));
  assert.ok(byOps.history.every((r) => r.status === 'ok'));
  // The 10th op completes at 200 ms (pairs of ops every 40 ms) and s2 crashes then: it answered the
  // 2 rounds of those 10 ops (20 requests) and nothing after. 200 ops × 2 rounds × 3 requests = 1200
  // requests, 400 per server: s1 and s3 answer 400 each, s2 20.
  assert.equal(byOps.result.messages.clientToServer, 1200);
  assert.equal(byOps.result.messages.serverToClient, 820);
  const byMessages = await runOnce(resolveRun(abdConstantConfig({ faults: [{ type: 'crash', node: 's3', afterMessages: 4 }] })));
  assert.ok(byMessages.history.every((r) => r.status === 'ok'));
  // s3 answered exactly 4 messages: total replies = 2 servers × all requests + 4.
  assert.equal(byMessages.result.messages.serverToClient, 2 * byMessages.result.messages.clientToServer / 3 + 4);
});

test('client crash at a time: its operation in flight stays pending, the others go on', async () => {
  const { history } = await runOnce(resolveRun(abdConstantConfig({ faults: [{ type: 'crash', node: 'r1', atMs: 50 }] })));
  const reads = history.filter((r) => r.client === 'r1');
  // Reads at 0 (done at 40) and 40 (crashed at 50, pending).
  assert.deepEqual(
    reads.map((r) => [r.call, r.status]),
    [
      [0, 'ok'],
      [40, 'pending'],
    ],
  );
  assert.equal(history.filter((r) => r.client === 'w1' && r.status === 'ok').length, 198);
});

// A protocol with a hostile client behaviour: the hostile client pings s1, which rejects pings.
type PingMsg = { readonly type: 'PING' } | { readonly type: 'W'; readonly value: Uint8Array } | { readonly type: 'ACK' };
const pingProtocol: ProtocolDefinition<PingMsg, Record<string, never>, null> = {
  name: 'ping-test',
  description: 'test protocol with a hostile client',
  serverCount: () => 1,
  tolerance: () => ({ crash: 0, byzantine: 0, byzantineReaders: true }),
  multiWriter: true,
  optionsSchema: z.strictObject({}),
  setup: () => null,
  createServer: (_i, _c, _o, _s, env): ServerMachine<PingMsg> => ({
    handle(from, msg) {
      if (msg.type === 'PING') {
        env.reject('ping-from-hostile');
        return [{ to: from, msg: { type: 'ACK' } }];
      }
      return msg.type === 'W' ? [{ to: from, msg: { type: 'ACK' } }] : [];
    },
    storedBytes: () => 0,
  }),
  createClient: (): ClientMachine<PingMsg> => {
    const op = (kind: 'read' | 'write'): Operation<PingMsg> => ({
      kind,
      rounds: 1,
      retries: 0,
      start: () => [{ to: 's1', msg: { type: 'W', value: new Uint8Array(0) } }],
      onMessage: () => ({ status: 'done', send: [] }),
    });
    return { read: () => op('read'), write: () => op('write') };
  },
  parseMessage: (value) => {
    const v = value as { type?: unknown };
    return v !== null && typeof v === 'object' && (v.type === 'PING' || v.type === 'ACK') ? (value as PingMsg) : undefined;
  },
  strategies: {},
  hostileClients: {
    pinger: (): HostileClient<PingMsg> => ({
      tick: () => [
        { to: 's1', msg: { type: 'PING' } },
        { to: 's1', msg: { type: 'BOGUS' } as unknown as PingMsg },
      ],
      handle: () => [],
    }),
  },
};

test('hostile client: ticks every everyMs until the workload is done; malformed messages are rejected', async () => {
  const run = resolveRun(
    abdConstantConfig({
      protocol: { name: 'ping-test', t: 1 },
      workload: { writers: 1, readers: 0, valueBytes: 0, operations: 5 },
      faults: [{ type: 'hostile-client', node: 'x1', behaviour: 'pinger', everyMs: 15 }],
    }),
    { 'ping-test': pingProtocol },
  );
  const { result, history } = await runOnce(run);
  // 5 writes of 20 ms: done at 100 ms. Ticks at 0, 15, ..., 90: 7 ticks of 2 messages.
  assert.equal(history.length, 5);
  assert.deepEqual(result.rejectedMessages, { 'malformed-message': 7, 'ping-from-hostile': 7 });
});

test('a protocol that violates linearizability without faults is flagged as an unexpected violation', async () => {
  // ABD whose servers forget every PUT: reads after writes return the initial value.
  const amnesia: ProtocolDefinition = {
    ...(abd as unknown as ProtocolDefinition),
    name: 'amnesia',
    createServer: (index, cluster, options, setup, env) => ({
      handle: (from, msg) => abd.createServer(index, cluster, options as never, setup as never, env).handle(from, msg as never),
      storedBytes: () => 0,
    }),
  };
  const experiment = resolveExperiment(parseConfig(abdConstantConfig()), process.cwd(), { protocols: { amnesia: { ...amnesia }, abd } });
  const patched = { ...experiment, runs: experiment.runs.map((run) => ({ ...run, protocol: amnesia })) };
  const result = await runExperiment(patched);
  assert.equal(result.summary.runs[0]!.verdict, 'violation');
  assert.deepEqual(result.unexpectedViolations, ['base#0']);
});

test('ABD under `forge` and `corrupt`: reads return values nobody wrote; the checker says violation', async () => {
  for (const strategy of ['forge', 'corrupt']) {
    const raw = abdConstantConfig({
      expectViolation: true,
      network: { latency: { distribution: 'exponential', meanMs: 10, minMs: 1 }, bandwidthMBps: 0 },
      workload: { keys: 1, writers: 1, readers: 2, valueBytes: 16, operations: 300 },
      faults: [{ type: 'byzantine', node: 's1', strategy }],
    });
    const { history } = await runOnce(resolveRun(raw));
    const written = new Set(history.filter((r) => r.op === 'write').map((r) => r.value));
    // s1 is in a random half of the read quorums; its reply carries a value no writer wrote (forge: a
    // random one under a huge timestamp; corrupt: the written value with every byte flipped).
    const foreign = history.filter((r) => r.op === 'read' && r.status === 'ok' && r.value !== null && !written.has(r.value));
    assert.ok(foreign.length > 0, `${strategy}: expected reads of values never written (seed 42)`);
    assert.equal((await checkHistory(history)).verdict, 'violation', strategy);
  }
});
