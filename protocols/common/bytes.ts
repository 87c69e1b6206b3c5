/**
 * @module Byte helpers for the messages protocols sign, MAC or size by hand: written byte by byte
 * rather than through a DataView or TextEncoder, which cost an object or a call per message.
 */

/** Writes `num` (a non-negative safe integer) as 8 bytes big-endian at `offset` of `out`. */
export function writeUint64BE(out: Uint8Array, offset: number, num: number): void {
  const high = Math.floor(num / 2 ** 32);
  const low = num >>> 0;
  out[offset] = high >>> 24;
  out[offset + 1] = (high >>> 16) & 0xff;
  out[offset + 2] = (high >>> 8) & 0xff;
  out[offset + 3] = high & 0xff;
  out[offset + 4] = low >>> 24;
  out[offset + 5] = (low >>> 16) & 0xff;
  out[offset + 6] = (low >>> 8) & 0xff;
  out[offset + 7] = low & 0xff;
}

/** Whether `text` is ASCII, i.e. its UTF-16 code units are its own UTF-8 bytes. */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}
