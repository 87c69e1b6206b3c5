/**
 * @module The reader's selection rule (docs/protocols.md#powerstore, filter round) as pure functions
 * over the table of latest statuses: which candidate can be returned, whether enough fragments are
 * at hand, and whether the retention retry applies. "Detail N" is item N of
 * docs/protocols.md#implementation-details.
 */
import type { TimestampOps } from '../timestamp.ts';
import { toHex, type Candidate, type FilterStatus } from './messages.ts';

/** One server's latest status per candidate index, plus the cached hash of a CONFIRM's fragment. */
export interface StatusEntry<T> {
  readonly status: FilterStatus<T>;
  /** `H(fragment)`, computed at most once (hashing is metered). */
  fragmentHash?: Uint8Array;
  /** The CONFIRM's cross-checksum as one string (grouping key), computed at most once. */
  checksumKey?: string;
}

/** `table.get(serverIndex)[candidateIndex]`. */
export type StatusTable<T> = Map<number, (StatusEntry<T> | undefined)[]>;

export type Selection = { readonly kind: 'none' } | { readonly kind: 'selected'; readonly index: number };

export interface CandidateCounts {
  readonly confirms: number;
  readonly refutesOrUnknowns: number;
}

export function countStatuses<T>(table: StatusTable<T>, index: number): CandidateCounts {
  let confirms = 0;
  let refutesOrUnknowns = 0;
  for (const row of table.values()) {
    const entry = row[index];
    if (entry === undefined) continue;
    if (entry.status.kind === 'CONFIRM') confirms++;
    else refutesOrUnknowns++;
  }
  return { confirms, refutesOrUnknowns };
}

/**
 * The highest `c_sel` with: `valid(c_sel)` (≥ t + 1 CONFIRMs, or `c0`), every candidate with a
 * higher timestamp `invalid` (≥ 2t + 1 REFUTE/UNKNOWN), and ≥ 2t + 1 CONFIRMs so that the metadata
 * write-back is durable. `c0` needs no write-back: its `lc` is everywhere from the start.
 */
export function selectCandidate<T>(candidates: readonly Candidate<T>[], table: StatusTable<T>, t: number, ts: TimestampOps<T>): Selection {
  const counts = candidates.map((_, i) => countStatuses(table, i));
  let best = -1;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    const isC0 = ts.isTs0(candidate.ts);
    if (!isC0 && counts[i]!.confirms < 2 * t + 1) continue;
    let higherAllInvalid = true;
    for (let j = 0; j < candidates.length && higherAllInvalid; j++) {
      if (ts.compare(candidates[j]!.ts, candidate.ts) > 0 && counts[j]!.refutesOrUnknowns < 2 * t + 1) higherAllInvalid = false;
    }
    if (!higherAllInvalid) continue;
    if (best < 0 || ts.compare(candidate.ts, candidates[best]!.ts) > 0) best = i;
  }
  return best < 0 ? { kind: 'none' } : { kind: 'selected', index: best };
}

export type FragmentGathering<T> =
  | { readonly kind: 'ready'; readonly fragments: (Uint8Array | undefined)[] }
  /** Fewer than t + 1 matching fragments; `prunedLcs` are the `lc`s carried by fragment-less CONFIRMs. */
  | { readonly kind: 'short'; readonly prunedLcs: Candidate<T>[] };

/**
 * Fragments for candidate `index`: a cross-checksum reported by ≥ t + 1 confirming servers, and
 * ≥ t + 1 fragments from confirming servers (any of them, detail 1) whose hash matches entry `j` of
 * it for server `j`.
 *
 * Fragments are verified lazily: in server order, stopping at the first t + 1 that match, since
 * the codec uses exactly t + 1 = k fragments. Server order puts the data fragments (servers 0..t)
 * first, so an all-correct read hashes t + 1 fragments and decodes by copying. Hashes are cached on
 * the entry, so a later evaluation (another reply arrived) or another checksum never hashes a
 * fragment twice. The outcome is the rule's: `ready` exactly when some checksum has ≥ t + 1
 * matching fragments.
 */
export function gatherFragments<T>(
  table: StatusTable<T>,
  index: number,
  n: number,
  t: number,
  sha256: (data: Uint8Array) => Uint8Array,
): FragmentGathering<T> {
  const byChecksum = new Map<string, { cc: Uint8Array[]; reporters: number }>();
  const prunedLcs: Candidate<T>[] = [];
  for (const row of table.values()) {
    const entry = row[index];
    if (entry === undefined || entry.status.kind !== 'CONFIRM') continue;
    const status = entry.status;
    if (status.fragment === null && status.lc !== null) prunedLcs.push(status.lc);
    if (status.cc.length !== n) continue;
    const key = (entry.checksumKey ??= status.cc.map(toHex).join(''));
    const group = byChecksum.get(key);
    if (group === undefined) byChecksum.set(key, { cc: status.cc, reporters: 1 });
    else group.reporters++;
  }
  const servers = [...table.keys()].sort((a, b) => a - b);
  for (const group of byChecksum.values()) {
    if (group.reporters < t + 1) continue;
    const fragments: (Uint8Array | undefined)[] = new Array(n).fill(undefined);
    let matching = 0;
    for (const server of servers) {
      if (matching === t + 1) break;
      const entry = table.get(server)![index];
      if (entry === undefined || entry.status.kind !== 'CONFIRM' || entry.status.fragment === null) continue;
      entry.fragmentHash ??= sha256(entry.status.fragment);
      if (equalBytes(entry.fragmentHash, group.cc[server]!)) {
        fragments[server] = entry.status.fragment;
        matching++;
      }
    }
    if (matching === t + 1) return { kind: 'ready', fragments };
  }
  return { kind: 'short', prunedLcs };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
