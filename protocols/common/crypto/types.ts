/**
 * @module The crypto provider interface used by every protocol
 * (docs/protocols.md#cryptography-and-erasure-coding). Implementations: `node` (node:crypto,
 * default) and `noble` (@noble/hashes, @noble/curves). The harness wraps a provider to charge each
 * call to the node that makes it (cost profile).
 */

export interface Ed25519KeyPair {
  readonly publicKey: Uint8Array;
  /** The 32-byte seed (RFC 8032 private key). */
  readonly secretKey: Uint8Array;
}

export interface CryptoProvider {
  readonly name: 'node' | 'noble';
  /** SHA-256, 32-byte digest. */
  sha256(data: Uint8Array): Uint8Array;
  /** HMAC-SHA-256, 32-byte tag. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** Ed25519 key pair from a 32-byte seed (deterministic, so the simulator can seed it). */
  ed25519KeyPair(seed: Uint8Array): Ed25519KeyPair;
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** False (never a throw) on a malformed key or signature: hostile input is expected. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}
