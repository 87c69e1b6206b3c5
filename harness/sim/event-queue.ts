/**
 * @module A binary min-heap of timed events: ordered by time, ties broken by insertion sequence, so
 * two events at the same nanosecond always run in the order they were scheduled (determinism).
 */

/** An event calls `fn(a, b, c)`: arguments instead of a closure save an allocation per message. */
export interface SimEvent {
  atNs: number;
  seq: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fn: (a: any, b: any, c: any) => void;
  a: unknown;
  b: unknown;
  c: unknown;
}

function noop(): void {}

export class EventQueue {
  private readonly items: SimEvent[] = [];
  private nextSeq = 0;
  /** Events handed back with `release`, reused by `push` (fewer allocations per message). */
  private readonly free: SimEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  push<A, B, C>(atNs: number, fn: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C): void {
    let event = this.free.pop();
    if (event === undefined) {
      event = { atNs, seq: this.nextSeq++, fn, a, b, c };
    } else {
      event.atNs = atNs;
      event.seq = this.nextSeq++;
      event.fn = fn;
      event.a = a;
      event.b = b;
      event.c = c;
    }
    const items = this.items;
    // Sift up with a hole instead of swaps: one write per level.
    let index = items.length;
    items.push(event);
    const seq = event.seq;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (parent.atNs < atNs || (parent.atNs === atNs && parent.seq < seq)) break;
      items[index] = parent;
      index = parentIndex;
    }
    items[index] = event;
  }

  /** The earliest event's time, or Infinity when empty. */
  peekNs(): number {
    const first = this.items[0];
    return first === undefined ? Infinity : first.atNs;
  }

  /** Returns a popped event for reuse; the caller must not touch it afterwards. */
  release(event: SimEvent): void {
    event.fn = noop;
    event.a = undefined;
    event.b = undefined;
    event.c = undefined;
    if (this.free.length < 4096) this.free.push(event);
  }

  pop(): SimEvent | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    const length = items.length;
    if (length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      let childEvent = items[left]!;
      if (right < length) {
        const rightEvent = items[right]!;
        if (rightEvent.atNs < childEvent.atNs || (rightEvent.atNs === childEvent.atNs && rightEvent.seq < childEvent.seq)) {
          child = right;
          childEvent = rightEvent;
        }
      }
      if (last.atNs < childEvent.atNs || (last.atNs === childEvent.atNs && last.seq < childEvent.seq)) break;
      items[index] = childEvent;
      index = child;
    }
    items[index] = last;
    return top;
  }
}
