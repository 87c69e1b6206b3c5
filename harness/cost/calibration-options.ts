/**
 * @module What `calibrate` measures with, and its defaults, apart from the measuring code so that the
 * command line can show the defaults without loading it.
 */
import type { CryptoProviderName } from '../../protocols/common/crypto/names.ts';
import type { ErasurePreference } from '../../protocols/common/erasure/preferences.ts';
import type { MeasureOptions } from './calibrate-measure.ts';

export interface CalibrationOptions {
  readonly crypto: CryptoProviderName;
  readonly erasure: ErasurePreference;
  readonly k: number;
  readonly n: number;
  readonly measure: MeasureOptions;
}

export const DEFAULT_CALIBRATION: CalibrationOptions = {
  crypto: 'node',
  erasure: 'auto',
  k: 2,
  n: 4,
  measure: { timeMs: 300, iterations: 10 },
};
