/**
 * @module The `real.hosts` and `real.ssh` settings: which machines run a real-engine run's servers
 * (and client processes), and how to reach them over SSH (harness/real/ssh-launch.ts).
 *
 * ```yaml
 * real:
 *   hosts:
 *     - { ssh: bench@10.0.0.1, dir: /srv/quorumbench, servers: [s1, s2] }
 *     - { ssh: bench@10.0.0.2, dir: /srv/quorumbench, servers: [s3], clientProcesses: 1 }
 *   ssh: { identityFile: ~/.ssh/bench_ed25519 }
 * ```
 */
import { z } from 'zod';
import type { NodeId } from '../../protocols/types.ts';
import { ConfigError, showValue } from '../config/errors.ts';
import type { ResolvedRun } from '../config/resolve.ts';

/** An `ssh -o` option: `Name=value` (a name of ssh_config(5), letters only). */
const sshOption = z.string().regex(/^[A-Za-z]+=\S.*$/, 'expected Name=value (an ssh_config option)');

export const hostSchema = z.strictObject({
  /**
   * Where to log in, as the `ssh` command takes it: `user@host` (or a `Host` of the SSH config). It
   * must not start with `-` (ssh would read it as an option).
   */
  ssh: z.string().regex(/^[^-\s]\S*$/, 'expected user@host'),
  /** The project's checkout there (absolute, or relative to the login directory), after `npm ci`. */
  dir: z.string().min(1),
  /** The servers this host runs (ids s1..sn); every server runs on exactly one host. @default [] */
  servers: z.array(z.string()).default([]),
  /**
   * Client processes this host runs; the workload clients are spread round-robin over all client
   * processes (`real.clientProcesses` on the harness's machine first, then these). @default 0
   */
  clientProcesses: z.number().int().min(0).max(64).default(0),
  /**
   * The address its servers listen on and everyone connects to (it must be an address of that host).
   * @default the host part of `ssh`
   */
  address: z.string().regex(/^[^\s[\]]+$/, 'expected a host name or IP address').optional(),
  /** The Node.js (>= 20) command there. @default node */
  node: z.string().min(1).default('node'),
});
export type HostSettings = z.infer<typeof hostSchema>;

export const sshSchema = z.strictObject({
  /** The OpenSSH client command. @default ssh */
  program: z.string().min(1).default('ssh'),
  /** `-F`: the SSH config file (`none` ignores ~/.ssh/config). @default ssh's own */
  configFile: z.string().min(1).optional(),
  /** `IdentityFile`: the private key to log in with. @default ssh's own */
  identityFile: z.string().min(1).optional(),
  /** `UserKnownHostsFile` (host keys are then checked strictly). @default ssh's own */
  knownHostsFile: z.string().min(1).optional(),
  /** `Port` of every host's sshd. @default ssh's own (22) */
  port: z.number().int().min(1).max(65535).optional(),
  /** `ConnectTimeout`, s. @default 10 */
  connectTimeoutS: z.number().int().min(1).max(600).default(10),
  /**
   * `ServerAliveInterval`, s: a session whose host stopped answering for 3 intervals ends (and the
   * run then sees that host's processes gone). @default 5
   */
  aliveIntervalS: z.number().int().min(1).max(600).default(5),
  /** More `-o Name=value` options, e.g. `ProxyJump=gateway`. @default [] */
  options: z.array(sshOption).default([]),
});
export type SshSettings = z.infer<typeof sshSchema>;

/** A host of a run: its settings, its index in `real.hosts` and the address its servers use. */
export interface RunHost {
  readonly index: number;
  readonly settings: HostSettings;
  readonly address: string;
  /** `real.hosts[i] (user@host)`: how errors name the host. */
  readonly label: string;
}

/** The host part of an SSH destination `user@host`. */
function destinationHost(destination: string): string {
  return destination.slice(destination.lastIndexOf('@') + 1);
}

/**
 * Checks the hosts against the run: every server on exactly one host, only servers of the run. Each
 * problem is a one-line ConfigError naming the field.
 */
export function runHosts(run: ResolvedRun, hosts: readonly HostSettings[]): RunHost[] {
  const hostOf = new Map<NodeId, number>();
  const out = hosts.map((settings, index): RunHost => {
    for (const [k, id] of settings.servers.entries()) {
      const field = `real.hosts[${index}].servers[${k}]`;
      if (!run.cluster.servers.includes(id)) throw new ConfigError(`${field}: no such server ${showValue(id)}, the cluster has s1..s${run.n}`);
      const other = hostOf.get(id);
      if (other !== undefined) throw new ConfigError(`${field}: ${id} is already on real.hosts[${other}]`);
      hostOf.set(id, index);
    }
    const address = settings.address ?? destinationHost(settings.ssh);
    return { index, settings, address, label: `real.hosts[${index}] (${settings.ssh})` };
  });
  const missing = run.cluster.servers.filter((id) => !hostOf.has(id));
  if (missing.length > 0) throw new ConfigError(`real.hosts: no host runs ${missing.join(', ')} (every server s1..s${run.n} must be on one host)`);
  return out;
}
