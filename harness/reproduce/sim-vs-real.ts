/**
 * @module Experiment 9, the simulator against the real engine: every simulated point is paired with
 * the real-engine point of the same protocol, t, value size and clients, and for each op kind the
 * prediction's relative error is computed, `(simulated − measured) / measured`, for the median and
 * p99 latency and the throughput. The goal (docs/cost-model.md, "Simulator against the real
 * engine"): the median within 10 % at every row, the throughput within 15 % at 90 % of the rows.
 *
 * A row that misses gets a cause drawn from the figures themselves: how many processes the real
 * point keeps on how many cores, and how much CPU the simulator predicts (the simulator gives every
 * node a CPU of its own, the machine shares its cores between all of them).
 */
import type { CsvRow } from '../results/csv.ts';

/** The error table's file in the experiment's folder (the chart's own data is `<chart>.csv`). */
export const SIM_VS_REAL_FILE = 'sim-vs-real-errors.csv';

/** The goal of the validation: relative tolerances, and the share of rows the throughput must meet. */
export const SIM_VS_REAL_GOAL = { p50Tolerance: 0.1, throughputTolerance: 0.15, throughputShare: 0.9 } as const;

/** Columns that identify a point apart from its engine. */
const POINT_COLUMNS = ['protocol', 't', 'valueBytes', 'clients'] as const;
const OPS = ['write', 'read'] as const;

function numberOf(row: CsvRow | undefined, column: string): number | null {
  const value = row?.[column];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** `(predicted − measured) / measured`; null when either is missing or the measured value is 0. */
export function relativeError(predicted: number | null, measured: number | null): number | null {
  if (predicted === null || measured === null || measured === 0) return null;
  return (predicted - measured) / measured;
}

/** Both checks pass: false if either fails, null (unknown) if either is unknown and none fails. */
function both(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

function within(error: number | null, tolerance: number): boolean | null {
  return error === null ? null : Math.abs(error) <= tolerance + 1e-12;
}

/**
 * The simulated CPU busy time per second of the run, summed over every node, in cores: what the
 * point asks of the machine's processors if the prediction were right. Summed over the op kinds of
 * the point's simulated rows (each row's CPU per op times its op throughput).
 */
export function predictedCpuCores(simRows: readonly CsvRow[]): number {
  let ns = 0;
  for (const row of simRows) ns += (numberOf(row, 'cpuNsPerOpTotal') ?? 0) * (numberOf(row, 'opThroughputOpsPerS') ?? 0);
  return ns / 1e9;
}

/** Why a point missed its goal, from its figures; '' when it met both. */
export function missCause(point: {
  readonly p50Ok: boolean | null;
  readonly throughputOk: boolean | null;
  /** The p50 error of the point's worse op kind. */
  readonly p50Error: number | null;
  readonly processes: number;
  readonly cores: number;
  readonly predictedCpuCores: number;
  /** The machine's 1-minute load average when the experiment started (other jobs' load), when known. */
  readonly loadAverage?: number;
}): string {
  if (point.p50Ok !== false && point.throughputOk !== false) return '';
  const parts: string[] = [];
  if (point.loadAverage !== undefined && point.loadAverage >= point.cores) {
    parts.push(`the machine was loaded (1-minute load average ${point.loadAverage} on ${point.cores} cores when the experiment started): the real engine waited for the CPU time other jobs took`);
  }
  if (point.processes > point.cores) {
    parts.push(`${point.processes} processes (n servers and the clients' process) share ${point.cores} cores, while the simulator gives every node a CPU of its own`);
  }
  if (point.predictedCpuCores >= 0.25 * point.cores) {
    parts.push(`CPU-bound: the prediction keeps ${point.predictedCpuCores.toFixed(2)} cores busy, so queueing for the shared cores adds what the per-node model leaves out`);
  } else if (point.p50Error !== null && point.p50Error < 0) {
    parts.push(`not CPU-bound (prediction: ${point.predictedCpuCores.toFixed(2)} cores busy): the gap is per-message work of the real engine (event loop, TCP, the emulated-delay timers) beyond the profile's message term, and waiting for a core behind other processes`);
  } else {
    parts.push('the simulator charges more than the real engine spends here (profile terms above this run\'s own costs)');
  }
  return parts.join('; ');
}

export interface SimVsRealSummary {
  /** Points that ran on both engines. */
  readonly points: number;
  /** Points whose p50 (every op kind) is within the tolerance. */
  readonly p50Within: number;
  readonly p99Within: number;
  readonly throughputWithin: number;
  /** The goal: every point's p50 within its tolerance, and the throughput at the required share of points. */
  readonly p50GoalMet: boolean;
  readonly throughputGoalMet: boolean;
  /** Points that ran on one engine only, by id. */
  readonly unpaired: readonly string[];
}

/**
 * One row per (protocol, t, value size, clients) that ran on both engines, in the order of the
 * simulated points: per op kind the simulated and measured p50 and p99 and their errors, and the
 * throughput of all operations (a closed-loop client that mixes reads and writes draws its mix per
 * engine, so a per-kind throughput would compare different mixes). `cores` is the machine's core
 * count (the real points ran there), `loadAverage` its 1-minute load average when they started (other jobs' load).
 */
export function simVsRealRows(points: readonly CsvRow[], cores: number, loadAverage?: number): { rows: CsvRow[]; summary: SimVsRealSummary } {
  const keyOf = (row: CsvRow) => POINT_COLUMNS.map((c) => String(row[c])).join('\u0000');
  const group = (engine: string) => {
    const byPoint = new Map<string, CsvRow[]>();
    for (const row of points.filter((r) => (r['engine'] ?? 'sim') === engine)) byPoint.set(keyOf(row), [...(byPoint.get(keyOf(row)) ?? []), row]);
    return byPoint;
  };
  const sim = group('sim');
  const real = group('real');
  const rows: CsvRow[] = [];
  for (const [key, simRows] of sim) {
    const realRows = real.get(key);
    if (realRows === undefined) continue;
    const first = simRows[0]!;
    const n = numberOf(first, 'n') ?? 0;
    const row: CsvRow = { protocol: first['protocol'] ?? null, t: first['t'] ?? null, n, valueBytes: first['valueBytes'] ?? null, clients: first['clients'] ?? null };
    const p50Errors: number[] = [];
    let p50Ok = true as boolean | null;
    let p99Ok = true as boolean | null;
    for (const op of OPS) {
      const s = simRows.find((r) => r['op'] === op);
      const r = realRows.find((x) => x['op'] === op);
      if (s === undefined && r === undefined) continue;
      for (const [metric, column] of [['P50', 'latencyMsP50'], ['P99', 'latencyMsP99']] as const) {
        const predicted = numberOf(s, column);
        const measured = numberOf(r, column);
        const error = relativeError(predicted, measured);
        row[`${op}Sim${metric}Ms`] = predicted;
        row[`${op}Real${metric}Ms`] = measured;
        row[`${op}${metric}Error`] = error;
        const ok = within(error, SIM_VS_REAL_GOAL.p50Tolerance);
        if (metric === 'P50') {
          if (error !== null) p50Errors.push(error);
          p50Ok = both(p50Ok, ok);
        } else {
          p99Ok = both(p99Ok, ok);
        }
      }
    }
    const simOpsPerS = numberOf(first, 'throughputOpsPerS');
    const realOpsPerS = numberOf(realRows[0], 'throughputOpsPerS');
    const throughputError = relativeError(simOpsPerS, realOpsPerS);
    const throughputOk = within(throughputError, SIM_VS_REAL_GOAL.throughputTolerance);
    const cpu = predictedCpuCores(simRows);
    // The real engine runs every server in its own process and the clients in the harness's.
    const processes = n + 1;
    const worstP50 = p50Errors.length === 0 ? null : p50Errors.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
    const measuredOps = (group: readonly CsvRow[]) => group.reduce((sum, r) => sum + (numberOf(r, 'count') ?? 0), 0);
    Object.assign(row, {
      simOps: measuredOps(simRows),
      realOps: measuredOps(realRows),
      simOpsPerS,
      realOpsPerS,
      throughputError,
      p50Ok,
      p99Ok,
      throughputOk,
      processes,
      cores,
      predictedCpuCores: Number(cpu.toFixed(4)),
      cause: missCause({ p50Ok, throughputOk, p50Error: worstP50, processes, cores, predictedCpuCores: cpu, ...(loadAverage === undefined ? {} : { loadAverage }) }),
    });
    rows.push(row);
  }
  const unpaired = [...new Set(points.filter((p) => !(sim.has(keyOf(p)) && real.has(keyOf(p)))).map((p) => String(p['point'])))];
  const count = (column: string) => rows.filter((r) => r[column] === true).length;
  const summary: SimVsRealSummary = {
    points: rows.length,
    p50Within: count('p50Ok'),
    p99Within: count('p99Ok'),
    throughputWithin: count('throughputOk'),
    p50GoalMet: rows.length > 0 && count('p50Ok') === rows.length,
    throughputGoalMet: rows.length > 0 && count('throughputOk') >= SIM_VS_REAL_GOAL.throughputShare * rows.length,
    unpaired,
  };
  return { rows, summary };
}

/** The rows of the predicted-against-measured chart: one per (point, metric, op kind), long form. */
export function predictedVsMeasuredRows(rows: readonly CsvRow[]): CsvRow[] {
  const out: CsvRow[] = [];
  const push = (row: CsvRow, metric: string, op: string, predicted: unknown, measured: unknown, error: unknown) => {
    if (typeof predicted !== 'number' || typeof measured !== 'number' || predicted <= 0 || measured <= 0) return;
    out.push({
      metric,
      protocol: row['protocol'] ?? null,
      t: row['t'] ?? null,
      valueBytes: row['valueBytes'] ?? null,
      clients: row['clients'] ?? null,
      op,
      predicted,
      measured,
      relativeError: typeof error === 'number' ? error : null,
    });
  };
  for (const row of rows) {
    for (const op of OPS) {
      push(row, PREDICTED_METRICS[0], op, row[`${op}SimP50Ms`], row[`${op}RealP50Ms`], row[`${op}P50Error`]);
      push(row, PREDICTED_METRICS[1], op, row[`${op}SimP99Ms`], row[`${op}RealP99Ms`], row[`${op}P99Error`]);
    }
    push(row, PREDICTED_METRICS[2], 'all', row['simOpsPerS'], row['realOpsPerS'], row['throughputError']);
  }
  return out;
}

/** The panels of the predicted-against-measured chart, in order. */
export const PREDICTED_METRICS = ['p50 latency (ms)', 'p99 latency (ms)', 'throughput, all ops (ops/s)'] as const;
