/**
 * @module The allocator settings the harness runs its own processes with, and the restart that
 * applies them to the `quorumbench` command itself.
 *
 * Erasure coding and large messages allocate megabytes per call. With glibc's defaults every
 * allocation above 128 KiB (a threshold that adapts up to 32 MiB) is a fresh `mmap` whose pages fault
 * on first write, and freed memory at the top of the heap goes back to the kernel, so a 64 MiB encode
 * spent most of its time in page faults (docs/cost-model.md, "Memory"). Raising both thresholds to
 * 256 MiB lets the heap keep and reuse what large calls free. glibc reads these settings only at
 * process start (`GLIBC_TUNABLES`; no Node API can change them later), hence environment variables
 * for children and a restart for the command. Other C libraries ignore the variable.
 *
 * A `GLIBC_TUNABLES` the user set, empty included, wins everywhere (here, in children, on other
 * hosts): `GLIBC_TUNABLES= quorumbench run …` runs with glibc's defaults. Programs that are not the
 * harness's own (external protocol nodes) run with the user's environment, never with the
 * harness's settings.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { whenParentGone } from './parent-watch.ts';

export const MALLOC_SETTINGS = 'glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=268435456';

/** Set in a restarted process and inherited by its children: their GLIBC_TUNABLES is the harness's, not the user's. */
const HARNESS_SET = 'QUORUMBENCH_GLIBC_TUNABLES';

/** The restarting process's pid, in the restarted process only (it removes it at once). */
const RESTARTED_BY = 'QUORUMBENCH_RESTARTED_BY';

/** Commands that code large values or measure: worth a second process start (about 0.1 s). */
const RESTARTED_COMMANDS = new Set(['run', 'reproduce', 'calibrate', 'swarm']);

/** Node flags that attach a debugger or profiler: the tool would attach to the restarting process. */
const DEBUG_FLAGS = /^--(inspect|cpu-prof|heap-prof|prof)/;

/** The user's own GLIBC_TUNABLES, if any (not the value a restart put there). */
export function userTunables(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[HARNESS_SET] === undefined ? env['GLIBC_TUNABLES'] : undefined;
}

/** The variables to add to the environment of a harness child (server, client process): the settings unless some are set. */
export function mallocSettingsEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env['GLIBC_TUNABLES'] === undefined ? { GLIBC_TUNABLES: MALLOC_SETTINGS } : {};
}

/** For a program that is not the harness's (an external node): the user's environment, without the harness's settings. */
export function userMallocEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  return env[HARNESS_SET] === undefined ? {} : { GLIBC_TUNABLES: undefined, [HARNESS_SET]: undefined };
}

/**
 * The settings line of the remote shell script of a process on another host: the local user's
 * GLIBC_TUNABLES if set, else the remote environment's if set there, else the harness's.
 * `quote` makes a shell word of a value.
 */
export function remoteSettingsLine(quote: (value: string) => string, env: NodeJS.ProcessEnv = process.env): string {
  const own = userTunables(env);
  return own === undefined ? `export GLIBC_TUNABLES="\${GLIBC_TUNABLES-${MALLOC_SETTINGS}}"` : `export GLIBC_TUNABLES=${quote(own)}`;
}

/** Whether the `quorumbench` command line `argv` (process.argv) runs a command that wants the settings. */
export function commandWantsSettings(argv: readonly string[]): boolean {
  return RESTARTED_COMMANDS.has(argv[2] ?? '') && !argv.includes('--help') && !argv.includes('-h');
}

/**
 * When `wanted`, runs this very script again (same Node flags, arguments, stdio) with the settings
 * and returns true: the caller must then do nothing, this process relays signals to the new one and
 * ends as it ends. Returns false when not wanted, not on Linux, when GLIBC_TUNABLES is already set
 * or under a debugger or profiler; the caller then runs, and if this process was itself restarted,
 * it stops (as on SIGTERM) once the process that restarted it is gone (killed with SIGKILL, which it
 * could not relay).
 */
export function restartWithSettings(wanted: boolean, argv: readonly string[] = process.argv): boolean {
  const restartable = process.platform === 'linux' && process.env['GLIBC_TUNABLES'] === undefined && !process.execArgv.some((flag) => DEBUG_FLAGS.test(flag));
  if (!(wanted && restartable)) {
    stopWhenRestarterGone();
    return false;
  }
  // node's `spawn` rather than execa: this runs before every such command, and execa would add to its start.
  const child = spawn(process.execPath, [...process.execArgv, ...argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, GLIBC_TUNABLES: MALLOC_SETTINGS, [HARNESS_SET]: 'harness', [RESTARTED_BY]: String(process.pid) },
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
    if (signal === null) process.exit(code ?? 1);
    process.kill(process.pid, signal);
    // Still here: this process ignores that signal (SIGPIPE, for one); exit as the shell reports it.
    process.exit(128 + (constants.signals[signal] ?? 0));
  });
  return true;
}

/** In a restarted process: stop as on SIGTERM when the restarting process is gone (also if it already is). */
function stopWhenRestarterGone(): void {
  const restarter = process.env[RESTARTED_BY];
  if (restarter === undefined) return;
  // Not for this process's own children: they have their own lifetimes.
  delete process.env[RESTARTED_BY];
  const stop = (): void => {
    process.kill(process.pid, 'SIGTERM');
  };
  if (Number(restarter) !== process.ppid) stop();
  else whenParentGone(Number(restarter), stop);
}
