/**
 * @module A client process of the real engine (`real.clientProcesses: K`): what
 * `quorumbench client-process` runs. It hosts some of the run's workload clients in a client host
 * (harness/host/client-host.ts, the same host the runner uses in its own process) and talks to the
 * servers itself over the TCP transport.
 *
 * Design: the harness process keeps everything that makes the run one experiment (workload
 * generation from the seed, the history, metrics, fault schedule), and each client process only
 * executes operations. Splitting the workload itself over processes would need K seeded workload
 * streams and a merge of K histories whose real-time order across processes must be exact; instead
 * the harness sends "invoke this operation" to the process hosting the client and gets back one
 * result per operation (the client host's own `OpResult`), with the call and return times measured
 * here. Those times are exact in the harness's timebase: the harness sends its clock's start (a
 * CLOCK_MONOTONIC reading, one clock for every process of a host) before any operation, and this
 * process reports its own clock's times shifted by the difference of the two starts. The control
 * hop therefore never inflates a latency.
 *
 * The control channel is the child's stdin/stdout pipes (JSON lines; child-lines.ts has every line):
 * they exist anyway (stdout for the ready line, stdin closing = parent gone, see processes.ts), need
 * no port, and cannot be reached by anyone but the parent. The process exits when its stdin closes
 * (the harness is gone) or on SIGTERM/SIGINT.
 */
import { ConfigError } from '../config/errors.ts';
import { ClientHost } from '../host/client-host.ts';
import { clientCommand, printLine } from './child-lines.ts';
import { loadClusterPlugins, parseRealSettings, readClusterFile, sharedTimebaseOf } from './cluster-file.ts';
import { linkModelFor, runNodes } from './link-model.ts';
import { processContext, rejectionCounter } from './process-context.ts';
import { checkRunFolder, stopWhenHarnessGoes } from './run-folder.ts';
import type { ResolvedRun } from '../config/index.ts';
import { channelKeysOf, readSecretFile } from './run-secret.ts';
import { TcpTransport } from './tcp-transport.ts';
import { WallClock } from './wall-clock.ts';
import { ProcessTraceFile } from '../trace/process-file.ts';
import { NS_PER_MS } from '../units.ts';

export interface ClientProcessOptions {
  readonly clusterPath: string;
  /** The run secret's file (run-secret.ts). */
  readonly secretPath: string;
  /** The workload clients this process hosts, e.g. `w1,r2`. */
  readonly clients: string;
  /** Names this process's link-model stream (default 0). */
  readonly processIndex?: number;
  /** Record this process's messages here (a traced run: the engine passes a file in its private folder). */
  readonly traceFile?: string;
  /** The run's private folder (the cluster file's), removed on exit when stdin closed (run-folder.ts). */
  readonly runFolder?: string;
}

/** Activity lines at most this often (ms): enough for an idle timeout of seconds, cheap on a pipe. */
const ACTIVITY_EVERY_MS = 100;

/** Starts the client process; resolves once it is ready. Input errors are ConfigErrors. */
export async function startClientProcess(options: ClientProcessOptions): Promise<{ stop: () => Promise<void> }> {
  const runFolder = options.runFolder === undefined ? undefined : checkRunFolder(options.runFolder, options.clusterPath);
  await loadClusterPlugins(options.clusterPath);
  const { run, addresses, runId } = readClusterFile(options.clusterPath);
  if (runId === undefined) throw new ConfigError('--cluster: the cluster file has no runId (client processes belong to a run the real engine started)');
  const secret = readSecretFile(options.secretPath, '--secret-file');
  const ids = hostedClients(options.clients, run);
  const settings = parseRealSettings(run.config.real);
  const known = new Set(runNodes(run));
  const clock = new WallClock(settings.timerSpinMs, sharedTimebaseOf(settings));
  /** Harness time − this clock's time, ns (from the `clock` command); null until it came. */
  let toHarnessNs: number | null = null;
  const linkModel = linkModelFor(run, '', `real:client-process:${options.processIndex ?? 0}`);
  let lastActivityMs = 0;
  const transport = await TcpTransport.create({
    validator: { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) },
    auth: { keys: channelKeysOf(secret), channels: settings.channels, runId },
    peers: addresses,
    clock,
    holdAt: settings.holdAt,
    ...(linkModel === undefined ? {} : { linkModel }),
    ...(settings.maxFrameBytes === undefined ? {} : { maxFrameBytes: settings.maxFrameBytes }),
    onPeerError: (reason, message, remote) => process.stderr.write(`quorumbench client-process: closed connection from ${remote}: ${reason}: ${message}\n`),
  });
  const activity = (): void => {
    const nowMs = clock.nowNs() / NS_PER_MS;
    if (nowMs - lastActivityMs < ACTIVITY_EVERY_MS) return;
    lastActivityMs = nowMs;
    printLine({ event: 'activity' });
  };
  const rejections = rejectionCounter();
  const trace = run.trace === null || options.traceFile === undefined ? undefined : new ProcessTraceFile(run.trace, options.traceFile, () => clock.nowNs() + (toHarnessNs ?? 0));
  const context = await processContext(run, secret, transport, () => clock.nowNs() + toHarnessNs!, rejections.reject, activity, trace?.recorder ?? null);
  const host = new ClientHost(context, ids);

  const onCommand = (text: string): void => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const parsed = clientCommand.safeParse(value);
    if (!parsed.success) {
      process.stderr.write(`quorumbench client-process: bad control line: ${text.slice(0, 200)}\n`);
      return;
    }
    const command = parsed.data;
    if (command.cmd === 'clock') {
      toHarnessNs = Number(clock.startHrtimeNs - BigInt(command.startNs));
      return;
    }
    if (!host.has(command.client)) {
      process.stderr.write(`quorumbench client-process: ${command.client} is not hosted here\n`);
      return;
    }
    if (command.cmd === 'crash') return host.crash(command.client);
    if (toHarnessNs === null) {
      process.stderr.write(`quorumbench client-process: operation ${command.request.index} before the clock command; ignored\n`);
      return;
    }
    const { crash, ...request } = command.request;
    host.invoke(command.client, { ...request, ...(crash === undefined ? {} : { crash }) }, (result) => printLine({ event: 'done', client: command.client, result }));
  };

  onStdinLines(onCommand);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      trace?.close();
      const rejected = Object.fromEntries(rejections.counts);
      for (const [reason, count] of Object.entries(transport.rejected())) rejected[reason] = (rejected[reason] ?? 0) + count;
      printLine({ event: 'stats', clients: ids, rejected, dropped: transport.dropped(), sent: host.sent });
      clock.stop();
      await transport.close();
    })();
    return stopping;
  };
  // stdin is the control channel: when it closes, the harness is gone (or done with us).
  stopWhenHarnessGoes(runFolder, stop);
  printLine({ event: 'ready', clients: ids, pid: process.pid });
  return { stop };
}

/** The `--clients` list, each a workload client of the run. */
function hostedClients(list: string, run: ResolvedRun): string[] {
  const workloadClients = [...run.cluster.writers, ...run.cluster.readers];
  const ids = list.split(',').filter((id) => id !== '');
  if (ids.length === 0) throw new ConfigError(`--clients: expected a comma-separated list of client ids, got ${JSON.stringify(list)}`);
  for (const id of ids) {
    if (!workloadClients.includes(id)) throw new ConfigError(`--clients: ${JSON.stringify(id)} is not a workload client of the run (${workloadClients.join(', ')})`);
  }
  return ids;
}

/** Calls `onLine` with each non-blank line of stdin (the harness's control commands). */
function onStdinLines(onLine: (text: string) => void): void {
  let partial = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    partial += chunk;
    let newline = partial.indexOf('\n');
    while (newline >= 0) {
      const text = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
      if (text.trim() !== '') onLine(text);
    }
  });
}

/** `quorumbench client-process`: start, then stop and exit 0 on SIGTERM/SIGINT or when stdin closes. */
export async function clientProcessMain(options: ClientProcessOptions): Promise<void> {
  const started = await startClientProcess(options);
  const onSignal = (): void => {
    void started.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
