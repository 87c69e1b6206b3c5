/**
 * @module Byzantine clients against `bft-signed` (docs/protocols.md#hostile-clients). A hostile
 * client holds no writer's key, so it can only send PUTs that correct servers must refuse and
 * count.
 */
import { broadcast, type HostileClientFactory } from '../types.ts';
import { SIGNATURE_BYTES, signedBytes as signedBytesOf, type BftMessage } from './messages.ts';
import { FORGED_NUM } from './strategies.ts';

/** PUTs at a huge timestamp in a real writer's name, with a random value and signature. */
const forgedPut: HostileClientFactory<BftMessage> = (_id, cluster, env) => {
  let op = 0;
  return {
    tick: () =>
      broadcast(cluster.servers, {
        type: 'PUT',
        op: ++op,
        num: FORGED_NUM + op,
        writer: cluster.writers[op % Math.max(1, cluster.writers.length)] ?? 'w1',
        value: env.random.bytes(16),
        sig: env.random.bytes(SIGNATURE_BYTES),
      }),
    handle: () => [],
  };
};

/**
 * PUTs genuinely signed, but by the hostile client's own key in its own name: it is not a writer, so
 * servers must refuse them (a write from a non-writer).
 */
const nonWriterPut: HostileClientFactory<BftMessage> = (id, cluster, env) => {
  const pair = env.crypto.ed25519KeyPair(env.random.bytes(32));
  let op = 0;
  return {
    tick: () => {
      op++;
      const value = env.random.bytes(16);
      const ts = { num: FORGED_NUM + op, writer: id };
      const sig = env.crypto.ed25519Sign(pair.secretKey, signedBytesOf('', ts, env.crypto.sha256(value)));
      return broadcast(cluster.servers, { type: 'PUT', op, num: ts.num, writer: ts.writer, value, sig });
    },
    handle: () => [],
  };
};

export const BFT_SIGNED_HOSTILE_CLIENTS: Readonly<Record<string, HostileClientFactory<BftMessage>>> = {
  'forged-put': forgedPut,
  'non-writer-put': nonWriterPut,
};
