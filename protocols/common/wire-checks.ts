/**
 * @module Shape checks for decoded wire values, shared by every protocol's `parseMessage` (the only
 * gate for bytes from faulty nodes): a decoded message must be a plain record with exactly the fields
 * of its type, and counters must be safe non-negative integers.
 */

/** A non-negative safe integer (operation ids, timestamps' numbers, counts). */
export function isCounter(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A plain or null-prototype object (what the wire decoder produces), not an array or byte string. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** Whether `record` has exactly `fields` as its own keys: no missing field, no extra one. */
export function hasExactly(record: Record<string, unknown>, fields: readonly string[]): boolean {
  if (Object.keys(record).length !== fields.length) return false;
  for (let i = 0; i < fields.length; i++) if (!Object.hasOwn(record, fields[i]!)) return false;
  return true;
}
