/**
 * @module The one place where errors become exit codes, for the whole command line and for the
 * entry points that run a single command (serve-entry.ts, client-entry.ts): bad input (an
 * `InputError`) is one line on stderr and exit 2; anything else is an internal error, exit 70
 * (EX_SOFTWARE), not 1, so that CI can tell a crash of the harness from a verdict (1: a violation, a
 * regression). Usage errors (bad flags, unknown command) exit 2 through commander's `exitOverride`.
 */
import type { Command } from 'commander';
import { InputError } from '../input-error.ts';

/** The commands that run experiment configs: their bad input is reported as a config error. */
const CONFIG_COMMANDS: ReadonlySet<string> = new Set(['run', 'swarm', 'reproduce']);

/** How the line for bad input begins: `config error: ` for the commands above, else the command's name. */
function inputErrorPrefix(commandPath: readonly string[]): string {
  if (commandPath.length === 0) return 'quorumbench: ';
  return CONFIG_COMMANDS.has(commandPath[0]!) ? 'config error: ' : `quorumbench ${commandPath.join(' ')}: `;
}

/** The names from the program down to `command` (`['baseline', 'check']`), without the program's own. */
function pathOf(command: Command): string[] {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent != null; c = c.parent) names.unshift(c.name());
  return names;
}

/** Parses `argv` with `program` and runs the command it names, with the exit codes above. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  let ran: readonly string[] = [];
  program.hook('preAction', (_program, actionCommand) => {
    ran = pathOf(actionCommand);
  });
  try {
    await program.parseAsync(argv as string[]);
  } catch (error: unknown) {
    if (error instanceof InputError) {
      process.stderr.write(`${inputErrorPrefix(ran)}${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`quorumbench: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  }
}
