/**
 * @module Traces of the real engine's child processes. A server process (or client process) records
 * its own events with the same recorder as the harness, on the harness's clock (the harness hands
 * every child its clock's start, a CLOCK_MONOTONIC reading, as it does for client processes), and
 * appends them to `trace-<name>.jsonl` in the run's private temporary folder: every
 * {@link FLUSH_EVERY_MS} and when it stops, when it writes a last `{"ev":"end",...}` line with what
 * its bound left out. The harness reads every file once the children have stopped and merges them
 * (run-trace.ts). Appending as it goes means a server killed by a crash fault leaves what it recorded
 * up to its last flush; its file then has no end line, and the trace names it as incomplete.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { TraceBounds, TraceEvent } from './events.ts';
import { traceEventSchema } from './events.ts';
import { TraceRecorder } from './recorder.ts';
import type { ProcessTraces } from './run-trace.ts';

/** How often a child process appends its events to its file (ms). */
export const FLUSH_EVERY_MS = 100;

const endLine = z.strictObject({ ev: z.literal('end'), notRecorded: z.number().int().min(0), boundReachedAtMs: z.number().nullable() });

/** The name of client process `k` in trace files. */
export function clientProcessName(k: number): string {
  return `client-${k}`;
}

/** The trace file of child process `name` (a server id, or {@link clientProcessName}) in the run's folder. */
export function processTracePath(dir: string, name: string): string {
  return join(dir, `trace-${name}.jsonl`);
}

export class ProcessTraceFile {
  readonly recorder: TraceRecorder;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    bounds: TraceBounds,
    private readonly path: string,
    /** Now on the harness's clock, ns. */
    nowNs: () => number,
  ) {
    this.recorder = new TraceRecorder(bounds, nowNs, false);
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  /** Appends the events recorded since the last flush. */
  flush(): void {
    const events = this.recorder.events;
    if (events.length === 0 || this.closed) return;
    this.recorder.events = [];
    appendFileSync(this.path, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
  }

  /** The last flush and the end line; nothing is recorded after it. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.timer);
    appendFileSync(this.path, `${JSON.stringify({ ev: 'end', notRecorded: this.recorder.notRecorded, boundReachedAtMs: this.recorder.boundReachedAtMs })}\n`);
  }
}

/**
 * Reads the trace files of the child processes `names` in `dir`. A line that does not parse (the last
 * one of a process killed while writing) is skipped; a process whose file has no end line, or that
 * left no file, is incomplete.
 */
export function readProcessTraces(dir: string | undefined, names: readonly string[]): ProcessTraces {
  const events: TraceEvent[] = [];
  const incomplete: string[] = [];
  let notRecorded = 0;
  let boundReachedAtMs: number | null = null;
  for (const name of names) {
    const path = dir === undefined ? undefined : processTracePath(dir, name);
    if (path === undefined || !existsSync(path)) {
      incomplete.push(name);
      continue;
    }
    let ended = false;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      const end = endLine.safeParse(value);
      if (end.success) {
        ended = true;
        notRecorded += end.data.notRecorded;
        if (end.data.boundReachedAtMs !== null) boundReachedAtMs = Math.min(boundReachedAtMs ?? Infinity, end.data.boundReachedAtMs);
        continue;
      }
      const event = traceEventSchema.safeParse(value);
      if (event.success) events.push(event.data as TraceEvent);
    }
    if (!ended) incomplete.push(name);
  }
  return { events, notRecorded, boundReachedAtMs, incomplete };
}
