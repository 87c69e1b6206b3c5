/**
 * @module Child processes of the real engine: started with execa, tracked in one registry, and never
 * left behind.
 *
 * Three layers make sure no server outlives the harness: (1) the engine stops its children at the end
 * of a run and on error; (2) while any child is alive, SIGINT/SIGTERM of the harness stop every child
 * before the harness exits, and a synchronous `exit` hook SIGKILLs any that remain; (3) servers run
 * with `--exit-on-stdin-close`, so even a SIGKILLed harness (which runs no hook) takes them down: its
 * end of their stdin pipe closes with it (and with `--run-folder` they remove the run's folder,
 * which the harness's hooks would have removed: run-folder.ts).
 */
import { rmSync } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { loaderFlags } from '../entry-points.ts';
import { mallocSettingsEnv, userMallocEnv } from '../malloc-settings.ts';

export interface ChildLine {
  readonly event?: string;
  readonly [field: string]: unknown;
}

/** One started child: its stdout JSON lines and the tail of its stderr. */
export class ChildProcessHandle {
  readonly lines: ChildLine[] = [];
  private stderrTail = '';
  private waiters: { match: (line: ChildLine) => boolean; resolve: (line: ChildLine) => void }[] = [];
  exited = false;
  exitCode: number | undefined;
  signal: string | undefined;
  readonly done: Promise<void>;

  /**
   * `onLine`: sees every stdout line first; returning true consumes it (it is then not kept in
   * `lines`, so a control channel of millions of lines does not grow memory).
   */
  constructor(
    readonly name: string,
    readonly child: ResultPromise<{ stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; buffer: false; reject: false }>,
    private readonly onLine?: (line: ChildLine, handle: ChildProcessHandle, text: string) => boolean,
    /**
     * Stop by closing the child's stdin first (it exits when its stdin closes), signals only after
     * the grace time: the remote command of an SSH session sees its stdin close, never our signals.
     */
    private readonly stopByClosingStdin = false,
  ) {
    let partial = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      partial += chunk;
      let newline = partial.indexOf('\n');
      while (newline >= 0) {
        const text = partial.slice(0, newline).trim();
        partial = partial.slice(newline + 1);
        newline = partial.indexOf('\n');
        if (text === '') continue;
        let parsed: ChildLine;
        try {
          parsed = JSON.parse(text) as ChildLine;
        } catch {
          parsed = { event: 'text', text };
        }
        if (this.onLine?.(parsed, this, text) === true) continue;
        this.lines.push(parsed);
        this.waiters = this.waiters.filter((waiter) => {
          if (!waiter.match(parsed)) return true;
          waiter.resolve(parsed);
          return false;
        });
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    // Writes to a dead child's stdin fail with EPIPE: expected when a server was crashed on purpose.
    child.stdin!.on('error', () => {});
    this.done = child.then(
      (result) => {
        this.exited = true;
        this.exitCode = result.exitCode;
        this.signal = result.signal;
      },
      () => {
        this.exited = true;
      },
    );
    void this.done.then(() => untrack(this));
  }

  /** How it ended, in words: "exited with code 2", "ended by SIGTERM", or "could not start" (no code, no signal). */
  get howItEnded(): string {
    if (this.exitCode !== undefined) return `exited with code ${this.exitCode}`;
    if (this.signal !== undefined) return `ended by ${this.signal}`;
    return 'could not start';
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /** The first stdout line (already seen or future) that matches; rejects if the child exits first or after `timeoutMs`. */
  waitForLine(match: (line: ChildLine) => boolean, timeoutMs: number): Promise<ChildLine> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<ChildLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no expected output within ${timeoutMs} ms; stderr: ${this.stderr.trim() || '(empty)'}`)), timeoutMs);
      const waiter = {
        match,
        resolve: (line: ChildLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.push(waiter);
      void this.done.then(() => {
        if (!this.waiters.includes(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} ${this.howItEnded} before it was ready; stderr: ${this.stderr.trim() || '(empty)'}`));
      });
    });
  }

  /** Writes one line to the child's stdin (ignored once it has exited). */
  writeLine(text: string): void {
    if (this.exited) return;
    this.child.stdin!.write(`${text}\n`);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.exited) return;
    try {
      this.child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited after `graceMs`; with `stopByClosingStdin`, closing
   * its stdin comes first and SIGTERM only after `graceMs`.
   */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const steps: (() => void)[] = [() => this.kill('SIGTERM'), () => this.kill('SIGKILL')];
    if (this.stopByClosingStdin) steps.unshift(() => this.child.stdin!.end());
    steps.shift()!();
    const timer = setInterval(() => steps.shift()?.(), graceMs);
    await this.done;
    clearInterval(timer);
  }
}

const live = new Set<ChildProcessHandle>();
/** Private folders of running runs (cluster files): removed on any exit, Ctrl-C included. */
const tempDirs = new Set<string>();
let hooksInstalled = false;

function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function onExit(): void {
  for (const handle of live) handle.kill('SIGKILL');
  removeTempDirs();
}

/** Whether a SIGINT/SIGTERM is being handled: a second one (Ctrl-C relayed by a restart) changes nothing. */
let stopping = false;

/** Whether this process is stopping its children on a signal: their exits are then expected, not news. */
export function stoppingOnSignal(): boolean {
  return stopping;
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  const handles = [...live];
  process.stderr.write(`quorumbench: ${signal}: stopping ${handles.length} child process(es)\n`);
  void Promise.all(handles.map((handle) => handle.stop(2_000))).finally(() => {
    removeTempDirs();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

function updateHooks(): void {
  const wanted = live.size > 0 || tempDirs.size > 0;
  if (wanted === hooksInstalled) return;
  hooksInstalled = wanted;
  const method = wanted ? 'on' : 'off';
  process[method]('exit', onExit);
  process[method]('SIGINT', onSignal);
  process[method]('SIGTERM', onSignal);
}

function track(handle: ChildProcessHandle): void {
  live.add(handle);
  updateHooks();
}

function untrack(handle: ChildProcessHandle): void {
  live.delete(handle);
  updateHooks();
}

/** Removes `dir` when the process exits or is interrupted before {@link untrackTempDir}. */
export function trackTempDir(dir: string): void {
  tempDirs.add(dir);
  updateHooks();
}

export function untrackTempDir(dir: string): void {
  tempDirs.delete(dir);
  updateHooks();
}

/** PIDs of the children alive now (for tests). */
export function liveChildPids(): number[] {
  return [...live].map((handle) => handle.pid).filter((pid): pid is number => pid !== undefined);
}

interface StartOptions {
  /** Sees every stdout line first, with its text (see {@link ChildProcessHandle}). */
  readonly onLine?: (line: ChildLine, handle: ChildProcessHandle, text: string) => boolean;
  /** Stop it by closing its stdin before any signal (see {@link ChildProcessHandle}). */
  readonly stopByClosingStdin?: boolean;
  /** Variables added to (or, undefined, removed from) the harness's environment for this child. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Starts `command` (a program and its arguments) in `cwd` and tracks it: an external node
 * (harness/external/node-process.ts). `onLine` sees every stdout line with its text.
 */
export function startCommand(
  name: string,
  command: readonly string[],
  cwd: string,
  onLine: (line: ChildLine, handle: ChildProcessHandle, text: string) => boolean,
): ChildProcessHandle {
  const [file, ...args] = command;
  // Someone else's program: the user's environment, not the harness's allocator settings.
  return startProcess(name, file!, args, cwd, { onLine, env: userMallocEnv() });
}

/**
 * Starts `node <script> ...args` in `cwd` (with tsx's loader if `script` is TypeScript) and tracks it;
 * it runs with the harness's allocator settings (../malloc-settings.ts).
 */
export function startNodeScript(
  name: string,
  script: string,
  args: readonly string[],
  cwd: string,
  onLine?: (line: ChildLine, handle: ChildProcessHandle) => boolean,
): ChildProcessHandle {
  return startProcess(name, process.execPath, [...loaderFlags(script), script, ...args], cwd, { ...(onLine === undefined ? {} : { onLine }), env: mallocSettingsEnv() });
}

/** Starts `file ...args` in `cwd` with piped stdio and tracks it (stopped on exit, SIGINT, SIGTERM). */
export function startProcess(name: string, file: string, args: readonly string[], cwd: string, options: StartOptions = {}): ChildProcessHandle {
  const child = execa(file, args, {
    cwd,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    env: options.env ?? {},
    // execa's own exit hook also kills the child if the harness exits.
    cleanup: true,
  });
  const handle = new ChildProcessHandle(name, child, options.onLine, options.stopByClosingStdin);
  track(handle);
  return handle;
}
