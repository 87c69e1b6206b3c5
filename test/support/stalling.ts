/**
 * @module The adversary's delay, for driver-based tests: keep a list of holds for as long as they
 * block nothing that an operation needs, and give them up one at a time, in the order listed, only
 * when the operation cannot complete otherwise. A correct protocol then completes with the fewest
 * messages the rules allow; a protocol whose quorum is one too small completes earlier, while more
 * servers are still behind. (An asynchronous network may delay any message this long.)
 */
import type { Driver, Envelope, OpHandle } from '../powerstore-driver.ts';

export type Hold = (envelope: Envelope) => boolean;

/** Runs `d` until `handle` is done, releasing `stalled` holds in order as needed; `kept` holds stay on. */
export function completeStalling(d: Driver, handle: OpHandle, stalled: readonly Hold[], kept: readonly Hold[] = []): void {
  const remaining = [...stalled];
  for (;;) {
    d.hold = (e) => kept.some((hold) => hold(e)) || remaining.some((hold) => hold(e));
    if (d.run(() => handle.done)) return;
    if (remaining.length === 0) throw new Error(`${handle.client}'s operation cannot complete with the kept holds`);
    remaining.shift();
  }
}

/** `type` messages (optionally from `from`, to one of `to`). */
export function messages(type: string, from?: string, ...to: string[]): Hold {
  return (e) => e.msg.type === type && (from === undefined || e.from === from) && (to.length === 0 || to.includes(e.to));
}
