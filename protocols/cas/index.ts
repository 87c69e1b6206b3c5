/**
 * @module CAS: coded atomic storage with garbage collection (docs/protocols.md#cas), multi-writer,
 * crash-tolerant, erasure-coded with `k = n − 2t`: writes 3 rounds, reads 2 with a metadata-only
 * write-back. M-PoWerStore's crash-tolerant twin: at the same `n` and `k` the difference between the
 * two is the price of Byzantine tolerance.
 */
import { z } from 'zod';
import type { ProtocolDefinition } from '../types.ts';
import { CAS_STRATEGIES } from './byzantine.ts';
import { CasClient } from './client.ts';
import { parseCasMessage, type CasMessage } from './messages.ts';
import { CasServer } from './server.ts';

export const casOptionsSchema = z.strictObject({
  /**
   * Each server keeps the elements of its `retain` highest `fin` tags (and of the `pre` tags above
   * them); older ones are garbage-collected. A read overlapping `retain` or more writes may retry.
   * @default 16
   */
  retain: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).min(1, { error: 'must be >= 1' }).default(16),
});
export type CasOptions = z.infer<typeof casOptionsSchema>;

export const cas: ProtocolDefinition<CasMessage, CasOptions, null> = {
  name: 'cas',
  description: 'CAS with garbage collection (Cadambe, Lynch, Médard, Musial, NCA 2014), crash-tolerant, erasure-coded with k = n − 2t, n = 3t + 1 (servers: down to 2t + 1)',
  // n = 3t + 1 gives k = t + 1: the same n, k and element size as (M-)PoWerStore.
  serverCount: (t) => 3 * t + 1,
  // n = 2t + 1 is the least that tolerates t crashes; there k = 1, i.e. replication.
  minServerCount: (t) => 2 * t + 1,
  tolerance: (t) => ({ crash: t, byzantine: 0, byzantineReaders: false }),
  multiWriter: true,
  optionsSchema: casOptionsSchema,
  setup: () => null,
  createServer: (index, cluster, options, _setup, env) => new CasServer({ index, cluster, retain: options.retain }, env),
  createClient: (id, cluster, _options, _setup, env) => new CasClient(id, cluster, env),
  parseMessage: parseCasMessage,
  /** Byzantine strategies, to show that CAS does not tolerate them (runs need expectViolation: true). */
  strategies: CAS_STRATEGIES,
};

export default cas;
