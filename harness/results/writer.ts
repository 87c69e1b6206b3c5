/**
 * @module Writing an experiment's outputs under results/<name>/: runs.csv, summary.json,
 * latency.csv and history/<run-id>.jsonl. They are written into a staging folder and moved into
 * place together (./staging.ts), so a reader never sees a half-written result.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryRecord } from '../history/types.ts';
import { toCsv } from './csv.ts';
import { withConfigDigest } from './digest.ts';
import { stableStringify } from './stable-json.ts';
import { stageFolder } from './staging.ts';

export { stableStringify } from './stable-json.ts';
import { RUNS_CSV_COLUMNS, type ExperimentSummary, type OpKind, type RunResult } from './schema.ts';

/**
 * Writes `data` to `path` through a temp file in the same folder and a rename, so that no reader
 * ever sees half a file. The one atomic write of the project: every output goes through it.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/** runs.csv: one row per (run, op kind), the fixed columns of RUNS_CSV_COLUMNS, then extra params (sorted). */
export function runsCsv(summary: ExperimentSummary): string {
  const fixed = new Set<string>(RUNS_CSV_COLUMNS);
  const extra = [...new Set(summary.runs.flatMap((run) => Object.keys(run.params)))].filter((key) => !fixed.has(key)).sort();
  const rows: Record<string, unknown>[] = [];
  for (const run of summary.runs) {
    for (const kind of ['read', 'write'] as const) {
      const op = run.ops[kind];
      if (op === undefined) continue;
      const row: Record<string, unknown> = {
        experiment: summary.name,
        run: run.id,
        repetition: run.repetition,
        seed: run.seed,
        ...run.params,
        op: kind,
        count: op.count,
        latencyMsMean: op.latencyMs.mean,
        latencyMsP50: op.latencyMs.p50,
        latencyMsP90: op.latencyMs.p90,
        latencyMsP99: op.latencyMs.p99,
        latencyMsP999: op.latencyMs.p999,
        latencyMsMax: op.latencyMs.max,
        roundsMean: op.rounds.mean,
        roundsMax: op.rounds.max,
        retries: op.retries,
        messagesPerOp: op.messagesPerOp,
        bytesPerOp: op.bytesPerOp,
        throughputOpsPerS: run.throughputOpsPerS,
        backgroundMessages: run.backgroundMessages,
        backgroundBytes: run.backgroundBytes,
        backgroundCpuNs: run.backgroundCpuNs,
        verdict: run.verdict,
      };
      rows.push(row);
    }
  }
  return toCsv([...RUNS_CSV_COLUMNS, ...extra], rows);
}

export function historyJsonl(history: readonly HistoryRecord[]): string {
  let out = '';
  for (const record of history) {
    out += JSON.stringify({
      client: record.client,
      op: record.op,
      key: record.key,
      value: record.value,
      call: record.call,
      return: record.return,
      status: record.status,
      rounds: record.rounds,
    });
    out += '\n';
  }
  return out;
}

export type LatencyPercentiles = Readonly<Partial<Record<OpKind, readonly { percentile: number; latencyMs: number }[]>>>;

/** latency.csv: the latency CDF of every run and op kind (from the HdrHistogram). */
export function latencyCsv(runs: readonly { id: string; percentiles: LatencyPercentiles }[]): string {
  const rows: Record<string, unknown>[] = [];
  for (const run of runs) {
    for (const kind of ['read', 'write'] as const) {
      for (const point of run.percentiles[kind] ?? []) rows.push({ run: run.id, op: kind, percentile: point.percentile, latencyMs: point.latencyMs });
    }
  }
  return toCsv(['run', 'op', 'percentile', 'latencyMs'], rows);
}

/** A run id as a file name: anything but letters, digits and `=,._-` becomes `_`. */
export function historyFileName(runId: string): string {
  return `${runId.replace(/[^A-Za-z0-9=,._-]/g, '_')}.jsonl`;
}

export interface ExperimentOutputs {
  readonly summary: ExperimentSummary;
  readonly histories: ReadonlyMap<string, readonly HistoryRecord[]>;
  readonly latency: readonly { id: string; percentiles: LatencyPercentiles }[];
  /** The checker's HTML timeline of each run whose history is not linearizable, by run id. */
  readonly timelines?: ReadonlyMap<string, string>;
}

/** The timeline file written next to a violating run's history. */
export function timelineFileName(runId: string): string {
  return historyFileName(runId).replace(/\.jsonl$/, '.violation.html');
}

/**
 * What a run writes into its folder: replaced at every write, so none of an earlier run's stays
 * beside the new ones (`trace/` only for a traced run). Other entries (a sweep's charts) are kept.
 */
const EXPERIMENT_ENTRIES = ['history', 'trace', 'latency.csv', 'runs.csv', 'summary.json'] as const;

/**
 * Writes everything under `dir` (created if needed), with whatever `alsoWrite` puts into the staging
 * folder (a traced run's trace/ and violation diagrams); returns the paths written, sorted. The files go
 * to a staging folder beside `dir` first and are moved into place at the end (history/ as a whole),
 * so an interrupted or failed write leaves neither half the files nor an empty history/.
 */
export function writeExperiment(dir: string, outputs: ExperimentOutputs, alsoWrite?: (stagingDir: string) => void): string[] {
  const staged = stageFolder(dir, { owned: [...EXPERIMENT_ENTRIES] });
  try {
    mkdirSync(join(staged.path, 'history'));
    alsoWrite?.(staged.path);
    const put = (path: string, data: string) => writeFileSync(join(staged.path, path), data);
    for (const [runId, history] of outputs.histories) put(join('history', historyFileName(runId)), historyJsonl(history));
    for (const [runId, html] of outputs.timelines ?? []) put(join('history', timelineFileName(runId)), html);
    put('latency.csv', latencyCsv(outputs.latency));
    put('runs.csv', runsCsv(outputs.summary));
    put('summary.json', stableStringify(withConfigDigest(outputs.summary)) + '\n');
    return staged.commit();
  } finally {
    staged.discard();
  }
}

export type { RunResult };
