/**
 * `--run-folder`: a process of a real-engine run removes the run's private folder (its cluster file
 * and run secret) when its stdin closes, which happens when the harness that holds the other end
 * dies without its exit hooks (SIGKILL); stopped on purpose (SIGTERM, as the engine stops its local
 * processes) it leaves the folder to the harness, which still reads the traces in it. The option
 * only ever names the cluster file's own folder.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loaderFlags } from '../harness/entry-points.ts';
import { PROJECT_ROOT, SERVE_ENTRY } from '../harness/real/launch.ts';
import { startNodeScript } from '../harness/real/processes.ts';
import { makeRunFolder, removeOrphanedRunFolders } from '../harness/real/run-folder.ts';
import { writeTestSecret } from './support/auth.ts';

const root = mkdtempSync(join(tmpdir(), 'quorumbench-run-folder-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A run folder as the engine makes it: a cluster file of three servers and the secret. */
function runFolder(name: string): { readonly folder: string; readonly cluster: string; readonly secret: string } {
  const folder = join(root, name);
  mkdirSync(folder, { mode: 0o700 });
  const cluster = join(folder, 'cluster.json');
  writeFileSync(cluster, JSON.stringify({ seed: 1, runId: 'run-folder-test', protocol: { name: 'abd', t: 1 }, cluster: { s1: '127.0.0.1:1', s2: '127.0.0.1:2', s3: '127.0.0.1:3' } }));
  return { folder, cluster, secret: writeTestSecret(folder) };
}

function serveArgs(run: ReturnType<typeof runFolder>, folderArg: string): string[] {
  return ['--id', 's1', '--listen', '127.0.0.1:0', '--cluster', run.cluster, '--secret-file', run.secret, '--exit-on-stdin-close', '--run-folder', folderArg];
}

describe('serve --run-folder', () => {
  it('removes the folder when stdin closes, keeps it when stopped by SIGTERM, and names only the cluster file folder', async () => {
    const closed = runFolder('closed');
    const signalled = runFolder('signalled');
    const other = runFolder('other');
    const byStdin = startNodeScript('server closed', SERVE_ENTRY, serveArgs(closed, closed.folder), PROJECT_ROOT);
    const bySignal = startNodeScript('server signalled', SERVE_ENTRY, serveArgs(signalled, signalled.folder), PROJECT_ROOT);
    // At the same time: a --run-folder that is not the cluster file's folder.
    const refused = new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [...loaderFlags(SERVE_ENTRY), SERVE_ENTRY, ...serveArgs(other, root)], { cwd: PROJECT_ROOT, encoding: 'utf8' }, (_error, _stdout, stderr) =>
        resolve({ code: child.exitCode, stderr }),
      );
    });
    await Promise.all([byStdin, bySignal].map((child) => child.waitForLine((line) => line.event === 'ready', 60_000)));

    byStdin.child.stdin!.end();
    await byStdin.done;
    assert.equal(byStdin.exitCode, 0, byStdin.stderr);
    assert.equal(existsSync(closed.folder), false, 'the folder of a server whose stdin closed is left');

    bySignal.kill('SIGTERM');
    await bySignal.done;
    assert.equal(bySignal.exitCode, 0, bySignal.stderr);
    assert.equal(existsSync(signalled.cluster), true, 'a server stopped by SIGTERM removed its folder');

    const { code, stderr } = await refused;
    assert.equal(code, 2);
    assert.equal(stderr, `quorumbench serve: --run-folder: ${JSON.stringify(root)} is not the folder of --cluster ${JSON.stringify(other.cluster)}\n`);
    assert.equal(existsSync(other.cluster), true);
  });
});

describe('run folders left by a harness killed with its children', () => {
  /** A folder in `parent` as an earlier run made it, naming `pid` as its harness (none: no file). */
  function leftFolder(parent: string, name: string, pid: number | undefined): string {
    const folder = join(parent, name);
    mkdirSync(folder, { mode: 0o700 });
    writeFileSync(join(folder, 'secret'), 'x'.repeat(64));
    if (pid !== undefined) writeFileSync(join(folder, 'harness.pid'), `${pid}\n`);
    return folder;
  }

  it('the next run removes the folders whose harness is gone, and only those', () => {
    const parent = join(root, 'tmp');
    mkdirSync(parent);
    // A process that has exited: its pid names no process now (the kernel does not reuse it at once).
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const orphan = leftFolder(parent, 'quorumbench-real-orphan', gone);
    const running = leftFolder(parent, 'quorumbench-real-running', process.pid);
    const unnamed = leftFolder(parent, 'quorumbench-real-unnamed', undefined);
    const foreign = leftFolder(parent, 'something-else', gone);

    const before = process.env.TMPDIR;
    process.env.TMPDIR = parent;
    let made: string;
    try {
      made = makeRunFolder();
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
    assert.equal(existsSync(orphan), false, 'a folder whose harness is gone is left');
    for (const kept of [running, unnamed, foreign]) assert.equal(existsSync(kept), true, `${kept} was removed`);
    assert.ok(made.startsWith(join(parent, 'quorumbench-real-')));
    assert.equal(readFileSync(join(made, 'harness.pid'), 'utf8'), `${process.pid}\n`);
    // This run's own folder names a live harness: a second sweep keeps it.
    assert.equal(removeOrphanedRunFolders(parent), 0);
    assert.equal(existsSync(made), true);
  });
});
