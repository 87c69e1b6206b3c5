/**
 * Nothing is left behind when `quorumbench run` is interrupted: a real SIGINT to a child process in
 * the middle of a simulated run, and one while a staging folder holds written files, leave no
 * results folder, no empty history/ and no staging folder; a completed write replaces history/ whole.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stageFolder } from '../harness/results/staging.ts';

const root = mkdtempSync(join(tmpdir(), 'qb-interrupt-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('SIGINT during a simulated run: exit 130, no results folder, no staging folder', async () => {
  const dir = join(root, 'run');
  mkdirSync(dir);
  // Long enough (about 200,000 operations) that the signal arrives while the run is going.
  writeFileSync(
    join(dir, 'long.yaml'),
    'name: long\nprotocol: { name: abd, t: 1 }\nnetwork: { preset: dc }\nworkload: { keys: 4, writers: 2, readers: 6, valueBytes: 64, operations: 200000 }\n',
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', 'run', join(dir, 'long.yaml'), '--out', join(dir, 'out')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // The first progress line: the run has started and nothing is written yet.
      if (/run 1\/1 base#0: \d+\/200000 ops/.test(stderr)) resolve();
    });
  });
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  assert.deepEqual(readdirSync(dir), ['long.yaml']);
});

test('SIGINT while a staging folder holds files: the exit hook removes it', () => {
  const dir = join(root, 'staged');
  mkdirSync(dir);
  const staging = new URL('../harness/results/staging.ts', import.meta.url).href;
  const script = [
    `import { writeFileSync } from 'node:fs';`,
    `import { exitOnInterrupt, stageFolder } from ${JSON.stringify(staging)};`,
    `exitOnInterrupt();`,
    `const staged = stageFolder(${JSON.stringify(join(dir, 'out'))});`,
    `writeFileSync(staged.path + '/summary.json', '{}');`,
    `process.kill(process.pid, 'SIGINT');`,
    `setTimeout(() => {}, 10_000);`,
  ].join('\n');
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 130, result.stderr);
  assert.deepEqual(readdirSync(dir), []);
});

test('a commit into an existing folder replaces history/ whole and keeps unrelated files', () => {
  const out = join(root, 'existing');
  mkdirSync(join(out, 'history'), { recursive: true });
  writeFileSync(join(out, 'history', 'old-run.jsonl'), 'stale\n');
  writeFileSync(join(out, 'notes.txt'), 'mine\n');
  writeFileSync(join(out, 'runs.csv'), 'old\n');
  const staged = stageFolder(out);
  mkdirSync(join(staged.path, 'history'));
  writeFileSync(join(staged.path, 'history', 'base_0.jsonl'), 'new\n');
  writeFileSync(join(staged.path, 'runs.csv'), 'new\n');
  assert.deepEqual(staged.commit(), [join(out, 'history', 'base_0.jsonl'), join(out, 'runs.csv')]);
  staged.discard();
  assert.deepEqual(readdirSync(out).sort(), ['history', 'notes.txt', 'runs.csv']);
  assert.deepEqual(readdirSync(join(out, 'history')), ['base_0.jsonl']);
  assert.equal(readFileSync(join(out, 'runs.csv'), 'utf8'), 'new\n');
  assert.deepEqual(readdirSync(root).filter((name) => name.includes('partial')), []);
});
