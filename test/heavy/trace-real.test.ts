/**
 * Message traces on the real engine (`npm run test:trace-real`, not part of `npm test`: it starts
 * server and client processes). Each server process and client process records its own events on
 * the harness's clock and hands them back in the run's private folder; the harness merges them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messagesOf } from '../../harness/trace/model.ts';
import { resolveRun, runReal } from '../support/real-run.ts';

function config(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'trace-real',
    engine: 'real',
    seed: 5,
    protocol: { name: 'abd', t: 1 },
    network: { latency: { distribution: 'constant', oneWayMs: 2 } },
    costProfile: 'zero',
    workload: { keys: 1, writers: 1, readers: 1, valueBytes: 16, operations: 6, thinkTimeMs: 0 },
    trace: true,
    ...extra,
  };
}

test('real engine: the server processes and a client process hand back their events, and every message pairs up', async () => {
  const { output } = await runReal(resolveRun(config({ real: { clientProcesses: 1 } })));
  const trace = output.trace!;
  assert.deepEqual(trace.header.incomplete, []);
  assert.equal(trace.header.engine, 'real');
  const messages = messagesOf(trace);
  // 6 ABD operations of 2 rounds over 3 servers: 72 messages, each sent (client process or server
  // process) and delivered (the other side), on one clock: never delivered before it was sent.
  assert.equal(messages.length, 72);
  for (const m of messages) {
    assert.notEqual(m.sendT, null, `${m.id} was sent`);
    assert.notEqual(m.deliverT, null, `${m.id} was delivered`);
    assert.ok(m.deliverT! >= m.sendT!, `${m.id}: delivered at ${m.deliverT} after its send at ${m.sendT}`);
  }
  const sent = trace.events.filter((e) => e.ev === 'send').reduce((sum, e) => sum + ('bytes' in e ? e.bytes : 0), 0);
  assert.equal(sent, output.result.bytes.total);
  assert.equal(trace.events.filter((e) => e.ev === 'call').length, 6);
});

test('real engine: a server killed by a crash fault is named incomplete; what it flushed is kept', async () => {
  const { output } = await runReal(resolveRun(config({ faults: [{ type: 'crash', node: 's3', afterOps: 2 }] })));
  const trace = output.trace!;
  assert.deepEqual(trace.header.incomplete, ['s3']);
  assert.ok(trace.events.some((e) => e.ev === 'fault' && e.node === 's3' && e.action === 'crash'));
  // The clients' side is complete: every operation called and returned.
  assert.equal(trace.events.filter((e) => e.ev === 'return').length, 6);
});
