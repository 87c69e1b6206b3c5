/**
 * @module A compact, self-describing binary codec for protocol messages (plain data only).
 *
 * One codec serves both engines: the real engine sends `encodeValue(frame)` over TCP, and the
 * simulator charges `wireSize(frame)` bytes to the links, so byte counts agree between engines.
 * We wrote our own rather than use CBOR or MessagePack packages because the simulator needs the
 * exact encoded size without encoding (a hot path at millions of messages per second) and the real
 * engine needs strict limits on hostile input; both are a few dozen lines here.
 *
 * Encoding (each value starts with a one-byte tag; lengths and counts are LEB128 varints):
 *   0 null · 1 false · 2 true · 3 uint · 4 negative int (varint of -x) · 5 float64 LE ·
 *   6 string (length, UTF-8) · 7 bytes (length, raw) · 8 array (count, items) ·
 *   9 object (count, then key as length + UTF-8 and value, in insertion order)
 */

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_UINT = 3;
const TAG_NEGINT = 4;
const TAG_FLOAT = 5;
const TAG_STRING = 6;
const TAG_BYTES = 7;
const TAG_ARRAY = 8;
const TAG_OBJECT = 9;

/** Strings up to this many bytes are decoded by a copy loop when they are ASCII (see Reader.text). */
const SHORT_TEXT_BYTES = 32;
/** Slots of the decoder's cache of recent short strings (a power of two; see Reader.text). */
const TEXT_CACHE_SLOTS = 256;
const textCache: string[] = new Array(TEXT_CACHE_SLOTS).fill('');

/** Nesting deeper than this is rejected on decode (no message of ours nests more than a few levels). */
export const MAX_DEPTH = 32;

/** Raised for input that is not a valid encoding; `reason` is a short kebab-case counter name. */
export class WireError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function utf8Length(text: string): number {
  // ASCII fast path: most of our strings are type tags and node ids.
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, 'utf8');
  }
  return length;
}

/** Exact size in bytes of `encodeValue(value)`, computed without encoding. */
export function wireSize(value: unknown): number {
  if (value === null || value === undefined || value === true || value === false) return 1;
  switch (typeof value) {
    case 'number':
      if (Number.isSafeInteger(value)) return 1 + varintSize(Math.abs(value));
      return 9;
    case 'string': {
      const length = utf8Length(value);
      return 1 + varintSize(length) + length;
    }
    case 'object': {
      if (value instanceof Uint8Array) return 1 + varintSize(value.length) + value.length;
      if (Array.isArray(value)) {
        let size = 1 + varintSize(value.length);
        for (const item of value) size += wireSize(item);
        return size;
      }
      let size = 1;
      let count = 0;
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        const keyLength = utf8Length(key);
        size += varintSize(keyLength) + keyLength + wireSize(item);
        count++;
      }
      return size + varintSize(count);
    }
    default:
      throw new TypeError(`wire codec: cannot encode a value of type ${typeof value}`);
  }
}

class Writer {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(value: number): void {
    this.bytes[this.offset++] = value;
  }
  varint(value: number): void {
    while (value >= 0x80) {
      this.bytes[this.offset++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.bytes[this.offset++] = value;
  }
  raw(data: Uint8Array): void {
    this.bytes.set(data, this.offset);
    this.offset += data.length;
  }
  text(value: string): void {
    // ASCII fast path: our strings are field names, type tags and node ids, and a TextEncoder call
    // (a new array each time) costs more than the copy loop for them.
    const length = value.length;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (value.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      const encoded = utf8Encoder.encode(value);
      this.varint(encoded.length);
      this.raw(encoded);
      return;
    }
    this.varint(length);
    const bytes = this.bytes;
    let offset = this.offset;
    for (let i = 0; i < length; i++) bytes[offset++] = value.charCodeAt(i);
    this.offset = offset;
  }
}

function write(writer: Writer, value: unknown): void {
  if (value === null || value === undefined) return writer.byte(TAG_NULL);
  if (value === false) return writer.byte(TAG_FALSE);
  if (value === true) return writer.byte(TAG_TRUE);
  switch (typeof value) {
    case 'number':
      if (Number.isSafeInteger(value)) {
        writer.byte(value >= 0 ? TAG_UINT : TAG_NEGINT);
        writer.varint(Math.abs(value));
      } else {
        writer.byte(TAG_FLOAT);
        new DataView(writer.bytes.buffer, writer.bytes.byteOffset + writer.offset, 8).setFloat64(0, value, true);
        writer.offset += 8;
      }
      return;
    case 'string':
      writer.byte(TAG_STRING);
      writer.text(value);
      return;
    case 'object':
      if (value instanceof Uint8Array) {
        writer.byte(TAG_BYTES);
        writer.varint(value.length);
        writer.raw(value);
        return;
      }
      if (Array.isArray(value)) {
        writer.byte(TAG_ARRAY);
        writer.varint(value.length);
        for (const item of value) write(writer, item);
        return;
      }
      {
        // The same keys, in the same order, as wireSize counts (no intermediate entry arrays).
        const record = value as Record<string, unknown>;
        let count = 0;
        for (const key in record) if (record[key] !== undefined) count++;
        writer.byte(TAG_OBJECT);
        writer.varint(count);
        for (const key in record) {
          const item = record[key];
          if (item === undefined) continue;
          writer.text(key);
          write(writer, item);
        }
      }
      return;
    default:
      throw new TypeError(`wire codec: cannot encode a value of type ${typeof value}`);
  }
}

/** Encode plain data. `undefined` object fields are omitted; `undefined` elsewhere encodes as null. */
export function encodeValue(value: unknown): Uint8Array {
  const writer = new Writer(new Uint8Array(wireSize(value)));
  write(writer, value);
  return writer.bytes;
}

/**
 * Encode `value` into `target` at `offset` (which must have `wireSize(value)` bytes free) and return
 * the offset after it: lets a caller assemble several values into one buffer without copies.
 */
export function encodeInto(value: unknown, target: Uint8Array, offset: number): number {
  const writer = new Writer(target);
  writer.offset = offset;
  write(writer, value);
  return writer.offset;
}

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  need(count: number): void {
    if (count > this.bytes.length - this.offset) {
      throw new WireError('truncated', `wire codec: need ${count} bytes at offset ${this.offset}, have ${this.bytes.length - this.offset}`);
    }
  }
  byte(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) throw new WireError('bad-varint', `wire codec: varint ${value} is not a safe integer`);
        return value;
      }
      scale *= 128;
    }
    throw new WireError('bad-varint', `wire codec: varint longer than 8 bytes at offset ${this.offset}`);
  }
  /**
   * A bytes field, always a plain Uint8Array (never a Node Buffer, whatever `bytes` is). The real
   * engine decodes frames that are views of a received chunk (up to 64 KiB, several frames) or of a
   * slab of Node's buffer pool, and a node keeps what it stores: a view would keep all of that memory
   * alive for a field of a few bytes. So a field that is under half of the memory beneath it is
   * copied, and one that is most of it (a large value in a frame of its own) stays a view rather
   * than a second copy of megabytes: a kept field holds at most twice its own size.
   */
  raw(length: number): Uint8Array {
    this.need(length);
    const memory = this.bytes.buffer;
    const start = this.bytes.byteOffset + this.offset;
    this.offset += length;
    const view = new Uint8Array(memory, start, length);
    if (2 * length >= memory.byteLength) return view;
    // Not memory.slice(): a typed array of up to 64 bytes lives on V8's heap, with no ArrayBuffer
    // of its own to allocate, and most fields (hashes, tags, signatures) are that small.
    const copy = new Uint8Array(length);
    copy.set(view);
    return copy;
  }
  text(): string {
    const length = this.varint();
    this.need(length);
    // Short ASCII strings (field names, type tags, node ids) without a TextDecoder call; the same few
    // recur in every message, so the last string seen per slot (by length and first and last byte)
    // is reused when its bytes match, rather than built again.
    if (length <= SHORT_TEXT_BYTES) {
      const bytes = this.bytes;
      const start = this.offset;
      if (length === 0) return '';
      const slot = (length * 31 + bytes[start]! * 7 + bytes[start + length - 1]!) & (TEXT_CACHE_SLOTS - 1);
      const cached = textCache[slot]!;
      if (cached.length === length) {
        let same = true;
        for (let i = 0; i < length; i++) {
          if (cached.charCodeAt(i) !== bytes[start + i]) {
            same = false;
            break;
          }
        }
        if (same) {
          this.offset += length;
          return cached;
        }
      }
      let out = '';
      let i = 0;
      for (; i < length; i++) {
        const byte = bytes[start + i]!;
        if (byte >= 0x80) break;
        out += String.fromCharCode(byte);
      }
      if (i === length) {
        this.offset += length;
        textCache[slot] = out;
        return out;
      }
    }
    try {
      const out = utf8Decoder.decode(this.bytes.subarray(this.offset, this.offset + length));
      this.offset += length;
      return out;
    } catch {
      throw new WireError('bad-utf8', `wire codec: invalid UTF-8 at offset ${this.offset}`);
    }
  }
}

function read(reader: Reader, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new WireError('too-deep', `wire codec: nesting deeper than ${MAX_DEPTH}`);
  const tag = reader.byte();
  switch (tag) {
    case TAG_NULL:
      return null;
    case TAG_FALSE:
      return false;
    case TAG_TRUE:
      return true;
    case TAG_UINT:
      return reader.varint();
    case TAG_NEGINT: {
      const magnitude = reader.varint();
      if (magnitude === 0) throw new WireError('bad-int', 'wire codec: negative zero integer');
      return -magnitude;
    }
    case TAG_FLOAT: {
      reader.need(8);
      const value = new DataView(reader.bytes.buffer, reader.bytes.byteOffset + reader.offset, 8).getFloat64(0, true);
      reader.offset += 8;
      return value;
    }
    case TAG_STRING:
      return reader.text();
    case TAG_BYTES:
      return reader.raw(reader.varint());
    case TAG_ARRAY: {
      const count = reader.varint();
      // Every item takes at least one byte, so a count beyond the remaining bytes is a lie.
      reader.need(count);
      const out: unknown[] = new Array(count);
      for (let i = 0; i < count; i++) out[i] = read(reader, depth + 1);
      return out;
    }
    case TAG_OBJECT: {
      const count = reader.varint();
      reader.need(count * 2);
      // Built as a plain object, then given a null prototype: the same own keys, in the same
      // order, as filling Object.create(null), but V8 keeps the object in fast mode (shapes shared
      // by every message of a type) instead of a dictionary, so the parsers' field reads are cheap.
      // Assignment makes own data properties: Object.prototype's only inherited setter is
      // `__proto__`, refused here.
      const out: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const key = reader.text();
        if (key === '__proto__' || Object.hasOwn(out, key)) {
          throw new WireError('bad-key', `wire codec: duplicate or forbidden key ${JSON.stringify(key)}`);
        }
        out[key] = read(reader, depth + 1);
      }
      Object.setPrototypeOf(out, null);
      return out;
    }
    default:
      throw new WireError('bad-tag', `wire codec: unknown tag ${tag} at offset ${reader.offset - 1}`);
  }
}

/** Decode one value that must span all of `bytes`. Throws {@link WireError} on any malformed input. */
export function decodeValue(bytes: Uint8Array): unknown {
  const reader = new Reader(bytes);
  const value = read(reader, 0);
  if (reader.offset !== bytes.length) {
    throw new WireError('trailing-bytes', `wire codec: ${bytes.length - reader.offset} trailing bytes after the value`);
  }
  return value;
}
