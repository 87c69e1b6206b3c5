/**
 * @module Byzantine server strategies for PoWerStore and M-PoWerStore (docs/protocols.md), generic
 * over the timestamp type ("detail N": item N of docs/protocols.md#implementation-details). Each
 * wraps the honest machine: it keeps the honest state (so that it can tell the most convincing
 * lies) and rewrites what the honest machine would send.
 *
 * Two families. Blunt liars (`forge`, `corrupt`, `refute-all`, `confirm-all`, `inflate-ts`, ...)
 * lie about everything and are caught by any threshold. Selective liars (`refute-newest`,
 * `confirm-stale`, `fake-fragment`, `ack-and-forget`) answer honestly except for the one statement
 * that a threshold exists to outvote, so that a threshold one too small is what lets them win
 * (test/adversary-thresholds.test.ts shows it for each one).
 *
 * Collusion: the faulty servers of a run pool what they know. In M-PoWerStore that is their MAC
 * keys: a strategy takes `setup.serverKeys[i]` for every colluder `i` in `ctx.colluders` (the run's
 * faulty set, known when the run starts), never a correct server's key. Every engine hands each
 * faulty server the same setup and colluder list, so pooling works across server processes too.
 */
import type { NodeId, Send, ServerMachine, ServerStrategy, StrategyContext } from '../../types.ts';
import type { TimestampOps } from '../timestamp.ts';
import { DIGEST_BYTES, N0, type Candidate, type FilterStatus, type PowerStoreMessage } from './messages.ts';

type Msg<T> = PowerStoreMessage<T>;
type Ctx<T> = StrategyContext<Msg<T>>;
type Rewrite<T> = (send: Send<Msg<T>>, ctx: Ctx<T>) => Send<Msg<T>>[];
type FilterMsg<T> = Extract<Msg<T>, { type: 'FILTER' }>;

/** What a variant tells the strategies about its shared setup. */
export interface StrategyHooks {
  /** The MAC keys `k_i` of the colluders (index → key); empty for single-writer PoWerStore. */
  readonly colluderKeys: (setup: unknown, colluders: readonly number[]) => ReadonlyMap<number, Uint8Array>;
  /** Whether the variant has the get-ts round (M-PoWerStore): servers answer GET_TS. */
  readonly getTs: boolean;
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

const REFUTE = { kind: 'REFUTE' } as const;
const UNKNOWN = { kind: 'UNKNOWN' } as const;

/** Builds the strategies of one variant. */
export function createStrategies<T>(ts: TimestampOps<T>, hooks: StrategyHooks): Record<string, ServerStrategy<Msg<T>>> {
  const forgedWriter = (ctx: Ctx<T>) => ctx.cluster.writers[0] ?? 'w1';

  function forgedCandidate(ctx: Ctx<T>): Candidate<T> {
    return { ts: ts.huge(salt(ctx), forgedWriter(ctx)), nonce: ctx.env.random.bytes(DIGEST_BYTES) };
  }

  /** A self-consistent but made-up CONFIRM: a random fragment whose hash sits at our index in a made-up cc. */
  function forgedConfirm(ctx: Ctx<T>, like: FilterStatus<T> | undefined): FilterStatus<T> {
    const size = like !== undefined && like.kind === 'CONFIRM' && like.fragment !== null ? like.fragment.length : 16;
    const fragment = ctx.env.random.bytes(size);
    const cc: Uint8Array[] = [];
    for (let i = 0; i < ctx.cluster.n; i++) cc.push(i === ctx.index ? ctx.env.crypto.sha256(fragment) : ctx.env.random.bytes(DIGEST_BYTES));
    return { kind: 'CONFIRM', cc, fragment, lc: null };
  }

  /** MAC vector for `stamp`: valid entries for every colluder's key, random bytes for the others. */
  function forgedMac(ctx: Ctx<T>, stamp: T): Uint8Array[] {
    const keys = hooks.colluderKeys(ctx.setup, ctx.colluders);
    const out: Uint8Array[] = [];
    for (let i = 0; i < ctx.cluster.n; i++) {
      const key = keys.get(i);
      out.push(key === undefined ? ctx.env.random.bytes(DIGEST_BYTES) : ctx.env.crypto.hmacSha256(key, ts.bytes(stamp)));
    }
    return out;
  }

  /** Replies a forging server gives to reads and timestamp queries. */
  function forgeReply(send: Send<Msg<T>>, ctx: Ctx<T>): Send<Msg<T>>[] {
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

  /** Index of the candidate with the highest timestamp in `C`, or -1 when `C` holds only `c0`. */
  function newestIndex(candidates: readonly Candidate<T>[]): number {
    let best = -1;
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i]!;
      if (ts.isTs0(candidate.ts)) continue;
      if (best < 0 || ts.compare(candidate.ts, candidates[best]!.ts) > 0) best = i;
    }
    return best;
  }

  /**
   * A selective liar in FILTER: the candidate `lieAt` gets status `lie`, and every other candidate
   * gets exactly the status an honest server would give if `lieAt` were not in `C` — including the
   * fragment on the highest one it verifies, which the honest reply had attached to the candidate
   * lied about. The honest machine first handles the real FILTER (so that it remembers the reader's
   * whole `C` for FILTER_UPDATE), then the list without `lieAt` under the same `rid`, which it answers
   * without replacing that memory (detail 2).
   */
  function filterWithLie(honest: ServerMachine<Msg<T>>, from: NodeId, msg: FilterMsg<T>, lieAt: number, lie: FilterStatus<T>): Send<Msg<T>>[] {
    const out = honest.handle(from, msg);
    // No reply (an oversized C, detail 3) means nothing to lie about.
    if (lieAt < 0 || !out.some((send) => send.msg.type === 'FILTER_ACK')) return out;
    const others = msg.candidates.filter((_, i) => i !== lieAt);
    const reply = honest.handle(from, { type: 'FILTER', rid: msg.rid, candidates: others }).find((s) => s.msg.type === 'FILTER_ACK');
    if (reply === undefined || reply.msg.type !== 'FILTER_ACK') return out;
    const statuses = reply.msg.statuses;
    const merged = msg.candidates.map((_, i) => (i === lieAt ? lie : statuses[i < lieAt ? i : i - 1]!));
    return out.map((send) => (send.msg.type === 'FILTER_ACK' && send.to === from ? { to: send.to, msg: { ...send.msg, statuses: merged } } : send));
  }

  /** The honest status of `candidate` alone: CONFIRM with its fragment (or pruned `lc`) when verified. */
  function statusAlone(honest: ServerMachine<Msg<T>>, reader: NodeId, rid: number, candidate: Candidate<T>): FilterStatus<T> | undefined {
    const reply = honest.handle(reader, { type: 'FILTER', rid, candidates: [candidate] }).find((s) => s.msg.type === 'FILTER_ACK');
    return reply !== undefined && reply.msg.type === 'FILTER_ACK' ? reply.msg.statuses[0] : undefined;
  }

  /**
   * `refute-newest` and `confirm-stale`: the newest candidate of each FILTER gets `lie`, the rest the
   * honest status with the fragment. FILTER_UPDATEs about the newest candidate get `lie` too (or are
   * withheld when `lie` is UNKNOWN, which an update cannot carry); an update about an older one
   * carries its fragment, as it would if the newest did not exist. Memory: the newest candidate's
   * key per reader, for that reader's latest rid only (like the server's own memory, one entry per reader).
   * With `lagging`, COLLECT_ACK and GET_TS_ACK report the `lc` (and its μ) the server had before
   * its current one: the honest machine is asked after every message (COLLECT and GET_TS change no
   * state), and the previous answer is kept.
   */
  function selectiveLiar(lie: FilterStatus<T>, lagging: boolean): ServerStrategy<Msg<T>> {
    return (honest, ctx) => {
      const newestOf = new Map<NodeId, { readonly rid: number; readonly key: string }>();
      const probe = (): { lc: Candidate<T>; ts: Msg<T> | undefined } => {
        const collect = honest.handle(ctx.env.id, { type: 'COLLECT', rid: 0 })[0]?.msg;
        const lc = collect !== undefined && collect.type === 'COLLECT_ACK' ? collect.lc : { ts: ts.ts0, nonce: N0 };
        return { lc, ts: hooks.getTs ? honest.handle(ctx.env.id, { type: 'GET_TS', op: 0 })[0]?.msg : undefined };
      };
      let now = lagging ? probe() : undefined;
      let before = now;
      return {
        handle(from: NodeId, msg: Msg<T>): Send<Msg<T>>[] {
          let out: Send<Msg<T>>[];
          if (msg.type === 'FILTER') {
            const at = newestIndex(msg.candidates);
            const seen = newestOf.get(from);
            if (at >= 0 && (seen === undefined || msg.rid >= seen.rid)) newestOf.set(from, { rid: msg.rid, key: ts.key(msg.candidates[at]!.ts) });
            out = filterWithLie(honest, from, msg, at, lie);
          } else {
            out = honest.handle(from, msg);
          }
          if (now !== undefined) {
            const latest = probe();
            if (ts.compare(latest.lc.ts, now.lc.ts) !== 0) [before, now] = [now, latest];
          }
          return out.flatMap((send): Send<Msg<T>>[] => {
            const reply = send.msg;
            if (reply.type === 'FILTER_UPDATE') {
              const newest = newestOf.get(send.to);
              if (newest !== undefined && newest.rid === reply.rid && newest.key === ts.key(reply.candidate.ts)) {
                return lie.kind === 'UNKNOWN' ? [] : [{ to: send.to, msg: { ...reply, status: lie } }];
              }
              const alone = reply.status.kind === 'CONFIRM' && reply.status.fragment === null ? statusAlone(honest, send.to, reply.rid, reply.candidate) : undefined;
              return [alone === undefined ? send : { to: send.to, msg: { ...reply, status: alone } }];
            }
            if (before !== undefined && reply.type === 'COLLECT_ACK') return [{ to: send.to, msg: { ...reply, lc: before.lc } }];
            if (before?.ts !== undefined && before.ts.type === 'GET_TS_ACK' && reply.type === 'GET_TS_ACK') {
              return [{ to: send.to, msg: { ...reply, ts: before.ts.ts, mac: before.ts.mac } }];
            }
            return [send];
          });
        },
        storedBytes: () => honest.storedBytes(),
      };
    };
  }

  const strategies: Record<string, ServerStrategy<Msg<T>>> = {
    /** Huge timestamps with random nonces, self-consistent made-up fragments, μ valid for the colluders' keys only. */
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
      if (msg.type === 'FILTER_ACK') return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map(() => REFUTE) } }];
      if (msg.type === 'FILTER_UPDATE') return [{ to: send.to, msg: { ...msg, status: REFUTE } }];
      return forgeReply(send, ctx);
    }),
    /** REFUTE for every candidate, including genuine ones. */
    'refute-all': wrap((send) => {
      const msg = send.msg;
      if (msg.type === 'FILTER_ACK') return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map(() => REFUTE) } }];
      if (msg.type === 'FILTER_UPDATE') return [{ to: send.to, msg: { ...msg, status: REFUTE } }];
      return [send];
    }),
    /**
     * CONFIRM for every candidate, in FILTER_ACK and FILTER_UPDATE: the honest status where it
     * confirms, a made-up one elsewhere (so a forged candidate gets this server's vote).
     */
    'confirm-all': wrap((send, ctx) => {
      const msg = send.msg;
      if (msg.type === 'FILTER_ACK') {
        return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map((s) => (s.kind === 'CONFIRM' ? s : forgedConfirm(ctx, undefined))) } }];
      }
      if (msg.type === 'FILTER_UPDATE' && msg.status.kind !== 'CONFIRM') return [{ to: send.to, msg: { ...msg, status: forgedConfirm(ctx, undefined) } }];
      return [send];
    }),
    /**
     * REFUTE for the newest candidate of every FILTER (and its FILTER_UPDATEs), honest answers with
     * the fragment for every other one: the adversary of the "invalid" threshold `2t + 1`. With the
     * writer's STORE held from one correct server, `t + 1` REFUTE/UNKNOWN statuses for a completed
     * write's candidate would let an older candidate win.
     */
    'refute-newest': selectiveLiar(REFUTE, false),
    /**
     * Plays a server that never received the newest version: UNKNOWN for the newest candidate of
     * every FILTER and no FILTER_UPDATE for it, honest answers with the fragment for the older ones,
     * and COLLECT_ACK / GET_TS_ACK one step behind (the `lc` and timestamp it had before its current
     * one, both genuine). Attacks the invalid threshold, the collect quorum and the get-ts quorum.
     */
    'confirm-stale': selectiveLiar(UNKNOWN, true),
    /**
     * Confirms genuine candidates honestly, but with a made-up fragment of the right length and a
     * cross-checksum whose own entry is that fragment's hash (every other entry genuine): the
     * adversary of the checksum-reporter threshold `t + 1` and of the per-fragment hash check.
     */
    'fake-fragment': wrap((send, ctx) => {
      const fake = (status: FilterStatus<T>): FilterStatus<T> => {
        if (status.kind !== 'CONFIRM' || status.fragment === null || status.cc.length !== ctx.cluster.n) return status;
        const fragment = ctx.env.random.bytes(status.fragment.length);
        const cc = status.cc.map((entry, i) => (i === ctx.index ? ctx.env.crypto.sha256(fragment) : entry));
        return { kind: 'CONFIRM', cc, fragment, lc: status.lc };
      };
      const msg = send.msg;
      if (msg.type === 'FILTER_ACK') return [{ to: send.to, msg: { ...msg, statuses: msg.statuses.map(fake) } }];
      if (msg.type === 'FILTER_UPDATE') return [{ to: send.to, msg: { ...msg, status: fake(msg.status) } }];
      return [send];
    }),
    /** Huge timestamps in GET_TS (with μ valid for the colluders' keys only) and in collect replies. */
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
     * A lying acceptor: acknowledges every writer's STORE and COMPLETE at once (COMPLETE too, which
     * the generic `stale` never does: it has no STORE to check the nonce against) and keeps nothing,
     * so it answers every read from the initial state (UNKNOWN for every candidate but `c0`, no
     * FILTER_UPDATE ever). Each write's `n - t` acks, of either round, then include `t` servers that
     * hold nothing: the adversary of the write quorums.
     */
    'ack-and-forget': (_honest, ctx) => ({
      handle(from, msg) {
        const fromWriter = ctx.cluster.writers.includes(from);
        if (fromWriter && msg.type === 'STORE') return [{ to: from, msg: { type: 'STORE_ACK', ts: msg.ts } }];
        if (fromWriter && msg.type === 'COMPLETE') return [{ to: from, msg: { type: 'COMPLETE_ACK', ts: msg.ts } }];
        return ctx.fresh().handle(from, msg);
      },
      storedBytes: () => 0,
    }),
  };
  return strategies;
}
