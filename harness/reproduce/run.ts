/**
 * @module `reproduce`: runs the paper's experiment configs (configs/paper/*.yaml), each a sweep,
 * through the core runner point by point, and writes per experiment `runs.csv`, `points.csv`,
 * `summary.json`, `config.yaml`, the charts (SVG, PNG, vega spec, CSV each) and `report.html`, plus
 * the combined `results/paper/report.html`.
 *
 * The runner is injected ({@link PointRunner}) so that tests can drive the whole pipeline with a
 * fake one; the CLI passes the core's `runExperiment`.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import { pointConfigText } from '../sweep/point-config.ts';
import { columnsOf, parseCsv, toCsv, type CsvRow } from '../results/csv.ts';
import { writeChart } from '../charts/render.ts';
import { ConfigError } from '../config/errors.ts';
import { parseConfig, type ExperimentConfig } from '../config/index.ts';
import type { ExperimentSummary, RunResult } from '../results/schema.ts';
import { SUMMARY_SCHEMA_VERSION } from '../results/schema.ts';
import { pointRows, runColumns, runRows } from '../sweep/aggregate.ts';
import { expandSweep, pointDirName, type ExpandedSweep, type SweepPoint } from '../sweep/expand.ts';
import { attackRows, buildChart, formatBytes, parseChartRequests, type ChartRequest } from './charts.ts';
import { renderExperimentReport, renderReport, type ExperimentReport, type MachineInfo } from '../report/html.ts';
import { PROTOCOLS } from '../../protocols/registry.ts';
import { analyseAppendix, APPENDIX_FILE, appendixCsvRows, type AppendixPointInput, type AppendixReportData } from './appendix-a.ts';
import { stageFolder } from '../results/staging.ts';
import { writeFileAtomic } from '../results/writer.ts';
import type { CalibrationReport } from '../cost/calibrate.ts';
import { calibrationGridFor, withCostProfile, type CalibrationGrid } from './calibrated-profile.ts';
import { SIM_VS_REAL_FILE, simVsRealRows } from './sim-vs-real.ts';

/** Runs one plain config (a sweep point) and writes its runner outputs under `outDir`. */
export type PointRunner = (config: Record<string, unknown>, outDir: string, label: string) => Promise<ExperimentSummary>;
/** Validates a plain config the way the runner will (throws ConfigError); run before anything runs. */
export type PointValidator = (config: Record<string, unknown>) => void;

export interface PaperExperiment {
  /** File stem, e.g. `01-latency-vs-size`; also the output folder name. */
  readonly id: string;
  readonly file: string;
  readonly raw: Record<string, unknown>;
  readonly title: string;
  readonly description: string;
  readonly charts: readonly ChartRequest[];
  /** ConfigError messages matching this make a point "not applicable" instead of an error. */
  readonly notApplicable: RegExp | undefined;
  /**
   * `appendix-a`: configs/paper/appendix-a.yaml, the lower-bound runs; the only experiment allowed
   * to name an `unsafe` protocol, judged against the proof's predictions (./appendix-a.ts).
   */
  readonly kind?: 'paper' | 'appendix-a';
  /**
   * `report.calibrate: true`: the simulated points use a profile calibrated on this machine when the
   * experiment starts (./calibrated-profile.ts), for comparisons with the real engine.
   */
  readonly calibrate?: boolean;
}

function fail(message: string): never {
  throw new ConfigError(message);
}

/**
 * Reads every `*.yaml` of `dir` except those listed in `exclude`: Appendix A's own config is loaded
 * by {@link loadAppendixExperiment} instead.
 */
export function loadPaperExperiments(dir: string, exclude: readonly string[] = [APPENDIX_FILE]): PaperExperiment[] {
  if (!existsSync(dir)) fail(`reproduce: no experiment folder ${JSON.stringify(dir)}`);
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !exclude.includes(f))
    .sort();
  return files.map((f) => loadExperimentFile(dir, f, 'paper'));
}

/** configs/paper/appendix-a.yaml as an experiment (none if the folder has no such file). */
export function loadAppendixExperiment(dir: string): PaperExperiment[] {
  if (!existsSync(join(dir, APPENDIX_FILE))) return [];
  return [loadExperimentFile(dir, APPENDIX_FILE, 'appendix-a')];
}

function loadExperimentFile(dir: string, f: string, kind: 'paper' | 'appendix-a'): PaperExperiment {
  const file = join(dir, f);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`${file}: not valid YAML: ${String((error as Error).message).split('\n')[0]}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`${file}: must be a map, got ${JSON.stringify(raw)}`);
  const config = raw as Record<string, unknown>;
  const report = (config['report'] ?? {}) as Record<string, unknown>;
  const notApplicable = report['notApplicable'];
  if (notApplicable !== undefined && typeof notApplicable !== 'string') fail(`${file}: report.notApplicable: must be a regular expression string, got ${JSON.stringify(notApplicable)}`);
  const calibrate = report['calibrate'];
  if (calibrate !== undefined && typeof calibrate !== 'boolean') fail(`${file}: report.calibrate: must be true or false, got ${JSON.stringify(calibrate)}`);
  return {
    id: basename(f).replace(/\.ya?ml$/, ''),
    file,
    raw: config,
    title: typeof report['title'] === 'string' ? report['title'] : basename(f),
    description: typeof report['description'] === 'string' ? report['description'] : '',
    charts: parseChartRequests(report['charts'], `${file}: report.charts`),
    notApplicable: notApplicable === undefined ? undefined : new RegExp(notApplicable),
    kind,
    calibrate: calibrate === true,
  };
}

/** Whether a point names a protocol that is unsafe by design (the Appendix A strawman). */
function unsafeProtocolOf(config: ExperimentConfig): string | undefined {
  const name = config.protocol.name;
  if (name === undefined || !Object.hasOwn(PROTOCOLS, name)) return undefined;
  return PROTOCOLS[name]!.unsafe === true ? name : undefined;
}

/** The core's error for a protocol missing from protocols/registry.ts. */
export const ABSENT_PROTOCOL = /^protocol\.name: unknown protocol/;

export interface PlannedExperiment {
  readonly experiment: PaperExperiment;
  readonly sweep: ExpandedSweep;
  /** Points to run. */
  readonly points: readonly SweepPoint[];
  /** Each point's config as the config schema reads it (defaults filled in), in the order of `points`. */
  readonly configs: readonly ExperimentConfig[];
  /** Points that cannot run for this protocol (e.g. a strategy it does not define), with the reason. */
  readonly notApplicable: readonly { point: SweepPoint; reason: string }[];
  readonly repetitions: number;
}

/**
 * Expands and validates every experiment before anything runs, so a bad config stops the command
 * with one error line and nothing written.
 */
export function planExperiments(experiments: readonly PaperExperiment[], validate: PointValidator, quick: boolean): PlannedExperiment[] {
  return experiments.map((experiment) => {
    let sweep: ExpandedSweep;
    try {
      sweep = expandSweep(experiment.raw, { quick });
    } catch (error) {
      if (error instanceof ConfigError) fail(`${experiment.file}: ${error.message}`);
      throw error;
    }
    const points: SweepPoint[] = [];
    const configs: ExperimentConfig[] = [];
    const notApplicable: { point: SweepPoint; reason: string }[] = [];
    /** Runs a check of `point`; a config error leaves the point out (not applicable) or stops the plan. */
    const accepted = (point: SweepPoint, check: () => void): boolean => {
      try {
        check();
        return true;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // A protocol that is not registered is left out with a warning rather than failing the
        // whole reproduction: the configs list the paper's protocols, the registry may have fewer.
        if (ABSENT_PROTOCOL.test(error.message) || experiment.notApplicable?.test(error.message)) notApplicable.push({ point, reason: error.message });
        else fail(`${experiment.file} (point ${point.id}): ${error.message}`);
        return false;
      }
    };
    for (const point of sweep.points) {
      let config: ExperimentConfig | undefined;
      if (!accepted(point, () => void (config = parseConfig(point.config)))) continue;
      const unsafe = unsafeProtocolOf(config!);
      if (unsafe !== undefined && experiment.kind !== 'appendix-a') {
        fail(`${experiment.file} (point ${point.id}): protocol.name: ${JSON.stringify(unsafe)} is unsafe by design (Appendix A's strawman); only configs/paper/${APPENDIX_FILE} may run it`);
      }
      if (!accepted(point, () => validate(point.config))) continue;
      points.push(point);
      configs.push(config!);
    }
    return { experiment, sweep, points, configs, notApplicable, repetitions: configs[0]?.repetitions ?? 1 };
  });
}

export interface ReproduceOptions {
  readonly outRoot: string;
  readonly quick: boolean;
  readonly runner: PointRunner;
  readonly machine: MachineInfo;
  /** The command line, shown in the report. */
  readonly command: string;
  /** Called after each point with (runs done, runs total, label). */
  readonly onProgress?: (done: number, total: number, label: string) => void;
  /** Called when an experiment's folder has replaced the previous one (before the next experiment starts). */
  readonly onExperimentWritten?: (dir: string) => void;
  /** Wall-clock ms since some origin (injected so that tests are deterministic). */
  readonly nowMs: () => number;
  /**
   * Calibrates this machine over `grid` (`quick`: the short measurement) for experiments with
   * `report.calibrate: true`; the CLI passes `quorumbench calibrate`'s measurement.
   */
  readonly calibrateProfile?: (grid: CalibrationGrid, quick: boolean) => Promise<CalibrationReport>;
  /** 1, 5 and 15-minute load averages (injected for tests); recorded beside a sim-vs-real comparison. */
  readonly loadAverage?: () => readonly number[];
}

/**
 * Latency CDF rows of one point from the runner's `latency.csv` (percentile → latency per run and
 * op kind). Repetitions are combined by averaging the latency at each percentile (Vincent averaging),
 * which keeps the CDF's shape; warm-up is excluded because the runner excludes it.
 */
export function cdfRowsFromLatencyCsv(text: string, point: SweepPoint, protocol: string): CsvRow[] {
  const rows = parseCsv(text);
  const sums = new Map<string, { op: string; percentile: number; sum: number; count: number }>();
  for (const row of rows) {
    const op = row['op'];
    const percentile = row['percentile'];
    const latency = row['latencyMs'];
    if (typeof op !== 'string' || typeof percentile !== 'number' || typeof latency !== 'number') continue;
    const key = `${op}\u0000${percentile}`;
    const entry = sums.get(key) ?? { op, percentile, sum: 0, count: 0 };
    entry.sum += latency;
    entry.count += 1;
    sums.set(key, entry);
  }
  return [...sums.values()].map((e) => ({
    ...point.values,
    protocol,
    op: e.op,
    percentile: e.percentile,
    fraction: e.percentile / 100,
    latencyMs: e.sum / e.count,
  }));
}

function configSubtitle(planned: PlannedExperiment): string {
  const first = planned.configs[0];
  const parts: string[] = [];
  const swept = new Set(planned.sweep.dimensions.map((d) => d.column));
  parts.push(swept.has('engine') ? 'simulated and real engine' : first === undefined || first.engine === 'sim' ? 'simulated' : 'real engine');
  if (first !== undefined) {
    if (!swept.has('t')) parts.push(`t = ${first.protocol.t}`);
    if (first.servers !== undefined) parts.push(`n = ${first.servers}`);
    const { valueBytes } = first.workload;
    if (!swept.has('valueBytes') && typeof valueBytes === 'number') parts.push(`value ${formatBytes(valueBytes)}`);
    const { preset, latency } = first.network;
    if (!swept.has('network') && preset !== undefined) parts.push(`network ${preset}`);
    else if (!swept.has('network') && latency !== undefined) {
      const mean = 'meanMs' in latency ? latency.meanMs : 'oneWayMs' in latency ? latency.oneWayMs : undefined;
      parts.push(`${latency.distribution} latency${mean === undefined ? '' : ` (mean ${mean} ms)`}`);
    }
  }
  parts.push(`${planned.repetitions} rep${planned.repetitions === 1 ? '' : 's'}/point`);
  return parts.join(', ');
}

export interface ExperimentOutcome {
  readonly report: ExperimentReport;
  readonly elapsedMs: number;
  /** Runs whose verdict is a violation without expectViolation: the reproduction failed there. */
  readonly unexpectedViolations: number;
  /** Appendix A: runs whose outcome differs from the proof's prediction (the demonstration failed). */
  readonly predictionMismatches: number;
}

/** Runs every planned experiment and writes all outputs; returns what the report shows. */
export async function reproduce(planned: readonly PlannedExperiment[], options: ReproduceOptions): Promise<ExperimentOutcome[]> {
  const progress = { done: 0, total: planned.reduce((sum, p) => sum + p.points.length * p.repetitions, 0) };
  const needsCalibration = planned.find((p) => p.experiment.calibrate === true);
  if (needsCalibration !== undefined && options.calibrateProfile === undefined) {
    fail(`${needsCalibration.experiment.file}: report.calibrate: this reproduction cannot calibrate (no calibrateProfile given)`);
  }
  mkdirSync(options.outRoot, { recursive: true });
  const outcomes: ExperimentOutcome[] = [];
  for (const plan of planned) outcomes.push(await reproduceExperiment(plan, options, progress));
  return outcomes;
}

/** What the points of one experiment produced. */
interface PointResults {
  readonly rows: CsvRow[];
  readonly cdf: CsvRow[];
  readonly runs: RunResult[];
  /** The first point's summary: the engine, cost profile and meta of the experiment's summary. */
  first: ExperimentSummary | undefined;
  readonly appendixPoints: AppendixPointInput[];
}

/**
 * One experiment. Everything is written to a staging folder and replaces `<id>/` at the end, so a
 * folder of results is always complete and never mixes files of two invocations; an interrupted
 * experiment leaves nothing (harness/results/staging.ts).
 */
async function reproduceExperiment(plan: PlannedExperiment, options: ReproduceOptions, progress: { done: number; readonly total: number }): Promise<ExperimentOutcome> {
  const started = options.nowMs();
  const { experiment } = plan;
  const finalDir = join(options.outRoot, experiment.id);
  const staged = stageFolder(finalDir, { replace: 'whole' });
  const dir = staged.path;
  mkdirSync(join(dir, 'points'), { recursive: true });
  const loadAverageStart = options.loadAverage?.() ?? [];
  const { calibration, points: planPoints } = await calibrateIfAsked(plan, dir, options, progress);
  const { rows, cdf, runs, first, appendixPoints } = await runPoints(plan, planPoints, dir, options, progress);
  const swept = plan.sweep.dimensions.map((d) => d.column);
  const points = pointRows(rows, swept);
  writeFileAtomic(join(dir, 'runs.csv'), toCsv(runColumns(swept), rows));
  writeFileAtomic(join(dir, 'points.csv'), toCsv(columnsOf(points), points));
  if (cdf.length > 0) writeFileAtomic(join(dir, 'latency-cdf.csv'), toCsv(columnsOf(cdf), cdf));
  writeFileAtomic(join(dir, 'config.yaml'), toYaml(experiment.raw));
  const skipped = plan.notApplicable.map(({ point, reason }) => ({
    protocol: String(point.values['protocol'] ?? ''),
    strategy: String(point.values['strategy'] ?? ''),
    reason: ABSENT_PROTOCOL.test(reason) ? 'protocol not registered' : /unknown strategy/.test(reason) ? 'strategy not defined for it' : reason,
  }));
  const summary: ExperimentSummary = {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    name: experiment.id,
    engine: first?.engine ?? 'sim',
    seed: typeof experiment.raw['seed'] === 'number' ? experiment.raw['seed'] : 1,
    config: { ...experiment.raw, reproduce: { quick: options.quick, points: plan.points.map((p) => ({ id: p.id, seed: p.config['seed'] })), notApplicable: skipped, skippedByRules: plan.sweep.skipped } },
    costProfile: first?.costProfile ?? { name: 'none', hash: zero, hmac: zero, sign: zero, verify: zero, encode: zero, decode: zero, message: zero },
    meta: first?.meta ?? {},
    runs,
  };
  writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');

  const attack = experiment.charts.some((c) => c.kind === 'attack-table') ? attackRows(points, skipped) : [];
  if (attack.length > 0) writeFileAtomic(join(dir, 'attack.csv'), toCsv(columnsOf(attack), attack));
  const simVsReal = compareEngines(points, dir, options, loadAverageStart, calibration);
  const charts = await writeCharts(plan, dir, points, cdf, attack, options.machine.cores);
  let appendix: AppendixReportData | undefined;
  if (experiment.kind === 'appendix-a') {
    appendix = await analyseAppendix(dir, appendixPoints);
    const table = appendixCsvRows(appendix.rows);
    writeFileAtomic(join(dir, 'appendix-a.csv'), toCsv(columnsOf(table), table));
  }
  const elapsedMs = options.nowMs() - started;
  const report: ExperimentReport = {
    id: experiment.id,
    title: experiment.title,
    description: experiment.description,
    configYaml: toYaml(experiment.raw),
    charts,
    runs: rows,
    attack,
    notApplicable: skipped,
    skippedByRules: plan.sweep.skipped,
    elapsedMs,
    command: options.command,
    costProfile: first?.costProfile,
    meta: first?.meta ?? {},
    ...(appendix === undefined ? {} : { appendix }),
    ...(simVsReal === undefined ? {} : { simVsReal }),
  };
  writeFileAtomic(join(dir, 'timing.json'), JSON.stringify({ wallClockMs: Math.round(elapsedMs), quick: options.quick, runs: runs.length }, null, 2) + '\n');
  writeFileAtomic(join(dir, 'report.html'), renderExperimentReport(report, options.machine, options.command, docsHrefFrom(finalDir)));
  // Kept so that the combined report can include experiments run by earlier `--only` invocations.
  writeFileAtomic(join(dir, 'report-data.json'), JSON.stringify(report) + '\n');
  const unexpectedViolations = runs.filter((r) => r.verdict === 'violation' && !r.expectViolation).length;
  staged.commit();
  options.onExperimentWritten?.(finalDir);
  const predictionMismatches = appendix?.rows.filter((r) => !r.matchesPrediction).length ?? 0;
  return { report, elapsedMs, unexpectedViolations, predictionMismatches };
}

/**
 * `report.calibrate: true`: calibrates this machine over the grid the points need and gives every
 * simulated point that profile (written to `cost-profile.json`); otherwise the points as planned.
 */
async function calibrateIfAsked(
  plan: PlannedExperiment,
  dir: string,
  options: ReproduceOptions,
  progress: { done: number; readonly total: number },
): Promise<{ calibration: CalibrationReport | undefined; points: readonly SweepPoint[] }> {
  const { experiment } = plan;
  if (experiment.calibrate !== true) return { calibration: undefined, points: plan.points };
  if (options.calibrateProfile === undefined) throw new Error('reproduce: calibrateProfile missing (checked before any experiment ran)');
  const grid = calibrationGridFor(plan.points);
  options.onProgress?.(progress.done, progress.total, `${experiment.id}: calibrating this machine (${grid.shapes.length} (k, n) shapes × ${grid.sizesBytes.length} sizes${options.quick ? ', quick' : ''})`);
  const calibration = await options.calibrateProfile(grid, options.quick);
  writeFileAtomic(join(dir, 'cost-profile.json'), `${JSON.stringify(calibration, null, 2)}\n`);
  return { calibration, points: plan.points.map((point) => withCostProfile(point, calibration.profile)) };
}

/**
 * Experiments that ran points on both engines: the prediction's error per point (written beside the
 * chart that draws it), with the machine's load around the run; undefined for the others.
 */
function compareEngines(
  points: readonly CsvRow[],
  dir: string,
  options: ReproduceOptions,
  loadAverageStart: readonly number[],
  calibration: CalibrationReport | undefined,
): ExperimentReport['simVsReal'] {
  const engines = new Set(points.map((p) => p['engine'] ?? 'sim'));
  if (!engines.has('sim') || !engines.has('real')) return undefined;
  const loadAverageEnd = options.loadAverage?.() ?? [];
  // Other jobs' load is the load before the experiment started: at its end the load average counts
  // the experiment's own processes.
  const before = loadAverageStart[0];
  const compared = simVsRealRows(points, options.machine.cores, before);
  writeFileAtomic(join(dir, SIM_VS_REAL_FILE), toCsv(columnsOf(compared.rows), compared.rows));
  return {
    rows: compared.rows,
    summary: compared.summary,
    loadAverageStart: [...loadAverageStart],
    loadAverageEnd: [...loadAverageEnd],
    ...(calibration === undefined
      ? {}
      : { calibration: { profile: calibration.profile.name, measure: calibration.calibration.measure, quick: options.quick, sizesBytes: calibration.profile.coding?.sizesBytes ?? [] } }),
  };
}

/** Runs each point (`points`: the plan's, with a calibrated profile where asked) into `dir/points/<point>/` and collects its rows, runs and CDF. */
async function runPoints(
  plan: PlannedExperiment,
  points: readonly SweepPoint[],
  dir: string,
  options: ReproduceOptions,
  progress: { done: number; readonly total: number },
): Promise<PointResults> {
  const { experiment } = plan;
  const results: PointResults = { rows: [], cdf: [], runs: [], first: undefined, appendixPoints: [] };
  for (const [i, point] of points.entries()) {
    const config = plan.configs[i]!;
    const pointDir = join(dir, 'points', pointDirName(point));
    mkdirSync(pointDir, { recursive: true });
    // The point as a plain config that replays it exactly.
    writeFileAtomic(join(pointDir, 'config.yaml'), pointConfigText(point, `${relative(process.cwd(), experiment.file)}${options.quick ? ' (--quick)' : ''}`));
    const summary = await options.runner(point.config, pointDir, `${experiment.id} ${point.id}`);
    results.first ??= summary;
    if (experiment.kind === 'appendix-a') {
      results.appendixPoints.push({
        pointId: point.id,
        pointDir: pointDirName(point),
        values: point.values,
        config,
      });
    }
    results.rows.push(...runRows(experiment.id, point, summary.runs));
    for (const run of summary.runs) {
      const swept: Record<string, string | number | boolean> = {};
      for (const [k, v] of Object.entries(point.values)) if (v !== null) swept[k] = v;
      results.runs.push({ ...run, id: `${point.id}#${run.repetition}`, params: { ...run.params, ...swept } });
    }
    const latencyCsv = join(pointDir, 'latency.csv');
    const protocol = String(summary.runs[0]?.params['protocol'] ?? config.protocol.name);
    if (existsSync(latencyCsv)) results.cdf.push(...cdfRowsFromLatencyCsv(readFileSync(latencyCsv, 'utf8'), point, protocol));
    progress.done += plan.repetitions;
    options.onProgress?.(progress.done, progress.total, `${experiment.id} ${point.id}`);
  }
  return results;
}

/** Each chart the experiment asks for (CSV, spec, SVG, PNG), or a note where it has no data. */
async function writeCharts(plan: PlannedExperiment, dir: string, points: readonly CsvRow[], cdf: readonly CsvRow[], attack: readonly CsvRow[], cores: number): Promise<ExperimentReport['charts']> {
  const subtitle = configSubtitle(plan);
  const charts: { name: string; title: string; svg: string | null; note: string | null }[] = [];
  for (const request of plan.experiment.charts) {
    const chart = buildChart(request, { points, cdf, subtitle, config: plan.experiment.raw, cores }, attack);
    const data = (chart.spec['data'] as { values: CsvRow[] }).values;
    if (data.length === 0) {
      charts.push({ name: chart.name, title: chart.title, svg: null, note: 'no data (no point matched, or the runner wrote no latency.csv)' });
      continue;
    }
    writeFileAtomic(join(dir, chart.csv), toCsv(columnsOf(data), data));
    const rendered = await writeChart(chart, dir);
    charts.push({ name: chart.name, title: chart.title, svg: rendered.svg, note: null });
  }
  return charts;
}

const zero = { nsPerOp: 0, nsPerByte: 0 };

/**
 * The checkout's `docs/` folder as a link from the report page in `folder` (posix separators), or
 * undefined when this code runs outside a checkout that has the docs. Searched upwards from this
 * module, so it works from the sources and from a build folder inside the checkout.
 */
export function docsHrefFrom(folder: string): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'docs', 'protocols.md')) && existsSync(join(dir, 'docs', 'evaluation.md'))) {
      return relative(folder, join(dir, 'docs')).split(/[\\/]/).join('/');
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Writes `<outRoot>/report.html` with every experiment of `ids` (configs order) that has results
 * under `outRoot`, from this invocation or an earlier one (`--only` runs update their part).
 */
export function writeCombinedReport(outRoot: string, ids: readonly string[], machine: MachineInfo, command: string, totalMs: number | undefined): { path: string; included: string[] } {
  const reports: ExperimentReport[] = [];
  for (const id of ids) {
    const file = join(outRoot, id, 'report-data.json');
    if (existsSync(file)) reports.push(JSON.parse(readFileSync(file, 'utf8')) as ExperimentReport);
  }
  const path = join(outRoot, 'report.html');
  writeFileAtomic(path, renderReport(reports, machine, command, totalMs, docsHrefFrom(outRoot)));
  return { path, included: reports.map((r) => r.id) };
}
