/**
 * @module The PoWerStore read (docs/protocols.md#powerstore, used unchanged by M-PoWerStore): collect,
 * then filter until a candidate is selected and its value decoded; one more FILTER round only when
 * fragments were pruned (retention), counted in `retries`. "Detail N" is item N of
 * docs/protocols.md#implementation-details.
 */
import type { ClusterInfo, NodeEnv, NodeId, Operation, OpStep, Send } from '../../types.ts';
import { broadcast } from '../../types.ts';
import { replyQuorum, ReplySet } from '../quorum.ts';
import type { TimestampOps } from '../timestamp.ts';
import { bytesEqual, candidateKey, N0, type Candidate, type FilterStatus, type PowerStoreMessage } from './messages.ts';
import { gatherFragments, selectCandidate, type StatusTable } from './selection.ts';

type Phase = 'idle' | 'collect' | 'filter' | 'done';

const WAIT: OpStep<never> = { status: 'pending', send: [] };

export class PowerStoreRead<T> implements Operation<PowerStoreMessage<T>> {
  readonly kind = 'read' as const;
  rounds = 0;
  retries = 0;
  private phase: Phase = 'idle';
  private rid = -1;
  private collected = new ReplySet();
  private readonly lcs = new Map<string, Candidate<T>>();
  private candidates: Candidate<T>[] = [];
  private table: StatusTable<T> = new Map();
  private readonly serverIndex: ReadonlyMap<NodeId, number>;
  private readonly n: number;
  private readonly t: number;
  /** Replies the collect round waits for. */
  private readonly quorum: number;

  constructor(
    private readonly cluster: ClusterInfo,
    private readonly ts: TimestampOps<T>,
    private readonly env: NodeEnv,
    /** The reader's rid counter: one rid per read attempt, increasing per reader (detail 2). */
    private readonly nextRid: () => number,
  ) {
    this.n = cluster.n;
    this.t = cluster.t;
    this.quorum = replyQuorum(cluster.n, cluster.t);
    this.serverIndex = new Map(cluster.servers.map((id, i) => [id, i]));
  }

  start(): Send<PowerStoreMessage<T>>[] {
    this.rid = this.nextRid();
    this.phase = 'collect';
    this.rounds = 1;
    return broadcast(this.cluster.servers, { type: 'COLLECT', rid: this.rid });
  }

  onMessage(from: NodeId, msg: PowerStoreMessage<T>): OpStep<PowerStoreMessage<T>> {
    const server = this.serverIndex.get(from);
    if (server === undefined) {
      this.env.reject('not-a-server');
      return WAIT;
    }
    switch (msg.type) {
      case 'COLLECT_ACK':
        if (this.phase !== 'collect' || msg.rid !== this.rid || !this.collected.add(from)) return WAIT;
        this.lcs.set(candidateKey(this.ts, msg.lc), msg.lc);
        if (this.collected.size < this.quorum) return WAIT;
        return this.startFilter();
      case 'FILTER_ACK':
        if (this.phase !== 'filter' || msg.rid !== this.rid) return WAIT;
        // Detail 1: one status per candidate, in order; any other length is rejected.
        if (msg.statuses.length !== this.candidates.length) {
          this.env.reject('filter-ack-wrong-length');
          return WAIT;
        }
        for (let i = 0; i < msg.statuses.length; i++) this.record(server, i, msg.statuses[i]!);
        return this.evaluate();
      case 'FILTER_UPDATE': {
        if (this.phase !== 'filter' || msg.rid !== this.rid) return WAIT;
        const expected = this.candidates[msg.index];
        if (expected === undefined || this.ts.compare(expected.ts, msg.candidate.ts) !== 0 || !bytesEqual(expected.nonce, msg.candidate.nonce)) {
          this.env.reject('filter-update-mismatch');
          return WAIT;
        }
        this.record(server, msg.index, msg.status);
        return this.evaluate();
      }
      default:
        // Replies of other protocols' phases or stale operations: not ours.
        return WAIT;
    }
  }

  private startFilter(): OpStep<PowerStoreMessage<T>> {
    // C = c0 and the distinct reported lcs, ordered by timestamp (at most 1 + (n - t) ≤ n + 1).
    const c0: Candidate<T> = { ts: this.ts.ts0, nonce: N0 };
    const list = [c0, ...[...this.lcs.values()].filter((c) => !(this.ts.isTs0(c.ts) && bytesEqual(c.nonce, N0)))];
    list.sort((a, b) => this.ts.compare(a.ts, b.ts));
    return this.filterRound(list, false);
  }

  private filterRound(candidates: Candidate<T>[], retry: boolean): OpStep<PowerStoreMessage<T>> {
    if (retry) {
      this.retries++;
      this.rid = this.nextRid();
    }
    this.phase = 'filter';
    this.candidates = candidates;
    this.table = new Map();
    // With C = [c0] the selection rule holds before any reply (every collect reply named c0, and a
    // completed operation would have left a newer lc at t + 1 correct servers, one of them in the
    // collect quorum): no FILTER needs to be sent.
    const evaluated = this.evaluate();
    if (evaluated.status === 'done') return evaluated;
    this.rounds++;
    return { status: 'pending', send: broadcast(this.cluster.servers, { type: 'FILTER', rid: this.rid, candidates }) };
  }

  /** Keeps the latest status per (server, candidate); a late UNKNOWN never overwrites (detail 2). */
  private record(server: number, index: number, status: FilterStatus<T>): void {
    let row = this.table.get(server);
    if (row === undefined) {
      row = new Array(this.candidates.length).fill(undefined);
      this.table.set(server, row);
    }
    const previous = row[index];
    if (status.kind === 'UNKNOWN' && previous !== undefined && previous.status.kind !== 'UNKNOWN') return;
    row[index] = { status };
  }

  private evaluate(): OpStep<PowerStoreMessage<T>> {
    const selection = selectCandidate(this.candidates, this.table, this.t, this.ts);
    if (selection.kind === 'none') return WAIT;
    const selected = this.candidates[selection.index]!;
    if (this.ts.isTs0(selected.ts)) return this.finish(new Uint8Array(0));
    const gathered = gatherFragments(this.table, selection.index, this.n, this.t, (data) => this.env.crypto.sha256(data));
    if (gathered.kind === 'ready') {
      try {
        return this.finish(this.env.codec.decode(gathered.fragments, this.t + 1, this.n));
      } catch {
        // Fragments matching a checksum reported by t + 1 servers are the writer's; a failure here
        // would be our bug or a codec mismatch. Keep waiting rather than return a wrong value.
        this.env.reject('decode-failed');
        return WAIT;
      }
    }
    // Retention retry (docs/protocols.md#fragment-retention): with 2t + 1 confirms at least t + 1
    // are correct, so a shortfall means a correct server pruned, and its lc is genuine and newer
    // than c_sel.
    const newer = new Map<string, Candidate<T>>();
    for (const lc of gathered.prunedLcs) {
      if (this.ts.compare(lc.ts, selected.ts) > 0) newer.set(candidateKey(this.ts, lc), lc);
    }
    if (newer.size === 0) return WAIT;
    const next = [selected, ...[...newer.values()].slice(0, this.n)];
    next.sort((a, b) => this.ts.compare(a.ts, b.ts));
    return this.filterRound(next, true);
  }

  private finish(value: Uint8Array): OpStep<PowerStoreMessage<T>> {
    this.phase = 'done';
    return { status: 'done', send: [], value };
  }
}
