/**
 * Swarm draws: a pure function of (config, seed), within the protocol's tolerance unless
 * expectViolation, and done in the run path so that `run --seed S` replays swarm seed S exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadExperiment, parseConfig, readConfigFile, resolveExperiment } from '../harness/config/index.ts';
import { resolveProtocol } from '../harness/config/resolve.ts';
import { drawSwarm } from '../harness/faults/swarm-draw.ts';
import { runOnce } from '../harness/runner/index.ts';
import { runDigest, runSwarmSeed } from '../harness/swarm/run-seed.ts';

const CONFIGS = ['abd-crash', 'abd-byzantine', 'bft-signed-mixed', 'powerstore-mixed', 'm-powerstore-mixed'].map((name) => `configs/swarm/${name}.yaml`);

function draw(path: string, seed: number) {
  const config = { ...readConfigFile(path), seed };
  const { protocol, n } = resolveProtocol(config);
  const drawn = drawSwarm(config, protocol, n, seed);
  return { ...drawn, protocol, t: drawn.config.protocol.t };
}

/** Servers a drawn config crashes, and servers it makes Byzantine (faults and schedule together). */
function faultyServers(config: ReturnType<typeof draw>['config']): { crashed: Set<string>; byzantine: Set<string> } {
  const crashed = new Set<string>();
  const byzantine = new Set<string>();
  const isServer = (node: string) => /^s\d+$/.test(node);
  for (const fault of config.faults) {
    if (fault.type === 'crash' && isServer(fault.node)) crashed.add(fault.node);
    if (fault.type === 'byzantine') byzantine.add(fault.node);
  }
  for (const entry of config.schedule ?? []) {
    if (entry.action === 'crash' && typeof entry.node === 'string' && isServer(entry.node)) crashed.add(entry.node);
    if ((entry.action === 'revert' || entry.action === 'byzantine') && typeof entry.node === 'string') byzantine.add(entry.node);
  }
  return { crashed, byzantine };
}

test('a draw is a pure function of (config, seed); different seeds draw differently', () => {
  for (const path of CONFIGS) {
    assert.deepEqual(draw(path, 7).config, draw(path, 7).config);
    const labels = new Set(Array.from({ length: 10 }, (_, i) => draw(path, 100 + i).label));
    assert.ok(labels.size >= 8, `${path}: 10 seeds drew only ${labels.size} distinct mixes`);
  }
});

test('within tolerance: at most t faulty servers, at most t Byzantine; ABD crash-only never Byzantine', () => {
  const seen = new Map<string, Set<string>>();
  for (const path of CONFIGS) {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const { config, protocol, t, label } = draw(path, seed);
      const tolerance = protocol.tolerance(t);
      const { crashed, byzantine } = faultyServers(config);
      for (const node of byzantine) crashed.delete(node);
      if (path.includes('abd-byzantine')) {
        // Beyond tolerance by design: exactly one Byzantine (or reverting) server per seed.
        assert.equal(byzantine.size, 1, `${path} seed ${seed}: ${label}`);
        assert.equal(crashed.size, 0);
      } else {
        // At least one faulty server (minFaultyServers: 1), at most t; t itself drawn from [1, 2].
        assert.ok(t === 1 || t === 2, `${path} seed ${seed}: t=${t}`);
        assert.ok(crashed.size + byzantine.size >= 1 || !label.includes(':'), `${path} seed ${seed}: ${label}`);
        assert.ok(byzantine.size <= tolerance.byzantine, `${path} seed ${seed}: ${label}`);
        assert.ok(crashed.size + byzantine.size <= Math.max(tolerance.crash, tolerance.byzantine), `${path} seed ${seed}: ${label}`);
      }
      // The drawn config passes the same validation as any config (fault budget, node names).
      resolveExperiment(config);
      for (const entry of config.schedule ?? []) kinds.add(entry.action);
      for (const fault of config.faults) kinds.add(fault.type);
    }
    seen.set(path, kinds);
  }
  assert.deepEqual([...seen.get('configs/swarm/abd-crash.yaml')!].sort(), ['crash', 'hold', 'partition', 'pause', 'slow']);
  // The Byzantine-tolerant swarms draw every kind of fault somewhere in 300 seeds.
  for (const name of ['bft-signed-mixed', 'powerstore-mixed', 'm-powerstore-mixed']) {
    const kinds = seen.get(`configs/swarm/${name}.yaml`)!;
    for (const kind of ['crash', 'byzantine', 'revert', 'pause', 'partition', 'hold', 'slow', 'hostile-client']) assert.ok(kinds.has(kind), `${name} never drew ${kind}`);
  }
});

test('run --seed S replays swarm seed S exactly (same digest); the ABD+Byzantine seed violates', async () => {
  const path = 'configs/swarm/abd-byzantine.yaml';
  const swarm = await runSwarmSeed(path, 10, { checkDeterminism: true });
  assert.equal(swarm.deterministic, true);
  assert.equal(swarm.verdict, 'violation');
  // What `quorumbench run <config> --seed 10` runs:
  const replay = await runOnce(loadExperiment(path, { seed: 10 }).runs[0]!);
  assert.equal(runDigest(replay), swarm.digest);
  const other = await runSwarmSeed(path, 11);
  assert.notEqual(other.digest, swarm.digest);
});

test('swarm section validation: unknown strategy, bad latency, budget above tolerance (exit-2 errors)', () => {
  const base = readConfigFile('configs/swarm/bft-signed-mixed.yaml');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ strategies: ['forge', 'nope'] }, /^swarm\.strategies\[1\]: unknown strategy "nope"/],
    [{ latencies: [{ distribution: 'constant', oneWayMs: -1 }] }, /^swarm\.latencies\[0\]\.oneWayMs: must be >= 0/],
    [{ t: undefined, maxFaultyServers: 2 }, /^swarm\.maxFaultyServers: bft-signed with t=1 tolerates 1 faulty servers, got 2/],
    [{ t: [1, 2], maxFaultyServers: 3 }, /^swarm\.maxFaultyServers: bft-signed with t=2 tolerates 2 faulty servers, got 3/],
  ];
  for (const [swarm, pattern] of cases) {
    const raw = { ...base, swarm: { ...base.swarm, ...swarm } };
    assert.throws(() => resolveExperiment(parseConfig(raw)), (error: unknown) => error instanceof ConfigError && pattern.test(error.message), String(pattern));
  }
  assert.throws(
    () => resolveExperiment(parseConfig({ ...base, engine: 'real' })),
    (error: unknown) => error instanceof ConfigError && /^swarm: draws fault schedules, which only engine: sim runs, got engine: real/.test(error.message),
  );
  assert.throws(() => parseConfig({ ...base, swarm: { faults: ['meteor'] } }), (error: unknown) => error instanceof ConfigError && /^swarm\.faults\[0\]/.test(error.message));
});
