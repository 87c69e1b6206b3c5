/**
 * @module A minimal entry point that runs only `serve`, for spawning server processes fast: it loads
 * the serve command without the rest of the CLI (charts, checker, ...). Same flags as
 * `quorumbench serve`.
 */
import { Command } from 'commander';
import { register } from './commands/serve.ts';
import { runProgram } from './run-program.ts';

const program = new Command('quorumbench').exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
register(program);
await runProgram(program, ['node', 'quorumbench', 'serve', ...process.argv.slice(2)]);
