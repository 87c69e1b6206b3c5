/**
 * @module The codec driver shared by the TypeScript and native codecs: fragment framing, the choice
 * of fragments, and the copies of data shards, with the parity arithmetic delegated to an
 * XorEngine. Both codecs therefore produce byte-identical fragments (layout.ts), and either decodes
 * the other's output.
 */
import type { ErasureCodec } from './types.ts';
import {
  HEADER_BYTES,
  MAX_VALUE_BYTES,
  checkFragments,
  checkParameters,
  createProgramCache,
  type ProgramCache,
  shardBytes,
  writeHeader,
  type XorCall,
} from './layout.ts';

export interface XorEngine {
  /**
   * Runs the call's targets in order. Slot i's shard starts at byte `bases[i]` of `slots[i]` and
   * is 8 packets of `packetBytes` bytes; a target with one source is a copy. Targets are fully
   * overwritten and start 8-byte aligned; sources may have any alignment. A target may read a
   * target listed before it, and temporaries (slot TEMP_SLOT) live in the engine's own scratch.
   */
  run(call: XorCall): void;
}

/**
 * Below this many bytes for all n fragments together, one allocation holds them all (fewer
 * allocator calls for small values). Above it, each fragment is its own allocation: a node that
 * keeps one fragment then does not keep its n − 1 siblings' memory alive, and the allocations stay
 * n times smaller. That matters on Linux: glibc serves an allocation above its mmap threshold
 * (at most 32 MiB) with a fresh mapping whose every page faults on first write, and below it can
 * reuse memory freed earlier. One allocation for all fragments of a 16 MiB value (32 MiB at
 * k = 2, n = 4) always took the fresh-mapping path.
 */
const SHARED_ALLOCATION_MAX_BYTES = 64 * 1024;

function allocateFragments(n: number, stride: number): Uint8Array[] {
  // Uninitialised memory: every byte is written (headers, value, zero padding, parity).
  if (n * stride <= SHARED_ALLOCATION_MAX_BYTES) {
    const memory = Buffer.allocUnsafeSlow(n * stride);
    return Array.from({ length: n }, (_, i) => new Uint8Array(memory.buffer, memory.byteOffset + i * stride, stride));
  }
  return Array.from({ length: n }, () => {
    const memory = Buffer.allocUnsafeSlow(stride);
    return new Uint8Array(memory.buffer, memory.byteOffset, stride);
  });
}

/** A codec over `engine`; `programs` may be shared by codecs that live one after another (one per run). */
export function createBitslicedCodec(name: string, engine: XorEngine, programs: ProgramCache = createProgramCache()): ErasureCodec {
  return {
    name,
    encode(value: Uint8Array, k: number, n: number): Uint8Array[] {
      checkParameters(k, n);
      const valueBytes = value.length;
      if (valueBytes > MAX_VALUE_BYTES) {
        throw new RangeError(`erasure value: length ${valueBytes} exceeds ${MAX_VALUE_BYTES}`);
      }
      const s = shardBytes(valueBytes, k);
      const fragments = allocateFragments(n, HEADER_BYTES + s);
      fragments.forEach((fragment, i) => {
        writeHeader(fragment, valueBytes, k, n, i);
        if (i >= k) return;
        const start = Math.min(i * s, valueBytes);
        const end = Math.min(start + s, valueBytes);
        if (end > start) fragment.set(value.subarray(start, end), HEADER_BYTES);
        fragment.fill(0, HEADER_BYTES + (end - start));
      });
      if (n > k && s > 0) {
        const program = programs.encodeProgram(k, n);
        const bases = fragments.map(() => HEADER_BYTES);
        engine.run({ targets: program.targets, tempPackets: program.tempPackets, slots: fragments, bases, packetBytes: s / 8 });
      }
      return fragments;
    },
    decode(fragments: ReadonlyArray<Uint8Array | undefined>, k: number, n: number): Uint8Array {
      const { valueBytes, shardBytes: s, present } = checkFragments(fragments, k, n);
      const plan = programs.decodePlan(present, k, n);
      // Uninitialised: every shard of `out` is either copied from a chosen data fragment or rebuilt.
      const outMemory = Buffer.allocUnsafeSlow(k * s);
      const out = new Uint8Array(outMemory.buffer, outMemory.byteOffset, k * s);
      for (const i of plan.chosen) {
        if (i < k) out.set(fragments[i]!.subarray(HEADER_BYTES), i * s);
      }
      if (plan.missing.length > 0 && s > 0) {
        // Slots 0..k-1: the chosen fragments; slot k + t: shard missing[t] of `out`.
        const slots: Uint8Array[] = plan.chosen.map((i) => fragments[i]!);
        const bases: number[] = plan.chosen.map(() => HEADER_BYTES);
        for (const j of plan.missing) {
          slots.push(out);
          bases.push(j * s);
        }
        const { targets, tempPackets } = plan.program;
        engine.run({ targets, tempPackets, slots, bases, packetBytes: s / 8 });
      }
      return valueBytes === out.length ? out : out.subarray(0, valueBytes);
    },
  };
}
