/**
 * @module What the external-node boundary costs (used by bench:sim and bench:real): the same ABD
 * workload run by the built-in TypeScript ABD in process and by the example Python node
 * (examples/abd-node) through Maelstrom's node protocol, as messages per wall-clock second and their
 * ratio, measured in the same run. Every message of the external path is a JSON line written to one
 * process and read from another; in the simulator each delivery also waits until the node is done
 * (barrier, or a quiet period).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { PROJECT_ROOT } from '../harness/real/launch.ts';
import { runOnce } from '../harness/runner/run-once.ts';
import type { RunResult } from '../harness/results/schema.ts';

interface PathRow {
  readonly path: string;
  readonly operations: number;
  readonly messages: number;
  /** The wall-clock seconds the rate is over (see {@link measure}). */
  readonly seconds: number;
  readonly messagesPerS: number;
}

/** The interpreter itself: a version manager's `python3` shim would add its start-up to every node. */
function python(): string {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

async function timed(engine: 'sim' | 'real', protocol: Record<string, unknown>, operations: number): Promise<{ readonly result: RunResult; readonly wallS: number }> {
  const config = parseConfig({
    name: `bench-external-${engine}`,
    engine,
    seed: 1,
    protocol,
    network: engine === 'sim' ? { latency: { distribution: 'uniform', minMs: 1, maxMs: 2 } } : { latency: { distribution: 'constant', oneWayMs: 0 } },
    workload: { writers: 1, readers: 3, keys: 1, valueBytes: 16, operations },
  });
  const run = resolveExperiment(config, PROJECT_ROOT).runs[0]!;
  const started = performance.now();
  const { result, outcome } = await runOnce(run);
  const wallS = (performance.now() - started) / 1000;
  if (outcome !== 'stopped') throw new Error(`bench-external-${engine}: run ended ${outcome}`);
  return { result, wallS };
}

/**
 * One path's rate, start-up left out. Simulator: all messages over the run's wall-clock time minus
 * that of a one-operation run of the same config (starting the processes). Real engine: over the
 * operations' own wall-clock span (first call to last return), counting each client message and
 * its one reply (ABD with every server up answers every request once) from the harness's side,
 * where both paths count them alike.
 */
async function measure(engine: 'sim' | 'real', path: string, protocol: Record<string, unknown>, operations: number): Promise<PathRow> {
  if (engine === 'real') {
    const { result } = await timed(engine, protocol, operations);
    const messages = 2 * result.messages.clientToServer;
    const seconds = result.durationMs / 1000;
    return { path, operations, messages, seconds, messagesPerS: messages / seconds };
  }
  const start = await timed(engine, protocol, 1);
  const { result, wallS } = await timed(engine, protocol, operations);
  const seconds = Math.max(1e-3, wallS - start.wallS);
  return { path, operations, messages: result.messages.total, seconds, messagesPerS: result.messages.total / seconds };
}

/**
 * Markdown lines: the in-process ABD, then the Python node (sim: with `barrier`, and with a 2 ms
 * quiet period instead; real: free-running), each with its rate relative to the in-process one.
 * `operations` for the external path; the in-process run does more (its rate needs a longer run to
 * be stable, and costs little).
 */
export async function externalPathTable(engine: 'sim' | 'real', operations: number): Promise<string[]> {
  const node = [python(), join(PROJECT_ROOT, 'examples/abd-node/abd_node.py')];
  const external = { name: 'external', t: 1, servers: '2t+1', clientRole: 'clients', command: node };
  const inProcessOps = engine === 'sim' ? Math.max(20_000, operations * 20) : Math.max(2_000, operations * 5);
  const rows = [await measure(engine, 'in-process TypeScript ABD', { name: 'abd', t: 1 }, inProcessOps)];
  if (engine === 'sim') {
    rows.push(await measure(engine, 'Python ABD node, lockstep with barrier', { ...external, barrier: true }, operations));
    rows.push(await measure(engine, 'Python ABD node, lockstep with a 2 ms quiet period', { ...external, quietMs: 2 }, Math.ceil(operations / 10)));
  } else {
    rows.push(await measure(engine, 'Python ABD node, free-running', external, operations));
  }
  const base = rows[0]!.messagesPerS;
  return [
    '| path | ops | messages | wall s (start-up left out) | messages/s | relative |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.path} | ${r.operations} | ${r.messages} | ${r.seconds.toFixed(2)} | ${Math.round(r.messagesPerS).toLocaleString('en-US')} | ${(r.messagesPerS / base).toPrecision(2)} |`),
  ];
}
