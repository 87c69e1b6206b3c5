/**
 * @module The network model shared by both engines: per directed link a one-way latency (from a
 * distribution, or the `global` matrix plus optional jitter), a bandwidth, and optionally one NIC
 * uplink and downlink per node. FIFO per link is the transport's job (it needs the link's history).
 */
import type { NodeId } from '../../protocols/types.ts';
import type { Rng } from '../rng.ts';
import { latencySampler, type LatencyDistribution, type LatencySampler } from './latency.ts';
import { SAME_REGION_RTT_MS } from './presets.ts';
import { NS_PER_MS } from '../units.ts';

/** A fully resolved network description (presets applied). */
export interface NetworkSpec {
  /** Per-link latency; with `global`, extra jitter added to the matrix latency. */
  readonly latency: LatencyDistribution;
  /** Per directed link, MB/s (10^6 B/s); 0 = unlimited. */
  readonly bandwidthMBps: number;
  /** Per node, shared by all its outgoing (uplink) or incoming (downlink) messages; 0 = unlimited. */
  readonly nicUplinkMBps: number;
  readonly nicDownlinkMBps: number;
  readonly global?: {
    /** Region → region → round-trip ms; a link's one-way latency is half of it. */
    readonly rttMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
    /** Region of each node, by node id. */
    readonly regionOf: Readonly<Record<NodeId, string>>;
  };
}

/** Nanoseconds to push `bytes` through a link of `mbps` MB/s, rounded to an integer; 0 if unlimited. */
export function transmissionNs(bytes: number, mbps: number): number {
  if (mbps <= 0) return 0;
  // bytes / (mbps * 1e6 B/s) s = bytes * 1000 / mbps ns.
  return Math.round((bytes * 1000) / mbps);
}

export class NetworkModel {
  private readonly sampler: LatencySampler;
  private readonly jitterIsZero: boolean;
  /** Base one-way latency per directed link (index from * count + to), ns; global matrix only. */
  private readonly baseNs: Float64Array | undefined;

  constructor(
    readonly spec: NetworkSpec,
    readonly nodes: readonly NodeId[],
  ) {
    this.sampler = latencySampler(spec.latency);
    this.jitterIsZero = spec.latency.distribution === 'constant' && spec.latency.oneWayMs === 0;
    if (spec.global) {
      const count = nodes.length;
      const base = new Float64Array(count * count);
      for (let from = 0; from < count; from++) {
        for (let to = 0; to < count; to++) {
          const a = spec.global.regionOf[nodes[from]!];
          const b = spec.global.regionOf[nodes[to]!];
          const rtt = a === undefined || b === undefined ? SAME_REGION_RTT_MS : (spec.global.rttMs[a]?.[b] ?? spec.global.rttMs[b]?.[a]);
          if (rtt === undefined) throw new RangeError(`network.global: no latency between regions "${a}" and "${b}"`);
          base[from * count + to] = Math.round((rtt / 2) * NS_PER_MS);
        }
      }
      this.baseNs = base;
    }
  }

  /** One-way latency for one message on link from → to (node indexes), ns. */
  latencyNs(from: number, to: number, rng: Rng): number {
    if (this.baseNs === undefined) return this.sampler(rng);
    const base = this.baseNs[from * this.nodes.length + to]!;
    return this.jitterIsZero ? base : base + this.sampler(rng);
  }
}
