/**
 * @module One server as its own OS process: what `quorumbench serve` runs.
 *
 * It reads the cluster file, builds the server's protocol machines (honest or Byzantine), listens on
 * its address, prints one ready line (JSON) on stdout, and serves until SIGTERM or SIGINT, when it
 * prints one stats line (stored bytes, rejected frames and messages, dropped sends, traffic) and
 * exits with status 0. Lines on stdout are JSON objects with an `event` field, for the real engine
 * and for people alike:
 *
 *   {"event":"ready","id":"s1","address":"127.0.0.1:7001","protocol":"abd","behaviour":"honest","pid":1234}
 *   {"event":"stats","id":"s1","storedBytes":1061,"rejected":{},"dropped":{},"messages":800,"bytes":431200}
 */
import type { NodeId } from '../../protocols/types.ts';
import { ConfigError } from '../config/errors.ts';
import type { ResolvedRun } from '../config/index.ts';
import { loadCryptoProvider, loadErasureCodec } from '../env/index.ts';
import { NetworkModel } from '../network/model.ts';
import { stream } from '../rng.ts';
import { parseHostPort, parseRealSettings, readClusterFile } from './cluster-file.ts';
import { networkLinkModel, type LinkModel } from './link-model.ts';
import { ServerHost } from './server-host.ts';
import { TcpTransport, type HostPort } from './tcp-transport.ts';
import { WallClock } from './wall-clock.ts';

export interface ServeOptions {
  readonly id: string;
  /** `host:port`; port 0 picks a free port (reported in the ready line). */
  readonly listen: string;
  readonly clusterPath: string;
  /** Exit when stdin closes: the parent (the real engine) is gone, so no orphan outlives it. */
  readonly exitOnStdinClose?: boolean;
}

/** Every node id of the run: servers, workload clients, hostile clients. */
export function runNodes(run: ResolvedRun): NodeId[] {
  return [...run.cluster.servers, ...run.cluster.writers, ...run.cluster.readers, ...run.hostileClients];
}

/** Whether the network spec asks for any delay at all (else the transport writes at once). */
function emulates(run: ResolvedRun): boolean {
  const { network } = run;
  const latency = network.latency;
  const zeroLatency = latency.distribution === 'constant' && latency.oneWayMs === 0 && network.global === undefined;
  return !zeroLatency || network.bandwidthMBps > 0 || network.nicUplinkMBps > 0;
}

/**
 * The link model of `node`'s outgoing messages: the run's network model, plus the node's `slow`
 * fault delay; undefined when the run emulates nothing.
 */
export function linkModelFor(run: ResolvedRun, node: NodeId, seedStream: string): LinkModel | undefined {
  const slow = run.faults.find((f) => f.type === 'slow' && f.node === node);
  const extraNs = slow !== undefined && slow.type === 'slow' ? Math.round(slow.delayMs * 1e6) : 0;
  if (!emulates(run) && extraNs === 0) return undefined;
  const model = networkLinkModel(new NetworkModel(run.network, runNodes(run)), stream(run.seed, seedStream));
  if (extraNs === 0) return model;
  return { deliveryDelayNs: (from, to, bytes, nowNs) => model.deliveryDelayNs(from, to, bytes, nowNs) + (from === node ? extraNs : 0) };
}

function line(value: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Starts the server; resolves once it is ready. Errors in the inputs are ConfigErrors. */
export async function startServer(options: ServeOptions): Promise<{ address: HostPort; stop: () => Promise<void> }> {
  const { run, addresses } = readClusterFile(options.clusterPath);
  if (!run.cluster.servers.includes(options.id)) {
    throw new ConfigError(`--id: ${JSON.stringify(options.id)} is not a server of the cluster (s1..s${run.n})`);
  }
  const listen = parseHostPort(options.listen, '--listen', true);
  const settings = parseRealSettings(run.config.real);
  const crypto = await loadCryptoProvider(run.config.crypto);
  const codec = await loadErasureCodec(run.config.codec);
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
  // A server crash scheduled by message count is carried out here: only this process sees the count.
  const crash = run.faults.find((f) => f.type === 'crash' && f.node === options.id && f.afterMessages !== undefined);
  const crashAfter = crash !== undefined && crash.type === 'crash' ? crash.afterMessages : undefined;
  const host = new ServerHost({
    run,
    id: options.id,
    transport,
    crypto,
    codec,
    ...(crashAfter === undefined ? {} : { afterMessage: (count: number) => void (count >= crashAfter && process.kill(process.pid, 'SIGKILL')) }),
  });

  const address = transport.address()!;
  line({
    event: 'ready',
    id: options.id,
    address: `${address.host}:${address.port}`,
    protocol: run.protocol.name,
    behaviour: host.behaviour,
    pid: process.pid,
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const traffic = transport.traffic().total;
      const rejected: Record<string, number> = { ...host.rejected() };
      for (const [reason, count] of Object.entries(transport.rejected())) rejected[reason] = (rejected[reason] ?? 0) + count;
      line({
        event: 'stats',
        id: options.id,
        storedBytes: host.storedBytes(),
        rejected,
        dropped: transport.dropped(),
        messages: traffic.messages,
        bytes: traffic.bytes,
      });
      clock.stop();
      await transport.close();
    })();
    return stopping;
  };
  if (options.exitOnStdinClose === true) {
    process.stdin.on('end', () => void stop().then(() => process.exit(0)));
    process.stdin.on('error', () => void stop().then(() => process.exit(0)));
    process.stdin.resume();
  }
  return { address, stop };
}

/** `quorumbench serve`: start, then stop and exit 0 on SIGTERM or SIGINT. */
export async function serveMain(options: ServeOptions): Promise<void> {
  const server = await startServer(options);
  const onSignal = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
