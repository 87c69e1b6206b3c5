/**
 * @module The `trace` section of a config: `trace: true`, or bounds on what is recorded
 * (`trace: { fromMs, toMs, nodes, maxEvents }`), checked against the cluster.
 */
import { z } from 'zod';
import type { ClusterInfo, NodeId } from '../../protocols/types.ts';
import { ConfigError } from '../config/errors.ts';
import { nonNegative, positiveInt } from '../config/numbers.ts';
import { expandRefs, knownNodes } from '../faults/schedule.ts';
import type { TraceBounds } from './events.ts';

/** Default `maxEvents`: about 15 MB of trace (a line is about 150 bytes). */
export const DEFAULT_MAX_TRACE_EVENTS = 100_000;

export const traceConfigSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** Record events from this time on (virtual or wall ms). @default 0 */
    fromMs: nonNegative().optional(),
    /** Record events up to this time (ms). @default the end of the run */
    toMs: nonNegative().optional(),
    /** Record only events that involve these nodes or blocks (sender, receiver or the operation's client). @default all */
    nodes: z.array(z.string().min(1)).min(1, { error: 'must name at least one node' }).optional(),
    /** Record at most this many events; a run with more says how many it left out. @default 100000 */
    maxEvents: positiveInt().optional(),
  }),
]);

export type TraceConfig = z.infer<typeof traceConfigSchema>;

/** The bounds of a config's `trace` (null when tracing is off); bad nodes or windows are ConfigErrors. */
export function resolveTraceBounds(
  trace: TraceConfig | undefined,
  cluster: ClusterInfo,
  hostile: readonly NodeId[],
  blocks: Readonly<Record<string, readonly string[]>> = {},
): TraceBounds | null {
  if (trace === undefined || trace === false) return null;
  if (trace === true) return { fromMs: 0, toMs: null, nodes: null, maxEvents: DEFAULT_MAX_TRACE_EVENTS };
  const fromMs = trace.fromMs ?? 0;
  if (trace.toMs !== undefined && trace.toMs < fromMs) throw new ConfigError(`trace.toMs: must be >= fromMs (${fromMs}), got ${trace.toMs}`);
  const nodes = trace.nodes === undefined ? null : expandRefs(trace.nodes, blocks, knownNodes(cluster, hostile), 'trace.nodes');
  return { fromMs, toMs: trace.toMs ?? null, nodes, maxEvents: trace.maxEvents ?? DEFAULT_MAX_TRACE_EVENTS };
}
