/**
 * @module Timing helpers shared by `quorumbench calibrate` and `npm run bench:primitives`.
 *
 * The figure is a mean: total time over many calls in one warmed process, so the allocation and
 * garbage collection that large values cost are in it (a median call leaves them out). It is kept
 * on two clocks: wall time (tinybench's mean call) and the process's CPU time (user + system, all
 * threads, over the same calls). On an idle machine the two agree for our single-threaded calls
 * (CPU time also counts garbage-collector and threadpool threads working beside the caller). On a
 * shared machine the wall clock also counts the time other processes held the CPU, so the CPU
 * clock is the one profiles are fitted to. On top of that, each task is measured in several rounds,
 * interleaved with the other tasks of the same call, and the round with the lowest CPU mean is
 * reported: a burst of load inflates one round, not all of them, while every round still contains
 * its own share of allocation, page faults and collection. The median call is kept beside. Calls
 * shorter than about 50 µs are batched, several per tinybench sample, so that tinybench's own
 * per-sample work does not count on the CPU clock.
 */
import { createRequire } from 'node:module';
import { Bench } from 'tinybench';
import { shardBytes } from '../../protocols/common/erasure/layout.ts';

export interface MeasureOptions {
  /** Minimum measuring time per task and round, ms. */
  readonly timeMs: number;
  /** Minimum calls per task and round (slow tasks stop here even before timeMs). */
  readonly iterations: number;
  /** Rounds per task; the round with the lowest CPU mean is reported. @default 1 */
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
  /** Mean wall time per call of the best round, ns: that round's total wall time over its calls. */
  readonly meanNs: number;
  /** Mean CPU time per call of the best round, ns: the process's CPU time over those calls. */
  readonly cpuMeanNs: number;
  /** Median call of the best round, ns (of a batch's calls, for calls batched per sample). */
  readonly medianNs: number;
  /** Fastest call of the best round, ns (likewise). */
  readonly minNs: number;
  /** Calls in the best round. */
  readonly calls: number;
  /** CPU mean of every round, ns, in the order measured. */
  readonly roundCpuMeansNs: readonly number[];
}

interface Round {
  readonly meanNs: number;
  readonly cpuMeanNs: number;
  readonly medianNs: number;
  readonly minNs: number;
  readonly calls: number;
}

/**
 * Calls per tinybench sample are batched so that one sample lasts at least this long: tinybench
 * spends about 1–3 µs of CPU per sample outside the timed call (an await, two clock reads, the
 * sample's bookkeeping), which the wall-clock figure leaves out but the process's CPU clock counts.
 * Measured here with a no-op task: 0.19 µs per call on the wall clock, 2.5 µs on the CPU clock.
 * At 50 µs per sample that overhead is a few per cent of a sample at most.
 */
const SAMPLE_TARGET_NS = 50_000;

interface WarmedUp {
  /** Wall time per call during the warm-up, ns. */
  readonly callNs: number;
  /** Whether `fn` returns a promise (it is then awaited per call). */
  readonly async: boolean;
}

/** Calls `fn` for at least `ms` and `calls` calls (tinybench's own warm-up would fall inside the CPU clock). */
async function warmUp(fn: () => unknown, ms: number, calls: number): Promise<WarmedUp> {
  const started = performance.now();
  const until = started + ms;
  let async = false;
  let i = 0;
  for (; i < calls || performance.now() < until; i++) {
    const result = fn();
    if (result instanceof Promise) {
      async = true;
      await result;
    }
  }
  return { callNs: ((performance.now() - started) * 1e6) / i, async };
}

/** `fn` called `times` times per call (awaited in turn when asynchronous). */
function batched(fn: () => unknown, times: number, async: boolean): () => unknown {
  if (times === 1) return fn;
  if (async) {
    return async () => {
      for (let i = 0; i < times; i++) await fn();
    };
  }
  return () => {
    for (let i = 0; i < times; i++) fn();
  };
}

async function measureRound(task: MeasureTask, options: MeasureOptions): Promise<Round> {
  const warm = await warmUp(task.fn, Math.min(50, options.timeMs), 2);
  const batch = Math.max(1, Math.ceil(SAMPLE_TARGET_NS / Math.max(1, warm.callNs)));
  const bench = new Bench({ time: options.timeMs, iterations: options.iterations, warmup: false, throws: true });
  // The CPU clock is read around the sample loop only (tinybench's hooks), not around the
  // statistics it computes afterwards.
  let cpuBefore: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  bench.add(task.name, batched(task.fn, batch, warm.async), {
    beforeAll: () => {
      cpuBefore = process.cpuUsage();
    },
    afterAll: () => {
      cpu = process.cpuUsage(cpuBefore);
    },
  });
  await bench.run();
  const result = bench.tasks[0]?.result;
  const latency = result !== undefined && 'latency' in result ? result.latency : undefined;
  if (latency === undefined || cpu === undefined || !Number.isFinite(latency.mean) || latency.samples.length === 0) {
    throw new Error(`measure ${task.name}: no timing result`);
  }
  const calls = latency.samples.length * batch;
  return {
    meanNs: (latency.mean * 1e6) / batch,
    cpuMeanNs: ((cpu.user + cpu.system) * 1e3) / calls,
    medianNs: ((latency.p50 ?? latency.mean) * 1e6) / batch,
    minNs: (latency.min * 1e6) / batch,
    calls,
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
    const best = all.reduce((a, b) => (b.cpuMeanNs < a.cpuMeanNs ? b : a));
    return { name: task.name, ...best, roundCpuMeansNs: all.map((round) => round.cpuMeanNs) };
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
