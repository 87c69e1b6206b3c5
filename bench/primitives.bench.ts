/**
 * `npm run bench:primitives [-- --quick] [-- --out FILE]`: throughput of every primitive
 * implementation (tinybench, median latency per call), printed as Markdown tables.
 *
 * - SHA-256 and HMAC-SHA-256, MB/s (1 MB = 10^6 bytes), node and noble, 1 KiB … 16 MiB.
 * - Reed–Solomon encode and decode, MB/s of value, k = 2…6, n = 3k − 2, 1 MiB and 16 MiB, native
 *   and TypeScript codecs. Decode is the worst case: from the last k fragments, all parity, so every
 *   data shard is rebuilt (decoding with all data fragments present is a copy).
 * - Ed25519 sign and verify of a 64-byte message, operations per second.
 */
import { cpus } from 'node:os';
import { loadavg } from 'node:os';
import { createCryptoProvider, CRYPTO_PROVIDER_NAMES } from '../protocols/common/crypto/index.ts';
import { createErasureCodec } from '../protocols/common/erasure/index.ts';
import { createNativeCodec } from '../protocols/common/erasure/native.ts';
import type { ErasureCodec } from '../protocols/common/erasure/index.ts';
import { fillerBytes, measureTasks, type MeasureOptions } from '../harness/cost/calibrate-measure.ts';
import { writeFileAtomic } from '../harness/results/writer.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIndex = args.indexOf('--out');
const outPath = outIndex >= 0 ? args[outIndex + 1] : undefined;
const options: MeasureOptions = quick ? { timeMs: 60, iterations: 3 } : { timeMs: 400, iterations: 5 };

const KiB = 1024;
const MiB = 1024 * KiB;
const mbPerS = (bytes: number, ns: number): string => (bytes / ns * 1e3).toFixed(0);
const sizeLabel = (bytes: number): string => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`);

/** Fastest call per cell, kept for the headline table. */
const fastestNs = new Map<string, number>();
const medianNs = new Map<string, number>();

async function time(name: string, fn: () => unknown): Promise<number> {
  const [m] = await measureTasks([{ name, fn }], options);
  process.stderr.write(`  ${name}: median ${(m!.medianNs / 1e3).toFixed(1)} µs, min ${(m!.minNs / 1e3).toFixed(1)} µs\n`);
  fastestNs.set(name, m!.minNs);
  medianNs.set(name, m!.medianNs);
  return m!.medianNs;
}

const lines: string[] = [];
const out = (line = ''): void => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};

const providers = CRYPTO_PROVIDER_NAMES.map((n) => createCryptoProvider(n));
const codecs: ErasureCodec[] = [createNativeCodec(), createErasureCodec('typescript')].filter(
  (c): c is ErasureCodec => c !== undefined,
);

out(`Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, Node ${process.version}; ` +
  `load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
  `tinybench median, ${options.timeMs} ms and >= ${options.iterations} iterations per cell. MB = 10^6 bytes.`);
out();
out('Hashing, MB/s: median (fastest call)');
out();
out(`| primitive | impl | ${[KiB, 64 * KiB, MiB, 16 * MiB].map(sizeLabel).join(' | ')} |`);
out('|---|---|---:|---:|---:|---:|');
for (const primitive of ['SHA-256', 'HMAC-SHA-256'] as const) {
  for (const c of providers) {
    const cells: string[] = [];
    const key = fillerBytes(32, 5);
    for (const size of [KiB, 64 * KiB, MiB, 16 * MiB]) {
      const data = fillerBytes(size);
      const fn = primitive === 'SHA-256' ? () => c.sha256(data) : () => c.hmacSha256(key, data);
      const name = `${primitive} ${c.name} ${sizeLabel(size)}`;
      const median = await time(name, fn);
      cells.push(`${mbPerS(size, median)} (${mbPerS(size, fastestNs.get(name)!)})`);
    }
    out(`| ${primitive} | ${c.name} | ${cells.join(' | ')} |`);
  }
}
out();
out('Ed25519, operations/s (64-byte message): median (fastest call)');
out();
out('| impl | sign/s | verify/s |');
out('|---|---:|---:|');
for (const c of providers) {
  const seed = fillerBytes(32, 6);
  const message = fillerBytes(64, 7);
  const { publicKey } = c.ed25519KeyPair(seed);
  const signature = c.ed25519Sign(seed, message);
  const signNs = await time(`sign ${c.name}`, () => c.ed25519Sign(seed, message));
  const verifyNs = await time(`verify ${c.name}`, () => c.ed25519Verify(publicKey, message, signature));
  const perS = (ns: number): string => (1e9 / ns).toFixed(0);
  out(
    `| ${c.name} | ${perS(signNs)} (${perS(fastestNs.get(`sign ${c.name}`)!)}) | ` +
      `${perS(verifyNs)} (${perS(fastestNs.get(`verify ${c.name}`)!)}) |`,
  );
}
out();
out('Reed–Solomon, MB/s of value: median (fastest call). Decode: from k parity fragments, every data shard rebuilt');
out();
out('| codec | k | n | encode 1 MiB | decode 1 MiB | encode 16 MiB | decode 16 MiB |');
out('|---|---:|---:|---:|---:|---:|---:|');
// Warm the allocator first: the first few hundred large allocations of a process are fresh
// mmaps (page faults) until glibc raises its mmap threshold, which would penalise whichever cell
// happens to run first. Every long-running process is in the warmed state.
for (const codec of codecs) {
  const value = fillerBytes(MiB, 1);
  const until = performance.now() + 500;
  while (performance.now() < until) codec.decode(codec.encode(value, 2, 4).map((f, i) => (i >= 2 ? f : undefined)), 2, 4);
}
// All 1 MiB cells first: the 16 MiB runs churn the allocator (fresh mmap per call) and would
// otherwise leave the 1 MiB cells that follow them paying for it.
const rsCells = new Map<string, string>();
for (const size of [MiB, 16 * MiB]) {
  for (const codec of codecs) {
    for (let k = 2; k <= 6; k++) {
      const n = 3 * k - 2;
      const value = fillerBytes(size, k);
      const fragments = codec.encode(value, k, n);
      const lastK = fragments.map((f, i) => (i >= n - k ? f : undefined));
      const check = codec.decode(lastK, k, n);
      if (!Buffer.from(check).equals(Buffer.from(value))) throw new Error(`${codec.name} k=${k} n=${n}: decode mismatch`);
      for (const op of ['encode', 'decode'] as const) {
        const name = `${op} ${codec.name} k=${k} n=${n} ${sizeLabel(size)}`;
        const fn = op === 'encode' ? () => codec.encode(value, k, n) : () => codec.decode(lastK, k, n);
        const median = await time(name, fn);
        rsCells.set(name, `${mbPerS(size, median)} (${mbPerS(size, fastestNs.get(name)!)})`);
      }
    }
  }
}
for (const codec of codecs) {
  for (let k = 2; k <= 6; k++) {
    const n = 3 * k - 2;
    const cells = [MiB, 16 * MiB].flatMap((size) =>
      (['encode', 'decode'] as const).map((op) => rsCells.get(`${op} ${codec.name} k=${k} n=${n} ${sizeLabel(size)}`)),
    );
    out(`| ${codec.name} | ${k} | ${n} | ${cells.join(' | ')} |`);
  }
}
out();
out('Targets (k = 2, n = 4 is the n = 3k − 2 row for k = 2), MB/s: median and fastest call');
out();
out('| cell | target | median | fastest |');
out('|---|---:|---:|---:|');
const headline: Array<[string, string, number, number]> = [
  ['SHA-256 node 1 MiB', '>= 1000', MiB, 0],
  [`encode ${codecs[0]!.name} k=2 n=4 1 MiB`, codecs[0]!.name === 'rs-native' ? '>= 1000 (default codec)' : '>= 500', MiB, 0],
  ['encode rs-ts k=2 n=4 1 MiB', '>= 500', MiB, 0],
];
for (const [cell, target, bytes] of headline) {
  const median = medianNs.get(cell);
  const fastest = fastestNs.get(cell);
  if (median === undefined || fastest === undefined) continue;
  out(`| ${cell} | ${target} | ${mbPerS(bytes, median)} | ${mbPerS(bytes, fastest)} |`);
}
out();
out(`Load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`);

if (outPath !== undefined) {
  writeFileAtomic(outPath, `${lines.join('\n')}\n`);
}
