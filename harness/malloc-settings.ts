/**
 * @module The allocator settings the harness runs its processes with, and the restart that applies
 * them to the `quorumbench` command itself.
 *
 * Erasure coding and large messages allocate megabytes per call. With glibc's defaults every
 * allocation above 128 KiB (a threshold that adapts up to 32 MiB) is a fresh `mmap` whose pages fault
 * on first write, and freed memory at the top of the heap goes back to the kernel, so a 64 MiB encode
 * spent most of its time in page faults (docs/cost-model.md, "Memory"). Raising both thresholds to
 * 256 MiB lets the heap keep and reuse what large calls free. glibc reads these settings only at
 * process start (`GLIBC_TUNABLES`; no Node API can change them later), hence environment variables
 * for children and a restart for the command. Other C libraries ignore the variable.
 *
 * A `GLIBC_TUNABLES` already in the environment, empty included, is the user's choice and wins:
 * `GLIBC_TUNABLES= quorumbench run …` runs with glibc's defaults.
 */
import { spawn } from 'node:child_process';

export const MALLOC_SETTINGS = 'glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=268435456';

/** Names the restarting process in the restarted one's environment. */
const RESTARTED_BY = 'QUORUMBENCH_RESTARTED_BY';

/** How often a restarted process checks that the process that restarted it is still there. */
const PARENT_POLL_MS = 500;

/** Commands that code large values or measure: worth one more process start (about 50 ms). */
const RESTARTED_COMMANDS = new Set(['run', 'reproduce', 'calibrate', 'swarm']);

/** The variables to add to a child's environment: none when the user has set `GLIBC_TUNABLES`. */
export function mallocSettingsEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env['GLIBC_TUNABLES'] === undefined ? { GLIBC_TUNABLES: MALLOC_SETTINGS } : {};
}

/** The settings line of a remote shell script: the remote user's own `GLIBC_TUNABLES` wins there too. */
export const MALLOC_SETTINGS_SHELL = `export GLIBC_TUNABLES="\${GLIBC_TUNABLES-${MALLOC_SETTINGS}}"`;

/** Whether the `quorumbench` command line `argv` (process.argv) runs a command that wants the settings. */
export function commandWantsSettings(argv: readonly string[]): boolean {
  return RESTARTED_COMMANDS.has(argv[2] ?? '');
}

/**
 * Runs this very script again (same Node flags, arguments, stdio) with the settings in its
 * environment, relays signals to it, and ends this process as the child ended. Returns whether it
 * did: when false (not Linux, or `GLIBC_TUNABLES` already set), the caller runs normally. node's `spawn`
 * rather than execa: this runs before every such command and execa would add to its start.
 */
export function restartWithSettings(argv: readonly string[] = process.argv): boolean {
  if (process.platform !== 'linux' || process.env['GLIBC_TUNABLES'] !== undefined) return false;
  const child = spawn(process.execPath, [...process.execArgv, ...argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...mallocSettingsEnv(), [RESTARTED_BY]: String(process.pid) },
  });
  // Ctrl-C reaches both processes (one process group); a signal sent to this pid alone is relayed.
  // The child then sees Ctrl-C twice, which only repeats the stop it began at the first.
  const relay = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, relay);
  child.on('error', (error) => {
    process.stderr.write(`quorumbench: could not restart with the allocator settings: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, relay);
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  return true;
}

/**
 * In a process that {@link restartWithSettings} started: when the process that started it is gone
 * (killed with SIGKILL, which it cannot relay), stop as on SIGTERM, so that the run's own cleanup
 * runs and nothing goes on without the command the user started.
 */
export function stopWhenRestarterGone(env: NodeJS.ProcessEnv = process.env): void {
  const restarter = Number(env[RESTARTED_BY]);
  // Not for this process's own children (servers, workers): they have their own lifetimes.
  delete env[RESTARTED_BY];
  if (restarter !== process.ppid) return;
  const timer = setInterval(() => {
    if (process.ppid === restarter) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, PARENT_POLL_MS);
  timer.unref();
}
