/**
 * The reproduce pipeline end to end with a fake runner (so the expected numbers are known): sweep
 * points → runs.csv / points.csv / charts / summary.json / a self-contained report.html.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCsv } from '../harness/results/csv.ts';
import { ConfigError } from '../harness/config/errors.ts';
import type { MachineInfo } from '../harness/report/html.ts';
import { loadPaperExperiments, planExperiments, reproduce, writeCombinedReport, type PointRunner } from '../harness/reproduce/run.ts';
import { ZERO_PROFILE } from '../harness/cost/profile.ts';
import type { ExperimentSummary, OpStats, RunResult } from '../harness/results/schema.ts';

const MACHINE: MachineInfo = { cpuModel: 'test cpu', cores: 2, memoryGiB: 4, node: 'v20', platform: 'linux-x64', gitCommit: 'abc', generatedAt: '2026-01-01T00:00:00Z' };

function opStats(latencyMs: number, rounds: number): OpStats {
  return {
    count: 10, failed: 0, pending: 0,
    latencyMs: { mean: latencyMs, p50: latencyMs, p90: latencyMs, p99: latencyMs + 1, p999: latencyMs + 1, max: latencyMs + 2 },
    rounds: { mean: rounds, max: rounds, histogram: { [rounds]: 10 } },
    retries: 0, messagesPerOp: 8, bytesPerOp: 2000, clientToServerBytesPerOp: 1500, serverToClientBytesPerOp: 500,
    cpuNsPerOp: { hash: 1000, message: 500 },
  };
}

/**
 * Latency = 10 ms (abd) or 20 ms (bft-signed) + valueBytes/1024 ms + repetition; seed echoes the
 * config's. A point with protocol "broken" is a config error; "absent" is not registered.
 */
const fakeRunner: PointRunner = async (config, outDir) => {
  const protocol = (config['protocol'] as { name: string }).name;
  const valueBytes = (config['workload'] as { valueBytes: number }).valueBytes;
  const reps = config['repetitions'] as number;
  const runs: RunResult[] = [];
  const latencyLines = ['run,op,percentile,latencyMs'];
  for (let rep = 0; rep < reps; rep++) {
    const latency = (protocol === 'abd' ? 10 : 20) + valueBytes / 1024 + rep;
    runs.push({
      id: `base#${rep}`, params: { protocol, t: 1, n: protocol === 'abd' ? 3 : 4, valueBytes }, seed: (config['seed'] as number) + rep, repetition: rep,
      verdict: 'ok', expectViolation: false, ops: { write: opStats(latency, 2), read: opStats(latency / 2, 2) },
      throughputOpsPerS: 100, durationMs: 200, messages: { total: 1, clientToServer: 1, serverToClient: 0 }, bytes: { total: 1, clientToServer: 1, serverToClient: 0 }, backgroundMessages: 0, backgroundBytes: 0, backgroundCpuNs: 0,
      storageBytesPerServer: [valueBytes, valueBytes, valueBytes], rejectedMessages: {}, codec: 'none', crypto: 'node',
    });
    for (const op of ['read', 'write']) for (const pct of [0, 50, 100]) latencyLines.push(`base#${rep},${op},${pct},${latency + pct / 100}`);
  }
  writeFileSync(join(outDir, 'latency.csv'), latencyLines.join('\n') + '\n');
  const summary: ExperimentSummary = { schemaVersion: 1, name: String(config['name']), engine: 'sim', seed: config['seed'] as number, config, costProfile: ZERO_PROFILE, meta: {}, runs };
  return summary;
};

const validate = (config: Record<string, unknown>) => {
  const name = (config['protocol'] as { name: string }).name;
  if (name === 'absent') throw new ConfigError('protocol.name: unknown protocol "absent" (known: abd, bft-signed)');
};

test('reproduce with a fake runner writes CSVs, charts and a self-contained report', async () => {
  const root = mkdtempSync(join(tmpdir(), 'qb-reproduce-'));
  try {
    const configs = join(root, 'configs');
    mkdirSync(configs);
    writeFileSync(
      join(configs, '01-size.yaml'),
      `name: size
seed: 5
repetitions: 2
protocol: { name: [abd, bft-signed, absent], t: 1 }
workload: { valueBytes: 1024, operations: 10 }
sweep: { workload.valueBytes: [1024, 4096] }
quick: { repetitions: 2 }
report:
  title: Size
  charts: [latency-vs-size, { kind: latency-cdf, where: { valueBytes: 4096 }, name: cdf-4k }]
`,
    );
    writeFileSync(join(configs, 'appendix-a.yaml'), 'name: not-mine\n');
    const experiments = loadPaperExperiments(configs);
    assert.deepEqual(experiments.map((e) => e.id), ['01-size'], 'appendix-a.yaml is left to its own issue');
    const planned = planExperiments(experiments, validate, true);
    assert.equal(planned[0]!.points.length, 4);
    assert.deepEqual(planned[0]!.notApplicable.map((n) => n.point.id), ['protocol=absent,valueBytes=1024', 'protocol=absent,valueBytes=4096']);

    const out = join(root, 'results');
    const progress: number[] = [];
    let clock = 0;
    const outcomes = await reproduce(planned, {
      outRoot: out, quick: true, runner: fakeRunner, machine: MACHINE, command: 'quorumbench reproduce --quick',
      onProgress: (done) => progress.push(done), nowMs: () => (clock += 1000),
    });
    assert.deepEqual(progress, [2, 4, 6, 8]);
    const dir = join(out, '01-size');
    for (const file of ['runs.csv', 'points.csv', 'summary.json', 'config.yaml', 'latency-vs-size.svg', 'latency-vs-size.png', 'latency-vs-size.vg.json', 'latency-vs-size.csv', 'cdf-4k.png', 'report.html']) {
      assert.ok(existsSync(join(dir, file)), file);
    }
    // runs.csv: 4 points × 2 repetitions × 2 op kinds, contract columns first.
    const runs = parseCsv(readFileSync(join(dir, 'runs.csv'), 'utf8'));
    assert.equal(runs.length, 16);
    assert.deepEqual(Object.keys(runs[0]!).slice(0, 3), ['experiment', 'run', 'repetition']);
    const r = runs.find((x) => x['run'] === 'protocol=bft-signed,valueBytes=4096#1' && x['op'] === 'write')!;
    assert.equal(r['latencyMsMean'], 20 + 4 + 1);
    assert.equal(r['storageBlowup'], 3);
    assert.equal(r['cpuNsPerOpHash'], 1000);
    // points.csv: mean over repetitions 0 and 1 = base + 0.5; interval ± 12.706 · 0.5.
    const points = parseCsv(readFileSync(join(dir, 'points.csv'), 'utf8'));
    const p = points.find((x) => x['point'] === 'protocol=abd,valueBytes=1024' && x['op'] === 'write')!;
    assert.equal(p['latencyMsMean'], 11.5);
    assert.ok(Math.abs((p['latencyMsMeanCiHigh'] as number) - (11.5 + 12.706 * 0.5)) < 1e-9);
    // The chart's CSV is exactly the points it draws.
    assert.deepEqual(parseCsv(readFileSync(join(dir, 'latency-vs-size.csv'), 'utf8')), points);
    // CDF at 4 KiB: percentiles averaged over the two repetitions (latency 14 and 15 → 14.5 at p0).
    const cdf = parseCsv(readFileSync(join(dir, 'cdf-4k.csv'), 'utf8'));
    const c = cdf.find((x) => x['protocol'] === 'abd' && x['op'] === 'write' && x['percentile'] === 0)!;
    assert.equal(c['latencyMs'], 14.5);
    assert.equal(c['fraction'], 0);
    // summary.json: every run, ids carry the point, seeds derived per point.
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as ExperimentSummary;
    assert.equal(summary.runs.length, 8);
    assert.equal(summary.runs[0]!.id, 'protocol=abd,valueBytes=1024#0');
    assert.notEqual(summary.runs[0]!.seed, summary.runs[2]!.seed);

    const { path, included } = writeCombinedReport(out, ['01-size'], MACHINE, 'quorumbench reproduce --quick', 2000);
    assert.deepEqual(included, ['01-size']);
    const html = readFileSync(path, 'utf8');
    assert.equal(outcomes[0]!.report.charts.length, 2);
    assert.equal((html.match(/<svg /g) ?? []).length, 2, 'both charts inline');
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /(src|href)="https?:/i, 'no external resources');
    assert.doesNotMatch(html, /url\(https?:/i);
    assert.match(html, /@font-face \{ font-family: 'DejaVu Sans'; src: url\(data:font\/ttf;base64,/);
    assert.match(html, /protocol=bft-signed,valueBytes=4096#1/, 'every run is in the verdict table');
    assert.match(html, /absent \(protocol not registered\)/);
    assert.match(html, /test cpu \(2 cores\)/);
    assert.match(html, /Config behind these charts/);
    // Each section names the command that produced it (a combined page can mix invocations).
    assert.match(html, /took [^<]*, by <code>quorumbench reproduce --quick<\/code><\/p>/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a bad point stops the plan with one line naming the file and point', () => {
  const root = mkdtempSync(join(tmpdir(), 'qb-reproduce-'));
  try {
    writeFileSync(join(root, 'bad.yaml'), 'name: bad\nprotocol: { name: [abd, broken], t: 1 }\n');
    const experiments = loadPaperExperiments(root);
    const strict = (config: Record<string, unknown>) => {
      if ((config['protocol'] as { name: string }).name === 'broken') throw new ConfigError('protocol.t: too large');
    };
    assert.throws(() => planExperiments(experiments, strict, false), (e: unknown) => e instanceof ConfigError && /bad\.yaml \(point protocol=broken\): protocol\.t: too large/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the combined report counts runs per experiment: equal run ids in two experiments are two runs', async () => {
  const { renderReport } = await import('../harness/report/html.ts');
  const base = { title: 't', description: '', configYaml: '', charts: [], attack: [], notApplicable: [], skippedByRules: [], elapsedMs: 1, costProfile: undefined, meta: {} };
  const run = (experiment: string, verdict: string) => ({ experiment, run: 'protocol=abd#0', op: 'write', verdict, expectViolation: false, protocol: 'abd' });
  const html = renderReport(
    [
      { ...base, id: 'a', runs: [run('a', 'ok')] },
      { ...base, id: 'b', runs: [run('b', 'violation')] },
    ],
    MACHINE,
    'cmd',
    10,
  );
  assert.match(html, /2 runs, 1 ok, 0 expected violations.*?<b>1 unexpected violations<\/b>/);
});
