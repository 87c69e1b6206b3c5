/**
 * @module Polynomial check (O(n log n)) for one key of a read/write register whose written values
 * are unique: the read-mapping approach of Gibbons & Korach ("Testing shared memories", SIAM J.
 * Comput. 1997, §4), derived here in full because the details (closed intervals, pending and
 * failed writes, the initial value) decide correctness.
 *
 * Setting. Failed operations and pending reads are already removed (no effect, nothing observed).
 * Every ok read names the write it read from, since written values are unique; null names the
 * initial value, modelled as a write W0 on the interval [-∞, -∞]. A pending write that some read
 * returned must have taken effect: it is a write on [call, +∞). A pending write that nobody read is
 * dropped: if a linearization includes it, its segment (up to the next write) holds no read, so
 * removing it leaves a linearization; so "never took effect" is always a valid choice for it.
 *
 * Clusters. In a legal sequential register history each write is followed by exactly the reads
 * that return its value, so a linearization is an order of clusters C(w) = {w} ∪ reads-of(w), each
 * contiguous, with w first. Real time (a.ret < b.call, strictly: closed intervals) then imposes:
 *  (1) inside a cluster: no read may return before its write is called (r.ret < w.call);
 *      if none does, "w first, then the reads by call time" respects real time inside the cluster;
 *  (2) between clusters: C_i must precede C_j iff some a ∈ C_i returned before some b ∈ C_j was
 *      called, i.e. iff f_i < s_j with f = min ret over the cluster and s = max call over it.
 * So the key is linearizable iff (1) holds and the digraph {i → j : f_i < s_j, i ≠ j} is acyclic.
 *
 * Lemma: that digraph has a cycle iff it has a 2-cycle (f_i < s_j and f_j < s_i). Proof: take a
 * shortest cycle v1 → … → vk → v1 with k ≥ 3. It has no chord, so for each a, v_a ↛ v_{a+2}
 * (f_{v_a} ≥ s_{v_{a+2}}) while v_{a+1} → v_{a+2} (f_{v_{a+1}} < s_{v_{a+2}}); hence
 * f_{v_{a+1}} < f_{v_a} for every a (indices mod k), a strictly decreasing cycle: impossible.
 * The 2-cycles are exactly Gibbons & Korach's zone conditions (two overlapping forward zones, or a
 * backward zone inside a forward zone); the write-write order constraints are included because
 * each cluster's f and s count its write as well as its reads.
 *
 * Finding a 2-cycle: sort clusters by f; for cluster j, the clusters with f_i < s_j form a prefix;
 * a conflict exists iff the largest s in that prefix, over i ≠ j, exceeds f_j (keep the top two).
 */
import { NULL_ID, READ, WRITE, type KeyOps } from './_keyops.ts';

export type FastOutcome =
  | { readonly verdict: 'ok' }
  | { readonly verdict: 'violation'; readonly reason: FastViolation }
  /** The fast path does not apply (a compare-and-set, a repeated or null written value). */
  | { readonly verdict: 'not-applicable'; readonly why: string };

/** Local op positions (in `KeyOps`) that show the violation, and what they show. */
export type FastViolation =
  | { readonly kind: 'never-written'; readonly read: number }
  | { readonly kind: 'read-before-write'; readonly read: number; readonly write: number }
  | {
      readonly kind: 'cycle';
      /** Value ids of the two clusters that must each precede the other. */
      readonly valueA: number;
      readonly valueB: number;
      /** aFirst returned before bLast was called: A before B. bFirst returned before aLast was called: B before A. */
      readonly aFirst: number;
      readonly bLast: number;
      readonly bFirst: number;
      readonly aLast: number;
      /** The writes of the two values (-1 for the initial value). */
      readonly writeA: number;
      readonly writeB: number;
    };

export function checkUniqueRegister(ops: KeyOps): FastOutcome {
  const writer = writersOf(ops);
  if (!(writer instanceof Int32Array)) return writer;
  const clusters = clustersOf(ops, writer);
  if (!(clusters instanceof Clusters)) return clusters;
  return findCycle(clusters, writer);
}

/** writer[v] = local position of the write of value v, or -1; not applicable unless values are unique. */
function writersOf(ops: KeyOps): Int32Array | FastOutcome {
  const { n, kind, value } = ops;
  const writer = new Int32Array(ops.values.length).fill(-1);
  for (let j = 0; j < n; j++) {
    const k = kind[j];
    if (k !== READ && k !== WRITE) return { verdict: 'not-applicable', why: 'compare-and-set' };
    if (k === WRITE) {
      const v = value[j] as number;
      if (v === NULL_ID) return { verdict: 'not-applicable', why: 'a write of null (the initial value)' };
      if (writer[v] !== -1) return { verdict: 'not-applicable', why: 'a value written twice' };
      writer[v] = j;
    }
  }
  return writer;
}

/** One cluster per value id (0 = initial value): f = min ret, s = max call, and the ops that set them. */
class Clusters {
  readonly f: Float64Array;
  readonly s: Float64Array;
  readonly fOp: Int32Array;
  readonly sOp: Int32Array;
  /** Whether the value took effect: read, or written by a write that returned. */
  readonly live: Uint8Array;
  constructor(readonly valueCount: number) {
    this.f = new Float64Array(valueCount).fill(Infinity);
    this.s = new Float64Array(valueCount).fill(-Infinity);
    this.fOp = new Int32Array(valueCount).fill(-1);
    this.sOp = new Int32Array(valueCount).fill(-1);
    this.live = new Uint8Array(valueCount);
  }
}

/** The clusters of `ops`, or a violation (a read of a value never written, or read before its write). */
function clustersOf(ops: KeyOps, writer: Int32Array): Clusters | FastOutcome {
  const { n, kind, value, call, ret } = ops;
  const clusters = new Clusters(ops.values.length);
  const { f, s, fOp, sOp, live } = clusters;
  f[NULL_ID] = -Infinity; // W0 on [-∞, -∞]
  live[NULL_ID] = 1;
  for (let j = 0; j < n; j++) {
    const v = value[j] as number;
    if (kind[j] === READ) {
      if (v !== NULL_ID) {
        const w = writer[v] as number;
        if (w === -1) return { verdict: 'violation', reason: { kind: 'never-written', read: j } };
        if ((ret[j] as number) < (call[w] as number)) return { verdict: 'violation', reason: { kind: 'read-before-write', read: j, write: w } };
      }
      live[v] = 1;
    } else if (ret[j] !== Infinity) {
      live[v] = 1; // an ok write took effect; a pending one only if read (set by its reads)
    }
    if ((ret[j] as number) < (f[v] as number)) {
      f[v] = ret[j] as number;
      fOp[v] = j;
    }
    if ((call[j] as number) > (s[v] as number)) {
      s[v] = call[j] as number;
      sOp[v] = j;
    }
  }
  return clusters;
}

/** Two live clusters that must each precede the other (f_i < s_j and f_j < s_i), if any. */
function findCycle(clusters: Clusters, writer: Int32Array): FastOutcome {
  const { valueCount, f, s, fOp, sOp, live } = clusters;
  let m = 0;
  for (let v = 0; v < valueCount; v++) if (live[v] === 1) m++;
  const cl = new Int32Array(m);
  m = 0;
  for (let v = 0; v < valueCount; v++) if (live[v] === 1) cl[m++] = v;
  cl.sort((a, b) => (f[a] as number) - (f[b] as number));
  const sortedF = new Float64Array(m);
  for (let i = 0; i < m; i++) sortedF[i] = f[cl[i] as number] as number;
  // Prefix top two of s (by cluster), so that "max over i ≠ j" is at hand.
  const best1 = new Int32Array(m);
  const best2 = new Int32Array(m);
  let b1 = -1;
  let b2 = -1;
  for (let i = 0; i < m; i++) {
    const v = cl[i] as number;
    const sv = s[v] as number;
    if (b1 === -1 || sv > (s[b1] as number)) {
      b2 = b1;
      b1 = v;
    } else if (b2 === -1 || sv > (s[b2] as number)) {
      b2 = v;
    }
    best1[i] = b1;
    best2[i] = b2;
  }
  for (let i = 0; i < m; i++) {
    const vj = cl[i] as number;
    const sj = s[vj] as number;
    // Count of clusters with f < s_j (binary search over sortedF).
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sortedF[mid] as number) < sj) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const top = best1[lo - 1] as number;
    const vi = top !== vj ? top : (best2[lo - 1] as number);
    if (vi === -1 || vi === vj) continue;
    if ((s[vi] as number) > (f[vj] as number)) {
      // f_i < s_j (vi is in the prefix) and f_j < s_i: each must precede the other.
      return {
        verdict: 'violation',
        reason: {
          kind: 'cycle',
          valueA: vi,
          valueB: vj,
          aFirst: fOp[vi] as number,
          bLast: sOp[vj] as number,
          bFirst: fOp[vj] as number,
          aLast: sOp[vi] as number,
          writeA: writer[vi] as number,
          writeB: writer[vj] as number,
        },
      };
    }
  }
  return { verdict: 'ok' };
}
