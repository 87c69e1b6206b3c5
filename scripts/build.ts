/**
 * @module `npm run build` (and `npm ci`, which runs it as `prepare`): compiles the TypeScript sources
 * into dist/ with esbuild, one bundle per entry point (harness/entry-points.ts: the `quorumbench`
 * command and the entry points it starts in child processes and worker threads), the code they share
 * split into dist/chunks/ so that a command's `await import` still loads only what it runs.
 *
 * Dependencies are bundled too: Node resolves, reads and compiles every module file on its own, and a
 * server process would otherwise load over 200 of them (zod alone is 94) before its ready line. Left
 * in node_modules: native addons, and the chart stack (large, and loaded only to draw charts).
 * Type-checking is `npm run typecheck` (the first step of `npm test`), not part of the build.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { ENTRY_POINTS } from '../harness/entry-points.ts';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Native addons, the chart stack, and tsx (which only a run from the sources uses). */
const NOT_BUNDLED = ['@resvg/resvg-js', '@ronomon/reed-solomon', 'vega', 'vega-lite', 'tsx'];

/**
 * zod's main module re-exports all 64 of its message locales, half a megabyte that every server
 * process would parse at start; the harness uses zod's default English messages only (never
 * `z.locales`), so the build gives zod a locale index with English alone.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/** Builds every entry point into `outDir` (emptied first). */
export async function buildDist(outDir: string): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: ENTRY_POINTS.map((entry) => ({ in: `${entry}.ts`, out: entry })),
    outdir: outDir,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: [...NOT_BUNDLED],
    // Bundled CommonJS dependencies call require() for Node's built-in modules; an ES module has none.
    banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
    plugins: [zodEnglishOnly],
    logLevel: 'warning',
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await buildDist(join(PROJECT_ROOT, 'dist'));
