/**
 * @module Loading the two sides of a comparison: a `summary.json`, a results folder holding one, or
 * a folder of results folders (a suite of several experiments, e.g. `results/baselines/ci-quick/`).
 *
 * Every summary is validated against the results contract (harness/results/schema.ts) before any
 * comparison, so a truncated or foreign file is bad input (exit 2, one line naming file and field)
 * rather than a misleading table. Fields the comparison does not read are not checked, and unknown
 * extra fields are allowed, so a newer runner that only adds fields stays comparable.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { formatIssue } from '../config/errors.ts';
import { InputError } from '../input-error.ts';
import { SUMMARY_SCHEMA_VERSION, type ExperimentSummary, type RunResult } from '../results/schema.ts';

/** Bad input to `compare` or `baseline`: the CLI prints the message and exits with code 2. */
export class CompareInputError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'CompareInputError';
  }
}

/** Metric values may be null where a writer had nothing to measure (JSON has no NaN). */
const metric = (): z.ZodNullable<z.ZodNumber> => z.number().nullable();
const count = (): z.ZodNumber => z.number().int().min(0);

const latencySchema = z.object({ mean: metric(), p50: metric(), p90: metric(), p99: metric(), p999: metric(), max: metric() });

const opStatsSchema = z.object({
  count: count(),
  failed: count(),
  pending: count(),
  latencyMs: latencySchema,
  rounds: z.object({ mean: metric(), max: metric(), histogram: z.record(z.string(), z.number()).optional() }),
  retries: metric(),
  messagesPerOp: metric(),
  bytesPerOp: metric(),
  clientToServerBytesPerOp: metric(),
  serverToClientBytesPerOp: metric(),
  cpuNsPerOp: z.record(z.string(), metric()),
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const runSchema = z.object({
  id: z.string().min(1),
  params: z.record(z.string(), scalar),
  seed: z.number(),
  repetition: count(),
  verdict: z.enum(['ok', 'violation', 'unknown']),
  expectViolation: z.boolean(),
  ops: z.object({ read: opStatsSchema.optional(), write: opStatsSchema.optional() }),
  throughputOpsPerS: metric(),
  durationMs: metric(),
  storageBytesPerServer: z.array(z.number()),
  codec: z.string(),
  crypto: z.string(),
});

const summarySchema = z.object({
  schemaVersion: z.literal(SUMMARY_SCHEMA_VERSION),
  name: z.string().min(1),
  engine: z.enum(['sim', 'real']),
  seed: z.number(),
  costProfile: z.object({ name: z.string() }).loose(),
  meta: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  runs: z.array(runSchema),
});

/** One loaded summary and where it came from (for messages and the table's experiment column). */
export interface LoadedSummary {
  readonly path: string;
  readonly summary: ExperimentSummary;
}

/** One side of a comparison: every summary found under the path given on the command line. */
export interface ResultSet {
  /** The path as given. */
  readonly source: string;
  readonly summaries: readonly LoadedSummary[];
}

/** Parses and validates one summary.json; `label` names the file in errors. */
export function parseSummary(text: string, label: string): ExperimentSummary {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CompareInputError(`${label}: not valid JSON: ${String((error as Error).message).split('\n')[0]}`);
  }
  const parsed = summarySchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new CompareInputError(`${label}: ${formatIssue(parsed.error.issues[0]!)}`);
  // The validated shape covers every field compare reads; the rest is carried through unchecked.
  return data as ExperimentSummary;
}

export function readSummaryFile(path: string): ExperimentSummary {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CompareInputError(`${path}: cannot read file`);
  }
  return parseSummary(text, path);
}

/** Folders below `dir` (depth ≤ 3) that hold a summary.json, sorted by path for a stable order. */
function findSummaryFiles(dir: string, depth: number): string[] {
  const direct = join(dir, 'summary.json');
  if (existsSync(direct)) return [direct];
  if (depth === 0) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.isDirectory()) found.push(...findSummaryFiles(join(dir, entry.name), depth - 1));
  }
  return found;
}

/**
 * Loads `path`: a summary.json file, a results folder with one, or a folder whose subfolders (up to
 * three levels) hold them. Two simulated summaries of one experiment name in one set are ambiguous
 * (bad input); real-engine ones are merged.
 */
export function loadResultSet(path: string): ResultSet {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new CompareInputError(`${path}: no such file or folder`);
  }
  const files = stats.isDirectory() ? findSummaryFiles(path, 3) : [path];
  if (files.length === 0) throw new CompareInputError(`${path}: no summary.json in this folder or its subfolders`);
  const summaries = files.map((file) => ({ path: file, summary: readSummaryFile(file) }));
  return { source: path, summaries: mergeRealEngineSummaries(summaries) };
}

function checkUniqueNames(summaries: readonly LoadedSummary[]): void {
  const byName = new Map<string, string>();
  for (const { path: file, summary } of summaries) {
    const earlier = byName.get(summary.name);
    if (earlier !== undefined) throw new CompareInputError(`${file}: name: experiment ${JSON.stringify(summary.name)} is also in ${earlier}`);
    byName.set(summary.name, file);
  }
}

/**
 * Several real-engine summaries of one experiment in one set (e.g. `base/1/real-abd/`,
 * `base/2/real-abd/`) are merged: their runs become repetitions of one summary, renumbered in file
 * order. This is what interleaved measurement needs (base, head, base, head, … on one machine, so that
 * a change of load hits both sides alike; docs/ci/README.md). Simulated summaries are never merged:
 * their repetitions are paired with the baseline's by seed, so a duplicate name is ambiguous input.
 */
function mergeRealEngineSummaries(summaries: readonly LoadedSummary[]): LoadedSummary[] {
  const groups = new Map<string, LoadedSummary[]>();
  for (const loaded of summaries) {
    const group = groups.get(loaded.summary.name);
    if (group === undefined) groups.set(loaded.summary.name, [loaded]);
    else group.push(loaded);
  }
  const out: LoadedSummary[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    if (group.length === 1) {
      out.push(first);
      continue;
    }
    const sim = group.find((g) => g.summary.engine !== 'real');
    if (sim !== undefined) {
      const other = sim === first ? group[1]! : first;
      throw new CompareInputError(`${sim.path}: name: experiment ${JSON.stringify(sim.summary.name)} is also in ${other.path} (only real-engine results of one experiment are merged)`);
    }
    const nextRepetition = new Map<string, number>();
    const runs: RunResult[] = [];
    for (const { summary } of group) {
      for (const run of summary.runs) {
        const suffix = `#${run.repetition}`;
        const key = run.id.endsWith(suffix) ? run.id.slice(0, -suffix.length) : run.id;
        const repetition = nextRepetition.get(key) ?? 0;
        nextRepetition.set(key, repetition + 1);
        runs.push({ ...run, id: `${key}#${repetition}`, repetition });
      }
    }
    out.push({ path: group.map((g) => g.path).join(' + '), summary: { ...first.summary, runs } });
  }
  checkUniqueNames(out);
  return out;
}

/** A result set from summaries already in memory (tests, `baseline update` after a fresh run). */
export function resultSetOf(source: string, summaries: readonly ExperimentSummary[]): ResultSet {
  const loaded = summaries.map((summary) => ({ path: `${source}/${summary.name}`, summary }));
  checkUniqueNames(loaded);
  return { source, summaries: loaded };
}
