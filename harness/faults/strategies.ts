/**
 * @module Byzantine strategies that work for every protocol (protocols.md §7). A fault's `strategy`
 * is looked up here first, then in the protocol's own `strategies`.
 */
import type { AnyProtocolDefinition, ProtocolMessage, ServerMachine, ServerStrategy } from '../../protocols/types.ts';

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

/** The names a fault's `strategy` may take for `protocol`: the generic ones, then the protocol's own. */
export function strategyNames(protocol: AnyProtocolDefinition): string[] {
  return [...new Set([...Object.keys(GENERIC_STRATEGIES), ...Object.keys(protocol.strategies)])];
}

/**
 * The strategy `name` for `protocol` (generic first, then the protocol's own), or undefined. The one
 * lookup that config validation, the schedule, the swarm draw and the server hosts all use.
 */
export function lookupStrategy(protocol: AnyProtocolDefinition, name: string): ServerStrategy | undefined {
  if (Object.hasOwn(GENERIC_STRATEGIES, name)) return GENERIC_STRATEGIES[name];
  if (Object.hasOwn(protocol.strategies, name)) return protocol.strategies[name] as ServerStrategy;
  return undefined;
}
