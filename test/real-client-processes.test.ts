/**
 * The real engine with `real.clientProcesses: 2`: servers and workload clients in their own
 * processes, the history kept by the harness, judged by the linearizability checker; operation
 * times obey the emulated-latency lower bound; no child process is left behind (by PID and by ps),
 * after a normal run and after a SIGINT of the harness.
 *
 * No wall-clock upper bounds: a loaded 2-core CI machine may be arbitrarily slow.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { checkHistory } from '../harness/checker/index.ts';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { createRealEngine, RealEngine } from '../harness/real/engine.ts';
import { PROJECT_ROOT } from '../harness/real/launch.ts';
import { liveChildPids } from '../harness/real/processes.ts';
import type { EngineContext } from '../harness/transport/engine.ts';
import { runOnce } from '../harness/runner/run-once.ts';
import { alive, realChildrenOf, waitUntil } from './support/processes.ts';
import { resolveRun, runReal } from './support/real-run.ts';


async function assertNoChildren(engine: RealEngine): Promise<void> {
  for (const pid of [...engine.serverPids, ...engine.clientProcessPids]) assert.equal(alive(pid), false, `process ${pid} outlived the run`);
  assert.deepEqual(liveChildPids(), []);
  assert.deepEqual(realChildrenOf(process.pid), []);
}

const ONE_WAY_MS = 2;

describe('real engine with client processes', () => {
  it('runs abd with 2 client processes (4 clients, 1 KiB, 2 ms links, a server crash, a client crashing mid-write): linearizable, latency bound, exact traffic', async () => {
    const run = resolveRun({
      name: 'real-abd-client-processes',
      engine: 'real',
      seed: 21,
      protocol: { name: 'abd', t: 1 },
      network: { latency: { distribution: 'constant', oneWayMs: ONE_WAY_MS } },
      workload: { writers: 2, readers: 2, keys: 2, valueBytes: 1024, operations: 160 },
      faults: [
        // The engine SIGKILLs s2's process at the start; ABD (t = 1) carries on with s1 and s3.
        { type: 'crash', node: 's2', atMs: 0 },
        // w1's 5th operation (a write) crashes after round 1, having sent round 2 to one server only.
        { type: 'crash', node: 'w1', duringOp: 5, afterRound: 1, sendTo: 1 },
      ],
      real: { clientProcesses: 2 },
    });
    const { output, engine } = await runReal(run);
    assert.equal(output.outcome, 'stopped');
    assert.equal(engine.clientProcessPids.length, 2);
    assert.equal(output.history.length, 160);
    const pending = output.history.filter((record) => record.status !== 'ok');
    assert.deepEqual(
      pending.map((record) => [record.client, record.op, record.status, record.rounds, record.return]),
      [['w1', 'write', 'pending', 2, null]],
    );
    assert.equal(output.history.filter((record) => record.client === 'w1').length, 5);
    for (const client of ['w2', 'r1', 'r2']) assert.ok(output.history.some((record) => record.client === client), `${client} ran no operation`);
    // ABD: 2 rounds per operation (docs/protocols.md#abd, fastRead off).
    assert.ok(output.history.every((record) => record.rounds === 2));
    // The emulation's lower bound: 2 rounds × (request + reply) × 2 ms = 8 ms, for every operation.
    for (const record of output.history) {
      if (record.return === null) continue;
      assert.ok(record.return - record.call >= record.rounds * 2 * ONE_WAY_MS, `${record.client} ${record.op} took ${record.return - record.call} ms`);
    }
    assert.equal((await checkHistory(output.history, { model: 'register' })).verdict, 'ok');
    // Client → server messages, counted by the client processes: 6 per completed operation (2 rounds
    // to 3 servers, the crashed one included), 3 + 1 for the crashed write.
    assert.equal(output.result.messages.clientToServer, 159 * 6 + 4);
    // s2 was SIGKILLed, so it printed no stats; s1 and s3 stopped cleanly.
    assert.deepEqual([...engine.serverStats.keys()].sort(), ['s1', 's3']);
    await assertNoChildren(engine);
  });

  it('runs m-powerstore with 2 client processes (4 clients, 1 KiB) with a forging server and a hostile reader: linearizable', async () => {
    const run = resolveRun({
      name: 'real-mpowerstore-client-processes',
      engine: 'real',
      seed: 22,
      protocol: { name: 'm-powerstore', t: 1 },
      network: { latency: { distribution: 'constant', oneWayMs: 0 } },
      workload: { writers: 1, readers: 3, keys: 1, valueBytes: 1024, operations: 120 },
      faults: [
        { type: 'byzantine', node: 's4', strategy: 'forge' },
        // Hostile clients stay in the harness process.
        { type: 'hostile-client', node: 'x1', behaviour: 'forged-candidates', everyMs: 5 },
      ],
      real: { clientProcesses: 2 },
    });
    const { output, engine } = await runReal(run);
    assert.equal(output.outcome, 'stopped');
    assert.equal(output.history.length, 120);
    assert.ok(output.history.every((record) => record.status === 'ok'), 'an operation did not complete');
    // M-PoWerStore writes take 3 rounds (docs/protocols.md#m-powerstore).
    assert.ok(output.history.filter((record) => record.op === 'write').every((record) => record.rounds === 3));
    assert.ok(output.history.some((record) => record.op === 'read' && record.value !== null), 'no read returned a written value');
    assert.equal((await checkHistory(output.history, { model: 'register' })).verdict, 'ok');
    assert.deepEqual(engine.serverBehaviours(), { s1: 'honest', s2: 'honest', s3: 'honest', s4: 'forge' });
    await assertNoChildren(engine);
  });

  it('refuses more client processes than workload clients, before starting anything', async () => {
    const run = resolveRun({
      name: 'real-too-many-client-processes',
      engine: 'real',
      protocol: { name: 'abd', t: 1 },
      workload: { writers: 1, readers: 3, operations: 10 },
      network: { latency: { distribution: 'constant', oneWayMs: 0 } },
      real: { clientProcesses: 5 },
    });
    const context: EngineContext = { run, seed: run.seed, cluster: run.cluster, nodes: run.cluster.servers, network: run.network };
    await assert.rejects(createRealEngine(context), /real\.clientProcesses: 5 exceeds the 4 workload clients/);
    assert.deepEqual(liveChildPids(), []);
  });

  it('leaves no server and no client process behind when the harness gets SIGINT in the middle of a run', async () => {
    const script = `
      import { parseConfig, resolveExperiment } from './harness/config/index.ts';
      import { createRealEngine } from './harness/real/engine.ts';
      import { runOnce } from './harness/runner/run-once.ts';
      const run = resolveExperiment(parseConfig({ name: 'signal', engine: 'real', protocol: { name: 'abd', t: 1 },
        network: { latency: { distribution: 'constant', oneWayMs: 5 } },
        workload: { writers: 1, readers: 1, operations: 1000000 }, real: { clientProcesses: 2 } })).runs[0];
      await runOnce(run, run.seed, { engine: async (context) => {
        const engine = await createRealEngine(context);
        process.stdout.write(JSON.stringify([...engine.serverPids, ...engine.clientProcessPids]) + '\\n');
        return engine;
      } });
    `;
    const harness = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    harness.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    harness.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => harness.on('exit', (code) => resolve(code)));
    assert.equal(await waitUntil(() => stdout.includes('\n'), 60_000), true, `the harness never started its processes: ${stderr}`);
    const pids = JSON.parse(stdout.split('\n')[0]!) as number[];
    assert.equal(pids.length, 3 + 2);
    assert.ok(pids.every(alive), 'servers and client processes should be running before the signal');
    harness.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.equal(await waitUntil(() => !pids.some(alive), 15_000), true, `processes outlived the harness: ${pids.filter(alive).join(', ')}`);
  });
});
