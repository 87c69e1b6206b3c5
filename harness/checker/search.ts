/**
 * @module General linearizability search for one key: Wing & Gong's algorithm with Lowe's
 * memoisation of (set of linearized operations, model state), in the form Porcupine uses
 * (Lowe, "Testing for linearizability", CCPE 2017, §3–4; Porcupine's checker.go).
 *
 * The history is a doubly linked list of call and return events in time order. The search walks it
 * from the front: at a call event it tries to linearize that operation next (if the model allows it
 * and the pair (linearized set, new state) was not explored before); reaching a return event means
 * the operation returning there has not been linearized although it must precede everything later,
 * so the search backtracks. Linearized operations are unlinked from the list, so the front of the
 * list is always the earliest unlinearized event.
 *
 * Semantics: intervals are closed, so at equal times call events sort before return events (an
 * operation returning at t and one called at t overlap). A pending operation has no return event:
 * it may be linearized at any point after its call, or never (it is not required for success).
 */
import { CAS, MISMATCH, READ, SWAPPED, WRITE, type KeyOps } from './_keyops.ts';

export type SearchVerdict = 'ok' | 'violation' | 'unknown';

export interface SearchOutcome {
  readonly verdict: SearchVerdict;
  /** Search steps taken (linearization attempts plus backtracks). */
  readonly steps: number;
  /** Memo entries stored (explored (linearized set, state) pairs). */
  readonly memoEntries: number;
}

/** How often (in steps) the clock is read: a clock read costs about as much as 50 steps. */
const CLOCK_EVERY_STEPS = 4096;

/** Deterministic Zobrist keys (xorshift32), so that runs are reproducible. */
function zobristKeys(n: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

/** The event list: call and return events in time order, doubly linked behind a head node 0. */
interface EventList {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Node → its operation (-1 for the head). */
  readonly nodeOp: Int32Array;
  readonly nodeIsCall: Uint8Array;
  /** Call node → its return node (-1 if pending). */
  readonly match: Int32Array;
}

/** The list of `ops`' events, `required` of them returns: calls before returns at equal times. */
function buildEventList(ops: KeyOps, required: number): EventList {
  const { n, call, ret } = ops;
  // Events: node 0 is the list head; call of op j and its return are nodes 1..E.
  const eventCount = n + required;
  const evOp = new Int32Array(eventCount);
  const evTime = new Float64Array(eventCount);
  const evIsReturn = new Uint8Array(eventCount);
  let e = 0;
  for (let j = 0; j < n; j++) {
    evOp[e] = j;
    evTime[e] = call[j] as number;
    e++;
    if (ret[j] !== Infinity) {
      evOp[e] = j;
      evTime[e] = ret[j] as number;
      evIsReturn[e] = 1;
      e++;
    }
  }
  const order = new Int32Array(eventCount);
  for (let i = 0; i < eventCount; i++) order[i] = i;
  order.sort((a, b) => (evTime[a] as number) - (evTime[b] as number) || (evIsReturn[a] as number) - (evIsReturn[b] as number) || (evOp[a] as number) - (evOp[b] as number));

  const nodes = eventCount + 1;
  const next = new Int32Array(nodes);
  const prev = new Int32Array(nodes);
  const nodeOp = new Int32Array(nodes).fill(-1);
  const nodeIsCall = new Uint8Array(nodes);
  const match = new Int32Array(nodes).fill(-1);
  const callNodeOf = new Int32Array(n);
  for (let i = 0; i < eventCount; i++) {
    const ev = order[i] as number;
    const node = i + 1;
    const op = evOp[ev] as number;
    nodeOp[node] = op;
    if (evIsReturn[ev] === 0) {
      nodeIsCall[node] = 1;
      callNodeOf[op] = node;
    } else {
      match[callNodeOf[op] as number] = node;
    }
  }
  for (let node = 0; node < nodes; node++) {
    next[node] = node + 1 < nodes ? node + 1 : -1;
    prev[node] = node - 1;
  }
  return { next, prev, nodeOp, nodeIsCall, match };
}

/**
 * Lowe's memo: a hash set of (linearized set, state) pairs, with chained buckets and the bitsets in
 * one pool. The set being tried is `bits`, which the search edits in place.
 */
class Memo {
  readonly bits: Uint32Array;
  entries = 0;
  private readonly words: number;
  private tableMask = (1 << 12) - 1;
  private heads = new Int32Array(this.tableMask + 1).fill(-1);
  private entryCap = 1 << 12;
  private entNext = new Int32Array(this.entryCap);
  private entH1 = new Int32Array(this.entryCap);
  private entH2 = new Int32Array(this.entryCap);
  private entState = new Int32Array(this.entryCap);
  private pool: Uint32Array;

  constructor(n: number) {
    this.words = (n + 31) >>> 5;
    this.bits = new Uint32Array(this.words);
    this.pool = new Uint32Array(this.entryCap * this.words);
  }

  /** Adds (bits, state), whose set hashes to (h1, h2), unless present; returns false if it was present. */
  add(h1: number, h2: number, state: number): boolean {
    const { words, bits } = this;
    const hc = (h1 ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
    const hc2 = (h2 + Math.imul(state, 0x85ebca6b)) | 0;
    const pool = this.pool;
    for (let x = this.heads[hc & this.tableMask] as number; x !== -1; x = this.entNext[x] as number) {
      if (this.entH1[x] !== hc || this.entH2[x] !== hc2 || this.entState[x] !== state) continue;
      const base = x * words;
      let same = true;
      for (let w = 0; w < words; w++) {
        if (pool[base + w] !== bits[w]) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
    if (this.entries === this.entryCap) this.grow();
    const x = this.entries++;
    this.entH1[x] = hc;
    this.entH2[x] = hc2;
    this.entState[x] = state;
    this.pool.set(bits, x * words);
    if (this.entries > this.tableMask + 1) {
      // Load factor 1 reached: double the table and rehash the chains.
      this.tableMask = this.tableMask * 2 + 1;
      this.heads = new Int32Array(this.tableMask + 1).fill(-1);
      for (let y = 0; y < this.entries; y++) {
        const b = (this.entH1[y] as number) & this.tableMask;
        this.entNext[y] = this.heads[b] as number;
        this.heads[b] = y;
      }
    } else {
      const b = hc & this.tableMask;
      this.entNext[x] = this.heads[b] as number;
      this.heads[b] = x;
    }
    return true;
  }

  /** Doubles the entry arrays. */
  private grow(): void {
    this.entryCap *= 2;
    const grown = <T extends Int32Array | Uint32Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.entNext = grown(this.entNext, new Int32Array(this.entryCap));
    this.entH1 = grown(this.entH1, new Int32Array(this.entryCap));
    this.entH2 = grown(this.entH2, new Int32Array(this.entryCap));
    this.entState = grown(this.entState, new Int32Array(this.entryCap));
    this.pool = grown(this.pool, new Uint32Array(this.entryCap * this.words));
  }
}

/** What {@link modelStep} returns when the model does not allow the operation. */
const NOT_ALLOWED = -1;

/**
 * The model's step: the state after linearizing `op` in `state` (value ids, 0 = null), or
 * NOT_ALLOWED.
 */
function modelStep(ops: KeyOps, op: number, state: number): number {
  switch (ops.kind[op]) {
    case READ:
      return ops.value[op] === state ? state : NOT_ALLOWED;
    case WRITE: {
      const newState = ops.value[op] as number;
      // A pending write of the value already held changes nothing: same as never taking effect.
      return newState === state && ops.ret[op] === Infinity ? NOT_ALLOWED : newState;
    }
    case CAS: {
      const matches = ops.expected[op] === state;
      const out = ops.outcome[op];
      if (out === SWAPPED) return matches ? (ops.value[op] as number) : NOT_ALLOWED;
      if (out === MISMATCH) return matches ? NOT_ALLOWED : state;
      // Pending: linearizing it where the compare fails changes nothing, which is the same as never
      // linearizing it; pruning that choice keeps the memo small.
      return matches && ops.value[op] !== state ? (ops.value[op] as number) : NOT_ALLOWED;
    }
    default:
      return state;
  }
}

/** Unlinks call node `node` and its return node (if any) from the list. */
function lift(list: EventList, node: number): void {
  const { next, prev } = list;
  const m = list.match[node] as number;
  const pn = prev[node] as number;
  const nn = next[node] as number;
  next[pn] = nn;
  if (nn !== -1) prev[nn] = pn;
  if (m !== -1) {
    const pm = prev[m] as number;
    const nm = next[m] as number;
    next[pm] = nm;
    if (nm !== -1) prev[nm] = pm;
  }
}

/** Links `node` and its return node back, in the reverse order of {@link lift}. */
function unlift(list: EventList, node: number): void {
  const { next, prev } = list;
  const m = list.match[node] as number;
  if (m !== -1) {
    next[prev[m] as number] = m;
    const nm = next[m] as number;
    if (nm !== -1) prev[nm] = m;
  }
  next[prev[node] as number] = node;
  const nn = next[node] as number;
  if (nn !== -1) prev[nn] = node;
}

/**
 * Decides whether `ops` (one key) is linearizable under the register / cas-register model.
 * `deadlineMs` is compared with `now()`; past it the answer is `unknown`.
 */
export function searchLinearizable(ops: KeyOps, deadlineMs = Infinity, now: () => number = performance.now.bind(performance)): SearchOutcome {
  const { n, ret } = ops;
  let required = 0;
  for (let j = 0; j < n; j++) if (ret[j] !== Infinity) required++;
  if (required === 0) return { verdict: 'ok', steps: 0, memoEntries: 0 };
  const list = buildEventList(ops, required);
  const { next, nodeOp, nodeIsCall } = list;
  const memo = new Memo(n);
  const bits = memo.bits;
  const z1 = zobristKeys(n, 0x2545f491);
  const z2 = zobristKeys(n, 0x6c8e9cf5);

  const stackNode = new Int32Array(n);
  const stackState = new Int32Array(n);
  let depth = 0;
  let state = 0; // null, the initial value
  let h1 = 0;
  let h2 = 0;
  let linearizedRequired = 0;
  let steps = 0;
  let node = next[0] as number;

  for (;;) {
    if (++steps % CLOCK_EVERY_STEPS === 0 && now() > deadlineMs) return { verdict: 'unknown', steps, memoEntries: memo.entries };
    if (node !== -1 && nodeIsCall[node] === 1) {
      const op = nodeOp[node] as number;
      const newState = modelStep(ops, op, state);
      if (newState !== NOT_ALLOWED) {
        const w = op >>> 5;
        const bit = 1 << (op & 31);
        bits[w] = (bits[w] as number) | bit;
        const nh1 = h1 ^ (z1[op] as number);
        const nh2 = h2 ^ (z2[op] as number);
        if (memo.add(nh1, nh2, newState)) {
          stackNode[depth] = node;
          stackState[depth] = state;
          depth++;
          state = newState;
          h1 = nh1;
          h2 = nh2;
          if (ret[op] !== Infinity && ++linearizedRequired === required) return { verdict: 'ok', steps, memoEntries: memo.entries };
          lift(list, node);
          node = next[0] as number;
          continue;
        }
        bits[w] = (bits[w] as number) & ~bit;
      }
      node = next[node] as number;
    } else {
      // A return event (an operation that must already be linearized is not) or the end: backtrack.
      if (depth === 0) return { verdict: 'violation', steps, memoEntries: memo.entries };
      depth--;
      const top = stackNode[depth] as number;
      state = stackState[depth] as number;
      const op = nodeOp[top] as number;
      bits[op >>> 5] = (bits[op >>> 5] as number) & ~(1 << (op & 31));
      h1 ^= z1[op] as number;
      h2 ^= z2[op] as number;
      if (ret[op] !== Infinity) linearizedRequired--;
      unlift(list, top);
      node = next[top] as number;
    }
  }
}
