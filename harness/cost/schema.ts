/**
 * @module The cost profile file format, validated with zod. A file holds either a bare profile or
 * a `quorumbench calibrate` report (`{ profile, calibration }`, the machine description beside it).
 *
 * A profile has the flat terms (every primitive: `nsPerOp`, `nsPerByte`) and optionally `coding`:
 * `sizesBytes` (strictly increasing) and, per (k, n), `encodeNs` (one time per size) and
 * `decodeNs` (one row per parity-fragment count p = 0 … min(k, n − k), each one time per size).
 * Flat profiles written before the grid existed are valid profiles without `coding`.
 */
import { z } from 'zod';
import { InputError } from '../input-error.ts';
import type { CostProfile } from './profile.ts';

export class CostProfileError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'CostProfileError';
  }
}

const nanoseconds = z.number().finite().nonnegative();

const costSchema = z.strictObject({
  nsPerOp: nanoseconds,
  nsPerByte: nanoseconds,
});

const shapeSchema = z.strictObject({
  k: z.number().int().min(1).max(255),
  n: z.number().int().min(1).max(255),
  encodeNs: z.array(nanoseconds),
  decodeNs: z.array(z.array(nanoseconds)),
});

/** The coding grid; also accepted in an inline `costProfile` of a config (harness/config/schema.ts). */
export const codingSchema = z
  .strictObject({
    sizesBytes: z.array(z.number().int().positive()).min(1),
    shapes: z.array(shapeSchema),
  })
  .superRefine((grid, context) => {
    grid.sizesBytes.forEach((size, i) => {
      if (i > 0 && size <= grid.sizesBytes[i - 1]!) {
        context.addIssue({ code: 'custom', path: ['sizesBytes', i], message: 'sizes must be strictly increasing', input: size });
      }
    });
    const sizes = grid.sizesBytes.length;
    const seen = new Set<string>();
    grid.shapes.forEach((shape, s) => {
      const at = (...path: (string | number)[]): (string | number)[] => ['shapes', s, ...path];
      if (shape.n < shape.k) context.addIssue({ code: 'custom', path: at('n'), message: `must be >= k (${shape.k})`, input: shape.n });
      if (seen.has(`${shape.k}/${shape.n}`)) context.addIssue({ code: 'custom', path: at('n'), message: `(k, n) = (${shape.k}, ${shape.n}) appears twice`, input: shape.n });
      seen.add(`${shape.k}/${shape.n}`);
      if (shape.encodeNs.length !== sizes) {
        context.addIssue({ code: 'custom', path: at('encodeNs'), message: `expected ${sizes} entries (one per size)`, input: shape.encodeNs });
      }
      const rows = Math.min(shape.k, shape.n - shape.k) + 1;
      if (shape.decodeNs.length !== rows) {
        context.addIssue({ code: 'custom', path: at('decodeNs'), message: `expected ${rows} rows (parity fragments 0..${rows - 1})`, input: shape.decodeNs });
      }
      shape.decodeNs.forEach((row, p) => {
        if (row.length !== sizes) context.addIssue({ code: 'custom', path: at('decodeNs', p), message: `expected ${sizes} entries (one per size)`, input: row });
      });
    });
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
  coding: codingSchema.optional(),
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
