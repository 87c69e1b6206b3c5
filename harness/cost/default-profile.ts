/**
 * @module The fixed default profile: configs/cost-profiles/default.json, written by `quorumbench
 * calibrate` on the project's reference machine (the file records which machine, when and how).
 * Fixed so that simulated results are the same everywhere; regenerating it changes every simulated
 * figure. The path is found from the project root, so it is the same from sources and compiled.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../entry-points.ts';
import type { CostProfile } from './profile.ts';
import { parseCostProfile } from './schema.ts';

export const DEFAULT_PROFILE_PATH = join(PROJECT_ROOT, 'configs/cost-profiles/default.json');
export const DEFAULT_PROFILE: CostProfile = parseCostProfile(JSON.parse(readFileSync(DEFAULT_PROFILE_PATH, 'utf8')), DEFAULT_PROFILE_PATH);
