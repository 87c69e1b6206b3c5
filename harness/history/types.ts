/**
 * @module One line of a run's history (`history/*.jsonl`), the checker's input.
 *
 * `{"client":"w1","op":"write","key":"k0","value":"w1:17","call":12.5,"return":30.1,"status":"ok","rounds":2}`
 * Times are in milliseconds from the start of the run; `return` is null when the operation is
 * pending at the end of the run (it may or may not have taken effect); a failed operation did not
 * take effect. Write values are unique per key; a read of the initial value has `value: null`.
 */

export type HistoryOpKind = 'read' | 'write';
export type HistoryStatus = 'ok' | 'failed' | 'pending';

export interface HistoryRecord {
  readonly client: string;
  readonly op: HistoryOpKind;
  readonly key: string;
  /** For a write, the value written; for an ok read, the value returned (null = initial value). */
  readonly value: string | null;
  readonly call: number;
  readonly return: number | null;
  readonly status: HistoryStatus;
  readonly rounds: number;
}
