/**
 * @module `npm run bench:shaping`: the real engine's in-process bandwidth emulation against the
 * kernel's `tc tbf`, the same experiment both ways, on network-namespace hosts (test/hosts/netns-lab.ts;
 * needs root and `ip netns`).
 *
 * The experiment: ABD with t = 1, its 3 servers on 3 hosts (one each), one writer in the harness
 * (so that every link carries one client's traffic, as the emulation's per-link model assumes),
 * closed loop. Three ways, over the same hosts:
 * - `none`: no shaping (the veths' own speed);
 * - `emulated`: `network.bandwidthMBps: X` (the link model: each message serialized at X MB/s per
 *   directed link, held by the receiver until due);
 * - `tbf`: the kernel's token bucket at X MB/s on both ends of every host's veth (its uplink and
 *   downlink), no emulation.
 * Prints a markdown table (write latency p50/p90, ms; throughput, ops/s) and `uptime`; `--out FILE`
 * also writes it there. Options: `--mbps X` (10), `--ops N` (30), `--sizes 65536,1048576`.
 */
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../harness/config/index.ts';
import { writeFileAtomic } from '../harness/results/writer.ts';
import { runExperiment } from '../harness/runner/index.ts';
import { labUnavailable, NetnsLab } from '../test/hosts/netns-lab.ts';
import { PROJECT_ROOT } from '../harness/real/launch.ts';

const { values: flags } = parseArgs({ options: { mbps: { type: 'string', default: '10' }, ops: { type: 'string', default: '30' }, sizes: { type: 'string', default: '65536,1048576' }, out: { type: 'string' } } });
const mbps = Number(flags.mbps);
const operations = Number(flags.ops);
const sizes = flags.sizes.split(',').map(Number);
if (!(mbps > 0) || !(Number.isInteger(operations) && operations > 0) || !sizes.every((size) => Number.isInteger(size) && size > 0)) {
  process.stderr.write(`bench:shaping: --mbps X > 0, --ops N > 0, --sizes a,b (bytes); got ${JSON.stringify(flags)}\n`);
  process.exit(2);
}
const unavailable = labUnavailable();
if (unavailable !== undefined) {
  process.stderr.write(`bench:shaping: cannot run here: ${unavailable}\n`);
  process.exit(2);
}

type Way = 'none' | 'emulated' | 'tbf';
interface Row {
  readonly valueBytes: number;
  readonly way: Way;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly opsPerS: number;
  readonly verdict: string;
}

let lab: NetnsLab;
try {
  lab = await NetnsLab.create({ hosts: 3 });
} catch (error) {
  process.stderr.write(`bench:shaping: cannot make the hosts: ${(error as Error).message}\n`);
  process.exit(2);
}
const rows: Row[] = [];
try {
  for (const valueBytes of sizes) {
    for (const way of ['none', 'emulated', 'tbf'] as const) {
      lab.shape(way === 'tbf' ? { tbfMBps: mbps } : {});
      const config = parseConfig({
        name: `shaping-${way}-${valueBytes}`,
        engine: 'real',
        seed: 3,
        protocol: { name: 'abd', t: 1 },
        workload: { writers: 1, readers: 0, keys: 1, valueBytes, operations, warmupOps: 3 },
        network: { latency: { distribution: 'constant', oneWayMs: 0 }, ...(way === 'emulated' ? { bandwidthMBps: mbps } : {}) },
        real: { hosts: lab.hosts.map((host, i) => ({ ssh: host.ssh, dir: PROJECT_ROOT, servers: [`s${i + 1}`] })), ssh: lab.sshSettings(), startTimeoutMs: 120_000 },
      });
      const result = await runExperiment(config, { outDir: join(lab.dir, 'results', config.name) });
      const run = result.summary.runs[0]!;
      const write = run.ops.write!;
      rows.push({ valueBytes, way, p50Ms: write.latencyMs.p50, p90Ms: write.latencyMs.p90, opsPerS: run.throughputOpsPerS, verdict: run.verdict });
      process.stderr.write(`${valueBytes} B ${way}: p50 ${write.latencyMs.p50.toFixed(1)} ms, ${run.throughputOpsPerS.toFixed(1)} ops/s, verdict ${run.verdict}\n`);
    }
  }
} finally {
  lab.teardown();
}

/** The model's transfer time of one value on one link, ms: what shaping alone adds to a write. */
const modelMs = (valueBytes: number): number => (valueBytes / (mbps * 1e6)) * 1000;
const lines = [
  `ABD t=1, 3 servers on 3 namespace hosts, 1 writer, ${operations} writes (3 warm-up), ${mbps} MB/s per link direction`,
  '',
  '| value | shaping | write p50 (ms) | write p90 (ms) | writes/s | value / bandwidth (ms) | verdict |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((row) => `| ${row.valueBytes / 1024} KiB | ${row.way === 'none' ? 'none' : row.way === 'emulated' ? `emulated (bandwidthMBps: ${mbps})` : `kernel tbf ${mbps} MB/s`} | ${row.p50Ms.toFixed(1)} | ${row.p90Ms.toFixed(1)} | ${row.opsPerS.toFixed(1)} | ${modelMs(row.valueBytes).toFixed(1)} | ${row.verdict} |`),
  '',
  `uptime: ${os.loadavg().map((load) => load.toFixed(2)).join(', ')} (load averages 1, 5, 15 min), ${os.cpus().length} cores, Node ${process.version}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (flags.out !== undefined) writeFileAtomic(flags.out, `${lines.join('\n')}\n`);
