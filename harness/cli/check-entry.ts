/**
 * @module Standalone entry for the checker's command line (`tsx harness/cli/check-entry.ts FILE...`),
 * the same as `quorumbench check FILE...`.
 */
import { runCheckCli } from './commands/check.ts';

process.exitCode = await runCheckCli(process.argv.slice(2));
