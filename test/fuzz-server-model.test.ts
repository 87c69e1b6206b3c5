/**
 * bench:fuzz's model of the accepting side (bench/fuzz/server-model.ts) on connections written by
 * hand: each case states which frames reach the protocol and which reason the server counts, worked
 * out from the handshake's rules (open, then auth, then hello, then data from proven nodes only; with
 * hmac channels every frame after the auth carries the MAC of its place in the sequence).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeAuthFrame, encodeDataFrame, encodeHelloFrame, encodeOpenFrame, type ChannelMode } from '../harness/real/frame.ts';
import { authProof, FRAME_MAC_BYTES, FrameSealer, helloProof, type ConnectionIds } from '../harness/real/handshake.ts';
import { channelKeysOf } from '../harness/real/run-secret.ts';
import type { ProtocolMessage } from '../protocols/types.ts';
import { predictConnection, type ServerView } from '../bench/fuzz/server-model.ts';
import { TEST_RUN_ID, TEST_SECRET } from './support/auth.ts';

const keys = channelKeysOf(TEST_SECRET);
const nodes = new Set(['s1', 's2', 'w1', 'r1']);
const dialerNonce = new Uint8Array(32).fill(7);
const acceptorNonce = new Uint8Array(32).fill(9);
const ids: ConnectionIds = { runId: TEST_RUN_ID, dialerNonce, acceptorNonce };
const get = { type: 'GET', op: 1 } as unknown as ProtocolMessage;

function view(channels: ChannelMode): ServerView {
  return {
    validator: { isKnownNode: (id) => nodes.has(id), parseMessage: (value) => ((value as { type?: unknown }).type === 'GET' ? (value as ProtocolMessage) : undefined) },
    channels,
    runId: TEST_RUN_ID,
    keys,
    local: new Set(['s1']),
  };
}

/** The frames of a correct dialer up to its hello of `r1`, and a sealer for what follows (hmac). */
function handshake(channels: ChannelMode): { frames: Buffer[]; seal: (frame: Buffer) => Buffer; macBytes: number } {
  const macBytes = channels === 'hmac' ? FRAME_MAC_BYTES : 0;
  const sealer = new FrameSealer(keys.channel, 'dialer', ids);
  const seal = (frame: Buffer): Buffer => {
    if (macBytes > 0) sealer.seal(frame);
    return frame;
  };
  const hello = seal(encodeHelloFrame(['r1'], [helloProof(keys.node('r1')!, 'dialer', ids, 'r1')], macBytes));
  return { frames: [encodeOpenFrame(TEST_RUN_ID, dialerNonce, channels), encodeAuthFrame(authProof(keys.channel, 'dialer', ids)), hello], seal, macBytes };
}

describe('bench:fuzz server model', () => {
  for (const channels of ['plain', 'hmac'] as const) {
    it(`${channels}: a correct session's data frames reach the protocol and nothing is counted`, () => {
      const { frames, seal, macBytes } = handshake(channels);
      const data = [seal(encodeDataFrame('r1', 's1', 'k0', get, 1, 0, macBytes)), seal(encodeDataFrame('r1', 's1', 'k0', get, 2, 0, macBytes))];
      assert.deepEqual(predictConnection(view(channels), acceptorNonce, [...frames, ...data]), { reason: undefined, delivered: [3, 4] });
    });

    it(`${channels}: a sender not proven on the connection is refused after the frames before it`, () => {
      const { frames, seal, macBytes } = handshake(channels);
      const data = [seal(encodeDataFrame('r1', 's1', 'k0', get, 1, 0, macBytes)), seal(encodeDataFrame('w1', 's1', 'k0', get, 2, 0, macBytes))];
      assert.deepEqual(predictConnection(view(channels), acceptorNonce, [...frames, ...data]), { reason: 'unannounced-sender', delivered: [3] });
    });
  }

  it('refuses an open of another run, another channel mode, and a second open', () => {
    assert.equal(predictConnection(view('plain'), acceptorNonce, [encodeOpenFrame('other-run', dialerNonce, 'plain')]).reason, 'other-run');
    assert.equal(predictConnection(view('plain'), acceptorNonce, [encodeOpenFrame(TEST_RUN_ID, dialerNonce, 'hmac')]).reason, 'channels-mismatch');
    const open = encodeOpenFrame(TEST_RUN_ID, dialerNonce, 'plain');
    assert.equal(predictConnection(view('plain'), acceptorNonce, [open, open]).reason, 'handshake-order');
  });

  it('refuses an auth proof made with another key, or by a peer that never read the server nonce', () => {
    const open = encodeOpenFrame(TEST_RUN_ID, dialerNonce, 'plain');
    const otherKeys = channelKeysOf(new Uint8Array(32).fill(1));
    assert.equal(predictConnection(view('plain'), acceptorNonce, [open, encodeAuthFrame(authProof(otherKeys.channel, 'dialer', ids))]).reason, 'bad-auth-proof');
    assert.equal(predictConnection(view('plain'), undefined, [open, encodeAuthFrame(authProof(keys.channel, 'dialer', ids))]).reason, 'bad-auth-proof');
  });

  it("refuses a hello that proves w1 with r1's key, and data before the auth", () => {
    const { frames } = handshake('plain');
    const borrowed = encodeHelloFrame(['w1'], [helloProof(keys.node('r1')!, 'dialer', ids, 'w1')]);
    assert.equal(predictConnection(view('plain'), acceptorNonce, [frames[0]!, frames[1]!, borrowed]).reason, 'bad-hello-proof');
    assert.deepEqual(predictConnection(view('plain'), acceptorNonce, [frames[0]!, encodeDataFrame('r1', 's1', 'k0', get, 1)]), { reason: 'unauthenticated', delivered: [] });
  });

  it('hmac: a frame replayed in place of the next one, or unsealed, fails its MAC', () => {
    const { frames, seal, macBytes } = handshake('hmac');
    const first = seal(encodeDataFrame('r1', 's1', 'k0', get, 1, 0, macBytes));
    assert.deepEqual(predictConnection(view('hmac'), acceptorNonce, [...frames, first, Buffer.from(first)]), { reason: 'bad-mac', delivered: [3] });
    assert.equal(predictConnection(view('hmac'), acceptorNonce, [...frames, encodeDataFrame('r1', 's1', 'k0', get, 1, 0, macBytes)]).reason, 'bad-mac');
  });

  it('counts a frame cut short at the hang-up as truncated', () => {
    const { frames } = handshake('plain');
    const data = encodeDataFrame('r1', 's1', 'k0', get, 1);
    assert.deepEqual(predictConnection(view('plain'), acceptorNonce, [...frames, data.subarray(0, data.length - 1)]), { reason: 'truncated', delivered: [] });
  });
});
