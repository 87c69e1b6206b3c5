/**
 * @module The CPU meter of one node: every metered primitive call (crypto, erasure code, message
 * handling) is priced by the run's cost profile, charged to the engine (the simulator's CPU queue of
 * that node) and attributed to the operation the node's current work is for (attribution.ts).
 */
import type { NodeId } from '../../protocols/types.ts';
import { costNs, PRIMITIVE_INDEX, PRIMITIVES, type CostProfile } from '../cost/profile.ts';
import type { ChargeFn } from '../env/index.ts';

/** Where attributed CPU goes: an operation index (≥ 0), nowhere, or the run's background bucket. */
export const NO_OPERATION = -1;
export const BACKGROUND = -2;

/** Receives attributed CPU: `target` is an operation index, or {@link BACKGROUND}. */
export interface CpuLedger {
  cpu(target: number, primitive: number, ns: number): void;
}

export class NodeMeter {
  /** The operation index the node's current work is for, {@link NO_OPERATION} or {@link BACKGROUND}. */
  target = NO_OPERATION;
  /** While set, CPU is collected here instead (work producing a server-initiated message). */
  private collecting: Float64Array | null = null;

  constructor(
    private readonly node: NodeId,
    private readonly profile: CostProfile,
    private readonly engineCharge: (node: NodeId, ns: number) => void,
    private readonly ledger: CpuLedger,
  ) {}

  // k, n and the parity fragments used reach costNs: erasure coding is priced by (k, n), value
  // size and decoding path (harness/cost/profile.ts).
  readonly charge: ChargeFn = (primitive, bytes, k, n, parityFragments) => {
    const ns = Math.round(costNs(this.profile, primitive, bytes, k, n, parityFragments));
    if (ns === 0) return;
    this.engineCharge(this.node, ns);
    const index = PRIMITIVE_INDEX[primitive];
    if (this.collecting !== null) this.collecting[index]! += ns;
    else if (this.target !== NO_OPERATION) this.ledger.cpu(this.target, index, ns);
  };

  /** From now on, collect CPU into `into` (until {@link stopCollecting}). */
  collectInto(into: Float64Array): void {
    this.collecting = into;
  }

  stopCollecting(): void {
    this.collecting = null;
  }
}

export function newCpuVector(): Float64Array {
  return new Float64Array(PRIMITIVES.length);
}
