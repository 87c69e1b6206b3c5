/**
 * @module M-PoWerStore, multi-writer (docs/protocols.md#m-powerstore): PoWerStore's servers and reads with
 * timestamps `(num, writerId)` and a get-ts round authenticated by MAC vectors μ. Writes 3 rounds,
 * reads at most 2.
 */
import type { ClientMachine, ClusterInfo, ProtocolDefinition, RandomSource } from '../types.ts';
import type { CryptoProvider } from '../common/crypto/types.ts';
import { writerTimestamps, type WriterTimestamp } from '../common/timestamp.ts';
import { createHostileClients } from '../common/powerstore/hostile.ts';
import { createMessageParser, DIGEST_BYTES, type PowerStoreMessage } from '../common/powerstore/messages.ts';
import { powerStoreOptionsSchema, type PowerStoreOptions } from '../common/powerstore/options.ts';
import { PowerStoreRead } from '../common/powerstore/reader.ts';
import { PowerStoreServer } from '../common/powerstore/server.ts';
import { createStrategies } from '../common/powerstore/strategies.ts';
import { PowerStoreWrite } from '../common/powerstore/writer.ts';

export type MPowerStoreMsg = PowerStoreMessage<WriterTimestamp>;

/** Key material: `serverKeys[i]` is `k_i`, shared by server `s_i` and every writer. */
export interface MPowerStoreSetup {
  readonly serverKeys: readonly Uint8Array[];
}

/** The keys the faulty servers hold between them (collusion): `k_i` for each colluder `i`. */
function colluderKeys(setup: unknown, colluders: readonly number[]): ReadonlyMap<number, Uint8Array> {
  const keys = (setup as MPowerStoreSetup).serverKeys;
  return new Map(colluders.map((i) => [i, keys[i]!]));
}

export const mPowerstore: ProtocolDefinition<MPowerStoreMsg, PowerStoreOptions, MPowerStoreSetup> = {
  name: 'm-powerstore',
  description: 'M-PoWerStore (Dobre et al., CCS 2013, §5): multi-writer PoWerStore with MAC-authenticated timestamps, n = 3t + 1',
  serverCount: (t) => 3 * t + 1,
  tolerance: (t) => ({ crash: t, byzantine: t, byzantineReaders: true }),
  multiWriter: true,
  optionsSchema: powerStoreOptionsSchema,
  setup(cluster: ClusterInfo, _options: PowerStoreOptions, random: RandomSource, _crypto: CryptoProvider): MPowerStoreSetup {
    return { serverKeys: cluster.servers.map(() => random.bytes(DIGEST_BYTES)) };
  },
  createServer(index, cluster, options, setup, env) {
    // s_i receives k_i only: it cannot compute any other server's MAC entry.
    const macKey = setup.serverKeys[index]!;
    return new PowerStoreServer({ index, cluster, ts: writerTimestamps, retain: options.retain, retentionRule: options.retentionRule, macKey }, env);
  },
  createClient(id, cluster, _options, setup, env): ClientMachine<MPowerStoreMsg> {
    // Writers hold every k_i; readers hold none.
    const keys = cluster.writers.includes(id) ? setup.serverKeys : [];
    let lastRid = 0;
    let lastOp = 0;
    return {
      read: () => new PowerStoreRead(cluster, writerTimestamps, env, () => ++lastRid),
      write(value) {
        if (keys.length === 0) throw new Error(`m-powerstore: client ${id} is not a writer`);
        return new PowerStoreWrite(value, cluster, writerTimestamps, env, {
          kind: 'query',
          writer: id,
          keys,
          makeTs: (num) => ({ num, writer: id }),
          nextOp: () => ++lastOp,
        });
      },
    };
  },
  parseMessage: createMessageParser(writerTimestamps, true),
  strategies: createStrategies(writerTimestamps, { colluderKeys, getTs: true }),
  hostileClients: createHostileClients(writerTimestamps, true),
};

export default mPowerstore;
