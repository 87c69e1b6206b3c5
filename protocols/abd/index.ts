/**
 * @module ABD: multi-writer atomic register, crash-tolerant, `n = 2t + 1` (docs/protocols.md#abd).
 */
import { z } from 'zod';
import type { ProtocolDefinition } from '../types.ts';
import { AbdClient } from './client.ts';
import { parseAbdMessage, type AbdMessage } from './messages.ts';
import { AbdServer } from './server.ts';
import { ABD_STRATEGIES } from './byzantine.ts';

export const abdOptionsSchema = z.strictObject({
  /** Skip the read's write-back when all `t + 1` query replies carry the same timestamp. @default false */
  fastRead: z.boolean().default(false),
});
export type AbdOptions = z.infer<typeof abdOptionsSchema>;

export const abd: ProtocolDefinition<AbdMessage, AbdOptions, null> = {
  name: 'abd',
  description: 'ABD multi-writer atomic register (Attiya, Bar-Noy, Dolev 1995; Lynch & Shvartsman 1997), crash-tolerant, n = 2t + 1',
  serverCount: (t) => 2 * t + 1,
  tolerance: (t) => ({ crash: t, byzantine: 0, byzantineReaders: false }),
  multiWriter: true,
  optionsSchema: abdOptionsSchema,
  setup: () => null,
  createServer: (_index, _cluster, _options, _setup, env) => new AbdServer(env),
  createClient: (id, cluster, options, _setup, env) => new AbdClient(id, cluster, options, env),
  parseMessage: parseAbdMessage,
  /** Byzantine strategies, to show that ABD does not tolerate them (runs need expectViolation: true). */
  strategies: ABD_STRATEGIES,
};

export default abd;
