/**
 * @module Seeded randomness: one run seed, independent named streams derived from it (pure-rand).
 *
 * Every random choice of a simulated run (latencies, key choice, op mix, node randomness) draws from
 * a stream named after its purpose, so adding draws to one stream never shifts another, and a run is
 * a pure function of (config, seed).
 */
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import { fnv1a32 } from './fnv1a.ts';

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed for the stream `name` of run seed `seed` (any safe integer). */
export function deriveSeed(seed: number, name: string): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
  return mix32(mix32(low ^ fnv1a32(name)) ^ mix32(high + 0x9e3779b9));
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/** A mutable random stream. Not cryptographic: for simulation only. */
export class Rng {
  private readonly generator: RandomGenerator;

  constructor(readonly seed: number) {
    this.generator = xoroshiro128plus(seed | 0);
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    return this.generator.unsafeNext() >>> 0;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const high = this.uint32() >>> 5;
    const low = this.uint32() >>> 6;
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  }

  /** Uniform integer in [min, max] (inclusive), both safe integers with max - min < 2^32. */
  int(min: number, max: number): number {
    const range = max - min + 1;
    if (range <= 1) return min;
    // Rejection sampling removes the modulo bias.
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % range);
    let draw = this.uint32();
    while (draw >= limit) draw = this.uint32();
    return min + (draw % range);
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      let word = this.uint32();
      for (let j = i; j < Math.min(i + 4, length); j++) {
        out[j] = word & 0xff;
        word >>>= 8;
      }
    }
    return out;
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Standard normal (Box–Muller, one of the pair). */
  normal(): number {
    const u1 = 1 - this.float();
    const u2 = this.float();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** The named stream `name` of run seed `seed`. */
export function stream(seed: number, name: string): Rng {
  return new Rng(deriveSeed(seed, name));
}
