/**
 * @module The real engine (`engine: real`): every server is its own OS process running
 * `quorumbench serve`, the clients run in this process over TCP, time is the wall clock.
 *
 * Start-up: pick a free loopback port per server, write a cluster file (the run's config, with this
 * run's seed, plus the addresses) to a temporary directory, start the n servers with execa and wait
 * for every ready line. With `real.servers` in the config the servers are already running elsewhere
 * (docs/multi-host.md) and nothing is started. The engine then hands the runner a TcpTransport
 * whose link model is the run's network model (emulated latency and bandwidth), so the clients'
 * messages are held exactly as the simulator would delay them; the servers hold theirs likewise.
 *
 * With `real.clientProcesses: K`, the workload clients run in K client processes as well
 * (`quorumbench client-process`, harness/real/client-process.ts explains the design), round-robin
 * over the processes (w1, w2, .., r1, r2, .. in turn); the runner then hands their operations to
 * {@link RemoteClients} and keeps the history here. Hostile clients stay in this process.
 *
 * End: `close()` stops the client processes, then every server (SIGTERM; each prints its stats
 * line), waits for them to exit and keeps the servers' stats in `serverStats`. A crash fault SIGKILLs
 * the server process. Randomness of this process's nodes is a CSPRNG ({@link Engine.nodeRandom}).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeId, RandomSource } from '../../protocols/types.ts';
import { ConfigError } from '../config/errors.ts';
import type { ResolvedRun } from '../config/index.ts';
import type { Engine, EngineContext, EngineRunOutcome, RemoteClients, RemoteOpRequest, RemoteOpResult } from '../runner/engine.ts';
import { parseHostPort, parseRealSettings, sharedTimebaseOf, type RealSettings } from './cluster-file.ts';
import type { LinkModel } from './link-model.ts';
import { ChildProcessHandle, startNodeScript, type ChildLine } from './processes.ts';
import { cryptoRandom } from './server-host.ts';
import { linkModelFor, runNodes } from './server-process.ts';
import { TcpTransport, type HostPort } from './tcp-transport.ts';
import { WallClock } from './wall-clock.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The project root (where node_modules/tsx is), the children's working directory. */
export const PROJECT_ROOT = resolvePath(HERE, '../..');
/** Runs only the `serve` command of the CLI: same flags, faster start than the whole CLI. */
export const SERVE_ENTRY = join(HERE, 'serve-entry.ts');
/** Runs only the `client-process` command of the CLI. */
export const CLIENT_ENTRY = join(HERE, 'client-entry.ts');

/** What a server reported when it stopped. */
export interface ServerStats {
  readonly storedBytes: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly dropped: Readonly<Record<string, number>>;
  readonly messages: number;
  readonly bytes: number;
}

/** Free TCP ports on `host`: all bound at once (so they differ), then released for the servers. */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/**
 * The cluster file for a run: its config with the run's own protocol parameters and seed (a sweep
 * point may differ from the base config), and the server addresses.
 */
export function clusterFileData(run: ResolvedRun, seed: number, addresses: ReadonlyMap<NodeId, HostPort>, settings?: RealSettings): Record<string, unknown> {
  const config = run.config;
  const cluster: Record<string, string> = {};
  for (const [id, address] of addresses) cluster[id] = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  return {
    ...config,
    name: config.name,
    engine: 'real',
    seed,
    repetitions: 1,
    protocol: { name: run.protocol.name, t: run.t, options: run.options },
    servers: run.n,
    // Servers charge no simulated CPU; a relative profile path would not resolve from the temp dir.
    costProfile: 'zero',
    workload: { ...config.workload, keys: run.workload.keys, writers: run.cluster.writers.length, readers: run.cluster.readers.length },
    faults: run.faults,
    // The timebase the harness uses, stated: a hand-started `serve` defaults to realtime.
    ...(settings === undefined ? {} : { real: { ...config.real, sharedClock: sharedTimebaseOf(settings) } }),
    cluster,
  };
}

export class RealEngine implements Engine {
  readonly kind = 'real' as const;
  readonly hostsServers = false;
  readonly clock: WallClock;
  /** Stats each server printed when it stopped (after `close()`); crashed servers have none. */
  readonly serverStats = new Map<NodeId, ServerStats>();
  private readonly extraDelayNs = new Map<NodeId, number>();
  private readonly crashed = new Set<NodeId>();
  private lastActivityNs = 0;
  private finish: ((outcome: EngineRunOutcome) => void) | undefined;
  private stopRequested = false;
  private closed = false;

  /** Set with `real.clientProcesses` > 0: the runner hands these clients' operations over. */
  readonly remoteClients: RemoteClients | undefined;
  /** Stats each client process printed when it stopped (after `close()`). */
  readonly clientProcessStats: ServerStats[] = [];
  private readonly pendingRemote = new Map<NodeId, { readonly index: number; readonly done: (result: RemoteOpResult) => void }>();

  private constructor(
    private readonly settings: RealSettings,
    readonly transport: TcpTransport,
    clock: WallClock,
    private readonly children: ReadonlyMap<NodeId, ChildProcessHandle>,
    private readonly tempDir: string | undefined,
    private readonly clientOf: ReadonlyMap<NodeId, ChildProcessHandle> = new Map(),
    private readonly clientProcesses: readonly ChildProcessHandle[] = [],
  ) {
    this.clock = clock;
    this.remoteClients = clientOf.size === 0 ? undefined : this.remoteClientsOf(clientOf);
    for (const child of clientProcesses) {
      void child.done.then(() => {
        if (this.closed) return;
        process.stderr.write(`quorumbench real engine: ${child.name} exited during the run (code ${String(child.exitCode)}, signal ${String(child.signal)}); its clients' operations stay pending; stderr: ${child.stderr.trim() || '(empty)'}\n`);
        for (const [client, host] of clientOf) if (host === child) this.pendingRemote.delete(client);
      });
    }
  }

  /** Keys and nonces of this process's nodes are secrets in a real deployment: a CSPRNG. */
  readonly nodeRandom = (_node: NodeId): RandomSource => cryptoRandom;

  /** PIDs of the client processes this engine started. */
  get clientProcessPids(): number[] {
    return this.clientProcesses.map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
  }

  private remoteClientsOf(clientOf: ReadonlyMap<NodeId, ChildProcessHandle>): RemoteClients {
    return {
      has: (client) => clientOf.has(client),
      invoke: (client: NodeId, request: RemoteOpRequest, done: (result: RemoteOpResult) => void) => {
        const child = clientOf.get(client);
        if (child === undefined) throw new RangeError(`real engine: ${client} is not a remote client`);
        this.pendingRemote.set(client, { index: request.index, done });
        this.lastActivityNs = this.clock.nowNs();
        child.writeLine(JSON.stringify({ cmd: 'invoke', client, ...request }));
      },
      crash: (client: NodeId) => clientOf.get(client)?.writeLine(JSON.stringify({ cmd: 'crash', client })),
    };
  }

  /** A control line from a client process; true = consumed (not kept in the child's `lines`). */
  onClientLine(line: ChildLine): boolean {
    // After the run (close() stops the processes), a late report must not change the history.
    if (this.closed && (line.event === 'activity' || line.event === 'done')) return true;
    if (line.event === 'activity') {
      this.lastActivityNs = this.clock.nowNs();
      return true;
    }
    if (line.event !== 'done') return false;
    this.lastActivityNs = this.clock.nowNs();
    const client = String(line.client);
    const pending = this.pendingRemote.get(client);
    if (pending === undefined || pending.index !== line.index) {
      process.stderr.write(`quorumbench real engine: unexpected report from a client process: ${JSON.stringify(line)}\n`);
      return true;
    }
    this.pendingRemote.delete(client);
    pending.done(line as unknown as RemoteOpResult);
    return true;
  }

  /** Starts the servers (unless external) and connects; every child is stopped if anything fails. */
  static async start(context: EngineContext): Promise<RealEngine> {
    const { run, seed } = context;
    const settings = parseRealSettings(run.config.real);
    const children = new Map<NodeId, ChildProcessHandle>();
    const clientProcesses: ChildProcessHandle[] = [];
    const workloadClients = [...run.cluster.writers, ...run.cluster.readers];
    if (settings.clientProcesses > workloadClients.length) {
      throw new ConfigError(`real.clientProcesses: ${settings.clientProcesses} exceeds the ${workloadClients.length} workload clients (writers + readers)`);
    }
    // Schedules gate frames at this process's receivers and scripts drive its clients step by step:
    // neither reaches a client process, so rather than run them half-applied, refuse.
    if (settings.clientProcesses > 0 && (run.config.schedule !== undefined || run.config.workload.script !== undefined)) {
      throw new ConfigError(`real.clientProcesses: ${settings.clientProcesses} cannot be combined with a fault schedule or a scripted workload (they act on clients in the harness process); use 0`);
    }
    let tempDir: string | undefined;
    let engine: RealEngine | undefined;
    try {
      let addresses: Map<NodeId, HostPort>;
      if (settings.servers !== undefined) {
        addresses = new Map(Object.entries(settings.servers).map(([id, text]) => [id, parseHostPort(text, `real.servers.${id}`)]));
        for (const id of run.cluster.servers) {
          if (!addresses.has(id)) throw new Error(`real.servers.${id}: missing address of server ${id} (n=${run.n})`);
        }
      } else {
        const ports = await freePorts(settings.host, run.n);
        addresses = new Map(run.cluster.servers.map((id, i) => [id, { host: settings.host, port: ports[i]! }]));
      }
      const clusterPath =
        settings.servers === undefined || settings.clientProcesses > 0
          ? writeClusterFile((tempDir = mkdtempSync(join(tmpdir(), 'quorumbench-real-'))), clusterFileData(run, seed, addresses, settings))
          : undefined;
      if (settings.servers === undefined) {
        for (const [id, address] of addresses) {
          const listen = `${address.host}:${address.port}`;
          children.set(id, startNodeScript(`server ${id}`, SERVE_ENTRY, ['--id', id, '--listen', listen, '--cluster', clusterPath!, '--exit-on-stdin-close'], PROJECT_ROOT));
        }
      }
      // Client processes start alongside the servers (they dial only when their first operation comes).
      const clientOf = new Map<NodeId, ChildProcessHandle>();
      for (let k = 0; k < settings.clientProcesses; k++) {
        // Round-robin: writers and readers spread over the processes alike.
        const ids = workloadClients.filter((_, i) => i % settings.clientProcesses === k);
        const args = ['--cluster', clusterPath!, '--clients', ids.join(','), '--index', String(k)];
        const child = startNodeScript(`client process ${k}`, CLIENT_ENTRY, args, PROJECT_ROOT, (line) => engine?.onClientLine(line) ?? false);
        clientProcesses.push(child);
        for (const id of ids) clientOf.set(id, child);
      }
      await Promise.all([...children.values(), ...clientProcesses].map((child) => child.waitForLine((line) => line.event === 'ready', settings.startTimeoutMs)));
      const known = new Set(runNodes(run));
      // Time zero of the run: everything is ready. Client processes learn it (as a CLOCK_MONOTONIC
      // reading) to report their operations' times on this clock; pipe order puts it before any operation.
      const clock = new WallClock(settings.timerSpinMs, sharedTimebaseOf(settings));
      for (const child of clientProcesses) child.writeLine(JSON.stringify({ cmd: 'clock', startNs: String(clock.startHrtimeNs) }));
      const baseModel = linkModelFor(run, '', `real:harness:${seed}`);
      const linkModel: LinkModel = {
        deliveryDelayNs: (from, to, bytes, nowNs) => (baseModel?.deliveryDelayNs(from, to, bytes, nowNs) ?? 0) + (engine?.extraDelayNs.get(from) ?? 0),
      };
      const transport = await TcpTransport.create({
        validator: { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) },
        peers: addresses,
        clock,
        holdAt: settings.holdAt,
        ...(baseModel === undefined ? {} : { linkModel }),
        ...(settings.maxFrameBytes === undefined ? {} : { maxFrameBytes: settings.maxFrameBytes }),
        onPeerError: (reason, message, remote) => process.stderr.write(`quorumbench real engine: closed connection from ${remote}: ${reason}: ${message}\n`),
      });
      engine = new RealEngine(settings, transport, clock, children, tempDir, clientOf, clientProcesses);
      engine.watchActivity();
      return engine;
    } catch (error) {
      await Promise.all([...clientProcesses, ...children.values()].map((child) => child.stop(1_000)));
      if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * What the runner cannot see from this process, for the run's result (after `close()`): bytes
   * stored per server (index i ↔ s(i+1); a crashed server reports 0), frames and messages the
   * servers, this process's transport and the client processes rejected by reason, and the servers'
   * own sends (server → client traffic).
   */
  serverReport(servers: readonly NodeId[]): {
    storageBytesPerServer: number[];
    rejected: Record<string, number>;
    serverToClient: { messages: number; bytes: number };
  } {
    const rejected: Record<string, number> = {};
    let messages = 0;
    let bytes = 0;
    for (const stats of this.serverStats.values()) {
      for (const [reason, count] of Object.entries(stats.rejected)) rejected[reason] = (rejected[reason] ?? 0) + count;
      messages += stats.messages;
      bytes += stats.bytes;
    }
    for (const [reason, count] of Object.entries(this.transport.rejected())) rejected[reason] = (rejected[reason] ?? 0) + count;
    for (const stats of this.clientProcessStats) {
      for (const [reason, count] of Object.entries(stats.rejected)) rejected[reason] = (rejected[reason] ?? 0) + count;
    }
    return { storageBytesPerServer: servers.map((id) => this.serverStats.get(id)?.storedBytes ?? 0), rejected, serverToClient: { messages, bytes } };
  }

  /** What each started server announced in its ready line: honest, or the Byzantine strategy it runs. */
  serverBehaviours(): Record<NodeId, string> {
    const out: Record<NodeId, string> = {};
    for (const [id, child] of this.children) {
      const ready = child.lines.find((line) => line.event === 'ready');
      if (ready !== undefined) out[id] = String(ready.behaviour);
    }
    return out;
  }

  /** PIDs of the server processes this engine started. */
  get serverPids(): number[] {
    return [...this.children.values()].map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
  }

  nowNs(): number {
    return this.clock.nowNs();
  }

  exec<A, B, C>(_node: NodeId, task: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C): void {
    task(a as A, b as B, c as C);
  }

  charge(): void {
    // Real CPU time is in the wall-clock latencies; nothing to charge.
  }

  setSendDelayNs(node: NodeId, delayNs: number): void {
    // Only servers can be slow (the config checks it), and a server process applies its own `slow`
    // delay from the cluster file's faults; this covers nodes of this process when the run emulates.
    this.extraDelayNs.set(node, delayNs);
  }

  crash(node: NodeId): void {
    this.crashed.add(node);
    const child = this.children.get(node);
    if (child === undefined) {
      process.stderr.write(`quorumbench real engine: cannot crash ${node}: it was not started by this engine\n`);
      return;
    }
    child.kill('SIGKILL');
  }

  run(maxNs: number): Promise<EngineRunOutcome> {
    if (this.stopRequested) {
      this.stopRequested = false;
      return Promise.resolve('stopped');
    }
    return new Promise<EngineRunOutcome>((resolve) => {
      let settled = false;
      const done = (outcome: EngineRunOutcome): void => {
        if (settled) return;
        settled = true;
        clearInterval(idleTimer);
        this.finish = undefined;
        resolve(outcome);
      };
      this.finish = done;
      if (Number.isFinite(maxNs)) this.clock.schedule(maxNs, () => done('time-limit'));
      // Nothing left to do: no timer pending but the time limit and no message for idleTimeoutMs
      // (operations blocked by faults beyond tolerance would otherwise wait for maxDurationMs).
      const idleNs = this.settings.idleTimeoutMs * 1e6;
      const idleTimer = setInterval(() => {
        const pendingOwn = Number.isFinite(maxNs) ? 1 : 0;
        if (this.clock.pending <= pendingOwn && this.clock.nowNs() - this.lastActivityNs > idleNs) done('idle');
      }, 100);
    });
  }

  stop(): void {
    // The workload may finish before `run` is awaited (operations start as soon as they are issued).
    if (this.finish === undefined) this.stopRequested = true;
    else this.finish('stopped');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.stop();
    // Client processes first: their operations are over, and servers then see them go cleanly.
    await Promise.all(this.clientProcesses.map((child) => child.stop(5_000)));
    for (const child of this.clientProcesses) {
      const stats = child.lines.find((line) => line.event === 'stats');
      if (stats !== undefined) {
        this.clientProcessStats.push({
          storedBytes: 0,
          rejected: (stats.rejected ?? {}) as Record<string, number>,
          dropped: (stats.dropped ?? {}) as Record<string, number>,
          messages: Number(stats.messages ?? 0),
          bytes: Number(stats.bytes ?? 0),
        });
      }
    }
    await this.transport.close();
    await Promise.all(
      [...this.children].map(async ([id, child]) => {
        await child.stop(5_000);
        const stats = child.lines.find((line) => line.event === 'stats');
        if (stats !== undefined) {
          this.serverStats.set(id, {
            storedBytes: Number(stats.storedBytes ?? 0),
            rejected: (stats.rejected ?? {}) as Record<string, number>,
            dropped: (stats.dropped ?? {}) as Record<string, number>,
            messages: Number(stats.messages ?? 0),
            bytes: Number(stats.bytes ?? 0),
          });
        }
      }),
    );
    if (this.tempDir !== undefined) rmSync(this.tempDir, { recursive: true, force: true });
  }

  /**
   * Any frame for a local node counts as activity (for the idle detection of `run`). Clients hosted
   * by a client process are not attached here: servers must route their replies to that process.
   */
  private watchActivity(): void {
    const transport = this.transport;
    const attach = transport.attach.bind(transport);
    transport.attach = (node, receive) => {
      if (this.clientOf.has(node)) return;
      attach(node, (from, frame) => {
        this.lastActivityNs = this.clock.nowNs();
        receive(from, frame);
      });
    };
  }
}

/** Writes a cluster file into `dir` (temp file, then rename) and returns its path. */
function writeClusterFile(dir: string, data: Record<string, unknown>, name = 'cluster.json'): string {
  const path = join(dir, name);
  writeFileSync(`${path}.tmp`, JSON.stringify(data, null, 2));
  renameSync(`${path}.tmp`, path);
  return path;
}

export function createRealEngine(context: EngineContext): Promise<RealEngine> {
  return RealEngine.start(context);
}
