/**
 * @module `quorumbench calibrate [--out FILE] [--name NAME] [--quick]`: measure this machine's
 * crypto, erasure coding (a grid over (k, n) and value sizes) and message handling, write a cost
 * profile (JSON, with the machine's description) that a config can name as `costProfile: FILE`,
 * and print the measured tables (Markdown). docs/cost-model.md explains the terms.
 */
import type { Command } from 'commander';
import { InputError } from '../../input-error.ts';
import { resolve } from 'node:path';
import { DEFAULT_CALIBRATION, QUICK_MEASURE } from '../../cost/calibration-options.ts';
import { CRYPTO_PROVIDER_NAMES, type CryptoProviderName } from '../../../protocols/common/crypto/names.ts';
import { ERASURE_PREFERENCES, type ErasurePreference } from '../../../protocols/common/erasure/preferences.ts';

interface CalibrateFlags {
  out: string;
  name: string;
  crypto: string;
  codec: string;
  rounds: string;
  quick: boolean;
}

function usage(message: string): never {
  throw new InputError(message);
}

export function register(program: Command): void {
  program
    .command('calibrate')
    .description('measure primitives and an erasure-coding grid on this machine (tinybench means) and write a cost profile as JSON')
    .option('--out <file>', 'where to write the profile', 'cost-profile.calibrated.json')
    .option('--name <name>', 'the profile name recorded in results', DEFAULT_CALIBRATION.name)
    .option('--crypto <name>', `crypto provider (${CRYPTO_PROVIDER_NAMES.join(' | ')})`, DEFAULT_CALIBRATION.crypto)
    .option('--codec <name>', `erasure codec (${ERASURE_PREFERENCES.join(' | ')})`, DEFAULT_CALIBRATION.erasure)
    .option('--rounds <n>', 'rounds per cell; the round with the lowest CPU-clock mean is kept (load robustness)', String(DEFAULT_CALIBRATION.measure.rounds))
    .option('--quick', 'one short round per cell (noisy; for trying the command)', false)
    .action(async (flags: CalibrateFlags) => {
      if (!(CRYPTO_PROVIDER_NAMES as readonly string[]).includes(flags.crypto)) {
        usage(`--crypto: expected one of ${CRYPTO_PROVIDER_NAMES.join(', ')}, got ${JSON.stringify(flags.crypto)}`);
      }
      if (!(ERASURE_PREFERENCES as readonly string[]).includes(flags.codec)) {
        usage(`--codec: expected one of ${ERASURE_PREFERENCES.join(', ')}, got ${JSON.stringify(flags.codec)}`);
      }
      if (flags.name.trim() === '') usage(`--name: expected a non-empty name, got ${JSON.stringify(flags.name)}`);
      const rounds = Number(flags.rounds);
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) usage(`--rounds: expected an integer in 1..20, got ${JSON.stringify(flags.rounds)}`);
      const out = resolve(flags.out);
      const started = performance.now();
      const { calibrate, writeJsonAtomic } = await import('../../cost/calibrate.ts');
      const { calibrationTables } = await import('../../cost/calibrate-report.ts');
      const report = await calibrate(
        {
          ...DEFAULT_CALIBRATION,
          name: flags.name,
          crypto: flags.crypto as CryptoProviderName,
          erasure: flags.codec as ErasurePreference,
          measure: flags.quick ? QUICK_MEASURE : { ...DEFAULT_CALIBRATION.measure, rounds },
        },
        ({ done, total, group }) => process.stderr.write(`calibrate: ${done}/${total} cells measured; now ${group}\n`),
      );
      writeJsonAtomic(out, report);
      process.stdout.write(calibrationTables(report));
      process.stdout.write(`\nwrote ${out} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    });
}
