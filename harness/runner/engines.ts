/** @module The engines a config's `engine:` can name, one line each. */
import { createSimEngine } from '../sim/engine.ts';
import { createRealEngine } from '../real/engine.ts';
import type { EngineFactory } from '../transport/engine.ts';

export const ENGINES: Partial<Record<'sim' | 'real', EngineFactory>> = {
  sim: createSimEngine,
  real: createRealEngine,
};
