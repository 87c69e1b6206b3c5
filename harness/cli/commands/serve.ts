/**
 * @module `quorumbench serve --id I --listen HOST:PORT --cluster FILE --secret-file FILE`: one server
 * as its own process (the real engine starts one per server; on several machines, start them by hand:
 * docs/multi-host.md).
 */
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('serve')
    .description('run one server of a cluster over TCP until SIGTERM/SIGINT (prints a JSON ready line); it serves one run')
    .requiredOption('--id <id>', 'server id, e.g. s1')
    .requiredOption('--listen <host:port>', 'address to listen on (port 0 = any free port)')
    .requiredOption('--cluster <file>', 'cluster file (YAML or JSON): a run config plus `cluster: {s1: host:port, ...}`')
    .requiredOption('--secret-file <file>', 'the run secret: 64 hex characters, mode 0600 (the clients name the same file in real.secretFile)')
    .option('--pid-file <file>', 'write the server process id to this file (removed when it stops); signal that process to stop it')
    .option('--exit-on-stdin-close', 'exit when stdin closes (used by the real engine so that no server outlives it)', false)
    .option('--run-folder <dir>', "with --exit-on-stdin-close: the run's private folder, which holds --cluster; removed when stdin closes (used by the real engine)")
    .option('--trace-file <file>', "append this server's message trace here when the cluster file has `trace` (used by the real engine)")
    .action(async (options: { id: string; listen: string; cluster: string; secretFile: string; pidFile?: string; exitOnStdinClose: boolean; runFolder?: string; traceFile?: string }) => {
      const { serveMain } = await import('../../real/server-process.ts');
      await serveMain({
        id: options.id,
        listen: options.listen,
        clusterPath: options.cluster,
        secretPath: options.secretFile,
        exitOnStdinClose: options.exitOnStdinClose,
        ...(options.pidFile === undefined ? {} : { pidFile: options.pidFile }),
        ...(options.traceFile === undefined ? {} : { traceFile: options.traceFile }),
        ...(options.runFolder === undefined ? {} : { runFolder: options.runFolder }),
      });
    });
}
