/**
 * @module The metrics `compare` looks at, with their direction (which way is better) and whether
 * they are wall-clock figures (noisy in the real engine, exact in the simulator with a fixed cost
 * profile, where a run is a pure function of (config, seed): docs/ci/README.md).
 *
 * Metrics without a direction (rejected-message counts, the rounds histogram) are left out: a change
 * in them is neither better nor worse, and the verdict set is only same | better | worse | new | missing.
 */
import type { OpKind, OpStats, RunResult, Verdict } from '../results/schema.ts';

export type Direction = 'lower-is-better' | 'higher-is-better';
export type MetricClass = 'exact' | 'noisy';

export interface NumericMetric {
  readonly name: string;
  readonly direction: Direction;
  /** Measured on a clock: noisy when the engine is `real`. */
  readonly wallClock: boolean;
}

export interface OpMetric extends NumericMetric {
  value(stats: OpStats): number | null;
}

export interface RunMetric extends NumericMetric {
  value(run: RunResult): number | null;
}

const lower = 'lower-is-better' as const;
const higher = 'higher-is-better' as const;

const LATENCY_FIELDS = ['mean', 'p50', 'p90', 'p99', 'p999', 'max'] as const;

/** Op-kind metrics in table order; cpuNsPerOp.<primitive> rows are added per primitive present. */
export const OP_METRICS: readonly OpMetric[] = [
  { name: 'failed', direction: lower, wallClock: false, value: (s) => s.failed },
  { name: 'pending', direction: lower, wallClock: false, value: (s) => s.pending },
  { name: 'rounds.mean', direction: lower, wallClock: false, value: (s) => s.rounds.mean },
  { name: 'rounds.max', direction: lower, wallClock: false, value: (s) => s.rounds.max },
  { name: 'retries', direction: lower, wallClock: false, value: (s) => s.retries },
  { name: 'messagesPerOp', direction: lower, wallClock: false, value: (s) => s.messagesPerOp },
  { name: 'bytesPerOp', direction: lower, wallClock: false, value: (s) => s.bytesPerOp },
  { name: 'clientToServerBytesPerOp', direction: lower, wallClock: false, value: (s) => s.clientToServerBytesPerOp },
  { name: 'serverToClientBytesPerOp', direction: lower, wallClock: false, value: (s) => s.serverToClientBytesPerOp },
  ...LATENCY_FIELDS.map((field): OpMetric => ({ name: `latencyMs.${field}`, direction: lower, wallClock: true, value: (s) => s.latencyMs[field] })),
];

/** CPU per primitive is charged by the cost model in the simulator, measured (noisy) in the real engine. */
export function cpuMetric(primitive: string): OpMetric {
  return { name: `cpuNsPerOp.${primitive}`, direction: lower, wallClock: true, value: (s) => s.cpuNsPerOp[primitive] ?? null };
}

export const CPU_TOTAL_METRIC: OpMetric = {
  name: 'cpuNsPerOp.total',
  direction: lower,
  wallClock: true,
  value: (s) => {
    const values = Object.values(s.cpuNsPerOp);
    if (values.some((v) => v === null || v === undefined)) return null;
    return values.reduce((a, b) => a + b, 0);
  },
};

export const RUN_METRICS: readonly RunMetric[] = [
  // Completed operations over all kinds, not per kind: with a fixed operation count, the read/write
  // split of a closed loop shifts with timing, while a drop of the total means operations failed or
  // hung (or, for a duration-bound workload, fewer fitted in). Clock-bound in the real engine.
  {
    name: 'completedOps',
    direction: higher,
    wallClock: true,
    value: (r) => Object.values(r.ops).reduce((sum, stats) => sum + (stats?.count ?? 0), 0),
  },
  { name: 'throughputOpsPerS', direction: higher, wallClock: true, value: (r) => r.throughputOpsPerS },
  { name: 'storageBytesPerServer.total', direction: lower, wallClock: false, value: (r) => r.storageBytesPerServer.reduce((a, b) => a + b, 0) },
  { name: 'storageBytesPerServer.max', direction: lower, wallClock: false, value: (r) => (r.storageBytesPerServer.length === 0 ? 0 : Math.max(...r.storageBytesPerServer)) },
];

/** The pseudo-metrics of the table: the checker's verdict, and presence rows. */
export const VERDICT_METRIC = 'verdict';
export const PRESENCE_METRICS = ['run', 'op', 'repetitions'] as const;

/** Every fixed metric name (tolerance keys are checked against these and their dotted prefixes). */
export function knownMetricNames(): string[] {
  return [...OP_METRICS.map((m) => m.name), CPU_TOTAL_METRIC.name, ...RUN_METRICS.map((m) => m.name)];
}

/** Prefixes that name a group of metrics (`latencyMs`, `rounds`, `cpuNsPerOp`, ...). */
export function knownMetricGroups(): string[] {
  const groups = new Set<string>(['cpuNsPerOp']);
  for (const name of knownMetricNames()) {
    const dot = name.indexOf('.');
    if (dot > 0) groups.add(name.slice(0, dot));
  }
  return [...groups];
}

export function metricClass(metric: NumericMetric, engine: 'sim' | 'real'): MetricClass {
  return metric.wallClock && engine === 'real' ? 'noisy' : 'exact';
}

/**
 * Rank of a checker verdict, lower = better. For a run that expects a violation (faults beyond the
 * protocol's tolerance, e.g. the Appendix A strawman), the violation is the point of the run, so
 * losing it ranks worse; `unknown` (checker timed out) is between the two either way.
 */
export function verdictRank(verdict: Verdict, expectViolation: boolean): number {
  switch (verdict) {
    case 'ok':
      return expectViolation ? 2 : 0;
    case 'unknown':
      return 1;
    case 'violation':
      return expectViolation ? 0 : 2;
  }
}

export const OP_KINDS: readonly OpKind[] = ['write', 'read'];
