/**
 * @module The `node` crypto provider: node:crypto (OpenSSL), the default and fastest.
 *
 * Ed25519 keys are the raw 32-byte RFC 8032 seed and public key; node:crypto only takes KeyObjects,
 * so we wrap the raw bytes in fixed DER prefixes (PKCS#8 for the seed, SPKI for the public key).
 * Building a KeyObject costs several microseconds, so recent ones are cached by key bytes.
 */
import * as nodeCrypto from 'node:crypto';
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import type { CryptoProvider, Ed25519KeyPair } from './types.ts';

/** DER header of a PKCS#8 Ed25519 private key (OID 1.3.101.112), followed by the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
/** DER header of an SPKI Ed25519 public key, followed by the 32-byte encoded point. */
const SPKI_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

/**
 * One-shot SHA-256 (`crypto.hash`, Node 20.12+): no Hash object per call, which costs more than
 * hashing a digest-sized input. Falls back to createHash where it is missing.
 */
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer }).hash;
const sha256Buffer: (data: Uint8Array) => Buffer =
  oneShotHash === undefined ? (data) => createHash('sha256').update(data).digest() : (data) => oneShotHash('sha256', data, 'buffer');

export const ED25519_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

function concat(prefix: Uint8Array, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function asUint8(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Small insertion-ordered cache of KeyObjects keyed by the raw key bytes (hex). Protocols sign and
 * verify with a handful of keys, so a bound of 1024 keeps every live key while capping memory when
 * hostile input brings fresh "keys" on every message.
 */
class KeyCache {
  private readonly entries = new Map<string, KeyObject>();
  constructor(private readonly limit: number) {}
  get(raw: Uint8Array, build: () => KeyObject): KeyObject {
    const id = asBuffer(raw).toString('hex');
    const hit = this.entries.get(id);
    if (hit !== undefined) return hit;
    const made = build();
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, made);
    return made;
  }
}

export function createNodeCryptoProvider(): CryptoProvider {
  const privateKeys = new KeyCache(1024);
  const publicKeys = new KeyCache(1024);

  const privateKeyOf = (seed: Uint8Array): KeyObject => {
    if (seed.length !== ED25519_KEY_BYTES) {
      throw new RangeError(`ed25519 secretKey: expected ${ED25519_KEY_BYTES} bytes, got ${seed.length}`);
    }
    return privateKeys.get(seed, () =>
      createPrivateKey({ key: concat(PKCS8_ED25519_PREFIX, seed), format: 'der', type: 'pkcs8' }),
    );
  };

  return {
    name: 'node',
    sha256(data: Uint8Array): Uint8Array {
      return asUint8(sha256Buffer(data));
    },
    hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
      return asUint8(createHmac('sha256', key).update(data).digest());
    },
    ed25519KeyPair(seed: Uint8Array): Ed25519KeyPair {
      const privateKey = privateKeyOf(seed);
      const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
      const publicKey = Uint8Array.from(spki.subarray(SPKI_ED25519_PREFIX.length));
      return { publicKey, secretKey: Uint8Array.from(seed) };
    },
    ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
      return asUint8(nodeSign(null, message, privateKeyOf(secretKey)));
    },
    ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      // Hostile input is expected: any malformed key or signature is simply "not valid".
      if (publicKey.length !== ED25519_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) {
        return false;
      }
      try {
        const key = publicKeys.get(publicKey, () =>
          createPublicKey({ key: concat(SPKI_ED25519_PREFIX, publicKey), format: 'der', type: 'spki' }),
        );
        return nodeVerify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}
