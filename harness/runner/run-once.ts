/**
 * @module One run, as a list of steps: open the engine, host the nodes this process runs, wire the
 * faults, drive the workload until it is done, collect what every node reported, and summarize.
 *
 * The runner drives workloads, applies fault schedules, records the history and summarizes; the
 * protocol machines run in the hosts (harness/host/), the same ones that server and client processes
 * of the real engine run. Registers are independent: every frame carries its register key, and each
 * host keeps one machine per (node, key).
 */
import type { NodeId, RandomSource } from '../../protocols/types.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import { ZERO_PROFILE } from '../cost/profile.ts';
import { loadCryptoProvider, loadErasureCodec } from '../env/index.ts';
import { ScheduleRuntime, type ScheduleReport } from '../faults/schedule.ts';
import type { HistoryRecord } from '../history/types.ts';
import { ClientHost } from '../host/client-host.ts';
import type { Clients } from '../host/clients.ts';
import { SenderCheck, type HostContext } from '../host/context.ts';
import { NodeMeter } from '../host/meter.ts';
import { ServerHost } from '../host/server-host.ts';
import type { HostedServer } from '../host/hosted-server.ts';
import { hostExternalNodes } from '../host/external-cluster.ts';
import { externalSettingsOf } from '../external/settings.ts';
import type { ServerReport } from '../host/server-report.ts';
import { addTraffic, noTraffic, type Traffic } from '../host/traffic.ts';
import type { OpKind, RunResult } from '../results/schema.ts';
import { stream } from '../rng.ts';
import type { Engine, EngineFactory, EngineRunOutcome } from '../transport/engine.ts';
import { NS_PER_MS } from '../units.ts';
import { ENGINES } from './engines.ts';
import { RunFaults } from './faults.ts';
import { startHostileClients } from './hostile-clients.ts';
import { RunLedger } from './run-ledger.ts';
import { runSetup, setupRandom } from '../host/setup.ts';
import { framesCarryMac } from '../real/cluster-file.ts';
import { summarizeRun } from './summary.ts';
import type { Trace } from '../trace/events.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { withTrace } from '../trace/run-trace.ts';
import { WorkloadDriver } from './workload-driver.ts';

export interface RunOnceOptions {
  /** Overrides the engine named by the config (tests). */
  readonly engine?: EngineFactory;
  /** Called as operations complete: (completed, total or Infinity when bounded by time). */
  readonly onProgress?: (completed: number, total: number) => void;
}

export interface RunOnceOutput {
  readonly result: RunResult;
  readonly history: HistoryRecord[];
  /** Latency statistics per kind, for latency.csv. */
  readonly latencyPercentiles: Readonly<Partial<Record<OpKind, { percentile: number; latencyMs: number }[]>>>;
  /** Why the engine stopped: 'stopped' (workload done), 'idle' (nothing could move), 'time-limit'. */
  readonly outcome: EngineRunOutcome;
  /** Virtual (sim) or wall (real) time at the end, ms. */
  readonly endMs: number;
  /** The fault schedule's actions and held frames (present when the config has a schedule). */
  readonly schedule?: ScheduleReport;
  /** Every message of the run (present when the config has `trace`). */
  readonly trace?: Trace;
}

/** What one process hosts for a run: the shared context and the hosts built on it. */
interface Hosting {
  readonly context: HostContext;
  readonly schedule: ScheduleRuntime;
  readonly servers: ReadonlyMap<NodeId, HostedServer>;
  readonly clients: Clients;
  readonly localClients: ClientHost | undefined;
  /** What the clients hosted here sent, if they are hosted here. */
  readonly clientsSent: (() => Traffic) | undefined;
  readonly rejected: Map<string, number>;
  readonly tracer: TraceRecorder | null;
  /** Stops what the hosts started (external nodes' processes). */
  readonly close: () => Promise<void>;
}

/** Everything a run has built, for the last step. */
interface RunParts {
  readonly run: ResolvedRun;
  readonly seed: number;
  readonly engine: Engine;
  readonly hosting: Hosting;
  readonly ledger: RunLedger;
  readonly driver: WorkloadDriver;
  readonly faults: RunFaults;
  readonly hostileSent: Traffic;
}

/** Runs one resolved run with seed `seed` (default: the run's own). */
export async function runOnce(run: ResolvedRun, seed: number = run.seed, options: RunOnceOptions = {}): Promise<RunOnceOutput> {
  const engine = await openEngine(run, seed, options);
  let closing = false;
  let parts: RunParts | undefined;
  try {
    parts = await buildRun(run, seed, engine, options);
    const outcome = await engine.run(run.maxDurationNs);
    parts.driver.close();
    options.onProgress?.(parts.driver.completed, run.workload.totalOps);
    const endNs = engine.clock.nowNs();
    closing = true;
    await engine.close();
    await parts.hosting.close();
    return withTrace({ ...collect(parts), outcome, endMs: endNs / NS_PER_MS }, parts.hosting.tracer, engine, run, seed);
  } finally {
    // Whatever failed mid-run, the engine and the hosts are closed (no process may outlive us).
    if (!closing) await engine.close().catch(() => undefined);
    await parts?.hosting.close().catch(() => undefined);
  }
}

async function openEngine(run: ResolvedRun, seed: number, options: RunOnceOptions): Promise<Engine> {
  const factory = options.engine ?? ENGINES[run.config.engine];
  if (factory === undefined) throw new Error(`engine ${run.config.engine} is not available in this build`);
  const nodes = [...run.cluster.servers, ...run.cluster.writers, ...run.cluster.readers, ...run.hostileClients];
  return factory({ run, seed, cluster: run.cluster, nodes, network: run.network });
}

/** Hosts the nodes, wires the faults and starts the workload (the order fixes the order of events). */
async function buildRun(run: ResolvedRun, seed: number, engine: Engine, options: RunOnceOptions): Promise<RunParts> {
  const ledger = new RunLedger();
  const faults = new RunFaults(run, engine);
  const hosting = await hostNodes(run, seed, engine, ledger, faults);
  try {
    return startRun(run, seed, engine, options, ledger, faults, hosting);
  } catch (error) {
    await hosting.close();
    throw error;
  }
}

/** The workload, the faults and the schedule, started on the hosts (after hostNodes). */
function startRun(run: ResolvedRun, seed: number, engine: Engine, options: RunOnceOptions, ledger: RunLedger, faults: RunFaults, hosting: Hosting): RunParts {
  const driver = new WorkloadDriver({ run, engine, clients: hosting.clients, ledger, rng: stream(seed, 'workload'), schedule: hosting.schedule, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  faults.bind(hosting.servers, driver);
  faults.applyConfigFaults();
  const hostileSent = noTraffic();
  startHostileClients(hosting.context, engine, hostileSent, () => driver.finished);
  hosting.schedule.start();
  driver.start();
  return { run, seed, engine, hosting, ledger, driver, faults, hostileSent };
}

/** The hosts of this process: every node in the simulator; the workload clients in the real engine. */
async function hostNodes(run: ResolvedRun, seed: number, engine: Engine, ledger: RunLedger, faults: RunFaults): Promise<Hosting> {
  const crypto = await loadCryptoProvider(run.config.crypto);
  const codec = await loadErasureCodec(run.config.codec);
  const rejected = new Map<string, number>();
  const tracer = run.trace === null ? null : new TraceRecorder(run.trace, () => engine.nowNs(), engine.hostsServers);
  const schedule = new ScheduleRuntime(run.config, run.cluster, run.hostileClients, engine.clock, faults.scheduleHooks(), tracer);
  const profile = engine.chargesCpu ? run.costProfile : ZERO_PROFILE;
  const meters = new Map<NodeId, NodeMeter>();
  const charge = (node: NodeId, ns: number): void => engine.charge(node, ns);
  const initialFaulty = [...run.hostileClients, ...run.faults.flatMap((f) => (f.type === 'byzantine' ? [f.node] : []))];
  const context: HostContext = {
    run,
    setup: runSetup(run, engine.setupRandom?.() ?? setupRandom(seed), run.cluster, crypto),
    crypto,
    codec,
    ports: {
      attach: (node, receive) => engine.transport.attach(node, schedule.gate(node, receive)),
      exec: engine.exec.bind(engine),
      send: engine.transport.send.bind(engine.transport),
      nowNs: () => engine.nowNs(),
      ...(engine.lockstep === undefined ? {} : { lockstep: engine.lockstep.bind(engine) }),
    },
    // Frames between in-process nodes are trusted objects; those of faulty senders are checked (a
    // transport between processes checks every frame itself).
    senders: new SenderCheck(engine.hostsServers ? (value) => run.protocol.parseMessage(value) : undefined, initialFaulty),
    randomOf: (node) => engine.nodeRandom?.(node) ?? seededRandom(seed, node),
    meterOf: (node) => {
      let meter = meters.get(node);
      if (meter === undefined) meters.set(node, (meter = new NodeMeter(node, profile, charge, ledger)));
      return meter;
    },
    messageCost: profile.message.nsPerOp !== 0 || profile.message.nsPerByte !== 0,
    frameMac: framesCarryMac(run.config.real),
    reject: (reason) => void rejected.set(reason, (rejected.get(reason) ?? 0) + 1),
    tracer,
  };
  const external = externalSettingsOf(run);
  if (external !== undefined) {
    // External nodes: processes instead of machines, hosted here on both engines (external-cluster.ts).
    const onExit = (node: NodeId, reason: string): void => faults.log.add(node, 'crash', reason);
    const cluster = await hostExternalNodes(context, external, engine.clock, ledger, onExit);
    return { context, schedule, servers: cluster.servers, clients: cluster.clients, localClients: undefined, clientsSent: cluster.clientTraffic, rejected, tracer, close: cluster.close };
  }
  const servers = new Map<NodeId, ServerHost>();
  if (engine.hostsServers) for (const id of run.cluster.servers) servers.set(id, new ServerHost(context, id, ledger));
  const localClients = engine.remoteClients === undefined ? new ClientHost(context, [...run.cluster.writers, ...run.cluster.readers]) : undefined;
  const clientsSent = localClients === undefined ? undefined : () => localClients.sent;
  return { context, schedule, servers, clients: localClients ?? engine.remoteClients!, localClients, clientsSent, rejected, tracer, close: async () => {} };
}

function seededRandom(seed: number, node: NodeId): RandomSource {
  const random = stream(seed, `node:${node}`);
  return { bytes: (length) => random.bytes(length) };
}

/** What the servers of this process report (the simulator reads its hosts directly). */
function inProcessReport(servers: ReadonlyMap<NodeId, HostedServer>): ServerReport {
  const sent = noTraffic();
  const initiated = noTraffic();
  let initiatedCpuNs = 0;
  for (const host of servers.values()) {
    addTraffic(sent, host.sent);
    addTraffic(initiated, host.initiated);
    initiatedCpuNs += host.initiatedCpuNs;
  }
  const storageBytesPerServer = [...servers.values()].map((host) => host.storedBytes());
  return { storageBytesPerServer, rejected: {}, sent, initiated, initiatedCpuNs, replies: [], faults: [] };
}

/** Last step: merge what every node reported into the run's records, and summarize. */
function collect({ run, seed, engine, hosting, ledger, driver, faults, hostileSent }: RunParts): Omit<RunOnceOutput, 'outcome' | 'endMs'> {
  const report = engine.hostsServers ? inProcessReport(hosting.servers) : engine.serverReport!(run.cluster.servers);
  ledger.addReplies(report.replies);
  for (const [reason, count] of Object.entries(report.rejected)) hosting.rejected.set(reason, (hosting.rejected.get(reason) ?? 0) + count);
  // Operations still running at the end: their progress, for the history.
  for (const client of driver.clients) {
    const progress = client.current === null ? undefined : hosting.localClients?.progress(client.id);
    if (progress !== undefined) client.current!.rounds = progress.rounds;
  }
  const clientToServer = noTraffic();
  addTraffic(clientToServer, hosting.clientsSent?.() ?? engine.remoteClientTraffic?.() ?? noTraffic());
  addTraffic(clientToServer, hostileSent);
  const background = {
    messages: report.initiated.messages - ledger.initiatedAttributed.messages,
    bytes: report.initiated.bytes - ledger.initiatedAttributed.bytes,
    cpuNs: report.initiatedCpuNs - ledger.initiatedCpuAttributedNs + ledger.backgroundReceiveCpuNs,
  };
  const schedule = hosting.schedule.enabled ? hosting.schedule.report() : undefined;
  const summary = summarizeRun({
    run,
    seed,
    records: ledger.records,
    totals: { clientToServer, serverToClient: { ...report.sent } },
    background,
    rejected: hosting.rejected,
    storageBytesPerServer: report.storageBytesPerServer,
    faults: [...faults.log.applied, ...report.faults].sort((a, b) => a.atMs - b.atMs),
    schedule,
    codec: hosting.context.codec.name,
    crypto: hosting.context.crypto.name,
    ...(report.hosts === undefined ? {} : { hosts: report.hosts }),
  });
  return { ...summary, ...(schedule === undefined ? {} : { schedule }) };
}
