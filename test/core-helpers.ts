/**
 * Helpers for the core tests (not a test file itself: no `.test.ts` suffix).
 */
import { parseConfig } from '../harness/config/index.ts';
import { resolveExperiment } from '../harness/config/resolve.ts';
import type { ResolvedRun } from '../harness/config/resolve.ts';
import type { AnyProtocolDefinition } from '../protocols/types.ts';

/** The abd-constant config (ABD, constant latency), with the top-level fields of `patch` replacing its own. */
export function abdConstantConfig(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    name: 'abd-constant',
    engine: 'sim',
    seed: 42,
    protocol: { name: 'abd', t: 1 },
    network: { latency: { distribution: 'constant', oneWayMs: 10 }, bandwidthMBps: 0 },
    costProfile: 'zero',
    workload: { keys: 1, writers: 1, readers: 1, valueBytes: 1024, readRatio: 0.5, operations: 200, thinkTimeMs: 0 },
    faults: [],
  };
  return { ...base, ...patch };
}

export function resolveRun(raw: Record<string, unknown>, protocols?: Record<string, AnyProtocolDefinition>): ResolvedRun {
  const experiment = resolveExperiment(parseConfig(raw), process.cwd(), protocols ? { protocols } : {});
  return experiment.runs[0]!;
}

/** Nanoseconds of an op in the history (times are ms floats of integer ns). */
export function latencyNs(record: { call: number; return: number | null }): number {
  return Math.round(record.return! * 1e6) - Math.round(record.call * 1e6);
}
