/**
 * @module The TypeScript Reed–Solomon codec ('rs-ts'): always available.
 *
 * All bulk work is XOR of 32-bit words over Int32Array views (V8 keeps these as untagged int32
 * loops), cut into strips (layout.ts planStrips) so one strip of every packet involved stays in
 * cache while all targets are computed, and with up to four sources XORed per pass so each target
 * word is stored once or twice rather than once per source. Copies go through memcpy.
 */
import type { ErasureCodec } from './types.ts';
import { createBitslicedCodec, type XorEngine } from './bitsliced.ts';
import type { ProgramCache } from './layout.ts';
import { planStrips, type XorCall } from './layout.ts';

/** Strips of 1–8 KiB per packet, sized so all strips touched fit a share of a 1 MiB L2 cache. */
const STRIP_GEOMETRY = { minBytes: 1024, maxBytes: 8 * 1024, workingSetBytes: 512 * 1024 } as const;

// Fixed-arity loops: V8 optimises each into a tight int32 loop; a generic n-source loop would not.
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

/** One target's sources, resolved once per call; offsets in bytes, advanced per strip by `moves`. */
interface ResolvedTarget {
  readonly target: Int32Array;
  readonly targetBytes: Uint8Array;
  readonly targetOffsetBytes: number;
  readonly targetMoves: number;
  readonly views: Int32Array[];
  readonly bytes: Uint8Array[];
  readonly offsetsBytes: number[];
  readonly moves: number[];
  /** Word offsets of the sources for the current strip (rewritten each strip). */
  readonly wordOffsets: number[];
}

/** The TypeScript XOR engine (exported for `bench:primitives`, which times it on its own). */
export function createTsXorEngine(): XorEngine {
  // Scratch for temporaries and for sources that are not 4-byte aligned (slices of a received
  // message). Owned by this codec instance and reused across calls; nothing returned to a caller
  // points into it.
  let scratch = new Int32Array(0);
  return {
    run(call: XorCall): void {
      const { targets, slots, bases, packetBytes } = call;
      const plan = planStrips(call, {
        alignment: 4,
        firstSourceIsCopy: false,
        absoluteOffsets: false,
        geometry: STRIP_GEOMETRY,
      });
      const { stripBytes, stagedSlots, ops, targetFirstOp, targetOps } = plan;
      if (scratch.byteLength < plan.scratchBytes) scratch = new Int32Array(plan.scratchBytes >>> 2);
      const shardBytes = packetBytes * 8;
      // Views start at each slot's base. A slot that is not 4-byte aligned gets no word view: its
      // XOR reads go through the scratch buffer (planStrips stages it), only copies read its bytes.
      const bytes = slots.map((slot, i) => slot.subarray(bases[i]!, bases[i]! + shardBytes));
      const words = bytes.map((b) =>
        b.byteOffset % 4 === 0 ? new Int32Array(b.buffer, b.byteOffset, shardBytes >>> 2) : scratch,
      );
      words.push(scratch);
      bytes.push(new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.byteLength));
      const resolved: ResolvedTarget[] = targets.map((_, t) => {
        const first = targetFirstOp[t]!;
        const count = targetOps[t]!;
        const resolvedTarget: ResolvedTarget = {
          target: words[ops.targetBuffer[first]!]!,
          targetBytes: bytes[ops.targetBuffer[first]!]!,
          targetOffsetBytes: ops.targetOffset[first]!,
          targetMoves: ops.targetMoves[first]!,
          views: [],
          bytes: [],
          offsetsBytes: [],
          moves: [],
          wordOffsets: new Array<number>(count).fill(0),
        };
        for (let op = first; op < first + count; op++) {
          resolvedTarget.views.push(words[ops.sourceBuffer[op]!]!);
          resolvedTarget.bytes.push(bytes[ops.sourceBuffer[op]!]!);
          resolvedTarget.offsetsBytes.push(ops.sourceOffset[op]!);
          resolvedTarget.moves.push(ops.sourceMoves[op]!);
        }
        return resolvedTarget;
      });
      const scratchBytes = bytes[slots.length]!;
      for (let strip = 0; strip < packetBytes; strip += stripBytes) {
        const length = Math.min(stripBytes, packetBytes - strip);
        stagedSlots.forEach((slot, index) => {
          for (let packet = 0; packet < 8; packet++) {
            const at = packet * packetBytes + strip;
            scratchBytes.set(bytes[slot]!.subarray(at, at + length), (index * 8 + packet) * stripBytes);
          }
        });
        for (const r of resolved) runTarget(r, strip, length);
      }
    },
  };
}

function runTarget(r: ResolvedTarget, strip: number, lengthBytes: number): void {
  const count = r.views.length;
  const toBytes = r.targetOffsetBytes + r.targetMoves * strip;
  if (count === 1) {
    const from = r.offsetsBytes[0]! + r.moves[0]! * strip;
    r.targetBytes.set(r.bytes[0]!.subarray(from, from + lengthBytes), toBytes);
    return;
  }
  const so = r.wordOffsets;
  for (let i = 0; i < count; i++) so[i] = (r.offsetsBytes[i]! + r.moves[i]! * strip) >>> 2;
  const o = toBytes >>> 2;
  const len = lengthBytes >>> 2;
  const d = r.target;
  const v = r.views;
  let i: number;
  switch (count) {
    case 2: write2(d, o, v[0]!, so[0]!, v[1]!, so[1]!, len); i = 2; break;
    case 3: write3(d, o, v[0]!, so[0]!, v[1]!, so[1]!, v[2]!, so[2]!, len); i = 3; break;
    default: write4(d, o, v[0]!, so[0]!, v[1]!, so[1]!, v[2]!, so[2]!, v[3]!, so[3]!, len); i = 4;
  }
  for (; i + 3 <= count; i += 3) acc3(d, o, v[i]!, so[i]!, v[i + 1]!, so[i + 1]!, v[i + 2]!, so[i + 2]!, len);
  if (count - i === 2) acc2(d, o, v[i]!, so[i]!, v[i + 1]!, so[i + 1]!, len);
  else if (count - i === 1) acc1(d, o, v[i]!, so[i]!, len);
}

export function createTsCodec(programs?: ProgramCache): ErasureCodec {
  return createBitslicedCodec('rs-ts', createTsXorEngine(), programs);
}
