/**
 * @module `npm run test:hosts`: the SSH launcher for real, on network-namespace hosts (netns-lab.ts).
 *
 * It makes the hosts (each a namespace with its own address and sshd), then:
 * 1. refused hosts: a config whose host cannot be reached, has no project folder, an old Node,
 *    another git commit, or (for the compiled harness) no build or another build makes
 *    `quorumbench run` exit 2 with one line naming the host;
 * 2. a failed start: one server cannot start on its host while the others run: the run fails with
 *    that server's message and every started process is stopped;
 * 3. one real experiment per protocol (protocolNames()) across the hosts through the launcher:
 *    servers spread over the hosts, a client process here and one on a host, a server crashed
 *    mid-run; every history judged by the checker (verdict ok), every host's clock offset within its
 *    error bound of zero (the namespaces share this machine's clock);
 * 4. interrupts: a running `quorumbench run` stopped by SIGINT (exit 130) and killed by SIGKILL;
 * after each step no process may be left on any host or here, and at the end nothing of the lab.
 *
 * Options: `--hosts N` (3), `--operations N` per run (16), `--protocols a,b` (all),
 * `--tbf-mbps X` (tbf rate limits on every host's links), `--netem-delay-ms X` (where the kernel
 * has netem). Needs root and `ip netns`; exit 0 all passed, 1 a check failed, 2 cannot run here.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../../harness/config/index.ts';
import { PROJECT_ROOT } from '../../harness/real/launch.ts';
import { liveChildPids } from '../../harness/real/processes.ts';
import { runExperiment } from '../../harness/runner/index.ts';
import { PROTOCOLS, protocolNames } from '../../protocols/registry.ts';
import { labUnavailable, NetnsLab } from './netns-lab.ts';

const { values: flags } = parseArgs({
  options: {
    hosts: { type: 'string', default: '3' },
    operations: { type: 'string', default: '16' },
    protocols: { type: 'string' },
    'tbf-mbps': { type: 'string' },
    'netem-delay-ms': { type: 'string' },
  },
});

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) {
    process.stderr.write(`test:hosts: --${name}: expected a positive number, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return value;
}

const hostCount = positive('hosts', flags.hosts)!;
const operations = positive('operations', flags.operations)!;
const tbfMBps = positive('tbf-mbps', flags['tbf-mbps']);
const netemDelayMs = positive('netem-delay-ms', flags['netem-delay-ms']);
const protocols = flags.protocols?.split(',') ?? protocolNames();
for (const name of protocols) {
  if (!Object.hasOwn(PROTOCOLS, name)) {
    process.stderr.write(`test:hosts: --protocols: unknown protocol ${JSON.stringify(name)} (known: ${protocolNames().join(', ')})\n`);
    process.exit(2);
  }
}

const failures: string[] = [];
let passed = 0;
function check(ok: boolean, what: string): void {
  if (ok) passed++;
  else failures.push(what);
}

const startedMs = Date.now();
const seconds = (sinceMs: number): string => `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;

const unavailable = labUnavailable();
if (unavailable !== undefined) {
  process.stderr.write(`test:hosts: cannot run here: ${unavailable}\n`);
  process.exit(2);
}

let lab: NetnsLab;
try {
  lab = await NetnsLab.create({ hosts: hostCount, ...(tbfMBps === undefined ? {} : { tbfMBps }), ...(netemDelayMs === undefined ? {} : { netemDelayMs }) });
} catch (error) {
  process.stderr.write(`test:hosts: cannot make the hosts: ${(error as Error).message}\n`);
  process.exit(2);
}
const shaping = [tbfMBps === undefined ? '' : `tbf ${tbfMBps} MB/s per link direction`, netemDelayMs === undefined ? '' : `netem ${netemDelayMs} ms`].filter((s) => s !== '').join(', ');
process.stdout.write(`hosts made: ${lab.hosts.length} in ${seconds(startedMs)} (${lab.hosts.map((h) => h.ssh).join(', ')}; a network namespace and an sshd each${shaping === '' ? '' : `; ${shaping}`})\n`);

/** `real.hosts` of a run with `n` servers: round-robin over the lab's hosts; one client process on the last host. */
function labHosts(n: number, dir = PROJECT_ROOT, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  return lab.hosts.map((host, i) => ({
    ssh: host.ssh,
    dir,
    servers: Array.from({ length: n }, (_, k) => `s${k + 1}`).filter((_, k) => k % lab.hosts.length === i),
    ...(i === lab.hosts.length - 1 ? { clientProcesses: 1 } : {}),
    ...extra,
  }));
}

/** Processes left: in the hosts (other than their sshd), ssh clients of the lab here, our own children. */
function processesLeft(): number {
  let left = liveChildPids().length;
  for (const pids of lab.processesInHosts().values()) left += pids.length;
  const sshClients = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(lab.knownHostsFile) && !line.includes('ps -eo'));
  return left + sshClients.length;
}

/** Waits up to `maxMs` for nothing to be left (SSH sessions and their processes end within moments). */
async function settledProcessesLeft(maxMs = 15_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let left = processesLeft();
  while (left > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesLeft();
  }
  return left;
}

function writeConfig(name: string, config: Record<string, unknown>): string {
  const path = join(lab.dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

function baseConfig(name: string, protocol: string, real: Record<string, unknown>, workload: Record<string, unknown> = {}): Record<string, unknown> {
  const writers = PROTOCOLS[protocol]!.multiWriter ? 2 : 1;
  return {
    name,
    engine: 'real',
    seed: 7,
    protocol: { name: protocol, t: 1 },
    workload: { writers, readers: 4 - writers, keys: 1, valueBytes: 256, operations, ...workload },
    real: { ssh: lab.sshSettings(), startTimeoutMs: 120_000, ...real },
  };
}

/**
 * `quorumbench run` as a child, compiled (dist/, as `npx quorumbench` runs it; `npm run test:hosts`
 * builds it first), so that its hosts run the compiled harness too, while the runs in this process
 * run the sources there; its temporary folders go into `tmpDir` if given. Resolves with its exit
 * code and stderr.
 */
function cli(configPath: string, onStart?: (pid: number) => void, tmpDir?: string): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/bin/quorumbench.js'), 'run', configPath, '--out', join(lab.dir, 'results', `cli-${Date.now()}`)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: tmpDir === undefined ? process.env : { ...process.env, TMPDIR: tmpDir },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    onStart?.(child.pid!);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** The one-line error of a run refused before anything started: the CLI's last stderr line, or the ConfigError in-process. */
async function refusal(name: string, real: Record<string, unknown>, viaCli: boolean): Promise<{ code: number | null; line: string }> {
  const config = baseConfig(name, 'abd', real);
  if (viaCli) {
    const { code, stderr } = await cli(writeConfig(name, config));
    return { code, line: stderr.trim().split('\n').at(-1) ?? '' };
  }
  try {
    await runExperiment(parseConfig(config));
    return { code: 0, line: '(ran)' };
  } catch (error) {
    // What the CLI prints for a ConfigError, with its exit status 2 (the first case checks the CLI itself).
    if (error instanceof ConfigError) return { code: 2, line: `config error: ${error.message}` };
    throw error;
  }
}

// 1. Hosts the launcher must refuse, each with exit 2 and one line naming the host.
{
  const sinceMs = Date.now();
  const oldCheckout = join(lab.dir, 'other-checkout');
  mkdirSync(join(oldCheckout, 'node_modules'), { recursive: true });
  execFileSync('sh', ['-c', 'git init -q && git -c user.name=lab -c user.email=lab@example.invalid commit -q --allow-empty -m other'], { cwd: oldCheckout });
  const oldNode = join(lab.dir, 'node18');
  writeFileSync(oldNode, '#!/bin/sh\necho v18.20.4\n', { mode: 0o755 });
  // A checkout at this commit with node_modules, but no build; then with another build. The compiled
  // harness (the CLI) must refuse both: its hosts would run other code.
  const unbuilt = join(lab.dir, 'unbuilt-checkout');
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  execFileSync('git', ['clone', '-q', '--shared', '--no-checkout', PROJECT_ROOT, unbuilt]);
  execFileSync('git', ['checkout', '-q', '--detach', commit], { cwd: unbuilt });
  mkdirSync(join(unbuilt, 'node_modules'));
  const otherBuild = join(lab.dir, 'other-build-checkout');
  execFileSync('git', ['clone', '-q', '--shared', '--no-checkout', PROJECT_ROOT, otherBuild]);
  execFileSync('git', ['checkout', '-q', '--detach', commit], { cwd: otherBuild });
  mkdirSync(join(otherBuild, 'node_modules'));
  mkdirSync(join(otherBuild, 'dist/harness/cli'), { recursive: true });
  writeFileSync(join(otherBuild, 'dist/harness/cli/probe-entry.js'), '// another build\n');
  const first = lab.hosts[0]!;
  const cases = [
    { what: 'unreachable (no sshd on that port)', real: { hosts: labHosts(3), ssh: { ...lab.sshSettings(), port: 2222 } }, expect: /cannot run commands there over ssh: .*Connection refused/ },
    { what: 'no project folder', real: { hosts: labHosts(3, '/nonexistent/quorumbench') }, expect: /project directory "\/nonexistent\/quorumbench" not found there/ },
    { what: 'Node 18', real: { hosts: labHosts(3, PROJECT_ROOT, { node: oldNode }) }, expect: /Node v18\.20\.4 there, need >= 20/ },
    { what: 'another git commit', real: { hosts: labHosts(3, oldCheckout) }, expect: /project at commit [0-9a-f]{12} there, this checkout is at [0-9a-f]{12}/ },
    { what: 'no build (CLI)', real: { hosts: labHosts(3, unbuilt) }, expect: /no dist\/harness\/cli\/probe-entry\.js in .* there: run npm ci \(or npm run build\) there$/ },
    { what: 'another build (CLI)', real: { hosts: labHosts(3, otherBuild) }, expect: /its compiled harness \(dist\/\) differs from this checkout's: run npm run build there/ },
  ];
  // Through the CLI (its exit status) the first and those of the compiled harness; the others in this
  // process (the same ConfigError; a CLI start-up costs seconds on a loaded machine).
  const viaCli = (i: number): boolean => i === 0 || cases[i]!.what.endsWith('(CLI)');
  const outcomes = await Promise.all(cases.map((c, i) => refusal(`refused-${i}`, c.real, viaCli(i))));
  for (const [i, c] of cases.entries()) {
    const { code, line } = outcomes[i]!;
    const ok = code === 2 && line.startsWith(`config error: real.hosts[0] (${first.ssh}): `) && c.expect.test(line);
    check(ok, `refused host (${c.what}): exit ${code}, ${line}`);
    process.stdout.write(`refused: ${c.what}${i === 0 ? ' (CLI)' : ''}: exit ${code}: ${line}${ok ? '' : '  <-- NOT AS EXPECTED'}\n`);
  }
  const left = await settledProcessesLeft();
  check(left === 0, `refused hosts: ${left} processes left`);
  process.stdout.write(`refused hosts: ${cases.length} checks in ${seconds(sinceMs)}, processes left ${left}\n`);
}

// 2. A failure after the start: s2's process cannot start on its host (a `node` there that refuses
// it), while s1 and s3 already run on theirs: the run fails with what s2 said, and every process that
// had started is stopped.
{
  const sinceMs = Date.now();
  const refusingNode = join(lab.dir, 'node-refusing-s2');
  writeFileSync(refusingNode, `#!/bin/sh\ncase "$*" in *serve-entry.ts*"--id s2 "*) echo "no s2 here" >&2; exit 1 ;; esac\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
  let message = '(ran)';
  try {
    await runExperiment(parseConfig(baseConfig('failed-start', 'abd', { hosts: labHosts(3, PROJECT_ROOT, { node: refusingNode }) })));
  } catch (error) {
    message = (error as Error).message;
  }
  const left = await settledProcessesLeft();
  const ok = /^server s2 on root@[\d.]+ exited with code 1 before it was ready; stderr: [\s\S]*no s2 here/.test(message);
  check(ok, `failed start: ${message}`);
  check(left === 0, `failed start: ${left} processes left`);
  process.stdout.write(`failed start: ${message.replaceAll('\n', ' ')}${ok ? '' : '  <-- NOT AS EXPECTED'}; processes left ${left}, ${seconds(sinceMs)}\n`);
}

// 3. A real experiment per protocol across the hosts.
let verdictsOk = 0;
for (const protocol of protocols) {
  const sinceMs = Date.now();
  const definition = PROTOCOLS[protocol]!;
  const n = definition.serverCount(1);
  const config = parseConfig({
    ...baseConfig(`hosts-${protocol}`, protocol, { clientProcesses: 1, hosts: labHosts(n) }),
    faults: [{ type: 'crash', node: 's1', afterOps: Math.floor(operations / 2) }],
  });
  const result = await runExperiment(config, { outDir: join(lab.dir, 'results', protocol) });
  const run = result.summary.runs[0]!;
  const hosts = run.hosts ?? [];
  const clocksAgree = hosts.length === lab.hosts.length && hosts.every((h) => Math.abs(h.clockOffsetMs) <= h.clockOffsetErrorMs + 2);
  const crashed = (run.appliedFaults ?? []).some((f) => f.node === 's1' && f.action === 'crash');
  const completed = (run.ops.write?.count ?? 0) + (run.ops.read?.count ?? 0);
  // Every server but the crashed s1 stopped cleanly and sent its stats line back over SSH.
  const reports = run.storageBytesPerServer.filter((bytes, i) => i > 0 && bytes > 0).length;
  const left = await settledProcessesLeft();
  if (run.verdict === 'ok') verdictsOk++;
  check(run.verdict === 'ok', `${protocol}: verdict ${run.verdict}`);
  check(clocksAgree, `${protocol}: clock offsets ${JSON.stringify(hosts.map((h) => [h.clockOffsetMs, h.clockOffsetErrorMs]))} not within their error of 0 (+2 ms)`);
  check(crashed, `${protocol}: the crash of s1 was not applied`);
  check(completed > 0, `${protocol}: no operation completed`);
  check(reports === n - 1, `${protocol}: ${reports} of the ${n - 1} running servers reported what they store`);
  check(left === 0, `${protocol}: ${left} processes left`);
  const offsets = hosts.map((h) => `${h.clockOffsetMs >= 0 ? '+' : ''}${h.clockOffsetMs.toFixed(3)}±${h.clockOffsetErrorMs.toFixed(3)}`).join(' ');
  const p50 = run.ops.write?.latencyMs.p50;
  process.stdout.write(
    `run ${protocol} (n=${n} over ${lab.hosts.length} hosts, s1 crashed): verdict ${run.verdict}, ${completed} ops completed, ${reports}/${n - 1} server reports, write p50 ${p50 === undefined ? '-' : `${p50.toFixed(1)} ms`}, clock offsets ms ${offsets}, processes left ${left}, ${seconds(sinceMs)}\n`,
  );
}

/** The run folders of processes started over SSH (ssh.ts `remoteProcessCommand`): the hosts share this /tmp. */
function remoteRunFolders(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('quorumbench-run-'));
}

// 4. A running harness interrupted: SIGINT (Ctrl-C) and SIGKILL (no hook runs). Its run folder (with
// the run secret) must go too: the harness removes its own on SIGINT; after a SIGKILL its local
// client process does (`--run-folder`); the hosts' processes remove theirs either way.
for (const signal of ['SIGINT', 'SIGKILL'] as const) {
  const sinceMs = Date.now();
  const path = writeConfig(`interrupt-${signal}`, baseConfig(`interrupt-${signal}`, 'abd', { clientProcesses: 1, hosts: labHosts(3) }, { operations: 1_000_000 }));
  const harnessTmp = join(lab.dir, `tmp-${signal}`);
  mkdirSync(harnessTmp);
  const remoteBefore = new Set(remoteRunFolders());
  let harnessPid = 0;
  const outcome = cli(path, (pid) => (harnessPid = pid), harnessTmp);
  // Interrupt once every server runs: each host has its sessions' processes.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && ![...lab.processesInHosts().values()].every((pids) => pids.length > 0)) await new Promise((resolve) => setTimeout(resolve, 200));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  process.kill(harnessPid, signal);
  const { code, signal: endedBy } = await outcome;
  const left = await settledProcessesLeft();
  const expectedEnd = signal === 'SIGINT' ? code === 130 : endedBy === 'SIGKILL';
  const foldersLeft = [...readdirSync(harnessTmp).map((name) => join(harnessTmp, name)), ...remoteRunFolders().filter((name) => !remoteBefore.has(name))];
  check(expectedEnd, `interrupt ${signal}: harness ended with code ${code}, signal ${endedBy}`);
  check(left === 0, `interrupt ${signal}: ${left} processes left`);
  check(foldersLeft.length === 0, `interrupt ${signal}: run folders left: ${foldersLeft.join(', ')}`);
  process.stdout.write(`interrupt: ${signal} of a running harness: ended with ${code ?? endedBy}, processes left ${left}, run folders left ${foldersLeft.length}, ${seconds(sinceMs)}\n`);
}

lab.teardown();
const leftovers = lab.leftovers();
check(leftovers.length === 0, `lab leftovers: ${leftovers.join(', ')}`);
process.stdout.write(`lab removed: ${leftovers.length === 0 ? 'no namespace, veth, bridge, sshd or folder left' : `LEFT: ${leftovers.join(', ')}`}\n`);
process.stdout.write(
  `test:hosts: ${lab.hosts.length} hosts, ${protocols.length} runs, ${verdictsOk}/${protocols.length} verdicts ok, processes left ${failures.some((f) => f.includes('processes left')) ? 'NOT 0' : 0}, ${failures.length === 0 ? 'all checks passed' : `${failures.length} FAILED`}, ${seconds(startedMs)}\n`,
);
for (const failure of failures) process.stdout.write(`FAILED: ${failure}\n`);
process.stdout.write(`test:hosts: ${passed} passed, ${failures.length} failed\n`);
process.exit(failures.length === 0 ? 0 : 1);
