/**
 * @module What a traced run leaves in its output folder: `trace/<run>.jsonl`, and for a run whose
 * history is not linearizable, the Lamport diagram of the window around the checker's excerpt
 * (`history/<run>.violation.svg`, next to the checker's timeline `<run>.violation.html`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Excerpt } from '../checker/types.ts';
import { timelineFileName, writeFileAtomic } from '../results/writer.ts';
import type { Trace } from './events.ts';
import { serializeTrace } from './file.ts';
import { renderLamportSvg, selectLamport } from './lamport.ts';
import { opsOf } from './model.ts';
import { traceFileName } from './run-trace.ts';

/** Above this many messages in the window, the violation's diagram keeps the excerpt's own messages only. */
const WINDOW_MESSAGE_LIMIT = 300;

export interface TracedRunOutput {
  readonly trace: Trace;
  /** The checker's excerpt, when the run violated linearizability. */
  readonly excerpt?: Excerpt;
}

/** The diagram's file, next to the checker's timeline of the run. */
export function violationSvgFileName(runId: string): string {
  return timelineFileName(runId).replace(/\.html$/, '.svg');
}

/** Writes each run's trace (and violation diagram) under `dir`; returns the paths written. */
export function writeTraces(dir: string, runs: ReadonlyMap<string, TracedRunOutput>): string[] {
  const written: string[] = [];
  if (runs.size === 0) return written;
  mkdirSync(join(dir, 'trace'), { recursive: true });
  for (const [runId, { trace, excerpt }] of runs) {
    const path = join(dir, traceFileName(runId));
    writeFileAtomic(path, serializeTrace(trace));
    written.push(path);
    if (excerpt === undefined) continue;
    mkdirSync(join(dir, 'history'), { recursive: true });
    const svgPath = join(dir, 'history', violationSvgFileName(runId));
    writeFileAtomic(svgPath, renderViolationWindow(trace, excerpt));
    written.push(svgPath);
  }
  return written;
}

/**
 * The window around a violation: from the first call to the last return of the excerpt's operations
 * (padded a little), on the excerpt's register, with the excerpt's operations outlined. Every message
 * of that register in the window is drawn, unless there are too many: then those of the excerpt.
 */
export function renderViolationWindow(trace: Trace, excerpt: Excerpt): string {
  const cited = new Set(excerpt.indices);
  const ops = opsOf(trace).filter((op) => cited.has(op.op));
  const lastT = trace.events.length === 0 ? 0 : trace.events[trace.events.length - 1]!.t;
  const starts = ops.map((op) => op.callT ?? trace.header.bounds.fromMs);
  const ends = ops.map((op) => op.returnT ?? lastT);
  const from = starts.length === 0 ? trace.header.bounds.fromMs : Math.min(...starts);
  const to = ends.length === 0 ? lastT : Math.max(...ends);
  const pad = Math.max((to - from) * 0.05, 0.2);
  const window = { fromMs: Math.max(0, from - pad), toMs: to + pad, key: excerpt.key, highlight: excerpt.indices };
  const title = `Violation on key ${JSON.stringify(excerpt.key)}: the messages of run ${trace.header.run} around the checker's excerpt`;
  if (selectLamport(trace, window).messages.length <= WINDOW_MESSAGE_LIMIT) return renderLamportSvg(trace, { ...window, title });
  return renderLamportSvg(trace, { ...window, ops: excerpt.indices, title: `${title} (their own messages only)` });
}
