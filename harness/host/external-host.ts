/**
 * @module One external node, hosted on any engine: a process that speaks Maelstrom's node protocol
 * (harness/external/) in place of a protocol machine. The frames the network model delivers to the
 * node (after the fault schedule's holds, partitions and pauses) are written to its stdin; every
 * message it writes to stdout goes back into the transport from this node, counted by its JSON
 * size and attributed to the operation of the message it answers.
 *
 * The simulator drives the process in lockstep (HostPorts.lockstep): a delivery, then the node's
 * output until it is quiet, on a virtual clock that stands still meanwhile. The real engine writes
 * at once and sends whatever the node writes when it writes it. Generic faults act on the process:
 * a crash kills it, `revert` restarts it from nothing (a fresh process and `init`), `silent` drops
 * what it is sent and what it writes; slowness, holds, partitions and pauses act on its frames.
 */
import type { NodeId } from '../../protocols/types.ts';
import { ExternalFrame } from '../external/external-frame.ts';
import { envelopeLine, HARNESS_ID, type Body, type Envelope } from '../external/maelstrom.ts';
import { NodeProcess } from '../external/node-process.ts';
import type { ExternalSettings } from '../external/settings.ts';
import { ConfigError } from '../config/errors.ts';
import { stoppingOnSignal } from '../real/processes.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import type { Frame } from '../transport/types.ts';
import type { HostContext } from './context.ts';
import type { HostedServer } from './hosted-server.ts';
import { NO_OPERATION, type NodeMeter } from './meter.ts';
import { countMessage, noTraffic, type Traffic } from './traffic.ts';

/** Where an external node's messages are counted per operation (the run's ledger). */
export interface ExternalLedger {
  /** A server node's message for the operation of `tag`. */
  reply(tag: number, bytes: number): void;
  /** A client node's (or the harness client's) message for the operation of `tag`. */
  request(tag: number, bytes: number): void;
}

export interface ExternalNodeOptions {
  readonly context: HostContext;
  readonly settings: ExternalSettings;
  readonly id: NodeId;
  readonly role: 'server' | 'client';
  readonly ledger: ExternalLedger;
  /** The nodes it may address: the servers and the workload clients. */
  readonly known: ReadonlySet<NodeId>;
  /** The node exited without being told to (it then counts as crashed). */
  readonly onExit: (node: NodeId, reason: string) => void;
}

/** Reply-to-request attribution entries kept per node at most (a node that never replies must not grow it). */
const MAX_REMEMBERED_REQUESTS = 100_000;

export class ExternalNodeHost implements HostedServer {
  readonly id: NodeId;
  readonly sent: Traffic = noTraffic();
  readonly initiated: Traffic = noTraffic();
  readonly initiatedCpuNs = 0;
  crashed = false;
  handled = 0;
  crashAfterMessages = Infinity;
  onCrash: (() => void) | undefined;
  /** Messages the node addresses to the harness: replies to the lin-kv requests of a client node. */
  onHarnessMessage: ((body: Body) => void) | undefined;

  private process: NodeProcess;
  private silent = false;
  private readonly meter: NodeMeter;
  /** The operation tag of the message the node was last given (real engine: a best guess). */
  private currentTag = 0;
  /** Operation tags of delivered requests, by `${src}\0${msg_id}`, for the replies that name them. */
  private readonly requestTags = new Map<string, number>();
  /** Real engine: messages that arrive while a `revert` restarts the process. */
  private restarting: { readonly queued: [string, number][] } | undefined;
  private readonly warned = new Set<string>();
  /** Set once `init_ok` came: an exit before it is the start's failure, reported by start() alone. */
  private started = false;

  private constructor(private readonly options: ExternalNodeOptions) {
    this.id = options.id;
    this.meter = options.context.meterOf(this.id);
    // A Byzantine fault of the config applies from the start (config validation admits only silent).
    const fault = options.context.run.faults.find((f) => f.type === 'byzantine' && f.node === this.id);
    if (fault !== undefined && fault.type === 'byzantine') this.switchStrategy(fault.strategy);
    this.process = this.spawn();
    const ports = options.context.ports;
    ports.attach(this.id, (from, frame) => {
      if (!this.crashed) ports.exec(this.id, deliverTask, this, from, frame);
    });
  }

  /**
   * Starts the node's process and completes its `init` handshake. A node that cannot start (its
   * program missing, exiting, or silent) is the config's command at fault: a ConfigError naming it,
   * with the node's own words (its stderr) on the same line.
   */
  static async start(options: ExternalNodeOptions): Promise<ExternalNodeHost> {
    const host = new ExternalNodeHost(options);
    try {
      await host.init(host.process);
    } catch (error) {
      await host.close();
      const field = options.role === 'client' && options.context.run.config.protocol.clientCommand !== undefined ? 'clientCommand' : 'command';
      throw new ConfigError(`protocol.${field}: ${(error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' | ')}`);
    }
    host.started = true;
    // An exit between init_ok and this line was skipped by onExited (not started yet): report it now.
    host.onExited(host.process);
    return host;
  }

  get behaviour(): string {
    return this.silent ? 'silent' : 'honest';
  }

  /** What the node stores is not visible from outside its process. */
  storedBytes(): number {
    return 0;
  }

  /** One frame from the network, as a task of this node. */
  deliver(from: NodeId, frame: Frame): void {
    if (this.crashed) return;
    const { context } = this.options;
    const tag = frame.tag;
    this.meter.target = tag > 0 ? tag - 1 : NO_OPERATION;
    if (context.messageCost) this.meter.charge('message', frameWireSize(frame));
    this.meter.target = NO_OPERATION;
    const body = frame.msg as Body;
    this.remember(from, body.msg_id, tag);
    if (!this.silent) this.pass(frame instanceof ExternalFrame ? frame.line : envelopeLine(from, this.id, body), tag);
    if (++this.handled >= this.crashAfterMessages) this.crash();
  }

  /** A request from the harness itself (a lin-kv operation for a client node), with its operation tag. */
  request(body: Body, tag: number): void {
    if (this.crashed) return;
    this.remember(HARNESS_ID, body.msg_id, tag);
    if (!this.silent) this.pass(envelopeLine(HARNESS_ID, this.id, body), tag);
  }

  /** A fresh msg_id for a message from the harness to this node. */
  newHarnessMsgId(): number {
    return this.process.newMsgId();
  }

  crash(): void {
    if (this.crashed) return;
    this.crashed = true;
    this.process.kill();
    this.onCrash?.();
  }

  /** "Revert memory": the node restarts from nothing, as a fresh process with a fresh `init`. */
  revert(): void {
    if (this.crashed) return;
    // A node that does not come back (it exits or stays silent before init_ok) is crashed from then
    // on, on either engine: a fault of the node, not of the run.
    const restart = async (): Promise<void> => {
      const old = this.process;
      old.kill();
      await old.exited;
      this.process = this.spawn();
      try {
        await this.init(this.process);
      } catch (error) {
        this.failedRestart(error);
      }
    };
    const lockstep = this.options.context.ports.lockstep;
    if (lockstep !== undefined) {
      lockstep(restart);
      return;
    }
    const restarting = { queued: [] as [string, number][] };
    this.restarting = restarting;
    void restart().then(() => {
      this.restarting = undefined;
      if (this.crashed) return;
      for (const [line, tag] of restarting.queued) this.pass(line, tag);
    });
  }

  private failedRestart(error: unknown): void {
    if (this.crashed) return;
    this.crashed = true;
    void this.process.stop();
    const reason = `did not restart after a revert (${error instanceof Error ? error.message : String(error)})`.replace(/\s*\n\s*/g, ' | ');
    process.stderr.write(`quorumbench: external node ${this.id} ${reason}; it counts as crashed from now on\n`);
    this.options.onExit(this.id, reason);
  }

  switchStrategy(name: string): void {
    // Config validation admits only `silent` for external nodes (harness/external/settings.ts).
    if (name !== 'silent') throw new RangeError(`external node ${this.id}: strategy ${name} needs a TypeScript protocol`);
    this.silent = true;
  }

  /** Stops the process (end of the run, or a failed start). */
  async close(): Promise<void> {
    await this.process.stop();
  }

  private spawn(): NodeProcess {
    const { settings, role } = this.options;
    const child = new NodeProcess(this.id, role === 'server' ? settings.command : settings.clientCommand, settings.cwd, {
      message: (envelope, bytes, line) => this.onMessage(child, envelope, bytes, line),
      invalid: (reason, line) => this.rejectOutput(reason, `wrote a line that is not a message: ${line.slice(0, 120)}`),
    });
    void child.exited.then(() => this.onExited(child));
    return child;
  }

  private init(child: NodeProcess): Promise<void> {
    const { context, settings, role } = this.options;
    return child.init(context.run.cluster.servers, role, settings.startTimeoutMs);
  }

  /** Hands the node one line: at once (real engine), or as a lockstep step (simulator). */
  private pass(line: string, tag: number): void {
    const lockstep = this.options.context.ports.lockstep;
    if (lockstep !== undefined) {
      lockstep(() => this.exchange(line, tag));
      return;
    }
    if (this.restarting !== undefined) {
      this.restarting.queued.push([line, tag]);
      return;
    }
    this.currentTag = tag;
    this.process.write(line);
  }

  /** Lockstep: the line, then the node's output until it is done (node-process.ts). */
  private async exchange(line: string, tag: number): Promise<void> {
    if (this.crashed) return;
    const { quietMs, barrier } = this.options.settings;
    this.currentTag = tag;
    this.process.write(line);
    await this.process.settle(quietMs, barrier);
  }

  private remember(from: NodeId, msgId: unknown, tag: number): void {
    if (typeof msgId !== 'number' || tag === 0) return;
    if (this.requestTags.size >= MAX_REMEMBERED_REQUESTS) this.requestTags.delete(this.requestTags.keys().next().value!);
    this.requestTags.set(`${from}\u0000${msgId}`, tag);
  }

  /** The operation a message works for: the request it answers, else the message the node last got. */
  private tagOf(envelope: Envelope): number {
    const inReplyTo = envelope.body.in_reply_to;
    if (typeof inReplyTo === 'number') {
      const key = `${envelope.dest}\u0000${inReplyTo}`;
      const tag = this.requestTags.get(key);
      if (tag !== undefined) {
        this.requestTags.delete(key);
        return tag;
      }
    }
    return this.currentTag;
  }

  private onMessage(child: NodeProcess, envelope: Envelope, bytes: number, line: string): void {
    // A restarted node's old process, a crashed or silent node: nothing it writes gets out.
    if (child !== this.process || this.crashed || this.silent) return;
    if (envelope.src !== this.id) return this.rejectOutput('wrong-source', `wrote a message with src ${JSON.stringify(envelope.src)}, not its node id`);
    const tag = this.tagOf(envelope);
    if (envelope.dest === HARNESS_ID) {
      this.options.context.ports.exec(this.id, harnessTask, this, envelope.body);
      return;
    }
    if (!this.options.known.has(envelope.dest)) {
      return this.rejectOutput('unknown-destination', `sent a message to ${JSON.stringify(envelope.dest)}, which is no node of the run (Maelstrom's services such as lin-kv are not provided)`);
    }
    const frame = new ExternalFrame(envelope.body, line, bytes, tag);
    countMessage(this.sent, bytes);
    if (tag > 0) {
      if (this.options.role === 'server') this.options.ledger.reply(tag, bytes);
      else this.options.ledger.request(tag, bytes);
    }
    this.options.context.ports.exec(this.id, sendTask, this, envelope.dest, frame);
  }

  private rejectOutput(reason: string, what: string): void {
    this.options.context.reject(reason);
    if (this.warned.has(reason)) return;
    this.warned.add(reason);
    process.stderr.write(`quorumbench: external node ${this.id} ${what} (dropped; counted as rejected: ${reason})\n`);
  }

  private onExited(child: NodeProcess): void {
    const exit = child.unexpectedExit();
    if (exit === undefined || child !== this.process || this.crashed || !this.started || stoppingOnSignal()) return;
    this.crashed = true;
    const reason = `${exit.how} on its own`;
    process.stderr.write(`quorumbench: external node ${this.id} ${reason}; it counts as crashed from now on; its stderr ends: ${exit.stderr || '(empty)'}\n`);
    this.options.onExit(this.id, reason);
  }

  /** Task: a message the node wrote leaves it (after the CPU of the task that produced it). */
  sendNow(dest: NodeId, frame: ExternalFrame): void {
    if (!this.crashed) this.options.context.ports.send(this.id, dest, frame);
  }

  /** Task: a message the node addressed to the harness. */
  toHarness(body: Body): void {
    if (!this.crashed) this.onHarnessMessage?.(body);
  }
}

// Task functions (engine.exec passes up to three arguments; no closure per message).
function deliverTask(host: ExternalNodeHost, from: NodeId, frame: Frame): void {
  host.deliver(from, frame);
}

function sendTask(host: ExternalNodeHost, dest: NodeId, frame: ExternalFrame): void {
  host.sendNow(dest, frame);
}

function harnessTask(host: ExternalNodeHost, body: Body): void {
  host.toHarness(body);
}
