/**
 * @module The experiment config schema (YAML or JSON), in one place so that other parts can extend it.
 *
 * Field names are a contract. Every object is strict, so a misspelt field is an error that
 * names it rather than a silently ignored setting. Units are in the names; defaults are in `.default`.
 * To extend: add a field to the relevant object below (sweeps, schedules, ...), and its resolution in
 * `resolve.ts`; engine-specific settings for `engine: real` go under `real` (validated by that engine).
 */
import { z } from 'zod';
import { PRESET_NAMES } from '../network/presets.ts';
import { byteSize } from './bytes.ts';
import { blocksSchema, scheduleEntrySchema, scriptOpSchema, swarmSchema } from '../faults/schedule-schema.ts';
import { traceConfigSchema } from '../trace/settings.ts';
import { protocolSchema } from './protocol-schema.ts';
import { codingSchema } from '../cost/schema.ts';
import { nonNegative, nonNegativeInt, positive, positiveInt } from './numbers.ts';


// ---------------------------------------------------------------- network

export const latencySchema = z.discriminatedUnion('distribution', [
  z.strictObject({ distribution: z.literal('constant'), oneWayMs: nonNegative() }),
  z.strictObject({ distribution: z.literal('uniform'), minMs: nonNegative(), maxMs: nonNegative() }).superRefine((v, ctx) => {
    if (v.maxMs < v.minMs) ctx.addIssue({ code: 'custom', message: `must be >= minMs (${v.minMs})`, path: ['maxMs'], input: v.maxMs });
  }),
  z.strictObject({ distribution: z.literal('normal'), meanMs: nonNegative(), stddevMs: nonNegative() }),
  z.strictObject({ distribution: z.literal('exponential'), meanMs: nonNegative(), minMs: nonNegative().optional() }),
  z.strictObject({ distribution: z.literal('pareto'), scaleMs: positive(), shape: positive() }),
]);

const regionSchema = z.string().min(1);

export const networkSchema = z.strictObject({
  /** Named preset (lan, dc, regional, wan, global); explicit fields below override it. */
  preset: z.enum(PRESET_NAMES).optional(),
  /** Per-link one-way latency; with preset `global`, jitter added to the matrix latency. */
  latency: latencySchema.optional(),
  /** Per directed link bandwidth in MB/s (10^6 B/s); 0 = unlimited. */
  bandwidthMBps: nonNegative().optional(),
  /** Per-node NIC in MB/s shared by all of a node's outgoing (uplink) and incoming (downlink) messages; 0 = unlimited. */
  nicMBps: z.union([nonNegative(), z.strictObject({ uplinkMBps: nonNegative(), downlinkMBps: nonNegative() })]).optional(),
  /** For preset `global`: where nodes are, and optionally a custom round-trip matrix in ms. */
  global: z
    .strictObject({
      /** Regions of s1, s2, ... (cycled when shorter than the server count). */
      servers: z.array(regionSchema).min(1).optional(),
      /** Regions of the clients in order w1.., r1.., then hostile clients (cycled). */
      clients: z.array(regionSchema).min(1).optional(),
      /** region → region → round-trip ms; replaces the built-in matrix (harness/network/presets.ts). */
      rttMs: z.record(z.string(), z.record(z.string(), nonNegative())).optional(),
    })
    .optional(),
});

// ---------------------------------------------------------------- cost profile

const primitiveCostSchema = z.strictObject({ nsPerOp: nonNegative(), nsPerByte: nonNegative() });
export const costProfileObjectSchema = z.strictObject({
  name: z.string().default('custom'),
  hash: primitiveCostSchema,
  hmac: primitiveCostSchema,
  sign: primitiveCostSchema,
  verify: primitiveCostSchema,
  encode: primitiveCostSchema,
  decode: primitiveCostSchema,
  message: primitiveCostSchema,
  coding: codingSchema.optional(),
});

// ---------------------------------------------------------------- workload

export const workloadSchema = z.strictObject({
  /** Number of independent registers, named k0..k{keys-1}. */
  keys: positiveInt().default(1),
  keyDistribution: z.enum(['uniform', 'zipfian', 'hotspot']).default('uniform'),
  /** Zipfian skew θ (YCSB default 0.99); must not be 1. */
  zipfianTheta: positive().refine((v) => v !== 1, { error: 'must not be 1' }).default(0.99),
  /** Hotspot: `opFraction` of operations go to the first `keyFraction` of the keys. */
  hotspot: z.strictObject({ keyFraction: positive().max(1, { error: 'must be <= 1' }), opFraction: nonNegative().max(1, { error: 'must be <= 1' }) }).default({ keyFraction: 0.2, opFraction: 0.8 }),
  /** Writer clients w1..wN (may also read when readRatio asks for it). */
  writers: nonNegativeInt().default(1),
  /** Reader clients r1..rN (read only). */
  readers: nonNegativeInt().default(1),
  /** Fraction of operations that are reads; omitted = writers write, readers read. */
  readRatio: nonNegative().max(1, { error: 'must be <= 1' }).optional(),
  /** YCSB-style mix: A 50/50, B 95/5, C read only, W write only (sets readRatio). */
  preset: z.enum(['A', 'B', 'C', 'W']).optional(),
  /** Bytes per written value (a count or a size like `64KiB`, harness/config/bytes.ts): fixed, or a list drawn from uniformly per write. */
  valueBytes: z.union([byteSize(), z.array(byteSize()).min(1)]).default(1024),
  /** closed: each client issues its next op after the previous one (plus think time); open: Poisson arrivals. */
  mode: z.enum(['closed', 'open']).default('closed'),
  thinkTimeMs: nonNegative().default(0),
  /** Open loop: target arrival rate (ops/s of virtual time). */
  rateOpsPerS: positive().optional(),
  /**
   * Measured operations: the run stops issuing once this many have started after the warm-up (the
   * first warmupOps operations and those started before warmupMs; harness/runner/issue-budget.ts).
   */
  operations: positiveInt().optional(),
  /** Stop issuing new operations after warmupMs + durationMs of (virtual) time. */
  durationMs: positive().optional(),
  /**
   * Operations issued first and left out of every statistic. On the real engine, thousands: fresh
   * server processes run code V8 has not compiled yet (docs/evaluation.md, "Workloads").
   */
  warmupOps: nonNegativeInt().default(0),
  warmupMs: nonNegative().default(0),
  /** A scripted workload: replaces the generated one; `operations` etc. are then ignored. */
  script: z.array(scriptOpSchema).min(1).optional(),
});

// ---------------------------------------------------------------- faults

const nodeId = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, { error: 'must be a node id like s1, w1, r2' });

export const faultSchema = z.discriminatedUnion('type', [
  /** Crash a server or client at a time, after N completed operations (whole workload), after the
   * node handled N messages, or (client) in the middle of its K-th operation. */
  z.strictObject({
    type: z.literal('crash'),
    node: nodeId,
    atMs: nonNegative().optional(),
    afterOps: nonNegativeInt().optional(),
    afterMessages: nonNegativeInt().optional(),
    /** Client: crash during its K-th operation (1-based) ... */
    duringOp: positiveInt().optional(),
    /** ... once round R has completed (0 = before round 1 is sent) ... */
    afterRound: nonNegativeInt().optional(),
    /** ... having sent round R+1 only to the first m servers (default 0). */
    sendTo: nonNegativeInt().optional(),
  }),
  z.strictObject({
    type: z.literal('byzantine'),
    node: nodeId,
    strategy: z.string().min(1),
    options: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({ type: z.literal('slow'), node: nodeId, delayMs: nonNegative() }),
  z.strictObject({
    type: z.literal('hostile-client'),
    node: nodeId,
    behaviour: z.string().min(1),
    everyMs: positive(),
    /** Register the hostile client targets (default: the first key, k0). */
    key: z.string().optional(),
  }),
]);

// ---------------------------------------------------------------- experiment

export const experimentSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, { error: 'must be letters, digits, dot, dash or underscore' }),
  engine: z.enum(['sim', 'real']).default('sim'),
  /** Run seed (repetition i uses seed + i). */
  seed: nonNegativeInt().max(2 ** 48, { error: 'must be <= 2^48' }).default(1),
  repetitions: positiveInt().default(1),
  /** A built-in protocol by name, a plugin by module, or external nodes (./protocol-schema.ts). */
  protocol: protocolSchema,
  /** Server count; default protocol.serverCount(t). */
  servers: positiveInt().optional(),
  network: networkSchema.default({ preset: 'lan' }),
  /** `zero`, `default`, a path to a profile JSON file (from `calibrate`), or an inline profile. */
  costProfile: z.union([z.string(), costProfileObjectSchema]).default('zero'),
  crypto: z.enum(['node', 'noble']).default('node'),
  codec: z.enum(['auto', 'native', 'typescript']).default('auto'),
  workload: workloadSchema.default({} as never),
  faults: z.array(faultSchema).default([]),
  /** Named groups of nodes (`T1: [s1]`), usable wherever a schedule names a node. */
  blocks: blocksSchema.optional(),
  /** Timed or triggered fault actions: crash, pause/resume, partition/heal, hold/release, byzantine, revert, slow. */
  schedule: z.array(scheduleEntrySchema).optional(),
  /** Swarm mode: faults, network and workload drawn from each seed (harness/faults/swarm-draw.ts). */
  swarm: swarmSchema.optional(),
  /** Run even when the faults exceed the protocol's tolerance (a violation is then not a failure). */
  expectViolation: z.boolean().default(false),
  /** Hard bound on virtual (sim) or wall (real) time; unfinished operations are reported pending. */
  maxDurationMs: positive().default(3_600_000),
  /** Settings of the real engine, validated by it. */
  real: z.record(z.string(), z.unknown()).optional(),
  /** Record every message to trace/<run>.jsonl: `true`, or bounds `{ fromMs, toMs, nodes, maxEvents }` (docs/traces.md). */
  trace: traceConfigSchema.optional(),
});

export type ExperimentConfig = z.infer<typeof experimentSchema>;
export type WorkloadConfig = z.infer<typeof workloadSchema>;
export type FaultConfig = z.infer<typeof faultSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;
