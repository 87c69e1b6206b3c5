/**
 * `quorumbench swarm`: small swarms of every configs/swarm/ config (the 2,000-seed runs are
 * not part of `npm test`), the verdict table, replay lines, and exit codes 0 / 1 / 2.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classify, runSwarm, swarmExitCode } from '../harness/swarm/coordinator.ts';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

test('small swarms: the tolerant configs are all ok; ABD with a Byzantine server violates on some seeds', async () => {
  for (const name of ['abd-crash', 'bft-signed-mixed', 'powerstore-mixed', 'm-powerstore-mixed']) {
    const results = await runSwarm({ configPath: `configs/swarm/${name}.yaml`, seeds: [1, 2, 3, 4, 5, 6], workers: 1 });
    assert.deepEqual(
      results.map((r) => [r.seed, classify(r)]),
      [1, 2, 3, 4, 5, 6].map((seed) => [seed, 'ok']),
      `${name}: ${results.map((r) => `${r.seed} ${r.label} ${r.error ?? r.stuck ?? ''}`).join('; ')}`,
    );
  }
  const byzantine = await runSwarm({ configPath: 'configs/swarm/abd-byzantine.yaml', seeds: [5, 6, 7, 8, 9, 10], workers: 1 });
  const violations = byzantine.filter((r) => classify(r) === 'violation').map((r) => r.seed);
  assert.ok(violations.length >= 2, `only ${violations.join(',')} violated`);
  assert.ok(byzantine.every((r) => r.verdict !== 'error'));
  // Violations beyond tolerance are expected outcomes: the swarm succeeds (exit 0) because it found them.
  assert.equal(swarmExitCode(byzantine, true), 0);
  assert.equal(swarmExitCode(byzantine, false), 1);
});

test('CLI: table, two workers, determinism check, exit 0', async () => {
  const { code, stdout } = await cli(['swarm', 'configs/swarm/abd-crash.yaml', '--seeds', '2', '--first-seed', '20', '--workers', '2', '--check-determinism']);
  assert.equal(code, 0, stdout);
  const lines = stdout.trim().split('\n');
  assert.equal(lines[0], 'config\tseeds\tok\tviolation\tstuck\tunknown\terror\tnondeterministic\ttime_s\tseeds/s\tworkers');
  assert.match(lines[1]!, /^configs\/swarm\/abd-crash\.yaml\t2\t2\t0\t0\t0\t0\t0\t[\d.]+\t[\d.]+\t2$/);
  assert.equal(lines[2], 'determinism: every seed ran twice; 0 of 2 differed');
});

test('CLI: a blocked correct operation fails the swarm (exit 1) with a replay command; expectViolation with none found is 1; bad input is 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const stuck = join(dir, 'stuck.yaml');
  const base = ['engine: sim', 'protocol: { name: abd, t: 1 }', 'network: { latency: { distribution: constant, oneWayMs: 1 } }'];
  writeFileSync(stuck, [...base, 'name: stuck', 'workload: { writers: 1, readers: 1, operations: 4 }', 'schedule:', '  - { atMs: 0, action: hold, from: w1, to: [s2, s3] }', ''].join('\n'));
  const blocked = await cli(['swarm', stuck, '--seeds', '2', '--workers', '1']);
  assert.equal(blocked.code, 1);
  assert.match(blocked.stdout, /\t2\t0\t0\t2\t0\t0\t0\t/);
  assert.ok(blocked.stdout.includes(`FAIL seed 1 stuck [] run ended idle with 1 correct operations pending\n  replay: quorumbench run ${stuck} --seed 1`), blocked.stdout);

  const calm = join(dir, 'calm.yaml');
  writeFileSync(calm, [...base, 'name: calm', 'expectViolation: true', 'workload: { writers: 1, readers: 1, operations: 4 }', ''].join('\n'));
  const none = await runSwarm({ configPath: calm, seeds: [1, 2], workers: 1 });
  assert.deepEqual(none.map(classify), ['ok', 'ok']);
  assert.equal(swarmExitCode(none, true), 1);
  assert.equal(swarmExitCode(none, false), 0);

  const badSwarm = join(dir, 'bad.yaml');
  writeFileSync(badSwarm, [...base, 'name: bad', 'workload: { writers: 1, readers: 1, operations: 4 }', 'swarm: { strategies: [nope] }', ''].join('\n'));
  const bad = await cli(['swarm', badSwarm, '--seeds', '2']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^config error: swarm\.strategies\[0\]: unknown strategy "nope"/);
});
