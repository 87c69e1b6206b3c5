/**
 * @module Jepsen register operations to checker records, shared by both Jepsen readers (the etcd log
 * of parse-jepsen.ts and the EDN history of parse-edn.ts): events are paired by process, an
 * invocation with that process's next completion.
 *
 * Times: an operation's call and return are the positions (1-based) of its invocation and of its
 * completion in the history; the order of events is all that linearizability needs, and it is what
 * both formats record exactly.
 * Completions (as in Jepsen's etcd register test, and as Porcupine reads these histories):
 * - `:ok` → status ok (a read's value is the completion's; `nil` is the initial value → null);
 * - `:fail :cas` → the compare was observed to fail (Jepsen's register clients answer `:fail` when
 *   the compare-and-set returned false): status ok with `swapped: false`, no effect. `:fail` of a
 *   read or write → status failed (no effect);
 * - `:info` (e.g. `:timed-out`) or no completion at all → status pending (it may or may not have
 *   taken effect, at any time after its call).
 */
import { HistoryInputError, type CheckerRecord } from './types.ts';

/**
 * A value as these histories hold it: nil, one register value (an integer or a string, as text), a
 * cas's `[expected new]`, or anything else (a keyword such as `:timed-out`, a map), which only an
 * `:info` or `:fail` completion may carry.
 */
export type JepsenValue =
  | { readonly kind: 'nil' }
  | { readonly kind: 'scalar'; readonly text: string }
  | { readonly kind: 'pair'; readonly a: string | null; readonly b: string | null }
  | { readonly kind: 'other' };

export type JepsenType = 'invoke' | 'ok' | 'fail' | 'info';
export type JepsenFunction = 'read' | 'write' | 'cas';

export interface JepsenEvent {
  /** Line of the event in its file (for errors). */
  readonly line: number;
  /** Position of the event among the history's client events, 1-based (its time). */
  readonly position: number;
  readonly process: string;
  readonly type: JepsenType;
  readonly f: JepsenFunction;
  readonly value: JepsenValue;
  /** The text of the value as written (for errors). */
  readonly valueText: string;
}

interface Open {
  readonly event: JepsenEvent;
  readonly recordIndex: number;
}

/** Pairs invocations with completions; throws `HistoryInputError` naming the line and field. */
export function recordsOfEvents(events: Iterable<JepsenEvent>, key: string): CheckerRecord[] {
  // Records are created at the invocation (to keep call order) and completed later.
  const records: (CheckerRecord | undefined)[] = [];
  const open = new Map<string, Open>();
  for (const event of events) {
    const { line, process, f, value } = event;
    if (event.type === 'invoke') {
      const earlier = open.get(process);
      if (earlier !== undefined) throw new HistoryInputError(line, 'process', `process ${process} invoked while its operation from line ${earlier.event.line} is still open`);
      if (f === 'write' && value.kind !== 'nil' && value.kind !== 'scalar') throw new HistoryInputError(line, 'value', `a write needs nil or one value, got ${event.valueText}`);
      if (f === 'cas' && value.kind !== 'pair') throw new HistoryInputError(line, 'value', `a cas needs [expected new], got ${event.valueText}`);
      open.set(process, { event, recordIndex: records.length });
      records.push(undefined);
      continue;
    }
    const invocation = open.get(process);
    if (invocation === undefined) throw new HistoryInputError(line, 'process', `process ${process} completes :${f} without an open :invoke`);
    if (invocation.event.f !== f) throw new HistoryInputError(line, 'f', `process ${process} invoked :${invocation.event.f} on line ${invocation.event.line} but completes :${f}`);
    open.delete(process);
    records[invocation.recordIndex] = toRecord(invocation.event, event, key);
  }
  for (const { event, recordIndex } of open.values()) records[recordIndex] = toRecord(event, undefined, key);
  return records as CheckerRecord[];
}

function toRecord(invocation: JepsenEvent, completion: JepsenEvent | undefined, key: string): CheckerRecord {
  const type = completion?.type ?? 'info';
  const status = type === 'ok' ? 'ok' : type === 'info' ? 'pending' : invocation.f === 'cas' ? 'ok' : 'failed';
  const base = { client: invocation.process, key, call: invocation.position, return: status === 'pending' ? null : (completion as JepsenEvent).position, status } as const;
  switch (invocation.f) {
    case 'read': {
      if (status !== 'ok') return { ...base, op: 'read', value: null };
      const value = (completion as JepsenEvent).value;
      if (value.kind !== 'nil' && value.kind !== 'scalar') throw new HistoryInputError((completion as JepsenEvent).line, 'value', `a completed read needs nil or one value, got ${(completion as JepsenEvent).valueText}`);
      return { ...base, op: 'read', value: value.kind === 'scalar' ? value.text : null };
    }
    case 'write':
      return { ...base, op: 'write', value: invocation.value.kind === 'scalar' ? invocation.value.text : null };
    case 'cas': {
      const pair = invocation.value as Extract<JepsenValue, { kind: 'pair' }>;
      return { ...base, op: 'cas', expected: pair.a, value: pair.b, swapped: type === 'ok' };
    }
  }
}
