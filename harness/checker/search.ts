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

/**
 * Decides whether `ops` (one key) is linearizable under the register / cas-register model.
 * `deadlineMs` is compared with `now()`; past it the answer is `unknown`.
 */
export function searchLinearizable(ops: KeyOps, deadlineMs = Infinity, now: () => number = performance.now.bind(performance)): SearchOutcome {
  const n = ops.n;
  const { kind, value, expected, outcome, call, ret } = ops;
  let required = 0;
  for (let j = 0; j < n; j++) if (ret[j] !== Infinity) required++;
  if (required === 0) return { verdict: 'ok', steps: 0, memoEntries: 0 };

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
  const match = new Int32Array(nodes).fill(-1); // call node → its return node (-1 if pending)
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

  // Memo: hash set of (linearized bitset, state), chained buckets, bitsets in one pool.
  const words = (n + 31) >>> 5;
  const z1 = zobristKeys(n, 0x2545f491);
  const z2 = zobristKeys(n, 0x6c8e9cf5);
  let tableMask = (1 << 12) - 1;
  let heads = new Int32Array(tableMask + 1).fill(-1);
  let entryCap = 1 << 12;
  let entNext = new Int32Array(entryCap);
  let entH1 = new Int32Array(entryCap);
  let entH2 = new Int32Array(entryCap);
  let entState = new Int32Array(entryCap);
  let pool = new Uint32Array(entryCap * words);
  let entries = 0;
  const bits = new Uint32Array(words);

  /** Adds (bits, state) unless present; returns false if it was present. */
  const memoAdd = (h1: number, h2: number, state: number): boolean => {
    const hc = (h1 ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
    const hc2 = (h2 + Math.imul(state, 0x85ebca6b)) | 0;
    for (let x = heads[hc & tableMask] as number; x !== -1; x = entNext[x] as number) {
      if (entH1[x] !== hc || entH2[x] !== hc2 || entState[x] !== state) continue;
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
    if (entries === entryCap) {
      entryCap *= 2;
      const grow = <T extends Int32Array | Uint32Array>(a: T, make: (m: number) => T, m: number): T => {
        const b = make(m);
        b.set(a);
        return b;
      };
      entNext = grow(entNext, (m) => new Int32Array(m), entryCap);
      entH1 = grow(entH1, (m) => new Int32Array(m), entryCap);
      entH2 = grow(entH2, (m) => new Int32Array(m), entryCap);
      entState = grow(entState, (m) => new Int32Array(m), entryCap);
      pool = grow(pool, (m) => new Uint32Array(m), entryCap * words);
    }
    const x = entries++;
    entH1[x] = hc;
    entH2[x] = hc2;
    entState[x] = state;
    pool.set(bits, x * words);
    if (entries > tableMask + 1) {
      // Load factor 1 reached: double the table and rehash the chains.
      tableMask = tableMask * 2 + 1;
      heads = new Int32Array(tableMask + 1).fill(-1);
      for (let y = 0; y < entries; y++) {
        const b = (entH1[y] as number) & tableMask;
        entNext[y] = heads[b] as number;
        heads[b] = y;
      }
    } else {
      const b = hc & tableMask;
      entNext[x] = heads[b] as number;
      heads[b] = x;
    }
    return true;
  };

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
    if (++steps % CLOCK_EVERY_STEPS === 0 && now() > deadlineMs) return { verdict: 'unknown', steps, memoEntries: entries };
    if (node !== -1 && nodeIsCall[node] === 1) {
      const op = nodeOp[node] as number;
      // The model's step: may `op` be linearized in `state`, and what state follows?
      let allowed = true;
      let newState = state;
      switch (kind[op]) {
        case READ:
          allowed = value[op] === state;
          break;
        case WRITE:
          newState = value[op] as number;
          // A pending write of the value already held changes nothing: same as never taking effect.
          if (newState === state && ret[op] === Infinity) allowed = false;
          break;
        case CAS: {
          const matches = expected[op] === state;
          const out = outcome[op];
          if (out === SWAPPED) {
            allowed = matches;
            newState = value[op] as number;
          } else if (out === MISMATCH) {
            allowed = !matches;
          } else {
            // Pending: linearizing it where the compare fails changes nothing, which is the same
            // as never linearizing it; pruning that choice keeps the memo small.
            allowed = matches && value[op] !== state;
            newState = value[op] as number;
          }
          break;
        }
      }
      if (allowed) {
        const w = op >>> 5;
        const bit = 1 << (op & 31);
        bits[w] = (bits[w] as number) | bit;
        const nh1 = h1 ^ (z1[op] as number);
        const nh2 = h2 ^ (z2[op] as number);
        if (memoAdd(nh1, nh2, newState)) {
          stackNode[depth] = node;
          stackState[depth] = state;
          depth++;
          state = newState;
          h1 = nh1;
          h2 = nh2;
          if (ret[op] !== Infinity && ++linearizedRequired === required) return { verdict: 'ok', steps, memoEntries: entries };
          // Lift: unlink the call node and its return node.
          const m = match[node] as number;
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
          node = next[0] as number;
          continue;
        }
        bits[w] = (bits[w] as number) & ~bit;
      }
      node = next[node] as number;
    } else {
      // A return event (an operation that must already be linearized is not) or the end: backtrack.
      if (depth === 0) return { verdict: 'violation', steps, memoEntries: entries };
      depth--;
      const top = stackNode[depth] as number;
      state = stackState[depth] as number;
      const op = nodeOp[top] as number;
      bits[op >>> 5] = (bits[op >>> 5] as number) & ~(1 << (op & 31));
      h1 ^= z1[op] as number;
      h2 ^= z2[op] as number;
      if (ret[op] !== Infinity) linearizedRequired--;
      // Unlift, in the reverse order of the lift.
      const m = match[top] as number;
      if (m !== -1) {
        next[prev[m] as number] = m;
        const nm = next[m] as number;
        if (nm !== -1) prev[nm] = m;
      }
      next[prev[top] as number] = top;
      const nn = next[top] as number;
      if (nn !== -1) prev[nn] = top;
      node = next[top] as number;
    }
  }
}
