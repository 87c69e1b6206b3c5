/**
 * @module Byzantine strategies that work for every protocol (protocols.md §7). A fault's `strategy`
 * is looked up here first, then in the protocol's own `strategies`.
 */
import type { ProtocolMessage, ServerMachine, ServerStrategy } from '../../protocols/types.ts';

/** Never replies to anything (and so stores nothing). */
const silent: ServerStrategy = () => ({
  handle: () => [],
  storedBytes: () => 0,
});

/**
 * "Revert memory" (Appendix A; protocols.md §7 `stale`): every message is answered by a machine in
 * the initial state, as if the server had forgotten everything it ever stored.
 */
const stale: ServerStrategy = (_honest, ctx) => {
  return {
    handle: (from, msg) => ctx.fresh().handle(from, msg),
    storedBytes: () => 0,
  } satisfies ServerMachine<ProtocolMessage>;
};

export const GENERIC_STRATEGIES: Readonly<Record<string, ServerStrategy>> = { silent, stale };
