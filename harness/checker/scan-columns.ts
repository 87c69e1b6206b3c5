/**
 * @module Reads a JSON Lines history of reads and writes from its bytes into columns (typed arrays,
 * and ids for keys and values), a chunk at a time while the file is still being read, without a
 * string for the file or an object per operation: the form `checkColumns` checks. A
 * million-operation history is 120 MB of text; a string of it, an object per line and a map from
 * every value string to its id cost more than the check itself.
 *
 * It takes only what it can take exactly: every line a flat object of the harness's fields
 * (`client`, `op`, `key`, `value`, `call`, `return`, `status`, optional `rounds`) with ASCII strings
 * without escapes, `op` read or write, and values that `validateRecord` (parse-jsonl.ts) accepts.
 * Anything else (a compare-and-set, an escape, a non-ASCII byte, an unknown field, a bad value, no
 * operation at all) gives undefined, and the caller reads the history as records, which reports
 * errors with their line and field. So the two readers agree on every history this one takes.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { CheckerRecord } from './types.ts';
import { FNV1A_OFFSET_32, FNV1A_PRIME_32, fnv1a32Bytes } from '../fnv1a.ts';

const TAB = 9;
const NEWLINE = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const UPPER_E = 69;
const BACKSLASH = 92;
const LOWER_E = 101;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

export const OP_READ = 0;
export const OP_WRITE = 1;
export const STATUS_OK = 0;
export const STATUS_FAILED = 1;
export const STATUS_PENDING = 2;

/** A history as columns: operation i is line `lineStart[i]`.. of the text. */
export interface HistoryColumns {
  readonly n: number;
  readonly op: Uint8Array;
  readonly status: Uint8Array;
  /** Key id (index into `keys`). */
  readonly key: Int32Array;
  /** Value id (index into `values`; 0 is null). */
  readonly value: Int32Array;
  readonly call: Float64Array;
  /** NaN where `return` is null. */
  readonly ret: Float64Array;
  /** Key texts by id; id 0 is unused (''), so a history has keys.length - 1 keys. */
  readonly keys: readonly string[];
  /** The value of a value id (built on first use: most checks need no value as text). */
  valueText(id: number): string | null;
  readonly valueCount: number;
  /** Operation i as the record JSON.parse gives for its line (for excerpts and timelines). */
  record(i: number): CheckerRecord;
}

/** Field numbers; bit `1 << field` marks a field seen on a line. */
const CLIENT = 0;
const OP = 1;
const KEY = 2;
const VALUE = 3;
const CALL = 4;
const RETURN = 5;
const STATUS = 6;
const ROUNDS = 7;
const FIELD_NAMES = ['client', 'op', 'key', 'value', 'call', 'return', 'status', 'rounds'] as const;
const REQUIRED = (1 << ROUNDS) - 1;
const KNOWN_WORDS = ['read', 'write', 'ok', 'failed', 'pending'] as const;

/** See scan-jsonl.ts: decimals of at most 15 digits convert exactly as m / 10^k. */
const MAX_FAST_DIGITS = 15;
const EXACT_POWERS_OF_TEN = Array.from({ length: MAX_FAST_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * Byte strings → dense ids (0 is reserved), by open addressing; each string's bytes are copied
 * once into an arena, since the text they came from is read (and dropped) a chunk at a time.
 */
class ByteInterner {
  private slots: Int32Array;
  private arena = Buffer.allocUnsafe(1 << 16);
  private arenaUsed = 0;
  /** Where each id's bytes are in the arena (start, end), by id. */
  private starts: Int32Array;
  private ends: Int32Array;
  count = 1;

  constructor(capacity: number) {
    let size = 1024;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.starts = new Int32Array(Math.max(16, capacity));
    this.ends = new Int32Array(Math.max(16, capacity));
  }

  /** The id of `bytes[start, end)`, whose hash is `hash` (hashBytes). */
  id(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const arena = this.arena;
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const id = this.slots[slot] as number;
      if (id === 0) return this.add(slot, bytes, start, end);
      const s = this.starts[id] as number;
      if ((this.ends[id] as number) - s === end - start) {
        let same = true;
        for (let k = 0; k < end - start; k++) {
          if (arena[s + k] !== bytes[start + k]) {
            same = false;
            break;
          }
        }
        if (same) return id;
      }
      slot = (slot + 1) & mask;
    }
  }

  private arenaText: string | undefined;

  /**
   * The string of an id (ASCII, so Latin-1 decoding is exact). The arena is decoded once, at the
   * first call, and each string cut from it: cheaper than a decoding call per string.
   */
  text(id: number): string {
    this.arenaText ??= this.arena.toString('latin1', 0, this.arenaUsed);
    return this.arenaText.slice(this.starts[id], this.ends[id]);
  }

  private add(slot: number, bytes: Uint8Array, start: number, end: number): number {
    const id = this.count++;
    if (id === this.starts.length) {
      this.starts = grow(this.starts, id * 2);
      this.ends = grow(this.ends, id * 2);
    }
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + length));
      this.arena.copy(bigger, 0, 0, this.arenaUsed);
      this.arena = bigger;
    }
    this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.starts[id] = this.arenaUsed;
    this.ends[id] = this.arenaUsed + length;
    this.arenaUsed += length;
    this.slots[slot] = id;
    // Keep the table at most half full.
    if (this.count * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let id = 1; id < this.count; id++) {
      let slot = fnv1a32Bytes(this.arena, this.starts[id] as number, this.ends[id] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.slots = slots;
  }
}

function grow<T extends Uint8Array | Int32Array | Float64Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(length);
  bigger.set(array);
  return bigger;
}

/** Reads the text of line i again, for the few records an excerpt or a timeline shows. */
export type LineReader = (start: number, end: number) => string;

/** The columns of a history in memory, or undefined if some line is not one this reader takes (see the module). */
export function scanHistoryColumns(bytes: Uint8Array): HistoryColumns | undefined {
  const text = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const scanner = new ColumnScanner(text.length);
  if (!scanner.push(text)) return undefined;
  return scanner.finish((start, end) => text.toString('latin1', start, end));
}

/**
 * The columns of the history in file `path`, read a chunk at a time while the previous chunk is
 * scanned (reading 120 MB costs about as much as scanning it); undefined as for `scanHistoryColumns`.
 * File errors are thrown.
 */
export async function scanHistoryFile(path: string): Promise<HistoryColumns | undefined> {
  const size = (await stat(path)).size;
  const scanner = new ColumnScanner(size);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) if (!scanner.push(chunk as Buffer)) return undefined;
  } finally {
    stream.destroy();
  }
  return scanner.finish((start, end) => {
    const line = Buffer.allocUnsafe(end - start);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, line, 0, line.length, start);
    } finally {
      closeSync(fd);
    }
    return line.toString('latin1');
  });
}

class ColumnScanner {
  private bytes: Buffer = Buffer.alloc(0);
  private pos = 0;
  private stop = 0;
  private n = 0;
  /** File offset of `bytes[0]`. */
  private base = 0;
  /** Bytes pushed so far. */
  private pushed = 0;
  /** The end of the previous chunk when it ended inside a line. */
  private carry: Buffer | undefined;
  private failed = false;
  private op: Uint8Array;
  private status: Uint8Array;
  private key: Int32Array;
  private value: Int32Array;
  private call: Float64Array;
  private ret: Float64Array;
  private lineStart: Float64Array;
  private lineEnd: Float64Array;
  private readonly keys = new ByteInterner(64);
  private readonly values: ByteInterner;
  /** The string just read: where its bytes are, and their hash. */
  private stringStart = 0;
  private stringEnd = 0;
  private stringHash = 0;

  constructor(sizeBytes: number) {
    // Lines of the harness's format are about 100 bytes: rows for lines of 64 bytes rarely need to grow.
    const rows = Math.max(1024, Math.ceil(sizeBytes / 64));
    this.op = new Uint8Array(rows);
    this.status = new Uint8Array(rows);
    this.key = new Int32Array(rows);
    this.value = new Int32Array(rows);
    this.call = new Float64Array(rows);
    this.ret = new Float64Array(rows);
    this.lineStart = new Float64Array(rows);
    this.lineEnd = new Float64Array(rows);
    // About one value per two operations.
    this.values = new ByteInterner(Math.ceil(rows / 2));
  }

  /** Scans the complete lines of the text so far; false once some line is not one this reader takes. */
  push(chunk: Buffer): boolean {
    if (this.failed) return false;
    const chunkBase = this.pushed;
    this.pushed += chunk.length;
    let from = 0;
    const carry = this.carry;
    if (carry !== undefined) {
      // The line that spans the two chunks, joined (the rest of the chunk is scanned in place).
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        this.carry = Buffer.concat([carry, chunk]);
        return true;
      }
      this.carry = undefined;
      if (!this.lines(Buffer.concat([carry, chunk.subarray(0, newline + 1)]), 0, carry.length + newline + 1, chunkBase - carry.length)) this.failed = true;
      from = newline + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (!this.failed && last >= from && !this.lines(chunk, from, last + 1, chunkBase)) this.failed = true;
    const rest = Math.max(from, last + 1);
    if (rest < chunk.length) this.carry = chunk.subarray(rest);
    return !this.failed;
  }

  finish(readLine: LineReader): HistoryColumns | undefined {
    if (this.failed) return undefined;
    const rest = this.carry;
    if (rest !== undefined && !this.lines(rest, 0, rest.length, this.pushed - rest.length)) return undefined;
    return this.n === 0 ? undefined : this.columns(readLine);
  }

  /** Scans the lines of bytes[from, end), bytes[0] being at file offset `base`; false if one is not one this reader takes. */
  private lines(bytes: Buffer, from: number, end: number, base: number): boolean {
    this.bytes = bytes;
    this.base = base;
    let start = from;
    while (start < end) {
      let lineEnd = bytes.indexOf(NEWLINE, start);
      if (lineEnd === -1 || lineEnd > end) lineEnd = end;
      let stop = lineEnd;
      if (stop > start && bytes[stop - 1] === CR) stop--;
      if (!this.blank(start, stop) && !this.line(start, stop)) return false;
      start = lineEnd + 1;
    }
    return true;
  }

  private blank(start: number, stop: number): boolean {
    for (let p = start; p < stop; p++) {
      const c = this.bytes[p];
      if (c !== SPACE && c !== TAB && c !== CR) return false;
    }
    return true;
  }

  /** Reads one line into row n; false if this reader does not take it. */
  private line(start: number, stop: number): boolean {
    const i = this.n;
    if (i === this.op.length) this.growRows(i * 2);
    this.pos = start;
    this.stop = stop;
    this.skipSpace();
    if (this.next() !== OPEN_BRACE) return false;
    let seen = 0;
    let returnIsNull = false;
    let rounds = 0;
    for (;;) {
      this.skipSpace();
      const field = this.fieldName();
      if (field < 0) return false;
      this.skipSpace();
      if (this.next() !== COLON) return false;
      this.skipSpace();
      switch (field) {
        case CLIENT:
          if (!this.plainString()) return false;
          break;
        case OP: {
          if (!this.plainString()) return false;
          const op = this.word();
          if (op === 'read') this.op[i] = OP_READ;
          else if (op === 'write') this.op[i] = OP_WRITE;
          else return false;
          break;
        }
        case KEY:
          if (!this.plainString()) return false;
          this.key[i] = this.keys.id(this.bytes, this.stringStart, this.stringEnd, this.stringHash);
          break;
        case VALUE:
          if (this.literal('null')) this.value[i] = 0;
          else if (this.plainString()) this.value[i] = this.values.id(this.bytes, this.stringStart, this.stringEnd, this.stringHash);
          else return false;
          break;
        case CALL: {
          const call = this.number();
          if (!Number.isFinite(call)) return false;
          this.call[i] = call;
          break;
        }
        case RETURN:
          returnIsNull = this.literal('null');
          if (!returnIsNull) {
            const ret = this.number();
            if (!Number.isFinite(ret)) return false;
            this.ret[i] = ret;
          }
          break;
        case STATUS: {
          if (!this.plainString()) return false;
          const status = this.word();
          if (status === 'ok') this.status[i] = STATUS_OK;
          else if (status === 'failed') this.status[i] = STATUS_FAILED;
          else if (status === 'pending') this.status[i] = STATUS_PENDING;
          else return false;
          break;
        }
        case ROUNDS:
          rounds = this.number();
          if (!Number.isInteger(rounds) || rounds < 0) return false;
          break;
      }
      seen |= 1 << field;
      this.skipSpace();
      const c = this.next();
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) return false;
    }
    this.skipSpace();
    if (this.pos !== stop || (seen & REQUIRED) !== REQUIRED) return false;
    // validateRecord's rules on `return`: null when pending, a time when ok, never before the call.
    const status = this.status[i];
    if (returnIsNull) {
      if (status === STATUS_OK) return false;
      this.ret[i] = NaN;
    } else if (status === STATUS_PENDING || (this.ret[i] as number) < (this.call[i] as number)) {
      return false;
    }
    this.lineStart[i] = this.base + start;
    this.lineEnd[i] = this.base + stop;
    this.n = i + 1;
    return true;
  }

  private growRows(rows: number): void {
    this.op = grow(this.op, rows);
    this.status = grow(this.status, rows);
    this.key = grow(this.key, rows);
    this.value = grow(this.value, rows);
    this.call = grow(this.call, rows);
    this.ret = grow(this.ret, rows);
    this.lineStart = grow(this.lineStart, rows);
    this.lineEnd = grow(this.lineEnd, rows);
  }

  private columns(readLine: LineReader): HistoryColumns {
    const { n, keys, values, lineStart, lineEnd } = this;
    const keyNames: string[] = [''];
    for (let id = 1; id < keys.count; id++) keyNames[id] = keys.text(id);
    const valueTexts: (string | null | undefined)[] = [null];
    return {
      n,
      op: this.op.subarray(0, n),
      status: this.status.subarray(0, n),
      key: this.key.subarray(0, n),
      value: this.value.subarray(0, n),
      call: this.call.subarray(0, n),
      ret: this.ret.subarray(0, n),
      keys: keyNames,
      valueCount: values.count,
      valueText(id: number): string | null {
        let value = valueTexts[id];
        if (value === undefined) valueTexts[id] = value = values.text(id);
        return value;
      },
      record(i: number): CheckerRecord {
        return JSON.parse(readLine(lineStart[i] as number, lineEnd[i] as number)) as CheckerRecord;
      },
    };
  }

  private next(): number {
    return this.pos < this.stop ? (this.bytes[this.pos++] as number) : -1;
  }

  private peek(): number {
    return this.pos < this.stop ? (this.bytes[this.pos] as number) : -1;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (c !== SPACE && c !== TAB && c !== CR) return;
      this.pos++;
    }
  }

  /**
   * At a quote: reads an ASCII string without escapes or control characters, notes where its
   * bytes are and their hash, and moves past it; false otherwise.
   */
  private plainString(): boolean {
    const bytes = this.bytes;
    if (this.peek() !== QUOTE) return false;
    const begin = this.pos + 1;
    let hash = FNV1A_OFFSET_32;
    for (let p = begin; p < this.stop; p++) {
      const c = bytes[p] as number;
      if (c === QUOTE) {
        this.stringStart = begin;
        this.stringEnd = p;
        this.stringHash = hash >>> 0;
        this.pos = p + 1;
        return true;
      }
      if (c === BACKSLASH || c < SPACE || c > 126) return false;
      hash = Math.imul(hash ^ c, FNV1A_PRIME_32);
    }
    return false;
  }

  /** The string just read, if it is an op or status word; '' for any other. */
  private word(): string {
    const start = this.stringStart;
    const length = this.stringEnd - start;
    for (const known of KNOWN_WORDS) {
      if (known.length !== length) continue;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (this.bytes[start + k] !== known.charCodeAt(k)) {
          same = false;
          break;
        }
      }
      if (same) return known;
    }
    return '';
  }

  private literal(word: string): boolean {
    if (this.pos + word.length > this.stop) return false;
    for (let k = 0; k < word.length; k++) if (this.bytes[this.pos + k] !== word.charCodeAt(k)) return false;
    this.pos += word.length;
    return true;
  }

  /** Reads a quoted field name; its field number, or -1 for one this reader does not take. */
  private fieldName(): number {
    if (!this.plainString()) return -1;
    const start = this.stringStart;
    const length = this.stringEnd - start;
    for (let field = 0; field < FIELD_NAMES.length; field++) {
      const name = FIELD_NAMES[field] as string;
      if (name.length !== length) continue;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (this.bytes[start + k] !== name.charCodeAt(k)) {
          same = false;
          break;
        }
      }
      if (same) return field;
    }
    return -1;
  }

  private isDigit(c: number): boolean {
    return c >= ZERO && c <= NINE;
  }

  /** A JSON number, or NaN if the bytes are not one. */
  private number(): number {
    const begin = this.pos;
    const negative = this.peek() === MINUS;
    if (negative) this.pos++;
    let c = this.peek();
    if (!this.isDigit(c)) return NaN;
    let mantissa = 0;
    let digits = 0;
    if (c === ZERO) {
      this.pos++;
      c = this.peek();
      digits = 1;
      if (this.isDigit(c)) return NaN; // a leading zero
    } else {
      while (this.isDigit(c)) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        this.pos++;
        c = this.peek();
      }
    }
    let scale = 0;
    if (c === DOT) {
      this.pos++;
      c = this.peek();
      if (!this.isDigit(c)) return NaN;
      while (this.isDigit(c)) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        scale++;
        this.pos++;
        c = this.peek();
      }
    }
    let exponent = false;
    if (c === LOWER_E || c === UPPER_E) {
      exponent = true;
      this.pos++;
      c = this.peek();
      if (c === PLUS || c === MINUS) {
        this.pos++;
        c = this.peek();
      }
      if (!this.isDigit(c)) return NaN;
      while (this.isDigit(c)) {
        this.pos++;
        c = this.peek();
      }
    }
    if (exponent || digits > MAX_FAST_DIGITS) {
      // Valid JSON by now, and ASCII: Number() reads it exactly as JSON.parse does.
      return Number(this.bytes.toString('latin1', begin, this.pos));
    }
    const magnitude = scale === 0 ? mantissa : mantissa / (EXACT_POWERS_OF_TEN[scale] as number);
    return negative ? -magnitude : magnitude;
  }
}
