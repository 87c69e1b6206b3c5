/**
 * @module A server process's own count of the replies it sent per operation, reported in its stats
 * line when it stops (the runner adds them to the operations). Bounded: a peer could send frames
 * with made-up tags, so at most {@link MAX_TALLIED_OPERATIONS} operations are kept, and replies for
 * others are counted apart (and only in the totals).
 */
import type { ReplyCounts } from './server-report.ts';
import type { ReplyLedger } from './server-host.ts';

export const MAX_TALLIED_OPERATIONS = 4_000_000;

export class ReplyTally implements ReplyLedger {
  private readonly perOp = new Map<number, [number, number]>();
  /** Replies for operations beyond the bound. */
  untallied = 0;

  reply(tag: number, bytes: number): void {
    const entry = this.perOp.get(tag);
    if (entry !== undefined) {
      entry[0]++;
      entry[1] += bytes;
    } else if (this.perOp.size < MAX_TALLIED_OPERATIONS) {
      this.perOp.set(tag, [1, bytes]);
    } else {
      this.untallied++;
    }
  }

  /** `[operation index, messages, bytes]`, by operation index. */
  counts(): ReplyCounts {
    return [...this.perOp].map(([tag, [messages, bytes]]) => [tag - 1, messages, bytes] as const).sort((a, b) => a[0] - b[0]);
  }
}
