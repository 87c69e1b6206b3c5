/**
 * @module Building each node's NodeEnv: crypto and erasure codec wrapped so that every call charges
 * the cost profile to the node making it, a seeded random source, and a reject counter.
 */
import type { CryptoProvider } from '../../protocols/common/crypto/types.ts';
import type { ErasureCodec } from '../../protocols/common/erasure/types.ts';
import type { NodeEnv, NodeId, RandomSource } from '../../protocols/types.ts';
import type { Primitive } from '../cost/profile.ts';
import { parityFragmentsUsed } from '../../protocols/common/erasure/layout.ts';
import { createCryptoProvider } from '../../protocols/common/crypto/index.ts';
import { createErasureCodec, createProgramCache } from '../../protocols/common/erasure/index.ts';

/**
 * Called for every metered primitive call: `bytes` processed (message bytes for sign/verify, value
 * bytes for erasure coding); for erasure coding also the code's `k` and `n`, and for decoding how
 * many of the k fragments the codec used are parity (see costNs in harness/cost/profile.ts).
 */
export type ChargeFn = (primitive: Primitive, bytes: number, k?: number, n?: number, parityFragments?: number) => void;

export function meteredCrypto(inner: CryptoProvider, charge: ChargeFn): CryptoProvider {
  return {
    name: inner.name,
    sha256(data) {
      charge('hash', data.length);
      return inner.sha256(data);
    },
    hmacSha256(key, data) {
      charge('hmac', data.length);
      return inner.hmacSha256(key, data);
    },
    // Key generation is setup, not per-operation work: not charged.
    ed25519KeyPair: (seed) => inner.ed25519KeyPair(seed),
    ed25519Sign(secretKey, message) {
      charge('sign', message.length);
      return inner.ed25519Sign(secretKey, message);
    },
    ed25519Verify(publicKey, message, signature) {
      charge('verify', message.length);
      return inner.ed25519Verify(publicKey, message, signature);
    },
  };
}

export function meteredCodec(inner: ErasureCodec, charge: ChargeFn): ErasureCodec {
  return {
    name: inner.name,
    encode(value, k, n) {
      charge('encode', value.length, k, n);
      return inner.encode(value, k, n);
    },
    // Charged after a successful decode (a rejected set of fragments costs nothing here), with the
    // parity count of the fragments the codec actually used: all data fragments given, then the
    // lowest-indexed parity ones (layout.ts parityFragmentsUsed).
    decode(fragments, k, n) {
      const value = inner.decode(fragments, k, n);
      charge('decode', value.length, k, n, parityFragmentsUsed(fragments, k));
      return value;
    },
  };
}

export interface NodeEnvParts {
  readonly id: NodeId;
  readonly crypto: CryptoProvider;
  readonly codec: ErasureCodec;
  readonly random: RandomSource;
  readonly charge: ChargeFn;
  readonly reject: (reason: string) => void;
  readonly initiating?: (to: NodeId) => void;
}

export function createNodeEnv(parts: NodeEnvParts): NodeEnv {
  return {
    id: parts.id,
    crypto: meteredCrypto(parts.crypto, parts.charge),
    codec: meteredCodec(parts.codec, parts.charge),
    random: parts.random,
    reject: parts.reject,
    ...(parts.initiating === undefined ? {} : { initiating: parts.initiating }),
  };
}

/** The crypto provider `name` (protocols/common/crypto). Async so that callers need not change if loading ever becomes lazy. */
export async function loadCryptoProvider(name: 'node' | 'noble'): Promise<CryptoProvider> {
  return createCryptoProvider(name);
}

/**
 * The XOR programs of the erasure codes, shared by the codecs of every run in this process: building
 * one for a large (k, n) takes longer than a short run. Kept here, not in the codec's module, because
 * protocol code holds no module-level state.
 */
const ERASURE_PROGRAMS = createProgramCache();

/** The erasure codec for `preference` (protocols/common/erasure); its `name` says which one runs. */
export async function loadErasureCodec(preference: 'auto' | 'native' | 'typescript'): Promise<ErasureCodec> {
  return createErasureCodec(preference, ERASURE_PROGRAMS);
}
