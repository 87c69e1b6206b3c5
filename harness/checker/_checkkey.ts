/**
 * @module Internal: decides one key (fast path if it applies, else search) and shrinks a search
 * violation. Pure apart from the injected clock, so it runs the same in the main thread and in a
 * worker; the result is plain data (structured-cloneable).
 */
import type { KeyOps } from './_keyops.ts';
import { shrinkViolation } from './excerpt.ts';
import { checkUniqueRegister, type FastViolation } from './fast-register.ts';
import { searchLinearizable } from './search.ts';
import type { CheckMethod, Verdict } from './types.ts';

export interface KeyWork {
  readonly verdict: Verdict;
  readonly method: CheckMethod;
  readonly elapsedMs: number;
  readonly reason?: string;
  readonly fast?: FastViolation;
  /** Search violation: record indices of the shrunk excerpt, whether it is 1-minimal, its cut time. */
  readonly excerptIndices?: number[];
  readonly minimal?: boolean;
  readonly cut?: number;
  /** Set by worker.ts: this key was checked in a worker thread. */
  readonly inWorker?: boolean;
}

/** Wall clock in ms shared by threads (performance.now() has a different origin in each thread). */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Shrinking gets at least this long (if the overall deadline allows), or 4× the search time. */
const SHRINK_BUDGET_MS_MIN = 2000;

export function checkKeyOps(ops: KeyOps, deadlineMs: number, wantExcerpt: boolean, now: () => number): KeyWork {
  const t0 = now();
  const fast = checkUniqueRegister(ops);
  if (fast.verdict === 'ok') return { verdict: 'ok', method: 'fast', elapsedMs: now() - t0 };
  if (fast.verdict === 'violation') return { verdict: 'violation', method: 'fast', elapsedMs: now() - t0, fast: fast.reason };
  const outcome = searchLinearizable(ops, deadlineMs, now);
  const searched = now();
  if (outcome.verdict === 'unknown') {
    return { verdict: 'unknown', method: 'search', elapsedMs: searched - t0, reason: `time limit reached after ${outcome.steps} search steps` };
  }
  if (outcome.verdict === 'ok' || !wantExcerpt) return { verdict: outcome.verdict, method: 'search', elapsedMs: searched - t0 };
  const shrinkDeadline = Math.min(deadlineMs, searched + Math.max(SHRINK_BUDGET_MS_MIN, 4 * (searched - t0)));
  const { indices, minimal, cut } = shrinkViolation(ops, shrinkDeadline, now);
  return { verdict: 'violation', method: 'search', elapsedMs: now() - t0, excerptIndices: indices, minimal, cut };
}
