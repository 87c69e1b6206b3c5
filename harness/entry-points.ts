/**
 * @module Where the harness's files are, and how it starts its own entry points in another process
 * (`serve`, `client-process`, the SSH launcher's host probe, swarm workers) or worker thread (the
 * checker's helpers). A child runs the same code as its parent: the compiled JavaScript under dist/
 * when the harness runs compiled (the `quorumbench` command after `npm ci`; scripts/build.ts), the
 * TypeScript source through tsx's loader when it runs from sources (tests, `npx tsx ...`). The
 * extension of this very module tells which one is running.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The harness's own entry points (the `quorumbench` command's and its children's), as paths without an extension. */
export const ENTRY_POINTS = [
  'bin/quorumbench',
  'harness/cli/serve-entry',
  'harness/cli/client-entry',
  'harness/cli/probe-entry',
  'harness/cli/checker-worker',
  'harness/swarm/worker',
] as const;
export type EntryPoint = (typeof ENTRY_POINTS)[number];

const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const HERE = dirname(fileURLToPath(import.meta.url));

/** The nearest folder, from `start` up, that holds `marker`, if any. */
function nearestHolding(marker: string, start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, marker))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The project root: package.json, node_modules, assets/ and configs/ are there, compiled or not. */
export const PROJECT_ROOT = nearestHolding('package.json', HERE) ?? HERE;

/**
 * The file that runs `entry` in the code that is running now (.js under dist/, or the .ts source).
 * The root of that code is the project root for sources, the build's output folder (dist/) when
 * compiled; bundling moves this module's code into some file of the output, at any depth, so the
 * root is the folder that holds the command's own entry point rather than a fixed relative path.
 */
export function entryFile(entry: EntryPoint): string {
  return join(nearestHolding(`bin/quorumbench${EXTENSION}`, HERE) ?? PROJECT_ROOT, `${entry}${EXTENSION}`);
}

/** Node flags that must come before `file` to run it as a process: tsx's loader for TypeScript, none for JavaScript. */
export function loaderFlags(file: string): string[] {
  // Resolved here rather than by name, so that the child's working directory does not matter.
  return file.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
}

/**
 * The URL a worker thread starts from to run `file`. Loader hooks are registered per thread, and
 * neither the parent's hooks nor `--import` in a worker's execArgv make a worker load TypeScript, so
 * a .ts file gets a small bootstrap module (a data: URL) that registers tsx in the worker first.
 */
export function workerUrl(file: string): URL {
  const fileUrl = pathToFileURL(file);
  if (!file.endsWith('.ts')) return fileUrl;
  const bootstrap =
    `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});\n` +
    `register();\n` +
    `await import(${JSON.stringify(fileUrl.href)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}
