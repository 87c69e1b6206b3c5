/**
 * @module The simulated transport: frames travel through the network model on the virtual clock.
 *
 * Per message on link from → to, leaving the sender at `departNs` (when its CPU finished the work
 * that produced it):
 *   1. the sender's NIC uplink (if limited) serializes it after the sender's earlier messages;
 *   2. the link's bandwidth (if limited) serializes it after the link's earlier messages;
 *   3. it then travels for a sampled one-way latency (+ the sender's extra `slow` delay);
 *   4. FIFO per link: it never arrives before an earlier message of the same link;
 *   5. the receiver's NIC downlink (if limited) serializes it among all arrivals at that node, in
 *      order of arrival (an extra event at the arrival time, only when a downlink limit is set).
 */
import type { NodeId } from '../../protocols/types.ts';
import type { Frame, Receiver, TrafficCounters, Transport } from '../transport/types.ts';
import { NetworkModel, transmissionNs } from '../network/model.ts';
import type { Rng } from '../rng.ts';
import type { Simulator } from './simulator.ts';
import { frameWireSize } from './frame-size.ts';

export class SimTransport implements Transport {
  private readonly indexOf = new Map<NodeId, number>();
  private readonly receivers: (Receiver | undefined)[];
  private readonly count: number;
  /** Per directed link (from * count + to). */
  private readonly linkFreeNs: Float64Array;
  private readonly linkLastArrivalNs: Float64Array;
  private readonly linkMessages: Float64Array;
  private readonly linkBytes: Float64Array;
  /** Per node. */
  private readonly uplinkFreeNs: Float64Array;
  private readonly downlinkFreeNs: Float64Array;
  private readonly extraDelayNs: Float64Array;
  private readonly total: TrafficCounters = { messages: 0, bytes: 0 };
  private readonly bandwidthMBps: number;
  private readonly uplinkMBps: number;
  private readonly downlinkMBps: number;
  private readonly model: NetworkModel;

  /** Set by the engine while a node's CPU task runs: its sends wait for the task's end. */
  heldSender = -1;
  private readonly heldTo: number[] = [];
  private readonly heldFrames: (Frame | undefined)[] = [];
  /** Entries in use; the arrays are reused (setting `length` is slow on this hot path). */
  private heldCount = 0;

  constructor(
    private readonly sim: Simulator,
    readonly nodes: readonly NodeId[],
    model: NetworkModel,
    private readonly rng: Rng,
  ) {
    this.model = model;
    this.count = nodes.length;
    nodes.forEach((node, index) => {
      if (this.indexOf.has(node)) throw new Error(`sim transport: duplicate node id ${node}`);
      this.indexOf.set(node, index);
    });
    const links = this.count * this.count;
    this.receivers = new Array<Receiver | undefined>(this.count).fill(undefined);
    this.linkFreeNs = new Float64Array(links);
    this.linkLastArrivalNs = new Float64Array(links);
    this.linkMessages = new Float64Array(links);
    this.linkBytes = new Float64Array(links);
    this.uplinkFreeNs = new Float64Array(this.count);
    this.downlinkFreeNs = new Float64Array(this.count);
    this.extraDelayNs = new Float64Array(this.count);
    this.bandwidthMBps = model.spec.bandwidthMBps;
    this.uplinkMBps = model.spec.nicUplinkMBps;
    this.downlinkMBps = model.spec.nicDownlinkMBps;
  }

  private lastNode: NodeId | undefined = undefined;
  private lastIndex = -1;

  index(node: NodeId): number {
    // Consecutive lookups of one node are common (a broadcast, a task's sends): a one-entry cache.
    if (node === this.lastNode) return this.lastIndex;
    const index = this.indexOf.get(node);
    if (index === undefined) throw new Error(`sim transport: unknown node ${node}`);
    this.lastNode = node;
    this.lastIndex = index;
    return index;
  }

  attach(node: NodeId, receive: Receiver): void {
    this.receivers[this.index(node)] = receive;
  }

  /** Extra one-way delay on every message `node` sends (the `slow` fault). */
  setExtraDelayNs(node: NodeId, delayNs: number): void {
    this.extraDelayNs[this.index(node)] = Math.round(delayNs);
  }

  send(from: NodeId, to: NodeId, frame: Frame): void {
    const fromIndex = this.index(from);
    const toIndex = this.index(to);
    if (fromIndex === this.heldSender) {
      this.heldTo[this.heldCount] = toIndex;
      this.heldFrames[this.heldCount] = frame;
      this.heldCount++;
      return;
    }
    this.transmit(fromIndex, toIndex, frame, this.sim.nowNs());
  }

  /** Sends the frames held during a CPU task of `from`, all leaving at `departNs`. */
  releaseHeld(from: number, departNs: number): void {
    const count = this.heldCount;
    if (count === 0) return;
    this.heldCount = 0;
    for (let i = 0; i < count; i++) {
      const frame = this.heldFrames[i]!;
      this.heldFrames[i] = undefined;
      this.transmit(from, this.heldTo[i]!, frame, departNs);
    }
  }

  private transmit(from: number, to: number, frame: Frame, departNs: number): void {
    const size = frameWireSize(frame);
    const link = from * this.count + to;
    this.total.messages++;
    this.total.bytes += size;
    this.linkMessages[link]!++;
    this.linkBytes[link]! += size;

    let sentNs = departNs;
    if (this.uplinkMBps > 0) {
      sentNs = Math.max(sentNs, this.uplinkFreeNs[from]!) + transmissionNs(size, this.uplinkMBps);
      this.uplinkFreeNs[from] = sentNs;
    }
    if (this.bandwidthMBps > 0) {
      sentNs = Math.max(sentNs, this.linkFreeNs[link]!) + transmissionNs(size, this.bandwidthMBps);
      this.linkFreeNs[link] = sentNs;
    }
    let arrivalNs = sentNs + this.model.latencyNs(from, to, this.rng) + this.extraDelayNs[from]!;
    const lastArrival = this.linkLastArrivalNs[link]!;
    if (arrivalNs < lastArrival) arrivalNs = lastArrival;
    this.linkLastArrivalNs[link] = arrivalNs;

    if (this.downlinkMBps > 0) {
      this.sim.scheduleCall(arrivalNs, this.downlinkEvent, to, from, frame);
    } else {
      this.sim.scheduleCall(arrivalNs, this.deliverEvent, to, from, frame);
    }
  }

  /** Arrival at a node with a limited downlink: received once the downlink has carried it. */
  private readonly downlinkEvent = (to: number, from: number, frame: Frame): void => {
    const doneNs = Math.max(this.sim.nowNs(), this.downlinkFreeNs[to]!) + transmissionNs(frameWireSize(frame), this.downlinkMBps);
    this.downlinkFreeNs[to] = doneNs;
    this.sim.scheduleCall(doneNs, this.deliverEvent, to, from, frame);
  };

  private readonly deliverEvent = (to: number, from: number, frame: Frame): void => {
    const receive = this.receivers[to];
    // A node nobody attached (e.g. a client of another process) drops the frame.
    if (receive !== undefined) receive(this.nodes[from]!, frame);
  };

  traffic(): { readonly total: TrafficCounters; readonly perLink: ReadonlyMap<string, TrafficCounters> } {
    const perLink = new Map<string, TrafficCounters>();
    for (let from = 0; from < this.count; from++) {
      for (let to = 0; to < this.count; to++) {
        const link = from * this.count + to;
        const messages = this.linkMessages[link]!;
        if (messages > 0) perLink.set(`${this.nodes[from]}->${this.nodes[to]}`, { messages, bytes: this.linkBytes[link]! });
      }
    }
    return { total: { ...this.total }, perLink };
  }

  async close(): Promise<void> {}
}
