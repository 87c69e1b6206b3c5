/**
 * @module `quorumbench run` on a sweep config (lists in place of parameters, a `sweep:` block, or the
 * `quick:` / `report:` keys of configs/paper): every point is run as a plain config into
 * `<out>/points/<pNNN-id>/` (with the point's config.yaml, so `quorumbench run <that file>` replays
 * one point alone), then `<out>/runs.csv` and `<out>/points.csv` combine them, as `reproduce` does
 * for the paper's experiments (which also draws charts; `run` only writes the tables).
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { columnsOf, toCsv, type CsvRow } from '../../charts/csv.ts';
import { parseConfig, resolveExperiment, type ResolvedExperiment } from '../../config/index.ts';
import { writeFileAtomic } from '../../results/writer.ts';
import { runExperiment, type RunExperimentOptions } from '../../runner/index.ts';
import { pointRows, runColumns, runRows } from '../../sweep/aggregate.ts';
import { expandSweep, pointDirName, SWEEP_KEYS, type ExpandedSweep, type SweepPoint } from '../../sweep/expand.ts';

/** Whether a raw config is a sweep rather than a plain experiment. */
export function isSweepConfig(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return false;
  if (SWEEP_KEYS.some((key) => Object.hasOwn(raw, key))) return true;
  return expandSweep(raw).dimensions.length > 0;
}

export interface PlannedSweep {
  readonly name: string;
  readonly sweep: ExpandedSweep;
  /** Each point validated and resolved before anything runs (a bad point is a config error, exit 2). */
  readonly points: readonly { point: SweepPoint; experiment: ResolvedExperiment }[];
}

/**
 * A cost profile named by a relative path is made absolute, so that each point's config.yaml, written
 * elsewhere, still finds it when replayed.
 */
function withAbsoluteProfile(raw: Record<string, unknown>, configDir: string): Record<string, unknown> {
  const profile = raw['costProfile'];
  if (typeof profile !== 'string' || profile === 'zero' || profile === 'default' || isAbsolute(profile)) return raw;
  return { ...raw, costProfile: resolve(configDir, profile) };
}

/** Expands and validates every point; throws ConfigError naming the point on bad input. */
export function planSweep(raw: Record<string, unknown>, configDir: string, quick: boolean): PlannedSweep {
  const sweep = expandSweep(withAbsoluteProfile(raw, configDir), { quick });
  const points = sweep.points.map((point) => ({ point, experiment: resolveExperiment(parseConfig(point.config), configDir) }));
  return { name: String(raw['name'] ?? 'sweep'), sweep, points };
}

export interface SweepRunOutcome {
  readonly outDir: string;
  readonly points: number;
  readonly runs: number;
  /** Replay commands of runs that violated linearizability within their protocol's tolerance. */
  readonly unexpected: string[];
}

/** Runs a planned sweep into `outDir` (written as `<outDir>.partial` and renamed when complete). */
export async function runSweep(plan: PlannedSweep, outDirGiven: string, options: Pick<RunExperimentOptions, 'onProgress'> = {}, log: (line: string) => void = () => {}): Promise<SweepRunOutcome> {
  // Resolved, so that `out/` stages in `out.partial` beside it, not inside the folder it replaces.
  const outDir = resolve(outDirGiven);
  const partial = `${outDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, 'points'), { recursive: true });
  const rows: CsvRow[] = [];
  const unexpected: string[] = [];
  let runs = 0;
  for (const { point, experiment } of plan.points) {
    const dir = join(partial, 'points', pointDirName(point));
    const finalPointDir = join(outDir, 'points', pointDirName(point));
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'config.yaml'), `# Sweep point ${point.id} of ${plan.name}\n${toYaml(point.config)}`);
    let result;
    try {
      result = await runExperiment(experiment, { outDir: dir, ...options });
    } catch (error) {
      // A run that cannot go on (e.g. real-engine servers refusing it) leaves no half-written sweep.
      rmSync(partial, { recursive: true, force: true });
      throw error;
    }
    rows.push(...runRows(plan.name, point, result.summary.runs));
    runs += result.summary.runs.length;
    for (const runId of result.unexpectedViolations) {
      const run = result.summary.runs.find((r) => r.id === runId)!;
      unexpected.push(`quorumbench run ${join(finalPointDir, 'config.yaml')} --seed ${run.seed}`);
    }
    for (const run of result.summary.runs) {
      const parts = Object.entries(run.ops).map(([kind, op]) => `${kind} p50=${op.latencyMs.p50}ms`);
      log(`${point.id} #${run.repetition} seed=${run.seed} verdict=${run.verdict} ${parts.join(' ')} ${run.throughputOpsPerS} ops/s`);
    }
  }
  const swept = plan.sweep.dimensions.map((d) => d.column);
  const points = pointRows(rows, swept);
  writeFileAtomic(join(partial, 'runs.csv'), toCsv(runColumns(swept), rows));
  writeFileAtomic(join(partial, 'points.csv'), toCsv(columnsOf(points), points));
  rmSync(outDir, { recursive: true, force: true });
  renameSync(partial, outDir);
  return { outDir, points: plan.points.length, runs, unexpected };
}
