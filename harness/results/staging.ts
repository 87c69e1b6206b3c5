/**
 * @module Output folders that appear whole or not at all: files are written into a private staging
 * folder beside the destination and moved into place at the end, and a staging folder still there
 * when the process exits (an error, or Ctrl-C) is removed.
 *
 * A signal with Node's default action ends the process without running any JavaScript, so no exit
 * hook would run: {@link exitOnInterrupt} turns SIGINT and SIGTERM into an orderly exit (code 130 or
 * 143) for the commands that write results.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/** Staging folders not yet committed or discarded, removed by the exit hook. */
const pending = new Set<string>();

function removePending(): void {
  for (const path of pending) rmSync(path, { recursive: true, force: true });
  pending.clear();
}

export interface StagedFolder {
  /** Where to write (a fresh folder beside the destination). */
  readonly path: string;
  /**
   * Moves every entry of the staging folder into the destination (created if missing), each entry
   * replacing the one of the same name there (a folder is replaced whole, so no stale file of an
   * earlier run stays inside it); other entries of the destination are left alone, unless
   * `replace: 'whole'` was asked for (a destination the command owns entirely). Returns the
   * destination paths of the files moved, sorted.
   */
  commit(): string[];
  /** Removes the staging folder (nothing happens after a commit). */
  discard(): void;
}

function filesUnder(root: string, dir = root): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(root, path));
    else files.push(relative(root, path));
  }
  return files;
}

export interface StageOptions {
  /** 'whole': the destination is the command's alone and is replaced whole; 'entries' (default): see commit. */
  readonly replace?: 'entries' | 'whole';
  /**
   * Entries of the destination that belong to what is staged even when this write has none of them
   * (a run's `trace/`): removed at the commit unless staged again, so no file of an earlier run stays.
   */
  readonly owned?: readonly string[];
}

/**
 * A fresh folder beside `destination`, with a random name. Not mkdtemp: that makes its folder mode
 * 0700 whatever the umask, and the staging folder becomes the results folder, which other users (or
 * a web server showing report.html) may need to read; mkdir applies the umask as for any folder.
 */
function makeStagingFolder(destination: string): string {
  const parent = dirname(destination);
  mkdirSync(parent, { recursive: true });
  for (;;) {
    const path = join(parent, `.${basename(destination)}.partial-${randomBytes(6).toString('hex')}`);
    try {
      mkdirSync(path);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** A staging folder for `destination` (a folder path; its parent is created if needed). */
export function stageFolder(destination: string, options: StageOptions = {}): StagedFolder {
  const path = makeStagingFolder(destination);
  if (pending.size === 0) process.on('exit', removePending);
  pending.add(path);
  const forget = (): void => {
    pending.delete(path);
    if (pending.size === 0) process.off('exit', removePending);
  };
  return {
    path,
    commit() {
      const files = filesUnder(path).sort();
      if (options.replace === 'whole') rmSync(destination, { recursive: true, force: true });
      if (!existsSync(destination)) {
        renameSync(path, destination);
      } else {
        const staged = new Set(readdirSync(path));
        for (const name of options.owned ?? []) {
          if (!staged.has(name)) rmSync(join(destination, name), { recursive: true, force: true });
        }
        for (const name of staged) {
          const target = join(destination, name);
          // rename replaces a file atomically, but not a non-empty folder: that one goes first.
          if (existsSync(target) && statSync(target).isDirectory()) rmSync(target, { recursive: true, force: true });
          renameSync(join(path, name), target);
        }
        rmSync(path, { recursive: true, force: true });
      }
      forget();
      return files.map((file) => join(destination, file));
    },
    discard() {
      if (!pending.has(path)) return;
      rmSync(path, { recursive: true, force: true });
      forget();
    },
  };
}

/**
 * Makes SIGINT and SIGTERM exit the process with 130 or 143 through `process.exit`, so that exit
 * hooks (staging folders above, the real engine's children) run. When another listener handles the
 * signal too (the real engine stops its child processes first, then exits itself), this one leaves
 * the exit to it.
 */
export function exitOnInterrupt(): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (process.listenerCount(signal) > 1) return;
    process.stderr.write(`quorumbench: ${signal}: stopped\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
