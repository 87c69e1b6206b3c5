/**
 * @module One bench:fuzz connection to the server under test, driven over a socket: it writes what
 * its kind (kinds.ts) says, reads what the server sends back (answers, and the refusal that says
 * why the server closed), and returns everything it wrote, in order, for the model to predict from.
 */
import net from 'node:net';
import { decodeFrameBody, encodeAuthFrame, encodeHelloFrame, encodeOpenFrame, FrameReader, NONCE_BYTES, type ChannelMode, type DecodedFrame, type FrameValidator } from '../../harness/real/frame.ts';
import { authProof, FRAME_MAC_BYTES, helloProof } from '../../harness/real/handshake.ts';
import type { HostPort } from '../../harness/real/tcp-transport.ts';
import type { Rng } from '../../harness/rng.ts';
import type { ProtocolMessage } from '../../protocols/types.ts';
import { rawPeer, type RawPeer } from '../../test/support/raw-peer.ts';
import { BATCH, sessionBatch, type ConnectionContext, type Kind, type Lane, type Sent, type SessionContext } from './kinds.ts';
import { predictConnection, type ServerView } from './server-model.ts';

/** Longest wait for any one step of a connection (the server's answer, its closing the socket). */
const STEP_TIMEOUT_MS = 30_000;

/** What one connection did and saw. */
export interface ConnectionResult {
  readonly kind: string;
  /** Everything written, in order, the peer's own handshake frames included. */
  readonly sent: readonly Sent[];
  /** The nonce of the server's open as the peer read it (undefined: it wrote without reading). */
  readonly acceptorNonce: Uint8Array | undefined;
  /** Whether the protocol must handle every data frame that carries an expectation (a correct session). */
  readonly authenticated: boolean;
  /** The reason the server gave in its refuse frame, when the peer could read one. */
  readonly refusal: string | undefined;
  /** The operation ids of the answers the peer read. */
  readonly replies: readonly number[];
  /** Something the bench itself could not do (a time-out), else undefined. */
  readonly failure: string | undefined;
}

/** Resolves like `promise`, or rejects after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}

function replyOp(msg: ProtocolMessage): number | undefined {
  const fields = msg as unknown as { op?: unknown; rid?: unknown };
  const id = fields.op ?? fields.rid;
  return typeof id === 'number' ? id : undefined;
}

/** Reads only what the server sends on a connection of the bench, so any node id and message pass. */
const ANY: FrameValidator = { isKnownNode: () => true, parseMessage: (value) => value as ProtocolMessage };

/** The server's side of a connection, read without checking its MACs: frames after its auth carry one. */
class ServerFrames {
  private readonly reader = new FrameReader();
  private authSeen = false;

  constructor(private readonly macBytes: number) {}

  push(chunk: Buffer): DecodedFrame[] {
    this.reader.push(chunk);
    const frames: DecodedFrame[] = [];
    for (let body = this.reader.next(); body !== undefined; body = this.reader.next()) {
      const frame = decodeFrameBody(body, ANY, this.authSeen ? this.macBytes : 0);
      if (frame.kind === 'auth') this.authSeen = true;
      frames.push(frame);
    }
    return frames;
  }
}

/** What a connection collects from the server's frames. */
class Observed {
  refusal: string | undefined;
  readonly replies: number[] = [];
  private waiting: { op: number; resolve: () => void } | undefined;

  readonly onFrame = (frame: DecodedFrame): void => {
    if (frame.kind === 'refuse') this.refusal = frame.reason;
    if (frame.kind !== 'data') return;
    const op = replyOp(frame.msg);
    this.replies.push(op ?? -1);
    if (op !== undefined && op === this.waiting?.op) {
      this.waiting.resolve();
      this.waiting = undefined;
    }
  };

  /** Resolves when the answer to `op` has come. */
  answerTo(op: number): Promise<void> {
    if (this.replies.includes(op)) return Promise.resolve();
    return new Promise((resolve) => (this.waiting = { op, resolve }));
  }
}

export interface ConnectionSetup {
  readonly address: HostPort;
  readonly view: ServerView;
  readonly lane: Lane;
  readonly rng: Rng;
}

/** Runs one connection of `kind`. */
export function runConnection(setup: ConnectionSetup, kind: Kind): Promise<ConnectionResult> {
  switch (kind.flow) {
    case 'blind':
      return blindConnection(setup, kind.name, (c) => kind.build(c));
    case 'peer':
      return peerConnection(setup, kind);
    case 'session':
      return session(setup, kind.name, BATCH, (c) => kind.last(c));
  }
}

/** A correct session with one request and a clean close: the server still answers after the fuzzing. */
export function aliveSession(setup: ConnectionSetup): Promise<ConnectionResult> {
  return session(setup, 'alive', 1, undefined);
}

/** A peer that writes `build`'s bytes at once and half-closes, reading only the server's refusal. */
function blindConnection(setup: ConnectionSetup, name: string, build: (c: ConnectionContext) => Sent[]): Promise<ConnectionResult> {
  const { address, view, lane, rng } = setup;
  const macBytes = lane.mode === 'hmac' ? FRAME_MAC_BYTES : 0;
  const sent = build({ lane, rng, macBytes, refuses: (extra) => predictConnection(view, undefined, extra).reason !== undefined });
  return rawSocket(address, macBytes, name, Buffer.concat(sent.map((s) => s.bytes)), true).then(({ observed, failure }) => ({
    kind: name,
    sent,
    acceptorNonce: undefined,
    authenticated: false,
    refusal: observed.refusal,
    replies: observed.replies,
    failure,
  }));
}

/**
 * A connection that authenticates nothing within the server's handshake time-out (10 s): silent,
 * or an open and then nothing. The server must refuse it (`handshake-timeout`).
 */
export async function idleConnection(setup: ConnectionSetup, sendOpen: boolean): Promise<ConnectionResult> {
  const { address, lane, rng } = setup;
  const sent: Sent[] = sendOpen ? [{ bytes: encodeOpenFrame(lane.runId, rng.bytes(NONCE_BYTES), lane.mode) }] : [];
  const name = sendOpen ? 'idle-after-open' : 'idle-silent';
  const { observed, failure } = await rawSocket(address, lane.mode === 'hmac' ? FRAME_MAC_BYTES : 0, name, Buffer.concat(sent.map((s) => s.bytes)), false);
  return { kind: name, sent, acceptorNonce: undefined, authenticated: false, refusal: observed.refusal, replies: observed.replies, failure };
}

/** Writes `bytes` on a new socket (and half-closes if `hangUp`), reads the server until it closes. */
function rawSocket(address: HostPort, macBytes: number, name: string, bytes: Buffer, hangUp: boolean): Promise<{ observed: Observed; failure: string | undefined }> {
  const observed = new Observed();
  const frames = new ServerFrames(macBytes);
  return new Promise((resolve) => {
    const socket = net.connect(address.port, address.host, () => {
      if (bytes.length > 0) socket.write(bytes);
      if (hangUp) socket.end();
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ observed, failure: `${name}: the server did not close the connection within ${STEP_TIMEOUT_MS} ms` });
    }, STEP_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) observed.onFrame(frame);
    });
    // A reset by the server after its refusal is expected.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ observed, failure: undefined });
    });
  });
}

/** The open and auth frames `rawPeer` wrote: what the server read before anything else. */
function handshakeFrames(peer: RawPeer, channels: ChannelMode, channelKey: Uint8Array): Sent[] {
  return [{ bytes: encodeOpenFrame(peer.ids.runId, peer.ids.dialerNonce, channels) }, { bytes: encodeAuthFrame(authProof(channelKey, 'dialer', peer.ids)) }];
}

/** Writes `entries` in one call and records them. */
function writeAll(peer: RawPeer, sent: Sent[], earlier: Buffer[], entries: readonly Sent[]): void {
  if (entries.length === 0) return;
  for (const entry of entries) {
    sent.push(entry);
    earlier.push(entry.bytes);
  }
  peer.write(Buffer.concat(entries.map((entry) => entry.bytes)));
}

/** A peer that runs the handshake with its kind's run id, channel mode and keys, then writes `after`. */
async function peerConnection(setup: ConnectionSetup, kind: Extract<Kind, { flow: 'peer' }>): Promise<ConnectionResult> {
  const { address, view, lane, rng } = setup;
  const handshake = kind.handshake(lane);
  const observed = new Observed();
  const result = (sent: Sent[], acceptorNonce: Uint8Array | undefined, failure: string | undefined): ConnectionResult => ({
    kind: kind.name,
    sent,
    acceptorNonce,
    authenticated: false,
    refusal: observed.refusal,
    replies: observed.replies,
    failure,
  });
  let peer: RawPeer;
  try {
    peer = await within(rawPeer(address, { runId: handshake.runId, channels: handshake.channels, keys: handshake.keys, nodes: [], onFrame: observed.onFrame }), STEP_TIMEOUT_MS, "server's open");
  } catch (error) {
    // Refused at its open: the server read that frame only (its nonce does not matter there).
    const open = [{ bytes: encodeOpenFrame(handshake.runId, rng.bytes(NONCE_BYTES), handshake.channels) }];
    return result(open, undefined, observed.refusal === undefined ? `${kind.name}: ${(error as Error).message}` : undefined);
  }
  const sent = handshakeFrames(peer, handshake.channels, handshake.keys.channel);
  const context = {
    lane,
    rng,
    macBytes: peer.macBytes,
    ids: peer.ids,
    seal: (frame: Buffer) => peer.seal(frame),
    refuses: (extra: readonly Buffer[]) => predictConnection(view, peer.ids.acceptorNonce, [...sent.map((s) => s.bytes), ...extra]).reason !== undefined,
  };
  writeAll(peer, sent, [], kind.after(context));
  try {
    await within(peer.end(), STEP_TIMEOUT_MS, 'close');
  } catch (error) {
    return result(sent, peer.ids.acceptorNonce, `${kind.name}: ${(error as Error).message}`);
  }
  return result(sent, peer.ids.acceptorNonce, undefined);
}

/**
 * A correct session of the lane's reader: `batchLength` data frames (the last one a request it waits
 * for: the server handles frames in order, so all were handled), then `last`'s frames, then a
 * half-close.
 */
async function session(setup: ConnectionSetup, name: string, batchLength: number, last: ((c: SessionContext) => Sent[]) | undefined): Promise<ConnectionResult> {
  const { address, view, lane, rng } = setup;
  const observed = new Observed();
  const result = (sent: readonly Sent[], acceptorNonce: Uint8Array | undefined, failure: string | undefined): ConnectionResult => ({
    kind: name,
    sent,
    acceptorNonce,
    authenticated: true,
    refusal: observed.refusal,
    replies: observed.replies,
    failure,
  });
  let peer: RawPeer;
  try {
    peer = await within(rawPeer(address, { runId: lane.runId, channels: lane.mode, keys: lane.keys, nodes: [], onFrame: observed.onFrame }), STEP_TIMEOUT_MS, "server's open");
  } catch (error) {
    return result([], undefined, `${name}: ${(error as Error).message}`);
  }
  const sent = handshakeFrames(peer, lane.mode, lane.keys.channel);
  const earlier: Buffer[] = [];
  const context: SessionContext = {
    lane,
    rng,
    macBytes: peer.macBytes,
    ids: peer.ids,
    earlier,
    seal: (frame) => peer.seal(frame),
    refuses: (extra) => predictConnection(view, peer.ids.acceptorNonce, [...sent.map((s) => s.bytes), ...extra]).reason !== undefined,
  };
  const hello = encodeHelloFrame([lane.reader], [helloProof(lane.keys.node(lane.reader)!, 'dialer', peer.ids, lane.reader)], peer.macBytes);
  writeAll(peer, sent, earlier, [{ bytes: peer.seal(hello) }]);
  const batch = sessionBatch(context, batchLength);
  const barrier = batch[batch.length - 1]!.expect as { answered: number };
  writeAll(peer, sent, earlier, batch);
  try {
    // A server that closes the connection before it answers has refused something of the batch.
    const closedEarly = peer.closed.then(() => {
      throw new Error(`the server closed the connection before answering request ${barrier.answered} (refusal: ${observed.refusal ?? 'none'})`);
    });
    await within(Promise.race([observed.answerTo(barrier.answered), closedEarly]), STEP_TIMEOUT_MS, `answer to request ${barrier.answered}`);
    if (last !== undefined) writeAll(peer, sent, earlier, last(context));
    await within(peer.end(), STEP_TIMEOUT_MS, 'close');
  } catch (error) {
    return result(sent, peer.ids.acceptorNonce, `${name}: ${(error as Error).message}`);
  }
  return result(sent, peer.ids.acceptorNonce, undefined);
}
