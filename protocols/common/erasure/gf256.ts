/**
 * @module GF(2^8) arithmetic with the primitive polynomial x^8+x^4+x^3+x^2+1 (0x11d), the field of
 * our Reed–Solomon code, plus the small matrix algebra the codec needs (inversion, bit matrices).
 * Only codec set-up (per k, n, and erasure pattern) runs here; bulk data never goes byte by byte
 * through these functions.
 */

export const GF_POLY = 0x11d;

/** EXP[i] = 2^i for i in 0..509 (doubled so EXP[LOG[a] + LOG[b]] needs no modulo). */
const EXP = new Uint8Array(512);
/** LOG[a] = i with 2^i = a, for a ≠ 0 (LOG[0] is unused). */
const LOG = new Uint8Array(256);

{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= GF_POLY;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}

export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a]! + LOG[b]!]!;
}

export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('gf256: 0 has no inverse');
  return EXP[255 - LOG[a]!]!;
}

export function gfDiv(a: number, b: number): number {
  return gfMul(a, gfInv(b));
}

/**
 * The 8×8 bit matrix of "multiply by e": entry [row b][column c] is bit b of e·2^c, so output bit b
 * of e·x is the XOR over c of (entry[b][c] AND bit c of x). Returned as 8 row masks (bit c set ⇔
 * input bit c feeds output bit b).
 */
export function bitMatrixRows(e: number): number[] {
  const rows = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let c = 0; c < 8; c++) {
    const column = gfMul(e, 1 << c);
    for (let b = 0; b < 8; b++) if ((column >> b) & 1) rows[b]! |= 1 << c;
  }
  return rows;
}

/** Number of ones in the bit matrix of e: the XOR work of multiplying a shard by e. */
export function bitMatrixOnes(e: number): number {
  let ones = 0;
  for (const row of bitMatrixRows(e)) {
    for (let v = row; v !== 0; v &= v - 1) ones++;
  }
  return ones;
}

/** Inverse of a square matrix over GF(2^8) (Gauss–Jordan); throws RangeError when singular. */
export function gfInvertMatrix(matrix: ReadonlyArray<ReadonlyArray<number>>): number[][] {
  const size = matrix.length;
  const a = matrix.map((row) => row.slice());
  const inv: number[][] = matrix.map((_, i) => Array.from({ length: size }, (_, j): number => (i === j ? 1 : 0)));
  for (let col = 0; col < size; col++) {
    let pivot = col;
    while (pivot < size && a[pivot]![col] === 0) pivot++;
    if (pivot === size) throw new RangeError('gf256: matrix is singular');
    if (pivot !== col) {
      [a[pivot], a[col]] = [a[col]!, a[pivot]!];
      [inv[pivot], inv[col]] = [inv[col]!, inv[pivot]!];
    }
    const scale = gfInv(a[col]![col]!);
    const pivotRow = a[col]!;
    const pivotInv = inv[col]!;
    for (let j = 0; j < size; j++) {
      pivotRow[j] = gfMul(pivotRow[j]!, scale);
      pivotInv[j] = gfMul(pivotInv[j]!, scale);
    }
    for (let r = 0; r < size; r++) {
      if (r === col) continue;
      const factor = a[r]![col]!;
      if (factor === 0) continue;
      const row = a[r]!;
      const invRow = inv[r]!;
      for (let j = 0; j < size; j++) {
        row[j] = row[j]! ^ gfMul(factor, pivotRow[j]!);
        invRow[j] = invRow[j]! ^ gfMul(factor, pivotInv[j]!);
      }
    }
  }
  return inv;
}
