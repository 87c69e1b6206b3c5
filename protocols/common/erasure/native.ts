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
import type { ProgramCache } from './layout.ts';
import { planStrips, type XorCall } from './layout.ts';

type NativeXor = (source: Buffer, sourceOffset: number, target: Buffer, targetOffset: number, size: number) => void;

/**
 * Strip geometry: one call of the kernel costs about as much as XORing 2–4 KiB, so strips are as
 * long as possible (up to 64 KiB, never under 4 KiB) while the strips of every packet a call
 * touches still fit in L2 and the nearer part of L3 (2 MiB): a shorter strip that stays in L2 loses
 * more to call overhead than it gains from the nearer cache.
 */
const STRIP_GEOMETRY = { minBytes: 4096, maxBytes: 64 * 1024, workingSetBytes: 2 * 1024 * 1024 } as const;

function loadNativeXor(): NativeXor | null {
  try {
    const require = createRequire(import.meta.url);
    const module = require('@ronomon/reed-solomon') as { XOR?: unknown };
    if (typeof module.XOR !== 'function') return null;
    const xor = module.XOR as NativeXor;
    // Self-test before trusting a binary built on another machine.
    const a = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    const b = Buffer.alloc(17, 0xff);
    xor(a, 0, b, 0, 17);
    return b.every((byte, i) => byte === ((i + 1) ^ 0xff)) ? xor : null;
  } catch {
    return null;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function nativeEngine(xor: NativeXor): XorEngine {
  // Scratch for temporaries and for sources that are not 8-byte aligned (slices of a received
  // message), whose strips are copied here so the kernel XORs whole 64-bit words. Owned by this
  // codec instance and reused across calls; nothing returned to a caller ever points into it.
  let scratch = Buffer.alloc(0);
  return {
    run(call: XorCall): void {
      const { slots, bases, packetBytes } = call;
      const strips = planStrips(call, {
        alignment: 8,
        firstSourceIsCopy: true,
        absoluteOffsets: true,
        geometry: STRIP_GEOMETRY,
      });
      if (scratch.length < strips.scratchBytes) scratch = Buffer.allocUnsafeSlow(strips.scratchBytes);
      const buffers = slots.map(asBuffer);
      buffers.push(scratch);
      const { kinds, sourceBuffer, sourceOffset, sourceMoves, targetBuffer, targetOffset, targetMoves } = strips.ops;
      const opCount = kinds.length;
      for (let strip = 0; strip < packetBytes; strip += strips.stripBytes) {
        const length = Math.min(strips.stripBytes, packetBytes - strip);
        strips.stagedSlots.forEach((slot, index) => {
          const from = buffers[slot]!;
          for (let packet = 0; packet < 8; packet++) {
            const at = bases[slot]! + packet * packetBytes + strip;
            from.copy(scratch, (index * 8 + packet) * strips.stripBytes, at, at + length);
          }
        });
        for (let op = 0; op < opCount; op++) {
          const source = buffers[sourceBuffer[op]!]!;
          const from = sourceOffset[op]! + sourceMoves[op]! * strip;
          const target = buffers[targetBuffer[op]!]!;
          const to = targetOffset[op]! + targetMoves[op]! * strip;
          if (kinds[op] === 0) source.copy(target, to, from, from + length);
          else xor(source, from, target, to, length);
        }
      }
    },
  };
}

/** The native XOR engine (exported for `bench:primitives`, which times it on its own), or undefined as below. */
export function createNativeXorEngine(): XorEngine | undefined {
  const xor = loadNativeXor();
  return xor === null ? undefined : nativeEngine(xor);
}

/** The native codec, or undefined when @ronomon/reed-solomon is absent or fails its self-test. */
export function createNativeCodec(programs?: ProgramCache): ErasureCodec | undefined {
  const engine = createNativeXorEngine();
  return engine === undefined ? undefined : createBitslicedCodec('rs-native', engine, programs);
}
