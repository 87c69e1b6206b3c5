/**
 * @module The fixed default profile: configs/cost-profiles/default.json, written by `quorumbench
 * calibrate` on the project's reference machine (the file records which machine, when and how).
 * Fixed so that simulated results are the same everywhere; regenerating it changes every simulated
 * figure.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../entry-points.ts';
// Imported rather than read at run time, so that the build bundles it and a compiled harness
// (dist/ without the configs folder) still has it.
import defaultProfileJson from '../../configs/cost-profiles/default.json' with { type: 'json' };
import type { CostProfile } from './profile.ts';
import { parseCostProfile } from './schema.ts';

/** Where `calibrate --out` rewrites the default profile in a checkout. */
export const DEFAULT_PROFILE_PATH = join(PROJECT_ROOT, 'configs/cost-profiles/default.json');
export const DEFAULT_PROFILE: CostProfile = parseCostProfile(defaultProfileJson, 'configs/cost-profiles/default.json');
