/**
 * @module Sessions on other hosts with the OpenSSH client: the `ssh` command line, and the remote
 * shell scripts that run one of the project's scripts there.
 *
 * Every session is one `ssh -T` child of this process with piped stdio and no terminal: stdout
 * carries the remote process's JSON lines unchanged, and closing our end of its stdin is how the
 * remote process learns that the run is over or that the harness is gone (`serve
 * --exit-on-stdin-close`, client processes, the probe: each exits when its stdin closes). That also
 * holds when this process dies without running a hook: ssh's stdin closes with it, ssh passes the
 * end of input on, and the remote process exits. Signals are never forwarded over SSH without a
 * terminal, so a remote process is stopped by closing its stdin (processes.ts `stopByClosingStdin`).
 */
import { relative } from 'node:path';
import { entryFile, PROJECT_ROOT, type EntryPoint } from '../entry-points.ts';
import { remoteSettingsLine } from '../malloc-settings.ts';
import { shellQuote } from '../shell-word.ts';
import type { HostSettings, SshSettings } from './hosts-config.ts';
import type { ProcessPlan } from './launch.ts';


/** An `-o` option value as ssh's config parser reads it: double quotes when it has blanks. */
function optionValue(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

/** The arguments of `ssh` for one session with `destination` that runs `remoteCommand`. */
export function sshArgs(ssh: SshSettings, destination: string, remoteCommand: string): string[] {
  const options = [
    // The user's own options first: for each option ssh keeps the first value it is given.
    ...ssh.options,
    // Never prompt (for a password, a passphrase or an unknown host key): a prompt would hang the run.
    'BatchMode=yes',
    `ConnectTimeout=${ssh.connectTimeoutS}`,
    `ServerAliveInterval=${ssh.aliveIntervalS}`,
    'ServerAliveCountMax=3',
    // No banners or "permanently added" warnings in the stderr that error messages quote.
    'LogLevel=ERROR',
    'ForwardAgent=no',
    'ForwardX11=no',
    'ClearAllForwardings=yes',
    ...(ssh.identityFile === undefined ? [] : [`IdentityFile=${optionValue(ssh.identityFile)}`, 'IdentitiesOnly=yes']),
    ...(ssh.knownHostsFile === undefined ? [] : [`UserKnownHostsFile=${optionValue(ssh.knownHostsFile)}`, 'GlobalKnownHostsFile=/dev/null', 'StrictHostKeyChecking=yes']),
    ...(ssh.port === undefined ? [] : [`Port=${ssh.port}`]),
  ];
  return [...(ssh.configFile === undefined ? [] : ['-F', ssh.configFile]), ...options.flatMap((option) => ['-o', option]), '-T', '--', destination, remoteCommand];
}

/** The remote command that runs `script` with `sh` whatever the login shell of the remote user is. */
function viaSh(script: readonly string[]): string {
  return `sh -c ${shellQuote(script.join('\n'))}`;
}

/** `cd` to the project there: a leading `~/` means the login directory. */
function cdProject(dir: string): string {
  return `cd ${dir.startsWith('~/') ? `"$HOME"/${shellQuote(dir.slice(2))}` : shellQuote(dir)}`;
}

/**
 * The file that runs `entry` there, relative to the project's directory: the same code as here
 * (harness/entry-points.ts), `dist/<entry>.js` when this harness runs compiled, `<entry>.ts` when it
 * runs from sources.
 */
export function remoteEntryFile(entry: EntryPoint): string {
  return relative(PROJECT_ROOT, entryFile(entry));
}

/**
 * `node` running one of the harness's entry points there, as words of a shell command (`args`
 * already quoted). A TypeScript source runs under tsx's loader, named rather than resolved here as
 * harness/entry-points.ts does for children of this process: node resolves it from its working
 * directory, the project's checkout there.
 */
function nodeCommand(host: HostSettings, entry: EntryPoint, quotedArgs: readonly string[]): string {
  const file = remoteEntryFile(entry);
  const loader = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return [shellQuote(host.node), ...[...loader, file].map(shellQuote), ...quotedArgs].join(' ');
}

/** File names the remote script writes (fixed names of the run's files: no path, no quoting trouble). */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The remote command of a process's session: make a private folder (0700, files 0600), write the
 * run's files into it from the first stdin lines (one base64 line per file, in `files` order), run
 * the process from the project's directory with the allocator settings (../malloc-settings.ts: the
 * local user's, else the remote environment's, else the harness's), and remove the folder when it exits. `sh`'s `read`
 * takes its input one byte at a time from a pipe, so the process's own stdin starts right after the
 * last file line. Secrets never appear on a command line (visible to every user of the host).
 */
export function remoteProcessCommand(host: HostSettings, plan: ProcessPlan, files: readonly string[]): string {
  for (const name of files) if (!FILE_NAME.test(name)) throw new RangeError(`remoteProcessCommand: bad file name ${JSON.stringify(name)}`);
  const args = plan.args.map((arg) => (typeof arg === 'string' ? shellQuote(arg) : 'file' in arg ? `"$d"/${arg.file}` : '"$d"'));
  return viaSh([
    'umask 077',
    'd=$(mktemp -d "${TMPDIR:-/tmp}/quorumbench-run-XXXXXX") || exit 125',
    `trap 'rm -rf "$d"' EXIT`,
    `trap 'exit 129' HUP`,
    `trap 'exit 143' TERM`,
    `for f in ${files.join(' ')}; do IFS= read -r data && printf %s "$data" | base64 -d > "$d/$f" || exit 125; done`,
    `${cdProject(host.dir)} || exit 125`,
    remoteSettingsLine(shellQuote),
    nodeCommand(host, plan.entry, args),
  ]);
}

/** The stdin lines that carry `files` to {@link remoteProcessCommand}. */
export function fileLines(files: ReadonlyMap<string, string>): string {
  return [...files.values()].map((content) => `${Buffer.from(content, 'utf8').toString('base64')}\n`).join('');
}

/** Prefix of the facts the check script prints (one `qb-check <fact> <value>` line each). */
export const CHECK_PREFIX = 'qb-check';

/**
 * The remote command that checks a host: the project's directory, Node's version, the git commit
 * and a hash of the uncommitted changes, `node_modules`; then (if all are there) it runs the probe
 * (host-probe.ts), which finds `ports` free ports on `address` and answers clock pings.
 */
export function remoteCheckCommand(host: HostSettings, probeEntry: EntryPoint, address: string, ports: number): string {
  const node = shellQuote(host.node);
  return viaSh([
    `${cdProject(host.dir)} 2>/dev/null || { echo '${CHECK_PREFIX} dir missing'; exit 0; }`,
    `v=$(${node} --version 2>/dev/null) || { echo '${CHECK_PREFIX} node missing'; exit 0; }`,
    `echo "${CHECK_PREFIX} node $v"`,
    `c=$(git rev-parse HEAD 2>/dev/null) || c=none`,
    `echo "${CHECK_PREFIX} commit $c"`,
    `h=$(${CHANGES_COMMAND}) || h=none`,
    `echo "${CHECK_PREFIX} changes $h"`,
    `[ -d node_modules ] || { echo '${CHECK_PREFIX} modules missing'; exit 0; }`,
    `[ -f ${shellQuote(remoteEntryFile(probeEntry))} ] || { echo '${CHECK_PREFIX} build missing'; exit 0; }`,
    `b=$(${BUILD_COMMAND}) || b=none`,
    `echo "${CHECK_PREFIX} build $b"`,
    `exec ${nodeCommand(host, probeEntry, ['--address', shellQuote(address), '--ports', String(ports)])}`,
  ]);
}

/**
 * A hash of a checkout's uncommitted changes to tracked files, the same for the same changes on any
 * clone: full object ids, no renames, no external or colored diff (settings that vary by machine).
 */
export const CHANGES_COMMAND = 'git diff --no-ext-diff --no-color --full-index --no-renames --binary HEAD 2>/dev/null | git hash-object --stdin';

/**
 * A hash of the compiled harness (dist/: every file's path and content), to tell a host whose build
 * is older than its checkout (checked out without `npm ci` or `npm run build` after). esbuild writes
 * the same files from the same sources and lockfile on any machine.
 */
export const BUILD_COMMAND = 'find dist -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum | cut -c1-64';
