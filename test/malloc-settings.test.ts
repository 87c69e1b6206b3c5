/**
 * The allocator settings reach every process that codes values: the `quorumbench` commands that
 * restart themselves with them (and stop if the restarting process is killed), the local children
 * the real engine starts, and the remote script of a multi-host run; a GLIBC_TUNABLES the user set,
 * empty included, is left as it is.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../harness/entry-points.ts';
import { commandWantsSettings, MALLOC_SETTINGS, mallocSettingsEnv, remoteSettingsLine } from '../harness/malloc-settings.ts';
import { startCommand, startNodeScript } from '../harness/real/processes.ts';
import { shellQuote } from '../harness/shell-word.ts';
import { alive } from '../harness/real/serve-lifetime.ts';

const dir = mkdtempSync(join(tmpdir(), 'qb-malloc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of this process without GLIBC_TUNABLES, plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('GLIBC_TUNABLES' in extra)) delete env['GLIBC_TUNABLES'];
  return env;
}

describe('allocator settings', () => {
  it('are added to a child environment only when the user set no GLIBC_TUNABLES', () => {
    assert.deepEqual(mallocSettingsEnv({}), { GLIBC_TUNABLES: MALLOC_SETTINGS });
    assert.deepEqual(mallocSettingsEnv({ GLIBC_TUNABLES: '' }), {});
    assert.deepEqual(mallocSettingsEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }), {});
  });

  it('are wanted by the commands that code values or measure, not by quick ones', () => {
    for (const command of ['run', 'reproduce', 'calibrate', 'swarm']) assert.equal(commandWantsSettings(['node', 'quorumbench', command, 'x.yaml']), true, command);
    for (const command of ['check', 'compare', 'serve', 'trace', '--help']) assert.equal(commandWantsSettings(['node', 'quorumbench', command]), false, command);
    assert.equal(commandWantsSettings(['node', 'quorumbench']), false);
    assert.equal(commandWantsSettings(['node', 'quorumbench', 'run', '--help']), false);
  });

  it('`quorumbench run` restarts with them, records them, and keeps the exit code; a set GLIBC_TUNABLES wins', { skip: process.platform !== 'linux' }, () => {
    const config = join(dir, 'tiny.yaml');
    writeFileSync(config, 'name: tiny\nprotocol: { name: abd, t: 1 }\nnetwork: { preset: dc }\nworkload: { keys: 1, writers: 1, readers: 1, valueBytes: 16, operations: 20 }\n');
    const run = (out: string, env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', 'run', config, '--out', join(dir, out)], { cwd: PROJECT_ROOT, encoding: 'utf8', env });
    const tunables = (out: string): unknown => (JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as { meta: Record<string, unknown> }).meta['glibcTunables'];

    const restarted = run('restarted', envWith({}));
    assert.equal(restarted.status, 0, restarted.stderr);
    assert.equal(tunables('restarted'), MALLOC_SETTINGS);
    const defaults = run('defaults', envWith({ GLIBC_TUNABLES: '' }));
    assert.equal(defaults.status, 0, defaults.stderr);
    assert.equal(tunables('defaults'), '');

    // Under a profiler the command is not restarted: the profile would be of the wrong process.
    const profiles = join(dir, 'profiles');
    const profiled = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--import', 'tsx', 'bin/quorumbench.ts', 'run', config, '--out', join(dir, 'profiled')], { cwd: PROJECT_ROOT, encoding: 'utf8', env: envWith({}) });
    assert.equal(profiled.status, 0, profiled.stderr);
    assert.equal(tunables('profiled'), '');
    // Profile files are named CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: one process wrote them all.
    const pids = new Set(readdirSync(profiles).map((name) => name.split('.')[3]));
    assert.equal(pids.size, 1, `profiles of ${[...pids].join(', ')}`);

    writeFileSync(config, 'name: tiny\nprotocol: { name: abd, t: 0 }\n');
    const bad = run('bad', envWith({}));
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });

  it('a restarted `quorumbench run` stops when the process that restarted it is killed with SIGKILL', { skip: process.platform !== 'linux' }, async () => {
    const config = join(dir, 'long.yaml');
    // Long enough (about 200,000 operations) that the kill arrives while the run is going.
    writeFileSync(config, 'name: long\nprotocol: { name: abd, t: 1 }\nnetwork: { preset: dc }\nworkload: { keys: 4, writers: 2, readers: 6, valueBytes: 64, operations: 200000 }\n');
    const out = join(dir, 'long-out');
    const restarter = spawn(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', 'run', config, '--out', out], { cwd: PROJECT_ROOT, env: envWith({}), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve) => {
      restarter.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/run 1\/1 base#0: \d+\/200000 ops/.test(stderr)) resolve();
      });
    });
    const children = readFileSync(`/proc/${restarter.pid}/task/${restarter.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    assert.equal(children.length, 1, `children of the restarting process: ${children.join(' ')}`);
    const running = children[0]!;
    restarter.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(running) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(running), false, 'the restarted run outlived the process that restarted it');
    assert.equal(existsSync(out), false, 'a results folder was written');
  });

  it('a restarted process whose restarter is already gone when it starts stops at once, writing nothing', { skip: process.platform !== 'linux' }, () => {
    const config = join(dir, 'orphan.yaml');
    writeFileSync(config, 'name: orphan\nprotocol: { name: abd, t: 1 }\nnetwork: { preset: dc }\nworkload: { keys: 4, writers: 2, readers: 6, valueBytes: 64, operations: 200000 }\n');
    const out = join(dir, 'orphan-out');
    // As if restarted by a process that was SIGKILLed before this one looked: a pid that is not its parent.
    const env = envWith({ GLIBC_TUNABLES: MALLOC_SETTINGS, QUORUMBENCH_GLIBC_TUNABLES: 'harness', QUORUMBENCH_RESTARTED_BY: String(process.pid + 1_000_000) });
    const orphan = spawnSync(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', 'run', config, '--out', out], { cwd: PROJECT_ROOT, encoding: 'utf8', env, timeout: 60_000 });
    assert.equal(orphan.signal, 'SIGTERM', `status ${orphan.status}, stderr: ${orphan.stderr}`);
    assert.equal(existsSync(out), false, 'a results folder was written');
  });

  it('reach a child the real engine starts', async () => {
    const script = join(dir, 'print-env.mjs');
    writeFileSync(script, "console.log(JSON.stringify({ event: 'env', tunables: process.env.GLIBC_TUNABLES ?? null }));\n");
    const saved = process.env['GLIBC_TUNABLES'];
    delete process.env['GLIBC_TUNABLES'];
    try {
      const child = startNodeScript('print-env', script, [], dir);
      await child.done;
      assert.deepEqual(child.lines, [{ event: 'env', tunables: MALLOC_SETTINGS }]);
    } finally {
      if (saved !== undefined) process.env['GLIBC_TUNABLES'] = saved;
    }
  });

  it("do not reach a program that is not the harness's (an external node): it gets the user's environment", async () => {
    const script = join(dir, 'print-env.mjs');
    writeFileSync(script, "console.log(JSON.stringify({ event: 'env', tunables: process.env.GLIBC_TUNABLES ?? null }));\n");
    const saved = { tunables: process.env['GLIBC_TUNABLES'], marker: process.env['QUORUMBENCH_GLIBC_TUNABLES'] };
    const restore = (name: string, value: string | undefined): void => {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    };
    try {
      // This process as a restarted harness: the settings are the harness's.
      process.env['GLIBC_TUNABLES'] = MALLOC_SETTINGS;
      process.env['QUORUMBENCH_GLIBC_TUNABLES'] = 'harness';
      const external = startCommand('external', [process.execPath, script], dir, () => false);
      await external.done;
      assert.deepEqual(external.lines, [{ event: 'env', tunables: null }]);
      // A value the user set is the user's environment: it stays.
      process.env['GLIBC_TUNABLES'] = 'glibc.malloc.hugetlb=1';
      delete process.env['QUORUMBENCH_GLIBC_TUNABLES'];
      const own = startCommand('external', [process.execPath, script], dir, () => false);
      await own.done;
      assert.deepEqual(own.lines, [{ event: 'env', tunables: 'glibc.malloc.hugetlb=1' }]);
    } finally {
      restore('GLIBC_TUNABLES', saved.tunables);
      restore('QUORUMBENCH_GLIBC_TUNABLES', saved.marker);
    }
  });

  it('are set by the remote script unless the local user or the remote environment sets its own', () => {
    const remote = (local: Record<string, string>, there: Record<string, string>): string =>
      spawnSync('sh', ['-c', `${remoteSettingsLine(shellQuote, local)}; printf %s "$GLIBC_TUNABLES"`], { encoding: 'utf8', env: envWith(there) }).stdout;
    assert.equal(remote({}, {}), MALLOC_SETTINGS);
    assert.equal(remote({}, { GLIBC_TUNABLES: '' }), '');
    assert.equal(remote({}, { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }), 'glibc.malloc.hugetlb=1');
    assert.equal(remote({ GLIBC_TUNABLES: '' }, { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }), '');
    assert.equal(remote({ GLIBC_TUNABLES: "it's" }, {}), "it's");
    // The harness's own settings (a restarted process) are not the user's: the remote environment still wins.
    assert.equal(remote({ GLIBC_TUNABLES: MALLOC_SETTINGS, QUORUMBENCH_GLIBC_TUNABLES: 'harness' }, { GLIBC_TUNABLES: '' }), '');
  });
});
