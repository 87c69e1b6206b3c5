/**
 * @module The TypeScript Reed–Solomon codec ('rs-ts'): always available.
 *
 * All bulk work is XOR of 32-bit words over Int32Array views (V8 keeps these as untagged int32
 * loops), strip-mined so one strip of every packet involved stays in L1/L2 cache while all targets
 * are computed, and with up to four sources XORed per pass so each target word is stored once or
 * twice rather than once per source.
 */
import type { ErasureCodec } from './types.ts';
import { createBitslicedCodec, type XorEngine } from './bitsliced.ts';
import type { XorProgram } from './layout.ts';

/** Words per strip: 2 KiB per packet strip; (k + m) · 8 strips then fit in L2 for our k, n. */
const STRIP_WORDS = 512;

function int32View(bytes: Uint8Array, base: number, words: number): Int32Array {
  const offset = bytes.byteOffset + base;
  if (offset % 4 === 0) return new Int32Array(bytes.buffer, offset, words);
  // Unaligned input (e.g. a subarray of a received message): copy once to align.
  const copy = new Int32Array(words);
  new Uint8Array(copy.buffer).set(bytes.subarray(base, base + words * 4));
  return copy;
}

// Fixed-arity loops: V8 optimises each into a tight int32 loop; a generic n-source loop would not.
function write1(d: Int32Array, o: number, a: Int32Array, ao: number, len: number): void {
  d.set(a.subarray(ao, ao + len), o);
}
function write2(d: Int32Array, o: number, a: Int32Array, ao: number, b: Int32Array, bo: number, len: number): void {
  for (let i = 0; i < len; i++) d[o + i] = a[ao + i]! ^ b[bo + i]!;
}
function write3(
  d: Int32Array, o: number, a: Int32Array, ao: number, b: Int32Array, bo: number,
  c: Int32Array, co: number, len: number,
): void {
  for (let i = 0; i < len; i++) d[o + i] = a[ao + i]! ^ b[bo + i]! ^ c[co + i]!;
}
function write4(
  d: Int32Array, o: number, a: Int32Array, ao: number, b: Int32Array, bo: number,
  c: Int32Array, co: number, e: Int32Array, eo: number, len: number,
): void {
  for (let i = 0; i < len; i++) d[o + i] = a[ao + i]! ^ b[bo + i]! ^ c[co + i]! ^ e[eo + i]!;
}
function acc1(d: Int32Array, o: number, a: Int32Array, ao: number, len: number): void {
  for (let i = 0; i < len; i++) d[o + i]! ^= a[ao + i]!;
}
function acc2(d: Int32Array, o: number, a: Int32Array, ao: number, b: Int32Array, bo: number, len: number): void {
  for (let i = 0; i < len; i++) d[o + i]! ^= a[ao + i]! ^ b[bo + i]!;
}
function acc3(
  d: Int32Array, o: number, a: Int32Array, ao: number, b: Int32Array, bo: number,
  c: Int32Array, co: number, len: number,
): void {
  for (let i = 0; i < len; i++) d[o + i]! ^= a[ao + i]! ^ b[bo + i]! ^ c[co + i]!;
}

export const tsXorEngine: XorEngine = {
  run(program: XorProgram, slots: readonly Uint8Array[], bases: readonly number[], packetBytes: number): void {
    const packetWords = packetBytes >>> 2;
    const views = slots.map((bytes, i) => int32View(bytes, bases[i]!, packetWords * 8));
    // Resolve each target's sources once per call, not once per strip.
    const plans = program.targets.map((target) => {
      const count = target.sources.length >>> 1;
      const srcViews: Int32Array[] = [];
      const srcOffsets: number[] = [];
      for (let i = 0; i < count; i++) {
        srcViews.push(views[target.sources[2 * i]!]!);
        srcOffsets.push(target.sources[2 * i + 1]! * packetWords);
      }
      return { d: views[target.slot]!, o: target.packet * packetWords, count, srcViews, srcOffsets };
    });
    for (let strip = 0; strip < packetWords; strip += STRIP_WORDS) {
      const len = Math.min(STRIP_WORDS, packetWords - strip);
      for (const { d, o: base, count, srcViews: v, srcOffsets: so } of plans) {
        const o = base + strip;
        let i: number;
        switch (count) {
          case 1: write1(d, o, v[0]!, so[0]! + strip, len); i = 1; break;
          case 2: write2(d, o, v[0]!, so[0]! + strip, v[1]!, so[1]! + strip, len); i = 2; break;
          case 3:
            write3(d, o, v[0]!, so[0]! + strip, v[1]!, so[1]! + strip, v[2]!, so[2]! + strip, len);
            i = 3;
            break;
          default:
            write4(d, o, v[0]!, so[0]! + strip, v[1]!, so[1]! + strip, v[2]!, so[2]! + strip, v[3]!, so[3]! + strip, len);
            i = 4;
        }
        for (; i + 3 <= count; i += 3) {
          acc3(d, o, v[i]!, so[i]! + strip, v[i + 1]!, so[i + 1]! + strip, v[i + 2]!, so[i + 2]! + strip, len);
        }
        if (count - i === 2) acc2(d, o, v[i]!, so[i]! + strip, v[i + 1]!, so[i + 1]! + strip, len);
        else if (count - i === 1) acc1(d, o, v[i]!, so[i]! + strip, len);
      }
    }
    // Targets that were copies (unaligned input) must be written back; sources need nothing.
    const written = new Set(program.targets.map((t) => t.slot));
    for (const slot of written) {
      const bytes = slots[slot]!;
      const view = views[slot]!;
      if (view.buffer !== bytes.buffer) {
        bytes.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), bases[slot]!);
      }
    }
  },
};

export function createTsCodec(): ErasureCodec {
  return createBitslicedCodec('rs-ts', tsXorEngine);
}
