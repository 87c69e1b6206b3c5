/**
 * @module `bft-signed`: the Byzantine baseline (docs/protocols.md#bft-signed), Phalanx-style
 * dissemination quorums (Malkhi & Reiter 1998) with Ed25519-signed versions. `n = 3t + 1`, quorums
 * of `2t + 1`, 2-round writes and reads, full replication.
 */
import { z } from 'zod';
import type { ClusterInfo, NodeId, ProtocolDefinition, RandomSource } from '../types.ts';
import type { CryptoProvider } from '../common/crypto/types.ts';
import { BftSignedClient } from './client.ts';
import { parseBftMessage, type BftMessage } from './messages.ts';
import { BftSignedServer } from './server.ts';
import { BFT_SIGNED_STRATEGIES } from './strategies.ts';
import { BFT_SIGNED_HOSTILE_CLIENTS } from './hostile.ts';

export const bftSignedOptionsSchema = z.strictObject({
  /**
   * Skip the read's write-back when all `2t + 1` valid GET replies carry the same timestamp: that
   * quorum already holds the version, so it is durable. Default off, the paper's setting.
   * @default false
   */
  fastRead: z.boolean().default(false),
});

export type BftSignedOptions = z.infer<typeof bftSignedOptionsSchema>;

export interface BftSignedSetup {
  /** Every writer's Ed25519 public key, known to all clients and servers. */
  readonly publicKeys: ReadonlyMap<NodeId, Uint8Array>;
  /** Each writer's secret key (the 32-byte seed); handed only to that writer's client. */
  readonly secretKeys: ReadonlyMap<NodeId, Uint8Array>;
}

/** One key pair per writer, in `cluster.writers` order, each from 32 bytes of the seeded source. */
export function bftSignedSetup(cluster: ClusterInfo, random: RandomSource, crypto: CryptoProvider): BftSignedSetup {
  const publicKeys = new Map<NodeId, Uint8Array>();
  const secretKeys = new Map<NodeId, Uint8Array>();
  for (const writer of cluster.writers) {
    const pair = crypto.ed25519KeyPair(random.bytes(32));
    publicKeys.set(writer, pair.publicKey);
    secretKeys.set(writer, pair.secretKey);
  }
  return { publicKeys, secretKeys };
}

export const bftSigned: ProtocolDefinition<BftMessage, BftSignedOptions, BftSignedSetup> = {
  name: 'bft-signed',
  description: 'Byzantine baseline: Phalanx-style replication with Ed25519-signed versions, n = 3t+1, 2-round writes and reads',
  serverCount: (t) => 3 * t + 1,
  tolerance: (t) => ({ crash: t, byzantine: t, byzantineReaders: true }),
  multiWriter: true,
  optionsSchema: bftSignedOptionsSchema,
  setup: (cluster, _options, random, crypto) => bftSignedSetup(cluster, random, crypto),
  createServer: (_index, _cluster, _options, setup, env, register = '') => new BftSignedServer(setup.publicKeys, env, register),
  createClient: (id, cluster, options, setup, env, register = '') =>
    new BftSignedClient(
      id,
      { cluster, fastRead: options.fastRead, publicKeys: setup.publicKeys, secretKey: setup.secretKeys.get(id), register },
      env,
    ),
  parseMessage: parseBftMessage,
  strategies: BFT_SIGNED_STRATEGIES,
  hostileClients: BFT_SIGNED_HOSTILE_CLIENTS,
};
