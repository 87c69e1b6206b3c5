/**
 * @module The noise-aware rule for wall-clock metrics: the ratio of medians (current / baseline) over
 * the repetitions of a run, with a 95 % percentile-bootstrap interval.
 *
 * Why medians and a bootstrap: repetitions of a real-engine run are few (3–10) and their spread is
 * skewed (a GC pause or a busy neighbour slows one repetition, nothing speeds one up), so a mean with
 * a normal interval would be pulled by one outlier. The percentile bootstrap assumes no distribution.
 * With few repetitions it is conservative: for 3 against 3, the interval's low end is close to
 * min(current) / max(baseline), so a metric is worse only when (about) every current repetition is
 * slower than every baseline one, by more than the tolerance. With 1 against 1 the interval is the
 * single ratio: no noise estimate exists, and the tolerance alone decides (the docs ask for ≥ 3).
 *
 * The resampling is seeded (harness/rng.ts, seed from the row's key), so the same inputs always give the
 * same interval and verdict: a CI job never flips on a re-run of compare over the same files.
 */
import { Rng } from '../rng.ts';

/** Median of values (sorted copy); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** current / baseline with 0/0 = 1 (no change) and x/0 = ∞ for x > 0. */
export function ratioOf(baseline: number, current: number): number {
  if (baseline === current) return 1;
  if (baseline === 0) return current > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return current / baseline;
}

function resampleMedian(values: readonly number[], next: () => number, scratch: number[]): number {
  for (let i = 0; i < values.length; i++) scratch[i] = values[Math.floor(next() * values.length)]!;
  scratch.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? scratch[mid]! : (scratch[mid - 1]! + scratch[mid]!) / 2;
}

export interface RatioInterval {
  /** median(current) / median(baseline). */
  readonly ratio: number;
  /** 2.5th and 97.5th percentile of the bootstrap distribution of the ratio. */
  readonly low: number;
  readonly high: number;
  readonly baselineMedian: number;
  readonly currentMedian: number;
  readonly resamples: number;
}

export const DEFAULT_RESAMPLES = 2000;

/**
 * Bootstrap interval of median(current) / median(baseline): both sides resampled independently with
 * replacement, `resamples` times. Both sides need at least one value.
 */
export function bootstrapMedianRatio(
  baseline: readonly number[],
  current: readonly number[],
  seed: number,
  resamples: number = DEFAULT_RESAMPLES,
): RatioInterval {
  if (baseline.length === 0 || current.length === 0) throw new RangeError('bootstrapMedianRatio: both sides need at least one value');
  const baselineMedian = median(baseline)!;
  const currentMedian = median(current)!;
  const rng = new Rng(seed);
  const next = (): number => rng.float();
  const ratios = new Float64Array(resamples);
  const scratchB: number[] = new Array<number>(baseline.length);
  const scratchC: number[] = new Array<number>(current.length);
  for (let i = 0; i < resamples; i++) {
    ratios[i] = ratioOf(resampleMedian(baseline, next, scratchB), resampleMedian(current, next, scratchC));
  }
  ratios.sort();
  // Percentile by nearest rank, so the bounds are ratios that actually occurred.
  const at = (q: number) => ratios[Math.min(resamples - 1, Math.max(0, Math.ceil(q * resamples) - 1))]!;
  return { ratio: ratioOf(baselineMedian, currentMedian), low: at(0.025), high: at(0.975), baselineMedian, currentMedian, resamples };
}
