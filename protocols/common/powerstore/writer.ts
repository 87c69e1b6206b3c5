/**
 * @module The PoWerStore write (store, complete) and M-PoWerStore's (get-ts, store with the MAC
 * vector μ, complete): docs/protocols.md#powerstore, #m-powerstore.
 *
 * Proof of writing: the nonce `N` is drawn at the start but revealed (COMPLETE) only after `n - t`
 * servers acknowledged the STORE carrying its commitment `H(N)`.
 */
import type { ClusterInfo, NodeEnv, NodeId, Operation, OpStep, Send } from '../../types.ts';
import { broadcast } from '../../types.ts';
import { replyQuorum, ReplySet } from '../quorum.ts';
import type { TimestampOps } from '../timestamp.ts';
import { bytesEqual, DIGEST_BYTES, type PowerStoreMessage } from './messages.ts';

/** How a write obtains its timestamp. */
export type TimestampSource<T> =
  /** Single writer: the writer's own counter (PoWerStore). */
  | { readonly kind: 'local'; next(): T }
  /** Multi-writer: a GET_TS round; `keys[i]` is `k_i`, shared with server `s_i` (M-PoWerStore). */
  | { readonly kind: 'query'; readonly writer: NodeId; readonly keys: readonly Uint8Array[]; readonly makeTs: (num: number) => T; nextOp(): number };

type Phase = 'get-ts' | 'store' | 'complete' | 'done';

const WAIT: OpStep<never> = { status: 'pending', send: [] };

export class PowerStoreWrite<T> implements Operation<PowerStoreMessage<T>> {
  readonly kind = 'write' as const;
  rounds = 0;
  readonly retries = 0;
  private phase: Phase = 'store';
  private replies = new ReplySet();
  private op = -1;
  private maxAuthenticNum = 0;
  private timestamp: T;
  private readonly nonce: Uint8Array;
  private readonly serverIndex: ReadonlyMap<NodeId, number>;
  private readonly quorum: number;

  constructor(
    private readonly value: Uint8Array,
    private readonly cluster: ClusterInfo,
    private readonly ts: TimestampOps<T>,
    private readonly env: NodeEnv,
    private readonly source: TimestampSource<T>,
  ) {
    this.timestamp = ts.ts0;
    this.nonce = env.random.bytes(DIGEST_BYTES);
    this.serverIndex = new Map(cluster.servers.map((id, i) => [id, i]));
    this.quorum = replyQuorum(cluster.n, cluster.t);
  }

  start(): Send<PowerStoreMessage<T>>[] {
    if (this.source.kind === 'query') {
      this.phase = 'get-ts';
      this.rounds = 1;
      this.op = this.source.nextOp();
      return broadcast(this.cluster.servers, { type: 'GET_TS', op: this.op });
    }
    this.timestamp = this.source.next();
    return this.storeRound();
  }

  onMessage(from: NodeId, msg: PowerStoreMessage<T>): OpStep<PowerStoreMessage<T>> {
    const server = this.serverIndex.get(from);
    if (server === undefined) {
      this.env.reject('not-a-server');
      return WAIT;
    }
    switch (msg.type) {
      case 'GET_TS_ACK': {
        if (this.phase !== 'get-ts' || msg.op !== this.op || !this.replies.add(from)) return WAIT;
        if (this.authentic(msg.ts, msg.mac)) this.maxAuthenticNum = Math.max(this.maxAuthenticNum, this.ts.num(msg.ts));
        if (this.replies.size < this.quorum) return WAIT;
        const source = this.source as Extract<TimestampSource<T>, { kind: 'query' }>;
        this.timestamp = source.makeTs(this.maxAuthenticNum + 1);
        return { status: 'pending', send: this.storeRound() };
      }
      case 'STORE_ACK':
        if (this.phase !== 'store' || this.ts.compare(msg.ts, this.timestamp) !== 0 || !this.replies.add(from)) return WAIT;
        if (this.replies.size < this.quorum) return WAIT;
        // Only now, with n - t STORE_ACKs, is N revealed: t + 1 correct servers hold the version.
        this.phase = 'complete';
        this.rounds++;
        this.replies = new ReplySet();
        return { status: 'pending', send: broadcast(this.cluster.servers, { type: 'COMPLETE', ts: this.timestamp, nonce: this.nonce }) };
      case 'COMPLETE_ACK':
        if (this.phase !== 'complete' || this.ts.compare(msg.ts, this.timestamp) !== 0 || !this.replies.add(from)) return WAIT;
        if (this.replies.size < this.quorum) return WAIT;
        this.phase = 'done';
        return { status: 'done', send: [] };
      default:
        return WAIT;
    }
  }

  private storeRound(): Send<PowerStoreMessage<T>>[] {
    const n = this.cluster.n;
    const fragments = this.env.codec.encode(this.value, this.cluster.t + 1, n);
    const cc = fragments.map((fragment) => this.env.crypto.sha256(fragment));
    const commitment = this.env.crypto.sha256(this.nonce);
    let mac: Uint8Array[] | undefined;
    if (this.source.kind === 'query') {
      const tsBytes = this.ts.bytes(this.timestamp);
      mac = this.source.keys.map((key) => this.env.crypto.hmacSha256(key, tsBytes));
    }
    this.phase = 'store';
    this.rounds++;
    this.replies = new ReplySet();
    return this.cluster.servers.map((to, i) => ({
      to,
      msg:
        mac === undefined
          ? { type: 'STORE', ts: this.timestamp, fragment: fragments[i]!, cc, commitment }
          : { type: 'STORE', ts: this.timestamp, fragment: fragments[i]!, cc, commitment, mac },
    }));
  }

  /** M-PoWerStore: `ts0` is authentic without MACs; otherwise at least t + 1 entries of μ must verify. */
  private authentic(ts: T, mac: readonly Uint8Array[]): boolean {
    if (this.ts.isTs0(ts)) return true;
    if (this.source.kind !== 'query' || mac.length !== this.cluster.n) return false;
    const tsBytes = this.ts.bytes(ts);
    let valid = 0;
    for (let i = 0; i < mac.length && valid < this.cluster.t + 1; i++) {
      if (bytesEqual(mac[i]!, this.env.crypto.hmacSha256(this.source.keys[i]!, tsBytes))) valid++;
    }
    return valid >= this.cluster.t + 1;
  }
}
