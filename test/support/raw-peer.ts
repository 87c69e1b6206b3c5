/**
 * @module A hand-driven peer for tests against a server process: it runs the handshake itself
 * (open, auth, hello: harness/real/handshake.ts) with whatever keys it is given, and then writes any
 * bytes, well-formed or not, sealed with the connection's MAC or not.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { NodeId } from '../../protocols/types.ts';
import { decodeFrameBody, encodeAuthFrame, encodeHelloFrame, encodeOpenFrame, FrameReader, type ChannelMode, type DecodedFrame, type FrameValidator } from '../../harness/real/frame.ts';
import { authProof, FRAME_MAC_BYTES, FrameOpener, FrameSealer, helloProof, type ConnectionIds } from '../../harness/real/handshake.ts';
import type { ChannelKeys } from '../../harness/real/run-secret.ts';
import type { HostPort } from '../../harness/real/tcp-transport.ts';

/** Accepts any node id and message: the peer only needs to parse the server's handshake frames. */
const ANY: FrameValidator = { isKnownNode: () => true, parseMessage: (value) => value as never };

export interface RawPeer {
  readonly ids: ConnectionIds;
  /** Whether frames must carry a MAC (hmac channels). */
  readonly macBytes: number;
  /** Writes `frame` (room for the MAC included when `macBytes` > 0), sealed unless `seal` is false. */
  send(frame: Buffer, seal?: boolean): void;
  /** Writes raw bytes. */
  write(bytes: Buffer): void;
  /** Frames the server sent after its hello (e.g. replies, a refusal). */
  readonly received: DecodedFrame[];
  /** Half-closes and resolves when the server has closed the connection. */
  end(): Promise<void>;
}

/**
 * Connects to `address`, opens with `runId`, proves the channel with `keys.channel` and each of
 * `nodes` with `keys.node(node)` (a key it does not have is replaced by random bytes: a forged proof).
 * Resolves once the server's open has come and this side's auth and hello are written.
 */
export function rawPeer(address: HostPort, options: { runId: string; channels: ChannelMode; keys: ChannelKeys; nodes: readonly NodeId[] }): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(address.port, address.host);
    const nonce = new Uint8Array(randomBytes(32));
    const reader = new FrameReader();
    const received: DecodedFrame[] = [];
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    let opener: FrameOpener | undefined;
    let ids: ConnectionIds | undefined;
    let sealer: FrameSealer | undefined;
    const macBytes = options.channels === 'hmac' ? FRAME_MAC_BYTES : 0;
    socket.on('error', () => {});
    socket.write(encodeOpenFrame(options.runId, nonce, options.channels));
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let body = reader.next(); body !== undefined; body = reader.next()) {
        if (opener !== undefined && !opener.open(body)) return reject(new Error('raw peer: a frame of the server failed its MAC'));
        const frame = decodeFrameBody(body, ANY, opener === undefined ? 0 : FRAME_MAC_BYTES);
        if (frame.kind === 'open' && ids === undefined) {
          ids = { runId: frame.runId, dialerNonce: nonce, acceptorNonce: frame.nonce };
          socket.write(encodeAuthFrame(authProof(options.keys.channel, 'dialer', ids)));
          if (macBytes > 0) sealer = new FrameSealer(options.keys.channel, 'dialer', ids);
          const proofs = options.nodes.map((node) => {
            const key = options.keys.node(node);
            return key === undefined ? new Uint8Array(randomBytes(32)) : helloProof(key, 'dialer', ids!, node);
          });
          const peer: RawPeer = {
            ids,
            macBytes,
            send(bytes, seal = true) {
              if (seal) sealer?.seal(bytes);
              socket.write(bytes);
            },
            write: (bytes) => void socket.write(bytes),
            received,
            async end() {
              socket.end();
              await closed;
            },
          };
          if (options.nodes.length > 0) peer.send(encodeHelloFrame(options.nodes, proofs, macBytes));
          resolve(peer);
        } else if (frame.kind === 'auth' && macBytes > 0) {
          opener = new FrameOpener(options.keys.channel, 'acceptor', ids!);
        } else if (frame.kind !== 'hello' && frame.kind !== 'auth') {
          received.push(frame);
          if (frame.kind === 'refuse' && ids === undefined) reject(new Error(`raw peer: refused: ${frame.reason}: ${frame.detail}`));
        }
      }
    });
  });
}
