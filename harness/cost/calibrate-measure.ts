/**
 * @module Timing helpers shared by `quorumbench calibrate` and `npm run bench:primitives`.
 *
 * The figure is the mean: total time over many calls in one warmed process, so the allocation and
 * garbage collection that large values cost are in it (a median call leaves them out). The median
 * call is kept beside it. On a shared machine, each task is measured in several rounds, interleaved
 * with the other tasks of the same call, and the round with the lowest mean is reported: a burst of
 * load from another process inflates one round, not all of them, while every round still contains
 * its own share of allocation and collection.
 */
import { createRequire } from 'node:module';
import { Bench } from 'tinybench';
import { shardBytes } from '../../protocols/common/erasure/layout.ts';

export interface MeasureOptions {
  /** Minimum measuring time per task and round, ms. */
  readonly timeMs: number;
  /** Minimum calls per task and round (slow tasks stop here even before timeMs). */
  readonly iterations: number;
  /** Rounds per task; the round with the lowest mean is reported. @default 1 */
  readonly rounds?: number;
}

export const QUICK: MeasureOptions = { timeMs: 150, iterations: 5, rounds: 1 };

export interface MeasureTask {
  readonly name: string;
  /** The call measured; a promise is awaited (its time counts). */
  readonly fn: () => unknown;
}

export interface Measured {
  readonly name: string;
  /** Mean time per call of the best round, ns: that round's total time over its calls. */
  readonly meanNs: number;
  /** Median call of the best round, ns. */
  readonly medianNs: number;
  /** Fastest call of the best round, ns. */
  readonly minNs: number;
  /** Calls in the best round. */
  readonly calls: number;
  /** Mean of every round, ns, in the order measured. */
  readonly roundMeansNs: readonly number[];
}

interface Round {
  readonly meanNs: number;
  readonly medianNs: number;
  readonly minNs: number;
  readonly calls: number;
}

async function measureRound(task: MeasureTask, options: MeasureOptions): Promise<Round> {
  const bench = new Bench({
    time: options.timeMs,
    iterations: options.iterations,
    warmupTime: Math.min(50, options.timeMs),
    warmupIterations: 2,
    throws: true,
  });
  bench.add(task.name, task.fn);
  await bench.run();
  const result = bench.tasks[0]?.result;
  const latency = result !== undefined && 'latency' in result ? result.latency : undefined;
  if (latency === undefined || !Number.isFinite(latency.mean) || latency.samples.length === 0) {
    throw new Error(`measure ${task.name}: no timing result`);
  }
  return {
    meanNs: latency.mean * 1e6,
    medianNs: (latency.p50 ?? latency.mean) * 1e6,
    minNs: latency.min * 1e6,
    calls: latency.samples.length,
  };
}

/**
 * Measures every task in `options.rounds` rounds (round r of every task before round r + 1 of
 * any), each round with tinybench. One Bench per task and round: a task that fails is reported
 * by name rather than silently dropped.
 */
export async function measureTasks(tasks: readonly MeasureTask[], options: MeasureOptions): Promise<Measured[]> {
  const rounds = options.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`measure rounds: expected an integer >= 1, got ${rounds}`);
  const perTask: Round[][] = tasks.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, task] of tasks.entries()) perTask[i]!.push(await measureRound(task, options));
  }
  return tasks.map((task, i) => {
    const all = perTask[i]!;
    const best = all.reduce((a, b) => (b.meanNs < a.meanNs ? b : a));
    return { name: task.name, ...best, roundMeansNs: all.map((round) => round.meanNs) };
  });
}

/** Deterministic filler bytes (xorshift32) so runs measure the same inputs. */
export function fillerBytes(count: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(count);
  const words = new Uint32Array(out.buffer, 0, count >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < count; i++) out[i] = i & 0xff;
  return out;
}

interface ReedSolomonLibrary {
  readonly MAX_K: number;
  readonly MAX_M: number;
  create(k: number, m: number): unknown;
  encode(
    context: unknown, sources: number, targets: number,
    buffer: Buffer, bufferOffset: number, bufferSize: number,
    parity: Buffer, parityOffset: number, paritySize: number,
    end: (error?: Error) => void,
  ): void;
}

/**
 * @ronomon/reed-solomon's own (asynchronous, libuv threadpool) `encode` of `value` at (k, m = n − k)
 * with our shard size, on buffers allocated once, as its README shows: the reference our native
 * codec is compared with. Undefined when the library is absent or does not support (k, m).
 */
export function libraryEncode(value: Uint8Array, k: number, n: number): (() => Promise<void>) | undefined {
  let library: ReedSolomonLibrary;
  try {
    library = createRequire(import.meta.url)('@ronomon/reed-solomon') as ReedSolomonLibrary;
  } catch {
    return undefined;
  }
  const m = n - k;
  if (k > library.MAX_K || m < 1 || m > library.MAX_M) return undefined;
  const s = shardBytes(value.length, k);
  const context = library.create(k, m);
  const data = Buffer.alloc(s * k);
  data.set(value);
  const parity = Buffer.alloc(s * m);
  let sources = 0;
  for (let i = 0; i < k; i++) sources |= 1 << i;
  let targets = 0;
  for (let i = k; i < n; i++) targets |= 1 << i;
  return () =>
    new Promise<void>((done, fail) => {
      library.encode(context, sources, targets, data, 0, s * k, parity, 0, s * m, (error) => (error ? fail(error) : done()));
    });
}
