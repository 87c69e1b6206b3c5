/**
 * @module Byte sizes in configs: a whole number of bytes, or a string with a unit, `64KiB`, `1 MiB`,
 * `1.5MB`. Binary units are powers of 1024 (KiB, MiB, GiB), decimal ones powers of 1000 (KB, MB, GB),
 * as in IEC 80000-13; `B` is bytes. Units are read case-insensitively (`64kib` is 64 KiB), and the
 * result must be a whole number of bytes.
 */
import { z } from 'zod';

const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/;

/** What a size field accepts, for error messages. */
export const BYTE_SIZE_FORMS = 'a whole number of bytes or a size like 64KiB or 1MiB (KiB = 1024 B) or 64KB (KB = 1000 B)';

/** Bytes of a size string (`64KiB` → 65536), or undefined when it is not one. */
export function parseByteSize(text: string): number | undefined {
  const match = SIZE.exec(text);
  if (match === null) return undefined;
  const unit = UNIT_BYTES[(match[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  return Number(match[1]) * unit;
}

/**
 * A zod schema of a byte count (a number, or a size string turned into one), at least `min` and at
 * most `max` bytes.
 */
export function byteSize(bounds: { readonly min?: number; readonly max?: number } = {}): z.ZodType<number> {
  const min = bounds.min ?? 0;
  let count = z
    .number({ error: `must be ${BYTE_SIZE_FORMS}` })
    .int({ error: 'must be a whole number of bytes' })
    .min(min, { error: `must be >= ${min} bytes` });
  if (bounds.max !== undefined) count = count.max(bounds.max, { error: `must be <= ${bounds.max} bytes` });
  return z.preprocess((value, ctx) => {
    if (typeof value !== 'string') return value;
    const bytes = parseByteSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be ${BYTE_SIZE_FORMS}`, input: value });
      return z.NEVER;
    }
    return bytes;
  }, count) as unknown as z.ZodType<number>;
}
