/**
 * @module Quorum rules as small pure functions, shared by every protocol: the quorum sizes a round
 * waits for are computed here, so that each is one line to read (and to mutate, test/mutants/).
 * CAS's quorum and read rule depend on its code dimension and live in protocols/cas/quorum.ts.
 */

/**
 * The usual round condition: replies from `n - t` servers, as many as can be waited for with `t`
 * of them silent (docs/protocols.md#rounds); `t + 1`, a majority, at ABD's `n = 2t + 1`.
 */
export function replyQuorum(n: number, t: number): number {
  return n - t;
}

/**
 * Dissemination quorum size (Malkhi & Reiter 1998): `⌈(n + t + 1) / 2⌉`, i.e. `2t + 1` at
 * `n = 3t + 1`. Any two quorums meet in at least `t + 1` servers, so in at least one correct one.
 */
export function disseminationQuorum(n: number, t: number): number {
  return Math.ceil((n + t + 1) / 2);
}

/** Two quorums of size q among n servers intersect in at least `2q - n` servers. */
export function intersectionSize(n: number, q: number): number {
  return Math.max(0, 2 * q - n);
}

/** Lexicographic comparison of multi-writer timestamps `(num, writerId)`: negative, 0 or positive. */
export function compareTimestamps(aNum: number, aWriter: string, bNum: number, bWriter: string): number {
  if (aNum !== bNum) return aNum < bNum ? -1 : 1;
  if (aWriter === bWriter) return 0;
  return aWriter < bWriter ? -1 : 1;
}

/**
 * Distinct repliers of one round: counts each server once, however many times it answers
 * (a Byzantine server may answer twice; a duplicate must not count towards a quorum).
 */
export class ReplySet {
  // A short array beats a Set for the few servers of a quorum system (n ≤ 3t + 1, a handful).
  private readonly seen: string[] = [];

  /** True if `from` is new (and now recorded). */
  add(from: string): boolean {
    if (this.seen.includes(from)) return false;
    this.seen.push(from);
    return true;
  }

  get size(): number {
    return this.seen.length;
  }

  has(from: string): boolean {
    return this.seen.includes(from);
  }
}
