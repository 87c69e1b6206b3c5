/**
 * @module The cluster file of `quorumbench serve` (YAML or JSON): a run config plus where every
 * server listens.
 *
 * A cluster file is an experiment config (the same fields as `quorumbench run` takes, so the servers
 * build exactly the protocol, options, setup, strategies and network emulation the clients expect)
 * with one extra section, `cluster`, mapping each server id to `host:port`, optionally with a
 * Byzantine strategy for that server:
 *
 * ```yaml
 * name: three-hosts
 * seed: 42
 * protocol: { name: abd, t: 1 }
 * workload: { writers: 1, readers: 3, keys: 1 }
 * network: { latency: { distribution: constant, oneWayMs: 0 } }
 * cluster:
 *   s1: 10.0.0.1:7000
 *   s2: 10.0.0.2:7000
 *   s3: { address: 10.0.0.3:7000, strategy: silent }
 * ```
 *
 * `name` and `workload.operations` may be left out (a server does not run a workload). The real
 * engine writes such a file for the servers it starts, with the run's seed and its `runId` (the
 * servers then serve that run only). Without `runId` a server serves the run of the first client
 * that authenticates (hand-started servers: docs/multi-host.md). Without `cluster`, the addresses come
 * from `real.servers`, so the clients' run config can serve as the cluster file.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { NodeId } from '../../protocols/types.ts';
import { byteSize } from '../config/bytes.ts';
import { ConfigError, formatIssue, formatIssues, showValue } from '../config/errors.ts';
import { parseConfig, resolveExperiment, type ResolvedRun } from '../config/index.ts';
import { loadPlugins } from '../config/plugins.ts';
import { CHANNEL_MODES } from './frame.ts';
import { isRunId } from './run-secret.ts';
import { hostSchema, sshSchema } from './hosts-config.ts';
import type { HostPort } from './tcp-transport.ts';
import type { SharedTimebase } from './wall-clock.ts';

/** `host:port`, `[v6]:port`; the port in 1..65535 (0 is allowed only where the caller picks one). */
export function parseHostPort(text: string, field: string, allowZeroPort = false): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || !(port <= 65535) || (port === 0 && !allowZeroPort)) {
    throw new ConfigError(`${field}: expected host:port, got ${showValue(text)}`);
  }
  return { host: (match[1] ?? match[2])!, port };
}

const serverEntrySchema = z.union([
  z.string(),
  z.strictObject({
    address: z.string(),
    /** A Byzantine strategy (generic or the protocol's) this server runs; becomes a `byzantine` fault. */
    strategy: z.string().min(1).optional(),
  }),
]);

const clusterSectionSchema = z.record(z.string(), serverEntrySchema);

export interface ClusterFile {
  /** The run these servers take part in (protocol, options, seed, network, faults). */
  readonly run: ResolvedRun;
  /** Address of every server, by id (all of s1..sn). */
  readonly addresses: ReadonlyMap<NodeId, HostPort>;
  /** The run these servers serve; absent: the run of the first client that authenticates. */
  readonly runId?: string;
}

/** Validates cluster-file data; every problem is a one-line ConfigError naming the field. */
export function parseClusterFile(data: unknown, configDir = process.cwd()): ClusterFile {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`cluster file: expected an object, got ${showValue(data)}`);
  const { cluster: clusterSection, runId, ...rest } = data as Record<string, unknown>;
  if (runId !== undefined && !isRunId(runId)) throw new ConfigError(`runId: expected 1..64 characters of A-Z a-z 0-9 _ . -, got ${showValue(runId)}`);
  // Without a `cluster` section, the addresses of a run config's `real.servers` serve: one file can
  // then be both the clients' run config and the servers' cluster file (docs/multi-host.md).
  const realServers = (rest.real as { servers?: unknown } | undefined)?.servers;
  const cluster = clusterSection ?? realServers;
  const section = clusterSection === undefined ? 'real.servers' : 'cluster';
  const parsedCluster = clusterSectionSchema.safeParse(cluster, { reportInput: true });
  if (!parsedCluster.success) {
    if (cluster === undefined) throw new ConfigError('cluster: required (server id → host:port), or real.servers, got nothing');
    throw new ConfigError(formatIssue(parsedCluster.error.issues[0]!, clusterSection === undefined ? ['real', 'servers'] : ['cluster']));
  }

  const experiment: Record<string, unknown> = { name: 'cluster', ...rest };
  const workload = (experiment.workload ?? {}) as Record<string, unknown>;
  if (typeof workload === 'object' && workload !== null && workload.operations === undefined && workload.durationMs === undefined) {
    experiment.workload = { ...workload, operations: 1 };
  }
  const faults = Array.isArray(experiment.faults) ? [...(experiment.faults as unknown[])] : experiment.faults === undefined ? [] : experiment.faults;
  const addresses = new Map<NodeId, HostPort>();
  for (const [id, entry] of Object.entries(parsedCluster.data)) {
    if (!/^s[1-9]\d*$/.test(id)) throw new ConfigError(`${section}.${id}: must be a server id like s1, got ${showValue(id)}`);
    const address = typeof entry === 'string' ? entry : entry.address;
    addresses.set(id, parseHostPort(address, `${section}.${id}${typeof entry === 'string' ? '' : '.address'}`));
    if (typeof entry !== 'string' && entry.strategy !== undefined && Array.isArray(faults)) {
      faults.push({ type: 'byzantine', node: id, strategy: entry.strategy });
    }
  }
  experiment.faults = faults;
  // One run: the cluster file's seed is the run's seed (the engine writes the run's own seed).
  experiment.repetitions = 1;

  const config = parseConfig(experiment);
  const run = resolveExperiment(config, configDir).runs[0]!;
  for (const id of run.cluster.servers) {
    if (!addresses.has(id)) throw new ConfigError(`${section}.${id}: missing address of server ${id} (n=${run.n})`);
  }
  for (const id of addresses.keys()) {
    if (!run.cluster.servers.includes(id)) throw new ConfigError(`${section}.${id}: no such server, the cluster has s1..s${run.n}`);
  }
  return { run, addresses, ...(runId === undefined ? {} : { runId }) };
}

/** Loads the protocol plugin a cluster file names (before {@link readClusterFile}; an unreadable file is its error). */
export async function loadClusterPlugins(path: string): Promise<void> {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch {
    return;
  }
  await loadPlugins(data, dirname(path));
}

export function readClusterFile(path: string): ClusterFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`--cluster: cannot read file ${JSON.stringify(path)}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`--cluster: ${path} is not valid YAML or JSON: ${String((error as Error).message).split('\n')[0]}`);
  }
  return parseClusterFile(data, dirname(path));
}

/** Settings under `real:` in a run config (validated here, as the schema's comment asks). */
export const realSettingsSchema = z.strictObject({
  /**
   * Client processes: 0 runs the workload clients in the harness process; K > 0 runs them in K child
   * processes (`quorumbench client-process`), round-robin, at most one per client. The harness keeps
   * the workload and the history either way (harness/real/client-process.ts). @default 0
   */
  clientProcesses: z.number().int().min(0).max(256).default(0),
  /** Interface the spawned servers listen on. @default 127.0.0.1 */
  host: z.string().min(1).default('127.0.0.1'),
  /** Largest frame accepted from a peer, bytes. @default 65 MiB */
  maxFrameBytes: byteSize({ min: 1024, max: 2 ** 31 }).optional(),
  /**
   * Emulated delays: how close to a message's release time a process stops sleeping and polls, ms.
   * Polling makes releases precise to a few µs but burns CPU while messages are due; 0 = timers only
   * (no busy-waiting; each hop up to ~1 ms late). @default 1.2
   */
  timerSpinMs: z.number().min(0).max(20).default(1.2),
  /**
   * Where emulated delays are applied: `receiver` holds each message until its due time on the system
   * clock (transfer time absorbed; processes must share a clock: one host or NTP/PTP-synchronized
   * hosts); `sender` holds it before writing (the real network's delay adds to the emulated one).
   * @default receiver
   */
  holdAt: z.enum(['receiver', 'sender']).default('receiver'),
  /**
   * The clock that due times sent between processes refer to (with `holdAt: receiver`): `monotonic`
   * is exact for processes on one host; `realtime` (the system clock) is for several hosts kept in
   * step by NTP/PTP. @default monotonic, or realtime when `servers` lists external servers; a
   * hand-started `quorumbench serve` defaults to realtime (the engine states it in the files it writes)
   */
  sharedClock: z.enum(['monotonic', 'realtime']).optional(),
  /** How long to wait for every server's ready line, ms. @default 30000 */
  startTimeoutMs: z.number().gt(0).default(30_000),
  /**
   * End the run as idle when no message arrived and no timer was pending for this long, ms (operations
   * blocked by faults beyond tolerance would otherwise wait for maxDurationMs). @default 5000
   */
  idleTimeoutMs: z.number().gt(0).default(5_000),
  /**
   * After the workload is done, wait until no frame has reached this process for this long, ms, before
   * stopping the servers, so that replies still in flight are sent and counted for their operations
   * (at most `idleTimeoutMs`). @default 100
   */
  settleMs: z.number().min(0).default(100),
  /**
   * Servers already running elsewhere (`quorumbench serve` on other hosts), id → host:port. When set,
   * the engine starts no server process and connects to these (docs/multi-host.md).
   */
  servers: z.record(z.string(), z.string()).optional(),
  /**
   * The run secret the servers listed in `servers` were started with (`serve --secret-file`): a file
   * of 64 hex characters readable only by its owner; a relative path is relative to the working
   * directory. Required with `servers`; otherwise the engine draws a fresh secret for every run.
   */
  secretFile: z.string().min(1).optional(),
  /**
   * Protection of every frame on top of the authenticated handshake: `plain` (none), `hmac` (an
   * HMAC-SHA-256 per frame), `tls` (TLS 1.2 with a key derived from the run secret). The simulator
   * charges an HMAC per frame sent and received for `hmac` and `tls`. @default plain
   */
  channels: z.enum(CHANNEL_MODES).default('plain'),
  /**
   * Machines that the engine starts the servers (and optionally client processes) on, over SSH
   * (harness/real/hosts-config.ts, docs/multi-host.md). Not with `servers`.
   */
  hosts: z.array(hostSchema).min(1).optional(),
  /** How to reach `hosts` over SSH. */
  ssh: sshSchema.default(sshSchema.parse({})),
});
export type RealSettings = z.infer<typeof realSettingsSchema>;

/** The shared timebase of a run's processes (see `sharedClock`). */
export function sharedTimebaseOf(settings: RealSettings): SharedTimebase {
  return settings.sharedClock ?? (settings.servers === undefined && settings.hosts === undefined ? 'monotonic' : 'realtime');
}

/** Client processes of a run: on the harness's machine and on the hosts. */
export function clientProcessCount(settings: RealSettings): number {
  return settings.clientProcesses + (settings.hosts ?? []).reduce((sum, host) => sum + host.clientProcesses, 0);
}

/** Whether `real.channels` puts a MAC on every frame (hmac, or TLS's record MAC), which both engines charge. */
export function framesCarryMac(real: unknown): boolean {
  return parseRealSettings(real).channels !== 'plain';
}

export function parseRealSettings(value: unknown): RealSettings {
  const parsed = realSettingsSchema.safeParse(value ?? {}, { reportInput: true });
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, ['real'], realSettingsSchema));
  if (parsed.data.servers !== undefined && parsed.data.hosts !== undefined) {
    throw new ConfigError('real.hosts: cannot be combined with real.servers (servers already running elsewhere); use one of them');
  }
  return parsed.data;
}
