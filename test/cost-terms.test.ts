/**
 * One test per cost term: the metered crypto and codec wrappers report what each call does
 * (primitive, bytes, and for coding k, n and the parity fragments the codec used), and costNs turns
 * that into nanoseconds as worked out by hand from a hand-written profile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costNs, PRIMITIVES, type CostProfile, type Primitive } from '../harness/cost/profile.ts';
import { NodeMeter } from '../harness/host/meter.ts';
import { meteredCodec, meteredCrypto } from '../harness/env/index.ts';
import { createCryptoProvider } from '../protocols/common/crypto/index.ts';
import { createTsCodec } from '../protocols/common/erasure/ts.ts';

const PROFILE: CostProfile = {
  name: 'hand',
  hash: { nsPerOp: 500, nsPerByte: 0.5 },
  hmac: { nsPerOp: 800, nsPerByte: 0.25 },
  sign: { nsPerOp: 20_000, nsPerByte: 1 },
  verify: { nsPerOp: 50_000, nsPerByte: 2 },
  encode: { nsPerOp: 1000, nsPerByte: 0.3 },
  decode: { nsPerOp: 900, nsPerByte: 0.2 },
  message: { nsPerOp: 2000, nsPerByte: 0.1 },
  coding: {
    sizesBytes: [1024, 4096, 16_384],
    shapes: [
      {
        k: 2,
        n: 4,
        // ns per byte 2, 1, 0.5 at 1 KiB, 4 KiB, 16 KiB.
        encodeNs: [2048, 4096, 8192],
        // Rows p = 0, 1, 2: ns per byte (0.1, 0.1, 0.1), (1, 0.5, 0.25), (2, 1, 0.5).
        decodeNs: [[102.4, 409.6, 1638.4], [1024, 2048, 4096], [2048, 4096, 8192]],
      },
    ],
  },
};

interface Charge {
  readonly primitive: Primitive;
  readonly bytes: number;
  readonly k: number | undefined;
  readonly n: number | undefined;
  readonly parity: number | undefined;
}

function recorder(): { charges: Charge[]; charge: (p: Primitive, b: number, k?: number, n?: number, parity?: number) => void } {
  const charges: Charge[] = [];
  return { charges, charge: (primitive, bytes, k, n, parity) => charges.push({ primitive, bytes, k, n, parity }) };
}

/** Interpolation goes through logarithms: equal to a millionth of a nanosecond. */
function near(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-6, `${actual} ns, expected ${expected} ns`);
}

const bytes = (count: number): Uint8Array => Uint8Array.from({ length: count }, (_, i) => (i * 31) & 0xff);
const inner = createCryptoProvider('node');

test('hash: SHA-256 of 1000 bytes is one call over 1000 bytes: 500 + 0.5 · 1000 = 1000 ns', () => {
  const { charges, charge } = recorder();
  meteredCrypto(inner, charge).sha256(bytes(1000));
  assert.deepEqual(charges, [{ primitive: 'hash', bytes: 1000, k: undefined, n: undefined, parity: undefined }]);
  assert.equal(costNs(PROFILE, 'hash', 1000), 1000);
});

test('hmac: per byte of data, not of key: 800 + 0.25 · 4000 = 1800 ns', () => {
  const { charges, charge } = recorder();
  meteredCrypto(inner, charge).hmacSha256(bytes(32), bytes(4000));
  assert.deepEqual(charges.map((c) => [c.primitive, c.bytes]), [['hmac', 4000]]);
  assert.equal(costNs(PROFILE, 'hmac', 4000), 1800);
});

test('sign and verify: per message signed or verified: 20,000 + 64 and 50,000 + 2 · 64 ns', () => {
  const { charges, charge } = recorder();
  const crypto = meteredCrypto(inner, charge);
  const { secretKey, publicKey } = crypto.ed25519KeyPair(bytes(32));
  const message = bytes(64);
  const signature = crypto.ed25519Sign(secretKey, message);
  assert.ok(crypto.ed25519Verify(publicKey, message, signature));
  // Key generation is set-up, not charged.
  assert.deepEqual(charges.map((c) => [c.primitive, c.bytes]), [['sign', 64], ['verify', 64]]);
  assert.equal(costNs(PROFILE, 'sign', 64), 20_064);
  assert.equal(costNs(PROFILE, 'verify', 64), 50_128);
});

test('message: per frame and per wire byte: 2000 + 0.1 · 1500 = 2150 ns', () => {
  assert.equal(costNs(PROFILE, 'message', 1500), 2150);
  assert.equal(costNs(PROFILE, 'message', 0), 2000);
});

test('encode: the wrapper passes (bytes, k, n); the grid interpolates ns per byte in log size', () => {
  const { charges, charge } = recorder();
  meteredCodec(createTsCodec(), charge).encode(bytes(2048), 2, 4);
  assert.deepEqual(charges, [{ primitive: 'encode', bytes: 2048, k: 2, n: 4, parity: undefined }]);
  // 2048 B is halfway (in log size) between 1 KiB and 4 KiB: 1.5 ns/B · 2048 = 3072 ns.
  near(costNs(PROFILE, 'encode', 2048, 2, 4), 3072);
  // At a measured size, the measured time.
  assert.equal(costNs(PROFILE, 'encode', 4096, 2, 4), 4096);
  // 8 KiB: halfway between 4 KiB (1 ns/B) and 16 KiB (0.5 ns/B): 0.75 · 8192 = 6144 ns.
  near(costNs(PROFILE, 'encode', 8192, 2, 4), 6144);
  // Below the smallest size: never less than the smallest measured call.
  assert.equal(costNs(PROFILE, 'encode', 100, 2, 4), 2048);
  assert.equal(costNs(PROFILE, 'encode', 0, 2, 4), 2048);
  // Above the largest: the largest size's ns per byte.
  assert.equal(costNs(PROFILE, 'encode', 65_536, 2, 4), 32_768);
});

test('decode: the wrapper counts the parity fragments the codec used (data first, then lowest parity)', () => {
  const codec = createTsCodec();
  const fragments = codec.encode(bytes(4096), 2, 4);
  const keep = (...indices: number[]) => fragments.map((f, i) => (indices.includes(i) ? f : undefined));
  const { charges, charge } = recorder();
  const metered = meteredCodec(codec, charge);
  for (const subset of [[0, 1], [0, 3], [2, 3], [1, 2, 3], [0, 1, 2, 3]]) {
    assert.deepEqual(metered.decode(keep(...subset), 2, 4), bytes(4096));
  }
  // [1, 2, 3]: data fragment 1 plus the lowest parity (2); [0, 1, 2, 3]: both data fragments.
  assert.deepEqual(charges.map((c) => [c.primitive, c.bytes, c.k, c.n, c.parity]), [
    ['decode', 4096, 2, 4, 0],
    ['decode', 4096, 2, 4, 1],
    ['decode', 4096, 2, 4, 2],
    ['decode', 4096, 2, 4, 1],
    ['decode', 4096, 2, 4, 0],
  ]);
  // A rejected decode (too few fragments) is not charged.
  assert.throws(() => metered.decode(keep(3), 2, 4), RangeError);
  assert.equal(charges.length, 5);
});

test('decode: the row of the parity count; all-parity when not given', () => {
  near(costNs(PROFILE, 'decode', 4096, 2, 4, 0), 409.6);
  assert.equal(costNs(PROFILE, 'decode', 4096, 2, 4, 1), 2048);
  assert.equal(costNs(PROFILE, 'decode', 4096, 2, 4, 2), 4096);
  // Halfway between 4 KiB and 16 KiB in row 1: (0.5 + 0.25) / 2 · 8192 = 3072 ns.
  near(costNs(PROFILE, 'decode', 8192, 2, 4, 1), 3072);
  assert.equal(costNs(PROFILE, 'decode', 4096, 2, 4), 4096);
});

test('encode and decode fall back to the flat terms for shapes not in the grid, or without k and n', () => {
  // 1000 + 0.3 · 10,000 and 900 + 0.2 · 10,000.
  assert.equal(costNs(PROFILE, 'encode', 10_000, 3, 7), 4000);
  assert.equal(costNs(PROFILE, 'decode', 10_000, 3, 7, 1), 2900);
  assert.equal(costNs(PROFILE, 'encode', 10_000), 4000);
  const { coding: _grid, ...flat } = PROFILE;
  assert.equal(costNs(flat, 'encode', 10_000, 2, 4), 4000);
});

test('a node meter charges the engine what costNs says, with k, n and the parity count reaching the grid', () => {
  const engine: Array<[string, number]> = [];
  const attributed: Array<[number, number, number]> = [];
  const meter = new NodeMeter('c1', PROFILE, (node, ns) => engine.push([node, ns]), { cpu: (op, primitive, ns) => attributed.push([op, primitive, ns]) });
  meter.target = 7;
  const codec = meteredCodec(createTsCodec(), meter.charge);
  const fragments = codec.encode(bytes(4096), 2, 4);
  codec.decode([fragments[0], undefined, undefined, fragments[3]], 2, 4);
  codec.decode([fragments[0], fragments[1], undefined, undefined], 2, 4);
  meteredCrypto(inner, meter.charge).sha256(bytes(1000));
  meter.charge('message', 1500);
  // Grid (2, 4) at 4 KiB: encode 4096 ns, decode with one parity fragment 2048 ns, with none
  // 409.6 ns rounded to 410; hash 500 + 0.5 · 1000; message 2000 + 0.1 · 1500.
  assert.deepEqual(engine, [['c1', 4096], ['c1', 2048], ['c1', 410], ['c1', 1000], ['c1', 2150]]);
  const index = (p: Primitive): number => PRIMITIVES.indexOf(p);
  assert.deepEqual(attributed, [[7, index('encode'), 4096], [7, index('decode'), 2048], [7, index('decode'), 410], [7, index('hash'), 1000], [7, index('message'), 2150]]);
});
