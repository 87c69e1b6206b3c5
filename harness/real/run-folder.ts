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
 */
import { rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, showValue } from '../config/errors.ts';

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
