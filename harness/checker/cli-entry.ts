/**
 * @module Standalone entry for the checker's command line (`tsx harness/checker/cli-entry.ts FILE...`),
 * the same as `quorumbench check FILE...`.
 */
import { runCheckCli } from '../cli/commands/check.ts';

process.exitCode = await runCheckCli(process.argv.slice(2));
