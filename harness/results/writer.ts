/**
 * @module Writing an experiment's outputs under results/<name>/: runs.csv, summary.json,
 * latency.csv and history/<run-id>.jsonl. Every file goes to a temporary name first and is renamed
 * into place, so a reader never sees a half-written file.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryRecord } from '../history/types.ts';
import { toCsv } from './csv.ts';
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

/** JSON with object keys sorted (recursively), so equal data always serializes to equal bytes. */
export function stableStringify(value: unknown, indent = 2): string {
  const sortKeys = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sortKeys);
    if (item !== null && typeof item === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(item).sort()) out[key] = sortKeys((item as Record<string, unknown>)[key]);
      return out;
    }
    return item;
  };
  return JSON.stringify(sortKeys(value), null, indent);
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

/** Writes everything under `dir` (created if needed); returns the paths written. */
export function writeExperiment(dir: string, outputs: ExperimentOutputs): string[] {
  mkdirSync(join(dir, 'history'), { recursive: true });
  const written: string[] = [];
  const put = (path: string, data: string) => {
    writeFileAtomic(path, data);
    written.push(path);
  };
  for (const [runId, history] of outputs.histories) put(join(dir, 'history', historyFileName(runId)), historyJsonl(history));
  for (const [runId, html] of outputs.timelines ?? []) put(join(dir, 'history', timelineFileName(runId)), html);
  put(join(dir, 'latency.csv'), latencyCsv(outputs.latency));
  put(join(dir, 'runs.csv'), runsCsv(outputs.summary));
  put(join(dir, 'summary.json'), stableStringify(outputs.summary) + '\n');
  return written;
}

export type { RunResult };
