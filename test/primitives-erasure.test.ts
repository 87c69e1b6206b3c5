/**
 * Reed–Solomon codecs: any k of n fragments decode (fast-check), fewer throw RangeError, the
 * format is the documented one, and the TypeScript and native codecs are interchangeable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createErasureCodec } from '../protocols/common/erasure/index.ts';
import type { ErasureCodec } from '../protocols/common/erasure/index.ts';
import { createNativeCodec } from '../protocols/common/erasure/native.ts';
import { gfInvertMatrix, gfMul } from '../protocols/common/erasure/gf256.ts';
import { HEADER_BYTES, parityMatrix, shardBytes } from '../protocols/common/erasure/layout.ts';

const ts = createErasureCodec('typescript');
const native = createNativeCodec();
const codecs: ErasureCodec[] = native === undefined ? [ts] : [ts, native];

function valueOf(size: number, seed: number): Uint8Array {
  const v = new Uint8Array(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    v[i] = x >>> 24;
  }
  return v;
}

function* subsets(n: number, k: number, start = 0): Generator<number[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= n - k; i++) for (const rest of subsets(n, k - 1, i + 1)) yield [i, ...rest];
}

function only(fragments: Uint8Array[], keep: readonly number[]): Array<Uint8Array | undefined> {
  return fragments.map((f, i) => (keep.includes(i) ? f : undefined));
}

test('auto picks the native codec when it loads, and names it', () => {
  assert.equal(ts.name, 'rs-ts');
  assert.equal(createErasureCodec().name, native === undefined ? 'rs-ts' : 'rs-native');
});

test('every k-subset of the generator matrix is invertible (k <= 8, n <= 16)', () => {
  // Structural MDS check, independent of data. Parity rows depend only on (k, r), so the matrix
  // for n is a prefix of the one for n = 16 and checking n = 16 covers every n <= 16.
  let checked = 0;
  for (let k = 1; k <= 8; k++) {
    const full = parityMatrix(k, 16);
    assert.deepEqual(full[0], new Array(k).fill(1), 'row 0 is plain XOR');
    for (let n = k; n < 16; n++) assert.deepEqual(parityMatrix(k, n), full.slice(0, n - k), `prefix k=${k} n=${n}`);
    for (const chosen of subsets(16, k)) {
      const rows = chosen.map((i) =>
        i < k ? Array.from({ length: k }, (_, j) => (j === i ? 1 : 0)) : full[i - k]!.slice(),
      );
      const inv = gfInvertMatrix(rows);
      // inv · rows = I, checked on column 0.
      for (let r = 0; r < k; r++) {
        let acc = 0;
        for (let t = 0; t < k; t++) acc ^= gfMul(inv[r]![t]!, rows[t]![0]!);
        assert.equal(acc, r === 0 ? 1 : 0);
      }
      checked++;
    }
  }
  assert.equal(checked, 39_202, 'sum of C(16, k) for k = 1..8 = 2^15 + C(16, 8) / 2 - 1');
});

test('fragment layout: header fields, shard size, systematic data shards', () => {
  const value = valueOf(100, 7);
  const fragments = ts.encode(value, 3, 5);
  // S = roundUp(ceil(100 / 3) = 34, 32) = 64.
  assert.equal(shardBytes(100, 3), 64);
  assert.equal(fragments.length, 5);
  fragments.forEach((f, i) => {
    assert.equal(f.length, HEADER_BYTES + 64);
    assert.deepEqual([...f.subarray(0, 8)], [100, 0, 0, 0, 3, 5, i, 1]);
  });
  assert.deepEqual(fragments[0]!.subarray(8, 72), value.subarray(0, 64));
  assert.deepEqual(fragments[1]!.subarray(8, 44), value.subarray(64, 100));
  assert.ok(fragments[1]!.subarray(44).every((b) => b === 0), 'zero padding');
  assert.ok(fragments[2]!.subarray(8).every((b) => b === 0), 'empty data shard');
  // Parity 0 is the XOR of the data shards.
  for (let i = 0; i < 64; i++) {
    assert.equal(fragments[3]![8 + i], fragments[0]![8 + i]! ^ fragments[1]![8 + i]! ^ fragments[2]![8 + i]!);
  }
  assert.deepEqual(ts.encode(new Uint8Array(0), 2, 3).map((f) => f.length), [8, 8, 8]);
});

test('property: every k-subset decodes to the original (both codecs, cross-decoding)', () => {
  const sizes = fc.oneof(
    fc.constantFrom(0, 1, 7, 31, 32, 33, 255, 256, 257, 4096, 65_535, 1 << 20),
    fc.integer({ min: 0, max: 1 << 20 }),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }).chain((k) =>
        fc.record({ k: fc.constant(k), n: fc.integer({ min: k, max: 16 }), size: sizes, seed: fc.integer() }),
      ),
      ({ k, n, size, seed }) => {
        const value = valueOf(size, seed);
        const encoded = codecs.map((c) => c.encode(value, k, n));
        for (const other of encoded.slice(1)) assert.deepEqual(other, encoded[0], 'codecs emit identical fragments');
        const fragments = encoded[0]!;
        // All k-subsets when that is cheap; otherwise a deterministic sample including the extremes.
        const all = [...subsets(n, k)];
        const budget = Math.max(2, Math.floor((1 << 21) / Math.max(size, 4096)));
        const picked =
          all.length <= budget
            ? all
            : [all[0]!, all[all.length - 1]!, ...all.filter((_, i) => i % Math.ceil(all.length / budget) === 1)];
        picked.forEach((subset, t) => {
          const codec = codecs[t % codecs.length]!;
          const decoded = codec.decode(only(fragments, subset), k, n);
          assert.equal(decoded.length, size);
          assert.ok(Buffer.from(decoded).equals(Buffer.from(value)), `${codec.name} k=${k} n=${n} size=${size} subset=${subset}`);
        });
        const fewer = only(fragments, all[all.length - 1]!.slice(1));
        for (const codec of codecs) assert.throws(() => codec.decode(fewer, k, n), RangeError);
      },
    ),
    { numRuns: 30, seed: 20261125 },
  );
});

test('exhaustive small values: all k-subsets for all k <= 8, n <= 12', () => {
  for (let n = 1; n <= 12; n++) {
    for (let k = 1; k <= Math.min(8, n); k++) {
      const value = valueOf(40 * k + 3, n * 31 + k);
      const fragments = ts.encode(value, k, n);
      for (const subset of subsets(n, k)) {
        assert.deepEqual(ts.decode(only(fragments, subset), k, n), value, `k=${k} n=${n} ${subset}`);
      }
    }
  }
});

test('decode rejects too few, inconsistent or mislabelled fragments with RangeError', () => {
  const value = valueOf(1000, 3);
  const fragments = ts.encode(value, 3, 6);
  for (const codec of codecs) {
    assert.throws(() => codec.decode([fragments[0], undefined, fragments[2]], 3, 6), /need k=3/);
    assert.throws(() => codec.decode([], 3, 6), RangeError);
    const shortened = fragments.slice();
    shortened[1] = fragments[1]!.subarray(0, fragments[1]!.length - 32);
    assert.throws(() => codec.decode(shortened, 3, 6), /length/);
    const swapped = [fragments[1], fragments[0], fragments[2]];
    assert.throws(() => codec.decode(swapped, 3, 6), /index/);
    const lied = fragments.map((f) => f.slice());
    lied[2]![0] = 99;
    assert.throws(() => codec.decode(lied, 3, 6), /value length/);
    assert.throws(() => codec.decode(fragments, 2, 6), /header/);
    assert.throws(() => codec.decode([...fragments, fragments[0]], 3, 6), /at most n=6/);
    assert.throws(() => codec.encode(value, 0, 3), /erasure k/);
    assert.throws(() => codec.encode(value, 4, 3), /erasure n/);
    assert.throws(() => codec.encode(value, 2, 256), /erasure n/);
  }
});

test('unaligned fragments (e.g. slices of a received message) decode', () => {
  const value = valueOf(5000, 11);
  const fragments = ts.encode(value, 4, 7);
  const received = fragments.map((f) => {
    const wire = new Uint8Array(f.length + 3);
    wire.set(f, 3);
    return wire.subarray(3);
  });
  for (const codec of codecs) {
    assert.deepEqual(codec.decode(only(received, [3, 4, 5, 6]), 4, 7), value);
    assert.deepEqual(codec.decode(only(received, [0, 2, 5, 6]), 4, 7), value);
  }
});

test('a value at any byte offset (a slice of a received message) encodes to the same fragments', () => {
  // Sizes whose last packet ends inside the value's last shard, and exactly at the value's end.
  for (const [k, n, size] of [[2, 4, 100_003], [3, 7, 196_608], [5, 13, (1 << 20) + 13], [6, 16, 1 << 20]] as const) {
    const value = valueOf(size, k + n);
    for (const offset of [1, 3, 4, 8]) {
      const wire = new Uint8Array(size + offset);
      wire.set(value, offset);
      const slice = wire.subarray(offset);
      for (const codec of codecs) {
        const fragments = codec.encode(slice, k, n);
        assert.deepEqual(fragments, ts.encode(value, k, n), `${codec.name} k=${k} n=${n} size=${size} offset=${offset}`);
        assert.deepEqual(wire.subarray(offset), value, 'encode left its input alone');
      }
    }
  }
});
