/**
 * @module Options shared by PoWerStore and M-PoWerStore.
 */
import { z } from 'zod';

export const powerStoreOptionsSchema = z.strictObject({
  /**
   * Fragment bytes are kept for the newest `retain` stored versions per server (by timestamp,
   * counting every writer's versions; metadata is kept forever). @default 16
   */
  retain: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).min(1, { error: 'must be >= 1' }).default(16),
  /**
   * `lc-guarded`: a fragment at or above the server's `lc` is never pruned (our fix; live for any
   * number of writers). `spec`: the rule as first specified, which blocks reads when `retain` ≤ the
   * number of writers; kept only to reproduce that failure
   * (docs/protocols.md#powerstore-retention-lc-guarded). @default 'lc-guarded'
   */
  retentionRule: z.enum(['lc-guarded', 'spec']).default('lc-guarded'),
});
export type PowerStoreOptions = z.infer<typeof powerStoreOptionsSchema>;
