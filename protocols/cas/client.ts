/**
 * @module CAS client operations (docs/protocols.md#cas): a write is query, pre-write, finalize (3 rounds);
 * a read is query, then finalize-and-collect (2 rounds), started again from the query (a counted
 * retry) when garbage collection left fewer than `k` elements in its quorum.
 */
import type { ClientMachine, ClusterInfo, NodeEnv, NodeId, Operation, OpStep, Send } from '../types.ts';
import { broadcast } from '../types.ts';
import { ReplySet } from '../common/quorum.ts';
import { writerTimestamps as tags } from '../common/timestamp.ts';
import { casQuorum, codeDimension, readFinDecision } from './quorum.ts';
import type { CasMessage, CasTag } from './messages.ts';

const WAIT: OpStep<CasMessage> = { status: 'pending', send: [] };

/** What both kinds of operation need to know about the cluster. */
interface CasCluster {
  readonly servers: readonly NodeId[];
  /** Server id → its index `i` (it holds element `e_i`). */
  readonly index: ReadonlyMap<NodeId, number>;
  readonly n: number;
  readonly k: number;
  readonly quorum: number;
}

export class CasClient implements ClientMachine<CasMessage> {
  private lastOp = 0;
  private readonly cas: CasCluster;

  constructor(
    private readonly id: NodeId,
    cluster: ClusterInfo,
    private readonly env: NodeEnv,
  ) {
    const k = codeDimension(cluster.n, cluster.t);
    this.cas = { servers: cluster.servers, index: new Map(cluster.servers.map((s, i) => [s, i])), n: cluster.n, k, quorum: casQuorum(cluster.n, k) };
  }

  read(): Operation<CasMessage> {
    return new CasRead(this.cas, this.env, () => ++this.lastOp);
  }

  write(value: Uint8Array): Operation<CasMessage> {
    return new CasWrite(++this.lastOp, this.id, value, this.cas, this.env);
  }
}

type WritePhase = 'query' | 'pre' | 'fin' | 'done';

class CasWrite implements Operation<CasMessage> {
  readonly kind = 'write' as const;
  rounds = 0;
  readonly retries = 0;
  private phase: WritePhase = 'query';
  private replies = new ReplySet();
  private maxZ = 0;
  private tag: CasTag = tags.ts0;

  constructor(
    private readonly op: number,
    private readonly writer: NodeId,
    private readonly value: Uint8Array,
    private readonly cas: CasCluster,
    private readonly env: NodeEnv,
  ) {}

  start(): Send<CasMessage>[] {
    this.rounds = 1;
    return broadcast(this.cas.servers, { type: 'QUERY', op: this.op });
  }

  onMessage(from: NodeId, msg: CasMessage): OpStep<CasMessage> {
    if (!this.cas.index.has(from)) {
      this.env.reject('not-a-server');
      return WAIT;
    }
    if (msg.op !== this.op) return WAIT;
    switch (msg.type) {
      case 'QUERY_ACK':
        if (this.phase !== 'query' || !this.replies.add(from)) return WAIT;
        if (msg.tag.num > this.maxZ) this.maxZ = msg.tag.num;
        if (this.replies.size < this.cas.quorum) return WAIT;
        return { status: 'pending', send: this.preWrite() };
      case 'PRE_ACK':
        if (this.phase !== 'pre' || !this.replies.add(from)) return WAIT;
        if (this.replies.size < this.cas.quorum) return WAIT;
        // The pre-write reached a quorum: only now may the tag be labelled fin anywhere.
        this.next('fin');
        return { status: 'pending', send: broadcast(this.cas.servers, { type: 'FIN', op: this.op, tag: this.tag }) };
      case 'FIN_ACK':
        if (this.phase !== 'fin' || !this.replies.add(from)) return WAIT;
        if (this.replies.size < this.cas.quorum) return WAIT;
        this.phase = 'done';
        return { status: 'done', send: [] };
      default:
        return WAIT;
    }
  }

  /** Step 2: `tag ← (z + 1, w)`, and element `e_i` of the value to each server `s_i`. */
  private preWrite(): Send<CasMessage>[] {
    this.tag = { num: this.maxZ + 1, writer: this.writer };
    const elements = this.env.codec.encode(this.value, this.cas.k, this.cas.n);
    this.next('pre');
    return this.cas.servers.map((to, i) => ({ to, msg: { type: 'PRE', op: this.op, tag: this.tag, element: elements[i]! } }));
  }

  private next(phase: WritePhase): void {
    this.phase = phase;
    this.rounds++;
    this.replies = new ReplySet();
  }
}

type ReadPhase = 'query' | 'read-fin' | 'done';

class CasRead implements Operation<CasMessage> {
  readonly kind = 'read' as const;
  rounds = 0;
  retries = 0;
  private phase: ReadPhase = 'query';
  private op = -1;
  private replies = new ReplySet();
  private tag: CasTag = tags.ts0;
  /** `elements[i]`: the element of server `s_i` for `tag`, if it sent one. */
  private elements: (Uint8Array | undefined)[] = [];
  private elementCount = 0;

  constructor(
    private readonly cas: CasCluster,
    private readonly env: NodeEnv,
    private readonly nextOp: () => number,
  ) {}

  start(): Send<CasMessage>[] {
    return this.query();
  }

  onMessage(from: NodeId, msg: CasMessage): OpStep<CasMessage> {
    const index = this.cas.index.get(from);
    if (index === undefined) {
      this.env.reject('not-a-server');
      return WAIT;
    }
    if (msg.op !== this.op) return WAIT;
    switch (msg.type) {
      case 'QUERY_ACK':
        if (this.phase !== 'query' || !this.replies.add(from)) return WAIT;
        if (tags.compare(msg.tag, this.tag) > 0) this.tag = msg.tag;
        if (this.replies.size < this.cas.quorum) return WAIT;
        this.phase = 'read-fin';
        this.rounds++;
        this.replies = new ReplySet();
        return { status: 'pending', send: broadcast(this.cas.servers, { type: 'READ_FIN', op: this.op, tag: this.tag }) };
      case 'READ_FIN_ACK':
        if (this.phase !== 'read-fin' || !this.replies.add(from)) return WAIT;
        if (msg.element !== null) {
          this.elements[index] = msg.element;
          this.elementCount++;
        }
        return this.decide();
      default:
        return WAIT;
    }
  }

  private decide(): OpStep<CasMessage> {
    switch (readFinDecision(this.replies.size, this.elementCount, this.cas.quorum, this.cas.k)) {
      case 'wait':
        return WAIT;
      case 'decode':
        try {
          const value = this.env.codec.decode(this.elements, this.cas.k, this.cas.n);
          this.phase = 'done';
          return { status: 'done', send: [], value };
        } catch {
          // Elements of one tag from correct servers always decode; these came from a faulty one.
          this.env.reject('decode-failed');
          return this.retry();
        }
      case 'retry':
        return this.retry();
    }
  }

  /** Garbage collection ran ahead of this read: a newer finalized tag exists; query again. */
  private retry(): OpStep<CasMessage> {
    this.retries++;
    return { status: 'pending', send: this.query() };
  }

  private query(): Send<CasMessage>[] {
    this.op = this.nextOp();
    this.phase = 'query';
    this.rounds++;
    this.replies = new ReplySet();
    this.tag = tags.ts0;
    this.elements = [];
    this.elementCount = 0;
    return broadcast(this.cas.servers, { type: 'QUERY', op: this.op });
  }
}
