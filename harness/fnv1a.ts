/**
 * @module 32-bit FNV-1a (Fowler–Noll–Vo): a small, stable, non-cryptographic hash, for deriving seeds
 * from names and for hashing short strings in the history scanner. A dozen lines, not worth a
 * dependency; the test vectors are in test/sweep-expand.test.ts.
 */

export const FNV1A_OFFSET_32 = 0x811c9dc5;
export const FNV1A_PRIME_32 = 0x01000193;

/** FNV-1a of a string's UTF-16 code units (its bytes, for ASCII text), unsigned. */
export function fnv1a32(text: string): number {
  let hash = FNV1A_OFFSET_32;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV1A_PRIME_32);
  return hash >>> 0;
}

/** FNV-1a of `bytes[start..end)`, unsigned. */
export function fnv1a32Bytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV1A_OFFSET_32;
  for (let p = start; p < end; p++) hash = Math.imul(hash ^ (bytes[p] as number), FNV1A_PRIME_32);
  return hash >>> 0;
}
