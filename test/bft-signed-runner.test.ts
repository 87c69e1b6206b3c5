/**
 * `bft-signed` through the core runner (simulator) and the checker: byte counts per operation worked
 * out by hand, and seeded runs with Byzantine servers and hostile clients judged linearizable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../harness/config/index.ts';
import { runExperiment } from '../harness/runner/index.ts';

function config(fields: Record<string, unknown>) {
  return parseConfig({
    name: 'bft-signed-test',
    engine: 'sim',
    seed: 3,
    network: { latency: { distribution: 'constant', oneWayMs: 10 }, bandwidthMBps: 0 },
    costProfile: 'zero',
    faults: [],
    ...fields,
  });
}

test('runner: 10 writes of 1 KiB at t=1 cost 2 rounds, 40 ms and the hand-computed bytes each', async () => {
  const { summary } = await runExperiment(
    config({ protocol: { name: 'bft-signed', t: 1 }, workload: { keys: 1, writers: 1, readers: 0, valueBytes: 1024, operations: 10 } }),
  );
  const write = summary.runs[0]!.ops.write!;
  assert.equal(summary.runs[0]!.verdict, 'ok');
  assert.equal(write.count, 10);
  assert.deepEqual(write.rounds.histogram, { 2: 10 });
  assert.equal(write.latencyMs.max, 40);
  assert.equal(write.messagesPerOp, 16);
  // A frame is the message plus 10 + wireSize("k0") = 14 bytes. Per write, to and from n = 4
  // servers: GET_TS 20, PUT 111 + 2 + 1024 = 1137, PUT_ACK 21 (see bft-signed-protocol.test.ts);
  // GET_TS_ACK is 84 bytes at ts0 (first write) and 150 bytes afterwards.
  const frames = (bytes: number) => bytes + 14;
  const total = 10 * 4 * (frames(20) + frames(1137) + frames(21)) + 4 * frames(84) + 9 * 4 * frames(150);
  assert.equal(write.bytesPerOp, total / 10); // 5509.6
  assert.deepEqual(summary.runs[0]!.storageBytesPerServer, [1130, 1130, 1130, 1130]); // 1024 + 8 + 2 + 32 + 64
});

test('runner: fastRead reads of the initial value take 1 round, 20 ms and 4 × (GET + GET_ACK at ts0) bytes', async () => {
  const { summary } = await runExperiment(
    config({ protocol: { name: 'bft-signed', t: 1, options: { fastRead: true } }, workload: { keys: 1, writers: 0, readers: 1, operations: 10 } }),
  );
  const read = summary.runs[0]!.ops.read!;
  assert.deepEqual(read.rounds.histogram, { 1: 10 });
  assert.equal(read.latencyMs.max, 20);
  assert.equal(read.bytesPerOp, 4 * (17 + 14 + (50 + 14)));
});

/**
 * Seeds per case: 1 in CI (a run costs about a second, mostly the runner's latency histograms);
 * `BFT_SIGNED_RUNNER_SEEDS=N` runs more. The driver-based suite covers many seeds cheaply.
 */
const SEEDS = Number(process.env['BFT_SIGNED_RUNNER_SEEDS'] ?? 1);

for (const t of [1, 2]) {
  for (const strategy of ['forge', 'corrupt', 'equivocate', 'inflate-ts']) {
    test(`runner: t=${t}, ${strategy} on ${t} servers, jittery network, ${SEEDS} seed(s): verdict ok, every operation completes in 2 rounds`, async () => {
      for (let seed = 11; seed < 11 + SEEDS; seed++) {
        const faults: unknown[] = Array.from({ length: t }, (_, i) => ({ type: 'byzantine', node: `s${((seed + 2 * i) % (3 * t + 1)) + 1}`, strategy }));
        const { summary, unexpectedViolations } = await runExperiment(
          config({
            seed,
            protocol: { name: 'bft-signed', t },
            network: { latency: { distribution: 'uniform', minMs: 1, maxMs: 30 } },
            costProfile: 'default',
            workload: { keys: 2, writers: 2, readers: 3, valueBytes: 64, operations: 100 },
            faults,
          }),
        );
        const run = summary.runs[0]!;
        const replay = `t=${t} ${strategy} seed ${seed}`;
        assert.equal(run.verdict, 'ok', replay);
        assert.deepEqual(unexpectedViolations, []);
        for (const kind of ['read', 'write'] as const) {
          const ops = run.ops[kind]!;
          assert.equal(ops.failed + ops.pending, 0, `${replay}: ${kind} did not complete`);
          assert.equal(ops.rounds.max, 2, replay);
        }
        if (strategy !== 'equivocate') assert.ok((run.rejectedMessages['bad-signature'] ?? 0) > 0, replay);
      }
    });
  }
}

test('runner: hostile clients sending forged and non-writer PUTs change nothing (verdict ok, rejections counted)', async () => {
  const { summary } = await runExperiment(
    config({
      protocol: { name: 'bft-signed', t: 1 },
      network: { latency: { distribution: 'uniform', minMs: 1, maxMs: 30 } },
      workload: { keys: 1, writers: 2, readers: 2, valueBytes: 64, operations: 100 },
      faults: [
        { type: 'hostile-client', node: 'x1', behaviour: 'forged-put', everyMs: 7 },
        { type: 'hostile-client', node: 'x2', behaviour: 'non-writer-put', everyMs: 11 },
        { type: 'byzantine', node: 's2', strategy: 'forge' },
      ],
    }),
  );
  const run = summary.runs[0]!;
  assert.equal(run.verdict, 'ok');
  assert.ok((run.rejectedMessages['unknown-writer'] ?? 0) > 0);
  assert.ok((run.rejectedMessages['bad-signature'] ?? 0) > 0);
});
