/**
 * @module The one transport abstraction that the runner uses for every engine.
 *
 * The simulated transport (`harness/sim/`) delivers frames on a virtual clock through the network
 * model; the TCP transport (`harness/real/`) sends them between processes and emulates the same
 * network model by holding each frame until its delivery time. Both pass one compliance suite
 * (`test/transport-compliance.test.ts`).
 */
import type { NodeId, ProtocolMessage } from '../../protocols/types.ts';

/** A protocol message addressed to one register instance (`key`). */
export interface Frame {
  readonly key: string;
  readonly msg: ProtocolMessage;
  /**
   * The operation this message works for, as an attribution tag (harness/host/attribution.ts): it
   * travels with the frame in both engines, so that both count every message for the same operation.
   * Not part of the wire bytes that the metrics count.
   */
  readonly tag: number;
}

export type Receiver = (from: NodeId, frame: Frame) => void;

/** Messages and wire bytes sent, as counted by the transport (wire bytes = `wireSize(frame)`). */
export interface TrafficCounters {
  messages: number;
  bytes: number;
}

export interface Transport {
  /** Deliver frames addressed to `node` (a node local to this process) to `receive`. */
  attach(node: NodeId, receive: Receiver): void;
  /** Send a frame; the transport applies the network model (latency, bandwidth, FIFO per link). */
  send(from: NodeId, to: NodeId, frame: Frame): void;
  /** Totals so far, and per directed link `${from}->${to}`. */
  traffic(): { readonly total: TrafficCounters; readonly perLink: ReadonlyMap<string, TrafficCounters> };
  close(): Promise<void>;
}

/** Time as the runner sees it: virtual in the simulator, wall-clock in the real engine. */
export interface Clock {
  /** Nanoseconds since the start of the run. */
  nowNs(): number;
  /** Run `fn` at `atNs` (or now, if `atNs` is in the past). */
  schedule(atNs: number, fn: () => void): void;
}
