/**
 * @module The connections bench:fuzz makes, by kind: what each one writes and the reason the server
 * must count for it. Three flows (connection.ts drives them):
 *
 * - `blind`: a peer that writes without reading, so it never sees the server's nonce (no secret
 *   helps it then): broken framing, handshake frames out of order, data before authentication.
 * - `peer`: a peer that runs the handshake (test/support/raw-peer.ts) with the wrong run, channel
 *   mode, secret or node key, then announces a node and pipelines requests that must not be handled.
 * - `session`: a reader that authenticates correctly, sends a batch of requests the server must
 *   answer and messages its protocol must refuse, waits for the last answer, and then breaks the
 *   connection with one last frame (framing, handshake, sender or destination, or with hmac channels
 *   a MAC that is forged, missing, replayed, reordered or for a dropped frame).
 *
 * A kind with `reason: null` draws random bytes: the model (server-model.ts) predicts its reason,
 * and draws are repeated until the server must refuse them.
 */
import { randomBytes } from 'node:crypto';
import { encodeDataFrame, encodeHelloFrame, encodeOpenFrame, FRAME_CODEC_VERSION, FRAME_HEADER_BYTES, NONCE_BYTES, type ChannelMode } from '../../harness/real/frame.ts';
import { FRAME_MAC_BYTES, helloProof, type ConnectionIds } from '../../harness/real/handshake.ts';
import { channelKeysOf, newRunSecret, type ChannelKeys } from '../../harness/real/run-secret.ts';
import type { Rng } from '../../harness/rng.ts';
import { encodeValue } from '../../harness/wire/codec.ts';
import type { NodeId, ProtocolMessage } from '../../protocols/types.ts';
import type { Kit } from './kits.ts';

/** The channel modes the bench drives (TLS would need a TLS peer: not covered). */
export type Mode = Extract<ChannelMode, 'plain' | 'hmac'>;

/** What the server must do with a data frame once it is delivered to the protocol machine. */
export type Expect = { readonly answered: number } | { readonly refused: string };

/** One frame (or a blob of bytes) written on a connection, in order. */
export interface Sent {
  readonly bytes: Buffer;
  readonly expect?: Expect;
}

/** Data frames per session before its last, broken one; also the length of a pipelined batch. */
export const BATCH = 48;

/** One lane's view of the run: who it is and what it may use. */
export interface Lane {
  readonly mode: Mode;
  readonly runId: string;
  /** The run's keys: the bench holds the secret, so it can prove any node it chooses to. */
  readonly keys: ChannelKeys;
  /** The reader this lane authenticates as, another reader, the writer, the fuzzed server, another server. */
  readonly reader: NodeId;
  readonly otherReader: NodeId;
  readonly writer: NodeId;
  readonly target: NodeId;
  readonly otherServer: NodeId;
  readonly kit: Kit;
  /** A fresh operation id (unique per server run): requests carry it, and it is their frame's tag. */
  nextOp(): number;
}

export interface ConnectionContext {
  readonly lane: Lane;
  readonly rng: Rng;
  /** Bytes of MAC after each frame this side sends once it has sent its auth (hmac channels). */
  readonly macBytes: number;
  /** Whether the server refuses the connection if `extra` follows what was written so far (the model). */
  refuses(extra: readonly Buffer[]): boolean;
}

export interface PeerContext extends ConnectionContext {
  readonly ids: ConnectionIds;
  /** Seals `frame` as this side's next frame (hmac channels; a no-op with plain ones) and returns it. */
  seal(frame: Buffer): Buffer;
}

export interface SessionContext extends PeerContext {
  /** The frames this side wrote after its auth, as written (sealed). */
  readonly earlier: readonly Buffer[];
}

/** The reason the server counts: stated by construction, or (null) drawn at random and predicted. */
type Reason = string | null | ((mode: Mode) => string);

interface BlindKind {
  readonly flow: 'blind';
  readonly name: string;
  readonly reason: Reason;
  build(c: ConnectionContext): Sent[];
}

interface PeerKind {
  readonly flow: 'peer';
  readonly name: string;
  readonly reason: Reason;
  /** The run id, channel mode and keys the peer opens with. */
  handshake(lane: Lane): { readonly runId: string; readonly channels: ChannelMode; readonly keys: ChannelKeys };
  /** What the peer writes once its handshake frames are out. */
  after(c: PeerContext): Sent[];
}

interface SessionKind {
  readonly flow: 'session';
  readonly name: string;
  readonly reason: Reason;
  /** Only with these channel modes (the MAC kinds). */
  readonly modes?: readonly Mode[];
  last(c: SessionContext): Sent[];
}

export type Kind = BlindKind | PeerKind | SessionKind;

export function intendedReason(kind: Kind, mode: Mode): string | null {
  return typeof kind.reason === 'function' ? kind.reason(mode) : kind.reason;
}

// ---------------------------------------------------------------- frame builders

/** `[length][version][payload][room for a MAC]`, with any length field. */
export function rawFrame(payload: Uint8Array, trailerBytes = 0, version = FRAME_CODEC_VERSION, length = 1 + payload.length + trailerBytes): Buffer {
  const out = Buffer.alloc(FRAME_HEADER_BYTES + 1 + payload.length + trailerBytes);
  out.writeUInt32BE(length, 0);
  out[FRAME_HEADER_BYTES] = version;
  out.set(payload, FRAME_HEADER_BYTES + 1);
  return out;
}

/** The frame of any value (well-formed or not) as the payload. */
function frameOf(value: unknown, trailerBytes = 0, version = FRAME_CODEC_VERSION): Buffer {
  return rawFrame(encodeValue(value), trailerBytes, version);
}

const nonce = (rng: Rng): Uint8Array => rng.bytes(NONCE_BYTES);

/** A request that the server answers, in a data frame with room for the MAC (not sealed). */
function request(c: ConnectionContext, from: NodeId = c.lane.reader, to: NodeId = c.lane.target, trailerBytes = c.macBytes): { bytes: Buffer; op: number } {
  const op = c.lane.nextOp();
  return { bytes: encodeDataFrame(from, to, 'k0', c.lane.kit.answered(c.rng, op), op, 0, trailerBytes), op };
}

/** Requests written right after a handshake that must fail: the server must handle none of them. */
function pipelined(c: ConnectionContext, from: NodeId, seal: (frame: Buffer) => Buffer, trailerBytes: number): Sent[] {
  return Array.from({ length: BATCH }, () => {
    const { bytes, op } = request(c, from, c.lane.target, trailerBytes);
    return { bytes: seal(bytes), expect: { answered: op } };
  });
}

/** The batch of a session: requests, messages the protocol refuses, registers the run does not have. */
export function sessionBatch(c: PeerContext, length: number): Sent[] {
  const { lane, rng } = c;
  const batch: Sent[] = [];
  for (let i = 0; i < length - 1; i++) {
    const op = lane.nextOp();
    const draw = rng.int(0, 11);
    if (draw < 4) {
      batch.push({ bytes: c.seal(encodeDataFrame(lane.reader, lane.target, 'k0', lane.kit.answered(rng, op), op, 0, c.macBytes)), expect: { answered: op } });
    } else if (draw < 6) {
      // Registers are k0..k{keys-1} (one here); other names are refused, whatever the message.
      const key = pickOf(rng, [`k${rng.int(1, 99)}`, 'k01', 'K0', 'k-1', 'x']);
      batch.push({ bytes: c.seal(encodeDataFrame(lane.reader, lane.target, key, lane.kit.answered(rng, op), op, 0, c.macBytes)), expect: { refused: 'unknown-key' } });
    } else {
      const refused = lane.kit.refused(rng, op, lane.reader);
      batch.push({ bytes: c.seal(encodeDataFrame(lane.reader, lane.target, 'k0', refused.msg, op, 0, c.macBytes)), expect: { refused: refused.reason } });
    }
  }
  // The last one is a request: its answer shows that the server has handled the whole batch.
  const last = request(c);
  batch.push({ bytes: c.seal(last.bytes), expect: { answered: last.op } });
  return batch;
}

function pickOf<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]!;
}

/** Frames the peer sends before its own auth carry no MAC. */
const openOf = (c: ConnectionContext): Buffer => encodeOpenFrame(c.lane.runId, nonce(c.rng), c.lane.mode);

/** `mutate` applied to fresh draws until the server must refuse the result. */
function drawRefused(c: ConnectionContext, draw: () => Buffer[]): Sent[] {
  for (;;) {
    const candidate = draw();
    if (c.refuses(candidate)) return candidate.map((bytes) => ({ bytes }));
  }
}

/** A copy of `frame` with 1..4 random bits flipped anywhere, length prefix included. */
function flipped(rng: Rng, frame: Buffer): Buffer {
  const copy = Buffer.from(frame);
  for (let flips = rng.int(1, 4); flips > 0; flips--) {
    const at = rng.int(0, copy.length - 1);
    copy[at] = copy[at]! ^ (1 << rng.int(0, 7));
  }
  return copy;
}

const SECRETLESS_KEYS: ChannelKeys = channelKeysOf(newRunSecret());

/** The run's keys without `node`'s: the peer proves that node with made-up bytes. */
function withoutNodeKey(keys: ChannelKeys, node: NodeId): ChannelKeys {
  return { channel: keys.channel, tlsPsk: keys.tlsPsk, node: (id) => (id === node ? undefined : keys.node(id)) };
}

function helloFrame(c: PeerContext, nodes: readonly NodeId[], keys: ChannelKeys): Buffer {
  const proofs = nodes.map((node) => {
    const key = keys.node(node);
    return key === undefined ? new Uint8Array(randomBytes(32)) : helloProof(key, 'dialer', c.ids, node);
  });
  return encodeHelloFrame(nodes, proofs, c.macBytes);
}

// ---------------------------------------------------------------- the kinds

const ping = (op: number): ProtocolMessage => ({ type: 'PING', op }) as unknown as ProtocolMessage;

const BLIND: readonly BlindKind[] = [
  { flow: 'blind', name: 'random-bytes', reason: null, build: (c) => drawRefused(c, () => [Buffer.from(c.rng.bytes(c.rng.int(1, 300)))]) },
  { flow: 'blind', name: 'garbage-payload', reason: null, build: (c) => drawRefused(c, () => [rawFrame(c.rng.bytes(c.rng.int(1, 300)))]) },
  { flow: 'blind', name: 'bad-version', reason: 'bad-version', build: (c) => [{ bytes: frameOf([0, c.lane.runId, nonce(c.rng), c.lane.mode], 0, pickOf(c.rng, [0, 1, 2, 4, 5, 0x7f, 0xff])) }] },
  { flow: 'blind', name: 'oversized', reason: 'oversized', build: (c) => [{ bytes: rawFrame(c.rng.bytes(8), 0, FRAME_CODEC_VERSION, 0x7fff_ffff) }] },
  { flow: 'blind', name: 'empty-frame', reason: 'empty-frame', build: () => [{ bytes: Buffer.alloc(FRAME_HEADER_BYTES) }] },
  { flow: 'blind', name: 'bad-kind', reason: 'bad-kind', build: (c) => [{ bytes: frameOf([c.rng.int(5, 99), c.lane.runId]) }] },
  {
    flow: 'blind',
    name: 'bad-open',
    reason: 'bad-open',
    build: (c) => {
      const { runId, mode } = c.lane;
      const variants = [
        [0, 'not a run id!', nonce(c.rng), mode],
        [0, runId, c.rng.bytes(16), mode],
        [0, runId, nonce(c.rng), 'rot13'],
        [0, runId, nonce(c.rng)],
      ];
      return [{ bytes: frameOf(pickOf(c.rng, variants)) }];
    },
  },
  { flow: 'blind', name: 'auth-before-open', reason: 'handshake-order', build: (c) => [{ bytes: frameOf([2, c.rng.bytes(32)]) }] },
  { flow: 'blind', name: 'second-open', reason: 'handshake-order', build: (c) => [{ bytes: openOf(c) }, { bytes: openOf(c) }] },
  { flow: 'blind', name: 'bad-auth', reason: 'bad-auth', build: (c) => [{ bytes: openOf(c) }, { bytes: frameOf([2, c.rng.bytes(31)]) }] },
  {
    // Whoever lacks the secret cannot compute the proof, so it sends whatever it has, and then
    // everything an authenticated writer would.
    flow: 'blind',
    name: 'no-secret',
    reason: 'bad-auth-proof',
    build: (c) => [
      { bytes: openOf(c) },
      { bytes: frameOf([2, c.rng.bytes(32)]) },
      { bytes: encodeHelloFrame([c.lane.writer], [c.rng.bytes(32)], c.macBytes) },
      ...pipelined(c, c.lane.writer, (frame) => frame, c.macBytes),
    ],
  },
  { flow: 'blind', name: 'hello-before-auth', reason: 'unauthenticated', build: (c) => [{ bytes: openOf(c) }, { bytes: encodeHelloFrame([c.lane.reader], [c.rng.bytes(32)]) }] },
  { flow: 'blind', name: 'data-before-auth', reason: 'unauthenticated', build: (c) => [{ bytes: openOf(c) }, ...pipelined(c, c.lane.reader, (frame) => frame, 0)] },
  { flow: 'blind', name: 'data-without-open', reason: 'unauthenticated', build: (c) => pipelined(c, c.lane.reader, (frame) => frame, 0) },
  { flow: 'blind', name: 'hello-unknown-node', reason: 'unknown-node', build: (c) => [{ bytes: openOf(c) }, { bytes: encodeHelloFrame([`mallory${c.rng.int(0, 99)}`], [c.rng.bytes(32)]) }] },
  { flow: 'blind', name: 'bad-hello', reason: 'bad-hello', build: (c) => [{ bytes: openOf(c) }, { bytes: frameOf(pickOf(c.rng, [[3, [], []], [3, [c.lane.reader], []], [3, [c.lane.reader], [c.rng.bytes(31)]]])) }] },
  {
    flow: 'blind',
    name: 'truncated-handshake',
    reason: 'truncated',
    build: (c) => {
      const auth = frameOf([2, c.rng.bytes(32)]);
      return [{ bytes: openOf(c) }, { bytes: auth.subarray(0, c.rng.int(1, auth.length - 1)) }];
    },
  },
];

const PEER: readonly PeerKind[] = [
  { flow: 'peer', name: 'other-run', reason: 'other-run', handshake: (lane) => ({ runId: `${lane.runId}-other`, channels: lane.mode, keys: lane.keys }), after: () => [] },
  {
    flow: 'peer',
    name: 'channels-mismatch',
    reason: 'channels-mismatch',
    handshake: (lane) => ({ runId: lane.runId, channels: lane.mode === 'plain' ? 'hmac' : 'plain', keys: lane.keys }),
    after: () => [],
  },
  { flow: 'peer', name: 'channels-tls', reason: 'channels-mismatch', handshake: (lane) => ({ runId: lane.runId, channels: 'tls', keys: lane.keys }), after: () => [] },
  {
    // Knows the config and the run id, not the secret: the auth proof is made with another key.
    flow: 'peer',
    name: 'wrong-secret',
    reason: 'bad-auth-proof',
    handshake: (lane) => ({ runId: lane.runId, channels: lane.mode, keys: SECRETLESS_KEYS }),
    after: (c) => [{ bytes: c.seal(helloFrame(c, [c.lane.writer], SECRETLESS_KEYS)) }, ...pipelined(c, c.lane.writer, c.seal, c.macBytes)],
  },
  {
    // Holds the channel key (a process of the run) but not the writer's node key: it cannot be w1.
    flow: 'peer',
    name: 'forged-node-proof',
    reason: 'bad-hello-proof',
    handshake: (lane) => ({ runId: lane.runId, channels: lane.mode, keys: lane.keys }),
    after: (c) => [{ bytes: c.seal(helloFrame(c, [c.lane.writer], withoutNodeKey(c.lane.keys, c.lane.writer))) }, ...pipelined(c, c.lane.writer, c.seal, c.macBytes)],
  },
  {
    // A reader claims to be the writer with the proof of its own key.
    flow: 'peer',
    name: 'borrowed-node-key',
    reason: 'bad-hello-proof',
    handshake: (lane) => ({ runId: lane.runId, channels: lane.mode, keys: lane.keys }),
    after: (c) => {
      const { reader, writer, keys } = c.lane;
      const hello = encodeHelloFrame([reader, writer], [helloProof(keys.node(reader)!, 'dialer', c.ids, reader), helloProof(keys.node(reader)!, 'dialer', c.ids, writer)], c.macBytes);
      return [{ bytes: c.seal(hello) }, ...pipelined(c, writer, c.seal, c.macBytes)];
    },
  },
  {
    // A valid hello of the reader, for another connection (other nonces): a replay.
    flow: 'peer',
    name: 'replayed-hello',
    reason: (mode) => (mode === 'hmac' ? 'bad-mac' : 'bad-hello-proof'),
    handshake: (lane) => ({ runId: lane.runId, channels: lane.mode, keys: lane.keys }),
    after: (c) => {
      const other: PeerContext = { ...c, ids: { ...c.ids, acceptorNonce: c.rng.bytes(NONCE_BYTES) } };
      const hello = helloFrame(other, [c.lane.reader], c.lane.keys);
      // With hmac channels the replayed frame carries the MAC of its own connection: random here.
      if (c.macBytes > 0) hello.set(c.rng.bytes(FRAME_MAC_BYTES), hello.length - FRAME_MAC_BYTES);
      return [{ bytes: hello }, ...pipelined(c, c.lane.reader, c.seal, c.macBytes)];
    },
  },
];

/** A sealed frame of `value` (after this side's auth, every frame carries a MAC with hmac channels). */
const sealedFrame = (c: SessionContext, value: unknown, version = FRAME_CODEC_VERSION): Sent[] => [{ bytes: c.seal(frameOf(value, c.macBytes, version)) }];

/** The envelope of a data frame around a message the protocol accepts, with one field replaced. */
function dataEnvelope(c: SessionContext, fields: { from?: unknown; to?: unknown; key?: unknown; dueUs?: unknown; tag?: unknown; msg?: unknown }): unknown[] {
  const { reader, target, kit } = c.lane;
  const op = c.lane.nextOp();
  // `in`, not `??`: a field replaced by null must stay null.
  const field = (name: keyof typeof fields, fallback: () => unknown): unknown => (name in fields ? fields[name] : fallback());
  return [1, field('from', () => reader), field('to', () => target), field('key', () => 'k0'), field('dueUs', () => 0), field('tag', () => op), field('msg', () => kit.answered(c.rng, op))];
}

const SESSION: readonly SessionKind[] = [
  { flow: 'session', name: 'last:bad-version', reason: 'bad-version', last: (c) => sealedFrame(c, dataEnvelope(c, {}), pickOf(c.rng, [0, 1, 2, 4, 0xff])) },
  { flow: 'session', name: 'last:oversized', reason: 'oversized', last: (c) => [{ bytes: rawFrame(c.rng.bytes(8), 0, FRAME_CODEC_VERSION, 0x7fff_ffff) }] },
  { flow: 'session', name: 'last:empty-frame', reason: 'empty-frame', last: () => [{ bytes: Buffer.alloc(FRAME_HEADER_BYTES) }] },
  { flow: 'session', name: 'last:garbage', reason: null, last: (c) => drawRefused(c, () => [c.seal(rawFrame(c.rng.bytes(c.rng.int(1, 300)), c.macBytes))]) },
  { flow: 'session', name: 'last:bad-kind', reason: 'bad-kind', last: (c) => sealedFrame(c, [c.rng.int(5, 99), c.lane.reader]) },
  { flow: 'session', name: 'last:bad-envelope', reason: 'bad-envelope', last: (c) => sealedFrame(c, dataEnvelope(c, {}).slice(0, c.rng.int(1, 6))) },
  { flow: 'session', name: 'last:bad-key', reason: 'bad-key', last: (c) => sealedFrame(c, dataEnvelope(c, { key: pickOf(c.rng, ['', 'k'.repeat(300), 7]) })) },
  { flow: 'session', name: 'last:bad-due-time', reason: 'bad-due-time', last: (c) => sealedFrame(c, dataEnvelope(c, { dueUs: pickOf(c.rng, [-5, 1.5, 'soon']) })) },
  { flow: 'session', name: 'last:bad-tag', reason: 'bad-tag', last: (c) => sealedFrame(c, dataEnvelope(c, { tag: pickOf(c.rng, [0.5, 'op', 2 ** 60]) })) },
  { flow: 'session', name: 'last:unknown-node', reason: 'unknown-node', last: (c) => sealedFrame(c, dataEnvelope(c, pickOf(c.rng, [{ from: 'mallory' }, { to: 's99' }]))) },
  { flow: 'session', name: 'last:bad-node-id', reason: 'bad-node-id', last: (c) => sealedFrame(c, dataEnvelope(c, pickOf(c.rng, [{ from: 42 }, { to: null }]))) },
  { flow: 'session', name: 'last:bad-message', reason: 'bad-message', last: (c) => sealedFrame(c, dataEnvelope(c, { msg: pickOf(c.rng, [ping(1), { type: 'GET' }, [1, 2], 'GET']) })) },
  {
    flow: 'session',
    name: 'last:bit-flips',
    reason: null,
    last: (c) => {
      const valid = c.seal(request(c).bytes);
      return drawRefused(c, () => [flipped(c.rng, valid)]);
    },
  },
  {
    flow: 'session',
    name: 'last:truncated',
    reason: 'truncated',
    last: (c) => {
      const valid = c.seal(request(c).bytes);
      return [{ bytes: valid.subarray(0, c.rng.int(1, valid.length - 1)) }];
    },
  },
  { flow: 'session', name: 'last:second-open', reason: 'handshake-order', last: (c) => sealedFrame(c, [0, c.lane.runId, nonce(c.rng), c.lane.mode]) },
  { flow: 'session', name: 'last:second-auth', reason: 'handshake-order', last: (c) => sealedFrame(c, [2, c.rng.bytes(32)]) },
  {
    // Authenticated as a reader, it claims to be the writer too.
    flow: 'session',
    name: 'last:forged-hello',
    reason: 'bad-hello-proof',
    last: (c) => [{ bytes: c.seal(helloFrame(c, [c.lane.writer], withoutNodeKey(c.lane.keys, c.lane.writer))) }],
  },
  {
    flow: 'session',
    name: 'last:unannounced-sender',
    reason: 'unannounced-sender',
    last: (c) => [{ bytes: c.seal(request(c, pickOf(c.rng, [c.lane.writer, c.lane.otherReader, c.lane.otherServer])).bytes) }],
  },
  {
    flow: 'session',
    name: 'last:not-local',
    reason: 'not-local',
    last: (c) => [{ bytes: c.seal(request(c, c.lane.reader, pickOf(c.rng, [c.lane.otherServer, c.lane.writer, c.lane.reader])).bytes) }],
  },
  {
    flow: 'session',
    name: 'last:forged-mac',
    reason: 'bad-mac',
    modes: ['hmac'],
    last: (c) => {
      const frame = request(c).bytes;
      frame.set(c.rng.bytes(FRAME_MAC_BYTES), frame.length - FRAME_MAC_BYTES);
      return [{ bytes: frame }];
    },
  },
  {
    flow: 'session',
    name: 'last:altered',
    reason: 'bad-mac',
    modes: ['hmac'],
    last: (c) => {
      // One bit of the payload changed after sealing (length prefix and MAC untouched).
      const frame = c.seal(request(c).bytes);
      const at = c.rng.int(FRAME_HEADER_BYTES, frame.length - FRAME_MAC_BYTES - 1);
      frame[at] = frame[at]! ^ (1 << c.rng.int(0, 7));
      return [{ bytes: frame }];
    },
  },
  { flow: 'session', name: 'last:unsealed', reason: 'bad-mac', modes: ['hmac'], last: (c) => [{ bytes: request(c, c.lane.reader, c.lane.target, 0).bytes }] },
  { flow: 'session', name: 'last:replayed', reason: 'bad-mac', modes: ['hmac'], last: (c) => [{ bytes: Buffer.from(pickOf(c.rng, c.earlier)) }] },
  {
    flow: 'session',
    name: 'last:reordered',
    reason: 'bad-mac',
    modes: ['hmac'],
    last: (c) => {
      const first = c.seal(request(c).bytes);
      const second = c.seal(request(c).bytes);
      return [{ bytes: second }, { bytes: first }];
    },
  },
  {
    flow: 'session',
    name: 'last:after-a-dropped-frame',
    reason: 'bad-mac',
    modes: ['hmac'],
    last: (c) => {
      c.seal(request(c).bytes);
      return [{ bytes: c.seal(request(c).bytes) }];
    },
  },
];

/** Every kind that applies to `mode`, in the order connections cycle through them. */
export function kindsFor(mode: Mode): Kind[] {
  const session = SESSION.filter((kind) => kind.modes === undefined || kind.modes.includes(mode));
  // Sessions carry the bulk of the frames; the others are interleaved so that every kind comes early.
  const others: Kind[] = [...BLIND, ...PEER];
  const kinds: Kind[] = [];
  for (let i = 0; i < Math.max(session.length, others.length); i++) {
    if (i < session.length) kinds.push(session[i]!);
    if (i < others.length) kinds.push(others[i]!);
  }
  return kinds;
}
