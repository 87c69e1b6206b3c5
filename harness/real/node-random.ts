/** @module The real engine's randomness for nodes' keys and nonces: a CSPRNG, never the run seed. */
import { randomBytes } from 'node:crypto';
import type { RandomSource } from '../../protocols/types.ts';

/**
 * Bytes are drawn from the CSPRNG a pool at a time: one randomBytes call costs several
 * microseconds whatever its size, and a write draws a 32-byte nonce. Each request gets its own copy,
 * and the bytes handed out are wiped from the pool. Large requests go to the CSPRNG directly.
 */
const POOL_BYTES = 4096;
const MAX_POOLED_BYTES = 256;
let pool: Buffer = Buffer.alloc(0);
let used = 0;

function pooled(length: number): Uint8Array {
  if (length > MAX_POOLED_BYTES) return new Uint8Array(randomBytes(length));
  if (used + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const out = new Uint8Array(length);
  pool.copy(out, 0, used, used + length);
  pool.fill(0, used, used + length);
  used += length;
  return out;
}

export const cryptoRandom: RandomSource = { bytes: pooled };
