/**
 * @module `quorumbench client-process --cluster FILE --clients w1,r2`: some of a run's workload
 * clients in their own process, driven by the harness over stdin/stdout (the real engine starts K
 * of them for `real.clientProcesses: K`; see harness/real/client-process.ts for the control lines).
 */
import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.ts';

export function register(program: Command): void {
  program
    .command('client-process')
    .description('run some workload clients of a real-engine run, driven over stdin/stdout by the harness (internal)')
    .requiredOption('--cluster <file>', 'cluster file (YAML or JSON): a run config plus the server addresses')
    .requiredOption('--secret-file <file>', 'the run secret (written by the real engine, mode 0600)')
    .requiredOption('--clients <ids>', 'comma-separated workload client ids this process hosts, e.g. w1,r2')
    .option('--index <k>', 'this client process number (names its link-model random stream)', '0')
    .option('--run-folder <dir>', "the run's private folder, which holds --cluster; removed when stdin closes (the harness is gone)")
    .option('--trace-file <file>', "append this process's message trace here when the cluster file has `trace`")
    .action(async (options: { cluster: string; secretFile: string; clients: string; index: string; runFolder?: string; traceFile?: string }) => {
      const index = Number(options.index);
      if (!Number.isSafeInteger(index) || index < 0) throw new ConfigError(`--index: expected a non-negative integer, got ${JSON.stringify(options.index)}`);
      const { clientProcessMain } = await import('../../real/client-process.ts');
      await clientProcessMain({
        clusterPath: options.cluster,
        secretPath: options.secretFile,
        clients: options.clients,
        processIndex: index,
        ...(options.traceFile === undefined ? {} : { traceFile: options.traceFile }),
        ...(options.runFolder === undefined ? {} : { runFolder: options.runFolder }),
      });
    });
}
