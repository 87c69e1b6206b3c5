/**
 * The SSH launcher's pieces without sshd (the real thing: `npm run test:hosts`): `real.hosts`
 * validation, the ssh command line, the remote process script (private files from stdin, the
 * process's own stdin after them, the folder removed), and the host check, through a stand-in `ssh`
 * that runs the remote command on this machine: every refusal names the host, and a host that shares
 * this machine's clock measures an offset of zero within its error bound.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../harness/config/errors.ts';
import { parseRealSettings } from '../harness/real/cluster-file.ts';
import { checkHost, localCheckout } from '../harness/real/host-check.ts';
import { hostSchema, runHosts, sshSchema } from '../harness/real/hosts-config.ts';
import { PROJECT_ROOT, type ProcessPlan } from '../harness/real/launch.ts';
import { liveChildPids } from '../harness/real/processes.ts';
import { PROBE_ENTRY } from '../harness/real/ssh-launch.ts';
import { fileLines, remoteProcessCommand, sshArgs } from '../harness/real/ssh.ts';
import { shellQuote } from '../harness/shell-word.ts';
import { MALLOC_SETTINGS } from '../harness/malloc-settings.ts';
import { resolveRun } from './support/real-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'quorumbench-ssh-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for `ssh`: skips the options, refuses destinations named `unreachable*`, runs the command here. */
const fakeSsh = join(dir, 'ssh');
writeFileSync(
  fakeSsh,
  `#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in -F|-o) shift 2 ;; -T) shift ;; --) shift; break ;; *) break ;; esac
done
case "$1" in unreachable*) echo "ssh: connect to host $1 port 22: Connection refused" >&2; exit 255 ;; esac
exec sh -c "$2"
`,
  { mode: 0o755 },
);

const run3 = resolveRun({ name: 'hosts', engine: 'real', seed: 1, protocol: { name: 'abd', t: 1 }, workload: { writers: 1, readers: 1, operations: 4 } });
const host = (fields: Record<string, unknown>) => hostSchema.parse({ ssh: 'bench@127.0.0.1', dir: PROJECT_ROOT, ...fields });
const ssh = sshSchema.parse({ program: fakeSsh });

function configError(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  return 'no error';
}

async function checkError(fields: Record<string, unknown>): Promise<string> {
  const [checked] = runHosts(run3, [host({ servers: ['s1', 's2', 's3'], ...fields })]);
  try {
    await checkHost(checked!, ssh, localCheckout(), PROBE_ENTRY, 3, 20_000);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  return 'no error';
}

describe('ssh launcher', () => {
  it('checks real.hosts against the run: every server on exactly one host, no unknown one, not with real.servers', () => {
    assert.equal(configError(() => runHosts(run3, [host({ servers: ['s1', 's2'] })])), 'real.hosts: no host runs s3 (every server s1..s3 must be on one host)');
    assert.equal(configError(() => runHosts(run3, [host({ servers: ['s1', 's2'] }), host({ servers: ['s2', 's3'] })])), 'real.hosts[1].servers[0]: s2 is already on real.hosts[0]');
    assert.equal(configError(() => runHosts(run3, [host({ servers: ['s1', 's2', 's3', 's4'] })])), 'real.hosts[0].servers[3]: no such server "s4", the cluster has s1..s3');
    assert.match(configError(() => parseRealSettings({ hosts: [{ ssh: '-oProxyCommand=x', dir: '.' }] })), /^real\.hosts\[0\]\.ssh: expected user@host/);
    assert.equal(configError(() => parseRealSettings({ servers: { s1: 'a:1' }, hosts: [{ ssh: 'a', dir: '.' }] })), 'real.hosts: cannot be combined with real.servers (servers already running elsewhere); use one of them');
    const [only] = runHosts(run3, [host({ ssh: 'bench@10.0.0.7', servers: ['s1', 's2', 's3'] })]);
    assert.equal(only!.address, '10.0.0.7');
  });

  it('builds an ssh command line that never prompts, with the user options first (ssh keeps the first value)', () => {
    const args = sshArgs(sshSchema.parse({ identityFile: '/k/id key', knownHostsFile: '/k/known', port: 2200, options: ['ProxyJump=gw'] }), 'bench@h', 'true');
    const options = args.flatMap((arg, i) => (args[i - 1] === '-o' ? [arg] : []));
    assert.deepEqual(options.slice(0, 2), ['ProxyJump=gw', 'BatchMode=yes']);
    for (const expected of ['ConnectTimeout=10', 'ServerAliveInterval=5', 'ServerAliveCountMax=3', 'IdentityFile="/k/id key"', 'UserKnownHostsFile=/k/known', 'StrictHostKeyChecking=yes', 'Port=2200']) {
      assert.ok(options.includes(expected), `missing -o ${expected} in ${JSON.stringify(args)}`);
    }
    assert.deepEqual(args.slice(-4), ['-T', '--', 'bench@h', 'true']);
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });

  it('runs a process with the run files, private, from its first stdin lines; its own stdin follows; the folder goes when it exits', async () => {
    // A stand-in for node: prints its arguments, the cluster file, its and its folder's modes, then
    // the first line of its stdin and its GLIBC_TUNABLES, and exits when stdin closes.
    const fakeNode = join(dir, 'node');
    writeFileSync(fakeNode, `#!/bin/sh\necho "args: $*"\nf=$7\necho "file: $(cat "$f")"\necho "modes: $(stat -c %a "$f") $(stat -c %a "$(dirname "$f")")"\necho "folder: $(dirname "$f")"\nread -r line\necho "stdin: $line"\necho "tunables: $GLIBC_TUNABLES"\ncat >/dev/null\n`, { mode: 0o755 });
    const plan: ProcessPlan = { name: 'x', entry: 'harness/cli/serve-entry', args: ['--id', "s'1", '--cluster', { file: 'cluster.json' }] };
    const command = remoteProcessCommand(host({ node: fakeNode }), plan, ['cluster.json']);
    const env = { ...process.env };
    delete env['GLIBC_TUNABLES'];
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stdin.write(fileLines(new Map([['cluster.json', '{"seed": 1}\nsecond line ü']])));
    child.stdin.write('hello process\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^args: --import tsx harness\/cli\/serve-entry\.ts --id s'1 --cluster \/.*\/quorumbench-run-[^/]+\/cluster\.json$/);
    assert.equal(lines[1], 'file: {"seed": 1}');
    assert.equal(lines[2], 'second line ü');
    assert.equal(lines[3], 'modes: 600 700');
    assert.equal(lines[5], 'stdin: hello process');
    // The harness's allocator settings (harness/malloc-settings.ts), as the remote environment set none.
    assert.equal(lines[6], `tunables: ${MALLOC_SETTINGS}`);
    const folder = lines[4]!.replace('folder: ', '');
    assert.equal(existsSync(folder), false, `${folder} left behind`);
  });

  it('refuses a host with one line naming it: unreachable, no project folder, an old Node, another commit', async () => {
    assert.equal(await checkError({ ssh: 'unreachable@h' }), 'real.hosts[0] (unreachable@h): cannot run commands there over ssh: ssh: connect to host unreachable@h port 22: Connection refused');
    assert.equal(await checkError({ dir: join(dir, 'missing') }), `real.hosts[0] (bench@127.0.0.1): project directory ${JSON.stringify(join(dir, 'missing'))} not found there (real.hosts[0].dir)`);
    const oldNode = join(dir, 'node18');
    writeFileSync(oldNode, '#!/bin/sh\necho v18.20.4\n', { mode: 0o755 });
    assert.equal(await checkError({ node: oldNode }), `real.hosts[0] (bench@127.0.0.1): Node v18.20.4 there, need >= 20 (real.hosts[0].node: ${JSON.stringify(oldNode)})`);
    const other = join(dir, 'other');
    mkdirSync(join(other, 'node_modules'), { recursive: true });
    execFileSync('sh', ['-c', 'git init -q && git -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m other'], { cwd: other });
    const otherCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: other, encoding: 'utf8' }).trim();
    const here = localCheckout().commit;
    assert.equal(
      await checkError({ dir: other }),
      `real.hosts[0] (bench@127.0.0.1): project at commit ${otherCommit.slice(0, 12)} there, this checkout is at ${here.slice(0, 12)}: check out the same commit there (git fetch && git checkout ${here.slice(0, 12)} && npm ci)`,
    );
    assert.deepEqual(liveChildPids(), []);
  });

  it('checks a good host: free ports for its servers, and a clock offset of zero within its error (it shares our clock)', async () => {
    const [checked] = runHosts(run3, [host({ servers: ['s1', 's2', 's3'] })]);
    const result = await checkHost(checked!, ssh, localCheckout(), PROBE_ENTRY, 3, 60_000);
    assert.equal(result.ports.length, 3);
    assert.equal(new Set(result.ports).size, 3);
    assert.equal(result.report.commit, localCheckout().commit);
    assert.equal(result.report.sameLocalChanges, true);
    assert.match(result.report.node, /^v\d+\./);
    // The true offset is 0: the estimate is off by at most half the round trip (the error bound);
    // the system-clock offset adds each side's reading of system minus monotonic time (2 ms slack).
    assert.ok(result.report.clockOffsetErrorMs > 0);
    assert.ok(Math.abs(Number(result.monotonicOffsetNs)) / 1e6 <= result.report.clockOffsetErrorMs + 0.001, `monotonic offset ${result.monotonicOffsetNs} ns`);
    assert.ok(Math.abs(result.report.clockOffsetMs) <= result.report.clockOffsetErrorMs + 2, `offset ${result.report.clockOffsetMs} ms`);
    assert.deepEqual(liveChildPids(), []);
  });
});
