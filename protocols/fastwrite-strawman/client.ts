/**
 * @module The fast-write strawman's client (UNSAFE by design; see `index.ts`).
 *
 * Write, 1 round ("fast"): STORE⟨ts, fr_i, cc⟩ to every server `s_i`, wait for `n - t` acks.
 * Read, 2 rounds: COLLECT from all, wait `n - t` replies; return the newest version held by at least
 * `threshold` of them (`t` or `t + 1`, the `readRule` option), decoded from `k = t` fragments that
 * match its cross-checksum, else the initial value; then write back the version's metadata
 * (`ts`, `cc`, no fragment) and wait for `n - t` acks.
 *
 * Appendix A proves that no such protocol is safe with `n ≤ 4t`: with rule `t + 1` a read after a
 * complete write can miss it (run4), with rule `t` a read can return a value that only `t` servers
 * hold and that disappears when they crash (run6).
 */
import type { ClientMachine, ClusterInfo, NodeEnv, NodeId, Operation, OpStep, Send } from '../types.ts';
import { broadcast } from '../types.ts';
import { ReplySet } from '../common/quorum.ts';
import { bytesEqual, type FastWriteMessage } from './messages.ts';

export type ReadRule = 't' | 't+1';

/** Replies a round waits for: `n - t`, the most a wait-free client may wait for. */
export function roundQuorum(cluster: ClusterInfo): number {
  return cluster.n - cluster.t;
}

/** Fragments needed to decode: `k = t` (at least 1), so a version held by `t` servers can be read. */
export function fragmentsNeeded(t: number): number {
  return Math.max(1, t);
}

/** How many servers must hold a version for a read to return it. */
export function readThreshold(rule: ReadRule, t: number): number {
  switch (rule) {
    case 't':
      return Math.max(1, t);
    case 't+1':
      return t + 1;
  }
}

const WAIT: OpStep<FastWriteMessage> = { status: 'pending', send: [] };
const EMPTY: Uint8Array = new Uint8Array(0);

export class FastWriteClient implements ClientMachine<FastWriteMessage> {
  private lastTs = 0;
  private lastRid = 0;

  constructor(
    private readonly cluster: ClusterInfo,
    private readonly rule: ReadRule,
    private readonly env: NodeEnv,
  ) {}

  read(): FastWriteRead {
    return new FastWriteRead(++this.lastRid, this.cluster, this.rule, this.env);
  }

  write(value: Uint8Array): Operation<FastWriteMessage> {
    return new FastWriteWrite(++this.lastTs, value, this.cluster, this.env);
  }
}

class FastWriteWrite implements Operation<FastWriteMessage> {
  readonly kind = 'write' as const;
  rounds = 0;
  readonly retries = 0;
  private readonly acks = new ReplySet();
  private readonly servers: ReadonlySet<NodeId>;

  constructor(
    private readonly ts: number,
    private readonly value: Uint8Array,
    private readonly cluster: ClusterInfo,
    private readonly env: NodeEnv,
  ) {
    this.servers = new Set(cluster.servers);
  }

  start(): Send<FastWriteMessage>[] {
    this.rounds = 1;
    const { n, t } = this.cluster;
    const fragments = this.env.codec.encode(this.value, fragmentsNeeded(t), n);
    const cc = fragments.map((fragment) => this.env.crypto.sha256(fragment));
    return this.cluster.servers.map((to, i) => ({ to, msg: { type: 'STORE', ts: this.ts, fragment: fragments[i]!, cc } }));
  }

  onMessage(from: NodeId, msg: FastWriteMessage): OpStep<FastWriteMessage> {
    if (!this.servers.has(from)) {
      this.env.reject('not-a-server');
      return WAIT;
    }
    if (msg.type !== 'STORE_ACK' || msg.ts !== this.ts || !this.acks.add(from)) return WAIT;
    // The unsafe step: the write returns after one round, before any server knows it completed.
    return this.acks.size >= roundQuorum(this.cluster) ? { status: 'done', send: [] } : WAIT;
  }
}

/** What a read decided, kept for tests and for the Appendix A walk-through. */
export interface ReadSelection {
  /** The timestamp returned (0 = the initial value). */
  readonly ts: number;
  /** Servers (ids) whose fragment of `ts` matched its cross-checksum. */
  readonly heldBy: readonly NodeId[];
  /** Servers that answered round 1. */
  readonly collectedFrom: readonly NodeId[];
  /** The highest timestamp written back (metadata) among the round-1 replies. */
  readonly maxWrittenBackTs: number;
}

interface Holding {
  readonly ts: number;
  readonly cc: Uint8Array[];
  /** fragments[i] = server i's fragment, when it matched `cc[i]`. */
  readonly fragments: (Uint8Array | undefined)[];
  readonly holders: NodeId[];
}

export class FastWriteRead implements Operation<FastWriteMessage> {
  readonly kind = 'read' as const;
  rounds = 0;
  readonly retries = 0;
  private phase: 'collect' | 'writeback' | 'done' = 'collect';
  private replies = new ReplySet();
  /** Per `ts` and cross-checksum (as hex), the servers holding a matching fragment. */
  private readonly holdings = new Map<string, Holding>();
  private maxWbTs = 0;
  private value: Uint8Array = EMPTY;
  private readonly serverIndex: ReadonlyMap<NodeId, number>;
  selection: ReadSelection | undefined;

  constructor(
    private readonly rid: number,
    private readonly cluster: ClusterInfo,
    private readonly rule: ReadRule,
    private readonly env: NodeEnv,
  ) {
    this.serverIndex = new Map(cluster.servers.map((id, i) => [id, i]));
  }

  start(): Send<FastWriteMessage>[] {
    this.rounds = 1;
    return broadcast(this.cluster.servers, { type: 'COLLECT', rid: this.rid });
  }

  onMessage(from: NodeId, msg: FastWriteMessage): OpStep<FastWriteMessage> {
    const index = this.serverIndex.get(from);
    if (index === undefined) {
      this.env.reject('not-a-server');
      return WAIT;
    }
    switch (msg.type) {
      case 'COLLECT_ACK':
        if (this.phase !== 'collect' || msg.rid !== this.rid || !this.replies.add(from)) return WAIT;
        this.fold(from, index, msg);
        if (this.replies.size < roundQuorum(this.cluster)) return WAIT;
        return this.select();
      case 'WRITEBACK_ACK':
        if (this.phase !== 'writeback' || msg.rid !== this.rid || !this.replies.add(from)) return WAIT;
        if (this.replies.size < roundQuorum(this.cluster)) return WAIT;
        this.phase = 'done';
        return { status: 'done', send: [], value: this.value };
      case 'STORE':
      case 'STORE_ACK':
      case 'COLLECT':
      case 'WRITEBACK':
        return WAIT;
    }
  }

  private fold(from: NodeId, index: number, msg: Extract<FastWriteMessage, { type: 'COLLECT_ACK' }>): void {
    if (msg.wbTs > this.maxWbTs) this.maxWbTs = msg.wbTs;
    for (const version of msg.versions) {
      const entry = version.cc[index];
      if (version.cc.length !== this.cluster.n || entry === undefined || !bytesEqual(this.env.crypto.sha256(version.fragment), entry)) {
        this.env.reject('fragment-mismatch');
        continue;
      }
      const key = `${version.ts}#${version.cc.map(hex).join('')}`;
      let holding = this.holdings.get(key);
      if (holding === undefined) {
        holding = { ts: version.ts, cc: version.cc, fragments: new Array<Uint8Array | undefined>(this.cluster.n).fill(undefined), holders: [] };
        this.holdings.set(key, holding);
      }
      if (holding.fragments[index] === undefined) {
        holding.fragments[index] = version.fragment;
        holding.holders.push(from);
      }
    }
  }

  /** The read rule: the newest version held by at least `threshold` of the round-1 repliers. */
  private select(): OpStep<FastWriteMessage> {
    const { n, t } = this.cluster;
    const threshold = readThreshold(this.rule, t);
    const newestFirst = [...this.holdings.values()].sort((a, b) => b.ts - a.ts);
    let chosen: Holding | undefined;
    for (const holding of newestFirst) {
      if (holding.holders.length < threshold) continue;
      try {
        this.value = this.env.codec.decode(holding.fragments, fragmentsNeeded(t), n);
        chosen = holding;
        break;
      } catch {
        // Fragments matching one cross-checksum come from the writer's encoding; a failure would be a
        // codec bug. Fall back to the next older version rather than return garbage.
        this.env.reject('decode-failed');
      }
    }
    if (chosen === undefined) this.value = EMPTY;
    const ts = chosen?.ts ?? 0;
    const cc = chosen?.cc ?? [];
    this.selection = { ts, heldBy: chosen?.holders.slice() ?? [], collectedFrom: this.collected(), maxWrittenBackTs: this.maxWbTs };
    // Selfish write-back: metadata only. It tells servers which version was returned but gives them
    // no bytes of it, so it cannot make the value durable (Appendix A, run6 (ii)).
    this.phase = 'writeback';
    this.rounds = 2;
    this.replies = new ReplySet();
    return { status: 'pending', send: broadcast(this.cluster.servers, { type: 'WRITEBACK', rid: this.rid, ts, cc }) };
  }

  private collected(): NodeId[] {
    return this.cluster.servers.filter((id) => this.replies.has(id));
  }
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, '0');
  return out;
}
