/**
 * @module The PoWerStore server (docs/protocols.md#powerstore), shared by both variants; M-PoWerStore
 * adds the MAC check on STORE and the GET_TS handler (docs/protocols.md#m-powerstore). "Detail N" is
 * item N of docs/protocols.md#implementation-details.
 *
 * State: `hist` (ts → fragment, cross-checksum, commitment, μ), `lc` (the highest verified
 * candidate), COMPLETEs parked until their STORE, and per reader the UNKNOWN entries of its highest
 * `rid` (at most `n + 1`), so that a STORE arriving later triggers a FILTER_UPDATE.
 */
import type { ClusterInfo, NodeEnv, NodeId, Send, ServerMachine } from '../../types.ts';
import type { TimestampOps } from '../timestamp.ts';
import { bytesEqual, DIGEST_BYTES, N0, type Candidate, type FilterStatus, type PowerStoreMessage } from './messages.ts';

export interface PowerStoreServerConfig<T> {
  readonly index: number;
  readonly cluster: ClusterInfo;
  readonly ts: TimestampOps<T>;
  /** Fragment bytes are kept for the newest `retain` stored versions only. */
  readonly retain: number;
  /** `lc-guarded` (default): never prune at or above `lc`; `spec`: the rule as first specified (not live, kept to show why). */
  readonly retentionRule?: 'lc-guarded' | 'spec';
  /** M-PoWerStore: this server's key `k_i` (it holds no other). Absent in single-writer PoWerStore. */
  readonly macKey?: Uint8Array;
}

interface HistEntry<T> {
  readonly ts: T;
  /** Null once pruned (retention), and for `ts0`, whose value is public. */
  fragment: Uint8Array | null;
  readonly cc: Uint8Array[];
  readonly commitment: Uint8Array;
  /** μ, returned by GET_TS with `lc` (M-PoWerStore). */
  readonly mac: Uint8Array[];
}

interface ReaderMemory<T> {
  readonly rid: number;
  readonly candidates: readonly Candidate<T>[];
  /** Indices of `candidates` answered UNKNOWN and not updated yet. */
  readonly unknown: Set<number>;
}

interface ParkedComplete {
  readonly from: NodeId;
  readonly nonce: Uint8Array;
}

/** Parked COMPLETEs per timestamp; writers are correct, so this only guards against our own bugs. */
const MAX_PARKED_PER_TS = 8;

type Classification = 'verified' | 'refuted' | 'unknown';

export class PowerStoreServer<T> implements ServerMachine<PowerStoreMessage<T>> {
  private readonly hist = new Map<string, HistEntry<T>>();
  /** Entries that still hold fragment bytes, sorted by timestamp ascending. */
  private readonly retained: HistEntry<T>[] = [];
  private lc: Candidate<T>;
  private readonly parked = new Map<string, ParkedComplete[]>();
  private readonly readers = new Map<NodeId, ReaderMemory<T>>();
  private readonly writers: ReadonlySet<NodeId>;
  private readonly n: number;
  private readonly ts: TimestampOps<T>;
  private fragmentBytes = 0;

  constructor(
    private readonly config: PowerStoreServerConfig<T>,
    private readonly env: NodeEnv,
  ) {
    this.ts = config.ts;
    this.n = config.cluster.n;
    this.writers = new Set(config.cluster.writers);
    // hist[ts0]: the initial value is public, so no fragment; its commitment is H(N0).
    const ts0 = config.ts.ts0;
    this.hist.set(config.ts.key(ts0), { ts: ts0, fragment: null, cc: [], commitment: new Uint8Array(0), mac: [] });
    this.lc = { ts: ts0, nonce: N0 };
  }

  handle(from: NodeId, msg: PowerStoreMessage<T>): Send<PowerStoreMessage<T>>[] {
    switch (msg.type) {
      case 'STORE':
        return this.onStore(from, msg);
      case 'COMPLETE':
        return this.onComplete(from, msg.ts, msg.nonce);
      case 'COLLECT':
        return [{ to: from, msg: { type: 'COLLECT_ACK', rid: msg.rid, lc: this.lc } }];
      case 'FILTER':
        return this.onFilter(from, msg.rid, msg.candidates);
      case 'GET_TS': {
        if (this.config.macKey === undefined) {
          this.env.reject('unexpected-message');
          return [];
        }
        const entry = this.hist.get(this.ts.key(this.lc.ts))!;
        return [{ to: from, msg: { type: 'GET_TS_ACK', op: msg.op, ts: this.lc.ts, mac: entry.mac } }];
      }
      case 'STORE_ACK':
      case 'COMPLETE_ACK':
      case 'COLLECT_ACK':
      case 'FILTER_ACK':
      case 'FILTER_UPDATE':
      case 'GET_TS_ACK':
        this.env.reject('unexpected-message');
        return [];
    }
  }

  storedBytes(): number {
    // Fragment bytes plus, per hist entry, the cross-checksum, commitment, μ and timestamp.
    let metadata = 0;
    for (const entry of this.hist.values()) {
      metadata += DIGEST_BYTES * (entry.cc.length + entry.mac.length) + entry.commitment.length + this.ts.storedSize(entry.ts);
    }
    return this.fragmentBytes + metadata + DIGEST_BYTES + this.ts.storedSize(this.lc.ts);
  }

  /** The current `lc` (tests and strategies). */
  lastCompleted(): Candidate<T> {
    return this.lc;
  }

  /** Number of candidates remembered for FILTER_UPDATE, over all readers (tests: memory bound). */
  rememberedCandidates(): number {
    let total = 0;
    for (const memory of this.readers.values()) total += memory.candidates.length;
    return total;
  }

  /** Versions whose fragment bytes are still held (tests: retention bound). */
  retainedFragments(): number {
    return this.retained.length;
  }

  rememberedReaders(): number {
    return this.readers.size;
  }

  // ---------------------------------------------------------------- handlers

  private onStore(from: NodeId, msg: Extract<PowerStoreMessage<T>, { type: 'STORE' }>): Send<PowerStoreMessage<T>>[] {
    if (!this.writers.has(from)) {
      this.env.reject('store-from-non-writer');
      return [];
    }
    if (this.ts.isTs0(msg.ts)) {
      this.env.reject('store-ts0');
      return [];
    }
    if (msg.cc.length !== this.n) {
      this.env.reject('store-cc-length');
      return [];
    }
    if (this.config.macKey !== undefined) {
      // M-PoWerStore: a STORE whose own MAC entry does not verify is ignored and not acknowledged.
      const mac = msg.mac;
      const expected = this.env.crypto.hmacSha256(this.config.macKey, this.ts.bytes(msg.ts));
      if (mac === undefined || mac.length !== this.n || !bytesEqual(mac[this.config.index]!, expected)) {
        this.env.reject('store-bad-mac');
        return [];
      }
    }
    const out: Send<PowerStoreMessage<T>>[] = [{ to: from, msg: { type: 'STORE_ACK', ts: msg.ts } }];
    const key = this.ts.key(msg.ts);
    // Detail 5: a STORE for a timestamp already in hist keeps the old entry and is still acked.
    if (this.hist.has(key)) return out;
    const entry: HistEntry<T> = { ts: msg.ts, fragment: msg.fragment, cc: msg.cc, commitment: msg.commitment, mac: msg.mac ?? [] };
    this.hist.set(key, entry);
    this.retain(entry);
    const parked = this.parked.get(key);
    if (parked !== undefined) {
      this.parked.delete(key);
      for (const complete of parked) {
        if (this.verifyAgainst(entry, complete.nonce)) {
          this.raise({ ts: msg.ts, nonce: complete.nonce });
          out.push({ to: complete.from, msg: { type: 'COMPLETE_ACK', ts: msg.ts } });
        } else {
          this.env.reject('complete-bad-nonce');
        }
      }
    }
    this.sendUpdates(msg.ts, out);
    return out;
  }

  private onComplete(from: NodeId, ts: T, nonce: Uint8Array): Send<PowerStoreMessage<T>>[] {
    if (!this.writers.has(from)) {
      this.env.reject('complete-from-non-writer');
      return [];
    }
    const key = this.ts.key(ts);
    const entry = this.hist.get(key);
    if (entry === undefined) {
      // Park until the STORE arrives (it was sent before this COMPLETE, possibly on a slower path).
      const list = this.parked.get(key) ?? [];
      if (list.length >= MAX_PARKED_PER_TS) {
        this.env.reject('complete-parked-limit');
        return [];
      }
      list.push({ from, nonce });
      this.parked.set(key, list);
      return [];
    }
    if (!this.verifyAgainst(entry, nonce)) {
      this.env.reject('complete-bad-nonce');
      return [];
    }
    this.raise({ ts, nonce });
    return [{ to: from, msg: { type: 'COMPLETE_ACK', ts } }];
  }

  private onFilter(from: NodeId, rid: number, candidates: Candidate<T>[]): Send<PowerStoreMessage<T>>[] {
    // Detail 3: more than n + 1 candidates: no reply and no state change.
    if (candidates.length > this.n + 1) {
      this.env.reject('filter-too-many-candidates');
      return [];
    }
    const classes = candidates.map((candidate) => this.classify(candidate));
    // Detail 4: raise every verified candidate before computing any status (metadata write-back).
    for (let i = 0; i < candidates.length; i++) if (classes[i] === 'verified') this.raise(candidates[i]!);
    const highest = this.highestVerified(candidates, classes);
    const statuses = candidates.map((candidate, i) => this.statusOf(candidate, classes[i]!, i === highest));
    const memory = this.readers.get(from);
    // Detail 2: only a FILTER of a new highest rid replaces the memory (even one with no UNKNOWN).
    if (memory === undefined || rid > memory.rid) {
      const unknown = new Set<number>();
      for (let i = 0; i < candidates.length; i++) if (classes[i] === 'unknown') unknown.add(i);
      this.readers.set(from, { rid, candidates: candidates.slice(), unknown });
    }
    return [{ to: from, msg: { type: 'FILTER_ACK', rid, statuses } }];
  }

  // ---------------------------------------------------------------- rules

  private classify(candidate: Candidate<T>): Classification {
    const entry = this.hist.get(this.ts.key(candidate.ts));
    if (entry === undefined) return 'unknown';
    return this.verifyAgainst(entry, candidate.nonce) ? 'verified' : 'refuted';
  }

  private verifyAgainst(entry: HistEntry<T>, nonce: Uint8Array): boolean {
    // c0 = (ts0, N0) is valid everywhere; N0 is public, so no hash is needed.
    if (this.ts.isTs0(entry.ts)) return bytesEqual(nonce, N0);
    return nonce.length === DIGEST_BYTES && bytesEqual(this.env.crypto.sha256(nonce), entry.commitment);
  }

  /** Raises `lc` to `c` if it is newer; callers have checked that `c` verifies. */
  private raise(candidate: Candidate<T>): void {
    if (this.ts.compare(candidate.ts, this.lc.ts) > 0) {
      this.lc = { ts: candidate.ts, nonce: candidate.nonce };
      this.prune();
    }
  }

  private highestVerified(candidates: readonly Candidate<T>[], classes: readonly Classification[]): number {
    let best = -1;
    for (let i = 0; i < candidates.length; i++) {
      if (classes[i] !== 'verified') continue;
      if (best < 0 || this.ts.compare(candidates[i]!.ts, candidates[best]!.ts) > 0) best = i;
    }
    return best;
  }

  private statusOf(candidate: Candidate<T>, classification: Classification, highest: boolean): FilterStatus<T> {
    switch (classification) {
      case 'refuted':
        return { kind: 'REFUTE' };
      case 'unknown':
        return { kind: 'UNKNOWN' };
      case 'verified': {
        const entry = this.hist.get(this.ts.key(candidate.ts))!;
        if (this.ts.isTs0(entry.ts)) return { kind: 'CONFIRM', cc: [], fragment: null, lc: null };
        if (!highest) return { kind: 'CONFIRM', cc: entry.cc, fragment: null, lc: null };
        if (entry.fragment === null) return { kind: 'CONFIRM', cc: entry.cc, fragment: null, lc: this.lc };
        return { kind: 'CONFIRM', cc: entry.cc, fragment: entry.fragment, lc: null };
      }
    }
  }

  /** FILTER_UPDATEs for remembered UNKNOWN entries whose STORE (for `ts`) just arrived. */
  private sendUpdates(ts: T, out: Send<PowerStoreMessage<T>>[]): void {
    for (const [reader, memory] of this.readers) {
      for (const index of [...memory.unknown]) {
        const candidate = memory.candidates[index]!;
        if (this.ts.compare(candidate.ts, ts) !== 0) continue;
        memory.unknown.delete(index);
        this.env.initiating?.(reader);
        const classification = this.classify(candidate);
        if (classification === 'verified') this.raise(candidate);
        // Attach the fragment when this candidate is now the highest verified one of that C.
        let highest = classification === 'verified';
        if (highest) {
          for (let j = 0; j < memory.candidates.length && highest; j++) {
            const other = memory.candidates[j]!;
            if (j !== index && this.ts.compare(other.ts, candidate.ts) > 0 && this.classify(other) === 'verified') highest = false;
          }
        }
        const status = this.statusOf(candidate, classification, highest);
        out.push({ to: reader, msg: { type: 'FILTER_UPDATE', rid: memory.rid, index, candidate, status } });
      }
    }
  }

  /**
   * Fragment retention (docs/protocols.md#fragment-retention): fragment bytes are kept for the
   * `retain` highest stored timestamps, and never for a version at or above `lc` — such a version
   * is pruned only once `lc` has passed it. The rule as first specified (prune whatever is outside the newest
   * `retain`) is not live when `retain` ≤ the number of writers: `retain` concurrent, not yet
   * completed versions can push out the fragment of `lc`'s own version, and the CONFIRM then
   * carries an `lc` that is not newer than the reader's candidate, so the retry cannot make
   * progress (see test/powerstore-retention.test.ts). With this rule a pruned fragment implies `lc`
   * newer than it, which is what the retry's termination argument needs; fragments held stay
   * bounded by `retain` plus the versions above `lc` (at most one per writer under per-link FIFO).
   */
  private retain(entry: HistEntry<T>): void {
    let position = this.retained.length;
    while (position > 0 && this.ts.compare(this.retained[position - 1]!.ts, entry.ts) > 0) position--;
    this.retained.splice(position, 0, entry);
    this.fragmentBytes += entry.fragment!.length;
    this.prune();
  }

  private prune(): void {
    while (this.retained.length > this.config.retain) {
      const lowest = this.retained[0]!;
      if (this.config.retentionRule !== 'spec' && this.ts.compare(lowest.ts, this.lc.ts) >= 0) return;
      this.retained.shift();
      this.fragmentBytes -= lowest.fragment!.length;
      lowest.fragment = null;
    }
  }
}
