/**
 * Crypto providers: standard vectors (NIST SHA-256, RFC 4231 HMAC-SHA-256, RFC 8032 Ed25519) for
 * both implementations, agreement between them on random inputs, and verify-never-throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCryptoProvider, CRYPTO_PROVIDER_NAMES } from '../protocols/common/crypto/index.ts';
import type { CryptoProvider } from '../protocols/common/crypto/index.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const repeat = (byte: number, count: number): Uint8Array => new Uint8Array(count).fill(byte);

const providers: CryptoProvider[] = CRYPTO_PROVIDER_NAMES.map((n) => createCryptoProvider(n));

// FIPS 180-2 / NIST CAVP examples.
const SHA256_VECTORS: Array<[string, Uint8Array, string]> = [
  ['"abc"', utf8('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['empty', new Uint8Array(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  [
    '448-bit message',
    utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  ],
  ['one million "a"', repeat(0x61, 1_000_000), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
];

// RFC 4231 §4.2–4.8 (HMAC-SHA-256 outputs). Case 5 is truncated to 128 bits by the RFC.
const HMAC_VECTORS: Array<[number, Uint8Array, Uint8Array, string]> = [
  [1, repeat(0x0b, 20), utf8('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
  [2, utf8('Jefe'), utf8('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
  [3, repeat(0xaa, 20), repeat(0xdd, 50), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
  [
    4,
    Uint8Array.from({ length: 25 }, (_, i) => i + 1),
    repeat(0xcd, 50),
    '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  ],
  [5, repeat(0x0c, 20), utf8('Test With Truncation'), 'a3b6167473100ee06e0c796c2955552b'],
  [
    6,
    repeat(0xaa, 131),
    utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  ],
  [
    7,
    repeat(0xaa, 131),
    utf8(
      'This is a test using a larger than block-size key and a larger than block-size data. ' +
        'The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  ],
];

// RFC 8032 §7.1 TEST 1–3.
const ED25519_VECTORS: Array<[number, string, string, string, string]> = [
  [
    1,
    '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  ],
  [
    2,
    '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ],
  [
    3,
    'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  ],
];

/** Deterministic pseudo-random bytes (xorshift32), so the agreement tests are reproducible. */
function pseudoRandomBytes(seed: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

for (const c of providers) {
  test(`${c.name}: SHA-256 NIST vectors`, () => {
    for (const [label, input, expected] of SHA256_VECTORS) assert.equal(hex(c.sha256(input)), expected, label);
  });

  test(`${c.name}: HMAC-SHA-256 RFC 4231 cases 1-7`, () => {
    for (const [id, key, data, expected] of HMAC_VECTORS) {
      const tag = hex(c.hmacSha256(key, data));
      assert.equal(tag.slice(0, expected.length), expected, `case ${id}`);
      assert.equal(tag.length, 64, `case ${id} full tag length`);
    }
  });

  test(`${c.name}: Ed25519 RFC 8032 tests 1-3`, () => {
    for (const [id, seed, publicKey, message, signature] of ED25519_VECTORS) {
      const pair = c.ed25519KeyPair(unhex(seed));
      assert.equal(hex(pair.publicKey), publicKey, `test ${id} public key`);
      assert.equal(hex(pair.secretKey), seed, `test ${id} secret key is the seed`);
      assert.equal(hex(c.ed25519Sign(unhex(seed), unhex(message))), signature, `test ${id} signature`);
      assert.equal(c.ed25519Verify(unhex(publicKey), unhex(message), unhex(signature)), true, `test ${id} verify`);
    }
  });

  test(`${c.name}: Ed25519 verify returns false on garbage, never throws`, () => {
    const [, seed, publicKey, message, signature] = ED25519_VECTORS[1]!;
    const pk = unhex(publicKey);
    const msg = unhex(message);
    const sig = unhex(signature);
    assert.equal(c.ed25519Verify(pk, utf8('other message'), sig), false, 'other message');
    for (let bit = 0; bit < 512; bit += 7) {
      const flipped = sig.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(c.ed25519Verify(pk, msg, flipped), false, `signature bit ${bit} flipped`);
    }
    for (let bit = 0; bit < 256; bit += 5) {
      const flipped = pk.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(c.ed25519Verify(flipped, msg, sig), false, `public key bit ${bit} flipped`);
    }
    assert.equal(c.ed25519Verify(pk, msg, sig.subarray(0, 63)), false, 'short signature');
    assert.equal(c.ed25519Verify(pk, msg, new Uint8Array(65)), false, 'long signature');
    assert.equal(c.ed25519Verify(pk, msg, new Uint8Array(0)), false, 'empty signature');
    assert.equal(c.ed25519Verify(pk.subarray(0, 31), msg, sig), false, 'short key');
    assert.equal(c.ed25519Verify(new Uint8Array(33), msg, sig), false, 'long key');
    assert.equal(c.ed25519Verify(new Uint8Array(32), msg, sig), false, 'all-zero key');
    assert.equal(c.ed25519Verify(new Uint8Array(32).fill(0xff), msg, sig), false, 'non-canonical key');
    assert.equal(c.ed25519Verify(pk, msg, new Uint8Array(64).fill(0xff)), false, 'S >= L');
    assert.equal(c.ed25519Verify(pk, msg, sig), true, 'the original still verifies');
    assert.throws(() => c.ed25519Sign(unhex(seed).subarray(0, 31), msg), RangeError);
  });
}

test('node and noble agree on random inputs', () => {
  const [node, noble] = providers as [CryptoProvider, CryptoProvider];
  for (let i = 0; i < 40; i++) {
    const data = pseudoRandomBytes(1000 + i, (i * 997) % 5000);
    const key = pseudoRandomBytes(2000 + i, (i * 13) % 150);
    assert.equal(hex(node.sha256(data)), hex(noble.sha256(data)), `sha256 #${i}`);
    assert.equal(hex(node.hmacSha256(key, data)), hex(noble.hmacSha256(key, data)), `hmac #${i}`);
    const seed = pseudoRandomBytes(3000 + i, 32);
    const a = node.ed25519KeyPair(seed);
    const b = noble.ed25519KeyPair(seed);
    assert.equal(hex(a.publicKey), hex(b.publicKey), `public key #${i}`);
    const sigA = node.ed25519Sign(seed, data);
    assert.equal(hex(sigA), hex(noble.ed25519Sign(seed, data)), `signature #${i}`);
    assert.equal(noble.ed25519Verify(a.publicKey, data, sigA), true, `noble verifies node #${i}`);
    const junk = pseudoRandomBytes(4000 + i, 64);
    assert.equal(node.ed25519Verify(a.publicKey, data, junk), noble.ed25519Verify(a.publicKey, data, junk), `junk #${i}`);
  }
});

test('createCryptoProvider rejects an unknown name', () => {
  assert.throws(() => createCryptoProvider('openssl' as 'node'), /openssl/);
});
