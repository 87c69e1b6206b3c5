/**
 * Erasure codec test vectors (test/fixtures/erasure-vectors): both codecs must emit exactly the
 * fragments the reference TypeScript codec emitted when the vectors were generated, decode them
 * from data, parity and mixed subsets (each codec decoding the other's output), and never touch a
 * fragment or value they returned earlier.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createTsCodec } from '../protocols/common/erasure/ts.ts';
import { createNativeCodec } from '../protocols/common/erasure/native.ts';
import type { ErasureCodec } from '../protocols/common/erasure/index.ts';
import { fragmentDigest, VECTOR_SHAPES, VECTOR_SIZES } from './fixtures/erasure-vectors/generate.ts';
import { vectorValue } from './fixtures/erasure-vectors/value.ts';

interface Vector {
  readonly k: number;
  readonly n: number;
  readonly size: number;
  readonly seed: number;
  readonly fragments: readonly string[];
}

const vectors = (JSON.parse(readFileSync(new URL('./fixtures/erasure-vectors/vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
}).vectors;
const native = createNativeCodec();
const codecs: ErasureCodec[] = native === undefined ? [createTsCodec()] : [createTsCodec(), native];

function keep(fragments: readonly Uint8Array[], indices: readonly number[]): Array<Uint8Array | undefined> {
  return fragments.map((f, i) => (indices.includes(i) ? f : undefined));
}

test('the fixture covers every shape and size it claims', () => {
  assert.equal(vectors.length, VECTOR_SHAPES.length * VECTOR_SIZES.length);
  for (const v of vectors) assert.equal(v.fragments.length, v.n, `k=${v.k} n=${v.n} size=${v.size}`);
});

test('both codecs emit the reference fragments, and decode each other from data, parity and mixed subsets', () => {
  for (const v of vectors) {
    const value = vectorValue(v.size, v.seed);
    const label = `k=${v.k} n=${v.n} size=${v.size}`;
    const encoded = codecs.map((codec) => {
      const fragments = codec.encode(value, v.k, v.n);
      assert.deepEqual(fragments.map(fragmentDigest), v.fragments, `${codec.name} ${label}`);
      return fragments;
    });
    const all = Array.from({ length: v.n }, (_, i) => i);
    const subsets = [
      all.slice(0, v.k),
      all.slice(v.n - v.k),
      all.filter((i) => i % 2 === 1).concat(all.filter((i) => i % 2 === 0)).slice(0, v.k),
    ];
    encoded.forEach((fragments, from) => {
      for (const codec of codecs) {
        for (const subset of subsets) {
          const decoded = codec.decode(keep(fragments, subset), v.k, v.n);
          assert.ok(
            Buffer.from(decoded).equals(Buffer.from(value)),
            `${codec.name} decodes ${codecs[from]!.name}'s ${label} from ${subset.join(',')}`,
          );
        }
      }
    });
  }
});

test('a later call never overwrites fragments or values returned earlier', () => {
  const size = 200_003;
  for (const codec of codecs) {
    for (const [k, n] of [[2, 4], [4, 10]] as const) {
      const first = codec.encode(vectorValue(size, 1), k, n);
      const firstCopy = first.map((f) => f.slice());
      const decodedFirst = codec.decode(keep(first, [n - 2, n - 1, ...Array.from({ length: k - 2 }, (_, i) => i)]), k, n);
      const decodedCopy = decodedFirst.slice();
      for (let seed = 2; seed < 5; seed++) {
        const later = codec.encode(vectorValue(size, seed), k, n);
        codec.decode(keep(later, Array.from({ length: k }, (_, i) => n - 1 - i)), k, n);
      }
      first.forEach((f, i) => assert.ok(Buffer.from(f).equals(Buffer.from(firstCopy[i]!)), `${codec.name} fragment ${i}`));
      assert.ok(Buffer.from(decodedFirst).equals(Buffer.from(decodedCopy)), `${codec.name} decoded value`);
    }
  }
});
