/**
 * @module Byzantine readers of PoWerStore / M-PoWerStore (docs/protocols.md#hostile-clients): forged
 * candidates, oversized candidate sets, STORE/COMPLETE from a non-writer. They hold no keys of
 * correct clients. "Detail N" is item N of docs/protocols.md#implementation-details.
 */
import type { ClusterInfo, HostileClient, HostileClientFactory, NodeEnv, NodeId, Send } from '../../types.ts';
import { broadcast } from '../../types.ts';
import type { TimestampOps } from '../timestamp.ts';
import { DIGEST_BYTES, type Candidate, type PowerStoreMessage } from './messages.ts';

type Msg<T> = PowerStoreMessage<T>;

export function createHostileClients<T>(ts: TimestampOps<T>, multiWriter: boolean): Record<string, HostileClientFactory<Msg<T>>> {
  function salt(env: NodeEnv): number {
    const bytes = env.random.bytes(2);
    return (bytes[0]! << 8) | bytes[1]!;
  }

  /** Candidates built from what the servers report: genuine timestamps with wrong nonces, huge ones. */
  function forgedList(cluster: ClusterInfo, env: NodeEnv, seen: readonly Candidate<T>[], count: number): Candidate<T>[] {
    const writer = cluster.writers[0] ?? 'w1';
    const out: Candidate<T>[] = [];
    for (const genuine of seen) {
      // The genuine timestamp with a random nonce: must be refuted, never raised.
      if (out.length < count) out.push({ ts: genuine.ts, nonce: env.random.bytes(DIGEST_BYTES) });
      // A guess of the next write's timestamp: its STORE may be stored already but N is unrevealed,
      // so servers must refute (or not know) it rather than raise lc to it.
      for (const writer of cluster.writers) {
        if (out.length < count) out.push({ ts: ts.successor(genuine.ts, writer), nonce: env.random.bytes(DIGEST_BYTES) });
      }
    }
    while (out.length < count) out.push({ ts: ts.huge(salt(env), writer), nonce: env.random.bytes(DIGEST_BYTES) });
    return out;
  }

  /** Collects (to learn genuine candidates) and sends FILTERs of at most `size(n)` forged candidates. */
  function filterClient(size: (n: number) => number, includeGenuine: boolean): HostileClientFactory<Msg<T>> {
    return (_id: NodeId, cluster: ClusterInfo, env: NodeEnv): HostileClient<Msg<T>> => {
      let rid = 0;
      const seen = new Map<string, Candidate<T>>();
      return {
        tick(): Send<Msg<T>>[] {
          rid++;
          const forged = forgedList(cluster, env, [...seen.values()], size(cluster.n));
          // Genuine candidates mixed in: an oversized FILTER must not raise even these (detail 3).
          if (includeGenuine) for (const genuine of seen.values()) if (forged.length < size(cluster.n) + seen.size) forged.push(genuine);
          return [...broadcast<Msg<T>>(cluster.servers, { type: 'COLLECT', rid }), ...broadcast<Msg<T>>(cluster.servers, { type: 'FILTER', rid, candidates: forged })];
        },
        handle(_from, msg): Send<Msg<T>>[] {
          if (msg.type === 'COLLECT_ACK' && seen.size < cluster.n) seen.set(ts.key(msg.lc.ts), msg.lc);
          return [];
        },
      };
    };
  }

  /** A non-writer sending a self-consistent STORE + COMPLETE pair: if accepted, it would win. */
  const nonWriterStore: HostileClientFactory<Msg<T>> = (id, cluster, env) => {
    return {
      tick(): Send<Msg<T>>[] {
        const stamp = ts.huge(salt(env), id);
        const nonce = env.random.bytes(DIGEST_BYTES);
        const fragments = cluster.servers.map(() => env.random.bytes(16));
        const cc = fragments.map((fragment) => env.crypto.sha256(fragment));
        const commitment = env.crypto.sha256(nonce);
        const mac = cluster.servers.map(() => env.random.bytes(DIGEST_BYTES));
        const stores: Send<Msg<T>>[] = cluster.servers.map((to, i) => ({
          to,
          msg: multiWriter
            ? { type: 'STORE', ts: stamp, fragment: fragments[i]!, cc, commitment, mac }
            : { type: 'STORE', ts: stamp, fragment: fragments[i]!, cc, commitment },
        }));
        return [...stores, ...broadcast<Msg<T>>(cluster.servers, { type: 'COMPLETE', ts: stamp, nonce })];
      },
      handle: () => [],
    };
  };

  return {
    'forged-candidates': filterClient((n) => n + 1, false),
    'oversized-candidates': filterClient((n) => n + 2, true),
    'non-writer-store': nonWriterStore,
  };
}
