/**
 * @module `quorumbench baseline check|update`: the regression-CI suite against its committed baseline.
 *
 * - `baseline check` runs the suite (default configs/ci/quick.yaml) into results/<suite>/ and compares
 *   it with the committed baseline (default results/baselines/<suite>/): exit 0, 1 or 2 as `compare`.
 * - `baseline update` rewrites the committed baseline deliberately, from a fresh run of the suite or
 *   from results already produced (`--from`, e.g. a CI artifact), and prints what changed against the
 *   old baseline (the same table as `compare`, changed rows only). It exits 0 even when rows got
 *   worse: accepting them is the point; the diff of the baseline files goes into the commit.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ResultSet } from '../../compare/index.ts';
import { addCompareOptions, emitComparison, emitWarnings, type CompareFlags } from './compare.ts';

const DEFAULT_SUITE = 'configs/ci/quick.yaml';

function baselineDirOf(suiteName: string, flag: string | undefined): string {
  return flag ?? join('results', 'baselines', suiteName);
}

const log = (line: string) => process.stderr.write(`${line}\n`);

interface CheckFlags extends CompareFlags {
  readonly suite: string;
  readonly baseline?: string;
  readonly out?: string;
}

interface UpdateFlags {
  readonly suite: string;
  readonly baseline?: string;
  readonly out?: string;
  readonly from?: string;
}

export function register(program: Command): void {
  const baseline = program.command('baseline').description('run the regression-CI suite against its committed baseline, or rewrite that baseline');

  const check = baseline
    .command('check')
    .description('run the suite and compare it with the committed baseline (exit 1 on a regression)')
    .option('--suite <file>', 'suite file or experiment config', DEFAULT_SUITE)
    .option('--baseline <dir>', 'committed baseline folder (default results/baselines/<suite>)')
    .option('--out <dir>', 'where the fresh results go (default results/<suite>)');
  addCompareOptions(check).action(async (flags: CheckFlags) => {
    const { compareResults, loadResultSet, parseTolerances } = await import('../../compare/index.ts');
    const { loadSuite, runSuite } = await import('../../compare/suite.ts');
    const tolerances = parseTolerances(flags.tolerance ?? []);
    const suite = loadSuite(flags.suite);
    const baselineDir = baselineDirOf(suite.name, flags.baseline);
    // Validate the baseline before spending time on the suite.
    const old = loadResultSet(baselineDir);
    const outDir = flags.out ?? join('results', suite.name);
    await runSuite(suite, { outDir, log });
    const comparison = compareResults(old, loadResultSet(outDir), { tolerances, allowMissing: flags.allowMissing });
    const code = await emitComparison(comparison, flags);
    if (code !== 0) log(`if this change is intended: quorumbench baseline update --suite ${flags.suite} --from ${outDir}${flags.baseline ? ` --baseline ${flags.baseline}` : ''}`);
    process.exitCode = code;
  });

  baseline
    .command('update')
    .description('rewrite the committed baseline of a suite (from a fresh run, or --from existing results) and print what changed')
    .option('--suite <file>', 'suite file or experiment config', DEFAULT_SUITE)
    .option('--baseline <dir>', 'baseline folder to rewrite (default results/baselines/<suite>)')
    .option('--out <dir>', 'where the fresh results go (default results/<suite>)')
    .option('--from <dir>', 'take the results from this folder instead of running the suite')
    .action(async (flags: UpdateFlags) => {
      const { formatTerminal, loadResultSet, resultSetOf } = await import('../../compare/index.ts');
      const { loadSuite, loadSuitePlugins, runSuite, updateBaseline } = await import('../../compare/suite.ts');
      const suite = loadSuite(flags.suite);
      const baselineDir = baselineDirOf(suite.name, flags.baseline);
      let fresh: ResultSet;
      if (flags.from !== undefined) fresh = loadResultSet(flags.from);
      else {
        const outDir = flags.out ?? join('results', suite.name);
        fresh = resultSetOf(outDir, await runSuite(suite, { outDir, log }));
      }
      await loadSuitePlugins(suite);
      const update = updateBaseline(suite, baselineDir, fresh);
      if (update.comparison !== undefined) {
        emitWarnings(update.comparison);
        process.stdout.write(`changes accepted into ${baselineDir} (old baseline → new):\n`);
        process.stdout.write(formatTerminal(update.comparison, { onlyChanges: true }));
      }
      else process.stdout.write(`no usable baseline to compare with (${update.previousProblem}): wrote a new one\n`);
      for (const name of update.removed) process.stdout.write(`removed ${join(baselineDir, name)} (not in suite ${suite.name})\n`);
      const unchanged = update.unchanged.length > 0 ? `; unchanged (no measured change, not rewritten): ${update.unchanged.join(', ')}` : '';
      process.stdout.write(`baseline ${baselineDir}: rewrote ${update.written.length > 0 ? update.written.join(', ') : 'nothing'}${unchanged}\n`);
    });
}
