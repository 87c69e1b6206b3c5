/**
 * @module ABD client operations (docs/protocols.md#abd): writes and reads, two rounds each; a read with
 * `fastRead` returns after one round when its whole quorum already agrees on the timestamp.
 */
import type { ClientMachine, ClusterInfo, NodeEnv, NodeId, Operation, OpStep, Send } from '../types.ts';
import { broadcast } from '../types.ts';
import { compareTimestamps, replyQuorum, ReplySet } from '../common/quorum.ts';
import type { AbdMessage } from './messages.ts';

export interface AbdClientOptions {
  readonly fastRead: boolean;
}

const PENDING_NONE: OpStep<AbdMessage> = { status: 'pending', send: [] };
/**
 * Replies to wait for: `n - t`, which is the majority `t + 1` for `n = 2t + 1`
 * (docs/protocols.md#abd) and stays safe with more servers (two sets of `n - t` intersect when
 * `n ≥ 2t + 1`).
 */
function abdQuorum(cluster: ClusterInfo): number {
  return replyQuorum(cluster.n, cluster.t);
}

/** The initial value (empty), shared: reads start from it until a reply carries a value. */
const EMPTY: Uint8Array = new Uint8Array(0);

export class AbdClient implements ClientMachine<AbdMessage> {
  private nextOp = 1;
  private readonly servers: Set<NodeId>;

  constructor(
    private readonly id: NodeId,
    private readonly cluster: ClusterInfo,
    private readonly options: AbdClientOptions,
    private readonly env: NodeEnv,
  ) {
    this.servers = new Set(cluster.servers);
  }

  read(): Operation<AbdMessage> {
    return new AbdRead(this.nextOp++, this.cluster, this.servers, this.options.fastRead, this.env);
  }

  write(value: Uint8Array): Operation<AbdMessage> {
    return new AbdWrite(this.nextOp++, this.id, value, this.cluster, this.servers, this.env);
  }
}

class AbdWrite implements Operation<AbdMessage> {
  readonly kind = 'write' as const;
  rounds = 0;
  readonly retries = 0;
  private replies = new ReplySet();
  private maxNum = 0;
  private readonly quorum: number;

  constructor(
    private readonly op: number,
    private readonly writer: NodeId,
    private readonly value: Uint8Array,
    private readonly cluster: ClusterInfo,
    private readonly servers: ReadonlySet<NodeId>,
    private readonly env: NodeEnv,
  ) {
    this.quorum = abdQuorum(cluster);
  }

  start(): Send<AbdMessage>[] {
    this.rounds = 1;
    return broadcast(this.cluster.servers, { type: 'GET_TS', op: this.op });
  }

  onMessage(from: NodeId, msg: AbdMessage): OpStep<AbdMessage> {
    if (!this.servers.has(from)) {
      this.env.reject('not-a-server');
      return PENDING_NONE;
    }
    if (msg.op !== this.op) return PENDING_NONE;
    if (this.rounds === 1 && msg.type === 'GET_TS_ACK') {
      if (!this.replies.add(from)) return PENDING_NONE;
      if (msg.num > this.maxNum) this.maxNum = msg.num;
      if (this.replies.size < this.quorum) return PENDING_NONE;
      // Update phase: a timestamp above every one a quorum has seen (docs/protocols.md#abd).
      this.rounds = 2;
      this.replies = new ReplySet();
      return {
        status: 'pending',
        send: broadcast(this.cluster.servers, { type: 'PUT', op: this.op, num: this.maxNum + 1, writer: this.writer, value: this.value }),
      };
    }
    if (this.rounds === 2 && msg.type === 'PUT_ACK') {
      if (!this.replies.add(from)) return PENDING_NONE;
      if (this.replies.size < this.quorum) return PENDING_NONE;
      return { status: 'done', send: [] };
    }
    return PENDING_NONE;
  }
}

class AbdRead implements Operation<AbdMessage> {
  readonly kind = 'read' as const;
  rounds = 0;
  readonly retries = 0;
  private replies = new ReplySet();
  private num = 0;
  private writer = '';
  private value: Uint8Array = EMPTY;
  /** Whether every query reply so far carried the same timestamp (for `fastRead`). */
  private unanimous = true;
  private readonly quorum: number;

  constructor(
    private readonly op: number,
    private readonly cluster: ClusterInfo,
    private readonly servers: ReadonlySet<NodeId>,
    private readonly fastRead: boolean,
    private readonly env: NodeEnv,
  ) {
    this.quorum = abdQuorum(cluster);
  }

  start(): Send<AbdMessage>[] {
    this.rounds = 1;
    return broadcast(this.cluster.servers, { type: 'GET', op: this.op });
  }

  onMessage(from: NodeId, msg: AbdMessage): OpStep<AbdMessage> {
    if (!this.servers.has(from)) {
      this.env.reject('not-a-server');
      return PENDING_NONE;
    }
    if (msg.op !== this.op) return PENDING_NONE;
    if (this.rounds === 1 && msg.type === 'GET_ACK') {
      if (!this.replies.add(from)) return PENDING_NONE;
      if (this.replies.size === 1) {
        this.num = msg.num;
        this.writer = msg.writer;
        this.value = msg.value;
      } else {
        const order = compareTimestamps(msg.num, msg.writer, this.num, this.writer);
        if (order !== 0) this.unanimous = false;
        if (order > 0) {
          this.num = msg.num;
          this.writer = msg.writer;
          this.value = msg.value;
        }
      }
      if (this.replies.size < this.quorum) return PENDING_NONE;
      // A quorum already holds this timestamp, so it is durable and the write-back can be skipped.
      if (this.fastRead && this.unanimous) return { status: 'done', send: [], value: this.value };
      this.rounds = 2;
      this.replies = new ReplySet();
      return {
        status: 'pending',
        send: broadcast(this.cluster.servers, { type: 'PUT', op: this.op, num: this.num, writer: this.writer, value: this.value }),
      };
    }
    if (this.rounds === 2 && msg.type === 'PUT_ACK') {
      if (!this.replies.add(from)) return PENDING_NONE;
      if (this.replies.size < this.quorum) return PENDING_NONE;
      return { status: 'done', send: [], value: this.value };
    }
    return PENDING_NONE;
  }
}
