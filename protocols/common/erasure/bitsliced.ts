/**
 * @module The codec driver shared by the TypeScript and native codecs: fragment framing and the
 * choice of fragments, with the bulk XOR work delegated to an XorEngine. Both codecs therefore
 * produce byte-identical fragments (layout.ts), and either decodes the other's output.
 */
import type { ErasureCodec } from './types.ts';
import {
  HEADER_BYTES,
  MAX_VALUE_BYTES,
  checkFragments,
  checkParameters,
  decodePlan,
  encodeProgram,
  shardBytes,
  writeHeader,
  type XorProgram,
} from './layout.ts';

export interface XorEngine {
  /**
   * Runs `program` over shards: slot i's shard starts at byte `bases[i]` of `slots[i]` and is
   * 8 packets of `packetBytes` (a multiple of 4) bytes. Targets are fully overwritten.
   */
  run(program: XorProgram, slots: readonly Uint8Array[], bases: readonly number[], packetBytes: number): void;
}

export function createBitslicedCodec(name: string, engine: XorEngine): ErasureCodec {
  return {
    name,
    encode(value: Uint8Array, k: number, n: number): Uint8Array[] {
      checkParameters(k, n);
      const valueBytes = value.length;
      if (valueBytes > MAX_VALUE_BYTES) {
        throw new RangeError(`erasure value: length ${valueBytes} exceeds ${MAX_VALUE_BYTES}`);
      }
      const s = shardBytes(valueBytes, k);
      const stride = HEADER_BYTES + s;
      // One uninitialised allocation for all n fragments: zero-filling and separately allocating
      // n large buffers cost more than the coding itself at 1 MiB. Every byte is written below
      // (headers, value, zero padding; parity by the engine). The price: a fragment kept alive
      // keeps its n − 1 siblings' memory alive too.
      const memory = Buffer.allocUnsafeSlow(n * stride);
      const fragments: Uint8Array[] = [];
      for (let i = 0; i < n; i++) {
        const fragment = new Uint8Array(memory.buffer, memory.byteOffset + i * stride, stride);
        writeHeader(fragment, valueBytes, k, n, i);
        if (i < k) {
          const start = Math.min(i * s, valueBytes);
          const end = Math.min(start + s, valueBytes);
          if (end > start) fragment.set(value.subarray(start, end), HEADER_BYTES);
          fragment.fill(0, HEADER_BYTES + (end - start));
        }
        fragments.push(fragment);
      }
      if (n > k && s > 0) {
        engine.run(encodeProgram(k, n), fragments, fragments.map(() => HEADER_BYTES), s / 8);
      }
      return fragments;
    },
    decode(fragments: ReadonlyArray<Uint8Array | undefined>, k: number, n: number): Uint8Array {
      const { valueBytes, shardBytes: s, present } = checkFragments(fragments, k, n);
      const plan = decodePlan(present, k, n);
      // Uninitialised: every shard of `out` is either copied from a chosen data fragment or rebuilt.
      const outMemory = Buffer.allocUnsafeSlow(k * s);
      const out = new Uint8Array(outMemory.buffer, outMemory.byteOffset, k * s);
      for (const i of plan.chosen) {
        if (i < k) out.set(fragments[i]!.subarray(HEADER_BYTES), i * s);
      }
      if (plan.missing.length > 0 && s > 0) {
        const slots: Uint8Array[] = plan.chosen.map((i) => fragments[i]!);
        const bases: number[] = plan.chosen.map(() => HEADER_BYTES);
        for (const j of plan.missing) {
          slots.push(out);
          bases.push(j * s);
        }
        engine.run(plan.program, slots, bases, s / 8);
      }
      return valueBytes === out.length ? out : out.subarray(0, valueBytes);
    },
  };
}
