/**
 * The swarm catches a subtle bug: ABD whose servers ignore readers' write-backs, so a read
 * may return a value that a later read does not see (new/old inversion). The 2,000-seed draws of
 * configs/swarm/abd-crash.yaml catch it on some seeds (`npx tsx test/swarm/mutation-scan.ts`); two
 * of those seeds are replayed here, with the mutation (violation) and without it (ok).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfigFile, resolveExperiment } from '../harness/config/index.ts';
import { runOnce } from '../harness/runner/index.ts';
import { checkHistory } from '../harness/checker/index.ts';
import { abd } from '../protocols/abd/index.ts';
import type { AnyProtocolDefinition } from '../protocols/types.ts';
import { abdNoWriteBack } from './swarm/mutants.ts';

/** Two of the abd-crash seeds (1..2000) on which the mutant violates (from mutation-scan.ts). */
const SEEDS = [296, 337];

async function verdict(seed: number, protocol: AnyProtocolDefinition): Promise<string> {
  const config = { ...readConfigFile('configs/swarm/abd-crash.yaml'), seed };
  const run = resolveExperiment(config, 'configs/swarm', { protocols: { abd: protocol } }).runs[0]!;
  return (await checkHistory((await runOnce(run, seed)).history)).verdict;
}

test('abd-crash swarm seeds that catch ABD without read write-back, and pass with ABD', async () => {
  for (const seed of SEEDS) {
    assert.equal(await verdict(seed, abdNoWriteBack), 'violation', `seed ${seed}, mutated`);
    assert.equal(await verdict(seed, abd), 'ok', `seed ${seed}, ABD`);
  }
});
