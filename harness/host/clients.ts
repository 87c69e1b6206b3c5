/**
 * @module The one way the runner runs a client: it hands an operation to a {@link Clients}
 * implementation and is told when it ended. The client host (client-host.ts) implements it for the
 * clients of its own process; the real engine forwards it to client processes that run the same host.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { OpKind } from '../results/schema.ts';
import type { Traffic } from './traffic.ts';

/** One operation, as the runner generated it. */
export interface OpRequest {
  /** The operation's issue index (the history's order); its attribution tag is `index + 1`. */
  readonly index: number;
  readonly kind: OpKind;
  readonly key: string;
  /** The written value's tag (the value is `makeValue(tag, valueBytes)`), null for reads. */
  readonly value: string | null;
  readonly valueBytes: number;
  /**
   * A mid-operation crash of the client (a `crash` fault with `duringOp`): once round `afterRound`
   * completed, send the next round to the first `sendTo` servers only and stop.
   */
  readonly crash?: { readonly afterRound: number; readonly sendTo: number };
}

/** How an operation ended, with its times on the runner's clock (ns since the run started). */
export interface OpResult {
  readonly index: number;
  /**
   * 'ok': it returned; 'crashed': the client crashed during it (the operation stays pending);
   * 'failed': it returned an error that rules out any effect (external nodes' definite errors);
   * 'indefinite': it ended without telling (a timeout or an indefinite error of an external node):
   * it stays pending, and the client goes on with its next operation.
   */
  readonly status: 'ok' | 'crashed' | 'failed' | 'indefinite';
  /** When the client invoked it, and when it returned (or crashed). */
  readonly callNs: number;
  readonly returnNs: number;
  readonly rounds: number;
  readonly retries: number;
  /** Reads: the tag of the value read (`valueTag`), null = the initial value. */
  readonly value: string | null;
  /** The client's own messages for this operation. */
  readonly sent: Traffic;
  /** Server-initiated messages that reached this operation while it ran (attribution.ts). */
  readonly initiated: Traffic;
  /** The CPU that produced those messages, ns by primitive (simulator only; empty otherwise). */
  readonly initiatedCpuNs: readonly number[];
}

export interface Clients {
  /** Whether `client` is run by this implementation. */
  has(client: NodeId): boolean;
  /**
   * Starts one operation (one at a time per client); `done` runs exactly once when it ends, unless
   * the client's process dies. A local client host calls it synchronously, inside the client's task.
   */
  invoke(client: NodeId, request: OpRequest, done: (result: OpResult) => void): void;
  /** The client crashed (a fault): its operation in progress, if any, ends as 'crashed'. */
  crash(client: NodeId): void;
}
