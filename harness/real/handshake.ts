/**
 * @module What makes a real-engine connection an authenticated channel (docs/protocols.md#model):
 * the proofs exchanged at its handshake, and the MACs of its frames with `real.channels: hmac`. No sockets here:
 * the TCP transport runs the exchange, these functions compute and check.
 *
 * The exchange, on every connection (frames: frame.ts):
 *   dialer   → open(runId, nonceD, channels)
 *   acceptor → open(runId, nonceA, channels), auth(proofA), hello(nodes, proofs)
 *   dialer   → auth(proofD), hello(nodes, proofs), data...
 * `auth` proves that the sender holds the run's channel key: an HMAC over both nonces, the run id and
 * the sender's role, so it is fresh (the receiver chose one nonce), bound to this connection, and
 * cannot be reflected back. `hello` proves each announced node id the same way with that node's own
 * key. A node id is accepted from a connection only with its proof, and data only from such node ids.
 *
 * With `hmac` channels each frame after the sender's `auth` carries HMAC-SHA-256 over an implicit
 * sequence number and the frame, keyed per direction from the channel key and both nonces: a frame
 * that was altered, replayed, reordered or dropped on the way fails the check of the next one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '../../protocols/types.ts';
import { encodeValue } from '../wire/codec.ts';
import { FRAME_HEADER_BYTES } from './frame.ts';

/** Bytes of a frame MAC (HMAC-SHA-256, untruncated). */
export const FRAME_MAC_BYTES = 32;

/** Who opened the connection: the dialer connected, the acceptor listened. */
export type Role = 'dialer' | 'acceptor';

export function otherRole(role: Role): Role {
  return role === 'dialer' ? 'acceptor' : 'dialer';
}

/** The nonces of one connection, by role, and its run id. */
export interface ConnectionIds {
  readonly runId: string;
  readonly dialerNonce: Uint8Array;
  readonly acceptorNonce: Uint8Array;
}

function hmac(key: Uint8Array, fields: readonly unknown[]): Uint8Array {
  // The wire codec is self-delimiting: distinct field lists never encode to the same bytes.
  return new Uint8Array(createHmac('sha256', key).update(encodeValue(fields)).digest());
}

/** `auth` of the `sender` role: it holds the channel key. */
export function authProof(channelKey: Uint8Array, sender: Role, ids: ConnectionIds): Uint8Array {
  return hmac(channelKey, ['quorumbench-auth', sender, ids.runId, ids.dialerNonce, ids.acceptorNonce]);
}

/** The proof of node id `node` announced by the `sender` role, with that node's key. */
export function helloProof(nodeKey: Uint8Array, sender: Role, ids: ConnectionIds, node: NodeId): Uint8Array {
  return hmac(nodeKey, ['quorumbench-hello', sender, ids.runId, ids.dialerNonce, ids.acceptorNonce, node]);
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(received: Uint8Array, expected: Uint8Array): boolean {
  return received.length === expected.length && timingSafeEqual(received, expected);
}

function frameKey(channelKey: Uint8Array, sender: Role, ids: ConnectionIds): Uint8Array {
  return hmac(channelKey, ['quorumbench-frames', sender, ids.runId, ids.dialerNonce, ids.acceptorNonce]);
}

/** MACs of the frames one side sends, in order. */
export class FrameSealer {
  private readonly key: Uint8Array;
  private readonly sequence = Buffer.alloc(8);
  private next = 0n;

  constructor(channelKey: Uint8Array, sender: Role, ids: ConnectionIds) {
    this.key = frameKey(channelKey, sender, ids);
  }

  /** Writes the MAC into the last FRAME_MAC_BYTES of `frame` (a whole frame, length prefix included). */
  seal(frame: Buffer): void {
    const end = frame.length - FRAME_MAC_BYTES;
    this.sequence.writeBigUInt64BE(this.next++);
    createHmac('sha256', this.key).update(this.sequence).update(frame.subarray(FRAME_HEADER_BYTES, end)).digest().copy(frame, end);
  }
}

/** Checks the MACs of the frames the other side sends, in order. */
export class FrameOpener {
  private readonly key: Uint8Array;
  private readonly sequence = Buffer.alloc(8);
  private next = 0n;

  constructor(channelKey: Uint8Array, sender: Role, ids: ConnectionIds) {
    this.key = frameKey(channelKey, sender, ids);
  }

  /** Whether `body` (a frame after its length prefix, MAC last) carries the MAC of the next frame. */
  open(body: Uint8Array): boolean {
    if (body.length < FRAME_MAC_BYTES) return false;
    const end = body.length - FRAME_MAC_BYTES;
    this.sequence.writeBigUInt64BE(this.next++);
    const expected = createHmac('sha256', this.key).update(this.sequence).update(body.subarray(0, end)).digest();
    return timingSafeEqual(expected, body.subarray(end));
  }
}
