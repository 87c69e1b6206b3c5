/**
 * @module ABD messages (docs/protocols.md#abd) and their strict parser for decoded wire input.
 *
 * `op` is the client's operation counter (per client and register) so that a reply to an earlier
 * operation is never counted for a later one. Timestamps are `(num, writer)`, `ts0 = (0, "")`.
 */
import { hasExactly, isCounter, isPlainRecord } from '../common/wire-checks.ts';

export type AbdMessage =
  | { readonly type: 'GET_TS'; readonly op: number }
  | { readonly type: 'GET_TS_ACK'; readonly op: number; readonly num: number; readonly writer: string }
  | { readonly type: 'GET'; readonly op: number }
  | { readonly type: 'GET_ACK'; readonly op: number; readonly num: number; readonly writer: string; readonly value: Uint8Array }
  | { readonly type: 'PUT'; readonly op: number; readonly num: number; readonly writer: string; readonly value: Uint8Array }
  | { readonly type: 'PUT_ACK'; readonly op: number };

/** Longest writer id accepted from the wire; ours are a few characters. */
const MAX_WRITER_LENGTH = 256;

const FIELDS: Readonly<Record<AbdMessage['type'], readonly string[]>> = {
  GET_TS: ['type', 'op'],
  GET_TS_ACK: ['type', 'op', 'num', 'writer'],
  GET: ['type', 'op'],
  GET_ACK: ['type', 'op', 'num', 'writer', 'value'],
  PUT: ['type', 'op', 'num', 'writer', 'value'],
  PUT_ACK: ['type', 'op'],
};

function isWriter(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_WRITER_LENGTH;
}

/**
 * Accepts exactly the fields of one message type with the right types (plain or null-prototype
 * objects, as `decodeValue` produces); anything else is `undefined` (rejected).
 */
export function parseAbdMessage(value: unknown): AbdMessage | undefined {
  if (!isPlainRecord(value)) return undefined;
  const record = value;
  const type = record['type'];
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) return undefined;
  const fields = FIELDS[type as AbdMessage['type']];
  if (!hasExactly(record, fields)) return undefined;
  if (!isCounter(record['op'])) return undefined;
  if (fields.includes('num') && !(isCounter(record['num']) && isWriter(record['writer']))) return undefined;
  if (fields.includes('value') && !(record['value'] instanceof Uint8Array)) return undefined;
  // Rebuild so the result is a plain object with exactly the checked fields.
  return { ...record } as unknown as AbdMessage;
}
