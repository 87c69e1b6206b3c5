/**
 * @module Parser of Jepsen etcd register logs (the corpus in test/fixtures/jepsen-etcd/):
 * `INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]`, one event per line.
 *
 * The logs carry no timestamps, so an operation's call and return times are the line numbers of
 * its `:invoke` and of its completion: the order of events is all that linearizability needs.
 * Mapping of completions (as in the Jepsen etcd test, and as Porcupine reads these logs):
 * - `:ok` → status ok (a read's value is the completion's; `nil` is the initial value → null);
 * - `:fail :cas` → the compare failed: status ok with `swapped: false` (no effect, and the register
 *   did not hold the expected value). `:fail` of a read or write → status failed (no effect);
 * - `:info` (e.g. `:timed-out`) or no completion at all → status pending.
 */
import { HistoryInputError, type CheckerRecord } from './types.ts';

const LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+(:[a-z-]+)\s+(:[a-z-]+)\s+(.*?)\s*$/;

type JepsenValue = { kind: 'nil' } | { kind: 'int'; text: string } | { kind: 'pair'; a: string | null; b: string | null } | { kind: 'keyword'; text: string };

function parseValue(text: string, line: number): JepsenValue {
  if (text === 'nil') return { kind: 'nil' };
  if (/^-?\d+$/.test(text)) return { kind: 'int', text };
  if (/^:[a-z-]+$/.test(text)) return { kind: 'keyword', text };
  const pair = /^\[(nil|-?\d+)\s+(nil|-?\d+)\]$/.exec(text);
  if (pair !== null) {
    const a = pair[1] === 'nil' ? null : (pair[1] ?? null);
    const b = pair[2] === 'nil' ? null : (pair[2] ?? null);
    return { kind: 'pair', a, b };
  }
  throw new HistoryInputError(line, 'value', `expected nil, an integer, [a b] or a keyword, got ${JSON.stringify(text)}`);
}

interface Pending {
  readonly line: number;
  readonly f: 'read' | 'write' | 'cas';
  readonly value: JepsenValue;
  readonly recordIndex: number;
}

export interface JepsenParseOptions {
  /** Key given to every operation (the etcd logs hold one register). @default 'register' */
  readonly key?: string;
}

/** Parses a Jepsen etcd log into checker records. Throws `HistoryInputError` naming line and field. */
export function parseJepsenLog(text: string, options: JepsenParseOptions = {}): CheckerRecord[] {
  const key = options.key ?? 'register';
  const lines = text.split('\n');
  // Records are created at :invoke (to keep call order) and completed later.
  const records: (CheckerRecord | Pending)[] = [];
  const open = new Map<string, Pending>();
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const m = LINE.exec(raw);
    if (m === null) {
      throw new HistoryInputError(lineNo, '(line)', `expected "INFO  jepsen.util - <process> :<type> :<f> <value>", got ${JSON.stringify(raw.slice(0, 80))}`);
    }
    const proc = m[1] ?? '';
    const type = m[2] ?? '';
    const fText = m[3] ?? '';
    if (fText !== ':read' && fText !== ':write' && fText !== ':cas') {
      throw new HistoryInputError(lineNo, 'f', `expected :read, :write or :cas, got ${JSON.stringify(fText)}`);
    }
    const f = fText.slice(1) as Pending['f'];
    const value = parseValue(m[4] ?? '', lineNo);
    if (type === ':invoke') {
      if (open.has(proc)) {
        throw new HistoryInputError(lineNo, 'process', `process ${proc} invoked while its operation from line ${open.get(proc)?.line} is still open`);
      }
      if (f === 'write' && value.kind !== 'int' && value.kind !== 'nil') {
        throw new HistoryInputError(lineNo, 'value', `a write needs nil or an integer, got ${m[4]}`);
      }
      if (f === 'cas' && value.kind !== 'pair') {
        throw new HistoryInputError(lineNo, 'value', `a cas needs [expected new], got ${m[4]}`);
      }
      const pending: Pending = { line: lineNo, f, value, recordIndex: records.length };
      open.set(proc, pending);
      records.push(pending);
      continue;
    }
    if (type !== ':ok' && type !== ':fail' && type !== ':info') {
      throw new HistoryInputError(lineNo, 'type', `expected :invoke, :ok, :fail or :info, got ${JSON.stringify(type)}`);
    }
    const inv = open.get(proc);
    if (inv === undefined) throw new HistoryInputError(lineNo, 'process', `process ${proc} completes ${fText} without an open :invoke`);
    if (inv.f !== f) throw new HistoryInputError(lineNo, 'f', `process ${proc} invoked :${inv.f} on line ${inv.line} but completes ${fText}`);
    open.delete(proc);
    const status = type === ':ok' ? 'ok' : type === ':info' ? 'pending' : f === 'cas' ? 'ok' : 'failed';
    const ret = status === 'pending' ? null : lineNo;
    records[inv.recordIndex] = toRecord(inv, proc, key, status, ret, type === ':ok', type === ':ok' && f === 'read' ? value : inv.value, lineNo);
  }
  for (const [proc, inv] of open) records[inv.recordIndex] = toRecord(inv, proc, key, 'pending', null, false, inv.value, inv.line);
  return records as CheckerRecord[];
}

function toRecord(
  inv: Pending,
  proc: string,
  key: string,
  status: 'ok' | 'failed' | 'pending',
  ret: number | null,
  completedOk: boolean,
  value: JepsenValue,
  lineNo: number,
): CheckerRecord {
  const base = { client: proc, key, call: inv.line, return: ret, status, rounds: 0 } as const;
  switch (inv.f) {
    case 'read': {
      if (status === 'ok' && value.kind !== 'nil' && value.kind !== 'int') {
        throw new HistoryInputError(lineNo, 'value', `a completed read needs nil or an integer, got ${JSON.stringify(value)}`);
      }
      return { ...base, op: 'read', value: status === 'ok' && value.kind === 'int' ? value.text : null };
    }
    case 'write':
      return { ...base, op: 'write', value: value.kind === 'int' ? value.text : null };
    case 'cas': {
      const pair = inv.value.kind === 'pair' ? inv.value : { a: null, b: null };
      return { ...base, op: 'cas', expected: pair.a, value: pair.b, swapped: completedOk };
    }
  }
}
