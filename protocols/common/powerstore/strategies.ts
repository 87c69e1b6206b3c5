/**
 * @module Byzantine server strategies for PoWerStore and M-PoWerStore (protocols.md §7), generic
 * over the timestamp type. Each wraps the honest machine: it keeps the honest state (so that it can
 * tell the most convincing lies) and rewrites what the honest machine would send.
 *
 * Collusion: the faulty servers of one run share what they know. In M-PoWerStore each faulty server
 * knows its own key `k_i`; colluding servers pool these keys (at most `t` of them), which is the
 * strongest MAC forgery the model allows. The pool is keyed by the run's `ClusterInfo` object.
 */
import type { ClusterInfo, NodeId, Send, ServerMachine, ServerStrategy, StrategyContext } from '../../types.ts';
import type { TimestampOps } from '../timestamp.ts';
import { DIGEST_BYTES, type Candidate, type FilterStatus, type PowerStoreMessage } from './messages.ts';

type Msg<T> = PowerStoreMessage<T>;
type Rewrite<T> = (send: Send<Msg<T>>, ctx: StrategyContext<Msg<T>>) => Send<Msg<T>>[];

/** MAC keys `(index, k_i)` that colluding faulty servers of one run have pooled. */
const collusionPools = new WeakMap<ClusterInfo, Map<number, Uint8Array>>();

export function joinCollusion(cluster: ClusterInfo, index: number, key: Uint8Array | undefined): Map<number, Uint8Array> {
  let pool = collusionPools.get(cluster);
  if (pool === undefined) {
    pool = new Map();
    collusionPools.set(cluster, pool);
  }
  if (key !== undefined) pool.set(index, key);
  return pool;
}

/** What a strategy may learn from the honest machine it wraps (its own key, if any). */
export interface StrategyHooks {
  readonly macKeyOf: (honest: ServerMachine<never>) => Uint8Array | undefined;
}

function wrap<T>(rewrite: Rewrite<T>): ServerStrategy<Msg<T>> {
  return (honest, ctx) => ({
    handle(from: NodeId, msg: Msg<T>): Send<Msg<T>>[] {
      return honest.handle(from, msg).flatMap((send) => rewrite(send, ctx));
    },
    storedBytes: () => honest.storedBytes(),
  });
}

function flip(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return new Uint8Array([0xff]);
  for (let i = 0; i < out.length; i += Math.max(1, Math.floor(out.length / 8))) out[i] = out[i]! ^ 0x5a;
  return out;
}

function salt(ctx: { readonly env: { readonly random: { bytes(length: number): Uint8Array } } }): number {
  const bytes = ctx.env.random.bytes(2);
  return (bytes[0]! << 8) | bytes[1]!;
}

/** Builds the strategies of one variant. */
export function createStrategies<T>(ts: TimestampOps<T>, hooks: StrategyHooks): Record<string, ServerStrategy<Msg<T>>> {
  const forgedWriter = (ctx: StrategyContext<Msg<T>>) => ctx.cluster.writers[0] ?? 'w1';

  function forgedCandidate(ctx: StrategyContext<Msg<T>>): Candidate<T> {
    return { ts: ts.huge(salt(ctx), forgedWriter(ctx)), nonce: ctx.env.random.bytes(DIGEST_BYTES) };
  }

  /** A self-consistent but made-up CONFIRM: a random fragment whose hash sits at our index in a made-up cc. */
  function forgedConfirm(ctx: StrategyContext<Msg<T>>, like: FilterStatus<T> | undefined): FilterStatus<T> {
    const size = like !== undefined && like.kind === 'CONFIRM' && like.fragment !== null ? like.fragment.length : 16;
    const fragment = ctx.env.random.bytes(size);
    const cc: Uint8Array[] = [];
    for (let i = 0; i < ctx.cluster.n; i++) cc.push(i === ctx.index ? ctx.env.crypto.sha256(fragment) : ctx.env.random.bytes(DIGEST_BYTES));
    return { kind: 'CONFIRM', cc, fragment, lc: null };
  }

  /** MAC vector for `stamp`: valid entries for the pooled keys, random bytes for the others. */
  function forgedMac(ctx: StrategyContext<Msg<T>>, stamp: T): Uint8Array[] {
    const pool = collusionPools.get(ctx.cluster) ?? new Map<number, Uint8Array>();
    const out: Uint8Array[] = [];
    for (let i = 0; i < ctx.cluster.n; i++) {
      const key = pool.get(i);
      out.push(key === undefined ? ctx.env.random.bytes(DIGEST_BYTES) : ctx.env.crypto.hmacSha256(key, ts.bytes(stamp)));
    }
    return out;
  }

  /** Replies a forging server gives to reads and timestamp queries. */
  function forgeReply(send: Send<Msg<T>>, ctx: StrategyContext<Msg<T>>): Send<Msg<T>>[] {
    const msg = send.msg;
    switch (msg.type) {
      case 'COLLECT_ACK':
        return [{ to: send.to, msg: { ...msg, lc: forgedCandidate(ctx) } }];
      case 'FILTER_ACK':
        return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map((status) => forgedConfirm(ctx, status)) } }];
      case 'FILTER_UPDATE':
        return [{ to: send.to, msg: { ...msg, status: forgedConfirm(ctx, msg.status) } }];
      case 'GET_TS_ACK': {
        const stamp = ts.huge(salt(ctx), forgedWriter(ctx));
        return [{ to: send.to, msg: { ...msg, ts: stamp, mac: forgedMac(ctx, stamp) } }];
      }
      default:
        return [send];
    }
  }

  function corruptStatus(status: FilterStatus<T>): FilterStatus<T> {
    if (status.kind !== 'CONFIRM') return status;
    return { kind: 'CONFIRM', cc: status.cc.map(flip), fragment: status.fragment === null ? null : flip(status.fragment), lc: status.lc };
  }

  const joinWithKey: (strategy: ServerStrategy<Msg<T>>) => ServerStrategy<Msg<T>> = (strategy) => (honest, ctx) => {
    joinCollusion(ctx.cluster, ctx.index, hooks.macKeyOf(honest as ServerMachine<never>));
    return strategy(honest, ctx);
  };

  const strategies: Record<string, ServerStrategy<Msg<T>>> = {
    /** Huge timestamps with random nonces, self-consistent made-up fragments, forged μ. */
    forge: wrap(forgeReply),
    /** Flipped fragment bytes and wrong cross-checksums; flipped nonces in lc; flipped μ. */
    corrupt: wrap((send) => {
      const msg = send.msg;
      switch (msg.type) {
        case 'FILTER_ACK':
          return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map(corruptStatus) } }];
        case 'FILTER_UPDATE':
          return [{ to: send.to, msg: { ...msg, status: corruptStatus(msg.status) } }];
        case 'COLLECT_ACK':
          return [{ to: send.to, msg: { ...msg, lc: { ts: msg.lc.ts, nonce: flip(msg.lc.nonce) } } }];
        case 'GET_TS_ACK':
          return [{ to: send.to, msg: { ...msg, mac: msg.mac.map(flip) } }];
        default:
          return [send];
      }
    }),
    /**
     * Two-faced: honest to some clients, forging to others (split by client id), and, to the
     * forged-to side, refuting everything in FILTER so that different readers see different worlds.
     */
    equivocate: wrap((send, ctx) => {
      let h = 0;
      for (let i = 0; i < send.to.length; i++) h = (h * 31 + send.to.charCodeAt(i)) | 0;
      if ((h & 1) === 0) return [send];
      const msg = send.msg;
      if (msg.type === 'FILTER_ACK') return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map(() => ({ kind: 'REFUTE' as const })) } }];
      if (msg.type === 'FILTER_UPDATE') return [{ to: send.to, msg: { ...msg, status: { kind: 'REFUTE' } } }];
      return forgeReply(send, ctx);
    }),
    /** REFUTE for every candidate, including genuine ones. */
    'refute-all': wrap((send) => {
      const msg = send.msg;
      if (msg.type === 'FILTER_ACK') return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map(() => ({ kind: 'REFUTE' as const })) } }];
      if (msg.type === 'FILTER_UPDATE') return [{ to: send.to, msg: { ...msg, status: { kind: 'REFUTE' } } }];
      return [send];
    }),
    /** CONFIRM for every candidate: the honest status where it confirms, a made-up one elsewhere. */
    'confirm-all': wrap((send, ctx) => {
      const msg = send.msg;
      if (msg.type === 'FILTER_ACK') {
        return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map((s) => (s.kind === 'CONFIRM' ? s : forgedConfirm(ctx, undefined))) } }];
      }
      return [send];
    }),
    /** Huge timestamps in GET_TS (with μ valid only for the colluders' keys) and in collect replies. */
    'inflate-ts': wrap((send, ctx) => {
      const msg = send.msg;
      if (msg.type === 'GET_TS_ACK') {
        const stamp = ts.huge(salt(ctx), forgedWriter(ctx));
        return [{ to: send.to, msg: { ...msg, ts: stamp, mac: forgedMac(ctx, stamp) } }];
      }
      if (msg.type === 'COLLECT_ACK') return [{ to: send.to, msg: { ...msg, lc: forgedCandidate(ctx) } }];
      return [send];
    }),
    /**
     * Pretends to have pruned: CONFIRMs without fragment carrying a forged, huge `lc`, to lure readers
     * into retention retries (which must not happen without a real shortfall, nor loop).
     */
    'prune-liar': wrap((send, ctx) => {
      const msg = send.msg;
      const lie = (s: FilterStatus<T>): FilterStatus<T> => (s.kind === 'CONFIRM' ? { kind: 'CONFIRM', cc: s.cc, fragment: null, lc: forgedCandidate(ctx) } : s);
      if (msg.type === 'FILTER_ACK') return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map(lie) } }];
      if (msg.type === 'FILTER_UPDATE') return [{ to: send.to, msg: { ...msg, status: lie(msg.status) } }];
      return [send];
    }),
    /** Honest except that it never sends FILTER_UPDATE (readers must not depend on a given server's). */
    'withhold-updates': wrap((send) => (send.msg.type === 'FILTER_UPDATE' ? [] : [send])),
    /**
     * Acknowledges writes without keeping them: a "lying acceptor" that makes a write's n - t
     * STORE_ACKs include a server that holds nothing (answers reads from the initial state).
     */
    'ack-and-forget': (_honest, ctx) => {
      return {
        handle(from, msg) {
          return ctx.fresh().handle(from, msg);
        },
        storedBytes: () => 0,
      };
    },
  };
  // Strategies that forge MACs pool their key with the other colluders first.
  for (const name of ['forge', 'inflate-ts', 'equivocate']) strategies[name] = joinWithKey(strategies[name]!);
  return strategies;
}
