/**
 * @module Length-prefixed binary framing for the real engine, with strict validation of every field.
 *
 * One wire frame is `[u32 big-endian length][u8 codec version][payload][MAC]`, where the payload is
 * `encodeValue(...)` of an array whose first element says what the frame is, and the MAC (32 bytes,
 * only with `real.channels: hmac`, only after the sender's `auth`) is sealed by handshake.ts. The
 * length counts everything after itself, so a reader knows the whole frame size from the first 4
 * bytes and can refuse an oversized frame before buffering it.
 *
 *   [0, runId, nonce, channels]   open: the first frame each way (the dialer's first, the acceptor's in answer)
 *   [2, proof]                    auth: the sender knows the run's channel key (handshake.ts)
 *   [3, nodes, proofs]            hello: node ids hosted by the sender, each with its proof
 *   [4, reason, detail]           refuse: why the sender closes this connection
 *   [1, from, to, key, dueUs, tag, msg]  data: one protocol message of register `key` on link
 *                                 `from -> to`, to be delivered at `dueUs` (µs on the shared timebase,
 *                                 see wall-clock.ts; 0 = at once), counted for the operation of `tag`
 *                                 (harness/host/attribution.ts)
 *
 * Everything a peer sends is hostile until validated (style.md principle 5): decode errors, unknown
 * versions, unknown node ids, long keys and messages the protocol's `parseMessage` refuses are all
 * {@link FrameError}s with a short kebab-case `reason` that the transport counts.
 */
import { isValidTag } from '../host/attribution.ts';
import { isRunId } from './run-secret.ts';
import { decodeValue, encodeInto, encodeValue, WireError, wireSize } from '../wire/codec.ts';
import { messageWireSize } from '../sim/frame-size.ts';
import type { NodeId, ProtocolMessage } from '../../protocols/types.ts';

/** Bumped whenever the payload layout changes; a peer speaking another version is refused. */
export const FRAME_CODEC_VERSION = 3;

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/**
 * Default maximum of the length field (version byte + payload): 64 MiB for the largest value of the
 * workload (docs/evaluation.md#workloads) plus 1 MiB for the message fields around it.
 */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024 + 1024 * 1024;

/** Register keys are short names (`k0`, `k17`); a longer one is hostile input. */
export const MAX_KEY_BYTES = 256;

/** No process hosts more nodes than this; a longer hello is hostile input. */
export const MAX_HELLO_NODES = 4096;

/** Bytes of a nonce, a proof and a frame MAC (HMAC-SHA-256). */
export const NONCE_BYTES = 32;
export const PROOF_BYTES = 32;

/** Refusal reasons and details are short; a longer one is cut. */
const MAX_REASON_LENGTH = 64;
const MAX_DETAIL_LENGTH = 512;

const KIND_OPEN = 0;
const KIND_DATA = 1;
const KIND_AUTH = 2;
const KIND_HELLO = 3;
const KIND_REFUSE = 4;

export const CHANNEL_MODES = ['plain', 'hmac', 'tls'] as const;
/** How frames are protected on the wire (every mode authenticates the connection at its handshake). */
export type ChannelMode = (typeof CHANNEL_MODES)[number];

export type DecodedFrame =
  | { readonly kind: 'open'; readonly runId: string; readonly nonce: Uint8Array; readonly channels: ChannelMode }
  | { readonly kind: 'auth'; readonly proof: Uint8Array }
  | { readonly kind: 'hello'; readonly nodes: readonly NodeId[]; readonly proofs: readonly Uint8Array[] }
  | { readonly kind: 'refuse'; readonly reason: string; readonly detail: string }
  | {
      readonly kind: 'data';
      readonly from: NodeId;
      readonly to: NodeId;
      readonly key: string;
      /** Emulated delivery time, µs on the shared timebase (wall-clock.ts); 0 = deliver on arrival. */
      readonly dueUs: number;
      /** The operation the message counts for (harness/host/attribution.ts). */
      readonly tag: number;
      readonly msg: ProtocolMessage;
    };

/** A frame that a peer got wrong; the connection it came on is closed and `reason` is counted. */
export class FrameError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** What a decoded frame is checked against. */
export interface FrameValidator {
  /** Whether `id` names a node of this cluster (servers, writers, readers, hostile clients). */
  isKnownNode(id: string): boolean;
  /** The protocol's strict message validation; `undefined` rejects. */
  parseMessage(value: unknown): ProtocolMessage | undefined;
}

/** `[length][version][payload]` plus `trailerBytes` of room for the MAC. */
function withHeader(payload: Uint8Array, trailerBytes: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 1 + payload.length + trailerBytes);
  out.writeUInt32BE(1 + payload.length + trailerBytes, 0);
  out[FRAME_HEADER_BYTES] = FRAME_CODEC_VERSION;
  out.set(payload, FRAME_HEADER_BYTES + 1);
  return out;
}

export function encodeOpenFrame(runId: string, nonce: Uint8Array, channels: ChannelMode): Buffer {
  return withHeader(encodeValue([KIND_OPEN, runId, nonce, channels]), 0);
}

export function encodeAuthFrame(proof: Uint8Array): Buffer {
  return withHeader(encodeValue([KIND_AUTH, proof]), 0);
}

export function encodeHelloFrame(nodes: readonly NodeId[], proofs: readonly Uint8Array[], trailerBytes = 0): Buffer {
  return withHeader(encodeValue([KIND_HELLO, nodes, proofs]), trailerBytes);
}

export function encodeRefuseFrame(reason: string, detail: string, trailerBytes = 0): Buffer {
  return withHeader(encodeValue([KIND_REFUSE, reason.slice(0, MAX_REASON_LENGTH), detail.slice(0, MAX_DETAIL_LENGTH)]), trailerBytes);
}

/**
 * The last message encoded, and where its bytes are: in the frame it was encoded into (a broadcast
 * sends one message object to every server, so it is encoded once and copied from there).
 */
let lastMsg: ProtocolMessage | undefined;
let lastMsgFrame: Buffer = Buffer.alloc(0);
let lastMsgStart = 0;
let lastMsgLength = 0;

/**
 * The frame of `encodeValue([1, from, to, key, dueUs, tag, msg])`, built as the array header and small
 * fields followed by the message's own encoding (an array's items are encoded one after the other),
 * written straight into the frame: a message broadcast to n servers is encoded once, not n times,
 * and its size comes from the cache that sized the frame for the metrics (frame-size.ts). Protocols
 * treat sent messages as immutable, which makes the one-entry caches sound; a sent frame is never
 * written again except for its MAC trailer, after the message. `trailerBytes` leaves room for the MAC
 * at the end.
 */
export function encodeDataFrame(from: NodeId, to: NodeId, key: string, msg: ProtocolMessage, tag: number, dueUs = 0, trailerBytes = 0): Buffer {
  const cached = msg === lastMsg;
  const msgLength = cached ? lastMsgLength : messageWireSize(msg);
  const head = [KIND_DATA, from, to, key, dueUs, tag];
  const headLength = wireSize(head);
  // head = [array tag][count 6][items]; the count becomes 7 with the message appended.
  const length = 1 + headLength + msgLength + trailerBytes;
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  out.writeUInt32BE(length, 0);
  out[FRAME_HEADER_BYTES] = FRAME_CODEC_VERSION;
  encodeInto(head, out, FRAME_HEADER_BYTES + 1);
  out[FRAME_HEADER_BYTES + 2] = 7;
  const msgStart = FRAME_HEADER_BYTES + 1 + headLength;
  if (cached) {
    lastMsgFrame.copy(out, msgStart, lastMsgStart, lastMsgStart + msgLength);
  } else {
    encodeInto(msg, out, msgStart);
    lastMsg = msg;
    lastMsgFrame = out;
    lastMsgStart = msgStart;
    lastMsgLength = msgLength;
  }
  return out;
}

function nodeId(value: unknown, field: string, validator: FrameValidator): NodeId {
  if (typeof value !== 'string') throw new FrameError('bad-node-id', `frame: ${field} is not a string`);
  if (!validator.isKnownNode(value)) {
    throw new FrameError('unknown-node', `frame: ${field} ${JSON.stringify(value.slice(0, 64))} is not a node of the cluster`);
  }
  return value;
}

function bytesOf(value: unknown, length: number, reason: string, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw new FrameError(reason, `frame: ${what} must be ${length} bytes`);
  return value;
}

function shortText(value: unknown, max: number): string {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/**
 * Validate one frame body (after the length prefix: version byte, payload, and `trailerBytes` of MAC
 * that the caller has already checked).
 */
export function decodeFrameBody(body: Uint8Array, validator: FrameValidator, trailerBytes = 0): DecodedFrame {
  const version = body[0];
  if (version !== FRAME_CODEC_VERSION) {
    throw new FrameError('bad-version', `frame: codec version ${String(version)}, expected ${FRAME_CODEC_VERSION}`);
  }
  if (body.length < 1 + trailerBytes) throw new FrameError('codec-truncated', 'frame: shorter than its MAC');
  return decodeFramePayload(body.subarray(1, body.length - trailerBytes), validator);
}

/** Validate the payload of one frame (after the length prefix and version byte). */
export function decodeFramePayload(payload: Uint8Array, validator: FrameValidator): DecodedFrame {
  let value: unknown;
  try {
    value = decodeValue(payload);
  } catch (error) {
    if (error instanceof WireError) throw new FrameError(`codec-${error.reason}`, error.message);
    throw error;
  }
  if (!Array.isArray(value) || value.length === 0) throw new FrameError('bad-envelope', 'frame: payload is not a tagged array');
  const kind = value[0];
  switch (kind) {
    case KIND_DATA:
      return decodeData(value, validator);
    case KIND_OPEN: {
      if (value.length !== 4) throw new FrameError('bad-open', 'frame: open must be [0, runId, nonce, channels]');
      const runId = value[1];
      if (!isRunId(runId)) throw new FrameError('bad-open', 'frame: open has no valid run id');
      const channels = value[3];
      if (!(CHANNEL_MODES as readonly unknown[]).includes(channels)) throw new FrameError('bad-open', 'frame: open names no channel mode');
      return { kind: 'open', runId, nonce: bytesOf(value[2], NONCE_BYTES, 'bad-open', 'open nonce'), channels: channels as ChannelMode };
    }
    case KIND_AUTH:
      if (value.length !== 2) throw new FrameError('bad-auth', 'frame: auth must be [2, proof]');
      return { kind: 'auth', proof: bytesOf(value[1], PROOF_BYTES, 'bad-auth', 'auth proof') };
    case KIND_HELLO: {
      const nodes = value[1];
      const proofs = value[2];
      if (value.length !== 3 || !Array.isArray(nodes) || nodes.length === 0 || nodes.length > MAX_HELLO_NODES || !Array.isArray(proofs) || proofs.length !== nodes.length) {
        throw new FrameError('bad-hello', 'frame: hello must be [3, non-empty node list, one proof per node]');
      }
      return {
        kind: 'hello',
        nodes: nodes.map((node, i) => nodeId(node, `hello.nodes[${i}]`, validator)),
        proofs: proofs.map((proof, i) => bytesOf(proof, PROOF_BYTES, 'bad-hello', `hello.proofs[${i}]`)),
      };
    }
    case KIND_REFUSE:
      if (value.length !== 3) throw new FrameError('bad-refuse', 'frame: refuse must be [4, reason, detail]');
      return { kind: 'refuse', reason: shortText(value[1], MAX_REASON_LENGTH), detail: shortText(value[2], MAX_DETAIL_LENGTH) };
    default:
      throw new FrameError('bad-kind', `frame: unknown frame kind ${JSON.stringify(kind)}`);
  }
}

function decodeData(value: unknown[], validator: FrameValidator): DecodedFrame {
  if (value.length !== 7) throw new FrameError('bad-envelope', `frame: data frame has ${value.length} fields, expected 7`);
  const from = nodeId(value[1], 'from', validator);
  const to = nodeId(value[2], 'to', validator);
  const key = value[3];
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new FrameError('bad-key', `frame: key must be a string of 1..${MAX_KEY_BYTES} bytes`);
  }
  const dueUs = value[4];
  if (typeof dueUs !== 'number' || !Number.isSafeInteger(dueUs) || dueUs < 0) {
    throw new FrameError('bad-due-time', 'frame: due time must be a non-negative integer (µs)');
  }
  const tag = value[5];
  if (!isValidTag(tag)) throw new FrameError('bad-tag', 'frame: operation tag must be a safe integer');
  const msg = validator.parseMessage(value[6]);
  if (msg === undefined) throw new FrameError('bad-message', `frame: message from ${from} refused by the protocol`);
  return { kind: 'data', from, to, key, dueUs, tag, msg };
}

/**
 * Incremental frame reader: feed it TCP chunks of any size with `push`, take whole frames with
 * `next`. It buffers at most one frame (bounded by `maxFrameBytes`), copying only when a frame spans
 * several chunks. One frame at a time, because what the next frame may be (whether it carries a
 * MAC) depends on the frames before it. After it throws a {@link FrameError} the stream is out of
 * sync and the connection must be closed.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes received and not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame's body (version byte, payload, MAC), or undefined until more bytes come. */
  next(): Buffer | undefined {
    if (this.buffered < FRAME_HEADER_BYTES) return undefined;
    const length = this.peekLength();
    if (length === 0) throw new FrameError('empty-frame', 'frame: length 0 (no version byte)');
    if (length > this.maxFrameBytes) {
      throw new FrameError('oversized', `frame: length ${length} exceeds the maximum ${this.maxFrameBytes}`);
    }
    if (this.buffered < FRAME_HEADER_BYTES + length) return undefined;
    const first = this.chunks[0]!;
    const size = FRAME_HEADER_BYTES + length;
    if (first.length >= size) {
      // The common case, the whole frame in the first chunk: one view of the body (take() would
      // make a view of the frame, then this a view of that).
      if (first.length === size) this.chunks.shift();
      else this.chunks[0] = first.subarray(size);
      this.buffered -= size;
      return first.subarray(FRAME_HEADER_BYTES, size);
    }
    return this.take(size).subarray(FRAME_HEADER_BYTES);
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= FRAME_HEADER_BYTES) return first.readUInt32BE(0);
    const header = Buffer.concat(this.chunks, Math.min(this.buffered, 16)).subarray(0, FRAME_HEADER_BYTES);
    return header.readUInt32BE(0);
  }

  /** Remove and return the first `count` bytes (count <= buffered). */
  private take(count: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= count) {
      const out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return out;
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0]!;
      const need = count - filled;
      if (chunk.length <= need) {
        chunk.copy(out, filled);
        filled += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(out, filled, 0, need);
        this.chunks[0] = chunk.subarray(need);
        filled += need;
      }
    }
    this.buffered -= count;
    return out;
  }
}
