/**
 * @module A lab of Linux network namespaces that act as separate hosts for the SSH launcher: each
 * namespace has its own address on a private bridge and its own sshd (Debian's openssh-server) with a
 * host key and a client key made for the lab in a temporary folder. Needs root and `ip netns`.
 *
 * Layout: a bridge in this (the root) namespace holds `<subnet>.1`; host i is namespace `<tag>-i`
 * with a veth pair whose inner end, `eth0`, holds `<subnet>.(10+i)`. The namespaces have no route
 * beyond the subnet, so nothing in the lab reaches any other network. They share this machine's file
 * system, so every host sees this checkout at the same path and commit.
 *
 * Shaping (optional): `tc tbf` rate limits on both ends of every veth, that is on each host's uplink
 * and downlink, and `netem` delay where the kernel has it (see {@link netemAvailable}).
 *
 * Cleanup: {@link NetnsLab.teardown} kills every process in the namespaces, deletes them (their
 * veths go with them), the bridge, and the temporary folder; it is synchronous, and runs from an
 * `exit` hook and on SIGINT/SIGTERM too, so no exit path leaves anything behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LabOptions {
  /** Hosts (namespaces) to make, 1..20. */
  readonly hosts: number;
  /** The /24 the lab uses, as its first three octets (a private range). @default 10.77.0 */
  readonly subnet?: string;
  /** tbf rate limit on each host's uplink and downlink, MB/s (10^6 bytes/s); none if absent. */
  readonly tbfMBps?: number;
  /** netem one-way delay on each host's uplink, ms; needs the kernel's netem (else an error). */
  readonly netemDelayMs?: number;
}

export interface LabHost {
  /** The namespace's name. */
  readonly namespace: string;
  readonly address: string;
  /** `root@address`, for `real.hosts[].ssh`. */
  readonly ssh: string;
}

/** Runs a command; its stderr becomes the error message. */
function run(file: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input === undefined ? {} : { input }) });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`${file} ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
}

/** Like {@link run}, for cleanup: failures are ignored (the thing may be gone already). */
function tryRun(file: string, args: readonly string[]): void {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
  } catch {
    // Already gone.
  }
}

/** Why this machine cannot host a lab, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  if (!existsSync('/usr/sbin/sshd')) return 'no /usr/sbin/sshd (apt-get install openssh-server)';
  for (const tool of ['ssh', 'ssh-keygen', 'ip', 'tc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `no ${tool} command`;
    }
  }
  const probe = `qbprobe${process.pid}`;
  try {
    run('ip', ['netns', 'add', probe]);
  } catch (error) {
    return `ip netns does not work here: ${(error as Error).message}`;
  } finally {
    tryRun('ip', ['netns', 'del', probe]);
  }
  return undefined;
}

/** Whether the kernel has the netem qdisc (tried on the loopback of a scratch namespace). */
export function netemAvailable(): { readonly available: boolean; readonly reason: string } {
  const scratch = `qbnetem${process.pid}`;
  try {
    run('ip', ['netns', 'add', scratch]);
    run('ip', ['-n', scratch, 'link', 'set', 'lo', 'up']);
    run('tc', ['-n', scratch, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']);
    return { available: true, reason: 'netem qdisc added' };
  } catch (error) {
    return { available: false, reason: (error as Error).message.split('\n')[0]! };
  } finally {
    tryRun('ip', ['netns', 'del', scratch]);
  }
}

/** tbf on `dev` at `mbps` MB/s: a burst of 1 ms of traffic (at least 64 KiB for segmentation offload), a deep queue. */
function tbfArgs(mbps: number): string[] {
  const bytesPerS = mbps * 1e6;
  const burstBytes = Math.max(64 * 1024, Math.round(bytesPerS / 1000));
  return ['tbf', 'rate', `${Math.round(bytesPerS * 8)}bit`, 'burst', String(burstBytes), 'limit', String(Math.max(4 * 1024 * 1024, 4 * burstBytes))];
}

export class NetnsLab {
  readonly hosts: LabHost[] = [];
  /** Files for `real.ssh`: the client key, the known_hosts file. */
  readonly identityFile: string;
  readonly knownHostsFile: string;
  private readonly sshds = new Map<string, ChildProcess>();
  private readonly bridge: string;
  private createdRunSshd = false;
  private tornDown = false;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`netns lab: ${signal}: removing the lab\n`);
    this.teardown();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  private readonly onExit = (): void => this.teardown();

  private constructor(
    readonly dir: string,
    private readonly tag: string,
    private readonly options: LabOptions,
  ) {
    this.identityFile = join(dir, 'client_key');
    this.knownHostsFile = join(dir, 'known_hosts');
    this.bridge = `${tag}br`;
    process.on('exit', this.onExit);
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** Makes the lab; whatever fails on the way, what was made is removed before the error is thrown. */
  static async create(options: LabOptions): Promise<NetnsLab> {
    if (!(Number.isInteger(options.hosts) && options.hosts >= 1 && options.hosts <= 20)) throw new RangeError(`netns lab: hosts must be 1..20, got ${options.hosts}`);
    const subnet = options.subnet ?? '10.77.0';
    if (!/^(10\.\d{1,3}\.\d{1,3}|192\.168\.\d{1,3})$/.test(subnet)) throw new RangeError(`netns lab: subnet must be a private 10.x.y or 192.168.x prefix, got ${subnet}`);
    const inUse = run('ip', ['-4', '-o', 'addr', 'show', 'to', `${subnet}.0/24`]).trim();
    if (inUse !== '') throw new Error(`netns lab: ${subnet}.0/24 is already in use on this machine (another lab?): ${inUse.split('\n')[0]}`);
    // Fail before making anything when the kernel lacks what is asked for.
    const netem = options.netemDelayMs === undefined ? undefined : netemAvailable();
    if (netem !== undefined && !netem.available) throw new Error(`netns lab: netem delay asked for, but this kernel has no netem qdisc: ${netem.reason}`);
    const lab = new NetnsLab(mkdtempSync(join(tmpdir(), 'quorumbench-hosts-')), `qb${process.pid.toString(36)}`, options);
    try {
      lab.makeKeys();
      lab.makeNetwork(subnet);
      await lab.startSshds();
      lab.shape(options);
      return lab;
    } catch (error) {
      lab.teardown();
      throw error;
    }
  }

  private makeKeys(): void {
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'quorumbench-lab-client', '-f', this.identityFile]);
    writeFileSync(join(this.dir, 'authorized_keys'), readFileSync(`${this.identityFile}.pub`), { mode: 0o600 });
  }

  private makeNetwork(subnet: string): void {
    run('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    run('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', this.bridge]);
    run('ip', ['link', 'set', this.bridge, 'up']);
    const knownHosts: string[] = [];
    for (let i = 1; i <= this.options.hosts; i++) {
      const namespace = `${this.tag}-${i}`;
      const address = `${subnet}.${10 + i}`;
      const outer = `${this.tag}v${i}`;
      const inner = `${this.tag}p${i}`;
      run('ip', ['netns', 'add', namespace]);
      this.hosts.push({ namespace, address, ssh: `root@${address}` });
      run('ip', ['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner]);
      run('ip', ['link', 'set', inner, 'netns', namespace]);
      run('ip', ['link', 'set', outer, 'master', this.bridge, 'up']);
      run('ip', ['-n', namespace, 'link', 'set', inner, 'name', 'eth0']);
      run('ip', ['-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      run('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
      run('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
      const hostKey = join(this.dir, `host_key_${i}`);
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `quorumbench-lab-${i}`, '-f', hostKey]);
      knownHosts.push(`${address} ${readFileSync(`${hostKey}.pub`, 'utf8').trim()}`);
    }
    writeFileSync(this.knownHostsFile, `${knownHosts.join('\n')}\n`, { mode: 0o600 });
  }

  /** The veth ends of host i (1-based): `outer` in this namespace, `eth0` in the host's. */
  private veth(index: number): { readonly namespace: string; readonly outer: string } {
    return { namespace: this.hosts[index - 1]!.namespace, outer: `${this.tag}v${index}` };
  }

  /**
   * Sets the kernel shaping of every host (replacing any): tbf on both ends of its veth (its downlink:
   * the outer end's egress; its uplink: `eth0`'s), netem delay on its uplink. Nothing given: none.
   */
  shape(shaping: Pick<LabOptions, 'tbfMBps' | 'netemDelayMs'>): void {
    if (shaping.netemDelayMs !== undefined) {
      const netem = netemAvailable();
      if (!netem.available) throw new Error(`netns lab: netem delay asked for, but this kernel has no netem qdisc: ${netem.reason}`);
    }
    for (let i = 1; i <= this.hosts.length; i++) {
      const { namespace, outer } = this.veth(i);
      tryRun('tc', ['qdisc', 'del', 'dev', outer, 'root']);
      tryRun('tc', ['-n', namespace, 'qdisc', 'del', 'dev', 'eth0', 'root']);
      this.shapeHost(namespace, outer, shaping);
    }
  }

  private shapeHost(namespace: string, outer: string, { tbfMBps, netemDelayMs }: Pick<LabOptions, 'tbfMBps' | 'netemDelayMs'>): void {
    if (tbfMBps !== undefined) run('tc', ['qdisc', 'add', 'dev', outer, 'root', ...tbfArgs(tbfMBps)]);
    if (netemDelayMs !== undefined) {
      run('tc', ['-n', namespace, 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'netem', 'delay', `${netemDelayMs}ms`]);
      if (tbfMBps !== undefined) run('tc', ['-n', namespace, 'qdisc', 'add', 'dev', 'eth0', 'parent', '1:1', 'handle', '10:', ...tbfArgs(tbfMBps)]);
    } else if (tbfMBps !== undefined) {
      run('tc', ['-n', namespace, 'qdisc', 'add', 'dev', 'eth0', 'root', ...tbfArgs(tbfMBps)]);
    }
  }

  private async startSshds(): Promise<void> {
    // sshd insists on its privilege separation folder (the package makes it when its service starts).
    if (!existsSync('/run/sshd')) {
      mkdirSync('/run/sshd', { mode: 0o755 });
      this.createdRunSshd = true;
    }
    for (const [index, host] of this.hosts.entries()) {
      const config = join(this.dir, `sshd_config_${index + 1}`);
      writeFileSync(
        config,
        [
          `ListenAddress ${host.address}:22`,
          `HostKey ${join(this.dir, `host_key_${index + 1}`)}`,
          'PidFile none',
          `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
          'AuthenticationMethods publickey',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'PermitRootLogin prohibit-password',
          'UsePAM no',
          // The key files live in a temporary folder, not in ~/.ssh.
          'StrictModes no',
          'ClientAliveInterval 5',
          'ClientAliveCountMax 3',
          'MaxStartups 100',
          'MaxSessions 100',
          'AllowTcpForwarding no',
          'X11Forwarding no',
          'PrintMotd no',
          'LogLevel ERROR',
          '',
        ].join('\n'),
      );
      const sshd = spawn('ip', ['netns', 'exec', host.namespace, '/usr/sbin/sshd', '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      sshd.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      this.sshds.set(host.namespace, sshd);
      await waitForPort(host.address, 22, 10_000, () => (sshd.exitCode !== null ? `sshd in ${host.namespace} exited: ${stderr.trim()}` : undefined));
    }
  }

  /** `real.ssh` settings for the lab's hosts. */
  sshSettings(): Record<string, unknown> {
    return { configFile: 'none', identityFile: this.identityFile, knownHostsFile: this.knownHostsFile, connectTimeoutS: 5 };
  }

  /** PIDs in each host's namespace other than its sshd's listener (sessions, servers, anything). */
  processesInHosts(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const host of this.hosts) {
      const listener = this.sshds.get(host.namespace)?.pid;
      const pids = namespacePids(host.namespace)
        .map(Number)
        .filter((pid) => pid !== listener);
      out.set(host.namespace, pids);
    }
    return out;
  }

  /** Removes everything the lab made; safe to call twice and from an exit hook (synchronous). */
  teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    // Every process in the namespaces: sshd, its sessions, whatever they started. SIGTERM first, for
    // a second: a login shell may be inside its rc files, holding a lock that its exit trap releases
    // (e.g. pyenv's rehash lock); then SIGKILL.
    for (let attempt = 0; attempt < 40; attempt++) {
      const pids = this.hosts.flatMap((host) => namespacePids(host.namespace));
      if (pids.length === 0) break;
      tryRun('kill', [attempt < 20 ? '-TERM' : '-KILL', ...pids]);
      execFileSync('sleep', ['0.05']);
    }
    for (const host of this.hosts) tryRun('ip', ['netns', 'del', host.namespace]);
    for (const sshd of this.sshds.values()) sshd.kill('SIGKILL');
    tryRun('ip', ['link', 'del', this.bridge]);
    if (this.createdRunSshd) rmSync('/run/sshd', { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
    process.off('exit', this.onExit);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }

  /** What is left of the lab after {@link teardown} (namespaces, links, folder): empty when clean. */
  leftovers(): string[] {
    const left: string[] = [];
    const namespaces = run('ip', ['netns', 'list']);
    for (const host of this.hosts) if (namespaces.includes(host.namespace)) left.push(`namespace ${host.namespace}`);
    if (run('ip', ['-o', 'link', 'show']).includes(this.tag)) left.push(`links named ${this.tag}*`);
    if (existsSync(this.dir)) left.push(`folder ${this.dir}`);
    for (const [namespace, sshd] of this.sshds) if (sshd.exitCode === null && sshd.signalCode === null && isAlive(sshd.pid)) left.push(`sshd of ${namespace} (pid ${sshd.pid})`);
    return left;
  }
}

/** The PIDs of the processes in a namespace (none once it is gone). */
function namespacePids(namespace: string): string[] {
  try {
    return execFileSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((pid) => /^\d+$/.test(pid));
  } catch {
    return [];
  }
}

/** Whether `pid` runs (a zombie, dead but not yet reaped by us, does not). */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name in parentheses, which may itself contain parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until `host:port` accepts a connection; `failed()` says why to stop early. */
async function waitForPort(host: string, port: number, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    const why = failed();
    if (why !== undefined) throw new Error(why);
    if (Date.now() > deadline) throw new Error(`netns lab: nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
