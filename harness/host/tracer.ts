/**
 * @module The message tracer hook: what the hosts (and the fault schedule's gate) tell a trace about
 * every message and operation. A run without `trace` has none (`HostContext.tracer` is null), so the
 * hosts pay one null check per message; the recorder behind it is harness/trace/recorder.ts.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { Frame } from '../transport/types.ts';
import type { OpRequest, OpResult } from './clients.ts';

/** How the sender of a message deviates from the protocol, when it does. */
export interface SenderMark {
  /** The Byzantine strategy (`forge`, `stale`, ...), `reverted`, or `hostile:<behaviour>`. */
  readonly faulty: string;
  /**
   * The message is not one the node's own protocol machine produced for that input: the strategy
   * made it up or changed it (a hostile client's messages are all made up).
   */
  readonly lie: boolean;
}

export interface MessageTracer {
  /** `from` sent `frame` to `to`; `bytes` is its wire size (`frameWireSize`, as the metrics count). */
  send(from: NodeId, to: NodeId, frame: Frame, bytes: number, sender: SenderMark | null): void;
  /** The host of `to` handles `frame` now. */
  deliver(from: NodeId, to: NodeId, frame: Frame): void;
  /** `frame` reached `to`, which has crashed: nobody handles it. */
  drop(from: NodeId, to: NodeId, frame: Frame): void;
  /** The fault schedule holds `frame` where it arrived (harness/faults/schedule.ts `gate`). */
  hold(from: NodeId, to: NodeId, frame: Frame): void;
  /** The fault schedule hands a held `frame` on to its receiver. */
  release(from: NodeId, to: NodeId, frame: Frame): void;
  /** `client` invoked operation `request.index`. */
  call(client: NodeId, request: OpRequest): void;
  /** `client`'s operation ended: returned ('ok') or the client crashed during it. */
  ended(client: NodeId, result: Pick<OpResult, 'index' | 'status' | 'value'>): void;
  /** A fault took effect on `node` (schedule actions other than crashes; crashes come from the fault log). */
  fault(node: NodeId, action: string, cause: string): void;
}
