/**
 * @module `quorumbench reproduce [--quick] [--only NAME]`: runs the paper's experiments
 * (configs/paper/*.yaml, each a sweep) and Appendix A's lower-bound runs (appendix-a.yaml), and
 * writes results/paper/<experiment>/ (CSV, summary, charts, Appendix A's figures) and
 * results/paper/report.html. Exit 0: done; 1: a run within its protocol's tolerance violated
 * linearizability, or an Appendix A run did not end as the proof predicts; 2: bad config or
 * arguments (one line on stderr, nothing run).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.ts';
import type { MachineInfo } from '../../report/html.ts';
import type { PointRunner } from '../../reproduce/run.ts';
import { plural } from '../figures.ts';

function machineInfo(): MachineInfo {
  let gitCommit = 'unknown';
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty !== '') gitCommit += ' (with uncommitted changes)';
  } catch {
    // Not a git checkout: leave it unknown.
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    gitCommit,
    generatedAt: new Date().toISOString(),
  };
}

/** A bar on a terminal; otherwise one line per finished sweep point. */
async function progressReporter(totalRuns: number) {
  if (process.stderr.isTTY) {
    const { default: cliProgress } = await import('cli-progress');
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'reproduce [{bar}] {percentage}% | {done}/{total} runs | {label}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(totalRuns, 0, { done: 0, label: '' });
    const update = (done: number, label: string) => bar.update(done, { done: Math.floor(done), label });
    return { within: update, pointDone: update, stop: () => bar.stop() };
  }
  return {
    within: (_done: number, _label: string) => undefined,
    pointDone: (done: number, label: string) => process.stderr.write(`[${done}/${totalRuns} runs] ${label}\n`),
    stop: () => undefined,
  };
}

export function register(program: Command): void {
  program
    .command('reproduce')
    .description("run the paper's experiments (configs/paper) and write results/paper/ with charts and report.html (exit 0 done, 1 a violation within tolerance or an Appendix A run not as predicted, 2 bad config or arguments, 130/143 interrupted by SIGINT/SIGTERM, 70 an internal error)")
    .option('--quick', 'the small version of every experiment (fewer sizes, operations, repetitions); minutes, not hours')
    .option('--only <names>', 'only experiments whose file name contains one of these (comma-separated), e.g. 01 or attack')
    .option('--configs <dir>', 'experiment configs folder', 'configs/paper')
    .option('--out <dir>', 'output folder', 'results/paper')
    .action(async (flags: { quick?: boolean; only?: string; configs: string; out: string }) => {
      const { exitOnInterrupt } = await import('../../results/staging.ts');
      exitOnInterrupt();
      const { parseConfig, resolveExperiment } = await import('../../config/index.ts');
      const { runExperiment } = await import('../../runner/index.ts');
      const { loadAppendixExperiment, loadPaperExperiments, planExperiments, reproduce, writeCombinedReport } = await import('../../reproduce/run.ts');
      const { loadPlugins } = await import('../../config/plugins.ts');
      const quick = flags.quick === true;
      const configDir = resolve(flags.configs);
      // The paper's experiments, then Appendix A's lower-bound runs (configs/paper/appendix-a.yaml).
      let experiments = [...loadPaperExperiments(configDir), ...loadAppendixExperiment(configDir)];
      const allIds = experiments.map((e) => e.id);
      if (flags.only !== undefined) {
        const wanted = flags.only.split(',').map((s) => s.trim()).filter((s) => s !== '');
        experiments = experiments.filter((e) => wanted.some((w) => e.id.includes(w)));
        if (experiments.length === 0) throw new ConfigError(`--only: no experiment matches ${JSON.stringify(flags.only)} (have: ${allIds.join(', ')})`);
      }
      for (const experiment of experiments) await loadPlugins(experiment.raw, configDir);
      // Every point is validated by the core's schema and resolver before anything runs.
      const validate = (config: Record<string, unknown>) => void resolveExperiment(parseConfig(config), configDir);
      const planned = planExperiments(experiments, validate, quick);
      const totalRuns = planned.reduce((sum, p) => sum + p.points.length * p.repetitions, 0);
      process.stderr.write(
        `reproduce${quick ? ' --quick' : ''}: ${planned.length} experiments, ${planned.reduce((s, p) => s + p.points.length, 0)} sweep points, ${totalRuns} runs\n`,
      );
      for (const p of planned) {
        if (p.notApplicable.length > 0) {
          process.stderr.write(`  ${p.experiment.id}: not applicable (not run): ${p.notApplicable.map((n) => n.point.id).join('; ')}\n`);
        }
      }
      const progress = await progressReporter(totalRuns);
      let doneBefore = 0;
      const runner: PointRunner = async (config, outDir, label) => {
        const resolved = resolveExperiment(parseConfig(config), configDir);
        const result = await runExperiment(resolved, {
          outDir,
          onProgress: (p) => {
            if (Number.isFinite(p.total) && p.total > 0) progress.within(doneBefore + p.run + p.completed / p.total, `${label} #${p.run}`);
          },
        });
        doneBefore += resolved.runs.length;
        return result.summary;
      };
      const started = performance.now();
      const command = `quorumbench reproduce${quick ? ' --quick' : ''}${flags.only === undefined ? '' : ` --only ${flags.only}`}`;
      const machine = machineInfo();
      // Each experiment replaces its folder as soon as it is done: if the command is interrupted,
      // say which ones it already wrote (report.html is written only at the end).
      const written: string[] = [];
      process.on('exit', (code) => {
        if ((code === 130 || code === 143) && written.length > 0) {
          process.stderr.write(`reproduce interrupted: ${written.map((dir) => `${dir}/`).join(', ')} already written by this run${quick ? ' (--quick)' : ''}; ${join(flags.out, 'report.html')} not rewritten\n`);
        }
      });
      const outcomes = await reproduce(planned, {
        outRoot: flags.out,
        quick,
        runner,
        machine,
        command,
        nowMs: () => performance.now(),
        onProgress: (done, _total, label) => progress.pointDone(done, label),
        onExperimentWritten: (dir) => written.push(dir),
        loadAverage: () => loadavg().map((l) => Number(l.toFixed(2))),
        // Experiments that compare the engines calibrate this machine first, over the grid they need.
        calibrateProfile: async (grid, quickCalibration) => {
          const { calibrate, DEFAULT_CALIBRATION, QUICK_MEASURE } = await import('../../cost/calibrate.ts');
          return calibrate({
            ...DEFAULT_CALIBRATION,
            name: `calibrated ${new Date().toISOString().slice(0, 16)}Z`,
            shapes: grid.shapes,
            sizesBytes: grid.sizesBytes,
            measure: quickCalibration ? QUICK_MEASURE : DEFAULT_CALIBRATION.measure,
          });
        },
      });
      progress.stop();
      const totalMs = performance.now() - started;
      const { path, included } = writeCombinedReport(flags.out, allIds, machine, command, flags.only === undefined ? totalMs : undefined);
      for (const outcome of outcomes) {
        const charts = outcome.report.charts.filter((c) => c.svg !== null).length;
        process.stdout.write(
          `${outcome.report.id}: ${plural(outcome.report.runs.length > 0 ? new Set(outcome.report.runs.map((r) => r['run'])).size : 0, 'run')}, ${plural(charts, 'chart')}${outcome.report.appendix === undefined ? '' : `, ${plural(outcome.report.appendix.rows.length, 'figure')}, ${outcome.report.appendix.rows.filter((r) => r.matchesPrediction).length} as Appendix A predicts`}, ${(outcome.elapsedMs / 1000).toFixed(1)} s -> ${join(flags.out, outcome.report.id)}/\n`,
        );
      }
      process.stdout.write(`wrote ${path} (${plural(included.length, 'experiment')}) in ${(totalMs / 1000).toFixed(1)} s total\n`);
      const unexpected = outcomes.reduce((sum, o) => sum + o.unexpectedViolations, 0);
      const mismatches = outcomes.reduce((sum, o) => sum + o.predictionMismatches, 0);
      if (mismatches > 0) {
        process.stderr.write(`appendix-a: ${mismatches} runs did not turn out as Appendix A predicts; see the appendix table in the report (column "as predicted")\n`);
      }
      if (unexpected > 0) {
        process.stderr.write(`violation: ${unexpected} runs within their protocol's tolerance were not linearizable; see the report's verdict tables (each run lists its seed)\n`);
      }
      if (unexpected > 0 || mismatches > 0) process.exit(1);
    });
}
