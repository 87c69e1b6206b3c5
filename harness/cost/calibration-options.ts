/**
 * @module What `calibrate` measures with, and its defaults, apart from the measuring code so that the
 * command line can show the defaults without loading it.
 */
import type { CryptoProviderName } from '../../protocols/common/crypto/names.ts';
import type { ErasurePreference } from '../../protocols/common/erasure/preferences.ts';
import type { MeasureOptions } from './calibrate-measure.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface CalibrationOptions {
  readonly name: string;
  readonly crypto: CryptoProviderName;
  readonly erasure: ErasurePreference;
  /** (k, n) shapes of the coding grid. */
  readonly shapes: ReadonlyArray<readonly [number, number]>;
  /** Value sizes of the coding grid, bytes, increasing. */
  readonly sizesBytes: readonly number[];
  readonly measure: MeasureOptions;
}

/** (k, n) = (t + 1, 3t + 1) for t = 1..5: the shapes of PoWerStore and M-PoWerStore. */
export const CALIBRATION_SHAPES: ReadonlyArray<readonly [number, number]> = [1, 2, 3, 4, 5].map((t) => [t + 1, 3 * t + 1] as const);
/** 1 KiB … 16 MiB in steps of 4. */
export const CALIBRATION_SIZES: readonly number[] = [KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB, 16 * MiB];

export const DEFAULT_CALIBRATION: CalibrationOptions = {
  name: 'calibrated',
  crypto: 'node',
  erasure: 'auto',
  shapes: CALIBRATION_SHAPES,
  sizesBytes: CALIBRATION_SIZES,
  measure: { timeMs: 250, iterations: 5, rounds: 3 },
};

export const QUICK_MEASURE: MeasureOptions = { timeMs: 40, iterations: 2, rounds: 1 };
