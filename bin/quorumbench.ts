#!/usr/bin/env node
/**
 * @module The `quorumbench` command. `npm ci` compiles it to dist/bin/quorumbench.js (`npm run build`),
 * which bin/quorumbench.js, package.json's `bin`, starts; from the sources, without building:
 * `npx tsx bin/quorumbench.ts`. Commands that code large values first restart themselves with the
 * harness's allocator settings (harness/malloc-settings.ts).
 */
import { runCli } from '../harness/cli/main.ts';
import { commandWantsSettings, restartWithSettings } from '../harness/malloc-settings.ts';

if (!restartWithSettings(commandWantsSettings(process.argv))) await runCli(process.argv);
