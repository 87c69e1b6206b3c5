/**
 * @module From run results to the flat CSV rows of a sweep: `runs.csv` (one row per run and op kind,
 * RUNS_CSV_COLUMNS first) and `points.csv` (one row per sweep point and op kind: mean, 95 %
 * interval (stats.ts) and range over the repetitions).
 */
import type { CsvRow, CsvValue } from '../results/csv.ts';
import { PRIMITIVES } from '../cost/profile.ts';
import { RUNS_CSV_COLUMNS, type OpKind, type RunResult, type Verdict } from '../results/schema.ts';
import type { SweepPoint } from './expand.ts';
import { meanInterval } from './stats.ts';

const OP_KINDS: readonly OpKind[] = ['write', 'read'];

/** `cpuNsPerOpHash` etc.: flat names (a dot would be a nested field to vega-lite). */
export function cpuColumn(primitive: string): string {
  return `cpuNsPerOp${primitive.charAt(0).toUpperCase()}${primitive.slice(1)}`;
}

export const CPU_COLUMNS = PRIMITIVES.map(cpuColumn);

/** Columns after RUNS_CSV_COLUMNS in runs.csv (the swept columns of the experiment follow these). */
export const EXTRA_RUN_COLUMNS = [
  'point',
  'readers',
  'writers',
  'clients',
  'network',
  'bandwidthMBps',
  'strategy',
  'expectViolation',
  'failed',
  'pending',
  'opThroughputOpsPerS',
  'clientToServerBytesPerOp',
  'serverToClientBytesPerOp',
  'storageBytesPerServerMean',
  'storageBytesPerServerMax',
  'storageBlowup',
  ...CPU_COLUMNS,
  'cpuNsPerOpTotal',
  'rejectedMessages',
  'durationMs',
  'codec',
  'crypto',
] as const;

/** Columns that identify a point (copied, not averaged, into points.csv). */
const POINT_KEY_COLUMNS = new Set<string>([
  'experiment',
  'point',
  'protocol',
  't',
  'n',
  'valueBytes',
  'op',
  'readers',
  'writers',
  'clients',
  'network',
  'bandwidthMBps',
  'strategy',
  'expectViolation',
  'codec',
  'crypto',
]);

/** Per-run columns that are identities or categories, never averaged. */
const NOT_METRICS = new Set<string>(['run', 'repetition', 'seed', 'verdict']);

type Json = unknown;

function get(config: Json, path: string): unknown {
  let node = config;
  for (const segment of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

/** A short description of a point's network: preset name, or the latency distribution. */
function networkLabel(config: Json): string {
  const preset = get(config, 'network.preset');
  if (typeof preset === 'string') return preset;
  const latency = get(config, 'network.latency') as Record<string, unknown> | undefined;
  if (latency === undefined) return 'lan';
  const d = latency['distribution'];
  if (d === 'constant') return `constant ${String(latency['oneWayMs'])} ms`;
  return String(d);
}

function strategyLabel(config: Json): string {
  const faults = get(config, 'faults');
  if (!Array.isArray(faults)) return 'none';
  const names = faults
    .filter((f): f is Record<string, unknown> => f !== null && typeof f === 'object')
    .map((f) => (f['type'] === 'byzantine' ? String(f['strategy']) : f['type'] === 'crash' ? 'crash' : String(f['type'])));
  return names.length === 0 ? 'none' : [...new Set(names)].join('+');
}

function scalar(value: unknown): CsvValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : value === undefined || value === null ? null : JSON.stringify(value);
}

/** runs.csv rows of one sweep point's results: one per run and op kind that has operations. */
export function runRows(experiment: string, point: SweepPoint, runs: readonly RunResult[]): CsvRow[] {
  const config = point.config;
  const readers = num(get(config, 'workload.readers'), 1);
  const writers = num(get(config, 'workload.writers'), 1);
  const bandwidth = get(config, 'network.bandwidthMBps');
  const rows: CsvRow[] = [];
  for (const run of runs) {
    const storage = run.storageBytesPerServer;
    const storageTotal = storage.reduce((a, b) => a + b, 0);
    const rejected = Object.values(run.rejectedMessages).reduce((a, b) => a + b, 0);
    for (const op of OP_KINDS) {
      const stats = run.ops[op];
      if (stats === undefined) continue;
      const valueBytes = run.params['valueBytes'] ?? get(config, 'workload.valueBytes');
      const cpu: Record<string, number> = {};
      let cpuTotal = 0;
      for (const primitive of PRIMITIVES) {
        const ns = stats.cpuNsPerOp[primitive] ?? 0;
        cpu[cpuColumn(primitive)] = ns;
        cpuTotal += ns;
      }
      const row: CsvRow = {
        experiment,
        run: `${point.id}#${run.repetition}`,
        repetition: run.repetition,
        seed: run.seed,
        protocol: scalar(run.params['protocol'] ?? get(config, 'protocol.name')),
        t: scalar(run.params['t'] ?? get(config, 'protocol.t')),
        n: scalar(run.params['n']),
        valueBytes: scalar(valueBytes),
        op,
        count: stats.count,
        latencyMsMean: stats.latencyMs.mean,
        latencyMsP50: stats.latencyMs.p50,
        latencyMsP90: stats.latencyMs.p90,
        latencyMsP99: stats.latencyMs.p99,
        latencyMsP999: stats.latencyMs.p999,
        latencyMsMax: stats.latencyMs.max,
        roundsMean: stats.rounds.mean,
        roundsMax: stats.rounds.max,
        retries: stats.retries,
        messagesPerOp: stats.messagesPerOp,
        bytesPerOp: stats.bytesPerOp,
        throughputOpsPerS: run.throughputOpsPerS,
        backgroundMessages: run.backgroundMessages,
        backgroundBytes: run.backgroundBytes,
        backgroundCpuNs: run.backgroundCpuNs,
        verdict: run.verdict,
        point: point.id,
        readers,
        writers,
        clients: readers + writers,
        network: networkLabel(config),
        bandwidthMBps: typeof bandwidth === 'number' ? bandwidth : null,
        strategy: strategyLabel(config),
        expectViolation: run.expectViolation,
        failed: stats.failed,
        pending: stats.pending,
        opThroughputOpsPerS: run.durationMs > 0 ? (stats.count * 1000) / run.durationMs : null,
        clientToServerBytesPerOp: stats.clientToServerBytesPerOp,
        serverToClientBytesPerOp: stats.serverToClientBytesPerOp,
        storageBytesPerServerMean: storage.length > 0 ? storageTotal / storage.length : null,
        storageBytesPerServerMax: storage.length > 0 ? Math.max(...storage) : null,
        storageBlowup: typeof valueBytes === 'number' && valueBytes > 0 ? storageTotal / valueBytes : null,
        ...cpu,
        cpuNsPerOpTotal: cpuTotal,
        rejectedMessages: rejected,
        durationMs: run.durationMs,
        codec: run.codec,
        crypto: run.crypto,
      };
      // Swept values under their own column names: they win over the derived context columns (a
      // swept strategy name stays the row label even when a rule turned it into a crash fault), but
      // never over the runner's own contract columns.
      for (const [column, value] of Object.entries(point.values)) {
        if (!(RUNS_CSV_COLUMNS as readonly string[]).includes(column)) row[column] = value;
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The leading columns of runs.csv: the contract's, then ours, then swept ones. */
export function runColumns(sweptColumns: readonly string[]): string[] {
  const leading: string[] = [...RUNS_CSV_COLUMNS, ...EXTRA_RUN_COLUMNS];
  return [...leading, ...sweptColumns.filter((c) => !leading.includes(c))];
}

const VERDICT_RANK: Readonly<Record<Verdict, number>> = { ok: 0, unknown: 1, violation: 2 };

/** Outcome category of a point for the attack table and the report. */
export function outcomeOf(verdicts: readonly Verdict[], expectViolation: boolean): 'ok' | 'violation (expected)' | 'violation' | 'unknown' {
  if (verdicts.includes('violation')) return expectViolation ? 'violation (expected)' : 'violation';
  if (verdicts.includes('unknown')) return 'unknown';
  return 'ok';
}

/**
 * points.csv rows: runs grouped by (point, op); identity columns copied, every other numeric column
 * averaged with its 95 % interval (`<col>CiLow`, `<col>CiHigh`) and its range over the repetitions
 * (`<col>Min`, `<col>Max`), verdicts summarised.
 */
export function pointRows(rows: readonly CsvRow[], sweptColumns: readonly string[] = []): CsvRow[] {
  const groups = new Map<string, CsvRow[]>();
  for (const row of rows) {
    const key = `${String(row['point'])}\u0000${String(row['op'])}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [row]);
    else group.push(row);
  }
  const keyColumns = new Set([...POINT_KEY_COLUMNS, ...sweptColumns]);
  const out: CsvRow[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const point: CsvRow = {};
    for (const column of Object.keys(first)) if (keyColumns.has(column)) point[column] = first[column] ?? null;
    point['repetitions'] = group.length;
    const verdicts = group.map((r) => r['verdict'] as Verdict);
    const worst = verdicts.reduce<Verdict>((a, b) => (VERDICT_RANK[b] > VERDICT_RANK[a] ? b : a), 'ok');
    point['verdict'] = worst;
    point['violations'] = verdicts.filter((v) => v === 'violation').length;
    point['outcome'] = outcomeOf(verdicts, first['expectViolation'] === true);
    point['seeds'] = group.map((r) => String(r['seed'])).join(' ');
    for (const column of Object.keys(first)) {
      if (keyColumns.has(column) || NOT_METRICS.has(column)) continue;
      const values = group.map((r) => r[column]).filter((v): v is number => typeof v === 'number');
      if (values.length !== group.length) continue;
      const interval = meanInterval(values);
      if (interval === null) continue;
      point[column] = interval.mean;
      point[`${column}CiLow`] = interval.low;
      point[`${column}CiHigh`] = interval.high;
      // The range over the repetitions: what a chart shows when they are too few for an interval.
      point[`${column}Min`] = Math.min(...values);
      point[`${column}Max`] = Math.max(...values);
    }
    out.push(point);
  }
  return out;
}
