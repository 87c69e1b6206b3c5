/**
 * @module `quorumbench calibrate`: measure this machine's primitives and write a CostProfile.
 *
 * Every figure is a mean over many calls in one warmed process (calibrate-measure.ts: tinybench,
 * several rounds interleaved, the round with the lowest CPU mean kept), so allocation and garbage
 * collection are in it. The profile is fitted to means on the process's CPU clock (load-robust);
 * the wall-clock mean and the median call are recorded beside them.
 *
 * - Flat terms (hash, hmac, sign, verify, message): timed at a few input sizes; `nsPerByte` is the
 *   slope between the two largest sizes (where the per-byte work dominates) and `nsPerOp` what is
 *   left of the smallest size's time (clamped at 0). `message` is one wire encode plus one decode
 *   of a typical protocol frame (harness/wire/codec.ts) by payload size, per frame and wire byte:
 *   both ends' serialisation charged to the message.
 * - Erasure coding: a grid over (k, n) and value sizes, kept as measured (profile.ts interpolates).
 *   Encode per (k, n, size); decode per (k, n, size, p) for every count p of parity fragments among
 *   the k used, rotating over which data shards are missing and which parity fragments stand in.
 *   The flat `encode`/`decode` terms (for shapes not in the grid) are fitted like the flat terms
 *   from the first shape's encode row and its all-parity decode row.
 * - Beside each encode cell, @ronomon/reed-solomon's own encode at the same (k, m) when it
 *   supports it (m <= 6), for reference; it is not part of the profile.
 */
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import { createCryptoProvider } from '../../protocols/common/crypto/index.ts';
import { createErasureCodec } from '../../protocols/common/erasure/index.ts';
import type { CryptoProvider } from '../../protocols/common/crypto/types.ts';
import type { ErasureCodec } from '../../protocols/common/erasure/types.ts';
import { decodeValue, encodeValue, wireSize } from '../wire/codec.ts';
import type { CodingShape, CostProfile, PrimitiveCost } from './profile.ts';
import { fillerBytes, libraryEncode, measureTasks, type MeasureOptions, type MeasureTask } from './calibrate-measure.ts';
import { DEFAULT_CALIBRATION, type CalibrationOptions } from './calibration-options.ts';
import { writeFileAtomic } from '../results/writer.ts';

export {
  CALIBRATION_SHAPES,
  CALIBRATION_SIZES,
  DEFAULT_CALIBRATION,
  QUICK_MEASURE,
  type CalibrationOptions,
} from './calibration-options.ts';

const KiB = 1024;
const MiB = 1024 * KiB;


/** One measured flat-term point. */
export interface CalibrationPoint {
  readonly primitive: 'hash' | 'hmac' | 'sign' | 'verify' | 'message';
  readonly bytes: number;
  /** Mean CPU time per call, ns (what the profile is fitted to). */
  readonly cpuMeanNs: number;
  /** Mean wall time per call, ns. */
  readonly meanNs: number;
  /** Median call (wall), ns. */
  readonly medianNs: number;
}

/** One measured coding cell. */
export interface CodingPoint {
  readonly op: 'encode' | 'decode';
  readonly k: number;
  readonly n: number;
  readonly bytes: number;
  /** Parity fragments among the k used (decode); 0 for encode. */
  readonly parityFragments: number;
  /** Mean CPU time per call, ns (what the profile holds). */
  readonly cpuMeanNs: number;
  /** Mean wall time per call and median call, ns. */
  readonly meanNs: number;
  readonly medianNs: number;
  /** @ronomon/reed-solomon's own encode at the same (k, m), ns (encode cells it supports). */
  readonly library?: { readonly cpuMeanNs: number; readonly meanNs: number; readonly medianNs: number };
}

export interface MachineDescription {
  readonly host: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly kernel: string;
  readonly node: string;
  readonly glibc: string;
  /** GLIBC_TUNABLES in effect (it changes allocation costs), or '' . */
  readonly glibcTunables: string;
  /** 1, 5, 15-minute load averages when calibration started and ended. */
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
}

/** What calibrate writes: the profile (what the simulator loads) and how it was obtained. */
export interface CalibrationReport {
  readonly profile: CostProfile;
  readonly calibration: {
    readonly measuredAt: string;
    readonly machine: MachineDescription;
    readonly crypto: string;
    readonly erasure: string;
    readonly measure: MeasureOptions;
    readonly points: readonly CalibrationPoint[];
    readonly coding: readonly CodingPoint[];
  };
}

/** Straight line through (smallBytes, smallNs) and (largeBytes, largeNs), slope and intercept clamped at 0. */
export function fitCost(smallBytes: number, smallNs: number, largeBytes: number, largeNs: number): PrimitiveCost {
  if (!(largeBytes > smallBytes)) throw new RangeError(`fitCost: largeBytes ${largeBytes} must exceed smallBytes ${smallBytes}`);
  const slope = Math.max(0, (largeNs - smallNs) / (largeBytes - smallBytes));
  const intercept = Math.max(0, smallNs - slope * smallBytes);
  return { nsPerOp: Math.round(intercept), nsPerByte: Number(slope.toPrecision(3)) };
}

/**
 * Flat term from points at three or more sizes: per-byte slope between the two largest sizes,
 * per-call part what is left at the smallest size (both clamped at 0). With two points it is the
 * line through them.
 */
export function fitFlat(points: ReadonlyArray<{ readonly bytes: number; readonly ns: number }>): PrimitiveCost {
  const sorted = [...points].sort((a, b) => a.bytes - b.bytes);
  if (sorted.length < 2) throw new RangeError(`fitFlat: need at least 2 points, got ${sorted.length}`);
  const [small, below, top] = [sorted[0]!, sorted[sorted.length - 2]!, sorted[sorted.length - 1]!];
  const { nsPerByte } = fitCost(below.bytes, below.ns, top.bytes, top.ns);
  return { nsPerOp: Math.max(0, Math.round(small.ns - nsPerByte * small.bytes)), nsPerByte };
}

/** A typical protocol frame: routing fields, a timestamp, and an optional payload. */
export function typicalFrame(payloadBytes: number): unknown {
  return {
    kind: 'write',
    from: 'c1',
    to: 's3',
    op: 123_456,
    register: 'k17',
    ts: { num: 42, writer: 'c1' },
    payload: fillerBytes(payloadBytes, 7),
  };
}

/**
 * Up to `limit` choices of k fragments out of n with exactly `parity` parity fragments: data shard
 * `(r + i) mod k` is missing for i < parity and parity fragments `k + (r + i) mod (n − k)` stand in,
 * for r = 0, 1, …, so the missing shards and the parity used rotate.
 */
export function subsetsWithParity(k: number, n: number, parity: number, limit: number): number[][] {
  const m = n - k;
  if (parity < 0 || parity > Math.min(k, m)) throw new RangeError(`subsetsWithParity: parity ${parity} outside 0..${Math.min(k, m)}`);
  const seen = new Set<string>();
  const out: number[][] = [];
  for (let r = 0; r < Math.max(k, m) && out.length < limit; r++) {
    const missing = new Set(Array.from({ length: parity }, (_, i) => (r + i) % k));
    const chosen = [
      ...Array.from({ length: k }, (_, j) => j).filter((j) => !missing.has(j)),
      ...Array.from({ length: parity }, (_, i) => k + ((r + i) % m)),
    ].sort((a, b) => a - b);
    const key = chosen.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(chosen);
  }
  return out;
}

function describeMachine(start: readonly number[]): MachineDescription {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return {
    host: hostname(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    kernel: release(),
    node: process.version,
    glibc: header?.glibcVersionRuntime ?? 'unknown',
    glibcTunables: process.env['GLIBC_TUNABLES'] ?? '',
    loadAverageStart: start,
    loadAverageEnd: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

interface Timing {
  readonly cpuMeanNs: number;
  readonly meanNs: number;
  readonly medianNs: number;
}

const rounded = (m: Timing): Timing => ({
  cpuMeanNs: Math.round(m.cpuMeanNs),
  meanNs: Math.round(m.meanNs),
  medianNs: Math.round(m.medianNs),
});

interface PlannedTask extends MeasureTask {
  readonly record: (timing: Timing) => void;
}

export interface CalibrationProgress {
  readonly done: number;
  readonly total: number;
  readonly group: string;
}

export async function calibrate(
  options: CalibrationOptions = DEFAULT_CALIBRATION,
  onProgress?: (progress: CalibrationProgress) => void,
): Promise<CalibrationReport> {
  const loadStart = loadavg().map((l) => Number(l.toFixed(2)));
  const crypto = createCryptoProvider(options.crypto);
  const codec = createErasureCodec(options.erasure);
  const points: CalibrationPoint[] = [];
  const cells = new Map<string, Timing>();
  const groups = [{ name: 'hash, hmac, sign, verify, message', tasks: flatTasks(crypto, points) }, ...codingGroups(codec, options, cells)];
  await measureGroups(groups, options.measure, onProgress);
  const { shapes, coding } = codingResults(options, cells);
  return {
    profile: fitProfile(options, points, shapes),
    calibration: {
      measuredAt: new Date().toISOString(),
      machine: describeMachine(loadStart),
      crypto: crypto.name,
      erasure: codec.name,
      measure: options.measure,
      points,
      coding,
    },
  };
}

/** The flat terms' tasks: each records its point into `points` when measured. */
function flatTasks(crypto: CryptoProvider, points: CalibrationPoint[]): PlannedTask[] {
  const flat: PlannedTask[] = [];
  const flatPoint = (primitive: CalibrationPoint['primitive'], bytes: number, fn: () => unknown): void => {
    flat.push({
      name: `${primitive}/${bytes}`,
      fn,
      record: (timing) => points.push({ primitive, bytes, ...rounded(timing) }),
    });
  };
  const key = fillerBytes(32, 1);
  for (const bytes of [64, KiB, 64 * KiB, MiB]) {
    const data = fillerBytes(bytes);
    flatPoint('hash', bytes, () => crypto.sha256(data));
    flatPoint('hmac', bytes, () => crypto.hmacSha256(key, data));
  }
  const seed = fillerBytes(32, 2);
  const { publicKey } = crypto.ed25519KeyPair(seed);
  for (const bytes of [64, KiB, 64 * KiB]) {
    const message = fillerBytes(bytes, 3);
    const signature = crypto.ed25519Sign(seed, message);
    flatPoint('sign', bytes, () => crypto.ed25519Sign(seed, message));
    flatPoint('verify', bytes, () => {
      if (!crypto.ed25519Verify(publicKey, message, signature)) throw new Error('calibrate: verify failed');
    });
  }
  for (const payload of [0, KiB, 64 * KiB, MiB]) {
    const frame = typicalFrame(payload);
    flatPoint('message', wireSize(frame), () => decodeValue(encodeValue(frame)));
  }
  return flat;
}

const cellKey = (op: string, k: number, n: number, bytes: number, parity: number): string => `${op}/${k}/${n}/${bytes}/${parity}`;

/**
 * The coding grid's tasks, one group per size with every shape of that size interleaved round by
 * round (cells of one size then share the allocator's state); each records its cell into `cells`.
 * Every decode path is checked against the value before it is timed.
 */
function codingGroups(codec: ErasureCodec, options: CalibrationOptions, cells: Map<string, Timing>): Array<{ name: string; tasks: PlannedTask[] }> {
  const groups: Array<{ name: string; tasks: PlannedTask[] }> = [];
  for (const bytes of options.sizesBytes) {
    const tasks: PlannedTask[] = [];
    const remember = (id: string) => (timing: Timing) => cells.set(id, rounded(timing));
    for (const [k, n] of options.shapes) {
      const value = fillerBytes(bytes, k * 31 + n);
      const fragments = codec.encode(value, k, n);
      tasks.push({ name: `encode k=${k} n=${n} ${bytes} B`, fn: () => codec.encode(value, k, n), record: remember(cellKey('encode', k, n, bytes, 0)) });
      const library = libraryEncode(value, k, n);
      if (library !== undefined) {
        tasks.push({ name: `library encode k=${k} n=${n} ${bytes} B`, fn: library, record: remember(cellKey('library', k, n, bytes, 0)) });
      }
      for (let parity = 0; parity <= Math.min(k, n - k); parity++) {
        const views = subsetsWithParity(k, n, parity, 4).map((keep) => fragments.map((f, i) => (keep.includes(i) ? f : undefined)));
        for (const view of views) {
          if (!Buffer.from(codec.decode(view, k, n)).equals(Buffer.from(value))) {
            throw new Error(`calibrate: decode mismatch k=${k} n=${n} ${bytes} B parity ${parity}`);
          }
        }
        let turn = 0;
        tasks.push({
          name: `decode k=${k} n=${n} ${bytes} B parity ${parity}`,
          fn: () => codec.decode(views[turn++ % views.length]!, k, n),
          record: remember(cellKey('decode', k, n, bytes, parity)),
        });
      }
    }
    groups.push({ name: `coding ${bytes} B`, tasks });
  }
  return groups;
}

/** Measures the groups in order, recording each task's timing, with progress per group. */
async function measureGroups(
  groups: ReadonlyArray<{ name: string; tasks: PlannedTask[] }>,
  measure: MeasureOptions,
  onProgress: ((progress: CalibrationProgress) => void) | undefined,
): Promise<void> {
  const total = groups.reduce((sum, g) => sum + g.tasks.length, 0);
  let done = 0;
  for (const group of groups) {
    onProgress?.({ done, total, group: group.name });
    const measured = await measureTasks(group.tasks, measure);
    measured.forEach((m, i) => group.tasks[i]!.record(m));
    done += group.tasks.length;
  }
  onProgress?.({ done, total, group: 'done' });
}

/** The measured cells as the profile's grid (`shapes`) and as the report's list of points (`coding`). */
function codingResults(options: CalibrationOptions, cells: ReadonlyMap<string, Timing>): { shapes: CodingShape[]; coding: CodingPoint[] } {
  const shapes: CodingShape[] = options.shapes.map(([k, n]) => ({
    k,
    n,
    encodeNs: options.sizesBytes.map((bytes) => cells.get(cellKey('encode', k, n, bytes, 0))!.cpuMeanNs),
    decodeNs: Array.from({ length: Math.min(k, n - k) + 1 }, (_, parity) =>
      options.sizesBytes.map((bytes) => cells.get(cellKey('decode', k, n, bytes, parity))!.cpuMeanNs),
    ),
  }));
  const coding: CodingPoint[] = [];
  for (const [k, n] of options.shapes) {
    for (const bytes of options.sizesBytes) {
      for (let parity = 0; parity <= Math.min(k, n - k); parity++) {
        coding.push({ op: 'decode', k, n, bytes, parityFragments: parity, ...cells.get(cellKey('decode', k, n, bytes, parity))! });
      }
      const library = cells.get(cellKey('library', k, n, bytes, 0));
      coding.push({
        op: 'encode',
        k,
        n,
        bytes,
        parityFragments: 0,
        ...cells.get(cellKey('encode', k, n, bytes, 0))!,
        ...(library === undefined ? {} : { library }),
      });
    }
  }
  return { shapes, coding };
}

/** The profile: flat terms fitted to the points, the coding grid as measured (flat coding terms from its first shape). */
function fitProfile(options: CalibrationOptions, points: readonly CalibrationPoint[], shapes: readonly CodingShape[]): CostProfile {
  const fitOf = (primitive: CalibrationPoint['primitive']): PrimitiveCost =>
    fitFlat(points.filter((p) => p.primitive === primitive).map((p) => ({ bytes: p.bytes, ns: p.cpuMeanNs })));
  const first = shapes[0];
  const rowFit = (row: readonly number[]): PrimitiveCost => fitFlat(options.sizesBytes.map((bytes, i) => ({ bytes, ns: row[i]! })));
  return {
    name: options.name,
    hash: fitOf('hash'),
    hmac: fitOf('hmac'),
    sign: fitOf('sign'),
    verify: fitOf('verify'),
    encode: first === undefined ? { nsPerOp: 0, nsPerByte: 0 } : rowFit(first.encodeNs),
    decode: first === undefined ? { nsPerOp: 0, nsPerByte: 0 } : rowFit(first.decodeNs[first.decodeNs.length - 1]!),
    message: fitOf('message'),
    ...(shapes.length > 0 ? { coding: { sizesBytes: [...options.sizesBytes], shapes: [...shapes] } } : {}),
  };
}

/** Writes JSON via a temp file in the same directory and a rename (never a half-written file). */
export function writeJsonAtomic(path: string, data: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`);
}
