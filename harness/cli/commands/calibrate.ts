/**
 * @module `quorumbench calibrate [--out FILE]`: measure this machine's crypto, erasure coding and
 * message handling, and write a cost profile (JSON) that a config can name as `costProfile: FILE`.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_CALIBRATION } from '../../cost/calibration-options.ts';
import { CRYPTO_PROVIDER_NAMES, type CryptoProviderName } from '../../../protocols/common/crypto/names.ts';
import { ERASURE_PREFERENCES, type ErasurePreference } from '../../../protocols/common/erasure/preferences.ts';

interface CalibrateFlags {
  out: string;
  crypto: string;
  codec: string;
  k: string;
  n: string;
  quick: boolean;
}

function usage(message: string): never {
  process.stderr.write(`quorumbench calibrate: ${message}\n`);
  process.exit(2);
}

function intFlag(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) usage(`--${name}: expected an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
  return value;
}

export function register(program: Command): void {
  program
    .command('calibrate')
    .description('measure primitives on this machine (tinybench) and write a cost profile as JSON')
    .option('--out <file>', 'where to write the profile', 'cost-profile.calibrated.json')
    .option('--crypto <name>', `crypto provider (${CRYPTO_PROVIDER_NAMES.join(' | ')})`, DEFAULT_CALIBRATION.crypto)
    .option('--codec <name>', `erasure codec (${ERASURE_PREFERENCES.join(' | ')})`, DEFAULT_CALIBRATION.erasure)
    .option('--k <k>', 'erasure data fragments', String(DEFAULT_CALIBRATION.k))
    .option('--n <n>', 'erasure fragments in all', String(DEFAULT_CALIBRATION.n))
    .option('--quick', 'shorter measurements (noisier)', false)
    .action(async (flags: CalibrateFlags) => {
      if (!(CRYPTO_PROVIDER_NAMES as readonly string[]).includes(flags.crypto)) {
        usage(`--crypto: expected one of ${CRYPTO_PROVIDER_NAMES.join(', ')}, got ${JSON.stringify(flags.crypto)}`);
      }
      if (!(ERASURE_PREFERENCES as readonly string[]).includes(flags.codec)) {
        usage(`--codec: expected one of ${ERASURE_PREFERENCES.join(', ')}, got ${JSON.stringify(flags.codec)}`);
      }
      const k = intFlag('k', flags.k, 1, 255);
      const n = intFlag('n', flags.n, k, 255);
      const out = resolve(flags.out);
      const { calibrate, writeJsonAtomic } = await import('../../cost/calibrate.ts');
      const report = await calibrate({
        crypto: flags.crypto as CryptoProviderName,
        erasure: flags.codec as ErasurePreference,
        k,
        n,
        measure: flags.quick ? { timeMs: 60, iterations: 3 } : DEFAULT_CALIBRATION.measure,
      });
      writeJsonAtomic(out, report);
      const p = report.profile;
      const rows = (['hash', 'hmac', 'sign', 'verify', 'encode', 'decode', 'message'] as const).map(
        (name) => `  ${name.padEnd(8)} ${String(p[name].nsPerOp).padStart(8)} ns/op  ${String(p[name].nsPerByte).padStart(8)} ns/B`,
      );
      process.stdout.write(
        `calibrated (${report.calibration.crypto}, ${report.calibration.erasure} k=${k} n=${n}) -> ${out}\n${rows.join('\n')}\n`,
      );
    });
}
