/**
 * @module The config schemas of fault schedules, server blocks, scripted workloads and swarm draws.
 * `harness/config/schema.ts` plugs them into the experiment schema; the format is the contract in
 * the schedule helpers' notes (blocks, workload.script, schedule). Cross-field checks (unknown nodes
 * and blocks, one trigger per entry, fault budget) live in `schedule.ts` (`checkSchedule`), because
 * they need the cluster and the protocol.
 */
import { z } from 'zod';
import { byteSize } from '../config/bytes.ts';
import { nonNegative, nonNegativeInt, positive, positiveInt } from '../config/numbers.ts';


/** A node id (s1, w1, r2) or a block name (T1): anywhere a node is named, a block stands for its members. */
const nodeRef = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, { error: 'must be a node id like s1, w1, or a block name like T1' });
const nodeRefs = z.union([nodeRef, z.array(nodeRef).min(1, { error: 'must name at least one node' })]);
const opId = z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'must be letters, digits, dot, dash or underscore' });

/** `blocks: { T1: [s1], T2: [s2, s3] }`. */
export const blocksSchema = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, { error: 'must be a block name like T1' }),
  z.array(nodeRef).min(1, { error: 'must name at least one node' }),
);

/** One operation of a scripted workload. Exactly one of `atMs`, `after` (checked in `checkSchedule`). */
export const scriptOpSchema = z.strictObject({
  id: opId,
  client: nodeRef,
  kind: z.enum(['read', 'write']),
  /** Start at this virtual time. */
  atMs: nonNegative().optional(),
  /** Start when the scripted operation with this id returns ... */
  after: opId.optional(),
  /** ... plus this delay. */
  delayMs: nonNegative().optional(),
  /** Register (default k0). */
  key: z.string().regex(/^k\d+$/, { error: 'must be a workload key like k0' }).optional(),
  /** Bytes of a written value, a count or a size like `4KiB` (default workload.valueBytes). */
  valueBytes: byteSize().optional(),
});

/** When an entry applies: exactly one of these (checked in `checkSchedule`). */
const trigger = {
  /** Virtual time, ms. */
  atMs: nonNegative().optional(),
  /** Once N operations (whole run, warm-up included) have completed. */
  afterOps: nonNegativeInt().optional(),
  /** Once the scripted operation with this id returned. */
  after: opId.optional(),
  /** Once the scripted operation with this id was invoked (its first messages are then in flight). */
  atStartOf: opId.optional(),
  /**
   * Once `count` (default 1) frames matching the pattern were handed to their receivers (arrived and
   * not blocked, or released), e.g. `{ from: w1, to: T3, messageType: STORE }`: "after w wrote to T3".
   */
  afterDelivered: z
    .strictObject({
      from: nodeRefs.optional(),
      to: nodeRefs.optional(),
      messageType: z.string().min(1).optional(),
      count: positiveInt().optional(),
    })
    .optional(),
};

/** Messages matched by a hold or release: omitted fields match anything. */
const linkPattern = {
  from: nodeRefs.optional(),
  to: nodeRefs.optional(),
  /** The protocol message's `type` tag, e.g. PUT, GET_ACK. */
  messageType: z.string().min(1).optional(),
};

/** Undo the action this long after it applied (release, heal, resume, slow 0): an episode in one entry. */
const forMs = { forMs: positive().optional() };

export const scheduleEntrySchema = z.discriminatedUnion('action', [
  z.strictObject({ ...trigger, action: z.literal('hold'), ...linkPattern, ...forMs }),
  z.strictObject({ ...trigger, action: z.literal('release'), ...linkPattern }),
  z.strictObject({ ...trigger, action: z.literal('crash'), node: nodeRefs }),
  z.strictObject({ ...trigger, action: z.literal('pause'), node: nodeRefs, ...forMs }),
  z.strictObject({ ...trigger, action: z.literal('resume'), node: nodeRefs }),
  z.strictObject({ ...trigger, action: z.literal('revert'), node: nodeRefs }),
  z.strictObject({
    ...trigger,
    action: z.literal('partition'),
    groups: z.array(z.array(nodeRef).min(1, { error: 'must name at least one node' })).min(2, { error: 'must list at least two groups' }),
    ...forMs,
  }),
  z.strictObject({ ...trigger, action: z.literal('heal') }),
  z.strictObject({ ...trigger, action: z.literal('byzantine'), node: nodeRefs, strategy: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }),
  /** Extra one-way delay on every message the node sends from now on (0 = none): a network condition. */
  z.strictObject({ ...trigger, action: z.literal('slow'), node: nodeRefs, delayMs: nonNegative(), ...forMs }),
]);

export type ScheduleEntry = z.infer<typeof scheduleEntrySchema>;
export type ScriptOp = z.infer<typeof scriptOpSchema>;

const range = z.tuple([nonNegativeInt(), nonNegativeInt()]);

export const SWARM_FAULT_KINDS = ['crash', 'byzantine', 'revert', 'pause', 'partition', 'hold', 'slow', 'client-crash', 'hostile-reader'] as const;
export type SwarmFaultKind = (typeof SWARM_FAULT_KINDS)[number];

/**
 * `swarm:` — what `quorumbench swarm` (and `run --seed S`) draws per seed. The drawing is a pure
 * function of (config, seed) done when the config is resolved (`harness/faults/swarm-draw.ts`).
 */
export const swarmSchema = z.strictObject({
  /** Draw protocol.t per seed in [min, max] (default: protocol.t); the server count follows it. */
  t: z.tuple([z.number().int().min(1), z.number().int().min(1)]).optional(),
  /** Fault kinds to draw from. */
  faults: z.array(z.enum(SWARM_FAULT_KINDS)).min(1).default(['crash', 'pause', 'partition', 'hold']),
  /** Byzantine strategies (default: every generic and protocol strategy). */
  strategies: z.array(z.string().min(1)).min(1).optional(),
  /** Faulty servers per seed, at most; default the protocol's tolerance (more only with expectViolation). */
  maxFaultyServers: nonNegativeInt().optional(),
  /** At least this many faulty servers per seed (default 0). */
  minFaultyServers: nonNegativeInt().default(0),
  /** Asynchrony episodes (pause, partition, hold) per seed: [min, max]. */
  episodes: range.default([0, 3]),
  /** Drawn faults and episodes start at a time in [0, horizonMs) or (half of them) after a drawn operation count. */
  horizonMs: z.number().gt(0).default(200),
  /** Longest pause, partition, hold or slow episode, ms (each is undone by `forMs`). */
  maxEpisodeMs: z.number().gt(0).default(60),
  /** Message types that holds may target (default: link holds only). */
  messageTypes: z.array(z.string().min(1)).default([]),
  /** Network conditions, one drawn per seed (latency distributions as in network.latency). */
  latencies: z.array(z.record(z.string(), z.unknown())).min(1).optional(),
  /** Workload ranges [min, max] drawn per seed. */
  operations: range.default([30, 80]),
  readers: range.default([1, 3]),
  /** Ignored (1) for single-writer protocols. */
  writers: range.default([1, 2]),
  keys: range.default([1, 1]),
  valueBytes: z.array(byteSize()).min(1).default([16, 64, 300]),
  /**
   * Aimed holds: per seed, `holds` times, a writer's messages (the whole link, or one of
   * `messageTypes`) are held from 1..t servers that no drawn fault touches, for `holdMs`: the
   * schedule that gives selective liars (the drawn Byzantine servers) their chance.
   */
  aim: z
    .strictObject({
      /** The write's message types a hold may target (e.g. STORE, COMPLETE; PUT). */
      messageTypes: z.array(z.string().min(1)).min(1),
      /** Holds per seed: [min, max]. */
      holds: range.default([1, 2]),
      /** Length of each hold, ms: [min, max]. */
      holdMs: range.default([20, 300]),
    })
    .optional(),
});

export type SwarmConfig = z.infer<typeof swarmSchema>;
