/**
 * @module UNSAFE BY DESIGN. The fast-write strawman of Appendix A
 * (docs/protocols.md#fastwrite-strawman): a "selfish" Byzantine storage with 1-round writes of
 * erasure-coded fragments plus metadata, reads that write back only metadata, and `n = 4t` servers.
 * Appendix A (Theorem A.1) proves that every such protocol violates atomicity; this one exists so
 * that the harness can show it (docs/appendix-a.md, configs/paper/appendix-a.yaml). It is never
 * part of the paper experiments, the atomicity suite or the benchmarks: it is marked `unsafe` and
 * registered non-enumerably (protocols/registry.ts).
 *
 * Option `readRule`: a read returns the newest version held by at least `t` servers (`'t'`) or by at
 * least `t + 1` (`'t+1'`, the default) among the `n - t` that answered. Appendix A's run4 breaks
 * `'t+1'`, its run6 breaks `'t'`.
 */
import { z } from 'zod';
import type { ProtocolDefinition } from '../types.ts';
import { FastWriteClient } from './client.ts';
import { parseFastWriteMessage, type FastWriteMessage } from './messages.ts';
import { FastWriteServer } from './server.ts';

export const fastWriteOptionsSchema = z.strictObject({
  /**
   * Servers that must hold a version for a read to return it: `'t'` or `'t+1'` (of the `n - t`
   * round-1 replies). Both are unsafe (Appendix A). @default 't+1'
   */
  readRule: z.enum(['t', 't+1'], { error: "must be 't' or 't+1'" }).default('t+1'),
});
export type FastWriteOptions = z.infer<typeof fastWriteOptionsSchema>;

export const fastwriteStrawman: ProtocolDefinition<FastWriteMessage, FastWriteOptions, null> = {
  name: 'fastwrite-strawman',
  description: 'UNSAFE strawman for Appendix A (Theorem A.1): 1-round writes of fragments, metadata-only read write-backs, n = 4t; violates atomicity by design',
  unsafe: true,
  // n = 4t: the largest server count for which Theorem A.1 rules a fast write out (at least 1 server).
  serverCount: (t) => Math.max(1, 4 * t),
  // What it would claim as a robust storage; Appendix A shows the claim cannot hold.
  tolerance: (t) => ({ crash: t, byzantine: t, byzantineReaders: false }),
  multiWriter: false,
  optionsSchema: fastWriteOptionsSchema,
  setup: () => null,
  createServer: (_index, cluster, _options, _setup, env) => new FastWriteServer(cluster, env),
  createClient: (_id, cluster, options, _setup, env) => new FastWriteClient(cluster, options.readRule, env),
  parseMessage: parseFastWriteMessage,
  strategies: {},
};

export default fastwriteStrawman;
