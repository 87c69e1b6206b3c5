/**
 * @module The fragment format shared by every codec, and the XOR programs that encode and decode it.
 *
 * Fragment layout (format version 1). Fragment i of n (0 ≤ i < n) is HEADER_BYTES + S bytes:
 *
 *   offset 0..3  value length L in bytes, uint32 little-endian
 *   offset 4     k (data fragments)          offset 5  n (all fragments)
 *   offset 6     i (this fragment's index)   offset 7  format version (1)
 *   offset 8..   shard i, S bytes
 *
 * S = roundUp(ceil(L / k), 64) (0 when L = 0). Data shard j < k holds value bytes [j·S, (j+1)·S),
 * zero-padded past L. Parity shard k + r is row r of a systematic Cauchy Reed–Solomon code over
 * GF(2^8) (poly 0x11d) in bit-sliced form: each shard is 8 packets of P = S/8 bytes (a multiple
 * of 8), packet c being "bit plane" c, and multiplying a shard by a field element e is XORing
 * packets as e's 8×8 bit matrix says (gf256.ts bitMatrixRows). Bit slicing turns all bulk work
 * into word-wide XOR, the fastest thing both JavaScript and the native helper can do. S is a multiple of 64 so packets
 * are whole 64-bit words, and with the 8-byte header every packet of every fragment allocated by
 * `encode` is 8-byte aligned (the native kernel falls back to byte-wise XOR when source and target
 * alignments differ).
 *
 * Parity matrix: Cauchy C[r][j] = 1 / (x_r ⊕ y_j) with y_j = j, x_r = k + r (all distinct, so every
 * square submatrix is invertible and any k fragments decode). Then (Plank & Xu, "Optimizing Cauchy
 * Reed-Solomon codes") columns are scaled so row 0 is all ones (parity 0 is the plain XOR of the
 * data) and each further row is scaled by the factor that minimises the ones in its bit matrices.
 * Row and column scaling by non-zero factors keep every square submatrix invertible.
 */
import { bitMatrixOnes, bitMatrixRows, gfDiv, gfInv, gfInvertMatrix, gfMul } from './gf256.ts';

export const HEADER_BYTES = 8;
export const SHARD_ALIGN_BYTES = 64;
export const FORMAT_VERSION = 1;
export const MAX_FRAGMENTS = 255;
export const MAX_VALUE_BYTES = 0xffff_ffff;

export function checkParameters(k: number, n: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_FRAGMENTS) {
    throw new RangeError(`erasure k: expected an integer in 1..${MAX_FRAGMENTS}, got ${k}`);
  }
  if (!Number.isInteger(n) || n < k || n > MAX_FRAGMENTS) {
    throw new RangeError(`erasure n: expected an integer in k(${k})..${MAX_FRAGMENTS}, got ${n}`);
  }
}

export function shardBytes(valueBytes: number, k: number): number {
  const raw = Math.ceil(valueBytes / k);
  return Math.ceil(raw / SHARD_ALIGN_BYTES) * SHARD_ALIGN_BYTES;
}

export function writeHeader(fragment: Uint8Array, valueBytes: number, k: number, n: number, index: number): void {
  fragment[0] = valueBytes & 0xff;
  fragment[1] = (valueBytes >>> 8) & 0xff;
  fragment[2] = (valueBytes >>> 16) & 0xff;
  fragment[3] = (valueBytes >>> 24) & 0xff;
  fragment[4] = k;
  fragment[5] = n;
  fragment[6] = index;
  fragment[7] = FORMAT_VERSION;
}

export interface CheckedFragments {
  readonly valueBytes: number;
  readonly shardBytes: number;
  /** Indices of the present fragments, ascending. */
  readonly present: number[];
}

/**
 * Validates what `decode` was given; every inconsistency is a RangeError naming what disagrees,
 * since fragments come from other (possibly faulty) nodes.
 */
export function checkFragments(
  fragments: ReadonlyArray<Uint8Array | undefined>,
  k: number,
  n: number,
): CheckedFragments {
  checkParameters(k, n);
  if (fragments.length > n) {
    throw new RangeError(`erasure fragments: expected at most n=${n} entries, got ${fragments.length}`);
  }
  const present: number[] = [];
  let valueBytes = -1;
  let length = -1;
  for (let i = 0; i < fragments.length; i++) {
    const f = fragments[i];
    if (f === undefined) continue;
    if (length === -1) {
      length = f.length;
      if (length < HEADER_BYTES || (length - HEADER_BYTES) % SHARD_ALIGN_BYTES !== 0) {
        throw new RangeError(`erasure fragment ${i}: bad length ${length}`);
      }
    } else if (f.length !== length) {
      throw new RangeError(`erasure fragment ${i}: length ${f.length} differs from ${length}`);
    }
    const l = (f[0]! | (f[1]! << 8) | (f[2]! << 16) | (f[3]! << 24)) >>> 0;
    if (valueBytes === -1) valueBytes = l;
    else if (l !== valueBytes) {
      throw new RangeError(`erasure fragment ${i}: value length ${l} differs from ${valueBytes}`);
    }
    if (f[4] !== k || f[5] !== n || f[6] !== i || f[7] !== FORMAT_VERSION) {
      throw new RangeError(
        `erasure fragment ${i}: header (k=${f[4]}, n=${f[5]}, index=${f[6]}, version=${f[7]}) ` +
          `does not match (k=${k}, n=${n}, index=${i}, version=${FORMAT_VERSION})`,
      );
    }
    present.push(i);
  }
  if (present.length < k) {
    throw new RangeError(`erasure decode: need k=${k} fragments, got ${present.length}`);
  }
  const s = length - HEADER_BYTES;
  if (shardBytes(valueBytes, k) !== s) {
    throw new RangeError(`erasure fragments: value length ${valueBytes} does not fit shard size ${s}`);
  }
  return { valueBytes, shardBytes: s, present };
}

/** One output packet: slot/packet written with the XOR of the listed source slot/packets. */
export interface XorTarget {
  readonly slot: number;
  readonly packet: number;
  /** Flattened (slot, packet) pairs. */
  readonly sources: Int32Array;
}

export interface XorProgram {
  readonly targets: readonly XorTarget[];
  /** Total source packets read: the XOR work, for cost accounting and tests. */
  readonly xorPackets: number;
}

const parityMatrices = new Map<string, readonly (readonly number[])[]>();

/** Parity coefficients: row r, column j (see the module comment for the construction). Cached. */
export function parityMatrix(k: number, n: number): readonly (readonly number[])[] {
  const key = `${k}/${n}`;
  const cached = parityMatrices.get(key);
  if (cached !== undefined) return cached;
  const built = buildParityMatrix(k, n);
  parityMatrices.set(key, built);
  return built;
}

function buildParityMatrix(k: number, n: number): number[][] {
  const m = n - k;
  const rows: number[][] = [];
  for (let r = 0; r < m; r++) {
    const row: number[] = [];
    for (let j = 0; j < k; j++) row.push(gfInv((k + r) ^ j));
    rows.push(row);
  }
  if (m === 0) return rows;
  // Columns scaled so row 0 is all ones.
  const first = rows[0]!.slice();
  for (const row of rows) for (let j = 0; j < k; j++) row[j] = gfDiv(row[j]!, first[j]!);
  // Rows ≥ 1 scaled by the factor with the fewest bit-matrix ones (ties: the smallest factor).
  for (let r = 1; r < m; r++) {
    const row = rows[r]!;
    let bestFactor = 1;
    let bestOnes = Infinity;
    for (let factor = 1; factor < 256; factor++) {
      let ones = 0;
      for (const e of row) ones += bitMatrixOnes(gfMul(e, factor));
      if (ones < bestOnes) {
        bestOnes = ones;
        bestFactor = factor;
      }
    }
    for (let j = 0; j < k; j++) row[j] = gfMul(row[j]!, bestFactor);
  }
  return rows;
}

/** One output packet as a set of source packet ids (slot · 8 + packet), before scheduling. */
interface RawTarget {
  readonly slot: number;
  readonly packet: number;
  readonly sources: readonly number[];
}

/**
 * Rows "slot out = Σ coefficient_i · source_i", one per output packet 0..7.
 * `sourceSlots[i]` is the slot holding the shard multiplied by `coefficients[i]`.
 */
function linearCombination(outSlot: number, coefficients: readonly number[], sourceSlots: readonly number[]): RawTarget[] {
  const matrices = coefficients.map(bitMatrixRows);
  const rows: RawTarget[] = [];
  for (let b = 0; b < 8; b++) {
    const sources: number[] = [];
    for (let i = 0; i < coefficients.length; i++) {
      const mask = matrices[i]![b]!;
      for (let c = 0; c < 8; c++) if ((mask >> c) & 1) sources.push(sourceSlots[i]! * 8 + c);
    }
    if (sources.length === 0) throw new Error('erasure: empty linear combination (matrix not invertible)');
    rows.push({ slot: outSlot, packet: b, sources });
  }
  return rows;
}

/**
 * Orders the targets and rewrites each as "an already computed target XOR the difference" when
 * that reads fewer packets (Plank's "smart scheduling" for bit-matrix codes; e.g. for k = 4,
 * n = 10 it cuts the XOR work by about a third). Engines process one strip of every target in
 * program order, so a target computed earlier is complete for the strip when a later one reads it.
 */
function schedule(raw: readonly RawTarget[]): XorProgram {
  // Source sets as bitsets over packet ids, so a difference is a popcount of an XOR.
  let maxId = 0;
  for (const t of raw) for (const x of t.sources) maxId = Math.max(maxId, x);
  const words = (maxId >>> 5) + 1;
  const bits = raw.map((t) => {
    const set = new Uint32Array(words);
    for (const x of t.sources) set[x >>> 5]! |= 1 << (x & 31);
    return set;
  });
  const popcount = (v: number): number => {
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  };
  const difference = (a: Uint32Array, b: Uint32Array): number => {
    let count = 0;
    for (let w = 0; w < words; w++) count += popcount(a[w]! ^ b[w]!);
    return count;
  };
  // Best known way to compute each remaining row: from scratch (base −1) or from a done row.
  const cost = raw.map((t) => t.sources.length);
  const base = raw.map(() => -1);
  const remaining = new Set(raw.map((_, i) => i));
  const targets: XorTarget[] = [];
  let reads = 0;
  while (remaining.size > 0) {
    let row = -1;
    for (const r of remaining) if (row === -1 || cost[r]! < cost[row]!) row = r;
    const target = raw[row]!;
    const pairs: number[] = [];
    const from = base[row]!;
    if (from === -1) {
      for (const x of target.sources) pairs.push(x >> 3, x & 7);
    } else {
      const other = raw[from]!;
      pairs.push(other.slot, other.packet);
      const mine = bits[row]!;
      const theirs = bits[from]!;
      for (const x of target.sources) if (!((theirs[x >>> 5]! >>> (x & 31)) & 1)) pairs.push(x >> 3, x & 7);
      for (const x of other.sources) if (!((mine[x >>> 5]! >>> (x & 31)) & 1)) pairs.push(x >> 3, x & 7);
    }
    reads += pairs.length / 2;
    targets.push({ slot: target.slot, packet: target.packet, sources: Int32Array.from(pairs) });
    remaining.delete(row);
    // Only the row just computed can improve the others.
    for (const r of remaining) {
      const viaRow = difference(bits[r]!, bits[row]!) + 1;
      if (viaRow < cost[r]!) {
        cost[r] = viaRow;
        base[r] = row;
      }
    }
  }
  return { targets, xorPackets: reads };
}

const encodePrograms = new Map<string, XorProgram>();

/** Slots: 0..k-1 data fragments, k..n-1 parity fragments. */
export function encodeProgram(k: number, n: number): XorProgram {
  const key = `${k}/${n}`;
  const cached = encodePrograms.get(key);
  if (cached !== undefined) return cached;
  const matrix = parityMatrix(k, n);
  const dataSlots = Array.from({ length: k }, (_, j) => j);
  const program = schedule(matrix.flatMap((row, r) => linearCombination(k + r, row, dataSlots)));
  encodePrograms.set(key, program);
  return program;
}

export interface DecodePlan {
  /** The k fragments read, ascending (data fragments preferred: they need no arithmetic). */
  readonly chosen: readonly number[];
  /** Data shards to rebuild; output slot k + t rebuilds shard missing[t]. */
  readonly missing: readonly number[];
  /** Slots 0..k-1 = chosen fragments; slot k + t = rebuilt data shard missing[t]. */
  readonly program: XorProgram;
}

const decodePlans = new Map<string, DecodePlan>();
const DECODE_PLAN_CACHE_LIMIT = 4096;

export function decodePlan(present: readonly number[], k: number, n: number): DecodePlan {
  const data = present.filter((i) => i < k);
  const chosen = data.concat(present.filter((i) => i >= k).slice(0, k - data.length));
  const key = `${k}/${n}/${chosen.join(',')}`;
  const cached = decodePlans.get(key);
  if (cached !== undefined) return cached;
  const missing: number[] = [];
  for (let j = 0; j < k; j++) if (!chosen.includes(j)) missing.push(j);
  let program: XorProgram = { targets: [], xorPackets: 0 };
  if (missing.length > 0) {
    const parity = parityMatrix(k, n);
    // Row of the generator matrix [I; C] for each chosen fragment.
    const generator = chosen.map((i) =>
      i < k ? Array.from({ length: k }, (_, j) => (j === i ? 1 : 0)) : parity[i - k]!.slice(),
    );
    const inverse = gfInvertMatrix(generator);
    const sourceSlots = chosen.map((_, i) => i);
    program = schedule(missing.flatMap((j, t) => linearCombination(k + t, inverse[j]!, sourceSlots)));
  }
  const plan: DecodePlan = { chosen, missing, program };
  if (decodePlans.size >= DECODE_PLAN_CACHE_LIMIT) decodePlans.clear();
  decodePlans.set(key, plan);
  return plan;
}
