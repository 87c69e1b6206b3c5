/**
 * @module The engines a config's `engine:` can name. The real engine (harness/real/) registers here
 * with one line when it exists.
 */
import { createSimEngine } from '../sim/engine.ts';
import { createRealEngine } from '../real/engine.ts';
import type { EngineFactory } from './engine.ts';

export const ENGINES: Partial<Record<'sim' | 'real', EngineFactory>> = {
  sim: createSimEngine,
  real: createRealEngine,
};
