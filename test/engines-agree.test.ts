/**
 * Both engines run the same protocol code through the same hosts, so they must count the same: the
 * same config on the simulator and on the real engine gives identical messages and bytes per
 * operation kind (by direction), rounds, retries and background counters, for every protocol.
 *
 * The workload is one client doing reads and writes one after the other over constant links: per-link
 * FIFO then fixes what every server holds when each request reaches it, so every message and its size
 * is determined by the config alone (a second concurrent client would make sizes depend on timing).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runOnce } from '../harness/runner/index.ts';
import { protocolNames } from '../protocols/registry.ts';
import { resolveRun, runReal } from './support/real-run.ts';

function config(protocol: string, engine: 'sim' | 'real'): Record<string, unknown> {
  return {
    name: `agree-${protocol}`,
    engine,
    seed: 11,
    protocol: { name: protocol, t: 1 },
    network: { latency: { distribution: 'constant', oneWayMs: 4 } },
    costProfile: 'zero',
    workload: { keys: 2, writers: 1, readers: 0, readRatio: 0.5, valueBytes: 1024, operations: 16 },
  };
}

describe('the simulator and the real engine count the same', { concurrency: 1 }, () => {
  for (const protocol of protocolNames()) {
    it(`${protocol}: messages and bytes per operation kind, rounds, background`, async () => {
      const sim = (await runOnce(resolveRun(config(protocol, 'sim')))).result;
      const { output } = await runReal(resolveRun(config(protocol, 'real')));
      const real = output.result;
      assert.equal(output.outcome, 'stopped');
      for (const kind of ['read', 'write'] as const) {
        const a = sim.ops[kind];
        const b = real.ops[kind];
        assert.ok(a !== undefined && b !== undefined, `${kind}: ran on both engines`);
        assert.equal(b.count, a.count, `${kind}: count`);
        assert.equal(b.pending, 0, `${kind}: nothing pending on the real engine`);
        for (const field of ['messagesPerOp', 'bytesPerOp', 'clientToServerBytesPerOp', 'serverToClientBytesPerOp', 'retries'] as const) {
          assert.equal(b[field], a[field], `${kind}: ${field}`);
        }
        assert.deepEqual(b.rounds, a.rounds, `${kind}: rounds`);
      }
      assert.deepEqual(real.messages, sim.messages, 'messages by direction');
      assert.deepEqual(real.bytes, sim.bytes, 'bytes by direction');
      for (const field of ['backgroundMessages', 'backgroundBytes', 'backgroundCpuNs'] as const) assert.equal(real[field], sim[field], field);
      assert.deepEqual(real.rejectedMessages, {});
    });
  }
});
