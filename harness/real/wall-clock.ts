/**
 * @module The real engine's {@link Clock}: wall-clock nanoseconds and a timer queue precise to well
 * under a millisecond.
 *
 * `setTimeout` alone fires up to about a millisecond late (libuv keeps time in whole milliseconds),
 * which would add up to 4 ms to a 2-round operation over 10 ms links and break the "within 5 % + 1 ms
 * of 40 ms" requirement of the issue. So the queue sleeps with `setTimeout` until about a millisecond
 * before the earliest deadline and then polls with `setImmediate` (which lets I/O run in between)
 * until the deadline has passed. Events with equal deadlines run in the order they were scheduled,
 * which keeps held messages FIFO per link.
 */
import type { Clock } from '../transport/types.ts';
import { NS_PER_MS } from '../units.ts';

interface TimerEvent {
  readonly atNs: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Default: sleep with setTimeout while the deadline is further away than this; poll after. */
export const DEFAULT_SPIN_WINDOW_MS = 1.2;

function before(a: TimerEvent, b: TimerEvent): boolean {
  return a.atNs < b.atNs || (a.atNs === b.atNs && a.seq < b.seq);
}

/**
 * What due times sent between processes are measured on. `monotonic`: CLOCK_MONOTONIC
 * (`process.hrtime`), one clock for every process of a host, immune to system-clock adjustments:
 * exact on one machine, meaningless across machines. `realtime`: the system clock (Unix epoch), for
 * processes on several hosts whose clocks NTP or PTP keeps in step.
 */
export type SharedTimebase = 'monotonic' | 'realtime';

/**
 * The system clock minus CLOCK_MONOTONIC, in µs, measured now. `Date.now()` has millisecond
 * resolution, so we wait (about 1 ms) for it to tick and read the monotonic clock at the tick.
 * (`performance.timeOrigin` would be simpler, but it is the system clock at process start: NTP
 * slewing since then, up to 500 µs per second, would put processes started minutes apart
 * milliseconds out of step.)
 */
export function realtimeMinusMonotonicUs(): number {
  // Each sample brackets the tick: a monotonic reading taken before the last `Date.now()` that still
  // showed the old millisecond, and one right after the call that showed the new one. A sample whose
  // bracket is wide (the process was preempted around the tick: on a loaded machine, often for
  // milliseconds) is dropped; the median of five narrow ones is kept (at most 50 ticks are tried).
  const samples: number[] = [];
  const wide: number[] = [];
  for (let tick = 0; tick < 50 && samples.length < 5; tick++) {
    let before = process.hrtime.bigint();
    const first = Date.now();
    let now = first;
    let beforeOld = before;
    while (now === first) {
      beforeOld = before;
      before = process.hrtime.bigint();
      now = Date.now();
    }
    const after = process.hrtime.bigint();
    const sample = now * 1000 - Number((beforeOld + after) / 2000n);
    (after - beforeOld < MAX_TICK_BRACKET_NS ? samples : wide).push(sample);
  }
  const kept = samples.length > 0 ? samples : wide;
  kept.sort((x, y) => x - y);
  return kept[Math.floor(kept.length / 2)]!;
}

/** The widest bracket around a tick of `Date.now()` that {@link realtimeMinusMonotonicUs} trusts, ns. */
const MAX_TICK_BRACKET_NS = 50_000n;

export class WallClock implements Clock {
  private readonly startNs: bigint;
  private readonly heap: TimerEvent[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private stopped = false;

  private readonly spinWindowNs: number;

  /**
   * `spinWindowMs`: how close to a deadline the queue stops sleeping and polls (busy, but yielding to
   * I/O on every turn); 0 = never poll, timers only (no busy-waiting, events up to ~1 ms late).
   * `sharedTimebase`: the clock that due times exchanged between processes refer to (see
   * {@link SharedTimebase}). `startNs`: a `process.hrtime.bigint()` reading that is time zero.
   */
  constructor(spinWindowMs: number = DEFAULT_SPIN_WINDOW_MS, sharedTimebase: SharedTimebase = 'monotonic', startNs?: bigint) {
    this.spinWindowNs = spinWindowMs * NS_PER_MS;
    this.startNs = startNs ?? process.hrtime.bigint();
    const startMonotonicUs = Number(this.startNs / 1000n);
    this.startSubUsNs = Number(this.startNs % 1000n);
    this.startSharedUs = sharedTimebase === 'monotonic' ? startMonotonicUs : startMonotonicUs + realtimeMinusMonotonicUs();
  }

  /** Time zero in the shared timebase, integer microseconds (rounded down; see `startSubUsNs`). */
  readonly startSharedUs: number;
  /** The nanoseconds of time zero below `startSharedUs`'s microsecond (0..999). */
  private readonly startSubUsNs: number;

  /** Time zero as a `process.hrtime.bigint()` reading (CLOCK_MONOTONIC ns): another process given it reads the same `nowNs()`. */
  get startHrtimeNs(): bigint {
    return this.startNs;
  }

  /**
   * Local time `atNs` in the shared timebase, integer microseconds (exact in a double), rounded UP:
   * a due time must never move earlier, or an emulated hop could take less than its latency
   * (rounding to the nearest microsecond delivered messages up to 1 µs before their due time).
   */
  toSharedUs(atNs: number): number {
    return this.startSharedUs + Math.ceil((this.startSubUsNs + atNs) / 1000);
  }

  /** A time in the shared timebase (from another process's {@link toSharedUs}) as local time in ns (exact). */
  fromSharedUs(sharedUs: number): number {
    return (sharedUs - this.startSharedUs) * 1000 - this.startSubUsNs;
  }

  nowNs(): number {
    return Number(process.hrtime.bigint() - this.startNs);
  }

  schedule(atNs: number, fn: () => void): void {
    if (this.stopped) return;
    this.push({ atNs, seq: this.seq++, fn });
    if (this.heap[0]!.seq === this.seq - 1) this.arm();
  }

  /** Events still waiting. */
  get pending(): number {
    return this.heap.length;
  }

  /** Drop every pending event and disarm the timers (the run is over). */
  stop(): void {
    this.stopped = true;
    this.heap.length = 0;
    this.disarm();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private arm(): void {
    this.disarm();
    const head = this.heap[0];
    if (head === undefined) return;
    const waitNs = head.atNs - this.nowNs();
    if (waitNs > this.spinWindowNs) {
      // Without a spin window, round up: libuv may fire a timer early by up to the age of its
      // cached loop time, and the re-check in fire() then sleeps again for the rest.
      const sleepMs = this.spinWindowNs > 0 ? Math.floor((waitNs - this.spinWindowNs) / NS_PER_MS) + 1 : Math.max(1, Math.ceil(waitNs / NS_PER_MS));
      // setTimeout takes at most 2^31 - 1 ms (else it fires at once); fire() re-arms for the rest.
      this.timer = setTimeout(() => this.fire(), Math.min(sleepMs, 2 ** 31 - 1));
    } else {
      this.immediate = setImmediate(() => this.fire());
    }
  }

  private fire(): void {
    this.timer = undefined;
    this.immediate = undefined;
    // Run everything due now; events scheduled by these callbacks for "now" also run in this pass.
    for (let guard = 0; guard < 100_000; guard++) {
      const head = this.heap[0];
      if (head === undefined || head.atNs > this.nowNs()) break;
      this.pop();
      head.fn();
      if (this.stopped) return;
    }
    this.arm();
  }

  private push(event: TimerEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}
