/**
 * @module The discrete-event simulator: a virtual clock in integer nanoseconds and an event queue.
 * Nothing here reads the wall clock except `run`'s optional yielding to the host event loop (so a
 * progress bar can redraw), which never changes the order or time of any simulated event, and the
 * lockstep steps of external nodes, which the loop awaits between two events.
 */
import type { Clock } from '../transport/types.ts';
import { EventQueue } from './event-queue.ts';

export type RunOutcome = 'stopped' | 'idle' | 'time-limit';

export class Simulator implements Clock {
  private currentNs = 0;
  private readonly queue = new EventQueue();
  private stopRequested = false;
  /** Asynchronous steps to run before the next event (external nodes in lockstep), in order. */
  private readonly steps: (() => Promise<void>)[] = [];
  /** Events executed so far (for the simulator benchmark). */
  eventsRun = 0;

  nowNs(): number {
    return this.currentNs;
  }

  schedule(atNs: number, fn: () => void): void {
    this.scheduleCall(atNs, fn);
  }

  /** `schedule` for the hot path: calls `fn(a, b, c)` without allocating a closure. */
  scheduleCall<A, B, C>(atNs: number, fn: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C): void {
    if (!(atNs >= this.currentNs)) {
      if (Number.isNaN(atNs)) throw new RangeError(`simulator: cannot schedule at NaN`);
      atNs = this.currentNs;
    }
    this.queue.push(Math.round(atNs), fn, a, b, c);
  }

  /**
   * Runs `step` after the current event and before the next one, with the clock standing still
   * until it settles. Steps run one at a time, in the order given (so an external node's output
   * enters the run in a fixed order). The loop pays one length check per event for this.
   */
  lockstep(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  private async runSteps(): Promise<void> {
    for (let step = this.steps.shift(); step !== undefined; step = this.steps.shift()) await step();
  }

  /** Ends `run` after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  get pendingEvents(): number {
    return this.queue.size;
  }

  /**
   * Runs events in time order until `stop()`, an empty queue ('idle'), or the next event lying
   * beyond `maxNs` ('time-limit', the clock is then set to `maxNs`).
   * `yieldEveryMs` > 0 lets the host event loop run about that often (wall-clock).
   */
  async run(maxNs: number, yieldEveryMs = 0): Promise<RunOutcome> {
    this.stopRequested = false;
    const queue = this.queue;
    let lastYieldMs = yieldEveryMs > 0 ? performance.now() : 0;
    let sinceCheck = 0;
    if (this.steps.length !== 0) await this.runSteps();
    for (;;) {
      if (this.stopRequested) return 'stopped';
      const next = queue.peekNs();
      if (next === Infinity) return 'idle';
      if (next > maxNs) {
        this.currentNs = Math.max(this.currentNs, maxNs);
        return 'time-limit';
      }
      const event = queue.pop()!;
      this.currentNs = event.atNs;
      this.eventsRun++;
      event.fn(event.a, event.b, event.c);
      queue.release(event);
      if (this.steps.length !== 0) await this.runSteps();
      if (yieldEveryMs > 0 && ++sinceCheck >= 4096) {
        sinceCheck = 0;
        const wallMs = performance.now();
        if (wallMs - lastYieldMs >= yieldEveryMs) {
          lastYieldMs = wallMs;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    }
  }
}
