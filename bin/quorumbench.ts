#!/usr/bin/env node
/**
 * @module The `quorumbench` command. `npm ci` compiles it to dist/bin/quorumbench.js (package.json
 * `bin`, `npm run build`); from the sources, without building: `npx tsx bin/quorumbench.ts`.
 */
import { runCli } from '../harness/cli/main.ts';

await runCli(process.argv);
