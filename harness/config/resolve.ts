/**
 * @module From a validated config to the runs it describes: protocol looked up and its options
 * parsed, server count checked, network presets applied, cost profile loaded, workload and faults
 * checked against the cluster and the protocol's tolerance. Every problem is a one-line ConfigError.
 */
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { AnyProtocolDefinition, ClusterInfo, NodeId } from '../../protocols/types.ts';
import { PROTOCOLS, protocolNames } from '../../protocols/registry.ts';
import { ZERO_PROFILE, type CostProfile } from '../cost/profile.ts';
import { DEFAULT_PROFILE } from '../cost/default-profile.ts';
import { CostProfileError, loadCostProfile } from '../cost/load.ts';
import type { NetworkSpec } from '../network/model.ts';
import type { LatencyDistribution } from '../network/latency.ts';
import { DEFAULT_CLIENT_REGIONS, DEFAULT_SERVER_REGIONS, defaultRttMatrix, PRESETS } from '../network/presets.ts';
import { lookupStrategy, strategyNames } from '../faults/strategies.ts';
import { checkSchedule } from '../faults/schedule.ts';
import { drawSwarm } from '../faults/swarm-draw.ts';
import type { TraceBounds } from '../trace/events.ts';
import { resolveTraceBounds } from '../trace/settings.ts';
import { pluginFor } from './plugins.ts';
import { EXTERNAL_PROTOCOL } from './protocol-schema.ts';
import { checkExternalRun, externalDefinition, externalSettings, type ExternalSettings } from '../external/settings.ts';
import { ConfigError, formatIssue, formatIssues, showValue } from './errors.ts';
import { latencySchema, type ExperimentConfig, type FaultConfig, type WorkloadConfig } from './schema.ts';
import { NS_PER_MS } from '../units.ts';

export interface ResolvedWorkload extends WorkloadConfig {
  /** Fraction of reads, after applying `preset`; undefined = writers write, readers read. */
  readonly readRatioResolved: number | undefined;
  /** Closed loop: probability that a writer's operation is a write. */
  readonly writerWriteProbability: number;
  /**
   * Operations the run will issue, warm-up included, for progress reports: Infinity when bounded by
   * time only, or when a `warmupMs` leaves the warm-up's count open (harness/runner/issue-budget.ts
   * decides when issuing stops).
   */
  readonly totalOps: number;
  /** Stop issuing at this virtual time (ns), or Infinity. */
  readonly issueUntilNs: number;
}

/** One run: everything the runner and the engines need, validated. */
export interface ResolvedRun {
  /** Unique within the experiment, e.g. `base#0`. */
  readonly id: string;
  readonly repetition: number;
  readonly seed: number;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** The validated experiment config (defaults filled in) this run belongs to. */
  readonly config: ExperimentConfig;
  readonly protocol: AnyProtocolDefinition;
  readonly options: unknown;
  readonly t: number;
  readonly n: number;
  readonly cluster: ClusterInfo;
  /** Hostile clients' node ids (from `hostile-client` faults). */
  readonly hostileClients: readonly NodeId[];
  /**
   * Servers that run a Byzantine strategy at some point of the run (from `faults` and the schedule),
   * in cluster order: the run's colluders. Known before the run starts, so every engine can hand
   * each faulty server what its colluders know.
   */
  readonly byzantineServers: readonly NodeId[];
  readonly network: NetworkSpec;
  readonly costProfile: CostProfile;
  readonly workload: ResolvedWorkload;
  readonly faults: readonly FaultConfig[];
  readonly expectViolation: boolean;
  readonly maxDurationNs: number;
  /** What the message trace records (config `trace`), or null when tracing is off. */
  readonly trace: TraceBounds | null;
}

export interface ResolvedExperiment {
  readonly config: ExperimentConfig;
  readonly runs: readonly ResolvedRun[];
}

const YCSB_READ_RATIO = { A: 0.5, B: 0.95, C: 1, W: 0 } as const;

/**
 * The most servers a run can have: an erasure fragment names its index and n in one byte each
 * (protocols/common/erasure/layout.ts), and no quorum system studied here comes near it.
 */
export const MAX_SERVERS = 255;
/**
 * The most workload clients: the simulator keeps a few numbers per directed link (nodes² of them),
 * so this bounds its memory to tens of megabytes; more load comes from an open-loop rate, not more clients.
 */
export const MAX_CLIENTS = 1000;

function fail(message: string): never {
  throw new ConfigError(message);
}

export function resolveProtocol(
  config: ExperimentConfig,
  protocols: Readonly<Record<string, AnyProtocolDefinition>> = PROTOCOLS,
  configDir = process.cwd(),
): { protocol: AnyProtocolDefinition; options: unknown; n: number } {
  const section = config.protocol;
  const t = section.t;
  let protocol: AnyProtocolDefinition | undefined;
  let options: unknown;
  if (section.module !== undefined) {
    protocol = pluginFor(section.module, configDir);
  } else if (section.name === EXTERNAL_PROTOCOL) {
    // External nodes: the settings are the options the hosts read (harness/external/settings.ts).
    options = externalSettings(section, configDir);
    protocol = externalDefinition(options as ExternalSettings);
    checkExternalRun(config);
  } else {
    const name = section.name!;
    protocol = Object.hasOwn(protocols, name) ? protocols[name] : undefined;
    if (protocol === undefined) fail(`protocol.name: unknown protocol ${JSON.stringify(name)} (known: ${protocols === PROTOCOLS ? protocolNames().join(', ') : Object.keys(protocols).join(', ')}; or ${EXTERNAL_PROTOCOL}, or module: a plugin)`);
  }
  const needed = protocol.minServerCount?.(t) ?? protocol.serverCount(t);
  const n = config.servers ?? protocol.serverCount(t);
  if (n < needed) fail(`protocol.t: t=${t} needs ${needed} servers but servers: ${n} given`);
  if (n > MAX_SERVERS) fail(config.servers === undefined ? `protocol.t: t=${t} needs ${n} servers, more than the ${MAX_SERVERS} a run can have` : `servers: at most ${MAX_SERVERS}, got ${n}`);
  if (options === undefined) {
    const parsed = protocol.optionsSchema.safeParse(section.options, { reportInput: true });
    if (!parsed.success) fail(formatIssues(parsed.error.issues, ['protocol', 'options'], protocol.optionsSchema));
    options = parsed.data;
  }
  return { protocol, options, n };
}

export function resolveNetwork(config: ExperimentConfig, servers: readonly NodeId[], clients: readonly NodeId[]): NetworkSpec {
  const network = config.network;
  const preset = network.preset === undefined ? undefined : PRESETS[network.preset];
  const latency: LatencyDistribution | undefined = network.latency ?? preset?.latency;
  if (latency === undefined) fail('network.latency: required unless network.preset is set, got nothing');
  const nic = network.nicMBps;
  const spec: NetworkSpec = {
    latency,
    bandwidthMBps: network.bandwidthMBps ?? preset?.bandwidthMBps ?? 0,
    nicUplinkMBps: typeof nic === 'number' ? nic : (nic?.uplinkMBps ?? 0),
    nicDownlinkMBps: typeof nic === 'number' ? nic : (nic?.downlinkMBps ?? 0),
  };
  if (network.preset !== 'global') {
    if (network.global !== undefined) fail('network.global: only used with preset: global, got a placement');
    return spec;
  }
  const rttMs = network.global?.rttMs ?? defaultRttMatrix();
  const serverRegions = network.global?.servers ?? DEFAULT_SERVER_REGIONS;
  const clientRegions = network.global?.clients ?? DEFAULT_CLIENT_REGIONS;
  const regionOf: Record<NodeId, string> = {};
  const place = (nodes: readonly NodeId[], regions: readonly string[], field: string): void => {
    nodes.forEach((node, i) => {
      const region = regions[i % regions.length]!;
      if (!Object.hasOwn(rttMs, region)) fail(`network.global.${field}: unknown region ${JSON.stringify(region)} (known: ${Object.keys(rttMs).join(', ')})`);
      regionOf[node] = region;
    });
  };
  place(servers, serverRegions, 'servers');
  place(clients, clientRegions, 'clients');
  return { ...spec, global: { rttMs, regionOf } };
}

export function resolveCostProfile(value: ExperimentConfig['costProfile'], configDir: string): CostProfile {
  if (typeof value !== 'string') return value as CostProfile;
  if (value === 'zero') return ZERO_PROFILE;
  if (value === 'default') return DEFAULT_PROFILE;
  // A relative path is relative to the config file.
  const path = resolvePath(configDir, value);
  if (!existsSync(path)) fail(`costProfile: not zero, default, or a readable profile file, got ${JSON.stringify(value)}`);
  try {
    return loadCostProfile(path);
  } catch (error) {
    if (error instanceof CostProfileError) fail(`costProfile: ${error.message}`);
    throw error;
  }
}

function resolveWorkload(workload: WorkloadConfig, multiWriter: boolean, protocolName: string): ResolvedWorkload {
  if (workload.writers + workload.readers === 0) fail('workload.writers: need at least one writer or reader, got 0');
  if (workload.writers + workload.readers > MAX_CLIENTS) {
    fail(`workload.${workload.writers > workload.readers ? 'writers' : 'readers'}: writers + readers at most ${MAX_CLIENTS}, got ${workload.writers} + ${workload.readers}`);
  }
  if (!multiWriter && workload.writers > 1) fail(`workload.writers: ${protocolName} is single-writer, got ${workload.writers}`);
  if (workload.script !== undefined) {
    // A scripted workload: its operations are the whole run (checked against the cluster in checkSchedule).
    if (workload.mode === 'open') fail('workload.mode: a scripted workload starts its operations itself, got "open"');
    const writers = new Set(workload.script.filter((op) => op.kind === 'write').map((op) => op.client));
    if (!multiWriter && writers.size > 1) fail(`workload.script: ${protocolName} is single-writer, got writes by ${[...writers].join(', ')}`);
    return { ...workload, readRatioResolved: undefined, writerWriteProbability: 1, totalOps: workload.script.length, issueUntilNs: Infinity };
  }
  if (workload.operations === undefined && workload.durationMs === undefined) fail('workload.operations: required (or workload.durationMs), got nothing');
  if (workload.mode === 'open' && workload.rateOpsPerS === undefined) fail('workload.rateOpsPerS: required with mode: open, got nothing');
  if (workload.mode === 'closed' && workload.rateOpsPerS !== undefined) fail(`workload.rateOpsPerS: only used with mode: open, got ${workload.rateOpsPerS}`);
  if (workload.preset !== undefined && workload.readRatio !== undefined) fail(`workload.preset: set either preset or readRatio, got both (${workload.preset})`);
  const readRatio = workload.preset !== undefined ? YCSB_READ_RATIO[workload.preset] : workload.readRatio;
  let writerWriteProbability = 1;
  if (readRatio !== undefined) {
    if (readRatio < 1 && workload.writers === 0) fail(`workload.readRatio: ${readRatio} needs writers, got writers: 0`);
    if (workload.mode === 'closed') {
      // Readers only read; writers mix in reads so that, at equal per-client rates, the expected read
      // share is readRatio: (R + W * (1 - w)) / (R + W) = readRatio.
      const clients = workload.readers + workload.writers;
      if (readRatio < workload.readers / clients) {
        fail(`workload.readRatio: ${readRatio} is below readers/(readers+writers) = ${workload.readers / clients} (readers only read)`);
      }
      writerWriteProbability = workload.writers === 0 ? 0 : Math.min(1, ((1 - readRatio) * clients) / workload.writers);
    }
  }
  const totalOps = workload.operations === undefined || workload.warmupMs > 0 ? Infinity : workload.operations + workload.warmupOps;
  const issueUntilNs = workload.durationMs === undefined ? Infinity : (workload.warmupMs + workload.durationMs) * NS_PER_MS;
  return { ...workload, readRatioResolved: readRatio, writerWriteProbability, totalOps, issueUntilNs };
}

function checkFaults(config: ExperimentConfig, protocol: AnyProtocolDefinition, cluster: ClusterInfo): { hostile: NodeId[]; byzantine: NodeId[] } {
  const servers = new Set(cluster.servers);
  const clients = new Set([...cluster.writers, ...cluster.readers]);
  const hostile: NodeId[] = [];
  const crashed = new Set<NodeId>();
  const byzantine = new Set<NodeId>();
  let hostileClients = 0;
  config.faults.forEach((fault, i) => {
    const at = `faults[${i}]`;
    switch (fault.type) {
      case 'crash': {
        const isServer = servers.has(fault.node);
        if (!isServer && !clients.has(fault.node)) fail(`${at}.node: no server or client ${JSON.stringify(fault.node)}`);
        const triggers = [fault.atMs, fault.afterOps, fault.afterMessages, fault.duringOp].filter((v) => v !== undefined).length;
        if (triggers !== 1) fail(`${at}: give exactly one of atMs, afterOps, afterMessages, duringOp, got ${triggers}`);
        if (fault.duringOp !== undefined && isServer) fail(`${at}.duringOp: only for clients, got server ${fault.node}`);
        if (fault.duringOp === undefined && (fault.afterRound !== undefined || fault.sendTo !== undefined)) fail(`${at}.afterRound: only with duringOp`);
        if (fault.duringOp !== undefined && fault.afterRound === undefined) fail(`${at}.afterRound: required with duringOp, got nothing`);
        if (fault.sendTo !== undefined && fault.sendTo > cluster.n) fail(`${at}.sendTo: at most n=${cluster.n}, got ${fault.sendTo}`);
        if (isServer) crashed.add(fault.node);
        return;
      }
      case 'byzantine': {
        if (!servers.has(fault.node)) fail(`${at}.node: no server ${JSON.stringify(fault.node)} (Byzantine clients are hostile-client faults)`);
        if (lookupStrategy(protocol, fault.strategy) === undefined) {
          fail(`${at}.strategy: unknown strategy ${JSON.stringify(fault.strategy)} for ${protocol.name} (known: ${strategyNames(protocol).join(', ')})`);
        }
        byzantine.add(fault.node);
        return;
      }
      case 'slow':
        if (!servers.has(fault.node)) fail(`${at}.node: no server ${JSON.stringify(fault.node)}`);
        return;
      case 'hostile-client': {
        if (servers.has(fault.node) || clients.has(fault.node) || hostile.includes(fault.node)) fail(`${at}.node: ${JSON.stringify(fault.node)} is already a node`);
        const behaviours = protocol.hostileClients ?? {};
        if (!Object.hasOwn(behaviours, fault.behaviour)) {
          fail(`${at}.behaviour: unknown behaviour ${JSON.stringify(fault.behaviour)} for ${protocol.name} (known: ${Object.keys(behaviours).join(', ') || 'none'})`);
        }
        if (fault.key !== undefined && !/^k\d+$/.test(fault.key)) fail(`${at}.key: must be a workload key like k0, got ${showValue(fault.key)}`);
        hostile.push(fault.node);
        hostileClients++;
        return;
      }
    }
  });
  // Crashes, reverts and strategy switches of the schedule count against the same budget.
  const scheduled = checkSchedule(config, protocol, cluster, hostile);
  for (const node of scheduled.crashed) crashed.add(node);
  for (const node of scheduled.byzantine) byzantine.add(node);
  // A server both crashed and Byzantine counts once, as Byzantine.
  for (const node of byzantine) crashed.delete(node);
  const tolerance = protocol.tolerance(config.protocol.t);
  const faulty = crashed.size + byzantine.size;
  const exceeds =
    byzantine.size > tolerance.byzantine || faulty > Math.max(tolerance.crash, tolerance.byzantine) || (hostileClients > 0 && !tolerance.byzantineReaders);
  if (exceeds && !config.expectViolation) {
    fail(
      `faults: ${crashed.size} crashed + ${byzantine.size} Byzantine servers${hostileClients > 0 ? ` + ${hostileClients} hostile clients` : ''} exceed ${protocol.name}'s tolerance with t=${config.protocol.t} (crash ${tolerance.crash}, Byzantine ${tolerance.byzantine}, Byzantine readers ${tolerance.byzantineReaders ? 'yes' : 'no'}); set expectViolation: true to run anyway`,
    );
  }
  return { hostile, byzantine: cluster.servers.filter((id) => byzantine.has(id)) };
}

/** The cluster of a config with n servers: s1..sn, writers w1.., readers r1... */
export function clusterOf(config: ExperimentConfig, n: number): ClusterInfo {
  const servers = Array.from({ length: n }, (_, i) => `s${i + 1}`);
  const writers = Array.from({ length: config.workload.writers }, (_, i) => `w${i + 1}`);
  const readers = Array.from({ length: config.workload.readers }, (_, i) => `r${i + 1}`);
  return { n, t: config.protocol.t, servers, writers, readers };
}

/**
 * Resolves a validated config into its runs (one per repetition; sweeps will add more).
 * `configDir` resolves relative paths (cost profile files); `extra.protocols` replaces the registry
 * (tests define small protocols of their own).
 */
export function resolveExperiment(
  config: ExperimentConfig,
  configDir = process.cwd(),
  extra: { readonly protocols?: Readonly<Record<string, AnyProtocolDefinition>> } = {},
): ResolvedExperiment {
  if (config.swarm !== undefined) return resolveSwarm(config, configDir, extra);
  const { protocol, options, n } = resolveProtocol(config, extra.protocols, configDir);
  const cluster = clusterOf(config, n);
  const workload = resolveWorkload(config.workload, protocol.multiWriter, protocol.name);
  const { hostile: hostileClients, byzantine: byzantineServers } = checkFaults(config, protocol, cluster);
  const network = resolveNetwork(config, cluster.servers, [...cluster.writers, ...cluster.readers, ...hostileClients]);
  const costProfile = resolveCostProfile(config.costProfile, configDir);
  const trace = resolveTraceBounds(config.trace, cluster, hostileClients, config.blocks);
  const valueBytes = Array.isArray(config.workload.valueBytes) ? config.workload.valueBytes.join('|') : config.workload.valueBytes;
  const params = { protocol: protocol.name, t: config.protocol.t, n, valueBytes };
  const runs: ResolvedRun[] = [];
  for (let repetition = 0; repetition < config.repetitions; repetition++) {
    runs.push({
      id: `base#${repetition}`,
      repetition,
      seed: config.seed + repetition,
      params,
      config,
      protocol,
      options,
      t: config.protocol.t,
      n,
      cluster,
      hostileClients,
      byzantineServers,
      network,
      costProfile,
      workload,
      faults: config.faults,
      expectViolation: config.expectViolation,
      maxDurationNs: config.maxDurationMs * NS_PER_MS,
      trace,
    });
  }
  return { config, runs };
}



/**
 * A config with a `swarm:` section: repetition i runs the config drawn from seed `seed + i`
 * (harness/faults/swarm-draw.ts), resolved and validated like any config. The draw happens here, in
 * the run path, so `run --seed S` replays exactly what the swarm ran for seed S.
 */
function resolveSwarm(config: ExperimentConfig, configDir: string, extra: { readonly protocols?: Readonly<Record<string, AnyProtocolDefinition>> }): ResolvedExperiment {
  const swarm = config.swarm!;
  const { protocol, n } = resolveProtocol(config, extra.protocols, configDir);
  if (config.engine !== 'sim') fail(`swarm: draws fault schedules, which only engine: sim runs, got engine: ${config.engine}`);
  swarm.strategies?.forEach((name, i) => {
    if (lookupStrategy(protocol, name) === undefined) {
      fail(`swarm.strategies[${i}]: unknown strategy ${JSON.stringify(name)} for ${protocol.name} (known: ${strategyNames(protocol).join(', ')})`);
    }
  });
  swarm.latencies?.forEach((latency, i) => {
    const parsed = latencySchema.safeParse(latency, { reportInput: true });
    if (!parsed.success) fail(formatIssue(parsed.error.issues[0]!, ['swarm', 'latencies', i]));
  });
  if (swarm.t !== undefined && config.servers !== undefined) fail(`swarm.t: a drawn t needs the protocol's own server count; remove servers: ${config.servers}`);
  // With a drawn t, the largest t bounds the setting; each seed clamps to its own t's tolerance.
  const largestT = swarm.t === undefined ? config.protocol.t : Math.max(...swarm.t);
  const tolerance = protocol.tolerance(largestT);
  const limit = Math.max(tolerance.crash, tolerance.byzantine);
  if (swarm.maxFaultyServers !== undefined && swarm.maxFaultyServers > limit && !config.expectViolation) {
    fail(`swarm.maxFaultyServers: ${protocol.name} with t=${largestT} tolerates ${limit} faulty servers, got ${swarm.maxFaultyServers}; set expectViolation: true to run anyway`);
  }
  if (swarm.minFaultyServers > (swarm.maxFaultyServers ?? limit)) fail(`swarm.minFaultyServers: must be <= maxFaultyServers (${swarm.maxFaultyServers ?? limit}), got ${swarm.minFaultyServers}`);
  const runs: ResolvedRun[] = [];
  for (let repetition = 0; repetition < config.repetitions; repetition++) {
    const seed = config.seed + repetition;
    const drawn = drawSwarm(config, protocol, n, seed).config;
    const run = resolveExperiment(drawn, configDir, extra).runs[0]!;
    runs.push({ ...run, id: `base#${repetition}`, repetition, seed });
  }
  return { config, runs };
}
