/**
 * @module Types of the linearizability checker: its input records (the harness history record plus
 * compare-and-set, which only the Jepsen corpus uses), per-key and overall results, excerpts.
 */
import type { HistoryRecord, HistoryStatus } from '../history/types.ts';
import type { Verdict } from '../results/schema.ts';
import { InputError } from '../input-error.ts';

export type { Verdict };

/** `register`: read/write. `cas-register`: read/write/compare-and-set. */
export type CheckModel = 'register' | 'cas-register';

/**
 * A compare-and-set: if the register holds `expected`, replace it by `value`.
 * `status: 'ok'` means the operation returned an answer, given by `swapped`; `swapped: false` means
 * the compare was observed to fail (Jepsen's `:fail :cas`): it did not take effect, and the register
 * did not hold `expected` at its linearization point. `failed` means it did not take effect and
 * told us nothing; `pending` means it may have taken effect at any point after its call, or never.
 */
export interface CasRecord {
  readonly client: string;
  readonly op: 'cas';
  readonly key: string;
  readonly expected: string | null;
  /** The new value. */
  readonly value: string | null;
  readonly swapped: boolean;
  readonly call: number;
  readonly return: number | null;
  readonly status: HistoryStatus;
  readonly rounds?: number;
}

/**
 * A read or a write as the checker reads it: a harness history record, whose `rounds` (a figure of
 * the harness, not of the history) histories from other tools do not have.
 */
export type RegisterRecord = Omit<HistoryRecord, 'rounds'> & { readonly rounds?: number };

/** What the checker reads: a read or write, or a compare-and-set. */
export type CheckerRecord = RegisterRecord | CasRecord;

/** How a key was decided. */
export type CheckMethod =
  /** the polynomial read-mapping algorithm for unique-value read/write registers */
  | 'fast'
  /** Wing & Gong / Lowe search with memoisation */
  | 'search';

/** The operations that show a violation, with a sentence that says why. */
export interface Excerpt {
  readonly key: string;
  /** Indices into the checked record array, in call order. */
  readonly indices: readonly number[];
  readonly records: readonly CheckerRecord[];
  /** Why these operations cannot be linearized (one or two sentences). */
  readonly explanation: string;
}

export interface KeyCheckResult {
  readonly key: string;
  readonly verdict: Verdict;
  readonly method: CheckMethod;
  /** Operations of this key that the checker considered (failed ops and pending reads excluded). */
  readonly opCount: number;
  readonly elapsedMs: number;
  /** Present when verdict is `violation`. */
  readonly excerpt?: Excerpt;
  /** Present when verdict is `unknown`: why (e.g. time limit). */
  readonly reason?: string;
}

export interface CheckResult {
  /** `violation` if any key is not linearizable; else `unknown` if any key timed out; else `ok`. */
  readonly verdict: Verdict;
  /** One entry per key, sorted by key. */
  readonly perKey: readonly KeyCheckResult[];
  /** The first violating key's excerpt (by key order); present iff verdict is `violation`. */
  readonly excerpt?: Excerpt;
  readonly model: CheckModel;
  readonly opCount: number;
  readonly elapsedMs: number;
  /** Keys that were checked in worker threads (0 when single-threaded). */
  readonly keysInWorkers: number;
}

export interface CheckOptions {
  /**
   * Sequential specification. Default: `cas-register` if the history holds a compare-and-set,
   * else `register`. Asking for `register` on a history with a compare-and-set is an input error.
   */
  readonly model?: CheckModel;
  /** Time limit for the whole history, in ms; keys not decided by then are `unknown`. @default 60000 */
  readonly timeoutMs?: number;
  /** Compute a small excerpt for violations (costs extra searches on search-path keys). @default true */
  readonly excerpt?: boolean;
  /**
   * Worker threads for per-key search: `'auto'` uses them only for several costly search-path keys;
   * 0 or 1 forces single-threaded. @default 'auto'
   */
  readonly workers?: number | 'auto';
}

/** An input problem, labelled with where it is and what was wrong (exit code 2 in the CLI). */
export class HistoryInputError extends InputError {
  override readonly name = 'HistoryInputError';
  constructor(
    /** 1-based line number in the input, or 0 when the problem is not tied to one line. */
    readonly line: number,
    readonly field: string,
    message: string,
  ) {
    super(line > 0 ? `line ${line}: field "${field}": ${message}` : `field "${field}": ${message}`);
  }
}
