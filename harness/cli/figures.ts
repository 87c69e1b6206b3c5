/**
 * @module Figures as the console prints them: rounded to what a reader can use (the files keep full
 * precision), and counts with the noun in the right number.
 */

/** At most `decimals` decimals, trailing zeros dropped: 2647.501226 → "2647.5", 2 → "2". */
export function rounded(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toFixed(decimals)));
}

/** Throughput: one decimal ("2647.5 ops/s"). */
export function opsPerS(value: number): string {
  return `${rounded(value, 1)} ops/s`;
}

/** Latency in ms to the microsecond ("6.016ms"). */
export function ms(value: number): string {
  return `${rounded(value, 3)}ms`;
}

/** "1 chart", "3 charts", "0 charts". */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/**
 * The warning for a run that `maxDurationMs` stopped before its workload was done (undefined for
 * any other run): its figures look like a whole run's but cover only part of it. `resolved`: the
 * experiment's resolved runs, for the measured operations each asked for (when it gave a number).
 */
export function timeLimitWarning(
  run: { readonly id: string; readonly timeLimitReachedAtMs?: number; readonly ops: Readonly<Partial<Record<string, { readonly count: number; readonly pending: number }>>> },
  resolved: readonly { readonly id: string; readonly workload: { readonly operations?: number | undefined } }[],
): string | undefined {
  if (run.timeLimitReachedAtMs === undefined) return undefined;
  const ops = Object.values(run.ops);
  const completed = ops.reduce((sum, op) => sum + (op?.count ?? 0), 0);
  const pending = ops.reduce((sum, op) => sum + (op?.pending ?? 0), 0);
  const asked = resolved.find((r) => r.id === run.id)?.workload.operations;
  const of = asked === undefined ? '' : ` of the ${asked} asked for`;
  return (
    `warning: run ${run.id} stopped at maxDurationMs (${rounded(run.timeLimitReachedAtMs, 3)} ms) with ${plural(completed, 'measured operation')} completed${of} and ${pending} pending: ` +
    'its figures cover only the completed ones (raise maxDurationMs or ask for fewer operations; an operation blocked by faults stays pending however long the run)'
  );
}
