/**
 * @module When a run stops issuing operations. `operations` counts measured operations: those after
 * the warm-up, which is the first `warmupOps` operations and every operation started before
 * `warmupMs`, whichever lasts longer. Start times never decrease in issue order (a closed-loop
 * client starts at the current time, an open-loop arrival at its arrival time), so the operations
 * left out of the statistics are the first max(warmupOps, started before warmupMs) of them, and a
 * run issues `operations` more. Issuing also stops at `warmupMs + durationMs`.
 */
import type { ResolvedWorkload } from '../config/resolve.ts';
import { NS_PER_MS } from '../units.ts';

export class IssueBudget {
  private issued = 0;
  private startedBeforeWarmupMs = 0;
  private readonly warmupNs: number;

  constructor(private readonly workload: ResolvedWorkload) {
    this.warmupNs = workload.warmupMs * NS_PER_MS;
  }

  /** Counts one operation issued (started, or arrived) at `nowNs`; returns its index in issue order. */
  take(nowNs: number): number {
    if (nowNs < this.warmupNs) this.startedBeforeWarmupMs++;
    return this.issued++;
  }

  /** Whether nothing more is to be issued at `nowNs`. */
  spent(nowNs: number): boolean {
    if (nowNs >= this.workload.issueUntilNs) return true;
    const { operations, warmupOps } = this.workload;
    return operations !== undefined && this.issued >= operations + Math.max(warmupOps, this.startedBeforeWarmupMs);
  }
}
