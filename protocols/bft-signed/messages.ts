/**
 * @module Messages of `bft-signed` (docs/protocols.md#bft-signed), their strict wire validation,
 * and the exact byte string that writers sign.
 *
 * Every message carries `op`, the sending client's operation number, so that a client can tell the
 * replies of its current operation from late replies to an earlier one. A version travels as the flat
 * fields `num`, `writer` (its timestamp), the value (or, in GET_TS_ACK, only its SHA-256) and `sig`.
 */
import type { WriterTimestamp as Timestamp } from '../common/timestamp.ts';
import { hasExactly, isCounter } from '../common/wire-checks.ts';
import { isAscii, writeUint64BE } from '../common/bytes.ts';

export type BftMessage =
  /** Writer round 1: ask for the stored version's timestamp. */
  | { readonly type: 'GET_TS'; readonly op: number }
  /** The stored version without value bytes: `(ts, H(v), σ)`. */
  | {
      readonly type: 'GET_TS_ACK';
      readonly op: number;
      readonly num: number;
      readonly writer: string;
      readonly hash: Uint8Array;
      readonly sig: Uint8Array;
    }
  /** Reader round 1. */
  | { readonly type: 'GET'; readonly op: number }
  /** The stored version `(ts, v, σ)`. */
  | {
      readonly type: 'GET_ACK';
      readonly op: number;
      readonly num: number;
      readonly writer: string;
      readonly value: Uint8Array;
      readonly sig: Uint8Array;
    }
  /** Writer round 2, and the reader's write-back of a whole version. */
  | {
      readonly type: 'PUT';
      readonly op: number;
      readonly num: number;
      readonly writer: string;
      readonly value: Uint8Array;
      readonly sig: Uint8Array;
    }
  | { readonly type: 'PUT_ACK'; readonly op: number };

export type BftMessageType = BftMessage['type'];

export const HASH_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** Writer ids are short node names (`w1`); the bound keeps hostile ids from bloating signed bytes. */
export const MAX_WRITER_ID_BYTES = 64;
/** Largest value accepted from the wire (64 MiB): the paper's experiments stay far below it. */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** SHA-256 of the empty string (FIPS 180-2 test vector): the hash of the initial value at `ts0`. */
export const EMPTY_VALUE_SHA256 = Uint8Array.from(
  Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'),
);

const utf8 = new TextEncoder();

/**
 * The bytes signed for a version of register `register`, `register ‖ ts ‖ H(v)`, exactly:
 *
 *   registerLen 2 bytes, unsigned big-endian, the UTF-8 length of the register name
 *   register    registerLen bytes, UTF-8
 *   num         8 bytes, unsigned big-endian (num ≤ 2^53 − 1)
 *   writerLen   2 bytes, unsigned big-endian, the UTF-8 length of the writer id (≤ 64)
 *   writer      writerLen bytes, UTF-8
 *   hash        32 bytes, SHA-256 of the value
 *
 * The length prefixes make the encoding injective. The register is signed too (the original
 * specification signed `ts ‖ H(v)` only; docs/protocols.md#deviations): without it a Byzantine
 * server could answer a read of register B with a version genuinely signed for register A, and the
 * reader would return A's value (test "cross-register replay" in test/bft-signed-protocol.test.ts
 * shows the history).
 */
export function signedBytes(register: string, ts: Timestamp, hash: Uint8Array): Uint8Array {
  const writer = ts.writer;
  if (!fitsAsciiPath(register) || !fitsAsciiPath(writer)) return signedBytesUtf8(register, ts, hash);
  // ASCII names (ours: k0, w1) are their own UTF-8: written directly, without two TextEncoder calls.
  const out = new Uint8Array(2 + register.length + 8 + 2 + writer.length + hash.length);
  out[0] = register.length >>> 8;
  out[1] = register.length & 0xff;
  for (let i = 0; i < register.length; i++) out[2 + i] = register.charCodeAt(i);
  const at = 2 + register.length;
  writeUint64BE(out, at, ts.num);
  out[at + 8] = writer.length >>> 8;
  out[at + 9] = writer.length & 0xff;
  for (let i = 0; i < writer.length; i++) out[at + 10 + i] = writer.charCodeAt(i);
  out.set(hash, at + 10 + writer.length);
  return out;
}

function signedBytesUtf8(register: string, ts: Timestamp, hash: Uint8Array): Uint8Array {
  const name = utf8.encode(register);
  const writer = utf8.encode(ts.writer);
  const out = new Uint8Array(2 + name.length + 8 + 2 + writer.length + hash.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, name.length);
  out.set(name, 2);
  const at = 2 + name.length;
  view.setUint32(at, Math.floor(ts.num / 2 ** 32));
  view.setUint32(at + 4, ts.num % 2 ** 32);
  view.setUint16(at + 8, writer.length);
  out.set(writer, at + 10);
  out.set(hash, at + 10 + writer.length);
  return out;
}

/** ASCII (its own UTF-8 bytes) and short enough for a 2-byte length; other strings take the TextEncoder path. */
function fitsAsciiPath(text: string): boolean {
  return text.length <= 0xffff && isAscii(text);
}

export function timestampOf(msg: { readonly num: number; readonly writer: string }): Timestamp {
  return { num: msg.num, writer: msg.writer };
}

// --- strict validation of decoded wire values -------------------------------------------------

const FIELDS: Readonly<Record<BftMessageType, readonly string[]>> = {
  GET_TS: ['type', 'op'],
  GET_TS_ACK: ['type', 'op', 'num', 'writer', 'hash', 'sig'],
  GET: ['type', 'op'],
  GET_ACK: ['type', 'op', 'num', 'writer', 'value', 'sig'],
  PUT: ['type', 'op', 'num', 'writer', 'value', 'sig'],
  PUT_ACK: ['type', 'op'],
};

/**
 * A timestamp is `ts0 = (0, "")` or `(num ≥ 1, non-empty writer id)`; the version at `ts0` carries no
 * signature and every other version carries one of exactly 64 bytes.
 */
function isVersionShape(record: Record<string, unknown>): boolean {
  const { num, writer, sig } = record;
  if (!isCounter(num) || typeof writer !== 'string' || !(sig instanceof Uint8Array)) return false;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only a long id needs encoding to be measured.
  if (writer.length * 3 > MAX_WRITER_ID_BYTES && utf8.encode(writer).length > MAX_WRITER_ID_BYTES) return false;
  if (num === 0) return writer === '' && sig.length === 0;
  return writer !== '' && sig.length === SIGNATURE_BYTES;
}

/** Strict validation of a decoded message: exact field set, types, lengths and bounds. */
export function parseBftMessage(value: unknown): BftMessage | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) return undefined;
  const messageType = type as BftMessageType;
  if (!hasExactly(record, FIELDS[messageType]) || !isCounter(record['op'])) return undefined;
  switch (messageType) {
    case 'GET_TS':
    case 'GET':
    case 'PUT_ACK':
      return { type: messageType, op: record['op'] } as BftMessage;
    case 'GET_TS_ACK': {
      const hash = record['hash'];
      if (!isVersionShape(record) || !(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) return undefined;
      return {
        type: 'GET_TS_ACK',
        op: record['op'] as number,
        num: record['num'] as number,
        writer: record['writer'] as string,
        hash,
        sig: record['sig'] as Uint8Array,
      };
    }
    case 'GET_ACK':
    case 'PUT': {
      const data = record['value'];
      if (!isVersionShape(record) || !(data instanceof Uint8Array) || data.length > MAX_VALUE_BYTES) return undefined;
      // The initial version is the empty value; anything else at ts0 is a lie.
      if (record['num'] === 0 && data.length !== 0) return undefined;
      return {
        type: messageType,
        op: record['op'] as number,
        num: record['num'] as number,
        writer: record['writer'] as string,
        value: data,
        sig: record['sig'] as Uint8Array,
      };
    }
    default: {
      const unreachable: never = messageType;
      return unreachable;
    }
  }
}
