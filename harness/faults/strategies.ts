/**
 * @module Byzantine strategies that work for every protocol (docs/protocols.md). A fault's `strategy`
 * is looked up here first, then in the protocol's own `strategies`.
 */
import type { AnyProtocolDefinition, NodeId, ProtocolMessage, ServerMachine, ServerStrategy, StrategyContext } from '../../protocols/types.ts';

/** Never replies to anything (and so stores nothing). */
const silent: ServerStrategy = () => ({
  handle: () => [],
  storedBytes: () => 0,
});

/**
 * "Revert memory" (Appendix A; `stale` in docs/protocols.md): every message is answered by a
 * machine in the initial state, as if the server had forgotten everything it ever stored.
 */
const stale: ServerStrategy = (_honest, ctx) => {
  return {
    handle: (from, msg) => ctx.fresh().handle(from, msg),
    storedBytes: () => 0,
  } satisfies ServerMachine<ProtocolMessage>;
};

/**
 * The clients a two-faced server lies to: `options.lieTo` (a list of node ids) if given, else the
 * readers at odd positions of the cluster's reader list (r2, r4, ...). Writers are told the truth,
 * so that writes complete as usual and only what readers see differs.
 */
function liedTo(ctx: StrategyContext): ReadonlySet<NodeId> {
  const listed = ctx.options?.['lieTo'];
  if (Array.isArray(listed)) return new Set(listed.filter((id): id is string => typeof id === 'string'));
  return new Set(ctx.cluster.readers.filter((_, i) => i % 2 === 1));
}

/**
 * Equivocation per reader: honest (with its full state) to some clients, answering the others from
 * its initial state, so that two readers see two different servers. Against a read that returns
 * with too few confirmations (or a write-back that reaches too few servers), the reader told the
 * truth returns the new value and the other one the old value afterwards (the split schedule of
 * detail 6 in docs/protocols.md#implementation-details).
 */
const twoFaced: ServerStrategy = (honest, ctx) => {
  const victims = liedTo(ctx);
  return {
    handle: (from, msg) => (victims.has(from) ? ctx.fresh().handle(from, msg) : honest.handle(from, msg)),
    storedBytes: () => honest.storedBytes(),
  };
};

/** A client's operation number, if the message carries one (`op` in ABD and bft-signed, `rid` in PoWerStore). */
function operationOf(msg: ProtocolMessage): number | undefined {
  const fields = msg as { readonly op?: unknown; readonly rid?: unknown };
  const value = fields.op ?? fields.rid;
  return typeof value === 'number' ? value : undefined;
}

/**
 * Equivocation per operation: honest to a client's odd-numbered operations, answering its
 * even-numbered ones from the initial state, so that one reader sees the new value, then the old
 * one. Messages that carry no operation number (PoWerStore's STORE and COMPLETE) are handled honestly.
 */
const flipFlop: ServerStrategy = (honest, ctx) => ({
  handle(from, msg) {
    const op = operationOf(msg);
    return op !== undefined && op % 2 === 0 ? ctx.fresh().handle(from, msg) : honest.handle(from, msg);
  },
  storedBytes: () => honest.storedBytes(),
});

export const GENERIC_STRATEGIES: Readonly<Record<string, ServerStrategy>> = { silent, stale, 'two-faced': twoFaced, 'flip-flop': flipFlop };

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
