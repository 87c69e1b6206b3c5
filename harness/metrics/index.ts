/**
 * @module Per-run metrics: latency (HdrHistogram), rounds, traffic and CPU per operation.
 *
 * Latencies are recorded in integer microseconds with 5 significant digits, so every latency below
 * 131 ms is kept exactly (1 µs buckets) and larger ones within 0.001 %; mean and max are computed
 * exactly from nanoseconds. Only measured operations (after warm-up) that completed count.
 */
import * as hdr from 'hdr-histogram-js';
import { PRIMITIVES } from '../cost/profile.ts';
import type { DirectedTraffic } from '../host/traffic.ts';
import type { LatencyStats, OpKind, OpStats } from '../results/schema.ts';
import { NS_PER_MS } from '../units.ts';

/** Everything the runner records about one operation. */
export interface OpRecord {
  /** Issue order (0-based) across the run. */
  readonly index: number;
  readonly client: string;
  readonly kind: OpKind;
  readonly key: string;
  /** Written tag, or (after an ok read) the tag read; null = initial value. */
  value: string | null;
  /** Invocation time (open loop: the intended start), ns. */
  callNs: number;
  returnNs: number | null;
  status: 'ok' | 'failed' | 'pending';
  rounds: number;
  retries: number;
  readonly measured: boolean;
  /** Messages attributed to this operation (harness/host/attribution.ts), by direction. */
  readonly traffic: DirectedTraffic;
  /** CPU ns by primitive (index = PRIMITIVES order), over every node that worked for this operation; null until charged. */
  cpuNs: Float64Array | null;
}

export const LATENCY_CSV_PERCENTILES = [0, 1, 5, 10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90, 95, 99, 99.5, 99.9, 99.99, 100] as const;

function newHistogram() {
  // 32-bit counts: the packed variant saves memory but costs several times more per record.
  return hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: 5, lowestDiscernibleValue: 1, highestTrackableValue: 2 ** 24, autoResize: true });
}

/** Rounds a statistic for output: enough digits to be exact for ns-based values, no float noise. */
export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export class KindStats {
  readonly histogram = newHistogram();
  count = 0;
  failed = 0;
  pending = 0;
  latencySumNs = 0;
  latencyMaxNs = 0;
  roundsSum = 0;
  roundsMax = 0;
  readonly roundsHistogram = new Map<number, number>();
  retries = 0;
  messages = 0;
  bytesClientToServer = 0;
  bytesServerToClient = 0;
  readonly cpuNs = new Float64Array(PRIMITIVES.length);

  add(op: OpRecord): void {
    if (op.status === 'failed') {
      this.failed++;
      return;
    }
    if (op.status === 'pending' || op.returnNs === null) {
      this.pending++;
      return;
    }
    const latencyNs = op.returnNs - op.callNs;
    this.count++;
    this.latencySumNs += latencyNs;
    if (latencyNs > this.latencyMaxNs) this.latencyMaxNs = latencyNs;
    this.histogram.recordValue(Math.max(1, Math.round(latencyNs / 1000)));
    this.roundsSum += op.rounds;
    if (op.rounds > this.roundsMax) this.roundsMax = op.rounds;
    this.roundsHistogram.set(op.rounds, (this.roundsHistogram.get(op.rounds) ?? 0) + 1);
    if (op.retries > 0) this.retries++;
    const { clientToServer, serverToClient } = op.traffic;
    this.messages += clientToServer.messages + serverToClient.messages;
    this.bytesClientToServer += clientToServer.bytes;
    this.bytesServerToClient += serverToClient.bytes;
    const cpuNs = op.cpuNs;
    if (cpuNs !== null) for (let i = 0; i < this.cpuNs.length; i++) this.cpuNs[i]! += cpuNs[i]!;
  }

  latency(): LatencyStats {
    if (this.count === 0) return { mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    const at = (percentile: number) => Math.min(this.histogram.getValueAtPercentile(percentile) * 1000, this.latencyMaxNs) / NS_PER_MS;
    return {
      mean: round6(this.latencySumNs / this.count / NS_PER_MS),
      p50: round6(at(50)),
      p90: round6(at(90)),
      p99: round6(at(99)),
      p999: round6(at(99.9)),
      max: round6(this.latencyMaxNs / NS_PER_MS),
    };
  }

  stats(): OpStats {
    const perOp = (total: number) => (this.count === 0 ? 0 : round6(total / this.count));
    const histogram: Record<string, number> = {};
    for (const rounds of [...this.roundsHistogram.keys()].sort((a, b) => a - b)) histogram[String(rounds)] = this.roundsHistogram.get(rounds)!;
    const cpuNsPerOp: Record<string, number> = {};
    PRIMITIVES.forEach((primitive, i) => (cpuNsPerOp[primitive] = perOp(this.cpuNs[i]!)));
    return {
      count: this.count,
      failed: this.failed,
      pending: this.pending,
      latencyMs: this.latency(),
      rounds: { mean: perOp(this.roundsSum), max: this.roundsMax, histogram },
      retries: this.retries,
      messagesPerOp: perOp(this.messages),
      bytesPerOp: perOp(this.bytesClientToServer + this.bytesServerToClient),
      clientToServerBytesPerOp: perOp(this.bytesClientToServer),
      serverToClientBytesPerOp: perOp(this.bytesServerToClient),
      cpuNsPerOp,
    };
  }

  /** Latency at each percentile of LATENCY_CSV_PERCENTILES (a CDF for latency.csv), ms. */
  percentiles(): { percentile: number; latencyMs: number }[] {
    if (this.count === 0) return [];
    return LATENCY_CSV_PERCENTILES.map((percentile) => ({
      percentile,
      latencyMs: round6(Math.min(this.histogram.getValueAtPercentile(percentile) * 1000, this.latencyMaxNs) / NS_PER_MS),
    }));
  }

  destroy(): void {
    this.histogram.destroy();
  }
}
