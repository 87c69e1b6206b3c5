/**
 * Aimed swarm draws (`swarm.aim`, harness/faults/swarm-draw.ts): holds of a writer's messages to
 * servers that no drawn fault touches, next to the drawn selective liars. The draw stays a pure
 * function of (config, seed), comes after every other draw (a config without `aim` draws the same
 * faults, workload and schedule), `run --seed S` replays swarm seed S, and the holds do what they
 * are for: FILTER_UPDATEs, rare in the mixed swarm, become the common case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadExperiment, readConfigFile, resolveExperiment } from '../harness/config/index.ts';
import { resolveProtocol } from '../harness/config/resolve.ts';
import type { ExperimentConfig } from '../harness/config/schema.ts';
import { drawSwarm } from '../harness/faults/swarm-draw.ts';
import { runOnce } from '../harness/runner/index.ts';
import { runDigest, runSwarmSeed } from '../harness/swarm/run-seed.ts';
import { powerstore } from '../protocols/powerstore/index.ts';
import type { AnyProtocolDefinition, ServerMachine } from '../protocols/types.ts';

const AIMED = ['abd', 'bft-signed', 'powerstore', 'm-powerstore'].map((name) => `configs/swarm/${name}-aimed.yaml`);

function draw(config: ExperimentConfig, seed: number) {
  const { protocol, n } = resolveProtocol({ ...config, seed });
  return drawSwarm({ ...config, seed }, protocol, n, seed);
}

/** Servers a drawn config makes faulty (crash, Byzantine, revert), from faults and schedule. */
function faulty(config: ExperimentConfig): Set<string> {
  const out = new Set<string>();
  for (const fault of config.faults) if (/^s\d+$/.test(fault.node)) out.add(fault.node);
  for (const entry of config.schedule ?? []) {
    if ((entry.action === 'crash' || entry.action === 'byzantine' || entry.action === 'revert') && typeof entry.node === 'string') out.add(entry.node);
  }
  return out;
}

test('aimed draws: pure, holds only from writers to servers no drawn fault touches, within the configured ranges', () => {
  for (const path of AIMED) {
    const config = readConfigFile(path);
    const aim = config.swarm!.aim!;
    let holdsSeen = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const drawn = draw(config, seed);
      assert.deepEqual(draw(config, seed), drawn, `${path} seed ${seed}: not a pure function`);
      const bad = faulty(drawn.config);
      const t = drawn.config.protocol.t;
      const holds = drawn.label.split(',').filter((part) => part.startsWith('aim:'));
      assert.ok(holds.length >= aim.holds[0] && holds.length <= aim.holds[1], `${path} seed ${seed}: ${holds.length} aimed holds`);
      const entries = (drawn.config.schedule ?? []).slice(-holds.length);
      for (const entry of entries) {
        assert.equal(entry.action, 'hold');
        if (entry.action !== 'hold') continue;
        holdsSeen++;
        assert.ok(typeof entry.from === 'string' && /^w\d+$/.test(entry.from), `${path} seed ${seed}: from ${String(entry.from)}`);
        const targets = ([] as string[]).concat(entry.to ?? []);
        assert.ok(targets.length >= 1 && targets.length <= t, `${path} seed ${seed}: ${targets.length} targets at t=${t}`);
        for (const target of targets) assert.ok(!bad.has(target), `${path} seed ${seed}: hold to faulty ${target}`);
        assert.ok(entry.messageType === undefined || aim.messageTypes.includes(entry.messageType));
        assert.ok(entry.forMs !== undefined && entry.forMs >= Math.max(1, aim.holdMs[0]) && entry.forMs <= aim.holdMs[1]);
      }
      // The drawn config is valid like any config (within tolerance).
      resolveExperiment(drawn.config);
    }
    assert.ok(holdsSeen >= 100, `${path}: ${holdsSeen} holds in 100 seeds`);
  }
});

test('aimed holds are drawn last: without `aim` the same seed draws the same faults, workload and schedule', () => {
  for (const path of AIMED) {
    const config = readConfigFile(path);
    const { aim: _aim, ...plainSwarm } = config.swarm!;
    const plain = { ...config, swarm: plainSwarm };
    for (let seed = 1; seed <= 30; seed++) {
      const aimed = draw(config, seed).config;
      const without = draw(plain as ExperimentConfig, seed).config;
      assert.deepEqual(aimed.faults, without.faults);
      assert.deepEqual(aimed.workload, without.workload);
      assert.deepEqual(aimed.schedule!.slice(0, without.schedule!.length), without.schedule);
    }
  }
});

test('run --seed S replays aimed swarm seed S exactly', async () => {
  const path = 'configs/swarm/m-powerstore-aimed.yaml';
  const swarm = await runSwarmSeed(path, 7);
  assert.equal(swarm.verdict, 'ok');
  const replay = await runOnce(loadExperiment(path, { seed: 7 }).runs[0]!);
  assert.equal(runDigest(replay), swarm.digest);
});

test('FILTER_UPDATEs (what withhold-updates and confirm-stale lie about) are common under aimed holds, rare in the mixed swarm', async () => {
  let updates = 0;
  const counting: AnyProtocolDefinition = {
    ...powerstore,
    createServer(...args: Parameters<typeof powerstore.createServer>) {
      const server = powerstore.createServer(...args) as ServerMachine;
      return {
        handle(from, msg) {
          const out = server.handle(from, msg);
          updates += out.filter((send) => send.msg.type === 'FILTER_UPDATE').length;
          return out;
        },
        storedBytes: () => server.storedBytes(),
      };
    },
  };
  const seedsWithUpdates = async (name: string): Promise<number> => {
    let seeds = 0;
    for (let seed = 1; seed <= 10; seed++) {
      updates = 0;
      const config = { ...readConfigFile(`configs/swarm/${name}.yaml`), seed };
      await runOnce(resolveExperiment(config, 'configs/swarm', { protocols: { powerstore: counting } }).runs[0]!, seed);
      if (updates > 0) seeds++;
    }
    return seeds;
  };
  const mixed = await seedsWithUpdates('powerstore-mixed');
  const aimed = await seedsWithUpdates('powerstore-aimed');
  assert.ok(aimed >= 5 && aimed >= 2 * mixed, `seeds with a FILTER_UPDATE: aimed ${aimed} of 10, mixed ${mixed} of 10`);
});
