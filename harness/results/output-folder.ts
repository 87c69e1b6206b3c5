/**
 * @module The check, before anything runs, that a folder can take a command's results. Results are
 * written after the runs (harness/results/staging.ts), so a folder that cannot take them would cost
 * the whole run; and a run's files and a sweep's files in one folder would mix two experiments
 * (a single run's runs.csv beside a sweep's points.csv, or a sweep beside a stale summary.json that
 * `compare` would read instead of the sweep's points).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../config/errors.ts';

/** The folder beside a sweep's own where its points are replayed: outside it, as a new run of the sweep replaces it. */
export function replayFolder(sweepDir: string, pointDir: string): string {
  return join(`${sweepDir}-replay`, pointDir);
}

const isFolder = (path: string): boolean => statSync(path).isDirectory();

/**
 * Throws a ConfigError naming `flag` (where the folder came from: `--out`, or `name` for the default
 * results/<name>) when `outDir` cannot take the results of a single run (`kind: 'run'`) or of a sweep.
 */
export function checkOutputFolder(outDir: string, flag: string, kind: 'run' | 'sweep'): void {
  if (outDir === '') throw new ConfigError(`${flag}: must be a folder, got ""`);
  const target = resolve(outDir);
  let existing = target;
  while (!existsSync(existing)) existing = dirname(existing);
  if (!isFolder(existing)) {
    throw new ConfigError(existing === target ? `${flag}: ${JSON.stringify(outDir)} is a file, not a folder` : `${flag}: ${JSON.stringify(outDir)} cannot be made: ${JSON.stringify(existing)} is a file`);
  }
  // A folder inside a sweep's results (a point folder, or one under it) goes when the sweep runs again.
  for (let above = dirname(target); above !== dirname(above); above = dirname(above)) {
    if (existsSync(join(above, 'points.csv')) && relative(above, target).split(sep)[0] === 'points') {
      throw new ConfigError(`${flag}: ${JSON.stringify(outDir)} is inside the sweep results in ${JSON.stringify(above)}, which the sweep's next run replaces: give a folder outside it (replays: ${JSON.stringify(`${above}-replay`)})`);
    }
  }
  if (kind === 'run' && existsSync(join(target, 'points.csv'))) {
    throw new ConfigError(`${flag}: ${JSON.stringify(outDir)} holds a sweep's results (points.csv), which a single run would mix with: give another folder with --out`);
  }
  if (kind === 'sweep' && existsSync(join(target, 'summary.json')) && !existsSync(join(target, 'points.csv'))) {
    throw new ConfigError(`${flag}: ${JSON.stringify(outDir)} holds a single run's results (summary.json), which a sweep would mix with: give another folder with --out`);
  }
}
