/**
 * @module Quorum rules as small pure functions, shared by every protocol.
 *
 * Three-valued where a decision can still change: a round's condition is `reached`, still `pending`
 * (more replies may arrive), or `impossible` (even if every silent server answered, it cannot hold).
 */

export type QuorumStatus = 'reached' | 'pending' | 'impossible';

/** Majority quorum for `n = 2t + 1` crash-tolerant replication: `t + 1` (docs/protocols.md#abd). */
export function majorityQuorum(t: number): number {
  return t + 1;
}

/** The usual round condition: replies from `n - t` servers (docs/protocols.md#rounds). */
export function replyQuorum(n: number, t: number): number {
  return n - t;
}

/**
 * Whether `needed` votes are reached, given `votes` so far and `outstanding` servers that have not
 * answered yet (and might still vote for it).
 */
export function quorumStatus(votes: number, needed: number, outstanding: number): QuorumStatus {
  if (votes >= needed) return 'reached';
  if (votes + outstanding < needed) return 'impossible';
  return 'pending';
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
