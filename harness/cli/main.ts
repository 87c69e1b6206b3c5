/**
 * @module The `quorumbench` command line. Each command lives in `harness/cli/commands/<name>.ts` and
 * exports `register(program)`; adding a command is one file and one import line below. A command
 * module loads only commander and small modules; its action imports what it runs (`await import`),
 * so that `--help` and every command load only what they use.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { runProgram } from './run-program.ts';
import { register as registerRun } from './commands/run.ts';
import { register as registerCompare } from './commands/compare.ts';
import { register as registerBaseline } from './commands/baseline.ts';
import { register as registerReproduce } from './commands/reproduce.ts';
import { register as registerServe } from './commands/serve.ts';
import { register as registerClientProcess } from './commands/client-process.ts';
import { register as registerCalibrate } from './commands/calibrate.ts';
import { register as registerCheck } from './commands/check.ts';
import { register as registerSwarm } from './commands/swarm.ts';
import { register as registerTrace } from './commands/trace.ts';

/** The version in package.json (the one source of it). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('quorumbench')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .description('Benchmark and evaluation harness for atomic storage protocols (ABD, CAS, signed Byzantine replication, PoWerStore, M-PoWerStore)')
    // A usage error is one line (commander's, naming the argument or option) and a pointer to the
    // usage, not the whole usage block, which would bury the line that matters.
    .showHelpAfterError('(quorumbench <command> --help for its usage)')
    // Before the commands are registered: commander copies this setting into each subcommand as it is
    // created, so a usage error in `run` or `check` exits 2 like one at the top level.
    .exitOverride((error) => {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') process.exit(0);
      process.exit(2);
    });
  registerRun(program);
  registerCompare(program);
  registerBaseline(program);
  registerReproduce(program);
  registerServe(program);
  registerClientProcess(program);
  registerCalibrate(program);
  registerCheck(program);
  registerSwarm(program);
  registerTrace(program);
  return program;
}

/** Runs the command line (exit codes: ./run-program.ts). */
export async function runCli(argv: readonly string[] = process.argv): Promise<void> {
  await runProgram(buildProgram(), argv);
}
