/**
 * @module One server node, hosted on any engine: one protocol machine per register, honest or
 * wrapped by its Byzantine strategy, fed every frame addressed to the server, its sends counted and
 * attributed (attribution.ts). The simulator's runner creates one per server; a real-engine server
 * process (`quorumbench serve`) creates exactly one. It knows nothing of sockets or clocks.
 */
import type { NodeEnv, NodeId, ProtocolMessage, Send, ServerMachine, ServerStrategy } from '../../protocols/types.ts';
import { lookupStrategy } from '../faults/strategies.ts';
import type { Frame } from '../transport/types.ts';
import { initiatedTag } from './attribution.ts';
import { HostFrame, nodeEnvOf, type HostContext } from './context.ts';
import { newCpuVector, NO_OPERATION, type NodeMeter } from './meter.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import { countMessage, noTraffic, type Traffic } from './traffic.ts';
import type { MessageTracer, SenderMark } from './tracer.ts';
import { encodeValue } from '../wire/codec.ts';
import type { HostedServer } from './hosted-server.ts';

/** Where a server's replies are counted per operation (the runner's records, or a process's own tally). */
export interface ReplyLedger {
  reply(tag: number, bytes: number): void;
}

/** One register of this server. */
interface Register {
  /** Its machine; none after a revert until the next frame for the register rebuilds it. */
  machine: ServerMachine | undefined;
  /** The latest operation tag heard from each node on this register (the target of initiated messages). */
  readonly lastTag: Map<NodeId, number>;
}

interface ActiveStrategy {
  readonly name: string;
  readonly fn: ServerStrategy;
  readonly options: Readonly<Record<string, unknown>>;
}

export class ServerHost implements HostedServer {
  readonly index: number;
  /** Every message this server sent, and those it sent on its own initiative. */
  readonly sent: Traffic = noTraffic();
  readonly initiated: Traffic = noTraffic();
  initiatedCpuNs = 0;
  crashed = false;
  /** Frames handled so far, and the count at which the server crashes (`afterMessages`). */
  handled = 0;
  crashAfterMessages = Infinity;
  /** Called when the server crashes (the real engine's server process exits there). */
  onCrash: (() => void) | undefined;

  private readonly registers = new Map<string, Register>();
  private readonly env: NodeEnv;
  private readonly meter: NodeMeter;
  private strategy: ActiveStrategy | undefined;
  /** CPU spent on initiated messages during the current task, per addressee. */
  private initiatedCpu: Map<NodeId, Float64Array> | null = null;
  private readonly cpuSent = new Set<Float64Array>();
  private readonly maxKeys: number;
  private readonly tracer: MessageTracer | null;
  /** Whether the server forgot its state (a `revert`): it deviates from the protocol from then on. */
  private reverted = false;
  /**
   * Tracing a server that may turn Byzantine: what its own protocol machines sent during the current
   * task, so that the trace can tell the strategy's lies from what the server would have sent.
   */
  private readonly witnessHonest: boolean;
  private honestSends: Send[] | null = null;

  constructor(
    private readonly context: HostContext,
    readonly id: NodeId,
    private readonly replies: ReplyLedger,
  ) {
    const run = context.run;
    this.index = run.cluster.servers.indexOf(id);
    if (this.index < 0) throw new RangeError(`server host: ${id} is not a server of the cluster (s1..s${run.n})`);
    this.maxKeys = run.workload.keys;
    this.meter = context.meterOf(id);
    this.env = nodeEnvOf(context, id, (to) => this.collectInitiatedCpu(to));
    this.tracer = context.tracer;
    this.witnessHonest = this.tracer !== null && run.byzantineServers.includes(id);
    const fault = run.faults.find((f) => f.type === 'byzantine' && f.node === id);
    if (fault !== undefined && fault.type === 'byzantine') this.useStrategy(fault.strategy, fault.options ?? {});
    context.ports.attach(id, (from, frame) => {
      if (!this.crashed) context.ports.exec(id, serverTask, this, from, frame);
      else if (this.tracer !== null) this.tracer.drop(from, id, frame);
    });
  }

  /** The Byzantine strategy this server runs now, or 'honest'. */
  get behaviour(): string {
    return this.strategy?.name ?? 'honest';
  }

  /** Bytes stored over all registers. */
  storedBytes(): number {
    let total = 0;
    for (const register of this.registers.values()) total += register.machine?.storedBytes() ?? 0;
    return total;
  }

  crash(): void {
    if (this.crashed) return;
    this.crashed = true;
    this.onCrash?.();
  }

  /** Forget all state ("revert memory"): machines are rebuilt from scratch on next use. */
  revert(): void {
    for (const register of this.registers.values()) register.machine = undefined;
    this.reverted = true;
  }

  /** Switch to strategy `name` from now on; the registers keep their state (the strategy wraps them). */
  switchStrategy(name: string, options: Readonly<Record<string, unknown>>): void {
    this.useStrategy(name, options);
    for (const [key, register] of this.registers) if (register.machine !== undefined) register.machine = this.wrap(register.machine, key);
    this.context.senders.markFaulty(this.id);
  }

  /** One frame, as a task of this server. */
  handle(from: NodeId, frame: Frame): void {
    const tracer = this.tracer;
    if (this.crashed) {
      if (tracer !== null) tracer.drop(from, this.id, frame);
      return;
    }
    if (tracer !== null) {
      tracer.deliver(from, this.id, frame);
      this.honestSends = null;
    }
    const context = this.context;
    const tag = frame.tag;
    const meter = this.meter;
    meter.target = tag > 0 ? tag - 1 : NO_OPERATION;
    if (context.messageCost) meter.charge('message', frameWireSize(frame));
    if (context.frameMac) meter.charge('hmac', frameWireSize(frame));
    const msg = context.senders.messageOf(from, frame, context.reject);
    const register = msg === undefined ? undefined : this.registerFor(frame.key);
    if (msg !== undefined && register === undefined) context.reject('unknown-key');
    if (register !== undefined) {
      if (tag > 0) register.lastTag.set(from, tag);
      const sends = register.machine!.handle(from, msg!);
      meter.stopCollecting();
      for (let i = 0; i < sends.length; i++) this.send(from, frame.key, tag, sends[i]!.to, sends[i]!.msg);
      if (this.initiatedCpu !== null) this.endInitiatedCpu();
    }
    meter.target = NO_OPERATION;
    if (++this.handled >= this.crashAfterMessages) this.crash();
  }

  private send(from: NodeId, key: string, tag: number, to: NodeId, msg: Frame['msg']): void {
    let frame: HostFrame;
    if (to === from) {
      frame = new HostFrame(key, msg, tag);
    } else {
      // The CPU that produced it travels with the first initiated message to its addressee.
      const cpu = this.initiatedCpu?.get(to) ?? null;
      const fresh = cpu !== null && !this.cpuSent.has(cpu);
      if (fresh) this.cpuSent.add(cpu);
      frame = new HostFrame(key, msg, initiatedTag(this.registers.get(key)?.lastTag.get(to) ?? 0), fresh ? cpu : null);
    }
    const bytes = frameWireSize(frame);
    if (this.context.frameMac) this.meter.charge('hmac', bytes);
    countMessage(this.sent, bytes);
    if (to !== from) countMessage(this.initiated, bytes);
    else if (tag > 0) this.replies.reply(tag, bytes);
    if (this.tracer !== null) this.tracer.send(this.id, to, frame, bytes, this.markOf(to, msg));
    this.context.ports.send(this.id, to, frame);
  }

  /** How this server deviates when it sends `msg` to `to` (tracing only). */
  private markOf(to: NodeId, msg: ProtocolMessage): SenderMark | null {
    const strategy = this.strategy;
    if (strategy === undefined) return this.reverted ? REVERTED : null;
    const honest = this.honestSends;
    const own = honest !== null && honest.some((send) => send.to === to && sameMessage(send.msg, msg));
    return { faulty: strategy.name, lie: !own };
  }

  /**
   * Tracing only: records what `machine` (the honest machine a strategy wraps) sends. The machine
   * keeps its identity, because a strategy may look it up (M-PoWerStore finds a colluder's key by it).
   */
  private witness(machine: ServerMachine): void {
    const handle = machine.handle.bind(machine);
    machine.handle = (from, msg) => {
      const sends = handle(from, msg);
      (this.honestSends ??= []).push(...sends);
      return sends;
    };
  }

  private collectInitiatedCpu(to: NodeId): void {
    this.initiatedCpu ??= new Map();
    let cpu = this.initiatedCpu.get(to);
    if (cpu === undefined) this.initiatedCpu.set(to, (cpu = newCpuVector()));
    this.meter.collectInto(cpu);
  }

  /** The task's initiated work counts whether or not a message carried it (a strategy may withhold it). */
  private endInitiatedCpu(): void {
    for (const cpu of this.initiatedCpu!.values()) for (let i = 0; i < cpu.length; i++) this.initiatedCpuNs += cpu[i]!;
    this.initiatedCpu = null;
    this.cpuSent.clear();
  }

  /** The register `key` with its machine, or undefined for a key that is not a register of the run. */
  private registerFor(key: string): Register | undefined {
    const existing = this.registers.get(key);
    if (existing !== undefined) {
      existing.machine ??= this.build(key);
      return existing;
    }
    // Registers are k0..k{keys-1}; any other key is hostile (a register per invented key).
    const match = /^k(\d{1,9})$/.exec(key);
    if (match === null || Number(match[1]) >= this.maxKeys || String(Number(match[1])) !== match[1]) return undefined;
    const register: Register = { machine: this.build(key), lastTag: new Map() };
    this.registers.set(key, register);
    return register;
  }

  /** A new machine for register `key`: honest (witnessed when tracing), wrapped by the strategy. */
  private build(key: string): ServerMachine {
    const honest = this.fresh(key);
    if (this.witnessHonest) this.witness(honest);
    return this.wrap(honest, key);
  }

  private fresh(key: string): ServerMachine {
    const { run, setup } = this.context;
    return run.protocol.createServer(this.index, run.cluster, run.options, setup, this.env, key) as ServerMachine;
  }

  private wrap(machine: ServerMachine, key: string): ServerMachine {
    const strategy = this.strategy;
    if (strategy === undefined) return machine;
    const run = this.context.run;
    return strategy.fn(machine, {
      index: this.index,
      cluster: run.cluster,
      env: this.env,
      fresh: () => this.fresh(key),
      options: strategy.options,
      setup: this.context.setup,
      colluders: run.byzantineServers.map((id) => run.cluster.servers.indexOf(id)),
    });
  }

  private useStrategy(name: string, options: Readonly<Record<string, unknown>>): void {
    const fn = lookupStrategy(this.context.run.protocol, name);
    // Config validation refuses unknown strategies; reaching this is a bug of ours.
    if (fn === undefined) throw new RangeError(`server host: unknown strategy ${name} for ${this.context.run.protocol.name}`);
    this.strategy = { name, fn, options };
  }
}

const REVERTED: SenderMark = { faulty: 'reverted', lie: false };

/** Whether two messages are the same on the wire (a strategy may copy a message unchanged). */
function sameMessage(a: ProtocolMessage, b: ProtocolMessage): boolean {
  if (a === b) return true;
  const x = encodeValue(a);
  const y = encodeValue(b);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/** The task function (no closure per frame: this is the simulator's hot path). */
function serverTask(host: ServerHost, from: NodeId, frame: Frame): void {
  host.handle(from, frame);
}
