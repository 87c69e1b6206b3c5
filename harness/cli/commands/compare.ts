/**
 * @module `quorumbench compare BASELINE CURRENT`: the regression table between two result sets
 * (summary.json files, results folders, or folders of results folders). Exit 0: nothing got worse;
 * 1: a regression (or a baseline run missing from the current results); 2: bad input (one line on
 * stderr naming the file and field, nothing written).
 */
import type { Command } from 'commander';
import type { Comparison } from '../../compare/index.ts';

export interface CompareFlags {
  readonly markdown?: string;
  readonly json?: string;
  readonly tolerance?: string[];
  readonly onlyChanges: boolean;
  readonly allowMissing: boolean;
}

/** Repeated `--tolerance` flags accumulate; none given leaves the option undefined (the defaults apply). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the options shared by `compare` and `baseline check|update`. */
export function addCompareOptions(command: Command): Command {
  return command
    .option('--markdown <file>', 'also write the table as markdown (for a CI log or PR comment)')
    .option('--json <file>', 'also write the rows as JSON')
    .option(
      '--tolerance <spec>',
      'relative slack before a change counts, KEY=VALUE[,...]; KEY: exact | noisy | a metric group (latencyMs, rounds, cpuNsPerOp, storageBytesPerServer) | a metric (messagesPerOp, latencyMs.p99); VALUE: 0.05 or 5% (default exact=0,noisy=0.1)',
      collect,
    )
    .option('--only-changes', 'print only rows whose verdict is not `same` (the files get every row)', false)
    .option('--allow-missing', 'do not fail when the current results lack a run of the baseline', false);
}

/** Each warning on its own line on stderr, where it is not lost in a long table. */
export function emitWarnings(comparison: Comparison): void {
  for (const warning of comparison.warnings) process.stderr.write(`quorumbench compare: warning: ${warning}\n`);
}

/** Prints and writes a comparison; returns its exit code. */
export async function emitComparison(comparison: Comparison, flags: CompareFlags): Promise<0 | 1> {
  const { CompareInputError, formatMarkdown, formatTerminal, toJson, writeFileAtomic } = await import('../../compare/index.ts');
  emitWarnings(comparison);
  process.stdout.write(formatTerminal(comparison, { onlyChanges: flags.onlyChanges }));
  // A file that cannot be written must not pass for a regression (exit 1): it is bad input (2).
  const put = (flag: string, path: string, text: string) => {
    try {
      writeFileAtomic(path, text);
    } catch (error) {
      throw new CompareInputError(`${flag}: cannot write ${path}: ${(error as Error).message}`);
    }
  };
  if (flags.markdown !== undefined) put('--markdown', flags.markdown, formatMarkdown(comparison));
  if (flags.json !== undefined) put('--json', flags.json, toJson(comparison));
  return comparison.exitCode;
}

export function register(program: Command): void {
  const command = program
    .command('compare')
    .description('compare results against a baseline: a row per metric with verdict same|better|worse|new|missing (exit 0 nothing worse, 1 a regression or a missing run, 2 bad input)')
    .argument('<baseline>', 'baseline summary.json, results folder, or folder of results folders')
    .argument('<current>', 'current summary.json, results folder, or folder of results folders');
  addCompareOptions(command).action(async (baselinePath: string, currentPath: string, flags: CompareFlags) => {
    const { compareResults, loadResultSet, parseTolerances } = await import('../../compare/index.ts');
    const tolerances = parseTolerances(flags.tolerance ?? []);
    const comparison = compareResults(loadResultSet(baselinePath), loadResultSet(currentPath), { tolerances, allowMissing: flags.allowMissing });
    process.exitCode = await emitComparison(comparison, flags);
  });
}
