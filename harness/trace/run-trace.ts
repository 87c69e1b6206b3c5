/**
 * @module A run's trace, finished: what this process recorded, merged with what the real engine's
 * child processes recorded, the run's applied faults added, put in time order, the bounds applied
 * once more over the whole, and the header written. Also the trace's entry in `summary.json`.
 */
import type { ResolvedRun } from '../config/resolve.ts';
import type { RunOnceOutput } from '../runner/run-once.ts';
import type { Engine } from '../transport/engine.ts';
import type { AppliedFault } from '../host/server-report.ts';
import { historyFileName } from '../results/writer.ts';
import type { RunResult } from '../results/schema.ts';
import type { Trace, TraceEvent, TraceHeader } from './events.ts';
import type { RecordedEvents, TraceRecorder } from './recorder.ts';

/** What the real engine's child processes recorded (after the engine closed). */
export interface ProcessTraces extends RecordedEvents {
  /** Processes whose events may be missing (e.g. a server killed by a crash fault before it wrote them). */
  readonly incomplete: readonly string[];
}

export type TraceSummary = NonNullable<RunResult['trace']>;

/** Where a run's trace goes in the output folder. */
export function traceFileName(runId: string): string {
  return `trace/${historyFileName(runId)}`;
}

export interface RunTraceInput {
  readonly run: ResolvedRun;
  readonly seed: number;
  readonly engine: 'sim' | 'real';
  readonly endMs: number;
  readonly local: RecordedEvents;
  readonly remote?: ProcessTraces;
  readonly faults: readonly AppliedFault[];
}

/** The run's whole trace. A pure function of its input: a simulated run's trace replays exactly. */
export function finishRunTrace(input: RunTraceInput): Trace {
  const bounds = input.run.trace!;
  const nodes = bounds.nodes === null ? null : new Set(bounds.nodes);
  const toMs = bounds.toMs ?? Infinity;
  const faults: TraceEvent[] = input.faults
    .filter((fault) => fault.atMs >= bounds.fromMs && fault.atMs <= toMs && (nodes === null || nodes.has(fault.node)))
    .map((fault) => ({ t: fault.atMs, ev: 'fault', node: fault.node, action: fault.action, cause: fault.cause }));
  // Stable: events of one time keep the order in which they happened (sends before their effects).
  const merged = mergeByTime(mergeByTime(sortedByTime(input.local.events), sortedByTime(input.remote?.events ?? [])), sortedByTime(faults));
  let notRecorded = input.local.notRecorded + (input.remote?.notRecorded ?? 0);
  const reached = [input.local.boundReachedAtMs, input.remote?.boundReachedAtMs ?? null].filter((t): t is number => t !== null);
  let boundReachedAtMs = reached.length === 0 ? null : Math.min(...reached);
  // Each process kept up to maxEvents, and the faults come on top: together they keep the first maxEvents.
  if (merged.length > bounds.maxEvents) {
    const cut = merged[bounds.maxEvents]!.t;
    notRecorded += merged.length - bounds.maxEvents;
    boundReachedAtMs = boundReachedAtMs === null ? cut : Math.min(boundReachedAtMs, cut);
    merged.length = bounds.maxEvents;
  }
  const { run } = input;
  const header: TraceHeader = {
    trace: 'quorumbench-messages',
    version: 1,
    run: run.id,
    engine: input.engine,
    seed: input.seed,
    protocol: run.protocol.name,
    t: run.t,
    nodes: { servers: run.cluster.servers, writers: run.cluster.writers, readers: run.cluster.readers, hostile: run.hostileClients },
    bounds,
    endMs: input.endMs,
    events: merged.length,
    notRecorded,
    boundReachedAtMs,
    incomplete: input.remote?.incomplete ?? [],
  };
  return { header, events: merged };
}

/** A run's output with its trace (when `tracer` recorded one): this process's events, the child processes' and the faults. */
export function withTrace(output: RunOnceOutput, tracer: TraceRecorder | null, engine: Engine, run: ResolvedRun, seed: number): RunOnceOutput {
  if (tracer === null) return output;
  const remote = engine.remoteTrace?.();
  const faults = output.result.appliedFaults ?? [];
  const trace = finishRunTrace({ run, seed, engine: engine.kind, endMs: output.endMs, local: tracer.finish(), ...(remote === undefined ? {} : { remote }), faults });
  return { ...output, result: { ...output.result, trace: traceSummary(trace) }, trace };
}

/** `events` in time order, stably; a single process's events mostly are already (then no sort). */
function sortedByTime(events: TraceEvent[]): TraceEvent[] {
  for (let i = 1; i < events.length; i++) if (events[i]!.t < events[i - 1]!.t) return events.sort((a, b) => a.t - b.t);
  return events;
}

/** Two time-ordered lists as one; on equal times, `a`'s events first. */
function mergeByTime(a: TraceEvent[], b: TraceEvent[]): TraceEvent[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: TraceEvent[] = new Array<TraceEvent>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = b[j]!.t < a[i]!.t ? b[j++]! : a[i++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** The trace's entry in `summary.json`. */
export function traceSummary(trace: Trace): TraceSummary {
  const { header } = trace;
  return {
    file: traceFileName(header.run),
    events: header.events,
    notRecorded: header.notRecorded,
    boundReachedAtMs: header.boundReachedAtMs,
    ...(header.incomplete.length === 0 ? {} : { incomplete: header.incomplete }),
  };
}

/** One line for the terminal: where the trace is (`path`), and what the bound left out. */
export function describeTrace(summary: TraceSummary, maxEvents: number, path: string = summary.file): string {
  const missing = summary.incomplete === undefined ? '' : `; events of ${summary.incomplete.join(', ')} may be missing (a process killed by a crash fault, or servers started elsewhere)`;
  if (summary.notRecorded === 0) return `trace: ${path} (${summary.events} events)${missing}`;
  return (
    `trace: ${path} holds ${summary.events} events; the bound trace.maxEvents = ${maxEvents} was reached at ${summary.boundReachedAtMs} ms ` +
    `and ${summary.notRecorded} later events were not recorded (raise trace.maxEvents, or narrow trace.fromMs/toMs/nodes)${missing}`
  );
}
