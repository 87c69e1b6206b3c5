/**
 * `npm run bench:primitives [-- --quick] [-- --out FILE] [-- --baseline-codec DIR] [-- --only-erasure]`:
 * throughput of every primitive implementation, printed as Markdown tables. Every figure is a
 * mean (total bytes over total time of many calls in one warmed process, harness/cost/calibrate-measure.ts),
 * with the median call in parentheses. MB = 10^6 bytes.
 *
 * - SHA-256 and HMAC-SHA-256, node and noble, 1 KiB … 16 MiB.
 * - Ed25519 sign and verify of a 64-byte message, operations per second.
 * - Reed–Solomon encode and decode, MB/s of value, (k, n) = (t + 1, 3t + 1) for t = 1…5 (also the
 *   n = 3k − 2 shapes), 1 MiB, 16 MiB and 64 MiB, native and TypeScript codecs, beside
 *   @ronomon/reed-solomon's own (asynchronous, threadpool) `encode` at the same (k, m = n − k)
 *   where it supports it (m <= 6), awaited per call on preallocated buffers as its README shows.
 *   Decode is the worst case: from the last k fragments, all parity, so every data shard is rebuilt.
 *   `--baseline-codec DIR` adds the codecs of another checkout (DIR holds its
 *   protocols/common/erasure/*.ts and a node_modules link), measured in the same process.
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCryptoProvider, CRYPTO_PROVIDER_NAMES } from '../protocols/common/crypto/index.ts';
import { createTsCodec } from '../protocols/common/erasure/ts.ts';
import { createNativeCodec } from '../protocols/common/erasure/native.ts';
import type { ErasureCodec } from '../protocols/common/erasure/index.ts';
import {
  fillerBytes,
  libraryEncode,
  measureTasks,
  type Measured,
  type MeasureOptions,
  type MeasureTask,
} from '../harness/cost/calibrate-measure.ts';
import { writeFileAtomic } from '../harness/results/writer.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const quick = args.includes('--quick');
const onlyErasure = args.includes('--only-erasure');
const outPath = flag('--out');
const baselineDir = flag('--baseline-codec');
const options: MeasureOptions = quick
  ? { timeMs: 100, iterations: 3, rounds: 1 }
  : { timeMs: 500, iterations: 5, rounds: 3 };

const KiB = 1024;
const MiB = 1024 * KiB;
const SHAPES: ReadonlyArray<readonly [number, number]> = [1, 2, 3, 4, 5].map((t) => [t + 1, 3 * t + 1] as const);
const RS_SIZES = [MiB, 16 * MiB, 64 * MiB];
const mbPerS = (bytes: number, ns: number): number => (bytes / ns) * 1e3;
const show = (x: number): string => x.toFixed(0);
const sizeLabel = (bytes: number): string => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

const lines: string[] = [];
const out = (line = ''): void => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};

async function measure(tasks: MeasureTask[]): Promise<Map<string, Measured>> {
  const results = await measureTasks(tasks, options);
  for (const m of results) {
    process.stderr.write(
      `  ${m.name}: mean ${(m.meanNs / 1e3).toFixed(1)} µs, median ${(m.medianNs / 1e3).toFixed(1)} µs, ${m.calls} calls\n`,
    );
  }
  return new Map(results.map((m) => [m.name, m]));
}

interface NamedCodec {
  readonly label: string;
  readonly codec: ErasureCodec;
}

async function baselineCodecs(dir: string): Promise<NamedCodec[]> {
  const url = (file: string): string => pathToFileURL(resolve(dir, file)).href;
  const ts = (await import(url('ts.ts'))) as { createTsCodec(): ErasureCodec };
  const native = (await import(url('native.ts'))) as { createNativeCodec(): ErasureCodec | undefined };
  const found = [native.createNativeCodec(), ts.createTsCodec()].filter((c): c is ErasureCodec => c !== undefined);
  return found.map((codec) => ({ label: `before ${codec.name}`, codec }));
}

out(
  `Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, Node ${process.version}; load average at start ${load()}. ` +
    `Mean of the best of ${options.rounds} round(s) of >= ${options.timeMs} ms and >= ${options.iterations} calls per cell, ` +
    `median call in parentheses. MB = 10^6 bytes.`,
);

if (!onlyErasure) {
  const providers = CRYPTO_PROVIDER_NAMES.map((name) => createCryptoProvider(name));
  const hashSizes = [KiB, 64 * KiB, MiB, 16 * MiB];
  const hashTasks: MeasureTask[] = [];
  const key = fillerBytes(32, 5);
  for (const primitive of ['SHA-256', 'HMAC-SHA-256'] as const) {
    for (const c of providers) {
      for (const size of hashSizes) {
        const data = fillerBytes(size);
        hashTasks.push({
          name: `${primitive} ${c.name} ${sizeLabel(size)}`,
          fn: primitive === 'SHA-256' ? () => c.sha256(data) : () => c.hmacSha256(key, data),
        });
      }
    }
  }
  const hashed = await measure(hashTasks);
  out();
  out('Hashing, MB/s: mean (median call)');
  out();
  out(`| primitive | impl | ${hashSizes.map(sizeLabel).join(' | ')} |`);
  out(`|---|---|${hashSizes.map(() => '---:').join('|')}|`);
  for (const primitive of ['SHA-256', 'HMAC-SHA-256'] as const) {
    for (const c of providers) {
      const cells = hashSizes.map((size) => {
        const m = hashed.get(`${primitive} ${c.name} ${sizeLabel(size)}`)!;
        return `${show(mbPerS(size, m.meanNs))} (${show(mbPerS(size, m.medianNs))})`;
      });
      out(`| ${primitive} | ${c.name} | ${cells.join(' | ')} |`);
    }
  }

  const signTasks: MeasureTask[] = [];
  for (const c of providers) {
    const seed = fillerBytes(32, 6);
    const message = fillerBytes(64, 7);
    const { publicKey } = c.ed25519KeyPair(seed);
    const signature = c.ed25519Sign(seed, message);
    signTasks.push({ name: `sign ${c.name}`, fn: () => c.ed25519Sign(seed, message) });
    signTasks.push({ name: `verify ${c.name}`, fn: () => c.ed25519Verify(publicKey, message, signature) });
  }
  const signed = await measure(signTasks);
  const perS = (ns: number): string => (1e9 / ns).toFixed(0);
  out();
  out('Ed25519, operations/s (64-byte message): mean (median call)');
  out();
  out('| impl | sign/s | verify/s |');
  out('|---|---:|---:|');
  for (const c of providers) {
    const s = signed.get(`sign ${c.name}`)!;
    const v = signed.get(`verify ${c.name}`)!;
    out(`| ${c.name} | ${perS(s.meanNs)} (${perS(s.medianNs)}) | ${perS(v.meanNs)} (${perS(v.medianNs)}) |`);
  }
}

const codecs: NamedCodec[] = [createNativeCodec(), createTsCodec()]
  .filter((c): c is ErasureCodec => c !== undefined)
  .map((codec) => ({ label: codec.name, codec }));
if (baselineDir !== undefined) codecs.push(...(await baselineCodecs(baselineDir)));

// One size at a time, all codecs of that size interleaved round by round: cells of one size then
// share the allocator's state (large values churn it; small ones that ran after them would pay).
const rs = new Map<string, Measured>();
for (const size of RS_SIZES) {
  const tasks: MeasureTask[] = [];
  for (const [k, n] of SHAPES) {
    const value = fillerBytes(size, k);
    for (const { label, codec } of codecs) {
      const fragments = codec.encode(value, k, n);
      const lastK = fragments.map((f, i) => (i >= n - k ? f : undefined));
      if (!Buffer.from(codec.decode(lastK, k, n)).equals(Buffer.from(value))) {
        throw new Error(`${label} k=${k} n=${n}: decode mismatch`);
      }
      tasks.push({ name: `encode ${label} k=${k} n=${n} ${sizeLabel(size)}`, fn: () => codec.encode(value, k, n) });
      tasks.push({ name: `decode ${label} k=${k} n=${n} ${sizeLabel(size)}`, fn: () => codec.decode(lastK, k, n) });
    }
    const library = libraryEncode(value, k, n);
    if (library !== undefined) tasks.push({ name: `encode library k=${k} n=${n} ${sizeLabel(size)}`, fn: library });
  }
  for (const [name, m] of await measure(tasks)) rs.set(name, m);
}

const cell = (name: string, size: number): { mean: number; median: number } | undefined => {
  const m = rs.get(name);
  return m === undefined ? undefined : { mean: mbPerS(size, m.meanNs), median: mbPerS(size, m.medianNs) };
};
const showCell = (c: { mean: number; median: number } | undefined): string =>
  c === undefined ? '–' : `${show(c.mean)} (${show(c.median)})`;

out();
out('Reed–Solomon, MB/s of value: mean (median call). Decode: from the last k fragments (all parity), every data shard rebuilt.');
out('Library: @ronomon/reed-solomon encode at the same (k, m = n − k), m <= 6 only; native/library is the ratio of means.');
out();
out('| codec | k | n | size | encode | decode | library encode | encode / library |');
out('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const { label } of codecs) {
  for (const [k, n] of SHAPES) {
    for (const size of RS_SIZES) {
      const at = `k=${k} n=${n} ${sizeLabel(size)}`;
      const encode = cell(`encode ${label} ${at}`, size);
      const library = cell(`encode library ${at}`, size);
      const ratio = encode !== undefined && library !== undefined ? (encode.mean / library.mean).toFixed(2) : '–';
      out(
        `| ${label} | ${k} | ${n} | ${sizeLabel(size)} | ${showCell(encode)} | ${showCell(cell(`decode ${label} ${at}`, size))} | ` +
          `${showCell(library)} | ${ratio} |`,
      );
    }
  }
}
out();
out('Size cliff: mean at 16 MiB and 64 MiB over mean at 1 MiB, same codec (goal: >= 0.75)');
out();
out('| codec | k | n | encode 16/1 | encode 64/1 | decode 16/1 | decode 64/1 |');
out('|---|---:|---:|---:|---:|---:|---:|');
for (const { label } of codecs) {
  for (const [k, n] of SHAPES) {
    const ratios = (['encode', 'decode'] as const).flatMap((op) => {
      const base = cell(`${op} ${label} k=${k} n=${n} 1 MiB`, MiB);
      return [16 * MiB, 64 * MiB].map((size) => {
        const big = cell(`${op} ${label} k=${k} n=${n} ${sizeLabel(size)}`, size);
        return base === undefined || big === undefined ? '–' : (big.mean / base.mean).toFixed(2);
      });
    });
    out(`| ${label} | ${k} | ${n} | ${ratios.join(' | ')} |`);
  }
}
out();
out(`Load average at end ${load()}.`);

if (outPath !== undefined) writeFileAtomic(outPath, `${lines.join('\n')}\n`);
