/**
 * @module The real engine (`engine: real`): every server is its own OS process running
 * `quorumbench serve`, the clients run in this process (or in client processes) over TCP, time is
 * the wall clock. All of them host their nodes with the same hosts as the simulator
 * (harness/host/), so both engines run and count the same protocol code the same way.
 *
 * Start-up (launch.ts): free loopback ports, a cluster file, the server processes, each waited for.
 * With `real.servers` in the config the servers are already running elsewhere (docs/multi-host.md)
 * and none is started; with `real.hosts` they are started on those hosts over SSH (ssh-launch.ts).
 * This process then talks TCP with a link model built from the run's network model (emulated
 * latency and bandwidth), as the servers do.
 *
 * Authentication: each run gets a run id and a secret (run-secret.ts): a fresh random one, or with
 * `real.servers` the file the servers were started with (`real.secretFile`). Every connection proves
 * the run and its node ids from it (handshake.ts), and the protocol's keys come from it, never from
 * the seed. Before the workload starts, this process connects to every server: a server that serves
 * another run, or holds another secret, refuses, and the run stops with a ConfigError that says what
 * to do (exit status 2 from the CLI).
 *
 * End: `close()` stops the client processes, then every server (SIGTERM, or the end of its SSH
 * session's input; each prints its stats line), waits for them to exit and keeps their stats for
 * {@link RealEngine.serverReport}. A crash
 * fault SIGKILLs the server's process. Randomness of this process's nodes is a CSPRNG.
 */
import type { NodeId, RandomSource } from '../../protocols/types.ts';
import { ConfigError } from '../config/errors.ts';
import { externalSettingsOf } from '../external/settings.ts';
import type { AppliedFault, ServerReport } from '../host/server-report.ts';
import { addTraffic, noTraffic, type Traffic } from '../host/traffic.ts';
import type { Engine, EngineContext, EngineRunOutcome } from '../transport/engine.ts';
import { clientStatsLine, parseChildLine, serverFaultLine, serverStatsLine, type ClientStatsLine, type ServerStatsLine } from './child-lines.ts';
import { clientProcessCount, parseRealSettings, sharedTimebaseOf, type RealSettings } from './cluster-file.ts';
import { launch, removeLaunchFolder, type Launched, type RunAccess } from './launch.ts';
import { linkModelFor, runNodes, type LinkModel } from './link-model.ts';
import { cryptoRandom } from './node-random.ts';
import { stoppingOnSignal, type ChildLine, type ChildProcessHandle } from './processes.ts';
import { RemoteClients } from './remote-clients.ts';
import { channelKeysOf, newRunId, newRunSecret, readSecretFile, secretSetupRandom } from './run-secret.ts';
import { launchOnHosts } from './ssh-launch.ts';
import { PeerRefusedError, TcpTransport } from './tcp-transport.ts';
import { WallClock } from './wall-clock.ts';
import { clientProcessName, readProcessTraces } from '../trace/process-file.ts';
import type { ProcessTraces } from '../trace/run-trace.ts';
import { NS_PER_MS } from '../units.ts';

export class RealEngine implements Engine {
  readonly kind = 'real' as const;
  /** False: server processes host the servers. True for external nodes, which this process hosts. */
  readonly hostsServers: boolean;
  readonly chargesCpu = false;
  readonly remoteClients: RemoteClients | undefined;
  /** Stats each server printed when it stopped (after `close()`); crashed servers have none. */
  readonly serverStats = new Map<NodeId, ServerStatsLine>();
  /** Stats each client process printed when it stopped (after `close()`). */
  readonly clientProcessStats: ClientStatsLine[] = [];
  /** What the child processes of a traced run recorded (after `close()`). */
  private processTraces: ProcessTraces | undefined;
  private lastActivityNs = 0;
  private finish: ((outcome: EngineRunOutcome) => void) | undefined;
  private stopRequested = false;
  private closed = false;

  private constructor(
    private readonly settings: RealSettings,
    readonly transport: TcpTransport,
    readonly clock: WallClock,
    private readonly launched: Launched,
    /** Extra send delay per node of this process (the `slow` fault), read by the link model. */
    private readonly extraDelayNs: Map<NodeId, number>,
    /** Whether the run is traced: the child processes then record their messages (trace/process-file.ts). */
    private readonly traced: boolean,
    hostsServers: boolean,
    private readonly access: RunAccess,
  ) {
    this.hostsServers = hostsServers;
    const remoteClients = launched.clientOf.size === 0 ? undefined : new RemoteClients(launched.clientOf, () => (this.lastActivityNs = clock.nowNs()));
    this.remoteClients = remoteClients;
    for (const child of launched.clientProcesses) {
      void child.done.then(() => {
        if (this.closed || stoppingOnSignal()) return;
        process.stderr.write(`quorumbench real engine: ${child.name} ${child.howItEnded} during the run; its clients' operations stay pending; stderr: ${child.stderr.trim() || '(empty)'}\n`);
        remoteClients?.forget(child);
      });
    }
  }

  /** Starts the processes (launch.ts) and connects; every child is stopped if anything fails. */
  static async start(context: EngineContext): Promise<RealEngine> {
    const { run, seed } = context;
    const settings = parseRealSettings(run.config.real);
    const workloadClients = [...run.cluster.writers, ...run.cluster.readers];
    const clientProcesses = clientProcessCount(settings);
    const onHosts = clientProcesses === settings.clientProcesses ? '' : ' (counting those of real.hosts)';
    if (clientProcesses > workloadClients.length) {
      throw new ConfigError(`real.clientProcesses: ${clientProcesses} exceeds the ${workloadClients.length} workload clients (writers + readers)${onHosts}`);
    }
    // Schedules gate frames at this process's receivers and scripts drive its clients step by step:
    // neither reaches a client process, so rather than run them half-applied, refuse.
    if (clientProcesses > 0 && (run.config.schedule !== undefined || run.config.workload.script !== undefined)) {
      throw new ConfigError(`real.clientProcesses: ${clientProcesses}${onHosts} cannot be combined with a fault schedule or a scripted workload (they act on clients in the harness process); use 0`);
    }
    const access = runAccess(settings);
    // Client processes' lines go to the engine's remote clients once it exists (none come before).
    const lines: { route: ((line: ChildLine, child: ChildProcessHandle) => boolean) | undefined } = { route: undefined };
    const route = (line: ChildLine, child: ChildProcessHandle): boolean => lines.route?.(line, child) ?? false;
    // External nodes are processes of this one (harness/host/external-host.ts): no server process.
    const hostsHere = externalSettingsOf(run) !== undefined;
    const launched = hostsHere ? NOTHING_LAUNCHED : settings.hosts === undefined ? await launch(run, seed, settings, access, route) : await launchOnHosts(run, seed, settings, access, route);
    let transport: TcpTransport | undefined;
    try {
      // Time zero of the run: everything is ready. Client processes learn it (as a CLOCK_MONOTONIC
      // reading, of their host's clock as measured) to report their operations' times on this clock;
      // pipe order puts it before any operation.
      const clock = new WallClock(settings.timerSpinMs, sharedTimebaseOf(settings));
      // A process on another host gets its host's reading of that instant (its clock's measured offset).
      const clockLine = (child: ChildProcessHandle): string => JSON.stringify({ cmd: 'clock', startNs: String(clock.startHrtimeNs + (launched.monotonicShiftNs?.get(child) ?? 0n)) });
      for (const child of launched.clientProcesses) child.writeLine(clockLine(child));
      // Traced servers record on this clock too (server-process.ts reads the same line).
      if (run.trace !== null) for (const child of launched.servers.values()) child.writeLine(clockLine(child));
      const known = new Set(runNodes(run));
      const extraDelayNs = new Map<NodeId, number>();
      const baseModel = linkModelFor(run, '', `real:harness:${seed}`);
      const linkModel: LinkModel = {
        deliveryDelayNs: (from, to, bytes, nowNs) => (baseModel?.deliveryDelayNs(from, to, bytes, nowNs) ?? 0) + (extraDelayNs.get(from) ?? 0),
      };
      transport = await TcpTransport.create({
        validator: { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) },
        auth: { keys: channelKeysOf(access.secret), channels: settings.channels, runId: access.runId },
        peers: launched.addresses,
        clock,
        holdAt: settings.holdAt,
        ...(baseModel === undefined && !hostsHere ? {} : { linkModel }),
        ...(settings.maxFrameBytes === undefined ? {} : { maxFrameBytes: settings.maxFrameBytes }),
        onPeerError: (reason, message, remote) => process.stderr.write(`quorumbench real engine: closed connection from ${remote}: ${reason}: ${message}\n`),
      });
      const engine = new RealEngine(settings, transport, clock, launched, extraDelayNs, run.trace !== null, hostsHere, access);
      lines.route = (line, child) => engine.remoteClients?.onLine(line, child) ?? false;
      engine.watchActivity();
      if (!hostsHere) await connectServers(transport, run.cluster.servers, launched, settings);
      return engine;
    } catch (error) {
      await transport?.close();
      await Promise.all([...launched.clientProcesses, ...launched.servers.values()].map((child) => child.stop(1_000)));
      removeLaunchFolder(launched.tempDir);
      throw error;
    }
  }

  /** Keys and nonces of this process's nodes are secrets in a real deployment: a CSPRNG. */
  readonly nodeRandom = (_node: NodeId): RandomSource => cryptoRandom;

  /** The protocol's key material comes from the run secret, as in every process of the run. */
  readonly setupRandom = (): RandomSource => secretSetupRandom(this.access.secret);

  /** The id of this run (servers serve one run: handshake.ts). */
  get runId(): string {
    return this.access.runId;
  }

  /** PIDs of the server and client processes this engine started. */
  get serverPids(): number[] {
    return pidsOf([...this.launched.servers.values()]);
  }

  get clientProcessPids(): number[] {
    return pidsOf(this.launched.clientProcesses);
  }

  /** What each started server announced in its ready line: honest, or the Byzantine strategy it runs. */
  serverBehaviours(): Record<NodeId, string> {
    const out: Record<NodeId, string> = {};
    for (const [id, child] of this.launched.servers) {
      const ready = child.lines.find((line) => line.event === 'ready');
      if (ready !== undefined) out[id] = String(ready.behaviour);
    }
    return out;
  }

  /**
   * What the runner cannot see from this process (after `close()`): what the servers stored,
   * rejected, sent and applied, and what this process's transport and the client processes rejected.
   */
  serverReport(servers: readonly NodeId[]): ServerReport {
    const rejected: Record<string, number> = {};
    const add = (counts: Readonly<Record<string, number>>): void => {
      for (const [reason, count] of Object.entries(counts)) rejected[reason] = (rejected[reason] ?? 0) + count;
    };
    const sent = noTraffic();
    const initiated = noTraffic();
    let initiatedCpuNs = 0;
    const replies: [number, number, number][] = [];
    for (const stats of this.serverStats.values()) {
      add(stats.rejected);
      addTraffic(sent, stats.sent);
      addTraffic(initiated, stats.initiated);
      initiatedCpuNs += stats.initiatedCpuNs;
      replies.push(...stats.replies);
    }
    add(this.transport.rejected());
    for (const stats of this.clientProcessStats) add(stats.rejected);
    const storageBytesPerServer = servers.map((id) => this.serverStats.get(id)?.storedBytes ?? 0);
    const hosts = this.launched.hosts === undefined ? {} : { hosts: this.launched.hosts };
    return { storageBytesPerServer, rejected, sent, initiated, initiatedCpuNs, replies, faults: this.serverFaults(), ...hosts };
  }

  remoteTrace(): ProcessTraces {
    const traces = this.processTraces ?? { events: [], notRecorded: 0, boundReachedAtMs: null, incomplete: [] };
    // Servers started by hand elsewhere (`real.servers`) keep no trace for this run.
    const elsewhere = this.settings.servers === undefined ? [] : Object.keys(this.settings.servers);
    return { ...traces, incomplete: [...traces.incomplete, ...elsewhere] };
  }

  remoteClientTraffic(): Traffic {
    const sent = noTraffic();
    for (const stats of this.clientProcessStats) addTraffic(sent, stats.sent);
    return sent;
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

  /**
   * SIGKILL of the server's process; of a server on another host, SIGKILL of its SSH session: the
   * server sees its stdin close and exits within a round trip (it may answer what reaches it meanwhile).
   */
  crash(node: NodeId): void {
    const child = this.launched.servers.get(node);
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
      const idleNs = this.settings.idleTimeoutMs * NS_PER_MS;
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
    if (this.remoteClients !== undefined) this.remoteClients.closed = true;
    await this.settle();
    this.clock.stop();
    // Client processes first: their operations are over, and servers then see them go cleanly.
    await Promise.all(this.launched.clientProcesses.map((child) => child.stop(5_000)));
    for (const child of this.launched.clientProcesses) {
      const stats = child.lines.find((line) => line.event === 'stats');
      if (stats !== undefined) this.clientProcessStats.push(parseChildLine(clientStatsLine, stats, child.name));
    }
    await this.transport.close();
    await Promise.all(
      [...this.launched.servers].map(async ([id, child]) => {
        await child.stop(5_000);
        const stats = child.lines.find((line) => line.event === 'stats');
        if (stats !== undefined) this.serverStats.set(id, parseChildLine(serverStatsLine, stats, child.name));
      }),
    );
    if (this.traced) this.processTraces = readProcessTraces(this.launched.tempDir, [...this.launched.servers.keys(), ...this.launched.clientProcesses.map((_, k) => clientProcessName(k))]);
    removeLaunchFolder(this.launched.tempDir);
  }

  /** Lets messages still in flight land (`real.settleMs` of quiet), so that they are counted. */
  private async settle(): Promise<void> {
    const quietNs = this.settings.settleMs * NS_PER_MS;
    const untilNs = this.clock.nowNs() + this.settings.idleTimeoutMs * NS_PER_MS;
    while (quietNs > 0 && this.clock.nowNs() - this.lastActivityNs < quietNs && this.clock.nowNs() < untilNs) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil((quietNs - (this.clock.nowNs() - this.lastActivityNs)) / NS_PER_MS))));
    }
  }

  /** Faults the server processes applied themselves (crash by message count), on this run's clock. */
  private serverFaults(): AppliedFault[] {
    const faults: AppliedFault[] = [];
    for (const child of this.launched.servers.values()) {
      for (const line of child.lines) {
        if (line.event !== 'fault') continue;
        const fault = parseChildLine(serverFaultLine, line, child.name);
        faults.push({ atMs: this.clock.fromSharedUs(fault.atSharedUs) / NS_PER_MS, node: fault.node, action: fault.action, cause: fault.cause });
      }
    }
    return faults;
  }

  /**
   * Any frame for a local node counts as activity (for the idle detection of `run`). Clients hosted
   * by a client process are not attached here: servers must route their replies to that process.
   */
  private watchActivity(): void {
    const transport = this.transport;
    const attach = transport.attach.bind(transport);
    transport.attach = (node, receive) => {
      if (this.launched.clientOf.has(node)) return;
      attach(node, (from, frame) => {
        this.lastActivityNs = this.clock.nowNs();
        receive(from, frame);
      });
    };
  }
}

/** A run whose nodes this process hosts itself starts no child through launch.ts. */
const NOTHING_LAUNCHED: Launched = { addresses: new Map(), servers: new Map(), clientProcesses: [], clientOf: new Map(), tempDir: undefined };

/** A fresh run id, and a fresh secret unless the servers already run with one (`real.secretFile`). */
function runAccess(settings: RealSettings): RunAccess {
  const runId = newRunId();
  if (settings.servers === undefined) return { runId, secret: newRunSecret() };
  if (settings.secretFile === undefined) {
    throw new ConfigError('real.secretFile: required with real.servers (the file the servers were started with: serve --secret-file FILE), got nothing');
  }
  return { runId, secret: readSecretFile(settings.secretFile, 'real.secretFile'), secretFile: settings.secretFile };
}

/** What a refusal at the handshake means for whoever runs the harness. */
function refusalAdvice(reason: string): string {
  switch (reason) {
    case 'other-run':
      return 'a server serves one run: restart the servers, then run again (docs/multi-host.md)';
    case 'bad-auth-proof':
      return 'the server holds another run secret: point real.secretFile at the file the servers were started with (serve --secret-file)';
    case 'channels-mismatch':
      return 'set the same real.channels for the servers and the clients';
    default:
      return 'check that the address is a quorumbench server of this run';
  }
}

/**
 * Connects to every server and waits until each has authenticated or refused, before any operation:
 * a refusal (another run, another secret) becomes a ConfigError naming the first server, in cluster
 * order, and what to do.
 */
async function connectServers(transport: TcpTransport, servers: readonly NodeId[], launched: Launched, settings: RealSettings): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`real engine: servers did not complete the handshake within ${settings.startTimeoutMs} ms`)), settings.startTimeoutMs);
  });
  let results: PromiseSettledResult<void>[];
  try {
    results = await Promise.race([Promise.allSettled(servers.map((id) => transport.connect(id))), timeout]);
  } finally {
    clearTimeout(timer);
  }
  for (const [i, result] of results.entries()) {
    if (result.status === 'fulfilled') continue;
    const error: unknown = result.reason;
    if (!(error instanceof PeerRefusedError)) throw error;
    const id = servers[i]!;
    const address = launched.addresses.get(id);
    const where = address === undefined ? id : `${id} at ${address.host}:${address.port}`;
    const field = settings.servers === undefined ? 'real' : 'real.servers';
    throw new ConfigError(`${field}: server ${where} refused this run (${error.reason}${error.detail === '' ? '' : `: ${error.detail}`}); ${refusalAdvice(error.reason)}`);
  }
}

function pidsOf(children: readonly ChildProcessHandle[]): number[] {
  return children.map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
}

export function createRealEngine(context: EngineContext): Promise<RealEngine> {
  return RealEngine.start(context);
}
