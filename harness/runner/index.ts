/**
 * @module The runner API: `runExperiment` runs every run of an experiment (judging each history with
 * the linearizability checker) and optionally writes the outputs; `runOnce` runs one.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { checkHistory, renderTimelineHtml, type Excerpt } from '../checker/index.ts';
import { resolveExperiment, type ResolvedExperiment, type ResolvedRun } from '../config/resolve.ts';
import type { ExperimentConfig } from '../config/schema.ts';
import type { HistoryRecord } from '../history/types.ts';
import { SUMMARY_SCHEMA_VERSION, type ExperimentSummary, type RunResult, type Verdict } from '../results/schema.ts';
import { writeExperiment, type LatencyPercentiles } from '../results/writer.ts';
import { runOnce, type RunOnceOptions, type RunOnceOutput } from './run-once.ts';
import { writeTraces, type TracedRunOutput } from '../trace/outputs.ts';

export { runOnce, type RunOnceOptions, type RunOnceOutput } from './run-once.ts';
export type { Engine, EngineContext, EngineFactory, EngineRunOutcome } from '../transport/engine.ts';
export { ENGINES } from './engines.ts';

export interface ExperimentProgress {
  /** 0-based index of the run in progress, and the number of runs. */
  readonly run: number;
  readonly runs: number;
  readonly runId: string;
  /** Operations completed in this run, and the total to issue (NaN/Infinity when bounded by time). */
  readonly completed: number;
  readonly total: number;
}

export interface RunExperimentOptions {
  /** Replaces the config's seed (run i uses seed + i). */
  readonly seed?: number;
  /** Write runs.csv, summary.json, latency.csv and history/ here. */
  readonly outDir?: string;
  readonly onProgress?: (progress: ExperimentProgress) => void;
  /** Checker time limit per run, ms. @default 60000 */
  readonly checkerTimeoutMs?: number;
  /** Override the engine (tests). */
  readonly engine?: RunOnceOptions['engine'];
}

export interface ExperimentResult {
  readonly summary: ExperimentSummary;
  readonly histories: ReadonlyMap<string, readonly HistoryRecord[]>;
  /** Runs within tolerance (expectViolation false) whose history the checker rejected. */
  readonly unexpectedViolations: readonly string[];
  /** Paths written (when outDir was given). */
  readonly written: readonly string[];
}

/**
 * Judges a run's history. The checker decides per key; 'unknown' means it ran out of time. On a
 * violation, the history is checked again with an excerpt (the offending operations) for the
 * timeline; the common, linearizable case pays nothing for it.
 */
async function verdictOf(history: readonly HistoryRecord[], timeoutMs: number): Promise<{ verdict: Verdict; keyVerdicts?: Record<string, Verdict>; timeline?: string; excerpt?: Excerpt }> {
  const result = await checkHistory(history, { timeoutMs, excerpt: false });
  if (result.verdict === 'ok') return { verdict: result.verdict };
  const keyVerdicts: Record<string, Verdict> = {};
  for (const key of result.perKey) if (key.verdict !== 'ok') keyVerdicts[key.key] = key.verdict;
  if (result.verdict !== 'violation') return { verdict: result.verdict, keyVerdicts };
  const detailed = await checkHistory(history, { timeoutMs, excerpt: true });
  return { verdict: result.verdict, keyVerdicts, timeline: renderTimelineHtml(history, detailed), ...(detailed.excerpt === undefined ? {} : { excerpt: detailed.excerpt }) };
}

/** Run metadata: the same on the same checkout and machine (no wall-clock time, for determinism). */
export function runMeta(): Record<string, string | number> {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Not a git checkout (e.g. an unpacked tarball): leave it unknown.
  }
  return { gitCommit: commit, node: process.version, platform: `${process.platform}-${process.arch}`, cpu: cpus()[0]?.model ?? 'unknown', cpuCount: cpus().length, glibcTunables: process.env['GLIBC_TUNABLES'] ?? '' };
}

/**
 * Runs an experiment: each resolved run in order, each history checked. With `outDir`, writes the
 * outputs there. Same config and seed (engine sim) ⇒ byte-identical summary.json.
 */
export async function runExperiment(experiment: ExperimentConfig | ResolvedExperiment, options: RunExperimentOptions = {}): Promise<ExperimentResult> {
  let resolved: ResolvedExperiment = 'runs' in experiment ? experiment : resolveExperiment(experiment);
  if (options.seed !== undefined && resolved.config.swarm !== undefined) {
    // A swarm config draws its faults, network and workload from the seed when it is resolved, so
    // another seed means resolving again (relative paths in it resolve against the working directory).
    resolved = resolveExperiment({ ...resolved.config, seed: options.seed });
  } else if (options.seed !== undefined) {
    // Same rule as the config's own seed: repetition i runs with seed + i.
    const seed = options.seed;
    const config = { ...resolved.config, seed };
    resolved = { config, runs: resolved.runs.map((run) => ({ ...run, config, seed: seed + run.repetition })) };
  }
  const config = resolved.config;
  const runs: RunResult[] = [];
  const histories = new Map<string, readonly HistoryRecord[]>();
  const latency: { id: string; percentiles: LatencyPercentiles }[] = [];
  const unexpectedViolations: string[] = [];
  const timelines = new Map<string, string>();
  const traces = new Map<string, TracedRunOutput>();
  for (let i = 0; i < resolved.runs.length; i++) {
    const run: ResolvedRun = resolved.runs[i]!;
    const onProgress = options.onProgress;
    const output: RunOnceOutput = await runOnce(run, run.seed, {
      ...(options.engine ? { engine: options.engine } : {}),
      ...(onProgress ? { onProgress: (completed: number, total: number) => onProgress({ run: i, runs: resolved.runs.length, runId: run.id, completed, total }) } : {}),
    });
    const { verdict, keyVerdicts, timeline, excerpt } = await verdictOf(output.history, options.checkerTimeoutMs ?? 60_000);
    if (timeline !== undefined) timelines.set(run.id, timeline);
    if (output.trace !== undefined) traces.set(run.id, { trace: output.trace, ...(excerpt === undefined ? {} : { excerpt }) });
    if (verdict === 'violation' && !run.expectViolation) unexpectedViolations.push(run.id);
    runs.push({
      ...output.result,
      verdict,
      ...(keyVerdicts === undefined ? {} : { keyVerdicts }),
      ...(output.outcome === 'time-limit' ? { timeLimitReachedAtMs: output.endMs } : {}),
    });
    histories.set(run.id, output.history);
    latency.push({ id: run.id, percentiles: output.latencyPercentiles });
  }
  const first = resolved.runs[0];
  const summary: ExperimentSummary = {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    name: config.name,
    engine: config.engine,
    seed: config.seed,
    config,
    costProfile: first?.costProfile ?? { name: 'zero', hash: z(), hmac: z(), sign: z(), verify: z(), encode: z(), decode: z(), message: z() },
    meta: runMeta(),
    runs,
  };
  const written =
    options.outDir !== undefined ? writeExperiment(options.outDir, { summary, histories, latency, timelines }, (staging) => writeTraces(staging, traces)) : [];
  return { summary, histories, unexpectedViolations, written };
}

function z() {
  return { nsPerOp: 0, nsPerByte: 0 };
}
