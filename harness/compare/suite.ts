/**
 * @module Suites for regression CI: a named list of experiment configs run together, and the
 * committed baseline of a suite (one `<experiment>/summary.json` per config, nothing else).
 *
 * A suite file (e.g. configs/ci/quick.yaml) is YAML:
 *   suite: ci-quick                  # name (letters, digits, . _ -)
 *   description: ...                 # optional
 *   experiments: [quick-abd.yaml, …] # experiment configs, paths relative to the suite file
 * A plain experiment config given where a suite is expected is a suite of that one experiment, so
 * `baseline check --suite configs/paper/01-latency-vs-size.yaml` also works.
 *
 * Why a list of configs rather than one config with a protocol sweep: each experiment keeps its own
 * name and folder, so adding a protocol to the suite adds one `new` experiment to the comparison
 * without renaming anything already in the baseline, and the suite runs with or without sweep support.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatIssue } from '../config/errors.ts';
import { ConfigError, loadExperiment, readRawConfigFile, type ResolvedExperiment } from '../config/index.ts';
import { loadPlugins } from '../config/plugins.ts';
import type { ExperimentSummary } from '../results/schema.ts';
import { withConfigDigest } from '../results/digest.ts';
import { stableStringify } from '../results/writer.ts';
import { runExperiment } from '../runner/index.ts';
import { compareResults, type Comparison } from './compare.ts';
import { CompareInputError, loadResultSet, resultSetOf, type ResultSet } from './load.ts';
import { writeFileAtomic } from './format.ts';

const nameSchema = z.string().regex(/^[A-Za-z0-9._-]+$/, { error: 'must be letters, digits, dot, dash or underscore' });

const suiteSchema = z.strictObject({
  suite: nameSchema,
  description: z.string().optional(),
  experiments: z.array(z.string().min(1)).min(1, { error: 'must list at least one config' }),
});

export interface Suite {
  readonly name: string;
  readonly path: string;
  /** Absolute paths of the experiment configs, in suite order. */
  readonly experiments: readonly string[];
}

/** Reads a suite file, or a single experiment config as a one-experiment suite. */
export function loadSuite(path: string): Suite {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'cannot read file' : `not valid YAML: ${String((error as Error).message).split('\n')[0]}`;
    throw new CompareInputError(`${path}: ${reason}`);
  }
  if (data === null || typeof data !== 'object' || !('suite' in data)) {
    const name = data !== null && typeof data === 'object' && typeof (data as { name?: unknown }).name === 'string' ? (data as { name: string }).name : 'suite';
    return { name, path, experiments: [resolve(path)] };
  }
  const parsed = suiteSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new CompareInputError(`${path}: ${formatIssue(parsed.error.issues[0]!)}`);
  const experiments = parsed.data.experiments.map((file, i) => {
    const full = resolve(dirname(path), file);
    if (!existsSync(full)) throw new CompareInputError(`${path}: experiments[${i}]: no such config ${JSON.stringify(file)}`);
    return full;
  });
  return { name: parsed.data.suite, path, experiments };
}

export interface RunSuiteOptions {
  /** Write each experiment's full outputs to `outDir/<experiment>/`. */
  readonly outDir?: string;
  /** One line per experiment (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

/** Loads and validates every config of a suite (config errors are bad input, naming the file). */
function loadSuiteExperiments(suite: Suite): { path: string; experiment: ResolvedExperiment }[] {
  const experiments = suite.experiments.map((path) => {
    try {
      return { path, experiment: loadExperiment(path) };
    } catch (error) {
      if (error instanceof ConfigError) throw new CompareInputError(`${path}: ${error.message}`);
      throw error;
    }
  });
  const seen = new Map<string, string>();
  for (const { path, experiment } of experiments) {
    const earlier = seen.get(experiment.config.name);
    if (earlier !== undefined) throw new CompareInputError(`${path}: name: ${JSON.stringify(experiment.config.name)} is also the name of ${earlier}`);
    seen.set(experiment.config.name, path);
  }
  return experiments;
}

/** The experiment names of a suite, in suite order. */
export function suiteExperimentNames(suite: Suite): string[] {
  return loadSuiteExperiments(suite).map(({ experiment }) => experiment.config.name);
}

/** Loads the protocol plugins the suite's configs name (config/plugins.ts), before they are resolved. */
export async function loadSuitePlugins(suite: Suite): Promise<void> {
  for (const path of suite.experiments) {
    try {
      await loadPlugins(readRawConfigFile(path), dirname(path));
    } catch (error) {
      if (error instanceof ConfigError) throw new CompareInputError(`${path}: ${error.message}`);
      throw error;
    }
  }
}

/** Runs every experiment of a suite in order; config errors are bad input (ConfigError). */
export async function runSuite(suite: Suite, options: RunSuiteOptions = {}): Promise<ExperimentSummary[]> {
  await loadSuitePlugins(suite);
  // Load every config first, so a typo in the last one fails before minutes of running.
  const experiments = loadSuiteExperiments(suite);
  const summaries: ExperimentSummary[] = [];
  for (const [i, { experiment }] of experiments.entries()) {
    const name = experiment.config.name;
    const started = process.hrtime.bigint();
    const result = await runExperiment(experiment, options.outDir === undefined ? {} : { outDir: join(options.outDir, name) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    options.log?.(`suite ${suite.name}: ${name} (${i + 1}/${experiments.length}) ${result.summary.runs.length} run(s) in ${seconds.toFixed(1)} s`);
    summaries.push(result.summary);
  }
  return summaries;
}

/** The text of a committed baseline file: the runner's stable serialisation (sorted keys), with the config digest. */
export function baselineText(summary: ExperimentSummary): string {
  return `${stableStringify(withConfigDigest(summary))}\n`;
}

/**
 * What a baseline file measures: the summary without `meta` (git commit, Node version, CPU: they
 * change with every commit or machine, not with the results) and without the config digest (derived
 * from the config, which is compared itself; older files do not have it).
 */
function measuredContent(summary: unknown): string {
  if (summary === null || typeof summary !== 'object') return stableStringify(summary);
  const { meta: _meta, configDigest: _digest, ...measured } = summary as Record<string, unknown>;
  return stableStringify(measured);
}

/** Whether `path` already holds a summary with the same measured content as `summary`. */
function sameMeasuredContent(path: string, summary: ExperimentSummary): boolean {
  let old: unknown;
  try {
    old = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return false; // missing or unreadable: (re)write it
  }
  return measuredContent(old) === measuredContent(summary);
}

export interface BaselineWrite {
  /** Experiments whose summary.json was written (new, or its measured content changed). */
  readonly written: readonly string[];
  /** Experiments left as they were: only `meta` (e.g. the git commit) would have changed. */
  readonly unchanged: readonly string[];
  /** Experiments removed (no longer in the suite). */
  readonly removed: readonly string[];
}

/**
 * Replaces the baseline in `dir` by `summaries`: each `<name>/summary.json` whose measured content
 * changed is written through a temp file and a rename (a file where only `meta` would change is left
 * alone, so a baseline update does not rewrite every file on every commit); folders of experiments
 * no longer in the suite are removed (only folders that hold nothing but a summary.json, so a
 * mistyped --baseline cannot wipe unrelated results).
 */
export function writeBaseline(dir: string, summaries: readonly ExperimentSummary[]): BaselineWrite {
  mkdirSync(dir, { recursive: true });
  const keep = new Set(summaries.map((s) => s.name));
  const removed: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || keep.has(entry.name)) continue;
    const folder = join(dir, entry.name);
    const files = readdirSync(folder);
    if (files.length === 1 && files[0] === 'summary.json') {
      rmSync(folder, { recursive: true });
      removed.push(entry.name);
    }
  }
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const summary of summaries) {
    const folder = join(dir, summary.name);
    const file = join(folder, 'summary.json');
    if (sameMeasuredContent(file, summary)) {
      unchanged.push(summary.name);
      continue;
    }
    mkdirSync(folder, { recursive: true });
    writeFileAtomic(file, baselineText(summary));
    written.push(summary.name);
  }
  return { written, unchanged, removed: removed.sort() };
}


export interface BaselineUpdate {
  /** The old baseline against the new one (changed rows are what the update accepts); none if there was no usable old baseline. */
  readonly comparison: Comparison | undefined;
  /** Why the old baseline could not be compared, when it could not. */
  readonly previousProblem: string | undefined;
  /** Experiments whose summary.json was written. */
  readonly written: readonly string[];
  /** Experiments whose file was left as it was (no measured change). */
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Rewrites the baseline of `suite` in `dir` with `fresh` (a fresh run, or results given with
 * `--from`). The new baseline holds exactly the suite's experiments: results of other experiments
 * are ignored, and a suite experiment missing from `fresh` is bad input (rather than silently
 * dropping its baseline).
 */
export function updateBaseline(suite: Suite, dir: string, fresh: ResultSet): BaselineUpdate {
  const names = suiteExperimentNames(suite);
  const byName = new Map(fresh.summaries.map((s) => [s.summary.name, s.summary]));
  const summaries = names.map((name) => {
    const summary = byName.get(name);
    if (summary === undefined) throw new CompareInputError(`${fresh.source}: no results of experiment ${JSON.stringify(name)} of suite ${suite.name}`);
    return summary;
  });
  const accepted = resultSetOf(fresh.source, summaries);
  let comparison: Comparison | undefined;
  let previousProblem: string | undefined;
  try {
    comparison = compareResults(loadResultSet(dir), accepted, { allowMissing: true });
  } catch (error) {
    // No or an unreadable old baseline must not block writing a good one.
    if (!(error instanceof CompareInputError)) throw error;
    previousProblem = error.message;
  }
  const { written, unchanged, removed } = writeBaseline(dir, summaries);
  return { comparison, previousProblem, written, unchanged, removed };
}
