/**
 * @module Timing helpers shared by `quorumbench calibrate` and `npm run bench:primitives`:
 * tinybench, reporting the median latency (robust to the other processes sharing a small machine).
 */
import { Bench } from 'tinybench';

export interface MeasureOptions {
  /** Minimum measuring time per task, ms. */
  readonly timeMs: number;
  /** Minimum iterations per task (slow tasks stop here even before timeMs). */
  readonly iterations: number;
}

export const QUICK: MeasureOptions = { timeMs: 150, iterations: 5 };

export interface Measured {
  readonly name: string;
  /** Median latency of one call, ns. */
  readonly medianNs: number;
  /** Fastest call, ns: what the code can do when the machine is not busy with anything else. */
  readonly minNs: number;
  readonly samples: number;
}

/** Runs each task with tinybench and returns its median latency; tasks must be synchronous. */
export async function measureTasks(
  tasks: ReadonlyArray<{ name: string; fn: () => unknown }>,
  options: MeasureOptions,
): Promise<Measured[]> {
  const out: Measured[] = [];
  // One Bench per task: a task that fails is reported by name rather than silently dropped.
  for (const task of tasks) {
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
    const median = latency?.p50 ?? latency?.mean;
    if (latency === undefined || median === undefined || !Number.isFinite(median)) {
      throw new Error(`measure ${task.name}: no timing result`);
    }
    out.push({ name: task.name, medianNs: median * 1e6, minNs: latency.min * 1e6, samples: latency.samples?.length ?? 0 });
  }
  return out;
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
