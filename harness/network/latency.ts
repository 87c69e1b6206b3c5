/**
 * @module One-way latency distributions. Samples are integer nanoseconds, never negative.
 */
import type { Rng } from '../rng.ts';
import { NS_PER_MS } from '../units.ts';

export type LatencyDistribution =
  | { readonly distribution: 'constant'; readonly oneWayMs: number }
  | { readonly distribution: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** Truncated at 0: a negative draw counts as 0. */
  | { readonly distribution: 'normal'; readonly meanMs: number; readonly stddevMs: number }
  /** `minMs` (default 0) plus an exponential with mean `meanMs`. */
  | { readonly distribution: 'exponential'; readonly meanMs: number; readonly minMs?: number }
  /** Pareto type I: `scaleMs` is the minimum, `shape` (α) the tail index (heavier for smaller α). */
  | { readonly distribution: 'pareto'; readonly scaleMs: number; readonly shape: number };

/** A sampler for one distribution: called once per message (constant ones never touch `rng`). */
export type LatencySampler = (rng: Rng) => number;

export function latencySampler(spec: LatencyDistribution): LatencySampler {
  switch (spec.distribution) {
    case 'constant': {
      const ns = Math.round(spec.oneWayMs * NS_PER_MS);
      return () => ns;
    }
    case 'uniform': {
      const minNs = spec.minMs * NS_PER_MS;
      const spanNs = (spec.maxMs - spec.minMs) * NS_PER_MS;
      return (rng) => Math.round(minNs + spanNs * rng.float());
    }
    case 'normal': {
      const meanNs = spec.meanMs * NS_PER_MS;
      const stddevNs = spec.stddevMs * NS_PER_MS;
      return (rng) => Math.max(0, Math.round(meanNs + stddevNs * rng.normal()));
    }
    case 'exponential': {
      const meanNs = spec.meanMs * NS_PER_MS;
      const minNs = (spec.minMs ?? 0) * NS_PER_MS;
      return (rng) => Math.round(minNs + rng.exponential(meanNs));
    }
    case 'pareto': {
      const scaleNs = spec.scaleMs * NS_PER_MS;
      const inverseShape = 1 / spec.shape;
      return (rng) => Math.round(scaleNs / Math.pow(1 - rng.float(), inverseShape));
    }
  }
}
