/**
 * @module CAS's thresholds (docs/protocols.md#cas) as small pure functions: the code dimension `k`, the
 * quorum `q`, and the decision a read takes in its second round.
 */

/** `k = n − 2t`: the largest code dimension that still tolerates `t` crashed servers. */
export function codeDimension(n: number, t: number): number {
  return n - 2 * t;
}

/**
 * `q = ⌈(n + k) / 2⌉`: any two quorums share at least `2q − n ≥ k` servers, so a finalized tag's
 * pre-write quorum meets every read quorum in at least `k` servers holding its element. With
 * `k = n − 2t`, `q = n − t`: a quorum always answers when at most `t` servers crashed.
 */
export function casQuorum(n: number, k: number): number {
  return Math.ceil((n + k) / 2);
}

/** What a read does in its second round, after `replies` READ_FIN_ACKs of which `elements` carry one. */
export type ReadFinDecision =
  /** Fewer than `q` replies: the tag is not yet labelled `fin` at a quorum; keep waiting. */
  | 'wait'
  /** At least `k` elements among the quorum: decode and return. */
  | 'decode'
  /** Fewer than `k` elements (garbage collection ran ahead of the read): start again at the query. */
  | 'retry';

/**
 * The read's rule in its second round (docs/protocols.md#cas). The read returns only after a quorum
 * labelled its tag `fin` (that is its write-back), so the decision is taken at exactly the `q`-th
 * reply, even when `k` elements arrived earlier; elements arriving after it are ignored.
 */
export function readFinDecision(replies: number, elements: number, quorum: number, k: number): ReadFinDecision {
  if (replies < quorum) return 'wait';
  return elements >= k ? 'decode' : 'retry';
}
