/**
 * @module What servers report about a run: what they store, reject and send. In-process servers are
 * read directly; server processes print it as their stats line (harness/real/child-lines.ts).
 */
import type { HostReport } from '../results/schema.ts';
import type { Traffic } from './traffic.ts';

/** One server fault that a host applied itself, on the run's clock. */
export interface AppliedFault {
  readonly atMs: number;
  readonly node: string;
  /** `crash`, `byzantine`, `revert`, `slow`, ... */
  readonly action: string;
  /** What triggered it, e.g. `afterMessages: 40`, `schedule[3]`, `atMs: 20`. */
  readonly cause: string;
}

/** Replies of one server (or several) per operation: `[operation index, messages, bytes]`. */
export type ReplyCounts = readonly (readonly [number, number, number])[];

export interface ServerReport {
  /** Bytes held per server at the end (index i ↔ s(i+1)); a crashed server process reports 0. */
  readonly storageBytesPerServer: readonly number[];
  readonly rejected: Readonly<Record<string, number>>;
  /** Every message the servers sent. */
  readonly sent: Readonly<Traffic>;
  /** Of those, the ones they sent on their own initiative, and the CPU that produced them (ns). */
  readonly initiated: Readonly<Traffic>;
  readonly initiatedCpuNs: number;
  /** Replies per operation (servers hosted elsewhere count them where they send them). */
  readonly replies: ReplyCounts;
  readonly faults: readonly AppliedFault[];
  /** The hosts the servers ran on, when the real engine started them over SSH. */
  readonly hosts?: readonly HostReport[];
}
