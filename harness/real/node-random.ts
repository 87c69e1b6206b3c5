/** @module The real engine's randomness for nodes' keys and nonces: a CSPRNG, never the run seed. */
import { randomBytes } from 'node:crypto';
import type { RandomSource } from '../../protocols/types.ts';

export const cryptoRandom: RandomSource = { bytes: (length) => new Uint8Array(randomBytes(length)) };
