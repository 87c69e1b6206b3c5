/**
 * @module Starting a real-engine run's processes: what each process is (a {@link ProcessPlan}: one
 * `quorumbench serve` per server, K `quorumbench client-process`), the files they read (the cluster
 * file: the run's config, its run id and the addresses; the run secret), and where they start (a
 * {@link Site}). {@link launch} starts them on this host: free loopback ports, the files in a
 * private temporary folder (mode 0700, files 0600), children of this process; ssh-launch.ts starts
 * them on other hosts over SSH, with the same plans and files. Either way every process is waited
 * for until ready, and whatever fails, every one already started is stopped and the folder removed.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve as resolvePath } from 'node:path';
import type { NodeId } from '../../protocols/types.ts';
import { ConfigError } from '../config/errors.ts';
import { entryFile, PROJECT_ROOT, type EntryPoint } from '../entry-points.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import { portableProtocolSection } from '../config/plugins.ts';
import type { HostReport } from '../results/schema.ts';
import { parseHostPort, sharedTimebaseOf, type RealSettings } from './cluster-file.ts';
import { freePorts } from './ports.ts';
import { makeRunFolder } from './run-folder.ts';
import { ChildProcessHandle, startNodeScript, trackTempDir, untrackTempDir, type ChildLine } from './processes.ts';
import { secretFileText } from './run-secret.ts';
import type { HostPort } from './tcp-transport.ts';
import { clientProcessName, processTracePath } from '../trace/process-file.ts';

/** The project root (where node_modules is), the children's working directory. */
export { PROJECT_ROOT };
/** Runs only the `serve` command of the CLI: same flags, faster start than the whole CLI. */
export const SERVE_ENTRY = entryFile('harness/cli/serve-entry');

export { freePorts } from './ports.ts';

/** `host:port`, `[v6]:port`. */
function formatHostPort(address: HostPort): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** Who may take part in a run: its id, its secret, and where a process finds the secret. */
export interface RunAccess {
  readonly runId: string;
  readonly secret: Uint8Array;
  /** A secret file that already exists (`real.secretFile`); else launch writes one into its folder. */
  readonly secretFile?: string;
}

/**
 * The cluster file for a run: its config with the run's own protocol parameters and seed (a sweep
 * point may differ from the base config), its run id, and the server addresses.
 */
export function clusterFileData(run: ResolvedRun, seed: number, addresses: ReadonlyMap<NodeId, HostPort>, runId: string, settings?: RealSettings): Record<string, unknown> {
  const config = run.config;
  const cluster: Record<string, string> = {};
  for (const [id, address] of addresses) cluster[id] = formatHostPort(address);
  return {
    ...config,
    name: config.name,
    engine: 'real',
    seed,
    repetitions: 1,
    protocol: portableProtocolSection(run.protocol, run.t, run.options),
    servers: run.n,
    // Servers charge no simulated CPU; a relative profile path would not resolve from the temp dir.
    costProfile: 'zero',
    workload: { ...config.workload, keys: run.workload.keys, writers: run.cluster.writers.length, readers: run.cluster.readers.length },
    faults: run.faults,
    runId,
    // The timebase the harness uses, stated: a hand-started `serve` defaults to realtime. How to
    // reach the hosts concerns only the harness.
    ...(settings === undefined ? {} : { real: { ...withoutKeys(config.real, ['hosts', 'ssh']), sharedClock: sharedTimebaseOf(settings) } }),
    cluster,
  };
}

function withoutKeys(record: Readonly<Record<string, unknown>> | undefined, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record ?? {}).filter(([key]) => !keys.includes(key)));
}

/** The processes of one run, started and ready. */
export interface Launched {
  readonly addresses: ReadonlyMap<NodeId, HostPort>;
  readonly servers: ReadonlyMap<NodeId, ChildProcessHandle>;
  readonly clientProcesses: readonly ChildProcessHandle[];
  /** Which client process hosts each remote workload client. */
  readonly clientOf: ReadonlyMap<NodeId, ChildProcessHandle>;
  /** The private folder holding the cluster file; removed by {@link removeLaunchFolder}. */
  readonly tempDir: string | undefined;
  /**
   * Client processes on other hosts: their host's CLOCK_MONOTONIC minus this host's, ns, as measured
   * (ssh-launch.ts), so that they report times on the harness's clock. Absent: same host (0).
   */
  readonly monotonicShiftNs?: ReadonlyMap<ChildProcessHandle, bigint>;
  /** The hosts the processes run on (SSH launcher): their checks and clock offsets. */
  readonly hosts?: readonly HostReport[];
}

export function removeLaunchFolder(tempDir: string | undefined): void {
  if (tempDir === undefined) return;
  rmSync(tempDir, { recursive: true, force: true });
  untrackTempDir(tempDir);
}

/**
 * An argument of a process's command line: text, the path of one of the run's files
 * ({@link runFiles}), which the launcher writes where the process runs, or the path of the folder
 * that holds them there.
 */
type LaunchArg = string | { readonly file: string } | { readonly runFolder: true };

/** One process to start: one of the harness's entry points (harness/entry-points.ts) and its arguments. */
export interface ProcessPlan {
  readonly name: string;
  readonly entry: EntryPoint;
  readonly args: readonly LaunchArg[];
}

/**
 * The files the run's processes read, by name: written into a private folder (mode 0700) on every
 * host that runs one of them, here by {@link LocalSite}, elsewhere by ssh-launch.ts.
 */
export function runFiles(run: ResolvedRun, seed: number, addresses: ReadonlyMap<NodeId, HostPort>, settings: RealSettings, access: RunAccess): Map<string, string> {
  const files = new Map([['cluster.json', JSON.stringify(clusterFileData(run, seed, addresses, access.runId, settings), null, 2)]]);
  // The run secret travels as a file of the run, unless the processes read one that exists already.
  if (access.secretFile === undefined) files.set('secret', secretFileText(access.secret));
  return files;
}

/** `--secret-file`: the run's own secret file, or the existing one (`real.secretFile`). */
function secretArgs(access: RunAccess): LaunchArg[] {
  return ['--secret-file', access.secretFile === undefined ? { file: 'secret' } : resolvePath(access.secretFile)];
}

/** `--trace-file` of a traced process: its file in the run's folder (trace/process-file.ts). */
function traceArgs(traced: boolean, name: string): LaunchArg[] {
  return traced ? ['--trace-file', { file: basename(processTracePath('', name)) }] : [];
}

/**
 * `--run-folder`: the process removes the run's folder if its stdin closes before it was told to
 * stop, that is when the harness died without its exit hooks (SIGKILL): the folder holds the run
 * secret, and nobody else is left to remove it.
 */
const RUN_FOLDER_ARGS: readonly LaunchArg[] = ['--run-folder', { runFolder: true }];

/** `quorumbench serve` for server `id`, listening on `listen`; `traced`: it records its trace. */
function serverPlan(id: NodeId, listen: HostPort, access: RunAccess, traced: boolean): ProcessPlan {
  const args: LaunchArg[] = ['--id', id, '--listen', formatHostPort(listen), '--cluster', { file: 'cluster.json' }, ...secretArgs(access), '--exit-on-stdin-close', ...RUN_FOLDER_ARGS, ...traceArgs(traced, id)];
  return { name: `server ${id}`, entry: 'harness/cli/serve-entry', args };
}

/** Client process `k` of `count`, with its share of the workload clients (round-robin). */
function clientProcessPlan(run: ResolvedRun, k: number, count: number, access: RunAccess, traced: boolean): { readonly plan: ProcessPlan; readonly clients: readonly NodeId[] } {
  // Round-robin: writers and readers spread over the processes alike.
  const clients = [...run.cluster.writers, ...run.cluster.readers].filter((_, i) => i % count === k);
  const args: LaunchArg[] = ['--cluster', { file: 'cluster.json' }, ...secretArgs(access), '--clients', clients.join(','), '--index', String(k), ...RUN_FOLDER_ARGS, ...traceArgs(traced, clientProcessName(k))];
  return { plan: { name: `client process ${k}`, entry: 'harness/cli/client-entry', args }, clients };
}

/** A plan's arguments as words: each file named by `pathOf(name)`, the run's folder by `folder`. */
function planArgs(plan: ProcessPlan, pathOf: (file: string) => string, folder: string): string[] {
  return plan.args.map((arg) => (typeof arg === 'string' ? arg : 'file' in arg ? pathOf(arg.file) : folder));
}

/** Where a run's processes start: this host ({@link LocalSite}), or another one over SSH (ssh-launch.ts). */
export interface Site {
  /**
   * Whether what a process writes into the run's folder can be read here after it stops (its trace):
   * only on this host; a remote process's folder goes with it.
   */
  readonly local: boolean;
  /** Starts `plan` there, with the run's `files` there; `onLine` sees its stdout lines first. */
  start(plan: ProcessPlan, files: ReadonlyMap<string, string>, onLine?: (line: ChildLine, child: ChildProcessHandle) => boolean): ChildProcessHandle;
}

/** This host: the run's files in a private temporary folder (made on the first start), children of this process. */
export class LocalSite implements Site {
  readonly local = true;
  tempDir: string | undefined;

  start(plan: ProcessPlan, files: ReadonlyMap<string, string>, onLine?: (line: ChildLine, child: ChildProcessHandle) => boolean): ChildProcessHandle {
    if (this.tempDir === undefined) {
      this.tempDir = makeRunFolder();
      trackTempDir(this.tempDir);
      // New files (`wx`) that only their owner can read, in a folder only its owner can enter.
      for (const [name, content] of files) writeFileSync(join(this.tempDir, name), content, { mode: 0o600, flag: 'wx' });
    }
    const dir = this.tempDir;
    return startNodeScript(plan.name, entryFile(plan.entry), planArgs(plan, (file) => join(dir, file), dir), PROJECT_ROOT, onLine);
  }
}

/** Where each process of a run starts. */
interface Placement {
  /** The site of each server to start (none when the servers run already: `real.servers`). */
  readonly serverSites: ReadonlyMap<NodeId, Site>;
  /** The site of each client process, in order (k = index). */
  readonly clientSites: readonly Site[];
}

/**
 * Starts the run's processes where `placement` says and waits until every one is ready; if anything
 * fails, stops every one already started and rethrows. `onClientLine` sees the client processes' lines first.
 */
export async function startProcesses(
  run: ResolvedRun,
  files: ReadonlyMap<string, string>,
  addresses: ReadonlyMap<NodeId, HostPort>,
  access: RunAccess,
  placement: Placement,
  startTimeoutMs: number,
  onClientLine: (line: ChildLine, child: ChildProcessHandle) => boolean,
): Promise<Pick<Launched, 'servers' | 'clientProcesses' | 'clientOf'>> {
  const servers = new Map<NodeId, ChildProcessHandle>();
  const clientProcesses: ChildProcessHandle[] = [];
  const clientOf = new Map<NodeId, ChildProcessHandle>();
  try {
    const traced = run.trace !== null;
    for (const [id, site] of placement.serverSites) servers.set(id, site.start(serverPlan(id, addresses.get(id)!, access, traced && site.local), files));
    // Client processes start alongside the servers (they dial only when their first operation comes).
    for (const [k, site] of placement.clientSites.entries()) {
      const { plan, clients } = clientProcessPlan(run, k, placement.clientSites.length, access, traced && site.local);
      const child = site.start(plan, files, onClientLine);
      clientProcesses.push(child);
      for (const id of clients) clientOf.set(id, child);
    }
    await Promise.all([...servers.values(), ...clientProcesses].map((child) => child.waitForLine((line) => line.event === 'ready', startTimeoutMs)));
    return { servers, clientProcesses, clientOf };
  } catch (error) {
    await Promise.all([...clientProcesses, ...servers.values()].map((child) => child.stop(1_000)));
    throw error;
  }
}

/** The addresses of the servers: `real.servers` (already running elsewhere), or free local ports. */
async function serverAddresses(run: ResolvedRun, settings: RealSettings): Promise<Map<NodeId, HostPort>> {
  if (settings.servers !== undefined) {
    const addresses = new Map(Object.entries(settings.servers).map(([id, text]) => [id, parseHostPort(text, `real.servers.${id}`)]));
    for (const id of run.cluster.servers) {
      if (!addresses.has(id)) throw new ConfigError(`real.servers.${id}: missing address of server ${id} (n=${run.n})`);
    }
    return addresses;
  }
  const ports = await freePorts(settings.host, run.n);
  return new Map(run.cluster.servers.map((id, i) => [id, { host: settings.host, port: ports[i]! }]));
}

/**
 * Starts the servers on this host (unless `real.servers` names running ones) and the client
 * processes, and waits until every one is ready. (`real.hosts`: ssh-launch.ts starts them on other
 * hosts instead.) `onClientLine` sees the client processes' lines first.
 */
export async function launch(
  run: ResolvedRun,
  seed: number,
  settings: RealSettings,
  access: RunAccess,
  onClientLine: (line: ChildLine, child: ChildProcessHandle) => boolean,
): Promise<Launched> {
  const here = new LocalSite();
  try {
    const addresses = await serverAddresses(run, settings);
    const serverSites = new Map<NodeId, Site>(settings.servers === undefined ? run.cluster.servers.map((id) => [id, here]) : []);
    const clientSites = Array.from({ length: settings.clientProcesses }, () => here);
    const files = runFiles(run, seed, addresses, settings, access);
    const started = await startProcesses(run, files, addresses, access, { serverSites, clientSites }, settings.startTimeoutMs, onClientLine);
    return { addresses, ...started, tempDir: here.tempDir };
  } catch (error) {
    removeLaunchFolder(here.tempDir);
    throw error;
  }
}
