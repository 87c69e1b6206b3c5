/**
 * @module Workload choices: which key, which kind of operation, how many bytes, when (open loop).
 * All draws come from the run's `workload` stream, in event order, so runs replay exactly.
 */
import type { Rng } from '../rng.ts';
import type { ResolvedWorkload } from '../config/resolve.ts';

export type KeyChooser = (rng: Rng) => number;

/** Key index in [0, keys): uniform, zipfian (rank 0 most popular) or hotspot. */
export function keyChooser(workload: Pick<ResolvedWorkload, 'keys' | 'keyDistribution' | 'zipfianTheta' | 'hotspot'>): KeyChooser {
  const keys = workload.keys;
  if (keys === 1) return () => 0;
  switch (workload.keyDistribution) {
    case 'uniform':
      return (rng) => rng.int(0, keys - 1);
    case 'zipfian': {
      // Exact inverse CDF of P(rank i) ∝ 1 / (i + 1)^θ by binary search over the cumulative sums.
      const cumulative = new Float64Array(keys);
      let sum = 0;
      for (let i = 0; i < keys; i++) {
        sum += 1 / Math.pow(i + 1, workload.zipfianTheta);
        cumulative[i] = sum;
      }
      return (rng) => {
        const target = rng.float() * sum;
        let low = 0;
        let high = keys - 1;
        while (low < high) {
          const mid = (low + high) >> 1;
          if (cumulative[mid]! > target) high = mid;
          else low = mid + 1;
        }
        return low;
      };
    }
    case 'hotspot': {
      const hot = Math.min(keys, Math.max(1, Math.ceil(workload.hotspot.keyFraction * keys)));
      const opFraction = workload.hotspot.opFraction;
      return (rng) => {
        if (hot === keys || rng.float() < opFraction) return rng.int(0, hot - 1);
        return rng.int(hot, keys - 1);
      };
    }
  }
}

export type ValueSizeChooser = (rng: Rng) => number;

export function valueSizeChooser(valueBytes: number | readonly number[]): ValueSizeChooser {
  if (typeof valueBytes === 'number') return () => valueBytes;
  if (valueBytes.length === 1) {
    const only = valueBytes[0]!;
    return () => only;
  }
  return (rng) => valueBytes[rng.int(0, valueBytes.length - 1)]!;
}

/** Open loop: the gap to the next Poisson arrival, in ns. */
export function poissonGapNs(rng: Rng, rateOpsPerS: number): number {
  return Math.round(rng.exponential(1e9 / rateOpsPerS));
}
