/**
 * @module Loading a cost profile by name ('zero', 'default') or from a JSON file, validated with zod.
 * A file may hold a bare CostProfile or a `quorumbench calibrate` report ({ profile, calibration }).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_PROFILE, ZERO_PROFILE, type CostProfile } from './profile.ts';

export class CostProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CostProfileError';
  }
}

const costSchema = z.strictObject({
  nsPerOp: z.number().finite().nonnegative(),
  nsPerByte: z.number().finite().nonnegative(),
});

export const costProfileSchema = z.strictObject({
  name: z.string().min(1),
  hash: costSchema,
  hmac: costSchema,
  sign: costSchema,
  verify: costSchema,
  encode: costSchema,
  decode: costSchema,
  message: costSchema,
});

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = root;
  for (const part of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[part];
  }
  return at;
}

/** Validates parsed JSON as a profile; errors name the field and the value, e.g. `hash.nsPerByte`. */
export function parseCostProfile(data: unknown, source: string): CostProfile {
  const wrapped = data !== null && typeof data === 'object' && !Array.isArray(data) && 'profile' in data;
  const candidate = wrapped ? (data as { profile: unknown }).profile : data;
  const prefix = wrapped ? ['profile'] : [];
  const parsed = costProfileSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = [...prefix, ...issue.path].map(String).join('.') || '(root)';
  const keys = issue.code === 'unrecognized_keys' ? ` (unknown keys ${issue.keys.join(', ')})` : '';
  const value = issue.code === 'unrecognized_keys' ? '' : `, got ${show(valueAt(candidate, issue.path))}`;
  throw new CostProfileError(`cost profile ${source}: ${path}: ${issue.message}${keys}${value}`);
}

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
