/**
 * @module Workload clients, hosted on any engine: each client's protocol machines (one per
 * register), one operation at a time, a planned mid-operation crash, and the operation's own
 * traffic. It implements {@link Clients}: the runner starts operations with `invoke` and hears the
 * result through `done`, whether the host runs in the runner's process or in a client process of
 * the real engine (harness/real/client-process.ts).
 */
import type { ClientMachine, NodeEnv, NodeId, Operation, ProtocolMessage, Send } from '../../protocols/types.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import type { Frame } from '../transport/types.ts';
import { makeValue, valueTag } from '../workload/values.ts';
import { isInitiated, opTag } from './attribution.ts';
import type { Clients, OpRequest, OpResult } from './clients.ts';
import { cpuOf, HostFrame, nodeEnvOf, type HostContext } from './context.ts';
import { BACKGROUND, newCpuVector, NO_OPERATION, type NodeMeter } from './meter.ts';
import { countMessage, noTraffic, type Traffic } from './traffic.ts';

interface RunningOp {
  readonly request: OpRequest;
  readonly tag: number;
  readonly operation: Operation;
  readonly callNs: number;
  readonly sent: Traffic;
  readonly initiated: Traffic;
  initiatedCpu: Float64Array | null;
  readonly done: (result: OpResult) => void;
}

interface HostedClient {
  readonly host: ClientHost;
  readonly id: NodeId;
  readonly env: NodeEnv;
  readonly meter: NodeMeter;
  readonly machines: Map<string, ClientMachine>;
  current: RunningOp | null;
  crashed: boolean;
}

export class ClientHost implements Clients {
  /** Every message the hosted clients sent. */
  readonly sent: Traffic = noTraffic();
  private readonly hosted = new Map<NodeId, HostedClient>();

  constructor(
    private readonly context: HostContext,
    clients: readonly NodeId[],
  ) {
    for (const id of clients) {
      const client: HostedClient = { host: this, id, env: nodeEnvOf(context, id), meter: context.meterOf(id), machines: new Map(), current: null, crashed: false };
      this.hosted.set(id, client);
      context.ports.attach(id, (from, frame) => {
        if (!client.crashed) context.ports.exec(id, clientTask, client, from, frame);
        else if (context.tracer !== null) context.tracer.drop(from, id, frame);
      });
    }
  }

  has(client: NodeId): boolean {
    return this.hosted.has(client);
  }

  invoke(client: NodeId, request: OpRequest, done: (result: OpResult) => void): void {
    const hosted = this.hosted.get(client);
    if (hosted === undefined) throw new RangeError(`client host: ${client} is not hosted here`);
    if (hosted.current !== null) throw new RangeError(`client host: ${client} got operation ${request.index} while ${hosted.current.request.index} runs`);
    const machine = this.machineFor(hosted, request.key);
    const callNs = this.context.ports.nowNs();
    if (this.context.tracer !== null) this.context.tracer.call(client, request);
    // Work done while creating the operation (e.g. encoding the value) is this operation's CPU.
    hosted.meter.target = request.index;
    const operation = request.value !== null ? machine.write(makeValue(request.value, request.valueBytes)) : machine.read();
    const running: RunningOp = { request, tag: opTag(request.index), operation, callNs, sent: noTraffic(), initiated: noTraffic(), initiatedCpu: null, done };
    hosted.current = running;
    if (hosted.crashed) this.crashNow(hosted);
    else this.dispatch(hosted, running, operation.start(), 0);
    hosted.meter.target = NO_OPERATION;
  }

  crash(client: NodeId): void {
    const hosted = this.hosted.get(client);
    if (hosted !== undefined && !hosted.crashed) this.crashNow(hosted);
  }

  /** Rounds and retries of `client`'s operation in progress (for the history of pending operations). */
  progress(client: NodeId): { readonly rounds: number; readonly retries: number } | undefined {
    const operation = this.hosted.get(client)?.current?.operation;
    return operation === undefined ? undefined : { rounds: operation.rounds, retries: operation.retries };
  }

  /** One frame for `client`, as a task of that client. */
  receive(client: HostedClient, from: NodeId, frame: Frame): void {
    const context = this.context;
    if (context.tracer !== null) {
      if (client.crashed) context.tracer.drop(from, client.id, frame);
      else context.tracer.deliver(from, client.id, frame);
    }
    if (client.crashed) return;
    const current = client.current;
    const tag = frame.tag;
    const forCurrent = current !== null && isInitiated(tag) && -tag === current.tag;
    const meter = client.meter;
    // Handling a reply is work for the operation it answers; an initiated message for the one it reached.
    meter.target = tag > 0 ? tag - 1 : forCurrent ? current.request.index : isInitiated(tag) ? BACKGROUND : NO_OPERATION;
    if (context.messageCost) meter.charge('message', frameWireSize(frame));
    if (context.frameMac) meter.charge('hmac', frameWireSize(frame));
    meter.target = NO_OPERATION;
    // A reply for an earlier operation (or another register) finds no operation to go to.
    if (current === null || current.request.key !== frame.key) return;
    const msg = context.senders.messageOf(from, frame, context.reject);
    if (msg === undefined) return;
    if (forCurrent) this.countInitiated(current, frame);
    meter.target = current.request.index;
    const operation = current.operation;
    const roundsBefore = operation.rounds;
    const step = operation.onMessage(from, msg);
    const plan = current.request.crash;
    if (step.status === 'done' && plan !== undefined && operation.rounds <= plan.afterRound) {
      // The crash point lies at or after the operation's last round: it crashes before returning.
      this.crashNow(client);
    } else if (this.dispatch(client, current, step.send, roundsBefore) && step.status === 'done') {
      this.finish(client, 'ok', current.request.kind === 'read' ? valueTag(step.value) : null);
    }
    meter.target = NO_OPERATION;
  }

  private countInitiated(current: RunningOp, frame: Frame): void {
    countMessage(current.initiated, frameWireSize(frame));
    const cpu = cpuOf(frame);
    if (cpu === null) return;
    current.initiatedCpu ??= newCpuVector();
    for (let i = 0; i < cpu.length; i++) current.initiatedCpu[i]! += cpu[i]!;
  }

  private machineFor(client: HostedClient, key: string): ClientMachine {
    let machine = client.machines.get(key);
    if (machine === undefined) {
      const { run, setup } = this.context;
      machine = run.protocol.createClient(client.id, run.cluster, run.options, setup, client.env, key) as ClientMachine;
      client.machines.set(key, machine);
    }
    return machine;
  }

  /**
   * Sends an operation's messages, unless a planned mid-operation crash is due: once round R
   * completed, the next round goes to the first `sendTo` servers only and the client crashes.
   */
  private dispatch(client: HostedClient, running: RunningOp, sends: readonly Send[], roundsBefore: number): boolean {
    const plan = running.request.crash;
    if (plan !== undefined && running.operation.rounds > plan.afterRound && roundsBefore <= plan.afterRound) {
      this.sendAll(client, running, sends, Math.min(plan.sendTo, sends.length));
      this.crashNow(client);
      return false;
    }
    this.sendAll(client, running, sends, sends.length);
    return true;
  }

  private sendAll(client: HostedClient, running: RunningOp, sends: readonly Send[], count: number): void {
    for (let i = 0; i < count; i++) {
      const frame = new HostFrame(running.request.key, sends[i]!.msg as ProtocolMessage, running.tag);
      const bytes = frameWireSize(frame);
      if (this.context.frameMac) client.meter.charge('hmac', bytes);
      countMessage(running.sent, bytes);
      countMessage(this.sent, bytes);
      if (this.context.tracer !== null) this.context.tracer.send(client.id, sends[i]!.to, frame, bytes, null);
      this.context.ports.send(client.id, sends[i]!.to, frame);
    }
  }

  private crashNow(client: HostedClient): void {
    client.crashed = true;
    if (client.current !== null) this.finish(client, 'crashed', null);
  }

  private finish(client: HostedClient, status: OpResult['status'], value: string | null): void {
    const running = client.current!;
    client.current = null;
    if (this.context.tracer !== null) this.context.tracer.ended(client.id, { index: running.request.index, status, value });
    running.done({
      index: running.request.index,
      status,
      callNs: running.callNs,
      returnNs: this.context.ports.nowNs(),
      rounds: running.operation.rounds,
      retries: running.operation.retries,
      value,
      sent: running.sent,
      initiated: running.initiated,
      initiatedCpuNs: running.initiatedCpu === null ? [] : Array.from(running.initiatedCpu),
    });
  }
}

/** The task function (no closure per frame: this is the simulator's hot path). */
function clientTask(client: HostedClient, from: NodeId, frame: Frame): void {
  client.host.receive(client, from, frame);
}
