/**
 * @module How long a `quorumbench serve` process lives, whoever started it: its pid file, and the
 * launcher it stops with.
 *
 * `npx quorumbench serve &` starts three processes: npm, a `sh -c quorumbench ...` that npm spawns,
 * and the server (node) that the shell spawns. `kill $!` signals npm, which passes SIGTERM on to the
 * shell only; the shell dies without passing it to the server, which then kept running as an orphan.
 * So a server started by such a wrapper (its parent is `sh -c quorumbench ...` or `npm exec ...`)
 * watches it and stops cleanly, as on SIGTERM, once it is gone. A server started any other way
 * (`quorumbench serve` from a shell, a script or a supervisor) is signalled directly and
 * is not tied to its parent, so `nohup ... &` and start scripts keep working.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { ConfigError, showValue } from '../config/errors.ts';
import { writeFileAtomic } from '../results/writer.ts';
import { whenParentGone } from '../parent-watch.ts';

/** Whether process `pid` exists (EPERM: it does, as another user's process). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes this process's pid to `path` (through a temp file and a rename). A file naming another live
 * process is refused: two servers must not share one pid file.
 */
export function writePidFile(path: string): void {
  if (existsSync(path)) {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new ConfigError(`--pid-file: ${showValue(path)} names process ${pid}, which is running`);
    }
  }
  try {
    writeFileAtomic(path, `${process.pid}\n`);
  } catch (error) {
    throw new ConfigError(`--pid-file: cannot write ${showValue(path)}: ${(error as Error).message}`);
  }
}

/** Removes the pid file if it still names this process. */
export function removePidFile(path: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}

/** The arguments of process `pid` (Linux /proc), or [] where they cannot be read. */
function argumentsOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/).filter((word) => word !== '');
  } catch {
    return [];
  }
}

/** npm's exec (npx shows itself as `npm exec`), or the shell it runs the bin in: `sh -c quorumbench ...`. */
export function isPackageWrapper(args: readonly string[]): boolean {
  const program = args[0]?.split('/').pop() ?? '';
  if (program === 'npm' && (args[1] === 'exec' || args[1] === 'x')) return true;
  if (program === 'npx') return true;
  return ['sh', 'bash', 'dash'].includes(program) && args[1] === '-c' && /^'?quorumbench'?$/.test(args[2] ?? '');
}

/**
 * If this process was started by a package wrapper (npx, npm exec, their shell), calls `onGone` once
 * that wrapper has exited (the parent pid changed); returns whether it watches.
 */
export function stopWithLauncher(onGone: (launcherPid: number) => void): boolean {
  const launcher = process.ppid;
  if (!isPackageWrapper(argumentsOf(launcher))) return false;
  whenParentGone(launcher, () => onGone(launcher));
  return true;
}
