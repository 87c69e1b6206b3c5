/**
 * Simulator throughput: simulated messages per wall-clock second for ABD (t = 1, n = 3) with 64
 * clients (32 writers, 32 readers), 16-byte values, the zero cost profile and uniform 1–2 ms links.
 * Run with `npm run bench:sim` (options: --ops N, --repeat N, --external-ops N, --trace: with the
 * message trace on, every event recorded, `maxEvents` raised to hold them all; 20,000 operations
 * unless --ops says otherwise). Then the same for the external-node path (bench/external-path.ts):
 * 4 clients, in-process ABD against the Python node.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { externalPathTable } from './external-path.ts';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { runOnce } from '../harness/runner/index.ts';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) {
    process.stderr.write(`bench:sim: --${name} must be a positive integer, got ${JSON.stringify(process.argv[index + 1])}\n`);
    process.exit(2);
  }
  return value;
}

const traced = process.argv.includes('--trace');
// A traced run keeps every event in memory (about 26 per operation): fewer operations by default.
const operations = argument('ops', traced ? 20_000 : 200_000);
const repeat = argument('repeat', 3);
const externalOps = argument('external-ops', 500);

const config = parseConfig({
  name: 'sim-bench',
  seed: 1,
  protocol: { name: 'abd', t: 1 },
  network: { latency: { distribution: 'uniform', minMs: 1, maxMs: 2 }, bandwidthMBps: 0 },
  costProfile: 'zero',
  workload: { keys: 64, writers: 32, readers: 32, valueBytes: 16, operations },
  // A message is a send and a delivery; an operation adds its call and return.
  ...(traced ? { trace: { maxEvents: operations * 30 } } : {}),
});
const run = resolveExperiment(config).runs[0]!;

// One short warm-up run lets V8 optimise the hot path before measuring.
await runOnce(resolveExperiment({ ...config, workload: { ...config.workload, operations: Math.min(20_000, operations) } }).runs[0]!);

/**
 * CPU seconds of the main thread only (Linux /proc; clock ticks of 10 ms). On a shared machine the
 * wall-clock rate depends on what else runs; the main thread's CPU time does not (much).
 */
function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const format = (rate: number) => (Number.isFinite(rate) ? Math.round(rate).toLocaleString('en-US') : 'n/a');
const wallRates: number[] = [];
const cpuRates: number[] = [];
for (let i = 0; i < repeat; i++) {
  const cpuStart = mainThreadCpuSeconds();
  const started = performance.now();
  const { result } = await runOnce(run);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = mainThreadCpuSeconds() - cpuStart;
  const wallRate = result.messages.total / seconds;
  const cpuRate = result.messages.total / cpuSeconds;
  wallRates.push(wallRate);
  cpuRates.push(cpuRate);
  process.stdout.write(
    `run ${i + 1}: ${result.messages.total} messages (${operations} ops) in ${seconds.toFixed(3)} s wall, ${cpuSeconds.toFixed(2)} s main-thread CPU = ` +
      `${format(wallRate)} msg/s wall, ${format(cpuRate)} msg/s per CPU-second\n`,
  );
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
process.stdout.write(
  `median of ${repeat}: ${format(median(wallRates))} simulated messages per wall-clock second, ${format(median(cpuRates))} per main-thread CPU-second ` +
    `(ABD t=1, 64 clients, 16 B values, zero cost profile, ${operations} ops${traced ? ', message trace on' : ''})\n`,
);
process.stdout.write(`\nexternal-node path (ABD t=1, 1 writer + 3 readers, 16 B values), load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')}:\n`);
for (const line of await externalPathTable('sim', externalOps)) process.stdout.write(`${line}\n`);
