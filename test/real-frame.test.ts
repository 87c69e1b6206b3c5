/**
 * Framing of the real engine: a hand-computed frame, arbitrary TCP chunking, and every class of bad
 * frame rejected with its reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeValue } from '../harness/wire/codec.ts';
import {
  decodeFrameBody,
  encodeDataFrame,
  encodeHelloFrame,
  FRAME_CODEC_VERSION,
  FrameError,
  FrameReader,
  type DecodedFrame,
  type FrameValidator,
} from '../harness/real/frame.ts';
import type { ProtocolMessage } from '../protocols/types.ts';
import { stream } from '../harness/rng.ts';
import { WallClock } from '../harness/real/wall-clock.ts';

const validator: FrameValidator = {
  isKnownNode: (id) => ['s1', 's2', 'w1'].includes(id),
  parseMessage: (value) =>
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'PING' ? (value as ProtocolMessage) : undefined,
};

function frameWith(version: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(1 + payload.length, 0);
  out[4] = version;
  out.set(payload, 5);
  return out;
}

/** Every whole frame `chunk` completes, decoded (no MACs). */
function pushAll(reader: FrameReader, chunk: Buffer): DecodedFrame[] {
  reader.push(chunk);
  const out: DecodedFrame[] = [];
  for (let body = reader.next(); body !== undefined; body = reader.next()) out.push(decodeFrameBody(body, validator));
  return out;
}

const PROOF = new Uint8Array(32).fill(9);

function reasonOf(bytes: Buffer, maxFrameBytes?: number): string {
  const reader = new FrameReader(maxFrameBytes);
  try {
    pushAll(reader, bytes);
  } catch (error) {
    assert.ok(error instanceof FrameError);
    return error.reason;
  }
  return 'accepted';
}

describe('real engine framing', () => {
  it('encodes a hello frame byte for byte', () => {
    // Payload encodeValue([3, ['s1'], [proof]]): array(8) count 3, uint(3) 3, array(8) count 1,
    // string(6) len 2 "s1", array(8) count 1, bytes(7) len 32, the proof: 46 bytes; length 1 + 46.
    const expected = [0, 0, 0, 47, FRAME_CODEC_VERSION, 8, 3, 3, 3, 8, 1, 6, 2, 0x73, 0x31, 8, 1, 7, 32, ...PROOF];
    assert.deepEqual([...encodeHelloFrame(['s1'], [PROOF])], expected);
  });

  it('reassembles frames from arbitrary chunks, in order', () => {
    const value = new Uint8Array(3000).map((_, i) => i % 251);
    const frames = Buffer.concat([
      encodeHelloFrame(['w1'], [PROOF]),
      encodeDataFrame('w1', 's1', 'k0', { type: 'PING', value } as ProtocolMessage, 7),
      encodeDataFrame('w1', 's2', 'k1', { type: 'PING', n: 2 } as ProtocolMessage, 7),
    ]);
    const rng = stream(5, 'chunks');
    for (let trial = 0; trial < 20; trial++) {
      const reader = new FrameReader();
      const out: DecodedFrame[] = [];
      for (let offset = 0; offset < frames.length; ) {
        const size = trial === 0 ? 1 : rng.int(1, 700);
        out.push(...pushAll(reader, frames.subarray(offset, offset + size)));
        offset += size;
      }
      assert.equal(reader.pendingBytes, 0);
      assert.deepEqual(
        out.map((f) => (f.kind === 'hello' ? `hello:${f.nodes.join(',')}` : f.kind === 'data' ? `${f.from}->${f.to}:${f.key}` : f.kind)),
        ['hello:w1', 'w1->s1:k0', 'w1->s2:k1'],
      );
      const first = out[1]!;
      assert.ok(first.kind === 'data');
      assert.deepEqual([...(first.msg as unknown as { value: Uint8Array }).value], [...value]);
    }
  });

  it('rejects each kind of bad frame with its reason', () => {
    const ping = { type: 'PING' };
    assert.equal(reasonOf(Buffer.from([0xff, 0xff, 0xff, 0xff])), 'oversized');
    assert.equal(reasonOf(encodeDataFrame('w1', 's1', 'k0', ping, 7), 16), 'oversized');
    assert.equal(reasonOf(Buffer.from([0, 0, 0, 0])), 'empty-frame');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION - 1, encodeValue([3, ['w1'], [PROOF]]))), 'bad-version');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, Uint8Array.from([42]))), 'codec-bad-tag');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([3, ['w1'], [PROOF]]).subarray(0, 5))), 'codec-truncated');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue({ kind: 0 }))), 'bad-envelope');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([7, 'x']))), 'bad-kind');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([3, [], []]))), 'bad-hello');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([3, ['w1'], []]))), 'bad-hello');
    assert.equal(reasonOf(encodeHelloFrame(['w1'], [PROOF.subarray(0, 16)])), 'bad-hello');
    assert.equal(reasonOf(encodeHelloFrame(['mallory'], [PROOF])), 'unknown-node');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([0, 'run 1', PROOF, 'plain']))), 'bad-open');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([0, 'run1', PROOF, 'rot13']))), 'bad-open');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([0, 'run1', PROOF.subarray(1), 'plain']))), 'bad-open');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([2, PROOF, PROOF]))), 'bad-auth');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([4, 'x']))), 'bad-refuse');
    assert.equal(reasonOf(encodeDataFrame('w1', 'x9', 'k0', ping, 7)), 'unknown-node');
    assert.equal(reasonOf(encodeDataFrame('w1', 's1', 'k'.repeat(300), ping, 7)), 'bad-key');
    assert.equal(reasonOf(encodeDataFrame('w1', 's1', '', ping, 7)), 'bad-key');
    assert.equal(reasonOf(encodeDataFrame('w1', 's1', 'k0', { type: 'PONG' }, 7)), 'bad-message');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([1, 'w1', 's1', 'k0', 0, ping]))), 'bad-envelope');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([1, 'w1', 's1', 'k0', -5, 0, ping]))), 'bad-due-time');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([1, 'w1', 's1', 'k0', 'soon', 0, ping]))), 'bad-due-time');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([1, 'w1', 's1', 'k0', 0, 1.5, ping]))), 'bad-tag');
    assert.equal(reasonOf(frameWith(FRAME_CODEC_VERSION, encodeValue([1, 'w1', 's1', 'k0', 0, 'op7', ping]))), 'bad-tag');
    assert.equal(reasonOf(encodeDataFrame('w1', 's1', 'k0', ping, 7)), 'accepted');
  });

  it('waits for the rest of a frame instead of misreading a partial one', () => {
    const bytes = encodeDataFrame('w1', 's1', 'k0', { type: 'PING' }, 7);
    const reader = new FrameReader();
    assert.deepEqual(pushAll(reader, bytes.subarray(0, 3)), []);
    assert.deepEqual(pushAll(reader, bytes.subarray(3, bytes.length - 1)), []);
    assert.equal(reader.pendingBytes, bytes.length - 1);
    assert.equal(pushAll(reader, bytes.subarray(bytes.length - 1)).length, 1);
  });
});

describe('real engine framing: data frames', () => {
  it('equals the plain encoding of [1, from, to, key, dueUs, tag, msg], also for a message sent twice', () => {
    const msg = { type: 'PING', value: new Uint8Array([1, 2, 3]) } as ProtocolMessage;
    for (const [to, dueUs, tag] of [['s1', 0, 1], ['s2', 1_764_000_000_000_000, -42], ['s1', 7, 0]] as const) {
      const payload = encodeValue([1, 'w1', to, 'k0', dueUs, tag, msg]);
      const expected = Buffer.concat([Buffer.from([0, 0, 0, payload.length + 1, FRAME_CODEC_VERSION]), payload]);
      assert.deepEqual(encodeDataFrame('w1', to, 'k0', msg, tag, dueUs), expected);
    }
  });

  it('decodes bytes fields that keep at most twice their size of received memory alive', () => {
    // One 64 KiB chunk as a socket delivers it: 20 frames with a 16-byte field each, then one frame
    // whose 40,000-byte field is most of the chunk, then filler (the start of a frame not yet whole).
    const small = Array.from({ length: 20 }, (_, i) => new Uint8Array(16).fill(i + 1));
    const large = new Uint8Array(40_000).map((_, i) => i % 253);
    const frames = Buffer.concat([
      ...small.map((value) => encodeDataFrame('w1', 's1', 'k0', { type: 'PING', value } as ProtocolMessage, 1)),
      encodeDataFrame('w1', 's2', 'k0', { type: 'PING', value: large } as ProtocolMessage, 2),
    ]);
    const chunk = Buffer.alloc(64 * 1024);
    frames.copy(chunk);
    chunk.writeUInt32BE(60_000, frames.length);
    const decoded = pushAll(new FrameReader(), chunk).map((frame) => {
      assert.ok(frame.kind === 'data');
      return (frame.msg as unknown as { value: Uint8Array }).value;
    });
    assert.equal(decoded.length, 21);
    decoded.forEach((value, i) => {
      assert.deepEqual([...value], [...(i < 20 ? small[i]! : large)]);
      assert.equal(Buffer.isBuffer(value), false, `field ${i} is a plain Uint8Array, as in the simulator`);
      assert.ok(value.buffer.byteLength <= 2 * value.length, `field ${i}: ${value.length} bytes keep ${value.buffer.byteLength} alive`);
    });
    // The small fields are copies (16 bytes each); the large one is the chunk itself, not a copy.
    assert.deepEqual(decoded.slice(0, 20).map((value) => value.buffer.byteLength), Array(20).fill(16));
    assert.equal(decoded[20]!.buffer, chunk.buffer);
  });

  it('carries the operation tag: replies and server-initiated messages alike', () => {
    for (const tag of [0, 1, 123_456_789, -7]) {
      const [frame] = pushAll(new FrameReader(), encodeDataFrame('w1', 's1', 'k0', { type: 'PING' } as ProtocolMessage, tag));
      assert.ok(frame !== undefined && frame.kind === 'data');
      assert.equal(frame.tag, tag);
    }
  });
});

describe('real engine: the shared timebase of due times', () => {
  it('maps a due time between two clocks started at different moments (monotonic: to the microsecond)', async () => {
    const a = new WallClock(0, 'monotonic');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = new WallClock(0, 'monotonic');
    // The same instant read on both clocks: b's local time = a's local time − (b's start − a's start).
    const aNowNs = a.nowNs();
    const inB = b.fromSharedUs(a.toSharedUs(aNowNs + 10_000_000));
    // The same instant on b's clock, exactly: shifted by the difference of the two time zeros.
    const expected = aNowNs + 10_000_000 - Number(b.startHrtimeNs - a.startHrtimeNs);
    // Shared times are whole microseconds, rounded up: never earlier, less than 1 µs later.
    assert.ok(inB - expected >= 0 && inB - expected < 1000, `mapped to ${inB} ns, expected ${expected} ns`);
    // (setTimeout may wake a little early by the monotonic clock, so only "later" is certain.)
    assert.ok(b.startSharedUs > a.startSharedUs, 'b started after a');
  });

  it('never maps a due time earlier: rounds up to the microsecond, maps back exactly', () => {
    // Clocks with given time zeros (hrtime ns), 500.876 µs apart, both on the monotonic timebase.
    const a = new WallClock(0, 'monotonic', 1_000_000_123n);
    const b = new WallClock(0, 'monotonic', 1_000_500_999n);
    // Due at a's 10 ms = absolute 1_010_000_123 ns → shared µs ceil(1_010_000.123) = 1_010_001.
    assert.equal(a.toSharedUs(10_000_000), 1_010_001);
    // In b: 1_010_001_000 − 1_000_500_999 = 9_500_001 ns (exact instant: 9_499_124 ns; 877 ns later, never earlier).
    assert.equal(b.fromSharedUs(1_010_001), 9_500_001);
    // An exact microsecond stays put: absolute 1_000_501_000 ns is b's 1 ns, a's 500_877 ns.
    assert.equal(a.toSharedUs(500_877), 1_000_501);
    assert.equal(b.fromSharedUs(1_000_501), 1);
    assert.equal(a.fromSharedUs(a.toSharedUs(500_877)), 500_877);
  });

  it('agrees with another realtime clock to within a millisecond', () => {
    const a = new WallClock(0, 'realtime');
    const b = new WallClock(0, 'realtime');
    // Both started within microseconds: their shared times for "now" agree up to calibration error.
    const skewUs = Math.abs(a.toSharedUs(a.nowNs()) - b.toSharedUs(b.nowNs()));
    assert.ok(skewUs < 1000, `realtime clocks disagree by ${skewUs} µs`);
    assert.ok(Math.abs(a.startSharedUs / 1000 - Date.now()) < 1000, 'realtime timebase is the Unix epoch');
  });
});
