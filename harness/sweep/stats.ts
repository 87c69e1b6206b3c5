/**
 * @module Mean and 95 % confidence interval over the repetitions of a sweep point.
 *
 * Method: Student's t interval, mean ± t(0.975, r−1) · s / √r with s the sample standard deviation
 * of the r repetition values. Chosen over a bootstrap because it is deterministic (no resampling
 * randomness in the results files) and sensible for the few repetitions a sweep affords; it assumes
 * the repetition means are roughly normal, which holds for per-run means over many operations.
 * With one repetition the interval is undefined (null bounds); with identical values it has width 0.
 */

/** t(0.975, df) for df = 1..30 (two-sided 95 %), from standard tables. */
const T_975: readonly number[] = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12,
  2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Two-sided 95 % Student t quantile for `df` degrees of freedom (table to 30, then 40/60/120/∞). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`tQuantile975: df must be an integer >= 1, got ${df}`);
  const tabled = T_975[df - 1];
  if (tabled !== undefined) return tabled;
  if (df <= 40) return 2.021;
  if (df <= 60) return 2.0;
  if (df <= 120) return 1.98;
  return 1.96;
}

export interface Interval {
  readonly mean: number;
  /** null with fewer than two values. */
  readonly low: number | null;
  readonly high: number | null;
  readonly n: number;
}

/** Mean and 95 % t interval of finite values (non-finite ones are ignored). */
export function meanInterval(values: readonly number[]): Interval | null {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, low: null, high: null, n };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const half = tQuantile975(n - 1) * Math.sqrt(variance / n);
  return { mean, low: mean - half, high: mean + half, n };
}
