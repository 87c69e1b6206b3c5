/**
 * @module CAS messages (docs/protocols.md#cas) and their strict parser for decoded wire input.
 *
 * A tag is the multi-writer timestamp `(z, writerId)` (docs/protocols.md#timestamps), ordered
 * lexicographically (`WriterTimestamp`: its `num` is the paper's `z`); `t0 = (0, "")`. `op` is the
 * client's counter: one per write, and one per read *attempt*, so that a reply to an attempt that
 * was given up (a retry) is never counted for the next one, whose tag differs.
 */
import { writerTimestamps, type WriterTimestamp } from '../common/timestamp.ts';
import { hasExactly, isCounter, isPlainRecord } from '../common/wire-checks.ts';

export type CasTag = WriterTimestamp;

/** Why a READ_FIN_ACK carries no element (⊥): not received yet, or garbage-collected. */
export type MissingReason = 'missing' | 'collected';

export type CasMessage =
  | { readonly type: 'QUERY'; readonly op: number }
  /** The highest tag labelled `fin` at the server (`maxFin`). */
  | { readonly type: 'QUERY_ACK'; readonly op: number; readonly tag: CasTag }
  /** The pre-write: server `s_i` receives element `e_i` of the value. */
  | { readonly type: 'PRE'; readonly op: number; readonly tag: CasTag; readonly element: Uint8Array }
  | { readonly type: 'PRE_ACK'; readonly op: number }
  | { readonly type: 'FIN'; readonly op: number; readonly tag: CasTag }
  | { readonly type: 'FIN_ACK'; readonly op: number }
  | { readonly type: 'READ_FIN'; readonly op: number; readonly tag: CasTag }
  | { readonly type: 'READ_FIN_ACK'; readonly op: number; readonly element: Uint8Array }
  | { readonly type: 'READ_FIN_ACK'; readonly op: number; readonly element: null; readonly reason: MissingReason };

export type CasMessageType = CasMessage['type'];

/**
 * Largest element accepted from the wire: a 64 MiB value (the largest,
 * docs/evaluation.md#workloads) coded with `k = 1`, plus room for the codec's header and padding.
 */
export const MAX_ELEMENT_BYTES = 64 * 1024 * 1024 + 4096;

const FIELDS: Readonly<Record<Exclude<CasMessageType, 'READ_FIN_ACK'>, readonly string[]>> = {
  QUERY: ['type', 'op'],
  QUERY_ACK: ['type', 'op', 'tag'],
  PRE: ['type', 'op', 'tag', 'element'],
  PRE_ACK: ['type', 'op'],
  FIN: ['type', 'op', 'tag'],
  FIN_ACK: ['type', 'op'],
  READ_FIN: ['type', 'op', 'tag'],
};
const READ_FIN_ACK_ELEMENT = ['type', 'op', 'element'];
const READ_FIN_ACK_MISSING = ['type', 'op', 'element', 'reason'];

function isElement(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length <= MAX_ELEMENT_BYTES;
}

/**
 * Accepts exactly the fields of one message type with the right types (plain or null-prototype
 * objects, as `decodeValue` produces); anything else is `undefined` (rejected). A READ_FIN_ACK has
 * either an element, or `element: null` and a reason.
 */
export function parseCasMessage(value: unknown): CasMessage | undefined {
  if (!isPlainRecord(value)) return undefined;
  const type = value['type'];
  if (typeof type !== 'string') return undefined;
  if (!isCounter(value['op'])) return undefined;
  const op = value['op'];
  if (type === 'READ_FIN_ACK') {
    const element = value['element'];
    if (element === null) {
      const reason = value['reason'];
      if (!hasExactly(value, READ_FIN_ACK_MISSING) || (reason !== 'missing' && reason !== 'collected')) return undefined;
      return { type, op, element: null, reason };
    }
    if (!hasExactly(value, READ_FIN_ACK_ELEMENT) || !isElement(element)) return undefined;
    return { type, op, element };
  }
  if (!Object.hasOwn(FIELDS, type)) return undefined;
  const known = type as keyof typeof FIELDS;
  if (!hasExactly(value, FIELDS[known])) return undefined;
  switch (known) {
    case 'QUERY':
    case 'PRE_ACK':
    case 'FIN_ACK':
      return { type: known, op };
    case 'QUERY_ACK':
    case 'FIN':
    case 'READ_FIN': {
      const tag = writerTimestamps.parse(value['tag']);
      return tag === undefined ? undefined : { type: known, op, tag };
    }
    case 'PRE': {
      const tag = writerTimestamps.parse(value['tag']);
      const element = value['element'];
      return tag === undefined || !isElement(element) ? undefined : { type: known, op, tag, element };
    }
  }
}
