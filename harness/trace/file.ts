/**
 * @module Writing and reading trace files (`trace/<run>.jsonl`, format: events.ts). Reading checks
 * every line and names the first bad one, so that `quorumbench trace` can say what is wrong.
 */
import { readFileSync } from 'node:fs';
import { formatIssue } from '../config/errors.ts';
import { InputError } from '../input-error.ts';
import { traceEventSchema, traceHeaderSchema, type Trace, type TraceEvent, type TraceHeader } from './events.ts';

/** A trace file that cannot be read: the line (1-based) and what is wrong with it. */
export class TraceInputError extends InputError {
  override readonly name = 'TraceInputError';
}

export function serializeTrace(trace: Trace): string {
  let out = `${JSON.stringify(trace.header)}\n`;
  for (const event of trace.events) out += `${JSON.stringify(event)}\n`;
  return out;
}

export function parseTrace(text: string, source = 'trace'): Trace {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const parseLine = (index: number): unknown => {
    try {
      return JSON.parse(lines[index]!);
    } catch {
      throw new TraceInputError(`${source}: line ${index + 1}: not JSON: ${lines[index]!.slice(0, 80)}`);
    }
  };
  if (lines.length === 0) throw new TraceInputError(`${source}: empty file (expected a header line, then one event per line)`);
  const header = traceHeaderSchema.safeParse(parseLine(0), { reportInput: true });
  if (!header.success) throw new TraceInputError(`${source}: line 1 (header): ${formatIssue(header.error.issues[0]!)}`);
  const events: TraceEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const event = traceEventSchema.safeParse(parseLine(i), { reportInput: true });
    if (!event.success) throw new TraceInputError(`${source}: line ${i + 1}: ${formatIssue(event.error.issues[0]!)}`);
    events.push(event.data as TraceEvent);
  }
  return { header: header.data as TraceHeader, events };
}

export function readTraceFile(path: string): Trace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new TraceInputError(`${path}: cannot read the file`);
  }
  return parseTrace(text, path);
}
