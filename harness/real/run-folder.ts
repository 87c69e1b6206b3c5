/**
 * @module The private folder of a real-engine run (its cluster file, run secret and traces), as the
 * run's own processes see it: `serve --run-folder DIR` and `client-process --run-folder DIR`.
 *
 * The harness removes the folder when the run ends, and from its exit and signal hooks; a harness
 * killed by SIGKILL runs no hook, and the folder, with the run secret in it, would stay. Its
 * children notice that death anyway, as their stdin closes (the harness held its other end), and
 * the last to go removes the folder. A harness that stops its children on purpose signals them
 * (processes.ts), so a closing stdin means the harness is gone and needs neither file nor trace.
 * (Over SSH, closing stdin is the normal stop, and the remote process's folder is its own.)
 *
 * One path is left: SIGKILL to the whole process group (a CI job's timeout, `kill -9 -PGID`) takes
 * the children too. Each folder names the harness that made it (`harness.pid`), and the next local
 * run removes the folders whose harness is gone ({@link makeRunFolder}).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, showValue } from '../config/errors.ts';
import { alive } from './serve-lifetime.ts';

const RUN_FOLDER_PREFIX = 'quorumbench-real-';
const HARNESS_PID_FILE = 'harness.pid';

/**
 * Makes a new private run folder under the system's temporary folder, after removing the folders
 * earlier runs left there when their harness was killed with its children (their `harness.pid`
 * names a process that no longer exists). A folder without that file, or whose harness runs, stays.
 */
export function makeRunFolder(): string {
  removeOrphanedRunFolders(tmpdir());
  const folder = mkdtempSync(join(tmpdir(), RUN_FOLDER_PREFIX));
  writeFileSync(join(folder, HARNESS_PID_FILE), `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
  return folder;
}

/** Removes the run folders in `parent` whose harness process is gone; returns how many. */
export function removeOrphanedRunFolders(parent: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(parent).filter((name) => name.startsWith(RUN_FOLDER_PREFIX));
  } catch {
    return 0;
  }
  for (const name of names) {
    const folder = join(parent, name);
    const pid = harnessPidOf(folder);
    if (pid === undefined || alive(pid)) continue;
    removeRunFolder(folder);
    removed++;
  }
  return removed;
}

function harnessPidOf(folder: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(folder, HARNESS_PID_FILE), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // another user's folder, no pid file, or being removed right now
  }
}

/**
 * Checks `--run-folder`: it must be the folder of the cluster file, so that the option can never
 * remove anything but a run's own folder.
 */
export function checkRunFolder(runFolder: string, clusterPath: string): string {
  const folder = resolve(runFolder);
  if (folder !== dirname(resolve(clusterPath))) throw new ConfigError(`--run-folder: ${showValue(runFolder)} is not the folder of --cluster ${showValue(clusterPath)}`);
  return folder;
}

/** Removes the run's folder; the other processes of the run may be removing it at the same time. */
export function removeRunFolder(folder: string | undefined): void {
  if (folder === undefined) return;
  try {
    rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Another process of the run is removing it too (a file vanished or the folder was not yet empty).
  }
}

/**
 * Stops and exits when the harness that started this process is gone (stdin closed, or stdout
 * failing). The run's folder goes first: the stats line of `stop` may fail to reach a harness that
 * is gone.
 */
export function stopWhenHarnessGoes(runFolder: string | undefined, stop: () => Promise<void>): void {
  const exit = (): void => {
    removeRunFolder(runFolder);
    void stop().then(() => process.exit(0));
  };
  process.stdin.on('end', exit);
  process.stdin.on('error', exit);
  process.stdout.on('error', exit);
  process.stdin.resume();
}
