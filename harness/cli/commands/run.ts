/**
 * @module `quorumbench run <config> [--seed N] [--out DIR] [--quick]`: runs an experiment and writes
 * results/<name>/ (or DIR); a sweep config runs every point (./run-sweep.ts). It lists every file it
 * wrote. Exit 0: done; 1: a run within the protocol's tolerance violated linearizability; 2: bad
 * config or arguments (a ConfigError: one line on stderr from harness/cli/main.ts, nothing written); 130/143: interrupted by SIGINT/SIGTERM
 * (nothing written: outputs are staged and moved into place at the end, harness/results/staging.ts).
 */
import { dirname, join, relative, sep } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.ts';
import { checkOutputFolder } from '../../results/output-folder.ts';
import { shellWord } from '../../shell-word.ts';
import type { ExperimentProgress } from '../../runner/index.ts';
import type { PlannedSweep } from './run-sweep.ts';
import { ms, opsPerS, plural, rounded, timeLimitWarning } from '../figures.ts';

function parseSeed(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new ConfigError(`--seed: must be a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** The config file as parsed YAML (not yet validated) must be a map, to tell a sweep from a plain experiment. */
function asConfigMap(raw: unknown, path: string): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`config: ${path} must be a map, got ${JSON.stringify(raw)}`);
  return raw as Record<string, unknown>;
}

/** A progress reporter: a bar on a terminal, a plain line per 10 % otherwise. */
async function progressReporter(): Promise<{ update: (progress: ExperimentProgress) => void; stop: () => void }> {
  if (process.stderr.isTTY) {
    const { default: cliProgress } = await import('cli-progress');
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'run {run}/{runs} {runId} [{bar}] {percentage}% | {value}/{total} ops', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let lastRun = -1;
    return {
      update(progress) {
        const total = Number.isFinite(progress.total) ? progress.total : progress.completed;
        const payload = { run: progress.run + 1, runs: progress.runs, runId: progress.runId };
        if (!started || progress.run !== lastRun) {
          if (started) bar.stop();
          bar.start(total, progress.completed, payload);
          started = true;
          lastRun = progress.run;
        } else {
          bar.setTotal(total);
          bar.update(progress.completed, payload);
        }
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let lastDecile = new Map<number, number>();
  return {
    update(progress) {
      if (!Number.isFinite(progress.total)) return;
      const decile = Math.floor((progress.completed / progress.total) * 10);
      if ((lastDecile.get(progress.run) ?? -1) >= decile) return;
      lastDecile.set(progress.run, decile);
      process.stderr.write(`run ${progress.run + 1}/${progress.runs} ${progress.runId}: ${progress.completed}/${progress.total} ops\n`);
    },
    stop: () => {
      lastDecile = new Map();
    },
  };
}

/** One indented line per file. */
function listFiles(paths: readonly string[]): string {
  return paths.map((path) => `  ${path}\n`).join('');
}

/**
 * A sweep's files as `outDir` (as the user gave it) names them: those of the sweep itself one per
 * line, and the points' own files (several per point) as one line for all, so the list fits a screen.
 */
function listSweepFiles(written: readonly string[], absoluteOutDir: string, outDir: string): string {
  const perPoint = new Map<string, number>();
  const own: string[] = [];
  for (const path of written) {
    const inside = relative(absoluteOutDir, path);
    const [first, point] = inside.split(sep);
    if (first === 'points' && point !== undefined) perPoint.set(point, (perPoint.get(point) ?? 0) + 1);
    else own.push(join(outDir, inside));
  }
  const files = [...perPoint.values()].reduce((sum, count) => sum + count, 0);
  const points = perPoint.size === 0 ? [] : [`${join(outDir, 'points')}/ (${plural(perPoint.size, 'point folder')}, ${plural(files, 'file')}: each point's config.yaml, summary.json, runs.csv, latency.csv, history/ and any trace/)`];
  return listFiles([...own, ...points]);
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run an experiment config (YAML or JSON) and write results/<name>/ (exit 0 done, 1 a violation within tolerance, 2 bad config or arguments, 130/143 interrupted by SIGINT/SIGTERM, 70 an internal error)')
    .argument('<config>', 'experiment config file')
    .option('--seed <n>', 'replace the config seed (repetition i uses seed + i)')
    .option('--out <dir>', 'output directory (default results/<name>)')
    .option('--quick', "sweep configs: apply the config's `quick:` patch (fewer points and operations)")
    .option('--trace', 'record every message to trace/<run>.jsonl (as `trace: true` in the config; its own `trace:` bounds win)')
    .action(async (configPath: string, flags: { seed?: string; out?: string; quick?: boolean; trace?: boolean }) => {
      const { exitOnInterrupt } = await import('../../results/staging.ts');
      exitOnInterrupt();
      const { loadExperiment, readRawConfigFile } = await import('../../config/index.ts');
      const { loadPlugins } = await import('../../config/plugins.ts');
      const { runExperiment } = await import('../../runner/index.ts');
      const { parseRealSettings } = await import('../../real/cluster-file.ts');
      const { timelineFileName } = await import('../../results/writer.ts');
      const { isSweepConfig, planSweep, runSweep } = await import('./run-sweep.ts');
      const { describeTrace } = await import('../../trace/run-trace.ts');
      const { violationSvgFileName } = await import('../../trace/outputs.ts');
      let sweep: PlannedSweep | undefined;
      const raw = asConfigMap(readRawConfigFile(configPath), configPath);
      await loadPlugins(raw, dirname(configPath));
      if (isSweepConfig(raw)) {
        const seeded = flags.seed === undefined ? raw : { ...raw, seed: parseSeed(flags.seed) };
        const patched = flags.trace === true && seeded['trace'] === undefined ? { ...seeded, trace: true } : seeded;
        sweep = planSweep(patched, dirname(configPath), flags.quick === true);
      }
      if (sweep !== undefined) {
        const outDir = flags.out ?? join('results', sweep.name);
        checkOutputFolder(outDir, flags.out === undefined ? 'name' : '--out', 'sweep');
        process.stderr.write(`sweep ${sweep.name}: ${sweep.points.length} points${sweep.sweep.skipped.length > 0 ? ` (${sweep.sweep.skipped.length} skipped by sweepRules)` : ''}\n`);
        const progress = await progressReporter();
        // A config problem that shows only once a run starts (a real-engine server refusing the run, a
        // secret file that cannot be read) is a config error like any other; nothing of the run is
        // written, as outputs are written when every run is done.
        const outcome = await runSweep(sweep, outDir, { onProgress: progress.update }, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
        progress.stop();
        process.stdout.write(`wrote ${outcome.written.length} files (${outcome.points} points, ${outcome.runs} runs):\n${listSweepFiles(outcome.written, outcome.outDir, outDir)}`);
        if (outcome.unexpected.length > 0) {
          for (const command of outcome.unexpected) process.stderr.write(`violation within tolerance; replay with: ${command}\n`);
          process.exit(1);
        }
        return;
      }
      const experiment = loadExperiment(configPath, { ...(flags.seed === undefined ? {} : { seed: parseSeed(flags.seed) }), ...(flags.trace === true ? { trace: true } : {}) });
      // The real engine's own settings, checked now rather than after servers were started.
      if (experiment.config.engine === 'real') parseRealSettings(experiment.config.real);
      const outDir = flags.out ?? join('results', experiment.config.name);
      checkOutputFolder(outDir, flags.out === undefined ? 'name' : '--out', 'run');
      const progress = await progressReporter();
      const result = await runExperiment(experiment, { outDir, onProgress: progress.update });
      progress.stop();
      for (const run of result.summary.runs) {
        const parts = Object.entries(run.ops).map(([kind, op]) => `${kind} n=${op.count} p50=${ms(op.latencyMs.p50)} rounds=${rounded(op.rounds.mean, 2)}`);
        process.stdout.write(`${run.id} seed=${run.seed} verdict=${run.verdict} ${parts.join(' ')} ${opsPerS(run.throughputOpsPerS)}\n`);
        const traced = experiment.runs.find((r) => r.id === run.id)?.trace;
        if (run.trace !== undefined && traced != null) process.stdout.write(`  ${describeTrace(run.trace, traced.maxEvents, join(outDir, run.trace.file))}\n`);
        if (run.trace !== undefined && run.verdict === 'violation') process.stdout.write(`  messages around the violation: ${join(outDir, 'history', violationSvgFileName(run.id))}\n`);
        const cut = timeLimitWarning(run, experiment.runs);
        if (cut !== undefined) process.stderr.write(`${cut}\n`);
      }
      process.stdout.write(`wrote ${result.written.length} files:\n${listFiles(result.written)}`);
      // After the run, so that a run refused at its start still prints one line, its error.
      if (experiment.config.engine === 'real') {
        const { coldStartAdvice } = await import('../../real/cold-start.ts');
        const advice = coldStartAdvice(experiment.config.workload);
        if (advice !== undefined) process.stderr.write(`${advice}\n`);
      }
      if (result.unexpectedViolations.length > 0) {
        for (const runId of result.unexpectedViolations) {
          const run = result.summary.runs.find((r) => r.id === runId)!;
          process.stderr.write(`violation: run ${runId} is not linearizable although its faults are within tolerance; replay with: quorumbench run ${shellWord(configPath)} --seed ${run.seed}\n`);
          process.stderr.write(`  timeline of the offending operations: ${join(outDir, 'history', timelineFileName(runId))}\n`);
        }
        process.exit(1);
      }
    });
}
