/**
 * Experiment 9's comparison of the simulator with the real engine: the error table from point rows
 * whose errors are worked out by hand, the calibration grid an experiment's points need, and the
 * reproduce pipeline with a fake runner and a fake calibration (sim points get the calibrated profile
 * inline, real points keep theirs, the error table is written).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../harness/config/errors.ts';
import type { CalibrationReport } from '../harness/cost/calibrate.ts';
import { ZERO_PROFILE, type CostProfile } from '../harness/cost/profile.ts';
import type { MachineInfo } from '../harness/report/html.ts';
import { parseCsv, type CsvRow } from '../harness/results/csv.ts';
import type { ExperimentSummary, OpStats } from '../harness/results/schema.ts';
import { calibrationGridFor } from '../harness/reproduce/calibrated-profile.ts';
import { loadPaperExperiments, planExperiments, reproduce, type PointRunner } from '../harness/reproduce/run.ts';
import { SIM_VS_REAL_FILE, simVsRealRows } from '../harness/reproduce/sim-vs-real.ts';
import { expandSweep } from '../harness/sweep/expand.ts';

const point = (engine: string, op: string, values: Partial<CsvRow>): CsvRow => ({
  protocol: 'abd', t: 1, n: 3, valueBytes: 1024, clients: 1, engine, op, point: `protocol=abd,engine=${engine}`, ...values,
});

test('sim-vs-real: errors per point and op kind, the goal, and the cause of a miss', () => {
  const rows = [
    // write p50: (9.5 − 10) / 10 = −5 %, within 10 %; read p50: (8 − 10) / 10 = −20 %, a miss.
    // p99: write (12 − 15) / 15 = −20 %, read (9 − 10) / 10 = −10 %.
    // Throughput (all ops): (110 − 100) / 100 = +10 %, within 15 %.
    // Predicted CPU: 1 ms × 60 writes/s + 2 ms × 50 reads/s = 0.06 + 0.1 = 0.16 cores.
    point('sim', 'write', { count: 60, latencyMsP50: 9.5, latencyMsP99: 12, throughputOpsPerS: 110, opThroughputOpsPerS: 60, cpuNsPerOpTotal: 1e6 }),
    point('sim', 'read', { count: 50, latencyMsP50: 8, latencyMsP99: 9, throughputOpsPerS: 110, opThroughputOpsPerS: 50, cpuNsPerOpTotal: 2e6 }),
    point('real', 'write', { count: 45, latencyMsP50: 10, latencyMsP99: 15, throughputOpsPerS: 100, opThroughputOpsPerS: 45, cpuNsPerOpTotal: 0 }),
    point('real', 'read', { count: 55, latencyMsP50: 10, latencyMsP99: 10, throughputOpsPerS: 100, opThroughputOpsPerS: 55, cpuNsPerOpTotal: 0 }),
    // Simulated only: not compared, listed.
    point('sim', 'write', { protocol: 'cas', n: 4, point: 'protocol=cas,engine=sim', latencyMsP50: 1, throughputOpsPerS: 1 }),
  ];
  const { rows: table, summary } = simVsRealRows(rows, 2);
  assert.equal(table.length, 1);
  const row = table[0]!;
  const close = (actual: unknown, expected: number) => assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-12, `${String(actual)} ≠ ${expected}`);
  close(row['writeP50Error'], -0.05);
  close(row['readP50Error'], -0.2);
  close(row['writeP99Error'], -0.2);
  close(row['readP99Error'], -0.1);
  close(row['throughputError'], 0.1);
  close(row['predictedCpuCores'], 0.16);
  // Measured operations per engine: 60 + 50 simulated, 45 + 55 real.
  assert.deepEqual([row['simOps'], row['realOps']], [110, 100]);
  assert.equal(row['p50Ok'], false);
  assert.equal(row['throughputOk'], true);
  assert.equal(row['processes'], 4);
  assert.match(String(row['cause']), /^4 processes \(n servers and the clients' process\) share 2 cores/);
  assert.match(String(row['cause']), /not CPU-bound \(prediction: 0\.16 cores busy\)/);
  assert.deepEqual(summary, {
    points: 1, p50Within: 0, p99Within: 0, throughputWithin: 1, p50GoalMet: false, throughputGoalMet: true,
    unpaired: ['protocol=cas,engine=sim'],
  });
  // A load average of at least one per core comes first among the causes; below that it is not named.
  assert.match(String(simVsRealRows(rows, 2, 2.5).rows[0]!['cause']), /^the machine was loaded \(1-minute load average 2\.5 on 2 cores when the experiment started\)/);
  assert.doesNotMatch(String(simVsRealRows(rows, 2, 1.9).rows[0]!['cause']), /loaded/);
});

test('sim-vs-real: a point within every goal has no cause', () => {
  const rows = [
    point('sim', 'write', { latencyMsP50: 10.5, latencyMsP99: 11, throughputOpsPerS: 95 }),
    point('real', 'write', { latencyMsP50: 10, latencyMsP99: 11, throughputOpsPerS: 100 }),
  ];
  const { rows: table, summary } = simVsRealRows(rows, 2);
  assert.equal(table[0]!['cause'], '');
  assert.equal(table[0]!['p50Ok'], true);
  assert.equal(summary.p50GoalMet && summary.throughputGoalMet, true);
});

test('calibration grid of a sweep: the shapes (t + 1, 3t + 1) of the simulated points, their sizes and the calibration sizes between', () => {
  const sweep = expandSweep({
    name: 'x',
    protocol: { name: 'abd', t: [1, 2] },
    workload: { valueBytes: 1024 },
    sweep: { 'workload.valueBytes': [1024, 65536, 1048576], engine: ['sim', 'real'] },
  });
  assert.deepEqual(calibrationGridFor(sweep.points), {
    shapes: [[2, 4], [3, 7]],
    sizesBytes: [1024, 4096, 16384, 65536, 262144, 1048576],
  });
  // One size alone gets the next calibration size (the flat terms are fitted to two sizes at least).
  const single = expandSweep({ name: 'x', protocol: { name: 'abd', t: 1 }, workload: { valueBytes: 1024 } });
  assert.deepEqual(calibrationGridFor(single.points), { shapes: [[2, 4]], sizesBytes: [1024, 4096] });
});

const MACHINE: MachineInfo = { cpuModel: 'test cpu', cores: 2, memoryGiB: 4, node: 'v20', platform: 'linux-x64', gitCommit: 'abc', generatedAt: '2026-01-01T00:00:00Z' };

function opStats(latencyMs: number): OpStats {
  return {
    count: 10, failed: 0, pending: 0,
    latencyMs: { mean: latencyMs, p50: latencyMs, p90: latencyMs, p99: latencyMs, p999: latencyMs, max: latencyMs },
    rounds: { mean: 2, max: 2, histogram: { 2: 10 } },
    retries: 0, messagesPerOp: 8, bytesPerOp: 2000, clientToServerBytesPerOp: 1500, serverToClientBytesPerOp: 500, cpuNsPerOp: {},
  };
}

test('reproduce with report.calibrate: sim points run with the calibrated profile inline, the error table is written', async () => {
  const root = mkdtempSync(join(tmpdir(), 'qb-sim-vs-real-'));
  try {
    const configs = join(root, 'configs');
    mkdirSync(configs);
    writeFileSync(
      join(configs, '09-x.yaml'),
      `name: x
seed: 3
protocol: { name: abd, t: 1 }
costProfile: default
workload: { valueBytes: 1024, operations: 10 }
sweep: { engine: [sim, real] }
report: { title: X, calibrate: true, charts: [sim-vs-real] }
`,
    );
    const experiments = loadPaperExperiments(configs);
    const planned = planExperiments(experiments, () => undefined, false);
    const calibrated: CostProfile = { ...ZERO_PROFILE, name: 'calibrated-here', hash: { nsPerOp: 7, nsPerByte: 0 } };
    const grids: unknown[] = [];
    const calibrateProfile = async (grid: unknown, quick: boolean): Promise<CalibrationReport> => {
      grids.push({ grid, quick });
      return { profile: calibrated, calibration: { measure: { timeMs: 1, iterations: 1, rounds: 1 } } as CalibrationReport['calibration'] };
    };
    const seen: Record<string, unknown>[] = [];
    // Sim: 9 ms at 100 ops/s; real: 10 ms at 80 ops/s. Errors: p50 −10 %, throughput +25 %.
    const runner: PointRunner = async (config) => {
      seen.push(config);
      const sim = config['engine'] === 'sim';
      const latency = sim ? 9 : 10;
      const summary: ExperimentSummary = {
        schemaVersion: 1, name: 'x', engine: sim ? 'sim' : 'real', seed: 3, config, costProfile: ZERO_PROFILE, meta: {},
        runs: [{
          id: 'base#0', params: { protocol: 'abd', t: 1, n: 3, valueBytes: 1024 }, seed: 3, repetition: 0, verdict: 'ok', expectViolation: false,
          ops: { write: opStats(latency) }, throughputOpsPerS: sim ? 100 : 80, durationMs: 100,
          messages: { total: 1, clientToServer: 1, serverToClient: 0 }, bytes: { total: 1, clientToServer: 1, serverToClient: 0 },
          backgroundMessages: 0, backgroundBytes: 0, backgroundCpuNs: 0, storageBytesPerServer: [], rejectedMessages: {}, codec: 'none', crypto: 'node',
        }],
      };
      return summary;
    };
    const out = join(root, 'out');
    const options = { outRoot: out, quick: false, runner, machine: MACHINE, command: 'test', nowMs: () => 0, loadAverage: () => [1, 2, 3] };
    await assert.rejects(reproduce(planned, options), (e: unknown) => e instanceof ConfigError && /report\.calibrate: this reproduction cannot calibrate/.test(e.message));
    assert.equal(existsSync(join(out, '09-x')), false, 'nothing left behind');
    const outcomes = await reproduce(planned, { ...options, calibrateProfile });
    assert.deepEqual(grids, [{ grid: { shapes: [[2, 4]], sizesBytes: [1024, 4096] }, quick: false }]);
    assert.deepEqual(seen.map((c) => [c['engine'], typeof c['costProfile'] === 'string' ? c['costProfile'] : (c['costProfile'] as CostProfile).name]), [
      ['sim', 'calibrated-here'],
      ['real', 'default'],
    ]);
    const dir = join(out, '09-x');
    assert.equal(JSON.parse(readFileSync(join(dir, 'cost-profile.json'), 'utf8')).profile.name, 'calibrated-here');
    const table = parseCsv(readFileSync(join(dir, SIM_VS_REAL_FILE), 'utf8'));
    assert.equal(table.length, 1);
    assert.ok(Math.abs((table[0]!['writeP50Error'] as number) + 0.1) < 1e-12);
    assert.equal(table[0]!['throughputError'], 0.25);
    assert.equal(table[0]!['p50Ok'], true);
    assert.equal(table[0]!['throughputOk'], false);
    assert.deepEqual([table[0]!['simOps'], table[0]!['realOps']], [10, 10]);
    const report = outcomes[0]!.report;
    assert.deepEqual(report.simVsReal?.summary, { points: 1, p50Within: 1, p99Within: 1, throughputWithin: 0, p50GoalMet: true, throughputGoalMet: false, unpaired: [] });
    assert.deepEqual(report.simVsReal?.loadAverageStart, [1, 2, 3]);
    // The chart: its own CSV, a mark per metric.
    const chart = parseCsv(readFileSync(join(dir, 'sim-vs-real.csv'), 'utf8'));
    assert.deepEqual(chart.map((r) => [r['metric'], r['predicted'], r['measured']]), [
      ['p50 latency (ms)', 9, 10],
      ['p99 latency (ms)', 9, 10],
      ['throughput, all ops (ops/s)', 100, 80],
    ]);
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /throughput within 15 % at 90 % of the points — <b>0 of 1<\/b> \(not met\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
