/**
 * @module Cost profiles: how much simulated CPU time each primitive and each message costs.
 *
 * The simulator charges these to the node doing the work (server or client), on its virtual clock,
 * and a node handles one task at a time, so CPU-heavy protocols queue as they would on a real
 * machine. `zero` charges nothing; `default` is a fixed profile (configs/cost-profiles/default.json,
 * so simulated results are identical on every machine); `quorumbench calibrate` measures the
 * current machine and writes a profile file (the default is read by default-profile.ts, apart from this
 * module so that processes that only price calls, such as real-engine servers, do not read it).
 * docs/cost-model.md describes every term.
 *
 * Hashing, MACs, signatures and messages cost a fixed part per call plus a part per byte. Erasure
 * coding depends on more than the value's size: on (k, n), and for decoding on how many of the k
 * fragments used are parity (decoding from data fragments only is a copy). A profile may carry a
 * grid of measured coding times per (k, n) and value size (`coding`); calls whose (k, n) it does
 * not hold, and profiles without a grid, are charged the flat `encode` and `decode` terms.
 */

/** Cost of one primitive: a fixed part per call plus a part per byte processed. */
export interface PrimitiveCost {
  readonly nsPerOp: number;
  readonly nsPerByte: number;
}

export const PRIMITIVES = ['hash', 'hmac', 'sign', 'verify', 'encode', 'decode', 'message'] as const;
export type Primitive = (typeof PRIMITIVES)[number];
/** Each primitive's position in PRIMITIVES (per-primitive counters are arrays in that order). */
export const PRIMITIVE_INDEX: Readonly<Record<Primitive, number>> = Object.fromEntries(PRIMITIVES.map((p, i) => [p, i])) as Record<Primitive, number>;

/** Measured erasure-coding times of one (k, n), ns per call, one entry per `CodingGrid.sizesBytes`. */
export interface CodingShape {
  readonly k: number;
  readonly n: number;
  /** Encoding a value of each size. */
  readonly encodeNs: readonly number[];
  /**
   * `decodeNs[p]`: decoding a value of each size from k fragments of which p are parity, for
   * p = 0 … min(k, n − k) (p = 0 is a copy of the data shards).
   */
  readonly decodeNs: readonly (readonly number[])[];
}

export interface CodingGrid {
  /** Value sizes measured, bytes, strictly increasing. */
  readonly sizesBytes: readonly number[];
  readonly shapes: readonly CodingShape[];
}

export interface CostProfile {
  readonly name: string;
  /** SHA-256 over the bytes hashed. */
  readonly hash: PrimitiveCost;
  /** HMAC-SHA-256 over the bytes authenticated. */
  readonly hmac: PrimitiveCost;
  /** Ed25519 signing, per message signed. */
  readonly sign: PrimitiveCost;
  /** Ed25519 verification, per message verified. */
  readonly verify: PrimitiveCost;
  /** Erasure encoding per byte of the value, for (k, n) not in `coding`. */
  readonly encode: PrimitiveCost;
  /** Erasure decoding per byte of the value, for (k, n) not in `coding`. */
  readonly decode: PrimitiveCost;
  /** Handling one received message (parsing, dispatch), per message and per wire byte. */
  readonly message: PrimitiveCost;
  /** Measured coding times per (k, n) and size; absent in flat profiles. */
  readonly coding?: CodingGrid;
}

const FREE: PrimitiveCost = { nsPerOp: 0, nsPerByte: 0 };

export const ZERO_PROFILE: CostProfile = {
  name: 'zero',
  hash: FREE,
  hmac: FREE,
  sign: FREE,
  verify: FREE,
  encode: FREE,
  decode: FREE,
  message: FREE,
};

/** A grid shape prepared for lookups: log sizes and ns per byte at each size. */
interface CompiledShape {
  readonly logSizes: Float64Array;
  readonly sizes: Float64Array;
  readonly encodeRate: Float64Array;
  readonly decodeRate: readonly Float64Array[];
}

const compiledGrids = new WeakMap<CodingGrid, Map<number, CompiledShape>>();

function compile(grid: CodingGrid): Map<number, CompiledShape> {
  const sizes = Float64Array.from(grid.sizesBytes);
  const logSizes = sizes.map(Math.log);
  const rate = (ns: readonly number[]): Float64Array => Float64Array.from(ns, (t, i) => t / sizes[i]!);
  const shapes = new Map<number, CompiledShape>();
  for (const shape of grid.shapes) {
    shapes.set(shapeKey(shape.k, shape.n), {
      logSizes,
      sizes,
      encodeRate: rate(shape.encodeNs),
      decodeRate: shape.decodeNs.map(rate),
    });
  }
  return shapes;
}

function shapeKey(k: number, n: number): number {
  return k * 1024 + n;
}

/**
 * Time of one call of `bytes` bytes from a measured row: ns per byte interpolated linearly in
 * log(size) between the two nearest sizes, times `bytes`; below the smallest size, the smallest
 * size's time (a call never costs less than the smallest call measured); above the largest, the
 * largest size's ns per byte.
 */
function interpolate(shape: CompiledShape, rates: Float64Array, bytes: number): number {
  const sizes = shape.sizes;
  const last = sizes.length - 1;
  if (bytes <= sizes[0]!) return rates[0]! * sizes[0]!;
  if (bytes >= sizes[last]!) return rates[last]! * bytes;
  let i = 0;
  while (sizes[i + 1]! < bytes) i++;
  const x = (Math.log(bytes) - shape.logSizes[i]!) / (shape.logSizes[i + 1]! - shape.logSizes[i]!);
  return (rates[i]! + x * (rates[i + 1]! - rates[i]!)) * bytes;
}

/**
 * Nanoseconds for one call of `primitive` over `bytes` bytes. For `encode` and `decode`, `k` and
 * `n` select the profile's measured grid when it holds that shape, and `parityFragments` (decode
 * only: how many of the k fragments used are parity) its row; a decode whose parity count is not
 * given is charged as all-parity (the costliest row). Otherwise the flat term applies.
 */
export function costNs(
  profile: CostProfile,
  primitive: Primitive,
  bytes: number,
  k?: number,
  n?: number,
  parityFragments?: number,
): number {
  if ((primitive === 'encode' || primitive === 'decode') && profile.coding !== undefined && k !== undefined && n !== undefined) {
    let shapes = compiledGrids.get(profile.coding);
    if (shapes === undefined) {
      shapes = compile(profile.coding);
      compiledGrids.set(profile.coding, shapes);
    }
    const shape = shapes.get(shapeKey(k, n));
    if (shape !== undefined) {
      if (primitive === 'encode') return interpolate(shape, shape.encodeRate, bytes);
      const rows = shape.decodeRate;
      const row = Math.min(rows.length - 1, Math.max(0, parityFragments ?? rows.length - 1));
      return interpolate(shape, rows[row]!, bytes);
    }
  }
  const cost = profile[primitive];
  return cost.nsPerOp + cost.nsPerByte * bytes;
}
