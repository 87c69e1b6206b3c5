/**
 * @module Swarm draws: from a config with a `swarm:` section and a seed, the concrete
 * config that seed runs — workload sizes, network latency, faulty servers (crash, Byzantine strategy
 * from the start or switched on mid-run, memory reverts), asynchrony episodes (pauses, partitions,
 * holds, slow senders; each one undone later) and client faults.
 *
 * A pure function of (config, seed), called when a config is resolved (`resolveExperiment`), so
 * `quorumbench run <config> --seed S` runs exactly what `quorumbench swarm` ran for seed S.
 * Faulty servers stay within the protocol's tolerance unless the config says `expectViolation`.
 * Ideas taken from the atomicity suite's `randomMix` (test/swarm/cases.ts).
 *
 * With `swarm.aim`, a seed also draws aimed holds: a writer's messages held from chosen servers that
 * no drawn fault touches, so that the drawn Byzantine servers (selective liars, from
 * `swarm.strategies`) are the ones that answer for the latest write while the hold lasts. Aimed
 * draws come after all others, so configs without `aim` keep their draws.
 */
import type { AnyProtocolDefinition, NodeId } from '../../protocols/types.ts';
import type { ExperimentConfig, FaultConfig } from '../config/schema.ts';
import { stream, type Rng } from '../rng.ts';
import type { ScheduleEntry, SwarmConfig, SwarmFaultKind } from './schedule-schema.ts';
import { strategyNames } from './strategies.ts';

/** Network conditions drawn from when the swarm section lists none: calm, jittery, heavy-tailed. */
export const DEFAULT_SWARM_LATENCIES: readonly Record<string, unknown>[] = [
  { distribution: 'constant', oneWayMs: 1 },
  { distribution: 'uniform', minMs: 0.5, maxMs: 10 },
  { distribution: 'exponential', meanMs: 5 },
  { distribution: 'pareto', scaleMs: 1, shape: 1.5 },
];

export interface SwarmDraw {
  /** The config seed `seed` runs: no `swarm` section, one repetition, drawn fields filled in. */
  readonly config: ExperimentConfig;
  /** A short description of what was drawn (printed for failures). */
  readonly label: string;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]!;
}

function inRange(rng: Rng, [min, max]: readonly [number, number]): number {
  return rng.int(Math.min(min, max), Math.max(min, max));
}

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Milliseconds, whole tenths (short, exact in YAML and in labels). */
function ms(rng: Rng, maxMs: number): number {
  return rng.int(0, Math.max(0, Math.round(maxMs * 10) - 1)) / 10;
}

type Trigger = { atMs: number } | { afterOps: number };

/**
 * When a drawn fault or episode starts: half at a virtual time in [0, horizon), half after a number
 * of completed operations (which always falls inside the run, whatever the latencies).
 */
function drawTrigger(rng: Rng, horizonMs: number, operations: number): Trigger {
  return rng.int(0, 1) === 0 ? { atMs: ms(rng, horizonMs) } : { afterOps: rng.int(0, Math.max(0, operations - 1)) };
}

function showTrigger(trigger: Trigger): string {
  return 'atMs' in trigger ? `${trigger.atMs}ms` : `op${trigger.afterOps}`;
}

/**
 * What the parts of one draw share: the stream (every draw in a fixed order), the swarm section, the
 * cluster's node ids, and the faults, schedule entries and label parts drawn so far.
 */
interface Draw {
  readonly rng: Rng;
  readonly swarm: SwarmConfig;
  readonly servers: readonly NodeId[];
  readonly writers: readonly NodeId[];
  readonly clients: readonly NodeId[];
  /** Operations of the run: where an `afterOps` trigger may fall. */
  readonly operations: number;
  readonly faults: FaultConfig[];
  readonly schedule: ScheduleEntry[];
  readonly labels: string[];
}

/** Workload sizes (unless the config has a script) and the network's latency. */
function drawWorkloadAndNetwork(rng: Rng, config: ExperimentConfig, protocol: AnyProtocolDefinition, labels: string[]): Pick<ExperimentConfig, 'workload' | 'network'> {
  const swarm = config.swarm!;
  const workload = { ...config.workload };
  if (workload.script === undefined) {
    workload.writers = protocol.multiWriter ? Math.max(1, inRange(rng, swarm.writers)) : 1;
    workload.readers = inRange(rng, swarm.readers);
    workload.operations = Math.max(1, inRange(rng, swarm.operations));
    workload.keys = Math.max(1, inRange(rng, swarm.keys));
    workload.valueBytes = swarm.valueBytes.length === 1 ? swarm.valueBytes[0]! : [...swarm.valueBytes];
    // Durations bound by operations only, so every seed ends when its operations are done.
    delete workload.durationMs;
    labels.push(`w${workload.writers}r${workload.readers}ops${workload.operations}${workload.keys > 1 ? `k${workload.keys}` : ''}`);
  }
  const latency = pick(rng, swarm.latencies ?? DEFAULT_SWARM_LATENCIES);
  labels.push(`lat:${String(latency['distribution'])}`);
  return { workload, network: { ...config.network, latency: latency as ExperimentConfig['network']['latency'] } };
}

/**
 * The faulty servers and what each does; returns them. The budget is for the drawn faults: a swarm
 * config keeps its own `faults` / `schedule` free of crashes and Byzantine servers (they would add
 * to it, and resolution would refuse the seed).
 */
function drawFaultyServers(d: Draw, config: ExperimentConfig, protocol: AnyProtocolDefinition, tolerance: ReturnType<AnyProtocolDefinition['tolerance']>, kinds: ReadonlySet<SwarmFaultKind>): Set<NodeId> {
  const { rng, swarm } = d;
  const faultTolerance = Math.max(tolerance.crash, tolerance.byzantine);
  let maxFaulty = swarm.maxFaultyServers ?? faultTolerance;
  if (!config.expectViolation) maxFaulty = Math.min(maxFaulty, faultTolerance);
  maxFaulty = Math.min(maxFaulty, d.servers.length);
  const byzantineBudget = config.expectViolation ? maxFaulty : tolerance.byzantine;
  const strategies = swarm.strategies ?? strategyNames(protocol).sort();
  const serverKinds = (['crash', 'byzantine', 'revert'] as const).filter((kind) => kinds.has(kind));
  const faultyCount = serverKinds.length === 0 ? 0 : rng.int(Math.min(swarm.minFaultyServers, maxFaulty), maxFaulty);
  let byzantineUsed = 0;
  const faulty = new Set<NodeId>();
  for (const node of shuffled(rng, d.servers).slice(0, faultyCount)) {
    const allowed = serverKinds.filter((kind) => kind === 'crash' || byzantineUsed < byzantineBudget);
    if (allowed.length === 0) continue;
    const kind = pick(rng, allowed);
    faulty.add(node);
    if (kind !== 'crash') byzantineUsed++;
    drawServerFault(d, node, kind, strategies);
  }
  return faulty;
}

/** One faulty server's fault: a crash (at a time, after an operation or after messages), a strategy, or reverts. */
function drawServerFault(d: Draw, node: NodeId, kind: 'crash' | 'byzantine' | 'revert', strategies: readonly string[]): void {
  const { rng, swarm, faults, schedule, labels, operations } = d;
  const horizon = swarm.horizonMs;
  switch (kind) {
    case 'crash': {
      const style = rng.int(0, 2);
      if (style === 0) {
        faults.push({ type: 'crash', node, atMs: ms(rng, horizon) });
        labels.push(`${node}:crash`);
      } else if (style === 1) {
        const afterOps = rng.int(0, Math.max(0, operations - 1));
        schedule.push({ afterOps, action: 'crash', node });
        labels.push(`${node}:crash@op${afterOps}`);
      } else {
        const afterMessages = rng.int(0, 40);
        faults.push({ type: 'crash', node, afterMessages });
        labels.push(`${node}:crash@msg${afterMessages}`);
      }
      return;
    }
    case 'byzantine': {
      const strategy = pick(rng, strategies);
      if (rng.int(0, 1) === 0) {
        faults.push({ type: 'byzantine', node, strategy });
        labels.push(`${node}:${strategy}`);
      } else {
        const trigger = drawTrigger(rng, horizon, operations);
        schedule.push({ ...trigger, action: 'byzantine', node, strategy });
        labels.push(`${node}:${strategy}@${showTrigger(trigger)}`);
      }
      return;
    }
    case 'revert': {
      const times = rng.int(1, 3);
      const at: string[] = [];
      for (let i = 0; i < times; i++) {
        const trigger = drawTrigger(rng, horizon, operations);
        schedule.push({ ...trigger, action: 'revert', node });
        at.push(showTrigger(trigger));
      }
      labels.push(`${node}:revert@${at.join('/')}`);
      return;
    }
  }
}

/** Asynchrony episodes: each one entry undone by `forMs` after it applied, so it always ends. */
function drawEpisodes(d: Draw, kinds: ReadonlySet<SwarmFaultKind>): void {
  const { rng, swarm } = d;
  const episodeKinds = (['pause', 'partition', 'hold', 'slow'] as const).filter((kind) => kinds.has(kind));
  const episodes = episodeKinds.length === 0 ? 0 : inRange(rng, swarm.episodes);
  for (let e = 0; e < episodes; e++) {
    const kind = pick(rng, episodeKinds);
    const trigger = drawTrigger(rng, swarm.horizonMs, d.operations);
    const forMs = Math.round((0.1 + ms(rng, swarm.maxEpisodeMs)) * 10) / 10;
    const when = `${showTrigger(trigger)}+${forMs}`;
    switch (kind) {
      case 'pause': {
        const node = pick(rng, d.servers);
        d.schedule.push({ ...trigger, action: 'pause', node, forMs });
        d.labels.push(`pause:${node}@${when}`);
        break;
      }
      case 'partition': {
        const everyone = [...d.servers, ...d.clients];
        const side = everyone.map(() => rng.int(0, 1));
        if (!side.includes(0)) side[0] = 0;
        if (!side.includes(1)) side[side.length - 1] = 1;
        const groups = [everyone.filter((_, i) => side[i] === 0), everyone.filter((_, i) => side[i] === 1)];
        d.schedule.push({ ...trigger, action: 'partition', groups, forMs });
        d.labels.push(`partition:${groups.map((g) => g.join('+')).join('|')}@${when}`);
        break;
      }
      case 'hold': {
        const pattern = drawHoldPattern(d);
        d.schedule.push({ ...trigger, action: 'hold', ...pattern, forMs });
        const show = (nodes: NodeId | NodeId[] | undefined) => (nodes === undefined ? '*' : typeof nodes === 'string' ? nodes : nodes.join('+'));
        d.labels.push(`hold:${show(pattern.from)}>${show(pattern.to)}${pattern.messageType ? `:${pattern.messageType}` : ''}@${when}`);
        break;
      }
      case 'slow': {
        const node = pick(rng, d.servers);
        const delayMs = rng.int(1, 30);
        d.schedule.push({ ...trigger, action: 'slow', node, delayMs, forMs });
        d.labels.push(`slow:${node}+${delayMs}@${when}`);
        break;
      }
    }
  }
}

/**
 * What a hold episode holds: a link (from -> to); all of one node's outgoing or incoming frames; a
 * client's frames to (or from) a proper subset of the servers — e.g. a write that reaches only some
 * servers for a while, the schedule that breaks a read without write-back; or one message type.
 */
function drawHoldPattern(d: Draw): { from?: NodeId | NodeId[]; to?: NodeId | NodeId[]; messageType?: string } {
  const { rng, swarm, servers, clients } = d;
  const everyone = [...servers, ...clients];
  const shape = rng.int(0, swarm.messageTypes.length > 0 ? 5 : 4);
  const pattern: { from?: NodeId | NodeId[]; to?: NodeId | NodeId[]; messageType?: string } = {};
  const someServers = () => shuffled(rng, servers).slice(0, rng.int(1, Math.max(1, servers.length - 1)));
  if (shape === 0) {
    pattern.from = pick(rng, everyone);
    pattern.to = pick(rng, everyone);
  } else if (shape === 1) {
    pattern.from = pick(rng, everyone);
  } else if (shape === 2) {
    pattern.to = pick(rng, everyone);
  } else if (shape === 3) {
    pattern.from = pick(rng, clients);
    pattern.to = someServers();
    if (swarm.messageTypes.length > 0 && rng.int(0, 1) === 0) pattern.messageType = pick(rng, swarm.messageTypes);
  } else if (shape === 4) {
    pattern.from = someServers();
    pattern.to = pick(rng, clients);
  } else {
    pattern.messageType = pick(rng, swarm.messageTypes);
    if (rng.int(0, 1) === 0) pattern.to = pick(rng, servers);
  }
  return pattern;
}

/** A writer crashing mid-operation, and a hostile reader (where the protocol defines behaviours). */
function drawClientFaults(d: Draw, config: ExperimentConfig, protocol: AnyProtocolDefinition, tolerance: ReturnType<AnyProtocolDefinition['tolerance']>, kinds: ReadonlySet<SwarmFaultKind>): void {
  const { rng, writers, faults, labels } = d;
  if (kinds.has('client-crash') && writers.length > 0 && rng.int(0, 2) === 0) {
    // A client crashing in the middle of an operation (after round R, round R+1 sent to m servers).
    const node = pick(rng, writers);
    const duringOp = rng.int(1, 5);
    const afterRound = rng.int(0, 3);
    const sendTo = rng.int(0, d.servers.length);
    faults.push({ type: 'crash', node, duringOp, afterRound, sendTo });
    labels.push(`${node}:crash(op${duringOp},r${afterRound},to${sendTo})`);
  }
  const behaviours = Object.keys(protocol.hostileClients ?? {}).sort();
  if (kinds.has('hostile-reader') && behaviours.length > 0 && (tolerance.byzantineReaders || config.expectViolation) && rng.int(0, 2) === 0) {
    const behaviour = pick(rng, behaviours);
    faults.push({ type: 'hostile-client', node: 'h1', behaviour, everyMs: rng.int(1, 10) });
    labels.push(`h1:${behaviour}`);
  }
}

/** `swarm.aim`: a writer's messages held from correct servers (at most t of them). */
function drawAimedHolds(d: Draw, t: number, faulty: ReadonlySet<NodeId>): void {
  const { rng, swarm, writers } = d;
  if (swarm.aim === undefined || writers.length === 0) return;
  const correct = d.servers.filter((node) => !faulty.has(node));
  const holds = inRange(rng, swarm.aim.holds);
  for (let h = 0; h < holds && correct.length > 0; h++) {
    const writer = pick(rng, writers);
    const targets = shuffled(rng, correct).slice(0, rng.int(1, Math.max(1, Math.min(t, correct.length))));
    // The whole link (every message of the writer to them, FIFO kept) or one message type of the write.
    const typeIndex = rng.int(0, swarm.aim.messageTypes.length);
    const messageType = typeIndex < swarm.aim.messageTypes.length ? swarm.aim.messageTypes[typeIndex] : undefined;
    const trigger = drawTrigger(rng, swarm.horizonMs, d.operations);
    const forMs = Math.max(1, inRange(rng, swarm.aim.holdMs));
    d.schedule.push({ ...trigger, action: 'hold', from: writer, to: targets, ...(messageType === undefined ? {} : { messageType }), forMs });
    d.labels.push(`aim:${writer}>${targets.join('+')}${messageType === undefined ? '' : `:${messageType}`}@${showTrigger(trigger)}+${forMs}`);
  }
}

/**
 * Draws seed `seed`'s config. `configServers`: the config's server count (servers or the protocol's
 * own for protocol.t); with `swarm.t` the count follows the drawn t.
 * Every draw comes from one stream named `swarm-draw`, in a fixed order: t, workload and network,
 * faulty servers, episodes, client faults, aimed holds.
 */
export function drawSwarm(config: ExperimentConfig, protocol: AnyProtocolDefinition, configServers: number, seed: number): SwarmDraw {
  const swarm: SwarmConfig = config.swarm!;
  const rng = stream(seed, 'swarm-draw');
  const kinds = new Set<SwarmFaultKind>(swarm.faults);
  const labels: string[] = [];
  // Drawn first, and only when asked for, so configs without `swarm.t` keep their draws.
  const t = swarm.t === undefined ? config.protocol.t : inRange(rng, swarm.t);
  const n = swarm.t === undefined ? configServers : protocol.serverCount(t);
  if (swarm.t !== undefined) labels.push(`t${t}`);
  const tolerance = protocol.tolerance(t);
  const { workload, network } = drawWorkloadAndNetwork(rng, config, protocol, labels);
  const writers: NodeId[] = Array.from({ length: workload.writers }, (_, i) => `w${i + 1}`);
  const readers: NodeId[] = Array.from({ length: workload.readers }, (_, i) => `r${i + 1}`);
  const d: Draw = {
    rng,
    swarm,
    servers: Array.from({ length: n }, (_, i) => `s${i + 1}`),
    writers,
    clients: [...writers, ...readers],
    operations: workload.script?.length ?? workload.operations ?? 10,
    faults: [...config.faults],
    schedule: [...(config.schedule ?? [])],
    labels,
  };
  const faulty = drawFaultyServers(d, config, protocol, tolerance, kinds);
  drawEpisodes(d, kinds);
  drawClientFaults(d, config, protocol, tolerance, kinds);
  // Aimed holds come after every other draw.
  drawAimedHolds(d, t, faulty);
  const { swarm: _drawn, ...rest } = config;
  const drawn: ExperimentConfig = { ...rest, seed, repetitions: 1, protocol: { ...config.protocol, t }, workload, network, faults: d.faults, schedule: d.schedule };
  return { config: drawn, label: labels.join(',') };
}
