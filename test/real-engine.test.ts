/**
 * The real engine end to end: servers as processes over loopback TCP, clients in this process,
 * histories judged by the linearizability checker, and no child process left behind (by PID), after
 * a normal run, a crash fault, a failed start, and a SIGINT of the harness.
 *
 * No wall-clock assertions: a loaded 2-core CI machine may be arbitrarily slow.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { checkHistory } from '../harness/checker/index.ts';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { createRealEngine } from '../harness/real/engine.ts';
import { PROJECT_ROOT } from '../harness/real/launch.ts';
import { liveChildPids } from '../harness/real/processes.ts';
import { runOnce } from '../harness/runner/run-once.ts';
import type { EngineContext } from '../harness/transport/engine.ts';
import { PROTOCOLS } from '../protocols/registry.ts';
import { stream } from '../harness/rng.ts';
import { resolveRun, runReal } from './support/real-run.ts';


/** Whether a process with this PID exists (signal 0 probes without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Server processes among the direct children of `pid`, from ps (tsx's esbuild helper is not one). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('serve-entry'))
      .map((line) => Number.parseInt(line.trim(), 10))
      .filter((value) => Number.isInteger(value) && value > 0);
  } catch {
    return []; // ps exits 1 when nothing matches
  }
}

async function waitUntil(done: () => boolean, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** A harness process that runs a long real experiment and prints its servers' PIDs once started. */
async function startHarnessChild(): Promise<{ pids: number[]; harness: ReturnType<typeof spawn>; exited: Promise<number | null> }> {
  const script = `
    import { parseConfig, resolveExperiment } from './harness/config/index.ts';
    import { createRealEngine } from './harness/real/engine.ts';
    import { runOnce } from './harness/runner/run-once.ts';
    const run = resolveExperiment(parseConfig({ name: 'signal', engine: 'real', protocol: { name: 'abd', t: 1 },
      network: { latency: { distribution: 'constant', oneWayMs: 5 } },
      workload: { writers: 1, readers: 1, operations: 1000000 } })).runs[0];
    await runOnce(run, run.seed, { engine: async (context) => {
      const engine = await createRealEngine(context);
      process.stdout.write(JSON.stringify(engine.serverPids) + '\\n');
      return engine;
    } });
  `;
  const harness = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  harness.stdout!.setEncoding('utf8');
  harness.stdout!.on('data', (chunk: string) => (stdout += chunk));
  let stderr = '';
  harness.stderr!.setEncoding('utf8');
  harness.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => harness.on('exit', (code) => resolve(code)));
  assert.equal(await waitUntil(() => stdout.includes('\n'), 60_000), true, `the harness never started its servers: ${stderr}`);
  const pids = JSON.parse(stdout.split('\n')[0]!) as number[];
  assert.equal(pids.length, 3);
  return { pids, harness, exited };
}

const loopback = { latency: { distribution: 'constant', oneWayMs: 0 } };
const ONE_WAY_MS = 2;
const emulated = { latency: { distribution: 'constant', oneWayMs: ONE_WAY_MS } };

/**
 * The emulation's lower bound, a correctness property rather than a timing assertion: every message
 * is held until its due time, so no operation returns sooner than its rounds × (request + reply) ×
 * the one-way latency after its call (a 2-round ABD operation over 2 ms links: 8 ms).
 */
function assertLatencyBound(history: readonly { client: string; op: string; rounds: number; call: number; return: number | null }[]): void {
  for (const record of history) {
    if (record.return === null) continue;
    const boundMs = record.rounds * 2 * ONE_WAY_MS;
    assert.ok(record.return - record.call >= boundMs, `${record.client} ${record.op} (${record.rounds} rounds) took ${record.return - record.call} ms < ${boundMs} ms`);
  }
}

describe('real engine', () => {
  it('runs abd over TCP (1 KiB, 4 clients, 2 ms links): linearizable, every op 2 rounds and >= 8 ms, no leftover process', async () => {
    const run = resolveRun({
      name: 'real-abd',
      engine: 'real',
      seed: 11,
      protocol: { name: 'abd', t: 1 },
      network: emulated,
      workload: { writers: 2, readers: 2, keys: 2, valueBytes: 1024, operations: 240 },
    });
    const { output, engine } = await runReal(run);
    assert.equal(output.outcome, 'stopped');
    assert.equal(output.history.length, 240);
    assert.ok(output.history.every((record) => record.status === 'ok'), 'an operation did not complete');
    // ABD: writes and reads are exactly 2 rounds (docs/protocols.md#abd, fastRead off).
    assert.ok(output.history.every((record) => record.rounds === 2), 'an operation took other than 2 rounds');
    assertLatencyBound(output.history);
    const verdict = await checkHistory(output.history, { model: 'register' });
    assert.equal(verdict.verdict, 'ok');
    // Client randomness (nonces, keys) is a CSPRNG here, not the seeded stream the simulator uses.
    const seeded = Buffer.from(stream(run.seed, 'node:w1').bytes(32)).toString('hex');
    const drawn = [0, 1].map(() => Buffer.from(engine.nodeRandom('w1').bytes(32)).toString('hex'));
    assert.notEqual(drawn[0], seeded);
    assert.notEqual(drawn[0], drawn[1]);
    // 3 servers, each stopped cleanly with its stats: full replication of a 1 KiB value on each.
    assert.equal(engine.serverPids.length, 3);
    assert.equal(engine.serverStats.size, 3);
    for (const stats of engine.serverStats.values()) {
      assert.ok(stats.storedBytes >= 2 * 1024, `a server stores ${stats.storedBytes} bytes for 2 keys of 1 KiB`);
      assert.deepEqual(stats.rejected, {});
    }
    // Every server answers every message it gets (ABD), except requests still held for their 2 ms
    // when the run stopped: at most the last round of each of the 4 clients (4 × 3 messages).
    const report = engine.serverReport(run.cluster.servers);
    const sent = output.result.messages.clientToServer;
    assert.equal(sent, 240 * 6, 'each operation sends 2 rounds to 3 servers');
    assert.ok(report.sent.messages <= sent && report.sent.messages >= sent - 12, `${report.sent.messages} replies to ${sent} requests`);
    assert.deepEqual(report.rejected, {});
    for (const pid of engine.serverPids) assert.equal(alive(pid), false, `server process ${pid} outlived the run`);
    assert.deepEqual(liveChildPids(), []);
    assert.deepEqual(childrenOf(process.pid), []);
  });

  it('runs m-powerstore over TCP (1 KiB, 4 clients, 2 ms links) with a forging server and a hostile reader: linearizable, latency bound', async () => {
    const run = resolveRun({
      name: 'real-mpowerstore',
      engine: 'real',
      seed: 12,
      protocol: { name: 'm-powerstore', t: 1 },
      network: emulated,
      workload: { writers: 1, readers: 3, keys: 1, valueBytes: 1024, operations: 160 },
      // t = 1 Byzantine server (its strategy runs inside its own process) and a Byzantine reader.
      faults: [
        { type: 'byzantine', node: 's4', strategy: 'forge' },
        { type: 'hostile-client', node: 'x1', behaviour: 'forged-candidates', everyMs: 5 },
      ],
    });
    const { output, engine } = await runReal(run);
    assert.equal(output.outcome, 'stopped');
    assert.equal(output.history.length, 160);
    assert.ok(output.history.every((record) => record.status === 'ok'), 'an operation did not complete');
    // M-PoWerStore writes take 3 rounds (docs/protocols.md#m-powerstore).
    assert.ok(output.history.filter((r) => r.op === 'write').every((r) => r.rounds === 3));
    assertLatencyBound(output.history);
    const verdict = await checkHistory(output.history, { model: 'register' });
    assert.equal(verdict.verdict, 'ok');
    assert.deepEqual(engine.serverBehaviours(), { s1: 'honest', s2: 'honest', s3: 'honest', s4: 'forge' });
    for (const pid of engine.serverPids) assert.equal(alive(pid), false);
    assert.deepEqual(childrenOf(process.pid), []);
  });

  // A server crash fault (SIGKILL of its process at atMs) is tested with client processes, in
  // real-client-processes.test.ts (the same engine path; one run fewer here).

  it('ends a run that cannot make progress as idle, with its operations pending', async () => {
    // Two of ABD's three servers crash at once: no quorum, nothing can complete (faults beyond t).
    const run = resolveRun({
      name: 'real-abd-idle',
      engine: 'real',
      expectViolation: true,
      protocol: { name: 'abd', t: 1 },
      network: loopback,
      workload: { writers: 1, readers: 1, operations: 50 },
      faults: [
        { type: 'crash', node: 's1', atMs: 0 },
        { type: 'crash', node: 's2', atMs: 0 },
      ],
      real: { idleTimeoutMs: 300 },
    });
    const { output, engine } = await runReal(run);
    assert.equal(output.outcome, 'idle');
    assert.equal(output.history.length, 2);
    assert.ok(output.history.every((record) => record.status === 'pending' && record.return === null));
    for (const pid of engine.serverPids) assert.equal(alive(pid), false);
  });

  it('stops every started server when the servers are not ready in time', async () => {
    const run = resolveRun({
      name: 'real-bad-start',
      engine: 'real',
      protocol: { name: 'abd', t: 1 },
      network: loopback,
      workload: { writers: 1, readers: 1, operations: 10 },
      // No server can print its ready line within 1 ms (starting Node alone takes longer), so the
      // start fails with all n processes started: each must be stopped.
      real: { startTimeoutMs: 1 },
    });
    const context: EngineContext = { run, seed: run.seed, cluster: run.cluster, nodes: run.cluster.servers, network: run.network };
    await assert.rejects(createRealEngine(context), /no expected output within 1 ms/);
    assert.deepEqual(liveChildPids(), []);
    assert.equal(await waitUntil(() => childrenOf(process.pid).length === 0, 5_000), true);
  });

  // SIGINT (Ctrl-C) of the harness is tested with servers and client processes together in
  // real-client-processes.test.ts (one spawned harness for both kinds of child).
  for (const [signal, exitCode] of [
    // SIGKILL runs no handler at all: the servers notice that their stdin (a pipe from the harness)
    // closed, and remove the run's folder, with its secret, before they exit (--run-folder).
    ['SIGKILL', null],
  ] as const) {
    it(`leaves no server and no run folder behind when the harness gets ${signal} in the middle of a run`, async () => {
      const { pids, harness, exited } = await startHarnessChild();
      assert.ok(pids.every(alive), 'servers should be running before the signal');
      // The run's folder: the one of the cluster file named on a server's command line.
      const args = readFileSync(`/proc/${pids[0]}/cmdline`, 'utf8').split('\0');
      const runFolder = dirname(args[args.indexOf('--cluster') + 1]!);
      assert.match(runFolder, /quorumbench-real-/);
      assert.equal(existsSync(runFolder), true);
      harness.kill(signal);
      assert.equal(await exited, exitCode);
      assert.equal(await waitUntil(() => !pids.some(alive), 15_000), true, `servers outlived the harness: ${pids.filter(alive).join(', ')}`);
      assert.equal(existsSync(runFolder), false, `${runFolder} outlived the harness`);
    });
  }
});
