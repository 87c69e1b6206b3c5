/**
 * @module Starting a real-engine run's processes on this host: free loopback ports, the cluster file
 * (the run's config, its run id and the addresses) and the run secret (mode 0600) in a private
 * temporary folder (mode 0700), one `quorumbench serve` per server and K `quorumbench client-process`
 * children, each waited for until ready. Whatever fails, every child already started is stopped and
 * the folder removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { NodeId } from '../../protocols/types.ts';
import { ConfigError } from '../config/errors.ts';
import { entryFile, PROJECT_ROOT } from '../entry-points.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import { writeFileAtomic } from '../results/writer.ts';
import { portableProtocolSection } from '../config/plugins.ts';
import { parseHostPort, sharedTimebaseOf, type RealSettings } from './cluster-file.ts';
import { ChildProcessHandle, startNodeScript, trackTempDir, untrackTempDir, type ChildLine } from './processes.ts';
import { writeSecretFile } from './run-secret.ts';
import type { HostPort } from './tcp-transport.ts';
import { clientProcessName, processTracePath } from '../trace/process-file.ts';

/** The project root (where node_modules is), the children's working directory. */
export { PROJECT_ROOT };
/** Runs only the `serve` command of the CLI: same flags, faster start than the whole CLI. */
export const SERVE_ENTRY = entryFile('harness/cli/serve-entry');
/** Runs only the `client-process` command of the CLI. */
export const CLIENT_ENTRY = entryFile('harness/cli/client-entry');

/** Free TCP ports on `host`: all bound at once (so they differ), then released for the servers. */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
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
  for (const [id, address] of addresses) cluster[id] = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
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
    // The timebase the harness uses, stated: a hand-started `serve` defaults to realtime.
    ...(settings === undefined ? {} : { real: { ...config.real, sharedClock: sharedTimebaseOf(settings) } }),
    cluster,
  };
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
}

export function removeLaunchFolder(tempDir: string | undefined): void {
  if (tempDir === undefined) return;
  rmSync(tempDir, { recursive: true, force: true });
  untrackTempDir(tempDir);
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
 * Starts the servers (unless `real.servers` names running ones) and the client processes, and waits
 * until every one is ready. `onClientLine` sees the client processes' lines first.
 */
export async function launch(
  run: ResolvedRun,
  seed: number,
  settings: RealSettings,
  access: RunAccess,
  onClientLine: (line: ChildLine, child: ChildProcessHandle) => boolean,
): Promise<Launched> {
  const servers = new Map<NodeId, ChildProcessHandle>();
  const clientProcesses: ChildProcessHandle[] = [];
  const clientOf = new Map<NodeId, ChildProcessHandle>();
  let tempDir: string | undefined;
  try {
    const addresses = await serverAddresses(run, settings);
    const needsFile = settings.servers === undefined || settings.clientProcesses > 0;
    if (needsFile) {
      tempDir = mkdtempSync(join(tmpdir(), 'quorumbench-real-'));
      trackTempDir(tempDir);
    }
    const clusterPath = tempDir === undefined ? undefined : join(tempDir, 'cluster.json');
    if (clusterPath !== undefined) writeFileAtomic(clusterPath, JSON.stringify(clusterFileData(run, seed, addresses, access.runId, settings), null, 2));
    let secretPath = access.secretFile === undefined ? undefined : resolvePath(access.secretFile);
    if (secretPath === undefined && tempDir !== undefined) {
      secretPath = join(tempDir, 'secret');
      writeSecretFile(secretPath, access.secret);
    }
    if (settings.servers === undefined) {
      for (const [id, address] of addresses) {
        const args = ['--id', id, '--listen', `${address.host}:${address.port}`, '--cluster', clusterPath!, '--secret-file', secretPath!, '--exit-on-stdin-close'];
        if (run.trace !== null) args.push('--trace-file', processTracePath(tempDir!, id));
        servers.set(id, startNodeScript(`server ${id}`, SERVE_ENTRY, args, PROJECT_ROOT));
      }
    }
    // Client processes start alongside the servers (they dial only when their first operation comes).
    const workloadClients = [...run.cluster.writers, ...run.cluster.readers];
    for (let k = 0; k < settings.clientProcesses; k++) {
      // Round-robin: writers and readers spread over the processes alike.
      const ids = workloadClients.filter((_, i) => i % settings.clientProcesses === k);
      const args = ['--cluster', clusterPath!, '--secret-file', secretPath!, '--clients', ids.join(','), '--index', String(k)];
      if (run.trace !== null) args.push('--trace-file', processTracePath(tempDir!, clientProcessName(k)));
      const child = startNodeScript(`client process ${k}`, CLIENT_ENTRY, args, PROJECT_ROOT, onClientLine);
      clientProcesses.push(child);
      for (const id of ids) clientOf.set(id, child);
    }
    await Promise.all([...servers.values(), ...clientProcesses].map((child) => child.waitForLine((line) => line.event === 'ready', settings.startTimeoutMs)));
    return { addresses, servers, clientProcesses, clientOf, tempDir };
  } catch (error) {
    await Promise.all([...clientProcesses, ...servers.values()].map((child) => child.stop(1_000)));
    removeLaunchFolder(tempDir);
    throw error;
  }
}
