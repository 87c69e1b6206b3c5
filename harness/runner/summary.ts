/**
 * @module The result of one run, built from what the run recorded by a pure function: the history
 * (the checker's input), latency and traffic statistics per operation kind (measured operations
 * only), throughput, totals, background traffic, storage and rejections.
 */
import type { ScheduleReport } from '../faults/schedule.ts';
import type { HistoryRecord } from '../history/types.ts';
import type { AppliedFault } from '../host/server-report.ts';
import type { DirectedTraffic, Traffic } from '../host/traffic.ts';
import { KindStats, round6, type OpRecord } from '../metrics/index.ts';
import type { OpKind, RunResult } from '../results/schema.ts';
import { NS_PER_MS } from '../units.ts';
import type { ResolvedRun } from '../config/resolve.ts';

export interface RunRecording {
  readonly run: ResolvedRun;
  readonly seed: number;
  readonly records: readonly OpRecord[];
  /** Every message of the run, by direction (hostile clients' included). */
  readonly totals: DirectedTraffic;
  /** Server-initiated messages that reached no running operation, and the CPU they cost (ns). */
  readonly background: Readonly<Traffic> & { readonly cpuNs: number };
  readonly rejected: ReadonlyMap<string, number>;
  readonly storageBytesPerServer: readonly number[];
  readonly faults: readonly AppliedFault[];
  readonly schedule: ScheduleReport | undefined;
  readonly codec: string;
  readonly crypto: string;
  /** The hosts of a real-engine run on other hosts, as checked. */
  readonly hosts?: RunResult['hosts'];
}

export interface RunSummary {
  readonly result: RunResult;
  readonly history: HistoryRecord[];
  /** Latency CDF per kind, for latency.csv. */
  readonly latencyPercentiles: Readonly<Partial<Record<OpKind, { percentile: number; latencyMs: number }[]>>>;
}

export function historyOf(records: readonly OpRecord[]): HistoryRecord[] {
  return records.map((record) => ({
    client: record.client,
    op: record.kind,
    key: record.key,
    value: record.status === 'ok' || record.kind === 'write' ? record.value : null,
    call: record.callNs / NS_PER_MS,
    return: record.returnNs === null ? null : record.returnNs / NS_PER_MS,
    status: record.status,
    rounds: record.rounds,
  }));
}

/** Measured span: from the first call to the last return of the measured, completed operations. */
function measuredSpan(records: readonly OpRecord[]): { readonly ok: number; readonly spanNs: number } {
  let firstCallNs = Infinity;
  let lastReturnNs = -Infinity;
  let ok = 0;
  for (const record of records) {
    if (!record.measured || record.status !== 'ok') continue;
    ok++;
    if (record.callNs < firstCallNs) firstCallNs = record.callNs;
    if (record.returnNs! > lastReturnNs) lastReturnNs = record.returnNs!;
  }
  return { ok, spanNs: ok > 0 ? lastReturnNs - firstCallNs : 0 };
}

function statsByKind(records: readonly OpRecord[]): Pick<RunSummary, 'latencyPercentiles'> & { ops: RunResult['ops'] } {
  const stats: Record<OpKind, KindStats> = { read: new KindStats(), write: new KindStats() };
  for (const record of records) if (record.measured) stats[record.kind].add(record);
  const ops: Partial<Record<OpKind, ReturnType<KindStats['stats']>>> = {};
  const latencyPercentiles: Partial<Record<OpKind, { percentile: number; latencyMs: number }[]>> = {};
  for (const kind of ['read', 'write'] as const) {
    const kindStats = stats[kind];
    if (kindStats.count + kindStats.failed + kindStats.pending > 0) {
      ops[kind] = kindStats.stats();
      latencyPercentiles[kind] = kindStats.percentiles();
    }
    kindStats.destroy();
  }
  return { ops, latencyPercentiles };
}

export function summarizeRun(recording: RunRecording): RunSummary {
  const { run, records, totals, background } = recording;
  const { ok, spanNs } = measuredSpan(records);
  const { ops, latencyPercentiles } = statsByKind(records);
  const rejectedMessages: Record<string, number> = {};
  for (const reason of [...recording.rejected.keys()].sort()) rejectedMessages[reason] = recording.rejected.get(reason)!;
  const { clientToServer, serverToClient } = totals;
  const result: RunResult = {
    id: run.id,
    params: run.params,
    seed: recording.seed,
    repetition: run.repetition,
    verdict: 'unknown',
    expectViolation: run.expectViolation,
    ops,
    throughputOpsPerS: spanNs > 0 ? round6(ok / (spanNs / 1e9)) : 0,
    durationMs: round6(spanNs / NS_PER_MS),
    messages: { total: clientToServer.messages + serverToClient.messages, clientToServer: clientToServer.messages, serverToClient: serverToClient.messages },
    bytes: { total: clientToServer.bytes + serverToClient.bytes, clientToServer: clientToServer.bytes, serverToClient: serverToClient.bytes },
    backgroundMessages: background.messages,
    backgroundBytes: background.bytes,
    backgroundCpuNs: background.cpuNs,
    storageBytesPerServer: recording.storageBytesPerServer,
    rejectedMessages,
    codec: recording.codec,
    crypto: recording.crypto,
    ...(recording.faults.length === 0 ? {} : { appliedFaults: recording.faults }),
    ...(recording.schedule === undefined ? {} : { schedule: recording.schedule }),
    ...(recording.hosts === undefined ? {} : { hosts: recording.hosts }),
  };
  return { result, history: historyOf(records), latencyPercentiles };
}
