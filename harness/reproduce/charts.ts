/**
 * @module The chart kinds a paper config can ask for (`report.charts`), each built from the
 * experiment's rows. Every chart gets its own CSV (`<chart>.csv`, exactly the rows it draws), so a
 * reader can check any chart against its data.
 */
import type { CsvRow } from '../results/csv.ts';
import {
  attackTableChart,
  groupedBarChart,
  latencyCdfChart,
  lineChart,
  protocolBarChart,
  stackedCostChart,
  type ChartDef,
} from '../charts/specs.ts';
import { orderProtocols } from '../charts/theme.ts';
import { PRIMITIVES } from '../cost/profile.ts';
import { ConfigError } from '../config/errors.ts';
import { cpuColumn } from '../sweep/aggregate.ts';

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
  'attack-table',
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
  switch (request.kind) {
    case 'latency-vs-size':
      return lineChart(points, {
        name, csv, subtitle,
        title: 'Latency vs value size',
        x: 'valueBytes', xTitle: 'Value size (log scale)', xScale: 'log', xBytes: true,
        y: metric, yTitle: `${metricTitle}, log scale`, yScale: 'log', band: true, facet: 'op',
      });
    case 'latency-vs-t':
      return lineChart(points, {
        name, csv, subtitle,
        title: 'Latency vs number of tolerated faults t',
        x: 't', xTitle: 't (ABD: n = 2t+1; others: n = 3t+1)',
        y: metric, yTitle: metricTitle, band: true, facet: 'op',
      });
    case 'throughput-vs-clients':
      return lineChart(points, {
        name, csv, subtitle,
        title: 'Throughput vs clients (closed loop)',
        x: clientsX, xTitle: clientsTitle, xScale: 'log2',
        y: request.metric ?? 'opThroughputOpsPerS', yTitle: METRIC_TITLES[request.metric ?? 'opThroughputOpsPerS'] ?? 'ops/s', band: true, facet: 'op',
      });
    case 'latency-vs-clients':
      return lineChart(points, {
        name, csv, subtitle,
        title: 'Latency vs clients (closed loop)',
        x: clientsX, xTitle: clientsTitle, xScale: 'log2',
        y: metric, yTitle: metricTitle, band: true, facet: 'op',
      });
    case 'latency-vs-bandwidth':
      return lineChart(points, {
        name, csv, subtitle,
        title: 'Latency vs link bandwidth',
        x: 'bandwidthMBps', xTitle: 'Per-link bandwidth (MB/s, log scale)', xScale: 'log',
        y: metric, yTitle: `${metricTitle}, log scale`, yScale: 'log', band: true, facet: 'op',
      });
    case 'latency-by-network':
      return groupedBarChart(points, {
        name, csv, subtitle,
        title: 'Latency by network preset',
        x: 'network', xTitle: 'Network preset', xSort: ['lan', 'dc', 'regional', 'wan', 'global'],
        // Log scale: lan (≈1 ms) and wan (≈300 ms) bars are both readable.
        y: metric, yTitle: `${metricTitle}, log scale`, yScale: 'log', band: true, facet: 'op',
      });
    case 'latency-cdf':
      return latencyCdfChart(filterRows(inputs.cdf, request.where), {
        name, csv, subtitle: `${subtitle}; percentiles averaged over repetitions`,
        title: 'Latency distribution (CDF)',
      });
    case 'cost-bytes':
      return stackedCostChart(points, {
        name, csv, subtitle,
        title: 'Bytes on the wire per operation',
        components: [
          { field: 'clientToServerBytesPerOp', label: 'client → servers' },
          { field: 'serverToClientBytesPerOp', label: 'servers → client' },
        ],
        componentTitle: 'Direction', yTitle: 'Bytes per operation (KiB)', scale: 1 / 1024, facet: 'op',
      });
    case 'cost-cpu':
      return stackedCostChart(points, {
        name, csv, subtitle: `${subtitle}; all nodes, cost profile`,
        title: 'CPU time per operation, by primitive',
        components: PRIMITIVES.map((p) => ({ field: cpuColumn(p), label: p })),
        componentTitle: 'Primitive', yTitle: 'CPU time per operation (µs)', scale: 1e-3, facet: 'op',
      });
    case 'cost-storage':
      return protocolBarChart(
        points.filter((r) => r['op'] === 'write'),
        {
          name, csv, subtitle,
          title: 'Storage blow-up',
          y: 'storageBlowup', yTitle: 'Bytes stored on all servers ÷ value size', format: '.3~r',
        },
      );
    case 'attack-table':
      return attackTableChart(attack, { name, csv, subtitle, title: 'Under attack: one Byzantine server per run' });
  }
}
