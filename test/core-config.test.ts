/**
 * Config validation: bad configs are refused by the CLI with one line naming the field and the value,
 * exit code 2, and nothing written; the same rules checked in-process for more cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig, readRawConfigFile, resolveExperiment } from '../harness/config/index.ts';
import { abdConstantConfig } from './core-helpers.ts';

const ROOT = new URL('..', import.meta.url).pathname;

function runCli(config: unknown): { status: number | null; stderr: string; outExists: boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'qb-config-'));
  try {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(config));
    const out = join(dir, 'out');
    const child = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'bin', 'quorumbench.ts'), 'run', path, '--out', out], { encoding: 'utf8', cwd: dir });
    return { status: child.status, stderr: child.stderr, outExists: existsSync(out) || existsSync(join(dir, 'results')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertRefused(config: unknown, expected: RegExp): void {
  const { status, stderr, outExists } = runCli(config);
  assert.equal(status, 2, stderr);
  assert.match(stderr, expected);
  assert.equal(stderr.split('\n').length, 2, `one line expected, got ${JSON.stringify(stderr)}`);
  assert.equal(outExists, false);
}

test('CLI: unknown protocol ⇒ exit 2, one line naming protocol.name and the value, nothing written', () => {
  assertRefused(abdConstantConfig({ protocol: { name: 'abdx', t: 1 } }), /^config error: protocol\.name: unknown protocol "abdx" \(known: [^)]*\babd\b[^)]*\)\n$/);
});

test('CLI: negative latency ⇒ exit 2, one line naming the field and the value', () => {
  assertRefused(
    abdConstantConfig({ network: { latency: { distribution: 'constant', oneWayMs: -5 }, bandwidthMBps: 0 } }),
    /^config error: network\.latency\.oneWayMs: must be >= 0, got -5\n$/,
  );
});

test('CLI: t too large for the servers given ⇒ exit 2, one line', () => {
  assertRefused(abdConstantConfig({ protocol: { name: 'abd', t: 3 }, servers: 5 }), /^config error: protocol\.t: t=3 needs 7 servers but servers: 5 given\n$/);
});

test('CLI: faults beyond tolerance without expectViolation ⇒ exit 2, one line', () => {
  assertRefused(
    abdConstantConfig({ faults: [{ type: 'byzantine', node: 's2', strategy: 'stale' }] }),
    /^config error: faults: 0 crashed \+ 1 Byzantine servers exceed abd's tolerance with t=1 \(crash 1, Byzantine 0, Byzantine readers no\); set expectViolation: true to run anyway\n$/,
  );
});

test('a file that is not YAML: one line with where the parser stopped, no dangling colon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-config-'));
  try {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'name: x\nprotocol: {name: abd\n');
    assert.throws(() => readRawConfigFile(path), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^config: .*bad\.yaml is not valid YAML or JSON: .* at line 3, column 1$/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function refusal(raw: Record<string, unknown>): string {
  try {
    resolveExperiment(parseConfig(raw));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(!error.message.includes('\n'));
    return error.message;
  }
  assert.fail('config was accepted');
}

test('config errors name the field path and the bad value', () => {
  assert.equal(refusal(abdConstantConfig({ workload: { keys: 0, operations: 10 } })), 'workload.keys: must be >= 1, got 0');
  assert.equal(refusal(abdConstantConfig({ workload: { operations: 10, readRaito: 0.5 } })), 'workload.readRaito: unknown field (did you mean "readRatio"?)');
  assert.equal(
    refusal(abdConstantConfig({ network: { latency: { distribution: 'gaussian', meanMs: 1 } } })),
    'network.latency.distribution: must be one of "constant", "uniform", "normal", "exponential", "pareto", got "gaussian"',
  );
  assert.equal(refusal(abdConstantConfig({ network: { latency: { distribution: 'uniform', minMs: 5, maxMs: 1 } } })), 'network.latency.maxMs: must be >= minMs (5), got 1');
  assert.equal(refusal(abdConstantConfig({ protocol: { name: 'abd', t: 1, options: { fastread: true } } })), 'protocol.options.fastread: unknown field (did you mean "fastRead"?)');
  assert.equal(refusal(abdConstantConfig({ protocol: { name: 'abd', t: 1, options: { fastRead: 'yes' } } })), 'protocol.options.fastRead: expected boolean, got "yes"');
  assert.equal(refusal(abdConstantConfig({ workload: { writers: 1 } })), 'workload.operations: required (or workload.durationMs), got nothing');
  assert.equal(refusal(abdConstantConfig({ faults: [{ type: 'crash', node: 's9', atMs: 1 }] })), 'faults[0].node: no server or client "s9"');
  assert.equal(refusal(abdConstantConfig({ faults: [{ type: 'crash', node: 's1' }] })), 'faults[0]: give exactly one of atMs, afterOps, afterMessages, duringOp, got 0');
  assert.equal(
    refusal(abdConstantConfig({ expectViolation: true, faults: [{ type: 'byzantine', node: 's1', strategy: 'forge-everything' }] })),
    'faults[0].strategy: unknown strategy "forge-everything" for abd (known: silent, stale, two-faced, flip-flop, forge, corrupt)',
  );
  assert.equal(refusal(abdConstantConfig({ seed: -1 })), 'seed: must be >= 0, got -1');
  assert.equal(refusal({ ...abdConstantConfig(), name: 'a b' }), 'name: must be letters, digits, dot, dash or underscore, got "a b"');
  assert.equal(refusal(abdConstantConfig({ network: { preset: 'lan', global: { servers: ['tokyo'] } } })), 'network.global: only used with preset: global, got a placement');
  assert.equal(refusal(abdConstantConfig({ costProfile: 'nonexistent-profile.json' })), 'costProfile: not zero, default, or a readable profile file, got "nonexistent-profile.json"');
});

test('the constant-latency ABD example config is accepted exactly as written, with servers defaulting to 2t + 1', () => {
  const experiment = resolveExperiment(parseConfig(abdConstantConfig()));
  assert.equal(experiment.runs.length, 1);
  const run = experiment.runs[0]!;
  assert.equal(run.n, 3);
  assert.deepEqual(run.cluster.servers, ['s1', 's2', 's3']);
  assert.deepEqual(run.cluster.writers, ['w1']);
  assert.deepEqual(run.cluster.readers, ['r1']);
  assert.equal(run.seed, 42);
  // An explicit larger server count is allowed (more servers than 2t + 1).
  assert.equal(resolveExperiment(parseConfig(abdConstantConfig({ servers: 5 }))).runs[0]!.n, 5);
});

test('costProfile: a profile file (bare or a calibrate report) is read relative to the config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-profile-'));
  try {
    const profile = { name: 'lab', hash: { nsPerOp: 1, nsPerByte: 2 }, hmac: { nsPerOp: 0, nsPerByte: 0 }, sign: { nsPerOp: 0, nsPerByte: 0 }, verify: { nsPerOp: 0, nsPerByte: 0 }, encode: { nsPerOp: 0, nsPerByte: 0 }, decode: { nsPerOp: 0, nsPerByte: 0 }, message: { nsPerOp: 3, nsPerByte: 0 } };
    writeFileSync(join(dir, 'bare.json'), JSON.stringify(profile));
    writeFileSync(join(dir, 'report.json'), JSON.stringify({ profile, calibration: {} }));
    for (const file of ['bare.json', 'report.json']) {
      const run = resolveExperiment(parseConfig(abdConstantConfig({ costProfile: file })), dir).runs[0]!;
      assert.deepEqual(run.costProfile, profile);
    }
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...profile, hash: { nsPerOp: -1, nsPerByte: 0 } }));
    assert.throws(() => resolveExperiment(parseConfig(abdConstantConfig({ costProfile: 'bad.json' })), dir), (error: Error) => error instanceof ConfigError && /^costProfile: .*hash\.nsPerOp.*-1/.test(error.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
