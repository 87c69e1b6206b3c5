/**
 * @module What the hosts of one process share: the run, its protocol setup, crypto and codec, how to
 * reach the engine (attach, exec, send), each node's meter and randomness, and the rejection counter.
 */
import type { CryptoProvider } from '../../protocols/common/crypto/types.ts';
import type { ErasureCodec } from '../../protocols/common/erasure/types.ts';
import type { NodeEnv, NodeId, ProtocolMessage, RandomSource } from '../../protocols/types.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import { createNodeEnv } from '../env/index.ts';
import type { Frame, Receiver } from '../transport/types.ts';
import type { NodeMeter } from './meter.ts';
import type { MessageTracer } from './tracer.ts';

/** How a host reaches its engine. */
export interface HostPorts {
  /** Delivers frames for `node` to `receive` (the simulator gates them through the fault schedule). */
  attach(node: NodeId, receive: Receiver): void;
  /** Runs `task` as CPU work of `node` (the simulator queues it behind the node's earlier work). */
  exec<A, B, C>(node: NodeId, task: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C): void;
  send(from: NodeId, to: NodeId, frame: Frame): void;
  /** Now on the run's clock, ns. */
  nowNs(): number;
  /**
   * The simulator only (absent in the real engine): runs `step` before the next event, the virtual
   * clock standing still until it settles. An external node's delivery is such a step: the message,
   * then the node's output until it is quiet (harness/host/external-host.ts).
   */
  lockstep?(step: () => Promise<void>): void;
}

export interface HostContext {
  readonly run: ResolvedRun;
  /** The protocol's shared setup (key material) of the run. */
  readonly setup: unknown;
  readonly crypto: CryptoProvider;
  readonly codec: ErasureCodec;
  readonly ports: HostPorts;
  readonly senders: SenderCheck;
  randomOf(node: NodeId): RandomSource;
  meterOf(node: NodeId): NodeMeter;
  /** Whether receiving a message costs CPU in the cost profile (skips sizing frames when not). */
  readonly messageCost: boolean;
  /**
   * Whether every frame carries a MAC (`real.channels` hmac or tls): the hosts then charge `hmac`
   * over each frame's wire bytes when it is sent and when it is received, so that the simulator
   * prices the per-frame authentication that the real engine performs.
   */
  readonly frameMac: boolean;
  reject(reason: string): void;
  /** Where the hosts report every message and operation when the run is traced; null otherwise. */
  readonly tracer: MessageTracer | null;
}

/** The env a protocol machine of `node` gets: metered crypto and codec, its randomness, the reject counter. */
export function nodeEnvOf(context: HostContext, node: NodeId, initiating?: (to: NodeId) => void): NodeEnv {
  return createNodeEnv({
    id: node,
    crypto: context.crypto,
    codec: context.codec,
    random: context.randomOf(node),
    charge: context.meterOf(node).charge,
    reject: (reason) => context.reject(reason),
    ...(initiating === undefined ? {} : { initiating }),
  });
}

/**
 * Messages from senders that may be faulty (Byzantine servers, hostile clients) are validated with
 * the protocol's `parseMessage` before a machine sees them; in-process honest senders hand over
 * their own, well-formed objects. Where a transport already validates every frame (TCP), nothing is.
 */
export class SenderCheck {
  private readonly faulty: Set<NodeId>;

  constructor(
    private readonly parse: ((value: unknown) => ProtocolMessage | undefined) | undefined,
    faulty: Iterable<NodeId> = [],
  ) {
    this.faulty = new Set(faulty);
  }

  /** `node` turned faulty during the run (a scheduled strategy switch). */
  markFaulty(node: NodeId): void {
    this.faulty.add(node);
  }

  /** The message of `frame`, or undefined when it is malformed (counted as `malformed-message`). */
  messageOf(from: NodeId, frame: Frame, reject: (reason: string) => void): ProtocolMessage | undefined {
    if (this.parse === undefined || this.faulty.size === 0 || !this.faulty.has(from)) return frame.msg;
    const parsed = this.parse(frame.msg);
    if (parsed === undefined) reject('malformed-message');
    return parsed;
  }
}

/**
 * A frame as the hosts send it. `cpuNs` (simulator only: the receiver gets this very object) is the
 * CPU that produced a server-initiated message, by primitive; it never goes on the wire.
 */
export class HostFrame implements Frame {
  constructor(
    readonly key: string,
    readonly msg: ProtocolMessage,
    readonly tag: number,
    readonly cpuNs: Float64Array | null = null,
  ) {}
}

export function cpuOf(frame: Frame): Float64Array | null {
  return (frame as Partial<HostFrame>).cpuNs ?? null;
}
