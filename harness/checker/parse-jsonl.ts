/**
 * @module Parser of the harness history format (JSON Lines, one `HistoryRecord` per line; see
 * harness/history/types.ts). Every error names the 1-based line number, the field and the value.
 *
 * The checker's form (`parseJsonlCheckerHistory`, what `quorumbench check` reads; published as the
 * JSON Schema docs/history.schema.json) also accepts, for the `cas-register` model,
 * `{"op":"cas","expected":..,"value":..,"swapped":true|false,...}` (see `CasRecord`), and lines
 * without the harness's `rounds` field (histories from other tools).
 */
import type { HistoryRecord } from '../history/types.ts';
import { HistoryLineScanner } from './scan-jsonl.ts';
import { HistoryInputError, type CasRecord, type CheckerRecord } from './types.ts';

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(line: number, field: string, expected: string, value: unknown): never {
  throw new HistoryInputError(line, field, `expected ${expected}, got ${show(value)}`);
}

/**
 * Validates one parsed JSON value as a history record. Returns the same object (no copy: a history
 * may hold millions of records) typed as a record.
 */
export function validateRecord(raw: unknown, line: number, allowCas = true): CheckerRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(line, '(record)', 'a JSON object', raw);
  const r = raw as Record<string, unknown>;
  if (typeof r.client !== 'string') fail(line, 'client', 'a string', r.client);
  if (typeof r.key !== 'string') fail(line, 'key', 'a string', r.key);
  const op = r.op;
  if (op !== 'read' && op !== 'write' && (op !== 'cas' || !allowCas)) fail(line, 'op', allowCas ? '"read", "write" or "cas"' : '"read" or "write"', op);
  const status = r.status;
  if (status !== 'ok' && status !== 'failed' && status !== 'pending') {
    fail(line, 'status', '"ok", "failed" or "pending"', status);
  }
  if (r.value !== null && typeof r.value !== 'string') fail(line, 'value', 'a string or null', r.value);
  const call = r.call;
  if (typeof call !== 'number' || !Number.isFinite(call)) fail(line, 'call', 'a finite number (ms)', call);
  const ret = r.return;
  if (status === 'pending') {
    if (ret !== null) fail(line, 'return', 'null for a pending operation', ret);
  } else if (ret === null) {
    // A failed operation that never answered is still "did not take effect"; an ok one must have returned.
    if (status === 'ok') fail(line, 'return', 'a finite number (ms) for an ok operation', ret);
  } else if (typeof ret !== 'number' || !Number.isFinite(ret)) {
    fail(line, 'return', 'a finite number (ms) or null', ret);
  } else if (ret < call) {
    fail(line, 'return', `a time not before call (${call})`, ret);
  }
  // `rounds` is the harness's own figure: required in its histories, optional from other tools.
  if (r.rounds !== undefined || !allowCas) {
    if (typeof r.rounds !== 'number' || !Number.isInteger(r.rounds) || r.rounds < 0) fail(line, 'rounds', 'a non-negative integer', r.rounds);
  }
  if (op === 'cas') {
    if (r.expected !== null && typeof r.expected !== 'string') fail(line, 'expected', 'a string or null', r.expected);
    if (typeof r.swapped !== 'boolean') fail(line, 'swapped', 'a boolean', r.swapped);
    return r as unknown as CasRecord;
  }
  return r as unknown as CheckerRecord;
}

/** Parses a harness JSON Lines history (read/write only, `rounds` required); blank lines are skipped. Throws `HistoryInputError`. */
export function parseJsonlHistory(text: string): HistoryRecord[] {
  return parseJsonl(text, false) as HistoryRecord[];
}

/** Like `parseJsonlHistory`, also accepting compare-and-set lines (for the `cas-register` model) and lines without `rounds`. */
export function parseJsonlCheckerHistory(text: string): CheckerRecord[] {
  return parseJsonl(text, true);
}

function parseJsonl(text: string, allowCas: boolean): CheckerRecord[] {
  const records: CheckerRecord[] = [];
  let start = 0;
  let line = 0;
  const length = text.length;
  const scanner = new HistoryLineScanner(text);
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = length;
    line++;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--; // CRLF
    // Lines in the harness's own format are read by the scanner; JSON.parse reads the rest.
    const scanned = stop > start ? scanner.record(start, stop) : undefined;
    if (scanned !== undefined) records.push(validateRecord(scanned, line, allowCas));
    else if (stop > start) {
      const slice = text.slice(start, stop);
      let raw: unknown;
      try {
        raw = JSON.parse(slice);
      } catch (error) {
        if (slice.trim() !== '') {
          throw new HistoryInputError(line, '(json)', `not valid JSON: ${show(slice)} (${(error as Error).message})`);
        }
        raw = undefined;
      }
      if (raw !== undefined) records.push(validateRecord(raw, line, allowCas));
    }
    start = end + 1;
  }
  return records;
}
