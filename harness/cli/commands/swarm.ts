/**
 * @module `quorumbench swarm <config> --seeds N [--first-seed S] [--workers W] [--check-determinism]
 * [--json FILE]`: runs seeds S..S+N-1 of a config (its `swarm:` section draws faults, network and
 * workload from each seed; see harness/faults/swarm-draw.ts), judges each history, prints a verdict
 * table and, for every failure, the command that replays it exactly (`quorumbench run <config>
 * --seed S`).
 *
 * Exit codes: 0 — no unexpected outcome; 1 — an error, a nondeterministic seed, or (within
 * tolerance) a violation, a blocked correct operation or a checker time-out; with `expectViolation:
 * true` those three are expected, but finding NO violation at all is 1 (the swarm is there to show
 * them); 2 — bad config or arguments.
 */
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.ts';
import type { SeedClass } from '../../swarm/coordinator.ts';
import type { SeedResult } from '../../swarm/run-seed.ts';
import { shellWord } from '../../shell-word.ts';

function intFlag(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) throw new ConfigError(`--${name}: must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  return value;
}

const CLASSES: readonly SeedClass[] = ['ok', 'violation', 'stuck', 'unknown', 'error', 'nondeterministic'];
const MAX_LISTED = 20;

export function register(program: Command): void {
  program
    .command('swarm')
    .description('run many seeds of a config (faults drawn per seed by its swarm: section) and print a verdict table with replay commands')
    .argument('<config>', 'experiment config file, usually with a swarm: section (configs/swarm/)')
    .option('--seeds <n>', 'number of seeds to run')
    .option('--first-seed <s>', 'first seed (default: the config seed)')
    .option('--workers <w>', `worker processes (default: available parallelism, here ${availableParallelism()})`)
    .option('--check-determinism', 'run every seed twice and compare the histories and results (sha256)')
    .option('--checker-timeout <seconds>', 'checker time limit per seed (default 60)')
    .option('--json <file>', 'also write every seed result as JSON')
    .action(async (configPath: string, flags: { seeds?: string; firstSeed?: string; workers?: string; checkDeterminism?: boolean; checkerTimeout?: string; json?: string }) => {
      const { loadExperiment, readRawConfigFile } = await import('../../config/index.ts');
      const { loadPlugins } = await import('../../config/plugins.ts');
      const { writeFileAtomic } = await import('../../results/writer.ts');
      const { classify, isFailure, runSwarm, swarmExitCode } = await import('../../swarm/coordinator.ts');
      const count = intFlag('seeds', flags.seeds, 1);
      if (count === undefined) throw new ConfigError('--seeds: required, got nothing');
      const workers = intFlag('workers', flags.workers, 1) ?? availableParallelism();
      const checkerTimeoutS = intFlag('checker-timeout', flags.checkerTimeout, 1);
      await loadPlugins(readRawConfigFile(configPath), dirname(configPath));
      const experiment = loadExperiment(configPath, flags.firstSeed === undefined ? {} : { seed: intFlag('first-seed', flags.firstSeed, 0)! });
      const config = experiment.config;
      if (config.engine !== 'sim') throw new ConfigError(`engine: swarm runs the simulator only, got ${JSON.stringify(config.engine)}`);
      const first = config.seed;
      const seeds = Array.from({ length: count }, (_, i) => first + i);
      const expectViolation = config.expectViolation;
      const started = performance.now();
      const progressEvery = Math.max(1, Math.floor(count / 20));
      let failedSoFar = 0;
      const results = await runSwarm({
        configPath,
        seeds,
        workers,
        ...(flags.checkDeterminism ? { checkDeterminism: true } : {}),
        ...(checkerTimeoutS !== undefined ? { checkerTimeoutMs: checkerTimeoutS * 1000 } : {}),
        onResult: (result, done) => {
          if (isFailure(classify(result), expectViolation)) {
            failedSoFar++;
            process.stderr.write(`  FAIL seed ${result.seed} (${classify(result)}): quorumbench run ${configPath} --seed ${result.seed}\n`);
          }
          if (done % progressEvery === 0 || done === count) {
            process.stderr.write(`  ${done}/${count} seeds, ${failedSoFar} failed, ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
          }
        },
      });
      const seconds = (performance.now() - started) / 1000;
      const tally = Object.fromEntries(CLASSES.map((kind) => [kind, 0])) as Record<SeedClass, number>;
      for (const result of results) tally[classify(result)]++;
      const header = ['config', 'seeds', ...CLASSES, 'time_s', 'seeds/s', 'workers'];
      const row = [configPath, results.length, ...CLASSES.map((kind) => tally[kind]), seconds.toFixed(1), (results.length / seconds).toFixed(2), Math.min(workers, count)];
      process.stdout.write(`${header.join('\t')}\n${row.join('\t')}\n`);
      if (flags.checkDeterminism) process.stdout.write(`determinism: every seed ran twice; ${results.filter((r) => r.deterministic === false).length} of ${results.length} differed\n`);

      const describe = (result: SeedResult) => {
        const detail = result.error ?? result.stuck ?? (result.deterministic === false ? 'second run differed' : '');
        return `seed ${result.seed} ${classify(result)} [${result.label}]${detail ? ` ${detail}` : ''}\n  replay: quorumbench run ${shellWord(configPath)} --seed ${result.seed}`;
      };
      const failures = results.filter((r) => isFailure(classify(r), expectViolation));
      failures.slice(0, MAX_LISTED).forEach((f) => process.stdout.write(`FAIL ${describe(f)}\n`));
      if (failures.length > MAX_LISTED) process.stdout.write(`... and ${failures.length - MAX_LISTED} more failures (see --json)\n`);
      if (expectViolation) {
        const found = results.filter((r) => classify(r) === 'violation');
        process.stdout.write(`expectViolation: ${found.length} of ${results.length} seeds violated linearizability (expected: faults beyond tolerance)\n`);
        found.slice(0, 5).forEach((f) => process.stdout.write(`FOUND ${describe(f)}\n`));
        if (found.length === 0) process.stdout.write('expected violations but found none\n');
      }
      if (flags.json !== undefined) {
        writeFileAtomic(flags.json, `${JSON.stringify({ config: configPath, seeds: results.length, firstSeed: first, workers, seconds, tally, results }, null, 1)}\n`);
      }
      process.exitCode = swarmExitCode(results, expectViolation);
    });
}
