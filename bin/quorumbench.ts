#!/usr/bin/env node
/**
 * @module The `quorumbench` command. `npm ci` compiles it to dist/bin/quorumbench.js (`npm run build`),
 * which bin/quorumbench.js, package.json's `bin`, starts; from the sources, without building:
 * `npx tsx bin/quorumbench.ts`.
 */
import { runCli } from '../harness/cli/main.ts';

await runCli(process.argv);
