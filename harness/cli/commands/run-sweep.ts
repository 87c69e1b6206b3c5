/**
 * @module `quorumbench run` on a sweep config (lists in place of parameters, a `sweep:` block, or the
 * `quick:` / `report:` keys of configs/paper): every point is run as a plain config into
 * `<out>/points/<pNNN-id>/` (with the point's config.yaml, so `quorumbench run <that file>` replays
 * one point alone), then `<out>/runs.csv` and `<out>/points.csv` combine them, as `reproduce` does
 * for the paper's experiments, and the charts that the config's `report.charts` asks for.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { columnsOf, toCsv, type CsvRow } from '../../results/csv.ts';
import { parseConfig, resolveExperiment, type ResolvedExperiment } from '../../config/index.ts';
import { stageFolder } from '../../results/staging.ts';
import { writeFileAtomic } from '../../results/writer.ts';
import { writeChart } from '../../charts/render.ts';
import { attackRows, buildChart, parseChartRequests, type ChartRequest } from '../../reproduce/charts.ts';
import { cdfRowsFromLatencyCsv } from '../../reproduce/run.ts';
import { runExperiment, type RunExperimentOptions } from '../../runner/index.ts';
import { pointRows, runColumns, runRows } from '../../sweep/aggregate.ts';
import { ms, opsPerS, timeLimitWarning } from '../figures.ts';
import { expandSweep, pointDirName, SWEEP_KEYS, type ExpandedSweep, type SweepPoint } from '../../sweep/expand.ts';
import { pointConfigText } from '../../sweep/point-config.ts';
import { replayFolder } from '../../results/output-folder.ts';
import { shellWord } from '../../shell-word.ts';

/** Whether a raw config is a sweep rather than a plain experiment. */
export function isSweepConfig(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return false;
  if (SWEEP_KEYS.some((key) => Object.hasOwn(raw, key))) return true;
  return expandSweep(raw).dimensions.length > 0;
}

export interface PlannedSweep {
  readonly name: string;
  readonly sweep: ExpandedSweep;
  /** The charts its `report.charts` asks for (as `reproduce` draws them), drawn after the tables. */
  readonly charts: readonly ChartRequest[];
  /** Each point validated and resolved before anything runs (a bad point is a config error, exit 2). */
  readonly points: readonly { point: SweepPoint; experiment: ResolvedExperiment }[];
}

/**
 * Paths in a config are relative to its file; each point's config.yaml is written elsewhere, so a
 * cost profile file, a plugin file and the working directory of external nodes are made absolute
 * there, and replaying a point finds them.
 */
function withAbsolutePaths(raw: Record<string, unknown>, configDir: string): Record<string, unknown> {
  const out = { ...raw };
  const profile = raw['costProfile'];
  if (typeof profile === 'string' && profile !== 'zero' && profile !== 'default' && !isAbsolute(profile)) out['costProfile'] = resolve(configDir, profile);
  const protocol = raw['protocol'];
  if (protocol !== null && typeof protocol === 'object' && !Array.isArray(protocol)) {
    const section = { ...(protocol as Record<string, unknown>) };
    const module = section['module'];
    if (typeof module === 'string' && module.startsWith('.')) section['module'] = resolve(configDir, module);
    // External nodes run in the config file's folder unless told otherwise; a point keeps that folder.
    if (section['name'] === 'external') {
      section['cwd'] = resolve(configDir, typeof section['cwd'] === 'string' ? section['cwd'] : '.');
    }
    out['protocol'] = section;
  }
  return out;
}

/** Expands and validates every point; throws ConfigError naming the point on bad input. */
export function planSweep(raw: Record<string, unknown>, configDir: string, quick: boolean): PlannedSweep {
  const expanded = expandSweep(raw, { quick });
  const sweep = { ...expanded, points: expanded.points.map((point) => ({ ...point, config: withAbsolutePaths(point.config, configDir) as SweepPoint['config'] })) };
  const points = sweep.points.map((point) => ({ point, experiment: resolveExperiment(parseConfig(point.config), configDir) }));
  const report = raw['report'];
  const charts = parseChartRequests(report !== null && typeof report === 'object' ? (report as Record<string, unknown>)['charts'] : undefined, 'report.charts');
  return { name: String(raw['name'] ?? 'sweep'), sweep, points, charts };
}

export interface SweepRunOutcome {
  readonly outDir: string;
  readonly points: number;
  readonly runs: number;
  /** Replay commands of runs that violated linearizability within their protocol's tolerance. */
  readonly unexpected: string[];
  /** Every file written, sorted. */
  readonly written: string[];
}

/**
 * Runs a planned sweep into `outDir`: written into a staging folder beside it and moved into place
 * when complete (harness/results/staging.ts), so an interrupted sweep leaves nothing behind.
 */
export async function runSweep(
  plan: PlannedSweep,
  outDirGiven: string,
  options: Pick<RunExperimentOptions, 'onProgress'> = {},
  log: (line: string) => void = () => {},
  warn: (line: string) => void = log,
): Promise<SweepRunOutcome> {
  const outDir = resolve(outDirGiven);
  const staged = stageFolder(outDir);
  try {
    const rows: CsvRow[] = [];
    const cdf: CsvRow[] = [];
    const unexpected: string[] = [];
    let runs = 0;
    for (const { point, experiment } of plan.points) {
      const dir = join(staged.path, 'points', pointDirName(point));
      const finalPointDir = join(outDir, 'points', pointDirName(point));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.yaml'), pointConfigText(point, plan.name));
      // A run that cannot go on (e.g. real-engine servers refusing it) throws: the staging folder is discarded.
      const result = await runExperiment(experiment, { outDir: dir, ...options });
      rows.push(...runRows(plan.name, point, result.summary.runs));
      const latencyCsv = join(dir, 'latency.csv');
      if (plan.charts.length > 0 && existsSync(latencyCsv)) cdf.push(...cdfRowsFromLatencyCsv(readFileSync(latencyCsv, 'utf8'), point, String(result.summary.runs[0]?.params['protocol'] ?? '')));
      runs += result.summary.runs.length;
      for (const runId of result.unexpectedViolations) {
        const run = result.summary.runs.find((r) => r.id === runId)!;
        unexpected.push(`quorumbench run ${shellWord(join(finalPointDir, 'config.yaml'))} --seed ${run.seed} --out ${shellWord(replayFolder(outDir, pointDirName(point)))}`);
      }
      for (const run of result.summary.runs) {
        const parts = Object.entries(run.ops).map(([kind, op]) => `${kind} p50=${ms(op.latencyMs.p50)}`);
        log(`${point.id} #${run.repetition} seed=${run.seed} verdict=${run.verdict} ${parts.join(' ')} ${opsPerS(run.throughputOpsPerS)}`);
        const cut = timeLimitWarning(run, experiment.runs);
        if (cut !== undefined) warn(`${point.id}: ${cut}`);
      }
    }
    const swept = plan.sweep.dimensions.map((d) => d.column);
    const points = pointRows(rows, swept);
    writeFileSync(join(staged.path, 'runs.csv'), toCsv(runColumns(swept), rows));
    writeFileSync(join(staged.path, 'points.csv'), toCsv(columnsOf(points), points));
    await writeCharts(plan, staged.path, points, cdf);
    const written = staged.commit();
    return { outDir, points: plan.points.length, runs, unexpected, written };
  } finally {
    staged.discard();
  }
}

/** The sweep's `report.charts`, drawn as `reproduce` draws them: SVG, PNG, vega spec and the rows of each. */
async function writeCharts(plan: PlannedSweep, dir: string, points: readonly CsvRow[], cdf: readonly CsvRow[]): Promise<void> {
  if (plan.charts.length === 0) return;
  const first = plan.points[0]?.experiment.config;
  const subtitle = `${first?.engine === 'real' ? 'real engine' : 'simulated'}, ${first?.repetitions ?? 1} rep${first?.repetitions === 1 ? '' : 's'}/point`;
  const attack = plan.charts.some((c) => c.kind === 'attack-table') ? attackRows(points, []) : [];
  for (const request of plan.charts) {
    const chart = buildChart(request, { points, cdf, subtitle }, attack);
    const data = (chart.spec['data'] as { values: CsvRow[] }).values;
    if (data.length === 0) continue;
    writeFileAtomic(join(dir, chart.csv), toCsv(columnsOf(data), data));
    await writeChart(chart, dir);
  }
}
