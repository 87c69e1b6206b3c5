/**
 * @module The `bft-signed` client (docs/protocols.md#bft-signed): 2-round writes, 2-round reads (1 with
 * `fastRead` when a quorum agrees), and every reply checked against its writer's signature.
 */
import { broadcast, type ClientMachine, type ClusterInfo, type NodeEnv, type NodeId, type Operation, type OpStep, type Send } from '../types.ts';
import { disseminationQuorum, ReplySet } from '../common/quorum.ts';
import { EMPTY_VALUE_SHA256, signedBytes, timestampOf, type BftMessage } from './messages.ts';
import { writerTimestamps, type WriterTimestamp as Timestamp } from '../common/timestamp.ts';

const { compare: compareTimestamps, isTs0, ts0: TS0 } = writerTimestamps;

export interface BftClientConfig {
  readonly cluster: ClusterInfo;
  readonly fastRead: boolean;
  readonly publicKeys: ReadonlyMap<NodeId, Uint8Array>;
  /** This client's signing key; only writers have one. */
  readonly secretKey: Uint8Array | undefined;
  /** The register this client machine operates on; bound into every signature. */
  readonly register: string;
}

/** Checks the versions that replies carry; one per operation (so its cache lives one operation). */
class VersionVerifier {
  /**
   * Signatures already verified in this operation, keyed by `num/writer/hash/sig`: a quorum usually
   * returns the same version, and a careful implementation verifies it once, not `q` times.
   */
  private readonly verified = new Set<string>();

  constructor(
    private readonly publicKeys: ReadonlyMap<NodeId, Uint8Array>,
    private readonly env: NodeEnv,
    private readonly register: string,
  ) {}

  /** True if `(ts, hash, sig)` is the initial version or carries its writer's valid signature. */
  check(ts: Timestamp, hash: Uint8Array, sig: Uint8Array): boolean {
    if (isTs0(ts)) {
      if (sig.length === 0 && bytesEqual(hash, EMPTY_VALUE_SHA256)) return true;
      this.env.reject('bad-initial-version');
      return false;
    }
    const publicKey = this.publicKeys.get(ts.writer);
    if (publicKey === undefined) {
      this.env.reject('unknown-writer');
      return false;
    }
    const cacheKey = `${ts.num}/${ts.writer}/${hex(hash)}/${hex(sig)}`;
    if (this.verified.has(cacheKey)) return true;
    if (!this.env.crypto.ed25519Verify(publicKey, signedBytes(this.register, ts, hash), sig)) {
      this.env.reject('bad-signature');
      return false;
    }
    this.verified.add(cacheKey);
    return true;
  }
}

/** Bookkeeping of one round: who answered (first answer only) and how many answers were valid. */
class RoundTally {
  private readonly answered = new ReplySet();
  valid = 0;

  /** False for a second answer from the same server in this round (counted as rejected). */
  admit(from: NodeId, env: NodeEnv): boolean {
    if (this.answered.add(from)) return true;
    env.reject('duplicate-reply');
    return false;
  }
}

export class BftSignedClient implements ClientMachine<BftMessage> {
  private lastOp = 0;
  private readonly servers: ReadonlySet<NodeId>;
  readonly quorum: number;

  constructor(
    readonly id: NodeId,
    readonly config: BftClientConfig,
    readonly env: NodeEnv,
  ) {
    this.servers = new Set(config.cluster.servers);
    this.quorum = disseminationQuorum(config.cluster.n, config.cluster.t);
  }

  read(): Operation<BftMessage> {
    return new ReadOperation(this, ++this.lastOp);
  }

  write(value: Uint8Array): Operation<BftMessage> {
    const secretKey = this.config.secretKey;
    // Only configured writers get key pairs (setup); a write from anyone else is a harness bug.
    if (secretKey === undefined) throw new Error(`bft-signed: client ${this.id} is not a writer and has no signing key`);
    return new WriteOperation(this, ++this.lastOp, value, secretKey);
  }

  /**
   * Common filter for replies: drops replies of other operations (late answers to an earlier one are
   * normal and ignored silently) and counts messages that no server should send.
   */
  accepts(op: number, from: NodeId, msg: BftMessage): boolean {
    if (!this.servers.has(from)) {
      this.env.reject('not-a-server');
      return false;
    }
    if (msg.op !== op) {
      if (msg.op > this.lastOp) this.env.reject('unknown-op');
      return false;
    }
    return true;
  }

  verifier(): VersionVerifier {
    return new VersionVerifier(this.config.publicKeys, this.env, this.config.register);
  }
}

type WritePhase = 'get-ts' | 'put' | 'done';

class WriteOperation implements Operation<BftMessage> {
  readonly kind = 'write';
  readonly retries = 0;
  rounds = 0;
  private phase: WritePhase = 'get-ts';
  private tally = new RoundTally();
  private maxNum = 0;
  private readonly verifier: VersionVerifier;

  constructor(
    private readonly client: BftSignedClient,
    private readonly op: number,
    private readonly value: Uint8Array,
    private readonly secretKey: Uint8Array,
  ) {
    this.verifier = client.verifier();
  }

  start(): Send<BftMessage>[] {
    this.rounds = 1;
    return broadcast(this.client.config.cluster.servers, { type: 'GET_TS', op: this.op });
  }

  onMessage(from: NodeId, msg: BftMessage): OpStep<BftMessage> {
    if (this.phase === 'done' || !this.client.accepts(this.op, from, msg)) return pending();
    switch (msg.type) {
      case 'GET_TS_ACK': {
        // Late round-1 answers after the PUT went out are normal and no longer needed.
        if (this.phase !== 'get-ts' || !this.tally.admit(from, this.client.env)) return pending();
        if (!this.verifier.check(timestampOf(msg), msg.hash, msg.sig)) return pending();
        this.maxNum = Math.max(this.maxNum, msg.num);
        if (++this.tally.valid < this.client.quorum) return pending();
        return { status: 'pending', send: this.startPut() };
      }
      case 'PUT_ACK': {
        if (this.phase !== 'put' || !this.tally.admit(from, this.client.env)) return pending();
        if (++this.tally.valid < this.client.quorum) return pending();
        this.phase = 'done';
        return { status: 'done', send: [] };
      }
      case 'GET_ACK':
      case 'GET_TS':
      case 'GET':
      case 'PUT':
        this.client.env.reject('unexpected-message');
        return pending();
      default: {
        const unreachable: never = msg;
        return unreachable;
      }
    }
  }

  /** Round 2: `ts ← (max num + 1, w)`, `σ ← Sign_w(ts ‖ H(v))`, PUT to all. */
  private startPut(): Send<BftMessage>[] {
    const { crypto } = this.client.env;
    const ts: Timestamp = { num: this.maxNum + 1, writer: this.client.id };
    const sig = crypto.ed25519Sign(this.secretKey, signedBytes(this.client.config.register, ts, crypto.sha256(this.value)));
    this.phase = 'put';
    this.tally = new RoundTally();
    this.rounds = 2;
    return broadcast(this.client.config.cluster.servers, {
      type: 'PUT',
      op: this.op,
      num: ts.num,
      writer: ts.writer,
      value: this.value,
      sig,
    });
  }
}

type ReadPhase = 'get' | 'write-back' | 'done';

class ReadOperation implements Operation<BftMessage> {
  readonly kind = 'read';
  readonly retries = 0;
  rounds = 0;
  private phase: ReadPhase = 'get';
  private tally = new RoundTally();
  private best: { ts: Timestamp; value: Uint8Array; sig: Uint8Array } = {
    ts: TS0,
    value: new Uint8Array(0),
    sig: new Uint8Array(0),
  };
  /** The timestamp of the first valid reply, and whether every later valid reply carried it too. */
  private firstTs: Timestamp | undefined;
  private unanimous = true;
  private readonly verifier: VersionVerifier;

  constructor(
    private readonly client: BftSignedClient,
    private readonly op: number,
  ) {
    this.verifier = client.verifier();
  }

  start(): Send<BftMessage>[] {
    this.rounds = 1;
    return broadcast(this.client.config.cluster.servers, { type: 'GET', op: this.op });
  }

  onMessage(from: NodeId, msg: BftMessage): OpStep<BftMessage> {
    if (this.phase === 'done' || !this.client.accepts(this.op, from, msg)) return pending();
    switch (msg.type) {
      case 'GET_ACK': {
        if (this.phase !== 'get' || !this.tally.admit(from, this.client.env)) return pending();
        const ts = timestampOf(msg);
        // The hash is recomputed from the value, so a flipped value byte fails the signature check.
        const hash = isTs0(ts) ? (msg.value.length === 0 ? EMPTY_VALUE_SHA256 : BAD_INITIAL_HASH) : this.client.env.crypto.sha256(msg.value);
        if (!this.verifier.check(ts, hash, msg.sig)) return pending();
        if (this.firstTs === undefined) this.firstTs = ts;
        else if (compareTimestamps(ts, this.firstTs) !== 0) this.unanimous = false;
        if (compareTimestamps(ts, this.best.ts) > 0) this.best = { ts, value: msg.value, sig: msg.sig };
        if (++this.tally.valid < this.client.quorum) return pending();
        if (this.client.config.fastRead && this.unanimous) return this.finish();
        return { status: 'pending', send: this.startWriteBack() };
      }
      case 'PUT_ACK': {
        if (this.phase !== 'write-back' || !this.tally.admit(from, this.client.env)) return pending();
        if (++this.tally.valid < this.client.quorum) return pending();
        return this.finish();
      }
      case 'GET_TS_ACK':
      case 'GET_TS':
      case 'GET':
      case 'PUT':
        this.client.env.reject('unexpected-message');
        return pending();
      default: {
        const unreachable: never = msg;
        return unreachable;
      }
    }
  }

  /** Round 2: write back the whole signed version so that a quorum holds it before we return it. */
  private startWriteBack(): Send<BftMessage>[] {
    this.phase = 'write-back';
    this.tally = new RoundTally();
    this.rounds = 2;
    const { ts, value, sig } = this.best;
    return broadcast(this.client.config.cluster.servers, { type: 'PUT', op: this.op, num: ts.num, writer: ts.writer, value, sig });
  }

  private finish(): OpStep<BftMessage> {
    this.phase = 'done';
    return { status: 'done', send: [], value: this.best.value };
  }
}

/** Stands for "not the empty value's hash", so that a non-empty value at ts0 fails the check. */
const BAD_INITIAL_HASH = new Uint8Array(32).fill(0xff);

function pending(): OpStep<BftMessage> {
  return { status: 'pending', send: [] };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
