/**
 * @module bench:fuzz's prediction of what a server process does with the bytes of one connection:
 * a model of the accepting side of an authenticated connection (the handshake of
 * harness/real/handshake.ts, the checks of harness/real/tcp-transport.ts), written apart from the
 * transport. It reuses the frame decoder and the proof and MAC functions, so a bug inside those is
 * shared; the frames the bench builds for a stated reason (kinds.ts) are the independent check of
 * that part.
 */
import type { NodeId } from '../../protocols/types.ts';
import { decodeFrameBody, DEFAULT_MAX_FRAME_BYTES, FrameError, FrameReader, type ChannelMode, type DecodedFrame, type FrameValidator } from '../../harness/real/frame.ts';
import { authProof, FRAME_MAC_BYTES, FrameOpener, helloProof, proofMatches, type ConnectionIds } from '../../harness/real/handshake.ts';
import type { ChannelKeys } from '../../harness/real/run-secret.ts';

/** What the model knows of the server: what the server process itself is configured with. */
export interface ServerView {
  readonly validator: FrameValidator;
  readonly channels: ChannelMode;
  /** The run the server serves (its cluster file names it). */
  readonly runId: string;
  /** Keys derived from the run secret. */
  readonly keys: ChannelKeys;
  /** Nodes the server process hosts. */
  readonly local: ReadonlySet<NodeId>;
}

export interface Prediction {
  /** The reason the server counts when it closes the connection; undefined: it counts nothing. */
  readonly reason: string | undefined;
  /** Indices (into the sent list) of the frames handed to a protocol machine, in order. */
  readonly delivered: readonly number[];
}

/** The connection state of the accepting side, as far as it decides what is refused. */
interface State {
  /** The nonce of the peer's open, once it came. */
  dialerNonce: Uint8Array | undefined;
  /** Both nonces and the run: known once the peer authenticated. */
  ids: ConnectionIds | undefined;
  peerAuthenticated: boolean;
  readonly remoteNodes: Set<NodeId>;
  opener: FrameOpener | undefined;
}

/**
 * What the server counts for a connection on which a peer wrote `sent` (in order) and then hung up.
 * `acceptorNonce` is the nonce of the server's open as the peer saw it, undefined when the peer
 * wrote without reading it: then no proof of that peer can verify, since every proof covers it.
 */
export function predictConnection(server: ServerView, acceptorNonce: Uint8Array | undefined, sent: readonly Buffer[]): Prediction {
  const reader = new FrameReader(DEFAULT_MAX_FRAME_BYTES);
  const state: State = { dialerNonce: undefined, ids: undefined, peerAuthenticated: false, remoteNodes: new Set(), opener: undefined };
  const delivered: number[] = [];
  for (const [index, bytes] of sent.entries()) {
    reader.push(bytes);
    for (;;) {
      let frame: DecodedFrame;
      try {
        const body = reader.next();
        if (body === undefined) break;
        if (state.opener !== undefined && !state.opener.open(body)) return { reason: 'bad-mac', delivered };
        frame = decodeFrameBody(body, server.validator, state.opener === undefined ? 0 : FRAME_MAC_BYTES);
      } catch (error) {
        if (error instanceof FrameError) return { reason: error.reason, delivered };
        throw error;
      }
      const outcome = step(server, acceptorNonce, state, frame);
      if (outcome === 'delivered') delivered.push(index);
      else if (outcome === 'peer-closed') return { reason: undefined, delivered };
      else if (outcome !== 'accepted') return { reason: outcome, delivered };
    }
  }
  // The peer hung up: a partly received frame is counted as truncated.
  return { reason: reader.pendingBytes > 0 ? 'truncated' : undefined, delivered };
}

/** One decoded frame: accepted, delivered to a machine, closed by the peer's refusal, or a refusal reason. */
function step(server: ServerView, acceptorNonce: Uint8Array | undefined, state: State, frame: DecodedFrame): 'accepted' | 'delivered' | 'peer-closed' | string {
  switch (frame.kind) {
    case 'open':
      if (state.dialerNonce !== undefined) return 'handshake-order';
      if (frame.channels !== server.channels) return 'channels-mismatch';
      if (frame.runId !== server.runId) return 'other-run';
      state.dialerNonce = frame.nonce;
      return 'accepted';
    case 'auth': {
      if (state.dialerNonce === undefined || state.peerAuthenticated) return 'handshake-order';
      if (acceptorNonce === undefined) return 'bad-auth-proof';
      const ids: ConnectionIds = { runId: server.runId, dialerNonce: state.dialerNonce, acceptorNonce };
      if (!proofMatches(frame.proof, authProof(server.keys.channel, 'dialer', ids))) return 'bad-auth-proof';
      state.ids = ids;
      state.peerAuthenticated = true;
      if (server.channels === 'hmac') state.opener = new FrameOpener(server.keys.channel, 'dialer', ids);
      return 'accepted';
    }
    case 'hello':
      if (!state.peerAuthenticated) return 'unauthenticated';
      for (const [i, node] of frame.nodes.entries()) {
        const key = server.keys.node(node);
        if (key === undefined || !proofMatches(frame.proofs[i]!, helloProof(key, 'dialer', state.ids!, node))) return 'bad-hello-proof';
      }
      for (const node of frame.nodes) state.remoteNodes.add(node);
      return 'accepted';
    case 'refuse':
      // The peer says why it closes: the server closes too and counts nothing.
      return 'peer-closed';
    case 'data':
      if (!state.peerAuthenticated) return 'unauthenticated';
      if (!state.remoteNodes.has(frame.from)) return 'unannounced-sender';
      if (!server.local.has(frame.to)) return 'not-local';
      return 'delivered';
  }
}
