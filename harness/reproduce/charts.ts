/**
 * @module The chart kinds a paper config can ask for (`report.charts`), each built from the
 * experiment's rows. Every chart gets its own CSV (`<chart>.csv`, exactly the rows it draws), so a
 * reader can check any chart against its data.
 */
import type { CsvRow } from '../results/csv.ts';
import {
  attackTableChart,
  groupedPointChart,
  latencyCdfChart,
  lineChart,
  predictedVsMeasuredChart,
  protocolBarChart,
  relativeBarChart,
  stackedCostChart,
  type BandKind,
  type ChartDef,
} from '../charts/specs.ts';
import { orderProtocols } from '../charts/theme.ts';
import { PRIMITIVES } from '../cost/profile.ts';
import { ConfigError } from '../config/errors.ts';
import { cpuColumn } from '../sweep/aggregate.ts';
import { PROTOCOLS } from '../../protocols/registry.ts';
import { PREDICTED_METRICS, predictedVsMeasuredRows, simVsRealRows } from './sim-vs-real.ts';

export const CHART_KINDS = [
  'latency-vs-size',
  'latency-vs-t',
  'throughput-vs-clients',
  'latency-vs-clients',
  'latency-vs-bandwidth',
  'latency-by-network',
  'latency-cdf',
  'cost-bytes',
  'cost-cpu',
  'cost-storage',
  'cost-storage-per-version',
  'attack-table',
  'relative-vs-size',
  'sim-vs-real',
] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

/** One entry of `report.charts`: a kind, or a kind with options. */
export interface ChartRequest {
  readonly kind: ChartKind;
  /** Keep only point rows whose columns equal these values (e.g. `{ valueBytes: 1048576 }`). */
  readonly where?: Readonly<Record<string, string | number | boolean>>;
  /** Metric column for line charts (default `latencyMsMean`). */
  readonly metric?: string;
  /** File stem (default: the kind). */
  readonly name?: string;
  /** x column for the clients charts: `clients` (default), `readers` or `writers`. */
  readonly x?: 'clients' | 'readers' | 'writers';
  /** `relative-vs-size`: the protocol every other is divided by (default `abd`). */
  readonly baseline?: string;
  /** Chart title (default: the kind's own). */
  readonly title?: string;
}

export function parseChartRequests(value: unknown, field: string): ChartRequest[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(`${field}: must be a list of chart kinds, got ${JSON.stringify(value)}`);
  return value.map((entry, i) => {
    const at = `${field}[${i}]`;
    const request = typeof entry === 'string' ? { kind: entry } : entry;
    if (request === null || typeof request !== 'object') throw new ConfigError(`${at}: must be a chart kind or {kind, ...}, got ${JSON.stringify(entry)}`);
    const kind = (request as { kind?: unknown }).kind;
    const x = (request as { x?: unknown }).x;
    if (x !== undefined && x !== 'clients' && x !== 'readers' && x !== 'writers') throw new ConfigError(`${at}.x: must be clients, readers or writers, got ${JSON.stringify(x)}`);
    for (const field of ['baseline', 'title'] as const) {
      const text = (request as Record<string, unknown>)[field];
      if (text !== undefined && (typeof text !== 'string' || text === '')) throw new ConfigError(`${at}.${field}: must be a non-empty string, got ${JSON.stringify(text)}`);
    }
    if (typeof kind !== 'string' || !(CHART_KINDS as readonly string[]).includes(kind)) {
      throw new ConfigError(`${at}.kind: unknown chart kind ${JSON.stringify(kind)} (known: ${CHART_KINDS.join(', ')})`);
    }
    return request as ChartRequest;
  });
}

export interface ChartInputs {
  /** points.csv rows (mean and interval per point and op). */
  readonly points: readonly CsvRow[];
  /** Latency CDF rows per point (`protocol, op, latencyMs, fraction` plus the point's columns). */
  readonly cdf: readonly CsvRow[];
  /** Experiment subtitle (config summary), shown under each title. */
  readonly subtitle: string;
  /** The experiment's config as written (protocol options such as `retain`, for the storage charts). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Cores of the machine the real-engine points ran on (`sim-vs-real`). */
  readonly cores?: number;
}

/**
 * The band a chart can honestly draw for its points, by N, their repetitions: the 95 % Student-t
 * interval from 3 on; for 2 the range of the two values, because the interval's t factor of 12.7
 * would draw mostly the quantile, not the variance; nothing for 1. `note` says which, for the
 * subtitle (every chart must say what its shading is).
 */
export function bandFor(points: readonly CsvRow[], what = 'band'): { band: BandKind | undefined; note: string } {
  const counts = points.map((row) => row['repetitions']).filter((n): n is number => typeof n === 'number');
  const n = counts.length === 0 ? 1 : Math.min(...counts);
  if (n >= 3) return { band: 'ci95', note: `${what}: 95 % Student-t interval of the mean over N = ${n} repetitions` };
  if (n === 2) return { band: 'min-max', note: `${what}: min–max of N = 2 repetitions (too few for a 95 % interval)` };
  return { band: undefined, note: `N = 1 repetition per point: no ${what}` };
}

/**
 * Versions whose value (or fragment) bytes each server holds at the end of a run. ABD and bft-signed
 * servers keep the newest version only; PoWerStore and M-PoWerStore keep fragments of the newest
 * `retain` versions (protocols/common/powerstore/server.ts), so exactly `retain` once a run wrote at
 * least that many versions (none in flight at the end). Null where that is not known: another
 * protocol, or fewer measured writes than `retain` (warm-up writes are not counted in the rows).
 */
export function versionsKept(row: CsvRow, config: Readonly<Record<string, unknown>> | undefined): number | null {
  const protocol = PROTOCOLS[String(row['protocol'])];
  if (protocol === undefined) return null;
  // Protocols with a `retain` option (CAS, PoWerStore, M-PoWerStore) keep that many versions; the
  // others (full replication) keep one.
  const configured = (config?.['protocol'] as { options?: unknown } | undefined)?.options;
  const swept = typeof row['retain'] === 'number' ? { retain: row['retain'] } : {};
  const parsed = protocol.optionsSchema.safeParse({ ...(configured as object | undefined), ...swept });
  if (parsed.success !== true) return null;
  const retain = (parsed.data as { retain?: unknown }).retain;
  if (retain === undefined) return 1;
  if (typeof retain !== 'number') return null;
  const writes = ['count', 'failed', 'pending'].reduce((sum, column) => sum + (typeof row[column] === 'number' ? (row[column] as number) : 0), 0);
  return writes >= retain ? retain : null;
}

/** Write rows with `versionsKept` and `storageBlowupPerVersion` (storage blow-up ÷ versions kept). */
export function storagePerVersionRows(points: readonly CsvRow[], config: Readonly<Record<string, unknown>> | undefined): CsvRow[] {
  return points
    .filter((row) => row['op'] === 'write')
    .map((row) => {
      const kept = versionsKept(row, config);
      const blowup = row['storageBlowup'];
      return { ...row, versionsKept: kept, storageBlowupPerVersion: kept !== null && typeof blowup === 'number' ? blowup / kept : null };
    })
    .filter((row) => row.storageBlowupPerVersion !== null);
}

function filterRows(rows: readonly CsvRow[], where: ChartRequest['where']): CsvRow[] {
  if (where === undefined) return [...rows];
  return rows.filter((row) => Object.entries(where).every(([k, v]) => row[k] === v));
}

function fmt(value: unknown, digits = 3): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(digits)));
}

function describeWhere(where: ChartRequest['where']): string {
  if (where === undefined) return '';
  return Object.entries(where)
    .map(([k, v]) => (k === 'valueBytes' && typeof v === 'number' ? `value ${formatBytes(v)}` : `${k} = ${String(v)}`))
    .join(', ');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1048576) return `${fmt(bytes / 1048576)} MiB`;
  if (bytes >= 1024) return `${fmt(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

const METRIC_TITLES: Readonly<Record<string, string>> = {
  latencyMsMean: 'Mean latency (ms)',
  latencyMsP50: 'Median latency (ms)',
  latencyMsP99: 'p99 latency (ms)',
  latencyMsP999: 'p99.9 latency (ms)',
  opThroughputOpsPerS: 'Throughput (ops/s)',
  throughputOpsPerS: 'Throughput, all ops (ops/s)',
};

/**
 * Rows of the attack table: one per (protocol, strategy), from the write and read rows of each
 * point; `skipped` are (protocol, strategy) pairs that could not run (strategy not defined for the
 * protocol), drawn as "n/a".
 */
export function attackRows(points: readonly CsvRow[], skipped: readonly { protocol: string; strategy: string; reason: string }[]): CsvRow[] {
  const cells = new Map<string, { write?: CsvRow; read?: CsvRow }>();
  for (const row of points) {
    const key = `${String(row['protocol'])}\u0000${String(row['strategy'])}`;
    const cell = cells.get(key) ?? {};
    if (row['op'] === 'write') cell.write = row;
    else if (row['op'] === 'read') cell.read = row;
    cells.set(key, cell);
  }
  const out: CsvRow[] = [];
  for (const [key, cell] of cells) {
    const [protocol, strategy] = key.split('\u0000') as [string, string];
    const any = (cell.write ?? cell.read)!;
    const reps = Number(any['repetitions']);
    const violations = Number(any['violations']);
    const outcome = String(any['outcome']);
    const pending = Number(cell.write?.['pending'] ?? 0) + Number(cell.read?.['pending'] ?? 0);
    out.push({
      protocol,
      strategy,
      outcome,
      verdict: String(any['verdict']),
      runs: reps,
      violations,
      writeRoundsMean: (cell.write?.['roundsMean'] as number | undefined) ?? null,
      readRoundsMean: (cell.read?.['roundsMean'] as number | undefined) ?? null,
      writeP99Ms: (cell.write?.['latencyMsP99'] as number | undefined) ?? null,
      readP99Ms: (cell.read?.['latencyMsP99'] as number | undefined) ?? null,
      pendingOpsMean: pending,
      verdictLabel: outcome === 'ok' ? `ok in ${reps}/${reps} runs` : outcome === 'unknown' ? `unknown in some of ${reps} runs` : `violation in ${violations}/${reps} runs`,
      roundsLabel: `rounds w ${fmt(cell.write?.['roundsMean'])} · r ${fmt(cell.read?.['roundsMean'])}`,
      p99Label: `p99 w ${fmt(cell.write?.['latencyMsP99'])} · r ${fmt(cell.read?.['latencyMsP99'])} ms`,
    });
  }
  for (const s of skipped) {
    out.push({
      protocol: s.protocol,
      strategy: s.strategy,
      outcome: 'n/a',
      verdict: null,
      runs: 0,
      violations: 0,
      writeRoundsMean: null,
      readRoundsMean: null,
      writeP99Ms: null,
      readP99Ms: null,
      pendingOpsMean: null,
      verdictLabel: 'not applicable',
      roundsLabel: s.reason.length > 28 ? `${s.reason.slice(0, 27)}…` : s.reason,
      p99Label: '',
    });
  }
  const protocols = orderProtocols(out.map((r) => String(r['protocol'])));
  return out.sort((a, b) => protocols.indexOf(String(a['protocol'])) - protocols.indexOf(String(b['protocol'])));
}

/** Builds the chart of one request from the experiment's rows. */
export function buildChart(request: ChartRequest, inputs: ChartInputs, attack: readonly CsvRow[]): ChartDef {
  const name = request.name ?? request.kind;
  const csv = `${name}.csv`;
  const where = describeWhere(request.where);
  const subtitle = where === '' ? inputs.subtitle : `${inputs.subtitle}; ${where}`;
  const points = filterRows(inputs.points, request.where);
  const metric = request.metric ?? 'latencyMsMean';
  const metricTitle = METRIC_TITLES[metric] ?? metric;
  const clientsX = request.x ?? 'clients';
  const clientsTitle = {
    clients: 'Clients (readers + writers, log₂ scale)',
    readers: 'Readers (plus one writer), log₂ scale',
    writers: 'Writers (no readers), log₂ scale',
  }[clientsX];
  const { band, note } = bandFor(points);
  const banded = `${subtitle}; ${note}`;
  switch (request.kind) {
    case 'latency-vs-size':
      return lineChart(points, {
        name, csv, subtitle: banded,
        title: request.title ?? 'Latency vs value size',
        x: 'valueBytes', xTitle: 'Value size (log scale)', xScale: 'log', xBytes: true,
        y: metric, yTitle: `${metricTitle}, log scale`, yScale: 'log', band, facet: 'op',
      });
    case 'latency-vs-t':
      return lineChart(points, {
        name, csv, subtitle: banded,
        title: request.title ?? 'Latency vs number of tolerated faults t',
        x: 't', xTitle: 't (ABD: n = 2t+1; others: n = 3t+1)',
        y: metric, yTitle: metricTitle, band, facet: 'op',
      });
    case 'throughput-vs-clients':
      return lineChart(points, {
        name, csv, subtitle: banded,
        title: request.title ?? 'Throughput vs clients (closed loop)',
        x: clientsX, xTitle: clientsTitle, xScale: 'log2',
        y: request.metric ?? 'opThroughputOpsPerS', yTitle: METRIC_TITLES[request.metric ?? 'opThroughputOpsPerS'] ?? 'ops/s', band, facet: 'op',
      });
    case 'latency-vs-clients':
      return lineChart(points, {
        name, csv, subtitle: banded,
        title: request.title ?? 'Latency vs clients (closed loop)',
        x: clientsX, xTitle: clientsTitle, xScale: 'log2',
        y: metric, yTitle: metricTitle, band, facet: 'op',
      });
    case 'latency-vs-bandwidth':
      return lineChart(points, {
        name, csv, subtitle: banded,
        title: request.title ?? 'Latency vs link bandwidth',
        x: 'bandwidthMBps', xTitle: 'Per-link bandwidth (MB/s, log scale)', xScale: 'log',
        y: metric, yTitle: `${metricTitle}, log scale`, yScale: 'log', band, facet: 'op',
      });
    case 'latency-by-network': {
      const bars = bandFor(points, 'error bars');
      return groupedPointChart(points, {
        name, csv, subtitle: `${subtitle}; ${bars.note}`,
        title: request.title ?? 'Latency by network preset',
        x: 'network', xTitle: 'Network preset', xSort: ['lan', 'dc', 'regional', 'wan', 'global'],
        // Log scale: lan (≈1 ms) and wan (≈300 ms) are both readable; points, since a bar's length means nothing there.
        y: metric, yTitle: `${metricTitle}, log scale`, yScale: 'log', band: bars.band, facet: 'op',
      });
    }
    case 'latency-cdf':
      return latencyCdfChart(filterRows(inputs.cdf, request.where), {
        name, csv, subtitle: `${subtitle}; percentiles averaged over repetitions`,
        title: request.title ?? 'Latency distribution (CDF)',
      });
    case 'cost-bytes':
    case 'cost-cpu':
    case 'cost-storage':
    case 'cost-storage-per-version':
      return buildCostChart(request.kind, request, { name, csv, subtitle }, points, inputs);
    case 'attack-table':
      return attackTableChart(attack, { name, csv, subtitle, title: request.title ?? 'Under attack: one Byzantine server per run' });
    case 'relative-vs-size': {
      const baseline = request.baseline ?? 'abd';
      return relativeBarChart(points, {
        name, csv, subtitle,
        title: request.title ?? `${metricTitle.replace(/ \(.*\)$/, '')} relative to ${baseline}, by value size`,
        x: 'valueBytes', xTitle: 'Value size', xBytes: true,
        y: metric, yLabel: metricTitle.replace(/ \(.*\)$/, ''), baseline, facet: 'op',
      });
    }
    case 'sim-vs-real': {
      const rows = predictedVsMeasuredRows(simVsRealRows(points, inputs.cores ?? 1).rows);
      return predictedVsMeasuredChart(rows, {
        name, csv, subtitle: `${subtitle}; one point per protocol, t, value size, clients and op kind; dashed: predicted = measured`,
        title: request.title ?? 'Simulator against the real engine: predicted vs measured',
        metrics: PREDICTED_METRICS,
      });
    }
  }
}

/** The cost charts: bytes per operation, CPU time per primitive, storage blow-up (per version). */
function buildCostChart(
  kind: 'cost-bytes' | 'cost-cpu' | 'cost-storage' | 'cost-storage-per-version',
  request: ChartRequest,
  { name, csv, subtitle }: { name: string; csv: string; subtitle: string },
  points: readonly CsvRow[],
  inputs: ChartInputs,
): ChartDef {
  switch (kind) {
    case 'cost-bytes':
      return stackedCostChart(points, {
        name, csv, subtitle,
        title: request.title ?? 'Bytes on the wire per operation',
        components: [
          { field: 'clientToServerBytesPerOp', label: 'client → servers' },
          { field: 'serverToClientBytesPerOp', label: 'servers → client' },
        ],
        componentTitle: 'Direction', yTitle: 'Bytes per operation (KiB)', scale: 1 / 1024, facet: 'op',
      });
    case 'cost-cpu':
      return stackedCostChart(points, {
        name, csv, subtitle: `${subtitle}; all nodes, cost profile`,
        title: request.title ?? 'CPU time per operation, by primitive',
        components: PRIMITIVES.map((p) => ({ field: cpuColumn(p), label: p })),
        componentTitle: 'Primitive', yTitle: 'CPU time per operation (µs)', scale: 1e-3, facet: 'op',
      });
    case 'cost-storage':
      return protocolBarChart(
        points.filter((r) => r['op'] === 'write'),
        {
          name, csv, subtitle: `${subtitle}; every version each server still holds at the end of the run`,
          title: request.title ?? 'Storage blow-up at the end of the run',
          y: 'storageBlowup', yTitle: 'Bytes stored on all servers ÷ value size', format: '.3~r',
        },
      );
    case 'cost-storage-per-version': {
      const rows = storagePerVersionRows(points, inputs.config);
      const kept = rows.map((r) => `${String(r['protocol'])} ${String(r['versionsKept'])}`).join(', ');
      return protocolBarChart(rows, {
        name, csv,
        subtitle: `${subtitle}; end-of-run storage ÷ versions each server keeps (${kept}); metadata of older versions included`,
        title: request.title ?? 'Storage blow-up per stored version',
        y: 'storageBlowupPerVersion', yTitle: 'Bytes stored on all servers ÷ value size, per version', format: '.3~r',
      });
    }
  }
}
