/**
 * @module Timestamps as a parameter of the PoWerStore family (docs/protocols.md#timestamps): single-writer
 * protocols use a non-negative integer, multi-writer protocols the pair `(num, writerId)` ordered
 * lexicographically. Protocol code is written once against {@link TimestampOps}.
 */
import { compareTimestamps as comparePairs } from './quorum.ts';
import { isCounter } from './wire-checks.ts';
import { isAscii, writeUint64BE } from './bytes.ts';

/** Longest writer id accepted from the wire; ours are a few characters. */
export const MAX_WRITER_ID_LENGTH = 256;

/** Everything protocol code needs to know about one timestamp type. */
export interface TimestampOps<T> {
  /** `ts0`, the initial value's timestamp; strictly below every writer-made timestamp. */
  readonly ts0: T;
  /** Negative if `a < b`, 0 if equal, positive if `a > b`. */
  compare(a: T, b: T): number;
  isTs0(ts: T): boolean;
  /** A string that is equal exactly for equal timestamps (map keys). */
  key(ts: T): string;
  /** Strict validation of a decoded wire value; `undefined` = reject. */
  parse(value: unknown): T | undefined;
  /** A canonical, injective byte encoding (the input of MACs). */
  bytes(ts: T): Uint8Array;
  /** Bytes of metadata charged to `storedBytes` for one stored timestamp. */
  storedSize(ts: T): number;
  /**
   * A timestamp far above any genuine one, as a Byzantine node would report it (`forge`,
   * `inflate-ts`). `salt` (0..2^16) varies it so that forged values differ.
   */
  huge(salt: number, writer: string): T;
  /** The `num` component (the integer itself for single-writer timestamps). */
  num(ts: T): number;
  /** The next timestamp `writer` would pick after `ts` (a Byzantine reader's guess of an in-flight write). */
  successor(ts: T, writer: string): T;
}

const NUM_BYTES = 8;
/** Forged timestamps sit just below 2^53 so that `num + 1` stays a safe integer in our own code. */
const HUGE_BASE = Number.MAX_SAFE_INTEGER - 2 ** 17;

export const integerTimestamps: TimestampOps<number> = {
  ts0: 0,
  compare: (a, b) => (a === b ? 0 : a < b ? -1 : 1),
  isTs0: (ts) => ts === 0,
  key: (ts) => String(ts),
  parse: (value) => (isCounter(value) ? value : undefined),
  bytes(ts) {
    const out = new Uint8Array(NUM_BYTES);
    writeUint64BE(out, 0, ts);
    return out;
  },
  storedSize: () => NUM_BYTES,
  huge: (salt) => HUGE_BASE + (salt & 0xffff),
  num: (ts) => ts,
  successor: (ts) => Math.min(ts + 1, Number.MAX_SAFE_INTEGER),
};

/** A multi-writer timestamp; `ts0 = (0, "")`. */
export interface WriterTimestamp {
  readonly num: number;
  readonly writer: string;
}

const utf8 = new TextEncoder();

export const writerTimestamps: TimestampOps<WriterTimestamp> = {
  ts0: { num: 0, writer: '' },
  compare: (a, b) => comparePairs(a.num, a.writer, b.num, b.writer),
  isTs0: (ts) => ts.num === 0 && ts.writer === '',
  // The number first, then a separator that cannot occur in a decimal number: injective.
  key: (ts) => `${ts.num}/${ts.writer}`,
  parse(value) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return undefined;
    const proto = Object.getPrototypeOf(value);
    if (proto !== null && proto !== Object.prototype) return undefined;
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length !== 2 || !Object.hasOwn(record, 'num') || !Object.hasOwn(record, 'writer')) return undefined;
    const num = record['num'];
    const writer = record['writer'];
    if (!isCounter(num) || typeof writer !== 'string' || writer.length > MAX_WRITER_ID_LENGTH) return undefined;
    return { num, writer };
  },
  bytes(ts) {
    // num (8 bytes) ‖ writer (UTF-8): the fixed-width prefix makes the encoding injective.
    if (isAscii(ts.writer)) {
      // Our writer ids (w1, w2, ...): copied as they are, without a TextEncoder call.
      const out = new Uint8Array(NUM_BYTES + ts.writer.length);
      writeUint64BE(out, 0, ts.num);
      for (let i = 0; i < ts.writer.length; i++) out[NUM_BYTES + i] = ts.writer.charCodeAt(i);
      return out;
    }
    const writer = utf8.encode(ts.writer);
    const out = new Uint8Array(NUM_BYTES + writer.length);
    writeUint64BE(out, 0, ts.num);
    out.set(writer, NUM_BYTES);
    return out;
  },
  storedSize: (ts) => NUM_BYTES + (isAscii(ts.writer) ? ts.writer.length : utf8.encode(ts.writer).length),
  huge: (salt, writer) => ({ num: HUGE_BASE + (salt & 0xffff), writer }),
  num: (ts) => ts.num,
  successor: (ts, writer) => ({ num: Math.min(ts.num + 1, Number.MAX_SAFE_INTEGER), writer }),
};
