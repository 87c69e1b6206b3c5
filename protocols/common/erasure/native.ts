/**
 * @module The native Reed–Solomon codec ('rs-native'): the same bit-sliced code as the TypeScript
 * codec (layout.ts), with the XOR kernel of the optional dependency @ronomon/reed-solomon.
 *
 * Why not @ronomon/reed-solomon's own `encode`: it is asynchronous (it runs on libuv's threadpool
 * and calls back), while ErasureCodec is synchronous because protocols are sans-IO; and it uses its
 * own Cauchy bit matrices over GF(2^2)/GF(2^4) with at most 6 parity shards, so its fragments would
 * differ from the TypeScript codec's and n = 3k − 2 would not fit beyond k = 4. Its exported
 * synchronous `XOR(source, sourceOffset, target, targetOffset, size)` (64-bit words, native) is
 * exactly the kernel our bit-sliced program needs.
 */
import { createRequire } from 'node:module';
import type { ErasureCodec } from './types.ts';
import { createBitslicedCodec, type XorEngine } from './bitsliced.ts';
import type { XorProgram } from './layout.ts';

type NativeXor = (source: Buffer, sourceOffset: number, target: Buffer, targetOffset: number, size: number) => void;

/** Bytes per strip: large enough to amortise the ~0.1 µs call, small enough to stay in cache. */
const STRIP_BYTES = 16 * 1024;

let loaded: NativeXor | null | undefined;

function loadNativeXor(): NativeXor | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    const require = createRequire(import.meta.url);
    const module = require('@ronomon/reed-solomon') as { XOR?: unknown };
    if (typeof module.XOR !== 'function') return null;
    const xor = module.XOR as NativeXor;
    // Self-test before trusting a binary built on another machine.
    const a = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    const b = Buffer.alloc(17, 0xff);
    xor(a, 0, b, 0, 17);
    if (!b.every((byte, i) => byte === ((i + 1) ^ 0xff))) return null;
    loaded = xor;
  } catch {
    loaded = null;
  }
  return loaded;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function nativeEngine(xor: NativeXor): XorEngine {
  return {
    run(program: XorProgram, slots: readonly Uint8Array[], bases: readonly number[], packetBytes: number): void {
      // Sources whose shard is not 8-byte aligned (slices of a received message) are copied once,
      // so the kernel can XOR 64-bit words; targets are always our own aligned allocations.
      const targetSlots = new Set(program.targets.map((t) => t.slot));
      const offsets = bases.slice();
      const buffers = slots.map((bytes, i) => {
        if (targetSlots.has(i) || (bytes.byteOffset + bases[i]!) % 8 === 0) return asBuffer(bytes);
        const copy = Buffer.allocUnsafeSlow(packetBytes * 8);
        copy.set(bytes.subarray(bases[i]!, bases[i]! + packetBytes * 8));
        offsets[i] = 0;
        return copy;
      });
      for (let strip = 0; strip < packetBytes; strip += STRIP_BYTES) {
        const len = Math.min(STRIP_BYTES, packetBytes - strip);
        for (const target of program.targets) {
          const d = buffers[target.slot]!;
          const o = offsets[target.slot]! + target.packet * packetBytes + strip;
          const src = target.sources;
          const first = buffers[src[0]!]!;
          const firstOffset = offsets[src[0]!]! + src[1]! * packetBytes + strip;
          first.copy(d, o, firstOffset, firstOffset + len);
          for (let i = 2; i < src.length; i += 2) {
            xor(buffers[src[i]!]!, offsets[src[i]!]! + src[i + 1]! * packetBytes + strip, d, o, len);
          }
        }
      }
    },
  };
}

/** The native codec, or undefined when @ronomon/reed-solomon is absent or fails its self-test. */
export function createNativeCodec(): ErasureCodec | undefined {
  const xor = loadNativeXor();
  return xor === null ? undefined : createBitslicedCodec('rs-native', nativeEngine(xor));
}
