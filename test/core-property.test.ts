/**
 * Property: ABD on random networks, workloads and crash schedules within tolerance always completes
 * every operation, with a linearizable history, and replays identically from its seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runOnce } from '../harness/runner/index.ts';
import { checkHistory } from '../harness/checker/index.ts';
import { abdConstantConfig, resolveRun } from './core-helpers.ts';

const latency = fc.oneof(
  fc.record({ distribution: fc.constant('constant'), oneWayMs: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ distribution: fc.constant('uniform'), minMs: fc.constant(0), maxMs: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ distribution: fc.constant('normal'), meanMs: fc.integer({ min: 0, max: 10 }), stddevMs: fc.integer({ min: 0, max: 10 }) }),
  fc.record({ distribution: fc.constant('exponential'), meanMs: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ distribution: fc.constant('pareto'), scaleMs: fc.integer({ min: 1, max: 5 }), shape: fc.constantFrom(1.5, 2, 3) }),
);

test('ABD within tolerance: all operations complete and the history is linearizable', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        seed: fc.integer({ min: 0, max: 1_000_000 }),
        t: fc.integer({ min: 1, max: 2 }),
        latency,
        bandwidthMBps: fc.constantFrom(0, 1, 100),
        keys: fc.integer({ min: 1, max: 3 }),
        writers: fc.integer({ min: 1, max: 3 }),
        readers: fc.integer({ min: 0, max: 3 }),
        fastRead: fc.boolean(),
        crashes: fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 2 }),
      }),
      async (p) => {
        const crashes = p.crashes.slice(0, p.t).map((atMs, i) => ({ type: 'crash', node: `s${i + 1}`, atMs }));
        const run = resolveRun(
          abdConstantConfig({
            seed: p.seed,
            protocol: { name: 'abd', t: p.t, options: { fastRead: p.fastRead } },
            network: { latency: p.latency, bandwidthMBps: p.bandwidthMBps },
            costProfile: 'default',
            workload: { keys: p.keys, writers: p.writers, readers: p.readers, valueBytes: 200, operations: 150 },
            faults: crashes,
          }),
        );
        const first = await runOnce(run);
        assert.equal(first.history.length, 150);
        assert.ok(first.history.every((r) => r.status === 'ok'));
        assert.equal((await checkHistory(first.history)).verdict, 'ok');
        const again = await runOnce(run);
        assert.deepEqual(again.history, first.history);
      },
    ),
    { numRuns: 25, seed: 20261125 },
  );
});
