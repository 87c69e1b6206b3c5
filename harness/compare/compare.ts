/**
 * @module Comparing two result sets (baseline, current): one row per metric per (experiment, run,
 * op kind), each with baseline, current, ratio and a verdict `same | better | worse | new | missing`
 * (docs/evaluation.md#regression-ci, docs/ci/README.md).
 *
 * Matching: experiments by name; runs by id without the `#repetition` suffix (the runner names a run
 * `<point id>#<repetition>`, so all repetitions of a sweep point share a key); then op kind.
 *
 * Two classes of metric (metrics.ts):
 * - exact: everything of the simulator (a run is a pure function of config and seed, and the fixed
 *   cost profile makes simulated latencies machine-independent), and the counts (rounds, messages,
 *   bytes, storage, verdicts) of the real engine. Default tolerance 0.
 * - noisy: wall-clock figures of the real engine (latencies, throughput, CPU). Default tolerance 0.1.
 *
 * Two rules, chosen by the engine:
 * - simulator: repetitions are paired by index (same seed, a replay); a row is worse when any pair
 *   got worse by more than the tolerance, better when some pair improved and none got worse. The row
 *   shows the means over the paired repetitions.
 * - real engine: the ratio of medians over all repetitions with a seeded bootstrap interval
 *   (stats.ts): worse only when the interval lies wholly beyond 1 + tolerance in the bad direction,
 *   better when wholly beyond 1 − tolerance in the good one, else same. The checker verdict is
 *   compared per repetition in both engines (any violation in any repetition is worse).
 *
 * Exit status: 1 when a row is `worse`, or `missing` (a run, op kind or repetition of the baseline
 * that the current results lack: a suite that silently loses a run must not pass) unless
 * `allowMissing`; `new` rows never fail.
 */
import type { ExperimentSummary, OpKind, OpStats, RunResult } from '../results/schema.ts';
import { configDigest, digestedConfig } from '../results/digest.ts';
import { stableStringify } from '../results/writer.ts';
import { CompareInputError, type ResultSet } from './load.ts';
import {
  CPU_TOTAL_METRIC,
  OP_KINDS,
  OP_METRICS,
  RUN_METRICS,
  VERDICT_METRIC,
  cpuMetric,
  metricClass,
  verdictRank,
  type Direction,
  type MetricClass,
  type NumericMetric,
  type OpMetric,
} from './metrics.ts';
import { bootstrapMedianRatio, ratioOf } from './stats.ts';
import { fnv1a32 } from '../fnv1a.ts';
import { DEFAULT_TOLERANCES, toleranceFor, type Tolerances } from './tolerance.ts';

export type RowVerdict = 'same' | 'better' | 'worse' | 'new' | 'missing';
export const ROW_VERDICTS: readonly RowVerdict[] = ['worse', 'missing', 'better', 'new', 'same'];

export interface ComparisonRow {
  readonly experiment: string;
  /** Run key: the run id without its `#repetition` suffix. */
  readonly run: string;
  /** Op kind for op metrics, null for run-level rows. */
  readonly op: OpKind | null;
  readonly metric: string;
  /** null for presence rows and the verdict row. */
  readonly metricClass: MetricClass | null;
  readonly direction: Direction | null;
  /** Mean over paired repetitions (exact), median (noisy), a verdict string, or a count. */
  readonly baseline: number | string | null;
  readonly current: number | string | null;
  /** current / baseline of the displayed values; null when not numeric. */
  readonly ratio: number | null;
  readonly verdict: RowVerdict;
  /** Tolerance applied to this row (relative), null where none applies. */
  readonly tolerance: number | null;
  /** E.g. the bootstrap interval of a noisy row, or which repetition got worse. */
  readonly note: string;
}

export interface Comparison {
  readonly baselineSource: string;
  readonly currentSource: string;
  readonly rows: readonly ComparisonRow[];
  /** Things that make the comparison doubtful without making it impossible (e.g. another cost profile). */
  readonly warnings: readonly string[];
  readonly counts: Readonly<Record<RowVerdict, number>>;
  /** 0: nothing got worse; 1: a regression (or a missing run, unless allowed). */
  readonly exitCode: 0 | 1;
  readonly tolerances: Tolerances;
}

export interface CompareOptions {
  readonly tolerances?: Tolerances;
  /** Do not fail on runs, op kinds or repetitions that the current results lack. @default false */
  readonly allowMissing?: boolean;
  /** Bootstrap resamples for noisy rows. @default 2000 */
  readonly resamples?: number;
}

/** Values within a relative 1e-9 are equal: absorbs float noise of derived means, nothing real. */
const FLOAT_EPSILON = 1e-9;

/** The run key: id without a trailing `#<repetition>`. */
export function runKey(run: RunResult): string {
  const suffix = `#${run.repetition}`;
  return run.id.endsWith(suffix) ? run.id.slice(0, -suffix.length) : run.id;
}

interface RunGroup {
  readonly key: string;
  /** By repetition. */
  readonly reps: ReadonlyMap<number, RunResult>;
}

function groupRuns(summary: ExperimentSummary, side: string): Map<string, RunGroup> {
  const groups = new Map<string, Map<number, RunResult>>();
  summary.runs.forEach((run, i) => {
    const key = runKey(run);
    let reps = groups.get(key);
    if (reps === undefined) groups.set(key, (reps = new Map()));
    if (reps.has(run.repetition)) {
      throw new CompareInputError(`${side}: experiment ${JSON.stringify(summary.name)}: runs[${i}].id: run ${JSON.stringify(key)} repetition ${run.repetition} appears twice`);
    }
    reps.set(run.repetition, run);
  });
  return new Map([...groups].map(([key, reps]) => [key, { key, reps }]));
}

/**
 * The engine a run ran on: a sweep over `engine` (the simulator against the real engine) puts both
 * in one experiment, whose summary names only its config's default engine, so a swept run's own
 * `engine` parameter decides which comparison rules its figures get.
 */
function runEngine(run: RunResult, experimentEngine: 'sim' | 'real'): 'sim' | 'real' {
  const swept = run.params['engine'];
  return swept === 'sim' || swept === 'real' ? swept : experimentEngine;
}

/** Verdict of one exact pair with relative tolerance `tol`. */
export function exactVerdict(baseline: number, current: number, direction: Direction, tol: number): 'same' | 'better' | 'worse' {
  const scale = Math.max(Math.abs(baseline), Math.abs(current));
  if (Math.abs(current - baseline) <= FLOAT_EPSILON * scale) return 'same';
  const slack = tol * Math.abs(baseline);
  const up = current > baseline + slack;
  const down = current < baseline - slack;
  if (!up && !down) return 'same';
  if (direction === 'lower-is-better') return up ? 'worse' : 'better';
  return down ? 'worse' : 'better';
}

/** Verdict of a noisy row from the interval [low, high] of current / baseline. */
export function noisyVerdict(low: number, high: number, direction: Direction, tol: number): 'same' | 'better' | 'worse' {
  const above = low > 1 + tol;
  const below = high < 1 - tol;
  if (direction === 'lower-is-better') return above ? 'worse' : below ? 'better' : 'same';
  return below ? 'worse' : above ? 'better' : 'same';
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function formatRatioShort(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : value > 0 ? '∞' : '-∞';
}

interface Context {
  readonly experiment: string;
  readonly engine: 'sim' | 'real';
  readonly tolerances: Tolerances;
  readonly resamples: number;
  readonly rows: ComparisonRow[];
}

/**
 * One numeric metric across the repetitions of a run (or of one op kind of it). `pick` returns the
 * value of one repetition, or undefined when that repetition lacks the op kind.
 */
function compareMetric(
  ctx: Context,
  run: string,
  op: OpKind | null,
  metric: NumericMetric,
  baseline: readonly RunResult[],
  current: readonly RunResult[],
  pick: (run: RunResult) => number | null | undefined,
): void {
  const cls = metricClass(metric, ctx.engine);
  const tol = toleranceFor(ctx.tolerances, metric.name, cls);
  const base = { experiment: ctx.experiment, run, op, metric: metric.name, metricClass: cls, direction: metric.direction, tolerance: tol };
  // In the real engine no repetition replays another (time decides), so pairing by index means
  // nothing, and even counted figures wobble: a run stops with the last operation's late replies
  // still in flight, so one repetition may count 11.985 messages per op instead of 12. Every real
  // metric therefore takes the median-and-bootstrap rule; the class still picks the tolerance, so an
  // extra message in every operation (the whole interval moves) fails at the exact tolerance of 0.
  if (cls === 'noisy' || ctx.engine === 'real') {
    const b = baseline.map(pick).filter((v): v is number => typeof v === 'number');
    const c = current.map(pick).filter((v): v is number => typeof v === 'number');
    if (b.length === 0 || c.length === 0) {
      if (b.length === 0 && c.length === 0) return;
      ctx.rows.push({ ...base, baseline: null, current: null, ratio: null, verdict: b.length === 0 ? 'new' : 'missing', note: 'no values on one side' });
      return;
    }
    const key = `${ctx.experiment}\u0000${run}\u0000${op ?? ''}\u0000${metric.name}`;
    const interval = bootstrapMedianRatio(b, c, fnv1a32(key), ctx.resamples);
    const verdict = noisyVerdict(interval.low, interval.high, metric.direction, tol);
    ctx.rows.push({
      ...base,
      baseline: interval.baselineMedian,
      current: interval.currentMedian,
      ratio: interval.ratio,
      verdict,
      note: `median of ${b.length}/${c.length} reps, 95% CI of ratio [${formatRatioShort(interval.low)}, ${formatRatioShort(interval.high)}]`,
    });
    return;
  }
  // Exact: pair repetitions by index (same seed in the simulator).
  const currentByRep = new Map(current.map((r) => [r.repetition, r]));
  const pairs: { rep: number; b: number; c: number }[] = [];
  let oneSided: 'new' | 'missing' | null = null;
  for (const b of baseline) {
    const c = currentByRep.get(b.repetition);
    if (c === undefined) continue;
    const bv = pick(b);
    const cv = pick(c);
    if (typeof bv === 'number' && typeof cv === 'number') pairs.push({ rep: b.repetition, b: bv, c: cv });
    else if (typeof bv === 'number') oneSided = 'missing';
    else if (typeof cv === 'number') oneSided ??= 'new';
  }
  if (pairs.length === 0) {
    if (oneSided !== null) ctx.rows.push({ ...base, baseline: null, current: null, ratio: null, verdict: oneSided, note: 'no value on one side' });
    return;
  }
  const verdicts = pairs.map((p) => exactVerdict(p.b, p.c, metric.direction, tol));
  const worseReps = pairs.filter((_, i) => verdicts[i] === 'worse').map((p) => p.rep);
  const betterReps = pairs.filter((_, i) => verdicts[i] === 'better').map((p) => p.rep);
  const verdict = worseReps.length > 0 ? 'worse' : betterReps.length > 0 ? 'better' : 'same';
  const bMean = mean(pairs.map((p) => p.b));
  const cMean = mean(pairs.map((p) => p.c));
  let note = '';
  if (pairs.length > 1) {
    note = `mean of ${pairs.length} paired reps`;
    if (worseReps.length > 0) note += `; worse in rep ${worseReps.join(', ')}`;
    else if (betterReps.length > 0) note += `; better in rep ${betterReps.join(', ')}`;
  }
  ctx.rows.push({ ...base, baseline: bMean, current: cMean, ratio: ratioOf(bMean, cMean), verdict, note });
}

function presenceRow(ctx: Context, run: string, op: OpKind | null, metric: string, verdict: 'new' | 'missing', baseline: number | null, current: number | null, note: string): void {
  ctx.rows.push({ experiment: ctx.experiment, run, op, metric, metricClass: null, direction: null, baseline, current, ratio: null, verdict, tolerance: null, note });
}

function compareVerdicts(ctx: Context, run: string, baseline: readonly RunResult[], current: readonly RunResult[]): void {
  const currentByRep = new Map(current.map((r) => [r.repetition, r]));
  let verdict: 'same' | 'better' | 'worse' = 'same';
  const changed: string[] = [];
  for (const b of baseline) {
    const c = currentByRep.get(b.repetition);
    if (c === undefined) continue;
    const rb = verdictRank(b.verdict, b.expectViolation);
    const rc = verdictRank(c.verdict, c.expectViolation);
    if (b.verdict !== c.verdict || b.expectViolation !== c.expectViolation) changed.push(`rep ${b.repetition}: ${b.verdict} → ${c.verdict}`);
    if (rc > rb) verdict = 'worse';
    else if (rc < rb && verdict === 'same') verdict = 'better';
  }
  const summarise = (runs: readonly RunResult[]) => [...new Set(runs.map((r) => r.verdict))].join('/');
  ctx.rows.push({
    experiment: ctx.experiment,
    run,
    op: null,
    metric: VERDICT_METRIC,
    metricClass: 'exact',
    direction: null,
    baseline: summarise(baseline),
    current: summarise(current),
    ratio: null,
    verdict,
    tolerance: null,
    note: [baseline[0]?.expectViolation ? 'violation expected' : '', ...changed].filter((s) => s !== '').join('; '),
  });
}

function opStats(run: RunResult, op: OpKind): OpStats | undefined {
  return run.ops[op];
}

function compareGroup(ctx: Context, b: RunGroup, c: RunGroup): void {
  const bRuns = [...b.reps.values()].sort((x, y) => x.repetition - y.repetition);
  const cRuns = [...c.reps.values()].sort((x, y) => x.repetition - y.repetition);
  const missingReps = bRuns.filter((r) => !c.reps.has(r.repetition)).map((r) => r.repetition);
  const newReps = cRuns.filter((r) => !b.reps.has(r.repetition)).map((r) => r.repetition);
  if (missingReps.length > 0) presenceRow(ctx, b.key, null, 'repetitions', 'missing', bRuns.length, cRuns.length, `baseline repetition ${missingReps.join(', ')} not in current`);
  else if (newReps.length > 0) presenceRow(ctx, b.key, null, 'repetitions', 'new', bRuns.length, cRuns.length, `current repetition ${newReps.join(', ')} not in baseline`);

  compareVerdicts(ctx, b.key, bRuns, cRuns);
  for (const metric of RUN_METRICS) compareMetric(ctx, b.key, null, metric, bRuns, cRuns, (r) => metric.value(r));

  for (const op of OP_KINDS) {
    const inBaseline = bRuns.some((r) => opStats(r, op) !== undefined);
    const inCurrent = cRuns.some((r) => opStats(r, op) !== undefined);
    if (!inBaseline && !inCurrent) continue;
    if (!inBaseline || !inCurrent) {
      presenceRow(ctx, b.key, op, 'op', inBaseline ? 'missing' : 'new', null, null, `no ${op} operations in the ${inBaseline ? 'current' : 'baseline'} results`);
      continue;
    }
    const primitives = new Set<string>();
    for (const r of [...bRuns, ...cRuns]) for (const p of Object.keys(opStats(r, op)?.cpuNsPerOp ?? {})) primitives.add(p);
    const metrics: OpMetric[] = [...OP_METRICS, ...[...primitives].map(cpuMetric), CPU_TOTAL_METRIC];
    for (const metric of metrics) {
      compareMetric(ctx, b.key, op, metric, bRuns, cRuns, (r) => {
        const stats = opStats(r, op);
        return stats === undefined ? undefined : metric.value(stats);
      });
    }
  }
}

/** Key order differs between a summary read from a file and one fresh from the runner. */
function costProfileKey(summary: ExperimentSummary): string {
  return stableStringify(summary.costProfile);
}

/** The digest a summary recorded, or (summaries written before it was recorded) the one of its config. */
function digestOf(summary: ExperimentSummary): string {
  return summary.configDigest ?? configDigest(summary.config);
}

function protocolOf(summary: ExperimentSummary): string {
  const protocol = (summary.config as { protocol?: { name?: unknown } } | null)?.protocol?.name;
  return protocol === undefined ? '?' : typeof protocol === 'string' ? protocol : JSON.stringify(protocol);
}

/**
 * One line when a same-named experiment changed its setup between the two sides (different config
 * digests, results/digest.ts): which top-level fields changed, the protocol spelt out. Its rows then
 * compare two different experiments, whatever their verdicts say.
 */
export function configChangeWarning(baseline: ExperimentSummary, current: ExperimentSummary): string | undefined {
  if (digestOf(baseline) === digestOf(current)) return undefined;
  const b = digestedConfig(baseline.config) as Record<string, unknown> | null;
  const c = digestedConfig(current.config) as Record<string, unknown> | null;
  const fields = [...new Set([...Object.keys(b ?? {}), ...Object.keys(c ?? {})])]
    .sort()
    .filter((key) => stableStringify(b?.[key] ?? null) !== stableStringify(c?.[key] ?? null))
    .map((key) => (key === 'protocol' && protocolOf(baseline) !== protocolOf(current) ? `protocol ${protocolOf(baseline)} → ${protocolOf(current)}` : key));
  return `${baseline.name}: the experiment's config changed between baseline and current (${fields.length > 0 ? fields.join(', ') : 'config digest'}): its rows compare two different setups`;
}

/** Compares `current` against `baseline`. Throws CompareInputError for incomparable inputs. */
export function compareResults(baseline: ResultSet, current: ResultSet, options: CompareOptions = {}): Comparison {
  const tolerances = options.tolerances ?? DEFAULT_TOLERANCES;
  const resamples = options.resamples ?? 2000;
  const rows: ComparisonRow[] = [];
  const warnings: string[] = [];
  const currentByName = new Map(current.summaries.map((s) => [s.summary.name, s]));
  const baselineNames = new Set(baseline.summaries.map((s) => s.summary.name));

  for (const { path: bPath, summary: b } of baseline.summaries) {
    const found = currentByName.get(b.name);
    const ctx: Context = { experiment: b.name, engine: b.engine, tolerances, resamples, rows };
    if (found === undefined) {
      for (const group of groupRuns(b, bPath).values()) presenceRow(ctx, group.key, null, 'run', 'missing', group.reps.size, null, 'experiment not in current results');
      continue;
    }
    const c = found.summary;
    if (c.engine !== b.engine) {
      throw new CompareInputError(`${found.path}: engine: ${JSON.stringify(c.engine)} cannot be compared with the baseline's ${JSON.stringify(b.engine)} (${bPath})`);
    }
    const changed = configChangeWarning(b, c);
    if (changed !== undefined) warnings.push(changed);
    if (b.engine === 'sim' && costProfileKey(b) !== costProfileKey(c)) {
      warnings.push(`${b.name}: cost profile differs (baseline ${JSON.stringify(b.costProfile.name)}, current ${JSON.stringify(c.costProfile.name)}): simulated latencies and CPU figures are not comparable`);
    }
    if (b.engine === 'sim' && b.seed !== c.seed) warnings.push(`${b.name}: seed differs (baseline ${b.seed}, current ${c.seed}): simulated runs are only comparable with the same seed`);
    const bGroups = groupRuns(b, bPath);
    const cGroups = groupRuns(c, found.path);
    for (const group of bGroups.values()) {
      const other = cGroups.get(group.key);
      if (other === undefined) {
        presenceRow(ctx, group.key, null, 'run', 'missing', group.reps.size, null, 'run not in current results');
        continue;
      }
      const bFirst = [...group.reps.values()][0]!;
      const cFirst = [...other.reps.values()][0]!;
      if (bFirst.codec !== cFirst.codec || bFirst.crypto !== cFirst.crypto) {
        warnings.push(`${b.name} ${group.key}: codec/crypto differ (baseline ${bFirst.codec}/${bFirst.crypto}, current ${cFirst.codec}/${cFirst.crypto})`);
      }
      compareGroup({ ...ctx, engine: runEngine(bFirst, b.engine) }, group, other);
    }
    for (const group of cGroups.values()) {
      if (!bGroups.has(group.key)) presenceRow(ctx, group.key, null, 'run', 'new', null, group.reps.size, 'run not in baseline');
    }
  }
  for (const { path: cPath, summary: c } of current.summaries) {
    if (baselineNames.has(c.name)) continue;
    const ctx: Context = { experiment: c.name, engine: c.engine, tolerances, resamples, rows };
    for (const group of groupRuns(c, cPath).values()) presenceRow(ctx, group.key, null, 'run', 'new', null, group.reps.size, 'experiment not in baseline');
  }

  const counts: Record<RowVerdict, number> = { same: 0, better: 0, worse: 0, new: 0, missing: 0 };
  for (const row of rows) counts[row.verdict]++;
  const failed = counts.worse > 0 || (counts.missing > 0 && options.allowMissing !== true);
  return { baselineSource: baseline.source, currentSource: current.source, rows, warnings, counts, exitCode: failed ? 1 : 0, tolerances };
}
