/**
 * @module Checking a host before a run, over one SSH session (harness/real/ssh.ts
 * `remoteCheckCommand`): it must be reachable, have Node >= 20, and hold the project at this
 * checkout's git commit with `node_modules` installed, and, when this harness runs compiled, the same
 * compiled harness (dist/, which `npm ci` builds); then its probe (host-probe.ts) picks free ports
 * for its servers and answers clock pings.
 *
 * Clock offset, as NTP and Cristian's algorithm measure it: we send `ping`, the host replies with
 * its CLOCK_MONOTONIC reading, and we take that reading as made at the midpoint of our send and
 * receive times; the ping with the shortest round trip bounds the error best (at most half of it).
 * The system-clock offset then follows from each side's system clock minus its monotonic clock.
 */
import { execFileSync } from 'node:child_process';
import { ConfigError } from '../config/errors.ts';
import type { EntryPoint } from '../entry-points.ts';
import type { HostReport } from '../results/schema.ts';
import { parseChildLine } from './child-lines.ts';
import type { RunHost, SshSettings } from './hosts-config.ts';
import { pongLine, probeErrorLine, probeLine } from './host-probe.ts';
import { PROJECT_ROOT } from './launch.ts';
import { startProcess, type ChildProcessHandle } from './processes.ts';
import { BUILD_COMMAND, CHANGES_COMMAND, CHECK_PREFIX, remoteCheckCommand, remoteEntryFile, sshArgs } from './ssh.ts';
import { realtimeMinusMonotonicUs } from './wall-clock.ts';

/** A checked host: its report, the free ports it found, and its monotonic clock's offset. */
export interface CheckedHost {
  readonly report: HostReport;
  readonly ports: readonly number[];
  /** Its CLOCK_MONOTONIC minus this host's, ns. */
  readonly monotonicOffsetNs: bigint;
}

/** Pings per host; the fastest one is kept. */
const PINGS = 8;
const MIN_NODE_MAJOR = 20;

/**
 * This checkout's git commit, a hash of its uncommitted changes and one of its compiled harness
 * (the same commands as on the hosts).
 */
export function localCheckout(): { readonly commit: string; readonly changes: string; readonly build: string } {
  const run = (command: string): string => {
    try {
      return execFileSync('sh', ['-c', command], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'none';
    } catch {
      return 'none';
    }
  };
  return { commit: run('git rev-parse HEAD'), changes: run(CHANGES_COMMAND), build: run(BUILD_COMMAND) };
}

/** The facts the check script printed: `node`, `commit`, `changes`, `dir`, `modules`, `build`. */
function checkFacts(child: ChildProcessHandle): Map<string, string> {
  const facts = new Map<string, string>();
  for (const line of child.lines) {
    if (line.event !== 'text' || typeof line.text !== 'string' || !line.text.startsWith(`${CHECK_PREFIX} `)) continue;
    const [fact, ...value] = line.text.slice(CHECK_PREFIX.length + 1).split(' ');
    facts.set(fact!, value.join(' '));
  }
  return facts;
}

/** Why the host cannot run the project, from the check's facts (in the order it checks them); undefined: fine. */
function problemOf(host: RunHost, facts: ReadonlyMap<string, string>, local: ReturnType<typeof localCheckout>, probeEntry: EntryPoint): string | undefined {
  const { dir, node } = host.settings;
  if (facts.get('dir') === 'missing') return `project directory ${JSON.stringify(dir)} not found there (real.hosts[${host.index}].dir)`;
  if (facts.get('node') === 'missing') return `${JSON.stringify(node)} not found there (real.hosts[${host.index}].node)`;
  const version = facts.get('node') ?? '';
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (!(major >= MIN_NODE_MAJOR)) return `Node ${version || '(unknown)'} there, need >= ${MIN_NODE_MAJOR} (real.hosts[${host.index}].node: ${JSON.stringify(node)})`;
  const commit = facts.get('commit') ?? 'none';
  if (commit === 'none') return `${dir} there is not a git checkout of the project`;
  if (commit !== local.commit) {
    return `project at commit ${commit.slice(0, 12)} there, this checkout is at ${local.commit.slice(0, 12)}: check out the same commit there (git fetch && git checkout ${local.commit.slice(0, 12)} && npm ci)`;
  }
  if (facts.get('modules') === 'missing') return `no node_modules in ${dir} there: run npm ci there`;
  // Compiled here, so compiled there too (ssh.ts remoteEntryFile): the same build.
  const compiled = remoteEntryFile(probeEntry).endsWith('.js');
  if (facts.get('build') === 'missing') return `no ${remoteEntryFile(probeEntry)} in ${dir} there: run npm ci (or npm run build) there`;
  if (compiled && facts.get('build') !== local.build) return `its compiled harness (dist/) differs from this checkout's: run npm run build there (and here, if the sources changed since the last build)`;
  return undefined;
}

/** The last line of a text, for an error message. */
function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() || '(no message)';
}

/**
 * Checks `host` and measures its clock; `ports` free ports are found for its servers. Every problem
 * is a one-line ConfigError naming the host (exit 2): nothing has been started on any host yet.
 */
export async function checkHost(host: RunHost, ssh: SshSettings, local: ReturnType<typeof localCheckout>, probeEntry: EntryPoint, ports: number, timeoutMs: number): Promise<CheckedHost> {
  const command = remoteCheckCommand(host.settings, probeEntry, host.address, ports);
  const child = startProcess(`check of ${host.label}`, ssh.program, sshArgs(ssh, host.settings.ssh, command), PROJECT_ROOT, { stopByClosingStdin: true });
  try {
    const first = await child.waitForLine((line) => line.event === 'probe' || line.event === 'probe-error', timeoutMs).catch(() => undefined);
    const facts = checkFacts(child);
    if (facts.size === 0) {
      // Nothing printed: ssh itself failed (exit 255: cannot connect, refused key, unknown host key).
      const why = child.exited ? lastLine(child.stderr) : `no answer within ${timeoutMs} ms`;
      throw new ConfigError(`${host.label}: cannot run commands there over ssh: ${why}`);
    }
    const problem = problemOf(host, facts, local, probeEntry);
    if (problem !== undefined) throw new ConfigError(`${host.label}: ${problem}`);
    if (first === undefined) throw new ConfigError(`${host.label}: the probe did not start there: ${lastLine(child.stderr)}`);
    if (first.event === 'probe-error') {
      const { message } = parseChildLine(probeErrorLine, first, child.name);
      throw new ConfigError(`${host.label}: cannot listen on ${host.address} there (real.hosts[${host.index}].address): ${message}`);
    }
    const probe = parseChildLine(probeLine, first, child.name);
    const clock = await measureClock(child, timeoutMs);
    const localRealtimeMinusMonotonicUs = realtimeMinusMonotonicUs();
    const realtimeOffsetUs = Number(clock.offsetNs) / 1000 + (probe.realtimeMinusMonotonicUs - localRealtimeMinusMonotonicUs);
    const report: HostReport = {
      host: host.settings.ssh,
      address: host.address,
      servers: host.settings.servers,
      clientProcesses: host.settings.clientProcesses,
      node: facts.get('node')!,
      commit: facts.get('commit')!,
      sameLocalChanges: facts.get('changes') === local.changes,
      clockOffsetMs: Math.round(realtimeOffsetUs) / 1000,
      clockOffsetErrorMs: Math.ceil(Number(clock.rttNs) / 2 / 1000) / 1000,
    };
    return { report, ports: probe.ports, monotonicOffsetNs: clock.offsetNs };
  } finally {
    await child.stop(2_000);
  }
}

/** Ping-pong over the session: the offset of the fastest round trip, and that round trip (ns). */
async function measureClock(child: ChildProcessHandle, timeoutMs: number): Promise<{ offsetNs: bigint; rttNs: bigint }> {
  let best: { offsetNs: bigint; rttNs: bigint } | undefined;
  for (let seq = 0; seq < PINGS; seq++) {
    const sentNs = process.hrtime.bigint();
    child.writeLine(`ping ${seq}`);
    const line = await child.waitForLine((candidate) => candidate.event === 'pong' && candidate.seq === seq, timeoutMs);
    const receivedNs = process.hrtime.bigint();
    const pong = parseChildLine(pongLine, line, child.name);
    const rttNs = receivedNs - sentNs;
    const offsetNs = BigInt(pong.monotonicNs) - (sentNs + receivedNs) / 2n;
    if (best === undefined || rttNs < best.rttNs) best = { offsetNs, rttNs };
  }
  return best!;
}
