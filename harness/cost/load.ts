/**
 * @module Loading a cost profile by name ('zero', 'default') or from a JSON file (harness/cost/schema.ts).
 */
import { readFileSync } from 'node:fs';
import { ZERO_PROFILE, type CostProfile } from './profile.ts';
import { DEFAULT_PROFILE } from './default-profile.ts';
import { CostProfileError, parseCostProfile } from './schema.ts';

export { CostProfileError, parseCostProfile } from './schema.ts';

/** 'zero' | 'default' | path to a JSON profile (or calibrate report) file. */
export function loadCostProfile(nameOrPath: string): CostProfile {
  if (nameOrPath === 'zero') return ZERO_PROFILE;
  if (nameOrPath === 'default') return DEFAULT_PROFILE;
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch {
    throw new CostProfileError(`cost profile: not 'zero', 'default' or a readable file, got ${JSON.stringify(nameOrPath)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CostProfileError(`cost profile ${nameOrPath}: not valid JSON`);
  }
  return parseCostProfile(data, nameOrPath);
}
