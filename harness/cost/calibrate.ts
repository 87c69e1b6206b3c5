/**
 * @module `quorumbench calibrate`: measure this machine's primitives and fit a CostProfile.
 *
 * Each primitive is timed (tinybench mean over many calls, harness/cost/calibrate-measure.ts) at a small and a large input, and the straight line
 * through the two points gives nsPerOp (intercept) and nsPerByte (slope); a negative intercept from
 * timing noise is clamped to 0. Erasure costs are per byte of the value, at the given (k, n);
 * decoding is averaged over a rotation of k-subsets (a reader decodes from whichever k servers
 * answer first, so sometimes all data fragments and sometimes none). `message` is one wire
 * encode plus one decode of a typical protocol frame (harness/wire/codec.ts), per frame and per
 * wire byte: both ends' serialisation charged to the message.
 */
import { cpus, hostname } from 'node:os';
import { createCryptoProvider, type CryptoProviderName } from '../../protocols/common/crypto/index.ts';
import { createErasureCodec, type ErasurePreference } from '../../protocols/common/erasure/index.ts';
import { decodeValue, encodeValue, wireSize } from '../wire/codec.ts';
import type { CostProfile, Primitive, PrimitiveCost } from './profile.ts';
import { fillerBytes, measureTasks, type MeasureOptions } from './calibrate-measure.ts';
import { writeFileAtomic } from '../results/writer.ts';

export interface CalibrationOptions {
  readonly crypto: CryptoProviderName;
  readonly erasure: ErasurePreference;
  readonly k: number;
  readonly n: number;
  readonly measure: MeasureOptions;
}

export const DEFAULT_CALIBRATION: CalibrationOptions = {
  crypto: 'node',
  erasure: 'auto',
  k: 2,
  n: 4,
  measure: { timeMs: 300, iterations: 10 },
};

export interface CalibrationPoint {
  readonly primitive: Primitive;
  readonly bytes: number;
  /** Mean time per call, ns (what the profile is fitted to). */
  readonly meanNs: number;
  /** Median call, ns, for comparison. */
  readonly medianNs: number;
}

/** What calibrate writes: the profile (what the simulator loads) and how it was obtained. */
export interface CalibrationReport {
  readonly profile: CostProfile;
  readonly calibration: {
    readonly measuredAt: string;
    readonly host: string;
    readonly cpu: string;
    readonly cores: number;
    readonly node: string;
    readonly crypto: string;
    readonly erasure: string;
    readonly k: number;
    readonly n: number;
    readonly points: readonly CalibrationPoint[];
  };
}

/** Straight line through (smallBytes, smallNs) and (largeBytes, largeNs), rounded for reading. */
export function fitCost(smallBytes: number, smallNs: number, largeBytes: number, largeNs: number): PrimitiveCost {
  if (!(largeBytes > smallBytes)) throw new RangeError(`fitCost: largeBytes ${largeBytes} must exceed smallBytes ${smallBytes}`);
  const slope = Math.max(0, (largeNs - smallNs) / (largeBytes - smallBytes));
  const intercept = Math.max(0, smallNs - slope * smallBytes);
  return { nsPerOp: Math.round(intercept), nsPerByte: Number(slope.toPrecision(3)) };
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

export async function calibrate(options: CalibrationOptions = DEFAULT_CALIBRATION): Promise<CalibrationReport> {
  const crypto = createCryptoProvider(options.crypto);
  const codec = createErasureCodec(options.erasure);
  const { k, n } = options;
  const small = 64;
  const large = 1 << 20;
  const points: CalibrationPoint[] = [];
  const tasks: Array<{ primitive: Primitive; bytes: number; fn: () => unknown }> = [];

  for (const bytes of [small, large]) {
    const data = fillerBytes(bytes);
    const key = fillerBytes(32, 1);
    tasks.push({ primitive: 'hash', bytes, fn: () => crypto.sha256(data) });
    tasks.push({ primitive: 'hmac', bytes, fn: () => crypto.hmacSha256(key, data) });
  }
  const seed = fillerBytes(32, 2);
  const { publicKey } = crypto.ed25519KeyPair(seed);
  for (const bytes of [small, 64 * 1024]) {
    const message = fillerBytes(bytes, 3);
    const signature = crypto.ed25519Sign(seed, message);
    tasks.push({ primitive: 'sign', bytes, fn: () => crypto.ed25519Sign(seed, message) });
    tasks.push({
      primitive: 'verify',
      bytes,
      fn: () => {
        if (!crypto.ed25519Verify(publicKey, message, signature)) throw new Error('calibrate: verify failed');
      },
    });
  }
  const subsets = rotatingSubsets(k, n, 16);
  for (const bytes of [4096, large]) {
    const value = fillerBytes(bytes, 4);
    const fragments = codec.encode(value, k, n);
    const views = subsets.map((keep) => fragments.map((f, i) => (keep.includes(i) ? f : undefined)));
    let turn = 0;
    tasks.push({ primitive: 'encode', bytes, fn: () => codec.encode(value, k, n) });
    tasks.push({ primitive: 'decode', bytes, fn: () => codec.decode(views[turn++ % views.length]!, k, n) });
  }
  for (const payload of [0, 64 * 1024]) {
    const frame = typicalFrame(payload);
    tasks.push({ primitive: 'message', bytes: wireSize(frame), fn: () => decodeValue(encodeValue(frame)) });
  }

  const measured = await measureTasks(
    tasks.map((t) => ({ name: `${t.primitive}/${t.bytes}`, fn: t.fn })),
    options.measure,
  );
  tasks.forEach((t, i) =>
    points.push({
      primitive: t.primitive,
      bytes: t.bytes,
      meanNs: Math.round(measured[i]!.meanNs),
      medianNs: Math.round(measured[i]!.medianNs),
    }),
  );

  const fit = (primitive: Primitive): PrimitiveCost => {
    const [a, b] = points.filter((p) => p.primitive === primitive);
    if (a === undefined || b === undefined) throw new Error(`calibrate: missing points for ${primitive}`);
    return fitCost(a.bytes, a.meanNs, b.bytes, b.meanNs);
  };
  const profile: CostProfile = {
    name: 'calibrated',
    hash: fit('hash'),
    hmac: fit('hmac'),
    sign: fit('sign'),
    verify: fit('verify'),
    encode: fit('encode'),
    decode: fit('decode'),
    message: fit('message'),
  };
  return {
    profile,
    calibration: {
      measuredAt: new Date().toISOString(),
      host: hostname(),
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      crypto: crypto.name,
      erasure: codec.name,
      k,
      n,
      points,
    },
  };
}

/** Up to `limit` k-subsets of 0..n-1, spread evenly over all of them (deterministic). */
export function rotatingSubsets(k: number, n: number, limit: number): number[][] {
  const all: number[][] = [];
  const walk = (start: number, chosen: number[]): void => {
    if (chosen.length === k) {
      all.push(chosen.slice());
      return;
    }
    for (let i = start; i <= n - (k - chosen.length); i++) {
      chosen.push(i);
      walk(i + 1, chosen);
      chosen.pop();
      if (all.length > 10_000) return;
    }
  };
  walk(0, []);
  if (all.length <= limit) return all;
  const step = all.length / limit;
  return Array.from({ length: limit }, (_, i) => all[Math.floor(i * step)]!);
}

/** Writes JSON via a temp file in the same directory and a rename (never a half-written file). */
export function writeJsonAtomic(path: string, data: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`);
}
