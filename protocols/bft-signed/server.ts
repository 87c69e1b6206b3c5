/**
 * @module The `bft-signed` server (docs/protocols.md#bft-signed): holds the highest verified `(ts, v, σ)`.
 */
import type { NodeEnv, NodeId, Send, ServerMachine } from '../types.ts';
import { EMPTY_VALUE_SHA256, signedBytes, timestampOf, type BftMessage } from './messages.ts';
import { writerTimestamps, type WriterTimestamp as Timestamp } from '../common/timestamp.ts';

const { compare: compareTimestamps, ts0: TS0 } = writerTimestamps;

/** A stored version. `hash` is kept so that GET_TS can answer `(ts, H(v), σ)` without rehashing. */
export interface SignedVersion {
  readonly ts: Timestamp;
  readonly value: Uint8Array;
  readonly hash: Uint8Array;
  readonly sig: Uint8Array;
}

export const INITIAL_VERSION: SignedVersion = {
  ts: TS0,
  value: new Uint8Array(0),
  hash: EMPTY_VALUE_SHA256,
  sig: new Uint8Array(0),
};


export class BftSignedServer implements ServerMachine<BftMessage> {
  private version: SignedVersion = INITIAL_VERSION;
  private versionBytes = 0;

  constructor(
    /** Every writer's Ed25519 public key; a server never holds a secret key. */
    private readonly publicKeys: ReadonlyMap<NodeId, Uint8Array>,
    private readonly env: NodeEnv,
    /** The register this machine serves; bound into the signatures it accepts. */
    private readonly register: string = '',
  ) {
    this.versionBytes = storedSize(INITIAL_VERSION);
  }

  handle(from: NodeId, msg: BftMessage): Send<BftMessage>[] {
    switch (msg.type) {
      case 'GET_TS': {
        const { ts, hash, sig } = this.version;
        return [{ to: from, msg: { type: 'GET_TS_ACK', op: msg.op, num: ts.num, writer: ts.writer, hash, sig } }];
      }
      case 'GET': {
        const { ts, value, sig } = this.version;
        return [{ to: from, msg: { type: 'GET_ACK', op: msg.op, num: ts.num, writer: ts.writer, value, sig } }];
      }
      case 'PUT':
        return this.put(from, msg);
      case 'GET_TS_ACK':
      case 'GET_ACK':
      case 'PUT_ACK':
        // Replies are for clients; a server receiving one is talking to a confused or hostile peer.
        this.env.reject('unexpected-message');
        return [];
      default: {
        const unreachable: never = msg;
        return unreachable;
      }
    }
  }

  /**
   * Stores the version if it is newer and its signature verifies. A PUT that is not newer changes
   * nothing, so it is acknowledged without the (costly) verification: the ack then means "I hold a
   * version at least this new", which is all a writer or a write-back needs. An invalid newer PUT is
   * not stored and not acknowledged: a correct client never sends one.
   */
  private put(from: NodeId, msg: BftMessage & { type: 'PUT' }): Send<BftMessage>[] {
    const ts = timestampOf(msg);
    const ack: Send<BftMessage>[] = [{ to: from, msg: { type: 'PUT_ACK', op: msg.op } }];
    if (compareTimestamps(ts, this.version.ts) <= 0) return ack;
    const publicKey = this.publicKeys.get(ts.writer);
    if (publicKey === undefined) {
      this.env.reject('unknown-writer');
      return [];
    }
    const hash = this.env.crypto.sha256(msg.value);
    if (!this.env.crypto.ed25519Verify(publicKey, signedBytes(this.register, ts, hash), msg.sig)) {
      this.env.reject('bad-signature');
      return [];
    }
    this.version = { ts, value: msg.value, hash, sig: msg.sig };
    this.versionBytes = storedSize(this.version);
    return ack;
  }

  /** The value, its timestamp (8-byte num + writer id), the cached hash and the signature. */
  storedBytes(): number {
    return this.versionBytes;
  }

  /** The stored version, for tests and strategies that wrap this server. */
  current(): SignedVersion {
    return this.version;
  }
}

function storedSize(version: SignedVersion): number {
  return version.value.length + writerTimestamps.storedSize(version.ts) + version.hash.length + version.sig.length;
}
