/**
 * @module A minimal entry point that runs only `client-process`, for spawning client processes fast
 * (without loading the rest of the CLI). Same flags as `quorumbench client-process`.
 */
import { Command } from 'commander';
import { register } from './commands/client-process.ts';
import { runProgram } from './run-program.ts';

const program = new Command('quorumbench').exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
register(program);
await runProgram(program, ['node', 'quorumbench', 'client-process', ...process.argv.slice(2)]);
