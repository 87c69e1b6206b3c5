/**
 * @module The `noble` crypto provider: @noble/hashes and @noble/curves (pure JS, portable).
 *
 * Verification uses strict RFC 8032 rules (`zip215: false`), the same acceptance rules as
 * OpenSSL behind the `node` provider, so both providers return the same verdicts.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { CryptoProvider, Ed25519KeyPair } from './types.ts';
import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES } from './node.ts';

export function createNobleCryptoProvider(): CryptoProvider {
  return {
    name: 'noble',
    sha256(data: Uint8Array): Uint8Array {
      return sha256(data);
    },
    hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
      return hmac(sha256, key, data);
    },
    ed25519KeyPair(seed: Uint8Array): Ed25519KeyPair {
      if (seed.length !== ED25519_KEY_BYTES) {
        throw new RangeError(`ed25519 seed: expected ${ED25519_KEY_BYTES} bytes, got ${seed.length}`);
      }
      return { publicKey: ed25519.getPublicKey(seed), secretKey: Uint8Array.from(seed) };
    },
    ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
      if (secretKey.length !== ED25519_KEY_BYTES) {
        throw new RangeError(`ed25519 secretKey: expected ${ED25519_KEY_BYTES} bytes, got ${secretKey.length}`);
      }
      return ed25519.sign(message, secretKey);
    },
    ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      if (publicKey.length !== ED25519_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) {
        return false;
      }
      try {
        return ed25519.verify(signature, message, publicKey, { zip215: false });
      } catch {
        return false;
      }
    },
  };
}
