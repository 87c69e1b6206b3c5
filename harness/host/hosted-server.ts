/**
 * @module What the runner needs of a server node hosted in its process, whatever runs it: a
 * protocol machine (server-host.ts) or an external node's process (external-host.ts). Faults act on
 * it and the run's report reads it.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { Traffic } from './traffic.ts';

export interface HostedServer {
  readonly id: NodeId;
  readonly crashed: boolean;
  /** Frames handled so far, and the count at which the server crashes (`afterMessages`). */
  crashAfterMessages: number;
  /** Called when the server crashes. */
  onCrash: (() => void) | undefined;
  /** The Byzantine strategy it runs now, or 'honest'. */
  readonly behaviour: string;
  /** Every message it sent, and those sent on its own initiative with the CPU that produced them. */
  readonly sent: Traffic;
  readonly initiated: Traffic;
  readonly initiatedCpuNs: number;
  crash(): void;
  /** Forget all state ("revert memory"). */
  revert(): void;
  switchStrategy(name: string, options: Readonly<Record<string, unknown>>): void;
  storedBytes(): number;
}
