/**
 * How often the abd-crash swarm draws catch ABD without its read write-back (test/swarm/mutants.ts),
 * in one process:
 *
 *   npx tsx test/swarm/mutation-scan.ts [--seeds 2000] [--first-seed 1]
 *
 * Prints the number of violating seeds and the first ones (test/swarm-mutation.test.ts replays two).
 */
import { readConfigFile, resolveExperiment } from '../../harness/config/index.ts';
import { runOnce } from '../../harness/runner/index.ts';
import { checkHistory } from '../../harness/checker/index.ts';
import { abdNoWriteBack } from './mutants.ts';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index < 0 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value < 0) {
    process.stderr.write(`--${name}: expected a non-negative integer, got ${JSON.stringify(process.argv[index + 1])}\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const seeds = flag('seeds', 2000);
  const first = flag('first-seed', 1);
  const found: number[] = [];
  const started = performance.now();
  for (let seed = first; seed < first + seeds; seed++) {
    const config = { ...readConfigFile('configs/swarm/abd-crash.yaml'), seed };
    const run = resolveExperiment(config, 'configs/swarm', { protocols: { abd: abdNoWriteBack } }).runs[0]!;
    const check = await checkHistory((await runOnce(run, seed)).history, { excerpt: false, workers: 1 });
    if (check.verdict === 'violation') found.push(seed);
  }
  process.stdout.write(`abd without read write-back: ${found.length} of ${seeds} seeds violate (${((performance.now() - started) / 1000).toFixed(1)} s); first: ${found.slice(0, 10).join(', ')}\n`);
}

void main();
