/**
 * @module The simulated engine: virtual clock, simulated transport, and a CPU model per node.
 *
 * CPU model: a node runs one task at a time (handling one message, starting one operation). A task
 * starts when it was submitted or when the node's previous task ended, whichever is later; the costs
 * charged while it runs (cost profile: per message, per primitive) make it last that long; frames it
 * sends leave when it ends; the next task waits. Costs are integers (ns) so runs replay exactly.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { Engine, EngineContext, EngineRunOutcome } from '../transport/engine.ts';
import { NetworkModel } from '../network/model.ts';
import { stream } from '../rng.ts';
import { Simulator } from './simulator.ts';
import { SimTransport } from './transport.ts';

interface QueuedTask {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly task: (a: any, b: any, c: any) => void;
  readonly a: unknown;
  readonly b: unknown;
  readonly c: unknown;
}

export class SimEngine implements Engine {
  readonly kind = 'sim' as const;
  readonly hostsServers = true;
  readonly chargesCpu = true;
  readonly clock: Simulator;
  readonly transport: SimTransport;
  private readonly busyUntilNs: Float64Array;
  private readonly queues: QueuedTask[][];
  private readonly drainScheduled: boolean[];
  private running = -1;
  private runningChargedNs = 0;
  /** Wall-clock interval at which `run` lets the host event loop breathe (progress bars); 0 = never. */
  yieldEveryMs = 100;

  constructor(context: EngineContext) {
    this.clock = new Simulator();
    const model = new NetworkModel(context.network, context.nodes);
    this.transport = new SimTransport(this.clock, context.nodes, model, stream(context.seed, 'network'));
    const count = context.nodes.length;
    this.busyUntilNs = new Float64Array(count);
    this.queues = Array.from({ length: count }, () => []);
    this.drainScheduled = new Array<boolean>(count).fill(false);
  }

  nowNs(): number {
    return this.running >= 0 ? this.clock.nowNs() + this.runningChargedNs : this.clock.nowNs();
  }

  exec<A, B, C>(node: NodeId, task: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C): void {
    const index = this.transport.index(node);
    const queue = this.queues[index]!;
    if (this.running === -1 && queue.length === 0 && this.clock.nowNs() >= this.busyUntilNs[index]!) {
      this.runTask(index, task as QueuedTask['task'], a, b, c);
      return;
    }
    queue.push({ task: task as QueuedTask['task'], a, b, c });
    if (!this.drainScheduled[index] && this.running !== index) this.scheduleDrain(index);
  }

  private scheduleDrain(index: number): void {
    this.drainScheduled[index] = true;
    this.clock.schedule(this.busyUntilNs[index]!, () => this.drain(index));
  }

  private drain(index: number): void {
    this.drainScheduled[index] = false;
    if (this.clock.nowNs() < this.busyUntilNs[index]!) {
      this.scheduleDrain(index);
      return;
    }
    const queued = this.queues[index]!.shift();
    if (queued !== undefined) this.runTask(index, queued.task, queued.a, queued.b, queued.c);
  }

  private runTask(index: number, task: QueuedTask['task'], a: unknown, b: unknown, c: unknown): void {
    const startNs = this.clock.nowNs();
    this.running = index;
    this.runningChargedNs = 0;
    this.transport.heldSender = index;
    try {
      task(a, b, c);
    } finally {
      const endNs = startNs + this.runningChargedNs;
      this.busyUntilNs[index] = endNs;
      this.transport.heldSender = -1;
      this.running = -1;
      this.runningChargedNs = 0;
      this.transport.releaseHeld(index, endNs);
    }
    if (this.queues[index]!.length > 0 && !this.drainScheduled[index]) this.scheduleDrain(index);
  }

  charge(node: NodeId, ns: number): void {
    if (this.running >= 0 && this.transport.nodes[this.running] === node) this.runningChargedNs += ns;
  }

  setSendDelayNs(node: NodeId, delayNs: number): void {
    this.transport.setExtraDelayNs(node, delayNs);
  }

  crash(_node: NodeId): void {
    // Every node of a simulated run is hosted in this process; its host drops a crashed node's frames.
  }

  lockstep(step: () => Promise<void>): void {
    this.clock.lockstep(step);
  }

  run(maxNs: number): Promise<EngineRunOutcome> {
    return this.clock.run(maxNs, this.yieldEveryMs);
  }

  stop(): void {
    this.clock.stop();
  }

  async close(): Promise<void> {}
}

export function createSimEngine(context: EngineContext): SimEngine {
  return new SimEngine(context);
}
