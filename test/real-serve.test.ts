/**
 * How a hand-started `quorumbench serve` stops: on SIGTERM and on SIGINT to its own pid (named by
 * `--pid-file`), and when it was started with `npx quorumbench serve &` and npx is killed (`kill $!`),
 * which signals npm's wrapper and not the server. Each time: its stats line, its pid file removed,
 * exit status 0, no process left. Also the wrapper detection on its own, and a pid file that names a
 * running server refused.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { clusterFileData, freePorts, PROJECT_ROOT } from '../harness/real/launch.ts';
import { isPackageWrapper } from '../harness/real/serve-lifetime.ts';
import { writeTestSecret } from './support/auth.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitFor(done: () => boolean, what: string, maxMs = 60_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Started {
  readonly child: ChildProcess;
  readonly lines: () => { event?: string; [field: string]: unknown }[];
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `command args`, detached (its own process group, as a shell's background job). */
function start(command: string, args: readonly string[]): Started {
  const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = (): { event?: string }[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event?: string });
  return { child, lines, stderr: () => stderr, exited };
}

describe('quorumbench serve stops cleanly, however it was started', () => {
  let dir: string;
  let clusterPath: string;
  let secretPath: string;
  let ports: number[];
  const leftovers: number[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quorumbench-serve-'));
    const run = resolveExperiment(
      parseConfig({ name: 'serve', engine: 'real', seed: 2, protocol: { name: 'abd', t: 1 }, network: { latency: { distribution: 'constant', oneWayMs: 0 } }, workload: { writers: 1, readers: 1, operations: 1 } }),
    ).runs[0]!;
    ports = await freePorts('127.0.0.1', run.n);
    const addresses = new Map(run.cluster.servers.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
    const data = clusterFileData(run, run.seed, addresses, 'unused');
    delete data.runId;
    clusterPath = join(dir, 'cluster.json');
    writeFileSync(clusterPath, JSON.stringify(data));
    secretPath = writeTestSecret(dir);
  });

  after(() => {
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const serveArgs = (id: string, port: number, pidFile: string): string[] => ['serve', '--id', id, '--listen', `127.0.0.1:${port}`, '--cluster', clusterPath, '--secret-file', secretPath, '--pid-file', pidFile];

  it('recognizes the wrappers npx runs a package bin through, and nothing else', () => {
    assert.equal(isPackageWrapper(['npm', 'exec', 'quorumbench', 'serve']), true);
    assert.equal(isPackageWrapper(['/usr/bin/npx', 'quorumbench']), true);
    assert.equal(isPackageWrapper(['sh', '-c', "'quorumbench'", 'serve', '--id', 's1']), true);
    assert.equal(isPackageWrapper(['sh', '-c', 'quorumbench', 'serve']), true);
    assert.equal(isPackageWrapper(['bash']), false);
    assert.equal(isPackageWrapper(['sh', 'start-quorumbench.sh']), false);
    assert.equal(isPackageWrapper(['node', 'bin/quorumbench.js', 'run', 'x.yaml']), false);
    assert.equal(isPackageWrapper([]), false);
  });

  for (const [i, signal] of (['SIGTERM', 'SIGINT'] as const).entries()) {
    it(`stops on ${signal} to the pid in its pid file: stats line, pid file removed, exit 0`, async () => {
      const pidFile = join(dir, `s${i + 1}.pid`);
      const server = start(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', ...serveArgs(`s${i + 1}`, ports[i]!, pidFile)]);
      leftovers.push(server.child.pid!);
      await waitFor(() => server.lines().some((line) => line.event === 'ready'), 'the ready line');
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.equal(pid, server.lines()[0]!.pid);
      if (i === 0) {
        // A second server cannot take over a pid file that names a running one.
        const second = start(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', ...serveArgs('s3', ports[2]!, pidFile)]);
        assert.equal(await second.exited, 2);
        assert.equal(second.stderr(), `quorumbench serve: --pid-file: "${pidFile}" names process ${pid}, which is running\n`);
      }
      process.kill(pid, signal);
      assert.equal(await server.exited, 0, server.stderr());
      assert.ok(server.lines().some((line) => line.event === 'stats'), 'no stats line');
      assert.equal(existsSync(pidFile), false, 'the pid file outlived the server');
      assert.equal(alive(pid), false);
    });
  }

  it('stops when it was started with npx and npx is killed (kill $!)', async () => {
    const pidFile = join(dir, 'npx.pid');
    // As `npx quorumbench serve ... &` in a shell: `$!` is npm's pid, and the server is its grandchild.
    const npx = start('npx', ['quorumbench', ...serveArgs('s3', ports[2]!, pidFile)]);
    leftovers.push(npx.child.pid!);
    await waitFor(() => npx.lines().some((line) => line.event === 'ready'), `the ready line (npx stderr: ${npx.stderr()})`, 120_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    leftovers.push(pid);
    assert.notEqual(pid, npx.child.pid, 'npx ran the server in its own process');
    process.kill(npx.child.pid!, 'SIGTERM');
    await waitFor(() => !alive(pid), 'the server to stop after npx was killed');
    assert.ok(npx.lines().some((line) => line.event === 'stats'), `no stats line; stderr: ${npx.stderr()}`);
    assert.match(npx.stderr(), /quorumbench serve s3: the process that started it \(pid \d+\) exited; stopping\n/);
    assert.equal(existsSync(pidFile), false, 'the pid file outlived the server');
  });
});
