#!/usr/bin/env node
// The `quorumbench` command (package.json `bin`): starts the compiled harness in dist/, which `npm ci`
// builds. A file of its own, rather than `bin` naming dist/ directly, for two reasons: a checkout
// without dist/ (installed with --ignore-scripts, or cleaned) gets one line saying what to run
// instead of npx's "quorumbench: not found"; and npx's cache links a checkout's bin once, so
// checkouts that ran `npx quorumbench` when this file was the TypeScript launcher keep working.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/bin/quorumbench.js', import.meta.url);
if (!existsSync(compiled)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`quorumbench: ${fileURLToPath(compiled)} is missing: run \`npm run build\` in ${root} (npm ci runs it)\n`);
  process.exit(2);
}
await import(compiled.href);
