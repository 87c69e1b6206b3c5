/**
 * @module Starting a real-engine run's processes on other hosts over SSH (`real.hosts`), the way
 * Jepsen's control node drives its nodes: one SSH session per process, nothing installed or left
 * running there.
 *
 * Steps: check every host (host-check.ts: reachable, Node >= 20, the same git commit, free ports for
 * its servers, its clock offset) and report each; then start the servers and client processes with
 * the same plans and files as on this host (launch.ts), each in its own session (ssh.ts), and wait
 * for their ready lines. Client processes of `real.clientProcesses` run on this host as usual. The
 * engine stops the sessions like local children (closing their stdin: the remote processes print
 * their stats and exit), and every remote process exits when its session ends for any other reason.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { EntryPoint } from '../entry-points.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import type { RealSettings } from './cluster-file.ts';
import type { HostReport } from '../results/schema.ts';
import { checkHost, localCheckout, type CheckedHost } from './host-check.ts';
import { runHosts, type RunHost, type SshSettings } from './hosts-config.ts';
import { LocalSite, PROJECT_ROOT, removeLaunchFolder, runFiles, startProcesses, type Launched, type ProcessPlan, type RunAccess, type Site } from './launch.ts';
import { startProcess, type ChildLine, type ChildProcessHandle } from './processes.ts';
import { fileLines, remoteProcessCommand, sshArgs } from './ssh.ts';
import type { HostPort } from './tcp-transport.ts';

/** The host probe's entry point (run on each host by the check). */
export const PROBE_ENTRY: EntryPoint = 'harness/cli/probe-entry';

/** A host reached over SSH: each process is one session, given the run's files on its stdin. */
class SshSite implements Site {
  readonly local = false;

  constructor(
    private readonly host: RunHost,
    private readonly ssh: SshSettings,
  ) {}

  start(plan: ProcessPlan, files: ReadonlyMap<string, string>, onLine?: (line: ChildLine, child: ChildProcessHandle) => boolean): ChildProcessHandle {
    const command = remoteProcessCommand(this.host.settings, plan, [...files.keys()]);
    const child = startProcess(`${plan.name} on ${this.host.settings.ssh}`, this.ssh.program, sshArgs(this.ssh, this.host.settings.ssh, command), PROJECT_ROOT, {
      stopByClosingStdin: true,
      ...(onLine === undefined ? {} : { onLine }),
    });
    child.child.stdin!.write(fileLines(files));
    return child;
  }
}

/** One console line per host: what it runs, and what the check found. */
function describeHost(report: HostReport): string {
  const offset = `${report.clockOffsetMs >= 0 ? '+' : ''}${report.clockOffsetMs.toFixed(3)} ms ± ${report.clockOffsetErrorMs.toFixed(3)} ms`;
  const runs = [...report.servers, ...(report.clientProcesses > 0 ? [`${report.clientProcesses} client process(es)`] : [])].join(', ');
  return `host ${report.host} (${report.address}): ${runs || 'nothing'}; node ${report.node}, commit ${report.commit.slice(0, 12)}, clock offset ${offset}`;
}

/** Checks every host (all of them, in parallel); the first failure in host order is thrown. */
async function checkHosts(hosts: readonly RunHost[], settings: RealSettings): Promise<CheckedHost[]> {
  const local = localCheckout();
  const results = await Promise.allSettled(hosts.map((host) => checkHost(host, settings.ssh, local, PROBE_ENTRY, host.settings.servers.length, settings.startTimeoutMs)));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<CheckedHost>).value);
}

/** Starts the run's processes on `real.hosts` (and client processes of `real.clientProcesses` here). */
export async function launchOnHosts(
  run: ResolvedRun,
  seed: number,
  settings: RealSettings,
  access: RunAccess,
  onClientLine: (line: ChildLine, child: ChildProcessHandle) => boolean,
): Promise<Launched> {
  const hosts = runHosts(run, settings.hosts ?? []);
  const checked = await checkHosts(hosts, settings);
  for (const { report } of checked) {
    process.stderr.write(`${describeHost(report)}\n`);
    if (!report.sameLocalChanges) process.stderr.write(`host ${report.host}: warning: its uncommitted changes differ from this checkout's (git diff HEAD): it may run other code\n`);
  }

  const addresses = new Map<NodeId, HostPort>();
  const serverSites = new Map<NodeId, Site>();
  const here = new LocalSite();
  const clientSites: Site[] = Array.from({ length: settings.clientProcesses }, () => here);
  const clientShiftNs: (bigint | undefined)[] = clientSites.map(() => undefined);
  for (const [i, host] of hosts.entries()) {
    const site = new SshSite(host, settings.ssh);
    for (const [k, id] of host.settings.servers.entries()) {
      addresses.set(id, { host: host.address, port: checked[i]!.ports[k]! });
      serverSites.set(id, site);
    }
    for (let k = 0; k < host.settings.clientProcesses; k++) {
      clientSites.push(site);
      clientShiftNs.push(checked[i]!.monotonicOffsetNs);
    }
  }
  try {
    const files = runFiles(run, seed, addresses, settings, access);
    const started = await startProcesses(run, files, addresses, access, { serverSites, clientSites }, settings.startTimeoutMs, onClientLine);
    const monotonicShiftNs = new Map<ChildProcessHandle, bigint>();
    for (const [k, child] of started.clientProcesses.entries()) {
      const shift = clientShiftNs[k];
      if (shift !== undefined) monotonicShiftNs.set(child, shift);
    }
    return { addresses, ...started, tempDir: here.tempDir, monotonicShiftNs, hosts: checked.map(({ report }) => report) };
  } catch (error) {
    removeLaunchFolder(here.tempDir);
    throw error;
  }
}
