/**
 * @module `npx tsx harness/cost/deviation-effects.ts [hashes|verifies|unwritten|retention|bft-reads]`:
 * the simulated measurements behind docs/cost-model.md ("Deviations that change a number"). Each
 * prints one line per configuration. Simulated and seeded, so the figures do not depend on the
 * machine or its load. Latencies are charged with REFERENCE, a fixed flat profile written out
 * here, so they do not move when configs/cost-profiles/default.json is regenerated.
 *
 * - hashes: hash calls per read (reader and servers), PoWerStore and M-PoWerStore, t = 1..3.
 * - verifies: Ed25519 verifications per read and per write, bft-signed, t = 1..3.
 * - unwritten: rounds and latency of reads of a never-written register, every protocol, t = 1.
 * - retention: storage per server and reads under retentionRule lc-guarded and spec.
 * - bft-reads: bft-signed under experiment 2's workload (latency, verification and hash CPU per read).
 */
import { parseConfig, resolveExperiment } from '../config/index.ts';
import { runExperiment } from '../runner/index.ts';
import type { RunResult } from '../results/schema.ts';

const FREE = { nsPerOp: 0, nsPerByte: 0 };
/** A profile charging 1 ns per call of one primitive and nothing else: CPU per op = calls per op. */
const counting = (primitive: 'hash' | 'verify') => ({
  name: `count-${primitive}`,
  hash: FREE,
  hmac: FREE,
  sign: FREE,
  verify: FREE,
  encode: FREE,
  decode: FREE,
  message: FREE,
  [primitive]: { nsPerOp: 1, nsPerByte: 0 },
});
/** Ed25519 sign 25 µs, verify 60 µs, SHA-256 0.6 ns/B, 2 µs per message: the flat default before calibration. */
const REFERENCE = {
  name: 'reference',
  hash: { nsPerOp: 500, nsPerByte: 0.6 },
  hmac: { nsPerOp: 1000, nsPerByte: 0.6 },
  sign: { nsPerOp: 25_000, nsPerByte: 0.6 },
  verify: { nsPerOp: 60_000, nsPerByte: 0.6 },
  encode: { nsPerOp: 1000, nsPerByte: 0.3 },
  decode: { nsPerOp: 1000, nsPerByte: 0.3 },
  message: { nsPerOp: 2000, nsPerByte: 0.1 },
};
const MIXED = { keys: 1, writers: 1, readers: 2, valueBytes: 4096, operations: 300, warmupOps: 10 };
const EXPERIMENT_2 = { keys: 1, writers: 1, readers: 0, readRatio: 0.5, valueBytes: 262_144, operations: 100, warmupOps: 10, thinkTimeMs: 0 };

async function run(fields: Record<string, unknown>): Promise<RunResult> {
  const config = parseConfig({ name: 'deviation-effects', engine: 'sim', seed: 7, network: { preset: 'dc' }, faults: [], ...fields });
  const { summary } = await runExperiment(resolveExperiment(config, process.cwd()));
  return summary.runs[0]!;
}

const fixed = (x: number | undefined, digits = 3): string => (x === undefined ? '–' : x.toFixed(digits));

const modes: Record<string, () => Promise<void>> = {
  async hashes() {
    for (const protocol of ['powerstore', 'm-powerstore']) {
      for (const t of [1, 2, 3]) {
        const r = await run({ protocol: { name: protocol, t }, costProfile: counting('hash'), workload: MIXED });
        console.log(`${protocol} t=${t}: ${fixed(r.ops.read?.cpuNsPerOp['hash'])} hash calls per read (${r.ops.read?.count} reads, ${r.verdict})`);
      }
    }
  },
  async verifies() {
    for (const t of [1, 2, 3]) {
      const r = await run({ protocol: { name: 'bft-signed', t }, costProfile: counting('verify'), workload: MIXED });
      console.log(
        `bft-signed t=${t}: ${fixed(r.ops.read?.cpuNsPerOp['verify'])} verifications per read, ` +
          `${fixed(r.ops.write?.cpuNsPerOp['verify'])} per write (${r.verdict})`,
      );
    }
  },
  async unwritten() {
    for (const protocol of ['abd', 'bft-signed', 'powerstore', 'm-powerstore']) {
      const r = await run({ protocol: { name: protocol, t: 1 }, costProfile: REFERENCE, workload: { keys: 1, writers: 0, readers: 1, valueBytes: 1024, operations: 100 } });
      console.log(`${protocol}: ${fixed(r.ops.read?.rounds.mean, 2)} rounds, ${fixed(r.ops.read?.latencyMs.mean)} ms per read of an unwritten register`);
    }
  },
  async retention() {
    const cases = [['powerstore', 1, 16], ['m-powerstore', 3, 16], ['m-powerstore', 3, 4]] as const;
    for (const [protocol, writers, retain] of cases) {
      for (const retentionRule of ['lc-guarded', 'spec']) {
        const r = await run({
          seed: 2013,
          protocol: { name: protocol, t: 1, options: { retain, retentionRule } },
          costProfile: REFERENCE,
          workload: { keys: 1, writers, readers: 2, valueBytes: 65_536, operations: 400, warmupOps: 10 },
        });
        const kib = r.storageBytesPerServer.map((b) => (b / 1024).toFixed(0)).join(', ');
        const read = r.ops.read;
        console.log(
          `${protocol} writers=${writers} retain=${retain} ${retentionRule}: storage per server ${kib} KiB; ` +
            `${read?.count} reads ok, ${read?.pending} pending, ${fixed(read?.latencyMs.mean)} ms per read`,
        );
      }
    }
  },
  async 'bft-reads'() {
    for (const t of [1, 2, 3]) {
      const r = await run({ seed: 2013, protocol: { name: 'bft-signed', t }, network: { preset: 'dc', nicMBps: 125 }, costProfile: REFERENCE, workload: EXPERIMENT_2 });
      const read = r.ops.read;
      console.log(
        `bft-signed t=${t}: read ${fixed(read?.latencyMs.mean)} ms, verification ${fixed((read?.cpuNsPerOp['verify'] ?? 0) / 1e3, 1)} µs ` +
          `and hashing ${fixed((read?.cpuNsPerOp['hash'] ?? 0) / 1e3, 1)} µs CPU per read`,
      );
    }
  },
};

const mode = process.argv[2] ?? '';
const chosen = modes[mode];
if (chosen === undefined) {
  process.stderr.write(`deviation-effects: expected one of ${Object.keys(modes).join(', ')}, got ${JSON.stringify(mode)}\n`);
  process.exit(2);
}
await chosen();
