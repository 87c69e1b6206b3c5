/**
 * @module Where the harness's files are, and how it starts its own entry points in another process
 * (`serve`, `client-process`, swarm workers) or worker thread (the checker's helpers). A child runs
 * the same code as its parent: the compiled JavaScript under dist/ when the harness runs compiled
 * (the `quorumbench` command after `npm ci`), the TypeScript source through tsx's loader when it runs
 * from sources (tests, `npx tsx ...`). The extension of this very module tells which one is running.
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const RUNNING_COMPILED = import.meta.url.endsWith('.js');

/** The folder the running code starts at: the project root for sources, dist/ when compiled. */
const CODE_ROOT = new URL('..', import.meta.url);

/** The project root: package.json, node_modules, assets/ and configs/ are there, compiled or not. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL(RUNNING_COMPILED ? '..' : '.', CODE_ROOT)));

/** The harness's own entry points, as paths below the project root without an extension. */
export type EntryPoint = 'harness/cli/serve-entry' | 'harness/cli/client-entry' | 'harness/cli/checker-worker' | 'harness/swarm/worker';

/** The file that runs `entry` in the code that is running now (.js under dist/, or the .ts source). */
export function entryFile(entry: EntryPoint): string {
  return fileURLToPath(new URL(`${entry}${RUNNING_COMPILED ? '.js' : '.ts'}`, CODE_ROOT));
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
