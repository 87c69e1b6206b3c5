/**
 * @module Process helpers for the real-engine tests: is a PID alive, which real-engine children
 * (servers, client processes) does a process have, and polling with a deadline.
 */
import { execFileSync } from 'node:child_process';

/** Whether a process with this PID exists (signal 0 probes without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Server and client processes among the direct children of `pid`, from ps (tsx's esbuild helper is neither). */
export function realChildrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('serve-entry') || line.includes('client-entry'))
      .map((line) => Number.parseInt(line.trim(), 10))
      .filter((value) => Number.isInteger(value) && value > 0);
  } catch {
    return []; // ps exits 1 when nothing matches
  }
}

export async function waitUntil(done: () => boolean, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
