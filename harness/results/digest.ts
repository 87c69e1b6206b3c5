/**
 * @module The config digest recorded in summary.json (`configDigest`): SHA-256 (hex) of the config's
 * canonical JSON (keys sorted at every level, see `stableStringify`) without the fields that do not
 * change what a run measures. `compare` warns when the two sides of a same-named experiment have
 * different digests, since their rows then compare two different setups.
 *
 * Left out, and why:
 * - `name`: it is how `compare` matches the two sides, not part of the setup;
 * - `seed`: a simulated run is replayed only under the same seed, but `compare` already warns about
 *   a different seed on its own line (and in the real engine seeds are statistically equivalent draws);
 * - `repetitions`: more or fewer repetitions of the same runs show up as `new` or `missing` rows;
 * - `report`: titles and charts of a paper config;
 * - `reproduce.points`: the point list that `reproduce` records, derived from the sweep and the seed.
 * Everything else counts, defaults included: the runner records the validated config with every
 * default filled in, so spelling out a default does not change the digest, and changing it does.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ExperimentSummary } from './schema.ts';
import { stableStringify } from './stable-json.ts';

const IGNORED_TOP_LEVEL = ['name', 'seed', 'repetitions', 'report'];

/** The fields of `config` that the digest covers (see the module comment). */
export function digestedConfig(config: unknown): unknown {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return config;
  const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const key of IGNORED_TOP_LEVEL) delete out[key];
  const reproduce = out['reproduce'];
  if (reproduce !== null && typeof reproduce === 'object' && !Array.isArray(reproduce)) {
    const { points: _points, ...rest } = reproduce as Record<string, unknown>;
    out['reproduce'] = rest;
  }
  return out;
}

/** `sha256:` and the hex digest of the config's canonical form. */
export function configDigest(config: unknown): string {
  return `sha256:${bytesToHex(sha256(utf8ToBytes(stableStringify(digestedConfig(config), 0))))}`;
}

/** The summary with its `configDigest` (computed from its `config`). */
export function withConfigDigest(summary: ExperimentSummary): ExperimentSummary {
  return { ...summary, configDigest: configDigest(summary.config) };
}
