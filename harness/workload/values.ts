/**
 * @module Written values: unique per key, and mapped back from the bytes a read returns.
 *
 * A value is its tag (`${client}:${seq}`, unique per writer and hence per key) in UTF-8, a 0x00
 * separator, then zero filler up to the configured size (cheap: a fresh Uint8Array is already zero).
 * A value is never shorter than its tag plus separator. Empty bytes are the initial value (null).
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SEPARATOR = 0;
/** Tags are short; a read only looks this far for the separator. */
const MAX_TAG_BYTES = 128;

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

export function makeValue(tag: string, sizeBytes: number): Uint8Array {
  // Tags are ASCII (node ids are [A-Za-z0-9_-]); copying char codes beats TextEncoder for short tags.
  if (isAscii(tag)) {
    const out = new Uint8Array(Math.max(sizeBytes, tag.length + 1));
    for (let i = 0; i < tag.length; i++) out[i] = tag.charCodeAt(i);
    out[tag.length] = SEPARATOR;
    return out;
  }
  const tagBytes = encoder.encode(tag);
  const out = new Uint8Array(Math.max(sizeBytes, tagBytes.length + 1));
  out.set(tagBytes, 0);
  out[tagBytes.length] = SEPARATOR;
  return out;
}

/**
 * The tag a read's bytes carry; null for the initial (empty) value. Bytes that are no value of ours
 * (e.g. forged by a Byzantine server) map to a string that no write used, so the checker flags them.
 */
export function valueTag(bytes: Uint8Array | undefined): string | null {
  if (bytes === undefined || bytes.length === 0) return null;
  const limit = Math.min(bytes.length, MAX_TAG_BYTES + 1);
  let ascii = true;
  for (let i = 0; i < limit; i++) {
    const byte = bytes[i]!;
    if (byte === SEPARATOR) return ascii ? String.fromCharCode.apply(null, bytes.subarray(0, i) as unknown as number[]) : decoder.decode(bytes.subarray(0, i));
    if (byte >= 0x80) ascii = false;
  }
  return `unknown:${Buffer.from(bytes.subarray(0, 16)).toString('hex')}:${bytes.length}`;
}
