/**
 * @module The advice `run` prints after a real-engine run with little or no warm-up. Every real run
 * starts fresh server processes, and V8 compiles their hot paths (and the harness's) while the
 * first thousands of operations run: on the project's 2-core machine, PoWerStore with 4 clients
 * and 1 KiB values did 1,776 operations per second measured after 200 operations of warm-up and
 * 4,171 after 10,000 (README, "Real engine figures"). Figures measured without warm-up are then
 * mostly the compiler's, which a user comparing protocols should know before reading them.
 */

/** Warm-up below both of these draws the advice: a few thousand operations, or a few seconds. */
export const COLD_START_MIN_WARMUP_OPS = 5_000;
export const COLD_START_MIN_WARMUP_MS = 3_000;

/** One line of advice, or undefined when the workload warms up enough. */
export function coldStartAdvice(workload: { readonly warmupOps: number; readonly warmupMs: number }): string | undefined {
  if (workload.warmupOps >= COLD_START_MIN_WARMUP_OPS || workload.warmupMs >= COLD_START_MIN_WARMUP_MS) return undefined;
  return (
    `note: engine real, workload.warmupOps ${workload.warmupOps} and warmupMs ${workload.warmupMs}: fresh server processes run ` +
    `code V8 has not compiled yet for their first thousands of operations, so latency and throughput come out pessimistic; ` +
    `for figures, set workload.warmupOps to ${COLD_START_MIN_WARMUP_OPS} or more (or warmupMs to ${COLD_START_MIN_WARMUP_MS})`
  );
}
