/**
 * @module Running one resolved run on the real engine in a test, keeping the engine (its server PIDs
 * and the servers' own stats) for assertions after the run.
 */
import { parseConfig, resolveExperiment, type ResolvedRun } from '../../harness/config/index.ts';
import { createRealEngine, type RealEngine } from '../../harness/real/engine.ts';
import type { EngineContext } from '../../harness/transport/engine.ts';
import { runOnce } from '../../harness/runner/run-once.ts';

/** The first run of a raw config. */
export function resolveRun(config: Record<string, unknown>): ResolvedRun {
  return resolveExperiment(parseConfig(config)).runs[0]!;
}

/** Runs `run` on the real engine and keeps the engine. */
export async function runReal(run: ResolvedRun): Promise<{ output: Awaited<ReturnType<typeof runOnce>>; engine: RealEngine }> {
  let engine: RealEngine | undefined;
  const output = await runOnce(run, run.seed, {
    engine: async (context: EngineContext) => {
      engine = await createRealEngine(context);
      return engine;
    },
  });
  return { output, engine: engine! };
}
