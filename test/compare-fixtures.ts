/**
 * @module Hand-made summaries for the compare tests: an ABD-like run (n = 3, 2 rounds per op, so
 * 2 · (3 requests + 3 replies) = 12 messages per op) with every field of the results contract.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PROFILE } from '../harness/cost/default-profile.ts';
import { SUMMARY_SCHEMA_VERSION, type ExperimentSummary, type OpStats, type RunResult } from '../harness/results/schema.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

export function opStats(overrides: Partial<Mutable<OpStats>> = {}): OpStats {
  return {
    count: 100,
    failed: 0,
    pending: 0,
    latencyMs: { mean: 1.25, p50: 1.2, p90: 1.4, p99: 1.9, p999: 2.1, max: 2.2 },
    rounds: { mean: 2, max: 2, histogram: { '2': 100 } },
    retries: 0,
    messagesPerOp: 12,
    bytesPerOp: 1200,
    clientToServerBytesPerOp: 700,
    serverToClientBytesPerOp: 500,
    cpuNsPerOp: { hash: 0, hmac: 0, sign: 0, verify: 0, encode: 0, decode: 0, message: 24_000 },
    ...overrides,
  };
}

export function run(id: string, repetition: number, overrides: Partial<Mutable<RunResult>> = {}): RunResult {
  return {
    id: `${id}#${repetition}`,
    params: { protocol: 'abd', t: 1, n: 3, valueBytes: 128 },
    seed: 1 + repetition,
    repetition,
    verdict: 'ok',
    expectViolation: false,
    ops: { write: opStats(), read: opStats({ bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) },
    throughputOpsPerS: 1600,
    durationMs: 125,
    messages: { total: 2400, clientToServer: 1200, serverToClient: 1200 },
    bytes: { total: 250_000, clientToServer: 140_000, serverToClient: 110_000 },
    backgroundMessages: 0,
    backgroundBytes: 0,
    backgroundCpuNs: 0,
    storageBytesPerServer: [200, 200, 200],
    rejectedMessages: {},
    codec: 'none',
    crypto: 'node',
    ...overrides,
  };
}

export function summary(name: string, runs: RunResult[], engine: 'sim' | 'real' = 'sim'): ExperimentSummary {
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    name,
    engine,
    seed: 1,
    config: { name },
    costProfile: DEFAULT_PROFILE,
    meta: { gitCommit: 'test' },
    runs,
  };
}

/** Writes `value` as `dir/summary.json`; returns the folder. */
export function writeSummary(dir: string, value: unknown): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'summary.json'), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return dir;
}
