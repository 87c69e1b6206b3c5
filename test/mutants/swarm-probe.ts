/**
 * A bounded swarm that stops at the first failing seed (the mutants runner starts it inside the
 * mutated copy of the tree, so it runs the mutated protocol code):
 *
 *   node --import tsx test/mutants/swarm-probe.ts <config> --seeds N [--first-seed S]
 *
 * Prints one JSON line: `{"failed":false,"seeds":N}` or `{"failed":true,"seed":S,"kind":...,"label":...}`;
 * exit code 1 when a seed failed, 0 when none did, 2 on bad arguments.
 */
import { classify, isFailure } from '../../harness/swarm/coordinator.ts';
import { readConfigFile } from '../../harness/config/index.ts';
import { runSwarmSeed } from '../../harness/swarm/run-seed.ts';

function usage(message: string): never {
  process.stderr.write(`swarm-probe: ${message}\n`);
  process.exit(2);
}

function intFlag(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const text = args[at + 1];
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(value)) usage(`--${name}: expected a non-negative integer, got ${JSON.stringify(text)}`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const config = args[0];
  if (config === undefined || config.startsWith('--')) usage('expected a config path first');
  const seeds = intFlag(args, 'seeds', 40);
  const first = intFlag(args, 'first-seed', 1);
  const expectViolation = readConfigFile(config).expectViolation;
  for (let seed = first; seed < first + seeds; seed++) {
    // A generous checker limit: a checker time-out counts as a failure, and should mean one.
    const result = await runSwarmSeed(config, seed, { checkerTimeoutMs: 120_000 });
    const kind = classify(result);
    if (isFailure(kind, expectViolation)) {
      process.stdout.write(`${JSON.stringify({ failed: true, seed, kind, label: result.label, detail: result.error ?? result.stuck })}\n`);
      process.exitCode = 1;
      return;
    }
  }
  process.stdout.write(`${JSON.stringify({ failed: false, seeds })}\n`);
}

void main();
