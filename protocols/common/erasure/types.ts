/**
 * @module The erasure codec interface: systematic Reed–Solomon over GF(2^8)
 * (docs/protocols.md#cryptography-and-erasure-coding).
 * `encode` returns `n` fragments of equal length; any `k` of them decode to the original value.
 * The encoded form carries the value's length, so values of any size (including 0 bytes and sizes
 * not divisible by `k`) round-trip exactly.
 */

export interface ErasureCodec {
  /** Which implementation ran: recorded with every run. */
  readonly name: string;
  encode(value: Uint8Array, k: number, n: number): Uint8Array[];
  /**
   * Decode from at least `k` fragments, given as `fragments[i]` = fragment `i` or undefined.
   * Throws a RangeError when fewer than `k` are present or lengths disagree.
   */
  decode(fragments: ReadonlyArray<Uint8Array | undefined>, k: number, n: number): Uint8Array;
}
