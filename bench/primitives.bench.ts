/**
 * `npm run bench:primitives [-- --quick] [-- --out FILE] [-- --baseline-codec DIR] [-- --only-erasure] [-- --parity-only]`:
 * throughput of every primitive implementation, printed as Markdown tables. Every figure is a
 * mean: total bytes over total time of many calls in one warmed process (harness/cost/calibrate-measure.ts),
 * on the process's CPU clock (load-robust) and on the wall clock, with the median call's wall time
 * in parentheses. MB = 10^6 bytes.
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
 * - Run with the harness's allocator settings (harness/malloc-settings.ts) unless GLIBC_TUNABLES is set.
 * - `--parity-only`: instead, the parity computation alone (each XOR engine over fragments
 *   allocated once, data shards already in place: what the codec computes, without allocating
 *   its output), beside the library's encode, which also works in place; and, for the native
 *   engine, "no copy": the data shards read in place from the value and only the n − k parity
 *   fragments allocated per call, what an encode would cost if a data fragment could be a view of
 *   the value (it cannot while a fragment's 8-byte header precedes its shard).
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCryptoProvider, CRYPTO_PROVIDER_NAMES } from '../protocols/common/crypto/index.ts';
import { createTsCodec, createTsXorEngine } from '../protocols/common/erasure/ts.ts';
import { createNativeCodec, createNativeXorEngine } from '../protocols/common/erasure/native.ts';
import { encodeProgram, HEADER_BYTES, shardBytes } from '../protocols/common/erasure/layout.ts';
import type { XorEngine } from '../protocols/common/erasure/bitsliced.ts';
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
import { restartWithSettings } from '../harness/malloc-settings.ts';

// Measured as `quorumbench calibrate` measures: with the harness's allocator settings unless
// GLIBC_TUNABLES is set (`GLIBC_TUNABLES= npm run bench:primitives` for glibc's defaults). The
// restarted process does the work; this one waits and ends as it ends.
if (restartWithSettings(true)) await new Promise<never>(() => {});

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const quick = args.includes('--quick');
const onlyErasure = args.includes('--only-erasure');
const parityOnly = args.includes('--parity-only');
const outPath = flag('--out');
const baselineDir = flag('--baseline-codec');
const options: MeasureOptions = quick
  ? { timeMs: 100, iterations: 3, rounds: 1 }
  : { timeMs: 300, iterations: 3, rounds: 2 };

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
      `  ${m.name}: CPU mean ${(m.cpuMeanNs / 1e3).toFixed(1)} µs, wall mean ${(m.meanNs / 1e3).toFixed(1)} µs, ` +
        `median ${(m.medianNs / 1e3).toFixed(1)} µs, ${m.calls} calls\n`,
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
  `Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, Node ${process.version}, GLIBC_TUNABLES=${process.env['GLIBC_TUNABLES'] ?? '(unset)'}; load average at start ${load()}. ` +
    `Best of ${options.rounds} round(s) of >= ${options.timeMs} ms and >= ${options.iterations} calls per cell. ` +
    `Cells: mean on the CPU clock / mean on the wall clock (median call). MB = 10^6 bytes.`,
);

if (!onlyErasure && !parityOnly) {
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
  out('Hashing, MB/s: CPU mean / wall mean (median call)');
  out();
  out(`| primitive | impl | ${hashSizes.map(sizeLabel).join(' | ')} |`);
  out(`|---|---|${hashSizes.map(() => '---:').join('|')}|`);
  for (const primitive of ['SHA-256', 'HMAC-SHA-256'] as const) {
    for (const c of providers) {
      const cells = hashSizes.map((size) => {
        const m = hashed.get(`${primitive} ${c.name} ${sizeLabel(size)}`)!;
        return `${show(mbPerS(size, m.cpuMeanNs))} / ${show(mbPerS(size, m.meanNs))} (${show(mbPerS(size, m.medianNs))})`;
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
  out('Ed25519, operations/s (64-byte message): CPU mean / wall mean (median call)');
  out();
  out('| impl | sign/s | verify/s |');
  out('|---|---:|---:|');
  for (const c of providers) {
    const s = signed.get(`sign ${c.name}`)!;
    const v = signed.get(`verify ${c.name}`)!;
    out(
      `| ${c.name} | ${perS(s.cpuMeanNs)} / ${perS(s.meanNs)} (${perS(s.medianNs)}) | ` +
        `${perS(v.cpuMeanNs)} / ${perS(v.meanNs)} (${perS(v.medianNs)}) |`,
    );
  }
}

/**
 * The "no copy" cell: parity into n − k fragments allocated per call (uninitialised, as the codec
 * allocates), the k data shards read in place from one value of k × S bytes.
 */
function noCopyEncode(engine: XorEngine, k: number, n: number, s: number): () => void {
  const value = fillerBytes(k * s);
  const program = encodeProgram(k, n);
  return () => {
    const slots: Uint8Array[] = [];
    const bases: number[] = [];
    for (let i = 0; i < k; i++) {
      slots.push(value);
      bases.push(i * s);
    }
    for (let i = k; i < n; i++) {
      const memory = Buffer.allocUnsafeSlow(HEADER_BYTES + s);
      slots.push(new Uint8Array(memory.buffer, memory.byteOffset, memory.length));
      bases.push(HEADER_BYTES);
    }
    engine.run({ targets: program.targets, tempPackets: program.tempPackets, slots, bases, packetBytes: s / 8 });
  };
}

if (parityOnly) {
  const engines: Array<[string, XorEngine | undefined]> = [['rs-native', createNativeXorEngine()], ['rs-ts', createTsXorEngine()]];
  const tasks: MeasureTask[] = [];
  for (const size of RS_SIZES) {
    for (const [k, n] of SHAPES) {
      const s = shardBytes(size, k);
      const fragments = Array.from({ length: n }, (_, i) => {
        const fragment = new Uint8Array(HEADER_BYTES + s);
        fragment.fill(i * 37 + 1);
        return fragment;
      });
      const program = encodeProgram(k, n);
      const call = { targets: program.targets, tempPackets: program.tempPackets, slots: fragments, bases: fragments.map(() => HEADER_BYTES), packetBytes: s / 8 };
      for (const [label, engine] of engines) {
        if (engine !== undefined) tasks.push({ name: `parity ${label} k=${k} n=${n} ${sizeLabel(size)}`, fn: () => engine.run(call) });
      }
      const library = libraryEncode(fillerBytes(size, k), k, n);
      if (library !== undefined) tasks.push({ name: `parity library k=${k} n=${n} ${sizeLabel(size)}`, fn: library });
      const native = engines[0]![1];
      if (native !== undefined) tasks.push({ name: `parity no-copy k=${k} n=${n} ${sizeLabel(size)}`, fn: noCopyEncode(native, k, n, s) });
    }
  }
  const measured = await measure(tasks);
  const cpu = (name: string, size: number): number | undefined => {
    const m = measured.get(name);
    return m === undefined ? undefined : mbPerS(size, m.cpuMeanNs);
  };
  const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '–' : (a / b).toFixed(2));
  out();
  out('Parity computation only, MB/s of value, CPU mean (engine over fragments allocated once; the library encodes in place; no copy: native, parity fragments allocated per call, data shards read from the value).');
  out();
  out(`| k | n | ${RS_SIZES.map((size) => `native ${sizeLabel(size)} | ts ${sizeLabel(size)} | library ${sizeLabel(size)} | native / library | no copy ${sizeLabel(size)} | no copy / library`).join(' | ')} | native 16/1 | native 64/1 | no copy 16/1 | no copy 64/1 |`);
  out(`|---:|---:|${RS_SIZES.map(() => '---:|---:|---:|---:|---:|---:').join('|')}|---:|---:|---:|---:|`);
  for (const [k, n] of SHAPES) {
    const at = (label: string, size: number): number | undefined => cpu(`parity ${label} k=${k} n=${n} ${sizeLabel(size)}`, size);
    const cells = RS_SIZES.map((size) => {
      const [native, ts, library, noCopy] = [at('rs-native', size), at('rs-ts', size), at('library', size), at('no-copy', size)];
      const show1 = (x: number | undefined): string => (x === undefined ? '–' : show(x));
      return `${show1(native)} | ${show1(ts)} | ${show1(library)} | ${ratio(native, library)} | ${show1(noCopy)} | ${ratio(noCopy, library)}`;
    });
    const sizeRatio = (label: string, size: number): string => ratio(at(label, size), at(label, MiB));
    out(`| ${k} | ${n} | ${cells.join(' | ')} | ${sizeRatio('rs-native', 16 * MiB)} | ${sizeRatio('rs-native', 64 * MiB)} | ${sizeRatio('no-copy', 16 * MiB)} | ${sizeRatio('no-copy', 64 * MiB)} |`);
  }
  out();
  out(`Load average at end ${load()}.`);
  if (outPath !== undefined) writeFileAtomic(outPath, `${lines.join('\n')}\n`);
  process.exit(0);
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

interface Cell {
  readonly cpu: number;
  readonly wall: number;
  readonly median: number;
}
const cell = (name: string, size: number): Cell | undefined => {
  const m = rs.get(name);
  return m === undefined ? undefined : { cpu: mbPerS(size, m.cpuMeanNs), wall: mbPerS(size, m.meanNs), median: mbPerS(size, m.medianNs) };
};
const showCell = (c: Cell | undefined): string => (c === undefined ? '–' : `${show(c.cpu)} / ${show(c.wall)} (${show(c.median)})`);

out();
out('Reed–Solomon, MB/s of value: CPU mean / wall mean (median call). Decode: from the last k fragments (all parity), every data shard rebuilt.');
out('Library: @ronomon/reed-solomon encode at the same (k, m = n − k), m <= 6 only. encode / library: ratio of CPU means.');
out();
out('| codec | k | n | size | encode | decode | library encode | encode / library |');
out('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const { label } of codecs) {
  for (const [k, n] of SHAPES) {
    for (const size of RS_SIZES) {
      const at = `k=${k} n=${n} ${sizeLabel(size)}`;
      const encode = cell(`encode ${label} ${at}`, size);
      const library = cell(`encode library ${at}`, size);
      const ratio = encode !== undefined && library !== undefined ? (encode.cpu / library.cpu).toFixed(2) : '–';
      out(
        `| ${label} | ${k} | ${n} | ${sizeLabel(size)} | ${showCell(encode)} | ${showCell(cell(`decode ${label} ${at}`, size))} | ` +
          `${showCell(library)} | ${ratio} |`,
      );
    }
  }
}
out();
out('Size cliff: CPU mean at 16 MiB and 64 MiB over CPU mean at 1 MiB, same codec (goal: >= 0.75)');
out();
out('| codec | k | n | encode 16/1 | encode 64/1 | decode 16/1 | decode 64/1 |');
out('|---|---:|---:|---:|---:|---:|---:|');
for (const { label } of codecs) {
  for (const [k, n] of SHAPES) {
    const ratios = (['encode', 'decode'] as const).flatMap((op) => {
      const base = cell(`${op} ${label} k=${k} n=${n} 1 MiB`, MiB);
      return [16 * MiB, 64 * MiB].map((size) => {
        const big = cell(`${op} ${label} k=${k} n=${n} ${sizeLabel(size)}`, size);
        return base === undefined || big === undefined ? '–' : (big.cpu / base.cpu).toFixed(2);
      });
    });
    out(`| ${label} | ${k} | ${n} | ${ratios.join(' | ')} |`);
  }
}
out();
out(`Load average at end ${load()}.`);

if (outPath !== undefined) writeFileAtomic(outPath, `${lines.join('\n')}\n`);
