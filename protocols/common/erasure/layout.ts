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
  /** Flattened (slot, packet) pairs; one pair makes the target a copy. */
  readonly sources: Int32Array;
}

export interface XorProgram {
  readonly targets: readonly XorTarget[];
  /** Total source packets read: the XOR work, for cost accounting and tests. */
  readonly xorPackets: number;
  /** Scratch packets for temporaries (slot TEMP_SLOT), each live for one strip at a time. */
  readonly tempPackets: number;
}

/** The slot of a program's temporaries: packet p of it is scratch strip p, not part of any shard. */
export const TEMP_SLOT = -1;

/** How an engine cuts packets into strips: see planStrips. */
export interface StripGeometry {
  readonly minBytes: number;
  readonly maxBytes: number;
  /** Bytes the strips of all packets read or written by XOR should fit in (a share of L2). */
  readonly workingSetBytes: number;
}

/** One engine call: the targets and where their slots live (see XorEngine.run). */
export interface XorCall {
  readonly targets: readonly XorTarget[];
  /** Scratch packets the targets use as temporaries (slot TEMP_SLOT). */
  readonly tempPackets: number;
  readonly slots: readonly Uint8Array[];
  readonly bases: readonly number[];
  /** Bytes per packet (a multiple of 8); a shard is 8 packets. */
  readonly packetBytes: number;
}

/**
 * A call's targets resolved for an engine: one op per source read, in program order (a target's
 * ops are contiguous: `targetFirstOp[t]` .. + `targetOps[t]`). An op reads `sourceBuffer` at
 * `sourceOffset + sourceMoves · strip` and copies (kind 0) or XORs (kind 1) into `targetBuffer` at
 * `targetOffset + targetMoves · strip`. Buffer index slots.length is the scratch buffer: first the
 * staged strips (8 per staged slot), then the temporaries, each stripBytes long and at a fixed place
 * (moves 0). Offsets into slots are relative to the slot's base unless the plan was made with
 * `absoluteOffsets`.
 */
export interface StripPlan {
  readonly stripBytes: number;
  /** Slots whose strips are copied to the scratch buffer first; index = position here. */
  readonly stagedSlots: readonly number[];
  readonly scratchBytes: number;
  readonly ops: {
    readonly kinds: Uint8Array;
    readonly sourceBuffer: Int32Array;
    readonly sourceOffset: Float64Array;
    readonly sourceMoves: Uint8Array;
    readonly targetBuffer: Int32Array;
    readonly targetOffset: Float64Array;
    readonly targetMoves: Uint8Array;
  };
  readonly targetFirstOp: Int32Array;
  readonly targetOps: Int32Array;
}

export interface StripPlanOptions {
  /** Alignment (bytes) the engine needs for a source it XORs; other sources are staged. */
  readonly alignment: number;
  /** The first source of a multi-source target is copied, not XORed (so any alignment will do). */
  readonly firstSourceIsCopy: boolean;
  /** Add each slot's base to its offsets (engines that address whole buffers). */
  readonly absoluteOffsets: boolean;
  readonly geometry: StripGeometry;
}

/**
 * Cuts a call into strips: every target is computed for bytes [x, x + stripBytes) of its packet
 * before any target moves to the next strip, so the strips of all packets involved stay in cache
 * while every target that reads them is computed, and a target that reads an earlier target finds
 * that strip complete. The strip length is the longest (within the geometry's bounds) for which
 * the strips of every packet read by an XOR or written, and the temporaries, fit the working set.
 */
export function planStrips(call: XorCall, options: StripPlanOptions): StripPlan {
  const { targets, tempPackets, slots, bases, packetBytes } = call;
  const { alignment, firstSourceIsCopy, absoluteOffsets, geometry } = options;
  const xorSource = new Set<number>();
  const hot = new Set<number>();
  let opCount = 0;
  for (const target of targets) {
    const count = target.sources.length >>> 1;
    opCount += count;
    if (target.slot !== TEMP_SLOT) {
      hot.add(target.slot);
      if ((slots[target.slot]!.byteOffset + bases[target.slot]!) % alignment !== 0) {
        throw new Error(`erasure: target slot ${target.slot} is not ${alignment}-byte aligned`);
      }
    }
    if (count === 1) continue;
    for (let i = firstSourceIsCopy ? 1 : 0; i < count; i++) xorSource.add(target.sources[2 * i]!);
    for (let i = 0; i < count; i++) hot.add(target.sources[2 * i]!);
  }
  hot.delete(TEMP_SLOT);
  xorSource.delete(TEMP_SLOT);
  const stagedSlots = [...xorSource].filter((slot) => (slots[slot]!.byteOffset + bases[slot]!) % alignment !== 0);
  const pieces = 8 * (hot.size + stagedSlots.length) + tempPackets;
  const fitting = Math.floor(geometry.workingSetBytes / pieces / 64) * 64;
  const stripBytes = Math.min(packetBytes, Math.max(geometry.minBytes, Math.min(geometry.maxBytes, fitting)));
  const stagingIndex = new Map(stagedSlots.map((slot, index) => [slot, index]));
  const scratch = slots.length;
  const tempOffset = (packet: number): number => (stagedSlots.length * 8 + packet) * stripBytes;
  const ops = {
    kinds: new Uint8Array(opCount),
    sourceBuffer: new Int32Array(opCount),
    sourceOffset: new Float64Array(opCount),
    sourceMoves: new Uint8Array(opCount),
    targetBuffer: new Int32Array(opCount),
    targetOffset: new Float64Array(opCount),
    targetMoves: new Uint8Array(opCount),
  };
  const targetFirstOp = new Int32Array(targets.length);
  const targetOps = new Int32Array(targets.length);
  let op = 0;
  targets.forEach((target, t) => {
    const count = target.sources.length >>> 1;
    targetFirstOp[t] = op;
    targetOps[t] = count;
    const toTemp = target.slot === TEMP_SLOT;
    const to = toTemp
      ? tempOffset(target.packet)
      : target.packet * packetBytes + (absoluteOffsets ? bases[target.slot]! : 0);
    for (let i = 0; i < count; i++, op++) {
      const slot = target.sources[2 * i]!;
      const packet = target.sources[2 * i + 1]!;
      const staged = count > 1 && (i > 0 || !firstSourceIsCopy) ? stagingIndex.get(slot) : undefined;
      ops.kinds[op] = i === 0 && (count === 1 || firstSourceIsCopy) ? 0 : 1;
      if (slot === TEMP_SLOT) {
        ops.sourceBuffer[op] = scratch;
        ops.sourceOffset[op] = tempOffset(packet);
        ops.sourceMoves[op] = 0;
      } else if (staged === undefined) {
        ops.sourceBuffer[op] = slot;
        ops.sourceOffset[op] = packet * packetBytes + (absoluteOffsets ? bases[slot]! : 0);
        ops.sourceMoves[op] = 1;
      } else {
        ops.sourceBuffer[op] = scratch;
        ops.sourceOffset[op] = (staged * 8 + packet) * stripBytes;
        ops.sourceMoves[op] = 0;
      }
      ops.targetBuffer[op] = toTemp ? scratch : target.slot;
      ops.targetOffset[op] = to;
      ops.targetMoves[op] = toTemp ? 0 : 1;
    }
  });
  return { stripBytes, stagedSlots, scratchBytes: tempOffset(tempPackets), ops, targetFirstOp, targetOps };
}

/** Parity coefficients: row r, column j (see the module comment for the construction). */
export function parityMatrix(k: number, n: number): number[][] {
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
  return { targets, xorPackets: reads, tempPackets: 0 };
}

/**
 * Schedules targets with common pairs factored out (Paar's greedy algorithm, as used for
 * bit-matrix codes by Huang et al., "On Optimizing XOR-Based Codes for Fault-Tolerant Storage
 * Applications"): while some pair of operands occurs in two or more targets, the most frequent
 * pair (ties: the smallest ids) becomes a temporary computed once, and every target holding both
 * reads the temporary instead. For k = 4, n = 10 this reads about a sixth fewer packets than
 * `schedule`, and writes fewer: the XOR of four packets counts as one copy and three XORs either
 * way, but a pair shared by five targets is computed once. Temporaries live only for one strip
 * (slot TEMP_SLOT, packet = scratch index); the order computes each temporary just before its
 * first reader and reuses a scratch index once its last reader is done, so few are live at once.
 */
function scheduleCommonPairs(raw: readonly RawTarget[]): XorProgram {
  let nextId = 0;
  for (const t of raw) for (const x of t.sources) nextId = Math.max(nextId, x + 1);
  const firstTemp = nextId;
  const operands: Array<readonly [number, number]> = [];
  const sets = raw.map((t) => new Set(t.sources));
  // Pair counts, kept up to date as pairs are replaced, with pairs bucketed by count so the most
  // frequent one is found without a scan of all pairs.
  const PAIR_KEY = 65_536;
  const counts = new Map<number, number>();
  const buckets: Array<Set<number>> = [];
  const keyOf = (a: number, b: number): number => (a < b ? a * PAIR_KEY + b : b * PAIR_KEY + a);
  const adjust = (key: number, by: number): void => {
    const before = counts.get(key) ?? 0;
    const after = before + by;
    buckets[before]?.delete(key);
    if (after === 0) {
      counts.delete(key);
      return;
    }
    counts.set(key, after);
    (buckets[after] ??= new Set()).add(key);
  };
  for (const set of sets) {
    const ids = [...set];
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) adjust(keyOf(ids[i]!, ids[j]!), 1);
  }
  let top = buckets.length - 1;
  for (;;) {
    while (top >= 2 && (buckets[top] === undefined || buckets[top]!.size === 0)) top--;
    if (top < 2) break;
    let best = Infinity;
    for (const key of buckets[top]!) if (key < best) best = key;
    const a = Math.floor(best / PAIR_KEY);
    const b = best % PAIR_KEY;
    const temp = nextId++;
    operands.push([a, b]);
    for (const set of sets) {
      if (!set.has(a) || !set.has(b)) continue;
      set.delete(a);
      set.delete(b);
      adjust(best, -1);
      for (const x of set) {
        adjust(keyOf(a, x), -1);
        adjust(keyOf(b, x), -1);
        adjust(keyOf(temp, x), 1);
      }
      set.add(temp);
    }
  }
  // Emission order: each target after the temporaries it needs (depth first).
  const order: number[] = []; // temp ids and ~target index
  const emitted = new Set<number>();
  const need = (id: number): void => {
    if (id < firstTemp || emitted.has(id)) return;
    const [a, b] = operands[id - firstTemp]!;
    need(a);
    need(b);
    emitted.add(id);
    order.push(id);
  };
  sets.forEach((set, t) => {
    for (const id of [...set].sort((x, y) => x - y)) need(id);
    order.push(~t);
  });
  // Last reader of each temporary, then scratch indices by linear scan.
  const lastUse = new Map<number, number>();
  order.forEach((entry, at) => {
    const reads = entry >= 0 ? operands[entry - firstTemp]! : [...sets[~entry]!];
    for (const id of reads) if (id >= firstTemp) lastUse.set(id, at);
  });
  const scratchOf = new Map<number, number>();
  const free: number[] = [];
  let tempPackets = 0;
  const pairOf = (id: number): [number, number] =>
    id < firstTemp ? [id >> 3, id & 7] : [TEMP_SLOT, scratchOf.get(id)!];
  const targets: XorTarget[] = [];
  let reads = 0;
  order.forEach((entry, at) => {
    const ids = entry >= 0 ? operands[entry - firstTemp]! : [...sets[~entry]!].sort((x, y) => x - y);
    const sources = Int32Array.from(ids.flatMap(pairOf));
    reads += ids.length;
    if (entry >= 0) {
      // Allocated before the operands are released: a target never overwrites its own source.
      const index = free.length > 0 ? free.pop()! : tempPackets++;
      scratchOf.set(entry, index);
      targets.push({ slot: TEMP_SLOT, packet: index, sources });
    } else {
      const target = raw[~entry]!;
      targets.push({ slot: target.slot, packet: target.packet, sources });
    }
    for (const id of ids) if (id >= firstTemp && lastUse.get(id) === at) free.push(scratchOf.get(id)!);
  });
  return { targets, xorPackets: reads, tempPackets };
}

/**
 * Cache traffic of a program in packet reads and writes: a target's first source is a copy (one
 * read, one write), each further source an XOR into it (two reads, one write).
 */
function memoryOps(program: XorProgram): number {
  const targets = program.targets.length;
  return 2 * targets + 3 * (program.xorPackets - targets);
}

/** Slots: 0..k-1 data fragments, k..n-1 parity fragments. */
export function encodeProgram(k: number, n: number, parity: readonly (readonly number[])[] = parityMatrix(k, n)): XorProgram {
  const dataSlots = Array.from({ length: k }, (_, j) => j);
  const raw = parity.flatMap((row, r) => linearCombination(k + r, row, dataSlots));
  return [schedule(raw), scheduleCommonPairs(raw)].reduce((a, b) => (memoryOps(b) < memoryOps(a) ? b : a));
}

export interface DecodePlan {
  /** The k fragments read, ascending (data fragments preferred: they need no arithmetic). */
  readonly chosen: readonly number[];
  /** Data shards to rebuild; output slot k + t rebuilds shard missing[t]. */
  readonly missing: readonly number[];
  /** Slots 0..k-1 = chosen fragments; slot k + t = rebuilt data shard missing[t]. */
  readonly program: XorProgram;
}

const DECODE_PLAN_CACHE_LIMIT = 4096;

/**
 * How many of the fragments `decode` uses are parity: it uses every data fragment present
 * (index < k, they need no arithmetic) and makes up the rest with the lowest-indexed parity
 * fragments present, whatever else it is given.
 */
export function parityFragmentsUsed(fragments: ReadonlyArray<Uint8Array | undefined>, k: number): number {
  let data = 0;
  for (let i = 0; i < k && i < fragments.length; i++) if (fragments[i] !== undefined) data++;
  return k - data;
}

/** The k fragments a decode reads, ascending: every data fragment present, then the lowest parity ones. */
function chooseFragments(present: readonly number[], k: number): number[] {
  const data = present.filter((i) => i < k);
  return data.concat(present.filter((i) => i >= k).slice(0, k - data.length));
}

/** The plan that rebuilds the data shards missing from `chosen`; `parityOf` is called only if one is. */
function planDecode(chosen: readonly number[], k: number, parityOf: () => readonly (readonly number[])[]): DecodePlan {
  const missing: number[] = [];
  for (let j = 0; j < k; j++) if (!chosen.includes(j)) missing.push(j);
  let program: XorProgram = { targets: [], xorPackets: 0, tempPackets: 0 };
  if (missing.length > 0) {
    const parity = parityOf();
    // Row of the generator matrix [I; C] for each chosen fragment.
    const generator = chosen.map((i) =>
      i < k ? Array.from({ length: k }, (_, j) => (j === i ? 1 : 0)) : parity[i - k]!.slice(),
    );
    const inverse = gfInvertMatrix(generator);
    const sourceSlots = chosen.map((_, i) => i);
    program = schedule(missing.flatMap((j, t) => linearCombination(k + t, inverse[j]!, sourceSlots)));
  }
  return { chosen, missing, program };
}

/** The XOR programs of one codec, built once per (k, n) or set of fragments read. */
export interface ProgramCache {
  encodeProgram(k: number, n: number): XorProgram;
  decodePlan(present: readonly number[], k: number, n: number): DecodePlan;
}

/**
 * A cache of the programs above, one per codec instance: building a program costs far more than
 * running it on a small value, and a run reuses a few (k, n). It lives in the codec rather than in
 * this module so that protocol code holds no module-level state. Decode plans are bounded (one per
 * set of fragments read; a hostile reader could otherwise make many).
 */
export function createProgramCache(): ProgramCache {
  const parityMatrices = new Map<string, readonly (readonly number[])[]>();
  const encodePrograms = new Map<string, XorProgram>();
  const decodePlans = new Map<string, DecodePlan>();
  const parity = (k: number, n: number): readonly (readonly number[])[] => {
    const key = `${k}/${n}`;
    let matrix = parityMatrices.get(key);
    if (matrix === undefined) parityMatrices.set(key, (matrix = parityMatrix(k, n)));
    return matrix;
  };
  return {
    encodeProgram(k, n) {
      const key = `${k}/${n}`;
      let program = encodePrograms.get(key);
      if (program === undefined) encodePrograms.set(key, (program = encodeProgram(k, n, parity(k, n))));
      return program;
    },
    decodePlan(present, k, n) {
      const chosen = chooseFragments(present, k);
      const key = `${k}/${n}/${chosen.join(',')}`;
      let plan = decodePlans.get(key);
      if (plan === undefined) {
        plan = planDecode(chosen, k, () => parity(k, n));
        if (decodePlans.size >= DECODE_PLAN_CACHE_LIMIT) decodePlans.clear();
        decodePlans.set(key, plan);
      }
      return plan;
    },
  };
}
