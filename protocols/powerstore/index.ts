/**
 * @module PoWerStore, single writer (docs/protocols.md#powerstore): proofs of writing, erasure coding with
 * `k = t + 1` of `n = 3t + 1`, metadata-only write-backs. Writes 2 rounds, reads at most 2.
 */
import type { ClientMachine, ProtocolDefinition } from '../types.ts';
import { integerTimestamps } from '../common/timestamp.ts';
import { createHostileClients } from '../common/powerstore/hostile.ts';
import { createMessageParser, type PowerStoreMessage } from '../common/powerstore/messages.ts';
import { powerStoreOptionsSchema, type PowerStoreOptions } from '../common/powerstore/options.ts';
import { PowerStoreRead } from '../common/powerstore/reader.ts';
import { PowerStoreServer } from '../common/powerstore/server.ts';
import { createStrategies } from '../common/powerstore/strategies.ts';
import { PowerStoreWrite } from '../common/powerstore/writer.ts';

export type PowerStoreMsg = PowerStoreMessage<number>;

export const powerstore: ProtocolDefinition<PowerStoreMsg, PowerStoreOptions, null> = {
  name: 'powerstore',
  description: 'PoWerStore (Dobre et al., CCS 2013, §4): single-writer Byzantine-tolerant atomic register with proofs of writing, n = 3t + 1',
  serverCount: (t) => 3 * t + 1,
  tolerance: (t) => ({ crash: t, byzantine: t, byzantineReaders: true }),
  multiWriter: false,
  optionsSchema: powerStoreOptionsSchema,
  setup: () => null,
  createServer: (index, cluster, options, _setup, env) => new PowerStoreServer({ index, cluster, ts: integerTimestamps, retain: options.retain, retentionRule: options.retentionRule }, env),
  createClient(_id, cluster, _options, _setup, env): ClientMachine<PowerStoreMsg> {
    // The single writer's timestamp counter and a reader's rid counter live with the client.
    let lastTs = 0;
    let lastRid = 0;
    return {
      read: () => new PowerStoreRead(cluster, integerTimestamps, env, () => ++lastRid),
      write: (value) => new PowerStoreWrite(value, cluster, integerTimestamps, env, { kind: 'local', next: () => ++lastTs }),
    };
  },
  parseMessage: createMessageParser(integerTimestamps, false),
  strategies: createStrategies(integerTimestamps, { colluderKeys: () => new Map(), getTs: false }),
  hostileClients: createHostileClients(integerTimestamps, false),
};

export default powerstore;
