/**
 * @module The workload driver: issues the run's operations (closed loop with think time, open loop
 * with Poisson arrivals, or a script), hands each to the clients (harness/host/clients.ts), records
 * it, and decides when the run is over. Every draw comes from the run's `workload` stream in event
 * order, so simulated runs replay exactly.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import type { ScheduleRuntime } from '../faults/schedule.ts';
import type { ScriptOp } from '../faults/schedule-schema.ts';
import type { Clients, OpRequest, OpResult } from '../host/clients.ts';
import { noDirectedTraffic } from '../host/traffic.ts';
import type { OpRecord } from '../metrics/index.ts';
import type { OpKind } from '../results/schema.ts';
import type { Rng } from '../rng.ts';
import type { Engine } from '../transport/engine.ts';
import { NS_PER_MS } from '../units.ts';
import { keyChooser, valueSizeChooser } from '../workload/index.ts';
import { OpenLoopArrivals } from './open-loop.ts';
import { IssueBudget } from './issue-budget.ts';
import { ScriptRunner } from '../workload/script.ts';
import type { RunLedger } from './run-ledger.ts';

/** A mid-operation crash of a client: its `duringOp`-th operation crashes after round `afterRound`. */
export interface CrashPlan {
  readonly duringOp: number;
  readonly afterRound: number;
  readonly sendTo: number;
}

/** One workload client as the driver sees it (the protocol runs in a client host). */
export interface ClientState {
  readonly id: NodeId;
  readonly role: 'writer' | 'reader';
  current: OpRecord | null;
  opsStarted: number;
  /** Writes so far: the next value is `${id}:${seq + 1}`. */
  seq: number;
  crashed: boolean;
  crashPlan: CrashPlan | undefined;
}

export interface WorkloadDriverOptions {
  readonly run: ResolvedRun;
  readonly engine: Engine;
  readonly clients: Clients;
  readonly ledger: RunLedger;
  readonly rng: Rng;
  readonly schedule: ScheduleRuntime;
  /** Called as operations complete: (completed, total or Infinity when bounded by time). */
  readonly onProgress?: (completed: number, total: number) => void;
}

export class WorkloadDriver {
  readonly clients: ClientState[] = [];
  private readonly byId = new Map<NodeId, ClientState>();
  private readonly script: ScriptRunner | undefined;
  /** Listeners of "the run has now completed N operations" (afterOps triggers). */
  readonly onCompleted: ((completed: number) => void)[] = [];
  finished = false;
  private closed = false;
  completed = 0;
  /** Every operation started (its index), and in closed loop when to stop (open-loop arrivals keep their own). */
  private readonly budget: IssueBudget;
  private inFlight = 0;
  private thinking = 0;
  /** Operation starts handed to a client's task queue that have not run yet. */
  private queuedStarts = 0;
  /** Open loop: the Poisson arrivals and the clients waiting for one. */
  private readonly arrivals: OpenLoopArrivals | undefined;
  private readonly chooseKey;
  private readonly chooseSize;
  /** Interned once: Map lookups by these strings then reuse their cached hashes. */
  private readonly keyNames: string[];
  private readonly progressStep: number;

  constructor(private readonly options: WorkloadDriverOptions) {
    const { run, engine } = options;
    const workload = run.workload;
    this.arrivals = workload.mode === 'open' ? new OpenLoopArrivals(this, options.run, options.engine, options.rng) : undefined;
    this.budget = new IssueBudget(workload);
    this.chooseKey = keyChooser(workload);
    this.chooseSize = valueSizeChooser(workload.valueBytes);
    this.keyNames = Array.from({ length: workload.keys }, (_, i) => `k${i}`);
    this.progressStep = Number.isFinite(workload.totalOps) ? Math.max(1, Math.floor(workload.totalOps / 200)) : 100;
    for (const id of [...run.cluster.writers, ...run.cluster.readers]) {
      const state: ClientState = { id, role: run.cluster.writers.includes(id) ? 'writer' : 'reader', current: null, opsStarted: 0, seq: 0, crashed: false, crashPlan: undefined };
      this.clients.push(state);
      this.byId.set(id, state);
    }
    this.script =
      workload.script === undefined
        ? undefined
        : new ScriptRunner(workload.script, engine.clock, {
            start: (client, op) => {
              // The start is a task of the client, queued behind whatever it is doing now: until it
              // runs, the operation is neither in flight nor done, and the run must not end.
              this.queueStart();
              engine.exec(client, startScripted, this, this.byId.get(client)!, op);
            },
            isCrashed: (client) => this.byId.get(client)?.crashed ?? true,
          });
  }

  client(id: NodeId): ClientState | undefined {
    return this.byId.get(id);
  }

  /** Starts issuing: the script, every closed-loop client, or the open-loop arrivals. */
  start(): void {
    const { engine, run } = this.options;
    if (this.script !== undefined) {
      this.script.begin();
    } else if (run.workload.mode === 'closed') {
      for (const client of this.clients) engine.exec(client.id, nextOpTask, this, client);
    } else {
      this.arrivals!.start();
    }
  }

  /** The client crashed (a fault): its operation stays pending (it may or may not take effect). */
  crashClient(id: NodeId): void {
    const client = this.byId.get(id);
    if (client === undefined || client.crashed) return;
    client.crashed = true;
    if (client.current !== null) {
      this.inFlight--;
      client.current = null;
    }
    this.options.clients.crash(id);
    this.arrivals?.forget(client);
    this.maybeFinish();
  }

  nowNs(): number {
    return this.options.engine.nowNs();
  }

  /** The scripted operation `client` is running, if any. */
  scriptedId(client: NodeId): string | undefined {
    return this.script?.currentId(client);
  }

  /** Ends the run once nothing is in flight, thinking or queued, and nothing more will be issued. */
  maybeFinish(): void {
    if (this.finished || this.inFlight > 0 || this.thinking > 0 || this.queuedStarts > 0) return;
    const { run, engine } = this.options;
    const workload = run.workload;
    const noMoreIssuing =
      workload.mode === 'open'
        ? this.arrivals!.exhausted(this.clients)
        : this.script !== undefined
          ? this.script.exhausted()
          : this.budget.spent(engine.clock.nowNs()) || this.clients.every((c) => c.crashed);
    if (!noMoreIssuing) return;
    this.finished = true;
    engine.stop();
  }

  /** What a client does when it becomes idle (inside its task, or from a timer). */
  nextOp(client: ClientState): void {
    if (client.crashed) return;
    const { run, engine } = this.options;
    const workload = run.workload;
    if (this.script !== undefined) {
      this.script.onIdle(client.id);
      return;
    }
    if (this.arrivals !== undefined) {
      const arrival = this.arrivals.takeFor(client);
      if (arrival !== undefined) this.startOp(client, arrival.kind, arrival.intendedNs);
      return;
    }
    if (this.budget.spent(engine.clock.nowNs())) return;
    if (workload.thinkTimeMs > 0 && client.opsStarted > 0) {
      this.thinking++;
      engine.clock.schedule(engine.nowNs() + workload.thinkTimeMs * NS_PER_MS, () => {
        this.thinking--;
        engine.exec(client.id, issueClosedTask, this, client);
        this.maybeFinish();
      });
      return;
    }
    this.issueClosed(client);
  }

  issueClosed(client: ClientState): void {
    const { run, engine, rng } = this.options;
    const workload = run.workload;
    if (client.crashed || this.budget.spent(engine.clock.nowNs())) return;
    let kind: OpKind = 'read';
    if (client.role === 'writer') {
      const p = workload.writerWriteProbability;
      kind = p >= 1 || (p > 0 && rng.float() < p) ? 'write' : 'read';
    }
    this.startOp(client, kind, engine.nowNs());
  }

  /** A start handed to a client's task queue (an open-loop arrival's, a scripted operation's). */
  queueStart(): void {
    this.queuedStarts++;
  }

  /** An open-loop arrival's or a scripted operation's start (a task of its client, possibly queued). */
  startQueued(client: ClientState, kind: OpKind, callNs: number, scripted?: ScriptOp): void {
    this.queuedStarts--;
    if (!client.crashed) this.startOp(client, kind, callNs, scripted);
    else this.maybeFinish();
  }

  /** Starts an operation on `client` (inside its task). */
  private startOp(client: ClientState, kind: OpKind, callNs: number, scripted?: ScriptOp): void {
    const { run, engine, rng, ledger, schedule } = this.options;
    const workload = run.workload;
    const key = scripted !== undefined ? (scripted.key ?? 'k0') : this.keyNames[this.chooseKey(rng)]!;
    const index = this.budget.take(callNs);
    const value = kind === 'write' ? `${client.id}:${++client.seq}` : null;
    const record: OpRecord = {
      index,
      client: client.id,
      kind,
      key,
      value,
      callNs,
      returnNs: null,
      status: 'pending',
      rounds: 0,
      retries: 0,
      measured: index >= workload.warmupOps && callNs >= workload.warmupMs * NS_PER_MS,
      traffic: noDirectedTraffic(),
      cpuNs: null,
    };
    const valueBytes = value === null ? 0 : (scripted?.valueBytes ?? this.chooseSize(rng));
    ledger.records.push(record);
    client.current = record;
    client.opsStarted++;
    this.inFlight++;
    const plan = client.crashPlan;
    const crash = plan !== undefined && client.opsStarted === plan.duringOp ? { afterRound: plan.afterRound, sendTo: plan.sendTo } : undefined;
    const request: OpRequest = { index, kind, key, value, valueBytes, ...(crash === undefined ? {} : { crash }) };
    this.options.clients.invoke(client.id, request, (result) => this.onResult(client, record, result));
    if (schedule.enabled) schedule.onOpStarted(this.scriptedId(client.id), engine.nowNs());
  }

  /** The run is over: operations that end from now on (while the engine settles) stay pending. */
  close(): void {
    this.closed = true;
  }

  private onResult(client: ClientState, record: OpRecord, result: OpResult): void {
    if (this.closed) return;
    this.options.ledger.addResult(record, result);
    record.rounds = result.rounds;
    record.retries = result.retries;
    // The client crashed meanwhile (a fault): the operation stays pending.
    if (client.current !== record) return;
    if (result.status === 'crashed') return this.crashClient(client.id);
    // Closed loop: the call is the invocation where the client runs (a control hop to a client
    // process is not the operation's latency). Open loop keeps the intended arrival: queueing counts.
    if (this.options.run.workload.mode !== 'open') record.callNs = result.callNs;
    if (result.status === 'indefinite') return this.abandon(client);
    record.returnNs = result.returnNs;
    record.status = result.status;
    if (record.kind === 'read' && result.status === 'ok') record.value = result.value;
    this.complete(client, record);
  }

  /** The operation ended without telling whether it took effect: it stays pending; the client goes on. */
  private abandon(client: ClientState): void {
    client.current = null;
    this.inFlight--;
    this.script?.onOpAbandoned(client.id);
    if (!client.crashed) this.nextOp(client);
    this.maybeFinish();
  }

  private complete(client: ClientState, record: OpRecord): void {
    const { run, schedule, onProgress } = this.options;
    client.current = null;
    this.inFlight--;
    const completed = ++this.completed;
    if (onProgress !== undefined && completed % this.progressStep === 0) onProgress(completed, run.workload.totalOps);
    for (const listener of this.onCompleted) listener(completed);
    // Schedule actions triggered by this return run before scripted operations waiting for it.
    if (schedule.enabled) schedule.onOpCompleted(this.scriptedId(client.id), completed, record.returnNs!);
    this.script?.onOpDone(client.id, record.returnNs!);
    if (!client.crashed) this.nextOp(client);
    this.maybeFinish();
  }
}

// Task functions (engine.exec passes up to three arguments; no closure per task).
function nextOpTask(driver: WorkloadDriver, client: ClientState): void {
  driver.nextOp(client);
}

function issueClosedTask(driver: WorkloadDriver, client: ClientState): void {
  driver.issueClosed(client);
}

function startScripted(driver: WorkloadDriver, client: ClientState, op: ScriptOp): void {
  driver.startQueued(client, op.kind, driver.nowNs(), op);
}
