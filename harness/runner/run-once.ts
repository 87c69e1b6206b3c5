/**
 * @module One run: builds the protocol's machines over an engine, drives the workload, injects the
 * faults, and returns the history and the metrics.
 *
 * Registers: every key is an independent register, so the runner keeps one ServerMachine per
 * (server, key), created on first use, and one ClientMachine per (client, key). Frames carry the key.
 * A client runs one operation at a time. Traffic is attributed to operations: a client's frame to
 * its current operation, a server's reply to the operation of the frame it answers.
 */
import type {
  ClientMachine,
  HostileClient,
  NodeEnv,
  NodeId,
  Operation,
  OpStep,
  ProtocolMessage,
  Send,
  ServerMachine,
  ServerStrategy,
} from '../../protocols/types.ts';
import { costNs, PRIMITIVES, type Primitive } from '../cost/profile.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import { createNodeEnv, loadCryptoProvider, loadErasureCodec } from '../env/index.ts';
import { GENERIC_STRATEGIES } from '../faults/strategies.ts';
import { ScheduleRuntime, type ScheduleReport } from '../faults/schedule.ts';
import type { ScriptOp } from '../faults/schedule-schema.ts';
import { ScriptRunner } from '../workload/script.ts';
import type { HistoryRecord } from '../history/types.ts';
import { KindStats, PRIMITIVE_INDEX, round6, type OpRecord } from '../metrics/index.ts';
import type { OpKind, RunResult } from '../results/schema.ts';
import { stream } from '../rng.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import type { Frame } from '../transport/types.ts';
import { keyChooser, poissonGapNs, valueSizeChooser } from '../workload/index.ts';
import { makeValue, valueTag } from '../workload/values.ts';
import type { Engine, EngineFactory, EngineRunOutcome } from './engine.ts';
import { ENGINES } from './engines.ts';
import { runSetup } from './setup.ts';

export interface RunOnceOptions {
  /** Overrides the engine named by the config (tests, the real engine's own harness). */
  readonly engine?: EngineFactory;
  /** Called as operations complete: (completed, total or NaN when bounded by time). */
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
}

const NS_PER_MS = 1_000_000;

/**
 * The operation a frame works for, carried on the frame itself under a symbol: symbol-keyed
 * properties are invisible to the wire codec (it encodes string keys only), and in the simulator the
 * receiver gets this very object, so a reply can be attributed to the request's operation exactly.
 */
const OP = Symbol('op');

class RunnerFrame implements Frame {
  readonly key: string;
  readonly msg: ProtocolMessage;
  readonly [OP]: OpRecord | undefined;
  constructor(key: string, msg: ProtocolMessage, op: OpRecord | undefined) {
    this.key = key;
    this.msg = msg;
    this[OP] = op;
  }
}

function opOf(frame: Frame): OpRecord | undefined {
  return (frame as Partial<RunnerFrame>)[OP];
}

interface CrashPlan {
  readonly duringOp: number;
  readonly afterRound: number;
  readonly sendTo: number;
}

interface ClientDriver {
  readonly id: NodeId;
  readonly role: 'writer' | 'reader';
  readonly env: NodeEnv;
  readonly machines: Map<string, ClientMachine>;
  current: { readonly record: OpRecord; readonly operation: Operation } | null;
  opsStarted: number;
  seq: number;
  crashed: boolean;
  crashPlan: CrashPlan | undefined;
}

interface ServerHost {
  readonly id: NodeId;
  readonly index: number;
  readonly env: NodeEnv;
  readonly machines: Map<string, ServerMachine>;
  crashed: boolean;
  handled: number;
  crashAfterMessages: number;
  readonly strategy: { readonly fn: ServerStrategy; readonly options: Readonly<Record<string, unknown>> } | undefined;
}

interface Arrival {
  readonly intendedNs: number;
  readonly kind: OpKind;
}

/** Runs one resolved run with seed `seed` (default: the run's own). */
export async function runOnce(run: ResolvedRun, seed: number = run.seed, options: RunOnceOptions = {}): Promise<RunOnceOutput> {
  // Whatever fails mid-run, the engine is closed (the real engine's server processes must not outlive us).
  const opened: Engine[] = [];
  try {
    return await driveRun(run, seed, options, opened);
  } catch (error) {
    await Promise.all(opened.map((engine) => engine.close().catch(() => undefined)));
    throw error;
  }
}

async function driveRun(run: ResolvedRun, seed: number, options: RunOnceOptions, opened: Engine[]): Promise<RunOnceOutput> {
  const config = run.config;
  const protocol = run.protocol;
  const cluster = run.cluster;
  const workload = run.workload;
  const profile = run.costProfile;
  const crypto = await loadCryptoProvider(config.crypto);
  const codec = await loadErasureCodec(config.codec);

  const clientIds = [...cluster.writers, ...cluster.readers];
  const nodes = [...cluster.servers, ...clientIds, ...run.hostileClients];
  const factory = options.engine ?? ENGINES[config.engine];
  if (factory === undefined) throw new Error(`engine ${config.engine} is not available in this build`);
  const engine: Engine = await factory({ run, seed, cluster, nodes, network: run.network });
  opened.push(engine);
  const clock = engine.clock;
  const transport = engine.transport;

  const workloadRng = stream(seed, 'workload');
  const setup = runSetup(run, seed, cluster, crypto);
  const rejected = new Map<string, number>();
  const reject = (reason: string) => rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
  const faultySenders = new Set<NodeId>(run.hostileClients);
  const colluders = run.byzantineServers.map((id) => cluster.servers.indexOf(id));
  const messageCost = profile.message.nsPerOp !== 0 || profile.message.nsPerByte !== 0;

  /** The operation the running task works for (CPU attribution). */
  let taskOp: OpRecord | undefined;
  const totals = { messages: 0, clientToServer: 0, serverToClient: 0, bytes: 0, bytesClientToServer: 0, bytesServerToClient: 0 };

  function chargeFor(node: NodeId) {
    return (primitive: Primitive, bytes: number) => {
      const ns = Math.round(costNs(profile, primitive, bytes));
      if (ns === 0) return;
      engine.charge(node, ns);
      if (taskOp !== undefined) (taskOp.cpuNs ??= new Float64Array(PRIMITIVES.length))[PRIMITIVE_INDEX[primitive]]! += ns;
    };
  }
  const nodeEnvs = new Map<NodeId, NodeEnv>();
  const charges = new Map<NodeId, (primitive: Primitive, bytes: number) => void>();
  for (const node of nodes) {
    const random = stream(seed, `node:${node}`);
    const charge = chargeFor(node);
    charges.set(node, charge);
    nodeEnvs.set(node, createNodeEnv({ id: node, crypto, codec, random: engine.nodeRandom?.(node) ?? { bytes: (n) => random.bytes(n) }, charge, reject }));
  }

  /** Sends one frame, attributing it to `op` (if any) and counting it by direction. */
  function sendFrame(from: NodeId, to: NodeId, key: string, msg: ProtocolMessage, op: OpRecord | undefined, fromClient: boolean): void {
    const frame = new RunnerFrame(key, msg, op);
    const size = frameWireSize(frame);
    totals.messages++;
    totals.bytes += size;
    if (fromClient) {
      totals.clientToServer++;
      totals.bytesClientToServer += size;
    } else {
      totals.serverToClient++;
      totals.bytesServerToClient += size;
    }
    if (op !== undefined) {
      if (fromClient) {
        op.messagesClientToServer++;
        op.bytesClientToServer += size;
      } else {
        op.messagesServerToClient++;
        op.bytesServerToClient += size;
      }
    }
    transport.send(from, to, frame);
  }

  /** The message of a frame, validated by the protocol when its sender may be faulty. */
  function messageOf(from: NodeId, frame: Frame): ProtocolMessage | undefined {
    if (faultySenders.size === 0 || !faultySenders.has(from)) return frame.msg;
    const parsed = protocol.parseMessage(frame.msg);
    if (parsed === undefined) reject('malformed-message');
    return parsed;
  }

  // ------------------------------------------------------------ servers

  const servers: ServerHost[] = cluster.servers.map((id, index) => ({
    id,
    index,
    env: nodeEnvs.get(id)!,
    machines: new Map(),
    crashed: false,
    handled: 0,
    crashAfterMessages: Infinity,
    strategy: undefined,
  }));
  const serverById = new Map(servers.map((server) => [server.id, server]));
  const drivers: ClientDriver[] = [];
  const driverById = new Map<NodeId, ClientDriver>();

  // Fault schedule and scripted workload (issue 6): harness/faults/schedule.ts, harness/workload/script.ts.
  const schedule = new ScheduleRuntime(config, cluster, run.hostileClients, clock, {
    crash: (node) => crashNode(node),
    revert: (node) => serverById.get(node)?.machines.clear(),
    byzantine: (node, name, strategyOptions) => {
      const server = serverById.get(node)!;
      const fn = (GENERIC_STRATEGIES[name] ?? protocol.strategies[name]) as ServerStrategy;
      (server as { strategy: ServerHost['strategy'] }).strategy = { fn, options: strategyOptions };
      // The server's registers keep their state: the strategy wraps the machines as they are.
      for (const [key, machine] of server.machines) {
        const create = () => protocol.createServer(server.index, cluster, run.options, setup, server.env, key) as ServerMachine;
        server.machines.set(key, fn(machine, { index: server.index, cluster, env: server.env, fresh: create, options: strategyOptions, setup, colluders }));
      }
      faultySenders.add(node);
    },
    slow: (node, delayNs) => engine.setSendDelayNs(node, delayNs),
    afterTask: (node, fn) => engine.exec(node, () => fn(engine.nowNs())),
  });
  const script =
    workload.script === undefined
      ? undefined
      : new ScriptRunner(workload.script, clock, {
          start: (client, op) => {
            // The start is a task of the client, queued behind whatever it is doing now: until it
            // runs, the operation is neither in flight nor done, and the run must not end.
            queuedStarts++;
            engine.exec(client, startScripted, driverById.get(client)!, op);
          },
          isCrashed: (client) => driverById.get(client)?.crashed ?? true,
        });

  function serverMachine(server: ServerHost, key: string): ServerMachine {
    let machine = server.machines.get(key);
    if (machine === undefined) {
      const create = () => protocol.createServer(server.index, cluster, run.options, setup, server.env, key) as ServerMachine;
      machine = create();
      if (server.strategy !== undefined) {
        machine = server.strategy.fn(machine, { index: server.index, cluster, env: server.env, fresh: create, options: server.strategy.options, setup, colluders });
      }
      server.machines.set(key, machine);
    }
    return machine;
  }

  function serverTask(server: ServerHost, from: NodeId, frame: Frame): void {
    if (server.crashed) return;
    const op = opOf(frame);
    taskOp = op;
    if (messageCost) charges.get(server.id)!('message', frameWireSize(frame));
    const msg = messageOf(from, frame);
    if (msg !== undefined) {
      const sends = serverMachine(server, frame.key).handle(from, msg);
      for (let i = 0; i < sends.length; i++) {
        const send = sends[i]!;
        sendFrame(server.id, send.to, frame.key, send.msg, op, false);
      }
    }
    taskOp = undefined;
    if (++server.handled >= server.crashAfterMessages) crashNode(server.id);
  }

  if (engine.hostsServers) {
    for (const server of servers) {
      transport.attach(
        server.id,
        schedule.gate(server.id, (from, frame) => {
          if (!server.crashed) engine.exec(server.id, serverTask, server, from, frame);
        }),
      );
    }
  }

  // ------------------------------------------------------------ history and completion

  const records: OpRecord[] = [];
  const stats: Record<OpKind, KindStats> = { read: new KindStats(), write: new KindStats() };
  let issued = 0;
  let inFlight = 0;
  let thinking = 0;
  let completed = 0;
  let arrivalsDone = workload.mode !== 'open';
  const backlog: Arrival[] = [];
  /** Open loop: clients waiting for an arrival. */
  const idle: ClientDriver[] = [];
  const crashAfterOps: { node: NodeId; ops: number }[] = [];
  const chooseKey = keyChooser(workload);
  // Interned once: Map lookups by these strings then reuse their cached hashes.
  const keyNames = Array.from({ length: workload.keys }, (_, i) => `k${i}`);
  const chooseSize = valueSizeChooser(workload.valueBytes);
  const progressStep = Number.isFinite(workload.totalOps) ? Math.max(1, Math.floor(workload.totalOps / 200)) : 100;
  let finished = false;
  /** Operation starts handed to a client's task queue that have not run yet. */
  let queuedStarts = 0;

  function maybeFinish(): void {
    if (finished || inFlight > 0 || thinking > 0 || queuedStarts > 0) return;
    const noMoreIssuing =
      workload.mode === 'open'
        ? arrivalsDone && (backlog.length === 0 || drivers.every((d) => d.crashed))
        : script !== undefined
          ? script.exhausted()
          : issued >= workload.totalOps || clock.nowNs() >= workload.issueUntilNs || drivers.every((d) => d.crashed);
    if (!noMoreIssuing) return;
    finished = true;
    engine.stop();
  }

  function clientMachine(driver: ClientDriver, key: string): ClientMachine {
    let machine = driver.machines.get(key);
    if (machine === undefined) {
      machine = protocol.createClient(driver.id, cluster, run.options, setup, driver.env, key) as ClientMachine;
      driver.machines.set(key, machine);
    }
    return machine;
  }

  /** Starts an operation on `driver` (inside its CPU task). */
  function startOp(driver: ClientDriver, kind: OpKind, callNs: number, scripted?: ScriptOp): void {
    const key = scripted !== undefined ? (scripted.key ?? 'k0') : keyNames[chooseKey(workloadRng)]!;
    const index = issued++;
    const remote = remoteClients?.has(driver.id) === true;
    const machine = remote ? undefined : clientMachine(driver, key);
    const value = kind === 'write' ? `${driver.id}:${++driver.seq}` : null;
    const record: OpRecord = {
      index,
      client: driver.id,
      kind,
      key,
      value,
      callNs,
      returnNs: null,
      status: 'pending',
      rounds: 0,
      retries: 0,
      measured: index >= workload.warmupOps && callNs >= workload.warmupMs * NS_PER_MS,
      messagesClientToServer: 0,
      messagesServerToClient: 0,
      bytesClientToServer: 0,
      bytesServerToClient: 0,
      cpuNs: null,
    };
    // Work done while creating the operation (e.g. encoding the value) is this operation's CPU.
    taskOp = record;
    if (remote) return startRemoteOp(driver, record, value === null ? 0 : (scripted?.valueBytes ?? chooseSize(workloadRng)));
    const operation = value !== null ? machine!.write(makeValue(value, scripted?.valueBytes ?? chooseSize(workloadRng))) : machine!.read();
    records.push(record);
    driver.current = { record, operation };
    driver.opsStarted++;
    inFlight++;
    const sends = operation.start();
    record.rounds = operation.rounds;
    dispatchOpSends(driver, record, operation, sends, 0);
    taskOp = undefined;
    if (schedule.enabled) schedule.onOpStarted(script?.currentId(driver.id), engine.nowNs());
  }

  /** An open-loop arrival's start (a task of its client, possibly queued behind other work). */
  function startArrival(driver: ClientDriver, kind: OpKind, intendedNs: number): void {
    queuedStarts--;
    if (!driver.crashed) startOp(driver, kind, intendedNs);
    else maybeFinish();
  }

  /** A scripted operation's start (a task of its client). */
  function startScripted(driver: ClientDriver, op: ScriptOp): void {
    queuedStarts--;
    if (!driver.crashed) startOp(driver, op.kind, engine.nowNs(), op);
    else maybeFinish();
  }

  /**
   * Sends an operation's messages, unless a mid-operation crash is due: the client's K-th operation
   * crashes once round R completed, having sent round R+1 only to the first `sendTo` servers.
   */
  function dispatchOpSends(driver: ClientDriver, record: OpRecord, operation: Operation, sends: Send[], roundsBefore: number): boolean {
    const plan = driver.crashPlan;
    if (plan !== undefined && driver.opsStarted === plan.duringOp && operation.rounds > plan.afterRound && roundsBefore <= plan.afterRound) {
      const allowed = Math.min(plan.sendTo, sends.length);
      for (let i = 0; i < allowed; i++) sendFrame(driver.id, sends[i]!.to, record.key, sends[i]!.msg, record, true);
      crashNode(driver.id);
      return false;
    }
    for (let i = 0; i < sends.length; i++) sendFrame(driver.id, sends[i]!.to, record.key, sends[i]!.msg, record, true);
    return true;
  }

  function completeOp(driver: ClientDriver, step: Extract<OpStep, { status: 'done' }>): void {
    const current = driver.current!;
    const record = current.record;
    // A remote client's operation already carries the return time its process measured.
    record.returnNs ??= engine.nowNs();
    record.status = 'ok';
    record.rounds = current.operation.rounds;
    record.retries = current.operation.retries;
    if (record.kind === 'read') record.value = valueTag(step.value);
    driver.current = null;
    inFlight--;
    completed++;
    if (record.measured) stats[record.kind].add(record);
    if (options.onProgress !== undefined && completed % progressStep === 0) options.onProgress(completed, workload.totalOps);
    for (const entry of crashAfterOps) if (entry.ops === completed) crashNode(entry.node);
    // Schedule actions triggered by this return run before scripted operations waiting for it.
    if (schedule.enabled) schedule.onOpCompleted(script?.currentId(driver.id), completed, record.returnNs);
    script?.onOpDone(driver.id, record.returnNs);
    if (!driver.crashed) nextOp(driver);
    maybeFinish();
  }

  /** What a client does when it becomes idle (inside its task, or from a timer). */
  function nextOp(driver: ClientDriver): void {
    if (driver.crashed) return;
    if (script !== undefined) {
      script.onIdle(driver.id);
      return;
    }
    if (workload.mode === 'open') {
      const index = backlog.findIndex((arrival) => arrival.kind === 'read' || driver.role === 'writer');
      if (index >= 0) {
        const arrival = backlog.splice(index, 1)[0]!;
        startOp(driver, arrival.kind, arrival.intendedNs);
      } else {
        idle.push(driver);
      }
      return;
    }
    if (issued >= workload.totalOps || clock.nowNs() >= workload.issueUntilNs) return;
    if (workload.thinkTimeMs > 0 && driver.opsStarted > 0) {
      thinking++;
      clock.schedule(engine.nowNs() + workload.thinkTimeMs * NS_PER_MS, () => {
        thinking--;
        engine.exec(driver.id, issueClosed, driver);
        maybeFinish();
      });
      return;
    }
    issueClosed(driver);
  }

  function issueClosed(driver: ClientDriver): void {
    if (driver.crashed || issued >= workload.totalOps || clock.nowNs() >= workload.issueUntilNs) return;
    let kind: OpKind = 'read';
    if (driver.role === 'writer') {
      const p = workload.writerWriteProbability;
      kind = p >= 1 || (p > 0 && workloadRng.float() < p) ? 'write' : 'read';
    }
    startOp(driver, kind, engine.nowNs());
  }

  // ------------------------------------------------------------ remote clients (real engine, real.clientProcesses)

  const remoteClients = engine.remoteClients;

  /**
   * Starts `record` on a client that runs in a client process (harness/real/client-process.ts): that
   * process runs the ClientMachine and talks to the servers itself; this process keeps the workload
   * and the history, and takes the operation's times, rounds and traffic from the process's report.
   */
  function startRemoteOp(driver: ClientDriver, record: OpRecord, valueBytes: number): void {
    taskOp = undefined;
    const progress = { kind: record.kind, rounds: 0, retries: 0, start: (): Send[] => [], onMessage: (): OpStep => ({ status: 'pending', send: [] }) };
    records.push(record);
    driver.current = { record, operation: progress };
    driver.opsStarted++;
    inFlight++;
    const plan = driver.crashPlan;
    const crash = plan !== undefined && driver.opsStarted === plan.duringOp ? { afterRound: plan.afterRound, sendTo: plan.sendTo } : undefined;
    const request = { index: record.index, kind: record.kind, key: record.key, value: record.value, valueBytes, ...(crash === undefined ? {} : { crash }) };
    remoteClients!.invoke(driver.id, request, (result) => {
      // Its messages were sent whatever became of the operation (as sendFrame counts them).
      totals.messages += result.messagesClientToServer;
      totals.clientToServer += result.messagesClientToServer;
      totals.bytes += result.bytesClientToServer;
      totals.bytesClientToServer += result.bytesClientToServer;
      record.messagesClientToServer += result.messagesClientToServer;
      record.bytesClientToServer += result.bytesClientToServer;
      record.messagesServerToClient += result.messagesServerToClient;
      record.bytesServerToClient += result.bytesServerToClient;
      record.rounds = progress.rounds = result.rounds;
      progress.retries = result.retries;
      // The client crashed meanwhile (a fault): the operation stays pending.
      if (driver.current?.record !== record) return;
      if (result.status === 'crashed') return crashNode(driver.id);
      // Closed loop: the call is the invocation in the client process (the control hop to it is not
      // the operation's latency). Open loop keeps the intended arrival time: queueing counts.
      if (workload.mode !== 'open') (record as { callNs: number }).callNs = result.callNs;
      record.returnNs = result.returnNs;
      completeOp(driver, { status: 'done', send: [], ...(result.value === null ? {} : { value: makeValue(result.value, 0) }) });
    });
  }

  // ------------------------------------------------------------ clients

  function clientTask(driver: ClientDriver, from: NodeId, frame: Frame): void {
    if (driver.crashed) return;
    const current = driver.current;
    if (messageCost) {
      taskOp = current?.record;
      charges.get(driver.id)!('message', frameWireSize(frame));
    }
    // A reply for an earlier operation (or another key) finds no operation to go to.
    if (current === null || current.record.key !== frame.key) {
      taskOp = undefined;
      return;
    }
    const msg = messageOf(from, frame);
    if (msg === undefined) {
      taskOp = undefined;
      return;
    }
    taskOp = current.record;
    if (!engine.hostsServers && opOf(frame) === undefined) {
      // Replies from server processes carry no attribution: count them for the current operation.
      current.record.messagesServerToClient++;
      current.record.bytesServerToClient += frameWireSize(frame);
    }
    const roundsBefore = current.operation.rounds;
    const step = current.operation.onMessage(from, msg);
    current.record.rounds = current.operation.rounds;
    const plan = driver.crashPlan;
    if (step.status === 'done' && plan !== undefined && driver.opsStarted === plan.duringOp && current.operation.rounds <= plan.afterRound) {
      // The crash point lies at or after the operation's last round: it crashes before returning.
      crashNode(driver.id);
    } else if (dispatchOpSends(driver, current.record, current.operation, step.send, roundsBefore) && step.status === 'done') {
      completeOp(driver, step);
    }
    taskOp = undefined;
  }

  for (const id of clientIds) {
    const driver: ClientDriver = {
      id,
      role: cluster.writers.includes(id) ? 'writer' : 'reader',
      env: nodeEnvs.get(id)!,
      machines: new Map(),
      current: null,
      opsStarted: 0,
      seq: 0,
      crashed: false,
      crashPlan: undefined,
    };
    drivers.push(driver);
    driverById.set(id, driver);
    transport.attach(
      id,
      schedule.gate(id, (from, frame) => {
        if (!driver.crashed) engine.exec(id, clientTask, driver, from, frame);
      }),
    );
  }

  // ------------------------------------------------------------ faults

  function crashNode(node: NodeId): void {
    const server = serverById.get(node);
    if (server !== undefined) {
      if (server.crashed) return;
      server.crashed = true;
      engine.crash(node);
      return;
    }
    const driver = driverById.get(node);
    if (driver === undefined || driver.crashed) return;
    driver.crashed = true;
    remoteClients?.crash(node);
    // Its operation stays pending: it may or may not take effect (messages already sent are delivered).
    if (driver.current !== null) {
      inFlight--;
      driver.current = null;
    }
    const idleIndex = idle.indexOf(driver);
    if (idleIndex >= 0) idle.splice(idleIndex, 1);
    maybeFinish();
  }

  const hostiles: { id: NodeId; key: string; client: HostileClient; everyNs: number }[] = [];
  for (const fault of run.faults) {
    switch (fault.type) {
      case 'crash': {
        const driver = driverById.get(fault.node);
        if (fault.atMs !== undefined) clock.schedule(fault.atMs * NS_PER_MS, () => crashNode(fault.node));
        else if (fault.afterOps !== undefined) {
          if (fault.afterOps === 0) crashNode(fault.node);
          else crashAfterOps.push({ node: fault.node, ops: fault.afterOps });
        } else if (fault.afterMessages !== undefined) {
          const server = serverById.get(fault.node);
          if (server !== undefined) server.crashAfterMessages = fault.afterMessages;
          if (fault.afterMessages === 0) crashNode(fault.node);
        } else if (fault.duringOp !== undefined && driver !== undefined) {
          driver.crashPlan = { duringOp: fault.duringOp, afterRound: fault.afterRound ?? 0, sendTo: fault.sendTo ?? 0 };
        }
        break;
      }
      case 'byzantine': {
        const server = serverById.get(fault.node)!;
        const fn = (GENERIC_STRATEGIES[fault.strategy] ?? protocol.strategies[fault.strategy]) as ServerStrategy;
        (server as { strategy: ServerHost['strategy'] }).strategy = { fn, options: fault.options ?? {} };
        faultySenders.add(fault.node);
        break;
      }
      case 'slow':
        engine.setSendDelayNs(fault.node, fault.delayMs * NS_PER_MS);
        break;
      case 'hostile-client': {
        const factoryFn = protocol.hostileClients![fault.behaviour]!;
        const key = fault.key ?? 'k0';
        const env = nodeEnvs.get(fault.node)!;
        const client = factoryFn(fault.node, cluster, env) as HostileClient;
        hostiles.push({ id: fault.node, key, client, everyNs: fault.everyMs * NS_PER_MS });
        break;
      }
    }
  }
  for (const hostile of hostiles) {
    const send = (sends: Send[]) => {
      for (const s of sends) sendFrame(hostile.id, s.to, hostile.key, s.msg, undefined, true);
    };
    transport.attach(hostile.id, (from, frame) => {
      engine.exec(hostile.id, () => {
        if (frame.key === hostile.key) send(hostile.client.handle(from, frame.msg));
      });
    });
    const tick = () => {
      if (finished) return;
      engine.exec(hostile.id, () => send(hostile.client.tick()));
      clock.schedule(clock.nowNs() + hostile.everyNs, tick);
    };
    clock.schedule(0, tick);
  }

  // ------------------------------------------------------------ workload start

  schedule.start();
  if (script !== undefined) {
    script.begin();
  } else if (workload.mode === 'closed') {
    for (const driver of drivers) engine.exec(driver.id, nextOp, driver);
  } else {
    idle.push(...drivers);
    const readShare = workload.readRatioResolved ?? cluster.readers.length / clientIds.length;
    let arrivals = 0;
    const arrive = () => {
      const now = clock.nowNs();
      if (arrivals >= workload.totalOps || now >= workload.issueUntilNs || finished) {
        arrivalsDone = true;
        maybeFinish();
        return;
      }
      arrivals++;
      const kind: OpKind = workloadRng.float() < readShare ? 'read' : 'write';
      const index = idle.findIndex((driver) => kind === 'read' || driver.role === 'writer');
      if (index >= 0) {
        const driver = idle.splice(index, 1)[0]!;
        queuedStarts++;
        engine.exec(driver.id, startArrival, driver, kind, now);
      } else {
        backlog.push({ intendedNs: now, kind });
      }
      clock.schedule(now + poissonGapNs(workloadRng, workload.rateOpsPerS!), arrive);
    };
    clock.schedule(poissonGapNs(workloadRng, workload.rateOpsPerS!), arrive);
  }

  const outcome = await engine.run(run.maxDurationNs);
  options.onProgress?.(completed, workload.totalOps);
  const endNs = clock.nowNs();
  opened.length = 0;
  await engine.close();
  // Servers hosted elsewhere (real engine) report their own storage, rejections and sends.
  const serverReport = engine.hostsServers ? undefined : engine.serverReport?.(cluster.servers);
  if (serverReport !== undefined) {
    for (const [reason, count] of Object.entries(serverReport.rejected)) rejected.set(reason, (rejected.get(reason) ?? 0) + count);
    totals.serverToClient += serverReport.serverToClient.messages;
    totals.messages += serverReport.serverToClient.messages;
    totals.bytesServerToClient += serverReport.serverToClient.bytes;
    totals.bytes += serverReport.serverToClient.bytes;
  }

  // ------------------------------------------------------------ results

  for (const record of records) {
    if (record.status === 'pending' && record.measured) stats[record.kind].add(record);
  }
  const history: HistoryRecord[] = records.map((record) => ({
    client: record.client,
    op: record.kind,
    key: record.key,
    value: record.status === 'ok' || record.kind === 'write' ? record.value : null,
    call: record.callNs / NS_PER_MS,
    return: record.returnNs === null ? null : record.returnNs / NS_PER_MS,
    status: record.status,
    rounds: record.rounds,
  }));

  let firstCallNs = Infinity;
  let lastReturnNs = -Infinity;
  let measuredOk = 0;
  for (const record of records) {
    if (!record.measured || record.status !== 'ok') continue;
    measuredOk++;
    if (record.callNs < firstCallNs) firstCallNs = record.callNs;
    if (record.returnNs! > lastReturnNs) lastReturnNs = record.returnNs!;
  }
  const spanNs = measuredOk > 0 ? lastReturnNs - firstCallNs : 0;
  const ops: Partial<Record<OpKind, ReturnType<KindStats['stats']>>> = {};
  const latencyPercentiles: Partial<Record<OpKind, { percentile: number; latencyMs: number }[]>> = {};
  for (const kind of ['read', 'write'] as const) {
    const kindStats = stats[kind];
    if (kindStats.count + kindStats.failed + kindStats.pending > 0) {
      ops[kind] = kindStats.stats();
      latencyPercentiles[kind] = kindStats.percentiles();
    }
    kindStats.destroy();
  }
  const rejectedMessages: Record<string, number> = {};
  for (const reason of [...rejected.keys()].sort()) rejectedMessages[reason] = rejected.get(reason)!;
  const storageBytesPerServer = serverReport?.storageBytesPerServer ?? servers.map((server) => {
    let bytes = 0;
    for (const machine of server.machines.values()) bytes += machine.storedBytes();
    return bytes;
  });

  const result: RunResult = {
    id: run.id,
    params: run.params,
    seed,
    repetition: run.repetition,
    verdict: 'unknown',
    expectViolation: run.expectViolation,
    ops,
    throughputOpsPerS: spanNs > 0 ? round6(measuredOk / (spanNs / 1e9)) : 0,
    durationMs: round6(spanNs / NS_PER_MS),
    messages: { total: totals.messages, clientToServer: totals.clientToServer, serverToClient: totals.serverToClient },
    bytes: { total: totals.bytes, clientToServer: totals.bytesClientToServer, serverToClient: totals.bytesServerToClient },
    storageBytesPerServer,
    rejectedMessages,
    codec: codec.name,
    crypto: crypto.name,
  };
  if (!schedule.enabled) return { result, history, latencyPercentiles, outcome, endMs: endNs / NS_PER_MS };
  const report = schedule.report();
  return { result: { ...result, schedule: report }, history, latencyPercentiles, outcome, endMs: endNs / NS_PER_MS, schedule: report };
}
