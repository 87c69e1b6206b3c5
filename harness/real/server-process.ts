/**
 * @module One server as its own OS process: what `quorumbench serve` runs.
 *
 * Stopping: SIGTERM or SIGINT (to the server's own pid: its ready line and `--pid-file` name it), its
 * stdin closing (`--exit-on-stdin-close`, how the real engine's children go), or the npx wrapper it
 * was started by exiting (serve-lifetime.ts) all end the same way: the stats line, the pid file
 * removed, exit status 0.
 * It reads the cluster file and the run secret, hosts the server (harness/host/server-host.ts: the
 * same host as the simulator's), listens on its address, prints its ready line on stdout, and serves
 * one run (the cluster file's `runId`, or else the first run that connects with the secret) until
 * SIGTERM or SIGINT, when it prints its stats line and exits with status 0 (the lines: child-lines.ts).
 */
import { createInterface } from 'node:readline';
import { ConfigError } from '../config/errors.ts';
import { ReplyTally } from '../host/reply-tally.ts';
import { ServerHost } from '../host/server-host.ts';
import { loadClusterPlugins, parseHostPort, parseRealSettings, readClusterFile } from './cluster-file.ts';
import { clientCommand, printLine } from './child-lines.ts';
import { ProcessTraceFile } from '../trace/process-file.ts';
import { linkModelFor, runNodes } from './link-model.ts';
import { processContext, rejectionCounter } from './process-context.ts';
import { checkRunFolder, stopWhenHarnessGoes } from './run-folder.ts';
import { channelKeysOf, readSecretFile } from './run-secret.ts';
import { removePidFile, stopWithLauncher, writePidFile } from './serve-lifetime.ts';
import { TcpTransport, type HostPort } from './tcp-transport.ts';
import { WallClock } from './wall-clock.ts';
import type { TraceBounds } from '../trace/events.ts';
import type { ResolvedRun } from '../config/index.ts';
import type { NodeId } from '../../protocols/types.ts';

export interface ServeOptions {
  readonly id: string;
  /** `host:port`; port 0 picks a free port (reported in the ready line). */
  readonly listen: string;
  readonly clusterPath: string;
  /** The run secret's file (run-secret.ts): 64 hex characters, readable only by its owner. */
  readonly secretPath: string;
  /** Exit when stdin closes: the parent (the real engine) is gone, so no orphan outlives it. */
  readonly exitOnStdinClose?: boolean;
  /** The run's private folder (the cluster file's), removed on exit when stdin closed (run-folder.ts). */
  readonly runFolder?: string;
  /** Record this server's messages here (a traced run: the engine passes a file in its private folder). */
  readonly traceFile?: string;
  /** Write the server's pid here once it listens; removed when it stops cleanly. */
  readonly pidFile?: string;
}

/** Starts the server; resolves once it is ready. Errors in the inputs are ConfigErrors. */
export async function startServer(options: ServeOptions): Promise<{ address: HostPort; stop: () => Promise<void> }> {
  const runFolder = options.runFolder === undefined ? undefined : checkRunFolder(options.runFolder, options.clusterPath);
  await loadClusterPlugins(options.clusterPath);
  const { run, addresses, runId } = readClusterFile(options.clusterPath);
  const secret = readSecretFile(options.secretPath, '--secret-file');
  if (!run.cluster.servers.includes(options.id)) {
    throw new ConfigError(`--id: ${JSON.stringify(options.id)} is not a server of the cluster (s1..s${run.n})`);
  }
  const listen = parseHostPort(options.listen, '--listen', true);
  const settings = parseRealSettings(run.config.real);
  const known = new Set(runNodes(run));
  const peers = new Map(addresses);
  peers.delete(options.id);
  // A hand-started server (docs/multi-host.md) defaults to the system clock: the harness it serves
  // has `real.servers` and uses it, whether this file lists the servers there or under `cluster:`.
  // (The engine states the timebase in the cluster files it writes.)
  const clock = new WallClock(settings.timerSpinMs, settings.sharedClock ?? 'realtime');
  let transport: TcpTransport;
  try {
    transport = await TcpTransport.create({
      validator: { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) },
      auth: {
        keys: channelKeysOf(secret),
        channels: settings.channels,
        runId,
        onRunBound: (bound) => process.stderr.write(`quorumbench serve ${options.id}: serving run ${bound}\n`),
      },
      peers,
      listen,
      linkModel: linkModelFor(run, options.id, `real:${options.id}`),
      clock,
      holdAt: settings.holdAt,
      ...(settings.maxFrameBytes === undefined ? {} : { maxFrameBytes: settings.maxFrameBytes }),
      onPeerError: (reason, message, remote) => process.stderr.write(`quorumbench serve ${options.id}: closed connection from ${remote}: ${reason}: ${message}\n`),
    });
  } catch (error) {
    throw new ConfigError(`--listen: cannot listen on ${options.listen}: ${(error as Error).message}`);
  }
  const rejections = rejectionCounter();
  const trace = traceOf(run.trace, options.traceFile, clock);
  const context = await processContext(run, secret, transport, () => clock.nowNs(), rejections.reject, undefined, trace?.file.recorder ?? null);
  const replies = new ReplyTally();
  const host = new ServerHost(context, options.id, replies);
  armCrashByMessageCount(host, run, options.id, clock, trace);

  const address = transport.address()!;
  if (options.pidFile !== undefined) {
    try {
      writePidFile(options.pidFile);
    } catch (error) {
      await transport.close();
      throw error;
    }
  }
  printLine({ event: 'ready', id: options.id, address: `${address.host}:${address.port}`, protocol: run.protocol.name, behaviour: host.behaviour, pid: process.pid });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      trace?.file.close();
      const rejected = Object.fromEntries(rejections.counts);
      for (const [reason, count] of Object.entries(transport.rejected())) rejected[reason] = (rejected[reason] ?? 0) + count;
      if (replies.untallied > 0) rejected['replies-untallied'] = replies.untallied;
      printLine({
        event: 'stats',
        id: options.id,
        storedBytes: host.storedBytes(),
        rejected,
        dropped: transport.dropped(),
        sent: host.sent,
        initiated: host.initiated,
        initiatedCpuNs: host.initiatedCpuNs,
        replies: replies.counts().map(([op, messages, bytes]) => [op, messages, bytes]),
      });
      clock.stop();
      await transport.close();
      if (options.pidFile !== undefined) removePidFile(options.pidFile);
    })();
    return stopping;
  };
  if (options.exitOnStdinClose === true) stopWhenHarnessGoes(runFolder, stop);
  return { address, stop };
}

/** A crash by message count is carried out here: only this process sees the count. */
function armCrashByMessageCount(host: ServerHost, run: ResolvedRun, id: NodeId, clock: WallClock, trace: { file: ProcessTraceFile } | undefined): void {
  const index = run.faults.findIndex((f) => f.type === 'crash' && f.node === id && f.afterMessages !== undefined);
  const crash = run.faults[index];
  if (crash === undefined || crash.type !== 'crash') return;
  host.crashAfterMessages = crash.afterMessages!;
  host.onCrash = () => {
    trace?.file.close();
    printLine({ event: 'fault', node: id, action: 'crash', cause: `faults[${index}]: afterMessages ${crash.afterMessages}`, atSharedUs: clock.toSharedUs(clock.nowNs()) });
    process.kill(process.pid, 'SIGKILL');
  };
}


/**
 * The server's trace file, on the harness's clock: until the engine's `clock` line arrives on stdin
 * (it comes before any operation), times are the server's own.
 */
function traceOf(bounds: TraceBounds | null, path: string | undefined, clock: WallClock): { file: ProcessTraceFile } | undefined {
  if (bounds === null || path === undefined) return undefined;
  let toHarnessNs = 0;
  const file = new ProcessTraceFile(bounds, path, () => clock.nowNs() + toHarnessNs);
  createInterface({ input: process.stdin }).on('line', (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    const command = clientCommand.safeParse(value);
    if (command.success && command.data.cmd === 'clock') toHarnessNs = Number(clock.startHrtimeNs - BigInt(command.data.startNs));
  });
  return { file };
}

/**
 * `quorumbench serve`: start, then stop and exit 0 on SIGTERM or SIGINT, or when the npx wrapper that
 * started it exits. A signal during start-up stops the server as soon as it is up.
 */
export async function serveMain(options: ServeOptions): Promise<void> {
  let server: { stop: () => Promise<void> } | undefined;
  let stopRequested = false;
  const stop = (): void => {
    stopRequested = true;
    void server?.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  stopWithLauncher((launcher) => {
    process.stderr.write(`quorumbench serve ${options.id}: the process that started it (pid ${launcher}) exited; stopping\n`);
    stop();
  });
  server = await startServer(options);
  if (stopRequested) stop();
}
