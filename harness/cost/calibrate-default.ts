/**
 * @module Writes configs/cost-profiles/default.json from DEFAULT_PROFILE (profile.ts is the source
 * of truth; a test checks the two are equal). Run: `npx tsx harness/cost/calibrate-default.ts`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../entry-points.ts';
import { DEFAULT_PROFILE } from './profile.ts';
import { writeJsonAtomic } from './calibrate.ts';

export const DEFAULT_PROFILE_PATH = join(PROJECT_ROOT, 'configs/cost-profiles/default.json');

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeJsonAtomic(DEFAULT_PROFILE_PATH, DEFAULT_PROFILE);
  process.stdout.write(`wrote ${DEFAULT_PROFILE_PATH}\n`);
}
