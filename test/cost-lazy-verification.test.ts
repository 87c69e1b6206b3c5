/**
 * The PoWerStore reader verifies fragments lazily: once a candidate is selected it hashes confirming
 * fragments in server order and stops at the first t + 1 that match the cross-checksum. Hash calls
 * per read are counted on the reader's own env and compared with counts worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCryptoProvider } from '../protocols/common/crypto/index.ts';
import { createTsCodec } from '../protocols/common/erasure/ts.ts';
import { PowerStoreRead } from '../protocols/common/powerstore/reader.ts';
import type { Candidate, FilterStatus, PowerStoreMessage } from '../protocols/common/powerstore/messages.ts';
import { N0 } from '../protocols/common/powerstore/messages.ts';
import { integerTimestamps } from '../protocols/common/timestamp.ts';
import type { ClusterInfo, NodeEnv, OpStep } from '../protocols/types.ts';

const crypto = createCryptoProvider('node');
const codec = createTsCodec();

interface Reading {
  readonly read: PowerStoreRead<number>;
  readonly hashes: () => number;
}

function reader(cluster: ClusterInfo): Reading {
  let hashes = 0;
  const env: NodeEnv = {
    id: 'r1',
    crypto: { ...crypto, sha256: (data) => (hashes++, crypto.sha256(data)) },
    codec,
    random: { bytes: (length) => new Uint8Array(length) },
    reject: (reason) => assert.fail(`unexpected reject ${reason}`),
  };
  let rid = 0;
  return { read: new PowerStoreRead(cluster, integerTimestamps, env, () => ++rid), hashes: () => hashes };
}

function clusterOf(t: number): ClusterInfo {
  const n = 3 * t + 1;
  return { n, t, servers: Array.from({ length: n }, (_, i) => `s${i + 1}`), writers: ['w1'], readers: ['r1'] };
}

/**
 * Runs one read of a register holding `value` at timestamp 1: COLLECT_ACKs naming c1 from the first
 * n − t servers of `order`, then FILTER_ACKs from `order` until the read completes. `fragmentOf(i)`
 * is what server i attaches (the writer's fragment, or a corrupted one).
 */
function readOnce(t: number, value: Uint8Array, order: readonly number[], corrupt: ReadonlySet<number> = new Set()): { value: Uint8Array; hashes: number; acks: number } {
  const cluster = clusterOf(t);
  const fragments = codec.encode(value, t + 1, cluster.n);
  const cc = fragments.map((f) => crypto.sha256(f));
  const c1: Candidate<number> = { ts: 1, nonce: new Uint8Array(32).fill(7) };
  const { read, hashes } = reader(cluster);
  read.start();
  let step: OpStep<PowerStoreMessage<number>> = { status: 'pending', send: [] };
  for (const i of order.slice(0, cluster.n - t)) {
    step = read.onMessage(cluster.servers[i]!, { type: 'COLLECT_ACK', rid: 1, lc: c1 });
  }
  assert.equal(step.status, 'pending');
  let acks = 0;
  for (const i of order) {
    const fragment = corrupt.has(i) ? fragments[i]!.map((b) => b ^ 0xff) : fragments[i]!;
    const statuses: FilterStatus<number>[] = [
      { kind: 'CONFIRM', cc: [], fragment: null, lc: null },
      { kind: 'CONFIRM', cc, fragment, lc: null },
    ];
    step = read.onMessage(cluster.servers[i]!, { type: 'FILTER_ACK', rid: 1, statuses });
    acks++;
    if (step.status === 'done') return { value: step.value!, hashes: hashes(), acks };
  }
  assert.fail('read did not complete');
}

const value = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);

test('all correct, t = 1: selected after 2t + 1 = 3 FILTER_ACKs, then 2 = t + 1 hashes (servers 0 and 1), not 3', () => {
  const r = readOnce(1, value, [0, 1, 2, 3]);
  assert.deepEqual(r.value, value);
  assert.equal(r.acks, 3);
  assert.equal(r.hashes, 2);
});

test('all correct, t = 2: 5 FILTER_ACKs, 3 hashes; replies from the parity servers first change nothing', () => {
  // Replies from servers 6, 5, 4, 3, 2: selection after 5; server order 2, 3, 4 gives t + 1 = 3
  // matching fragments (server 2 holds a data fragment, 3 and 4 parity).
  const r = readOnce(2, value, [6, 5, 4, 3, 2, 1, 0]);
  assert.deepEqual(r.value, value);
  assert.equal(r.acks, 5);
  assert.equal(r.hashes, 3);
});

test('a corrupted fragment costs one more hash: server 0 lies, t = 1 hashes servers 0, 1, 2', () => {
  const r = readOnce(1, value, [0, 1, 2, 3], new Set([0]));
  assert.deepEqual(r.value, value);
  assert.equal(r.hashes, 3);
});

test('two corrupted of three confirming (t = 1): not ready until a fourth reply; each fragment hashed once', () => {
  // After servers 0, 1, 2 (0 and 1 corrupt): hashes 0, 1, 2 → one match, short. Server 3 replies:
  // the cached hashes are reused and only fragment 3 is hashed: 4 hashes in all, ready.
  const r = readOnce(1, value, [0, 1, 2, 3], new Set([0, 1]));
  assert.deepEqual(r.value, value);
  assert.equal(r.acks, 4);
  assert.equal(r.hashes, 4);
});

test('the unwritten register reads in one round with no hash: c0 alone needs no FILTER', () => {
  const cluster = clusterOf(1);
  const { read, hashes } = reader(cluster);
  read.start();
  let step: OpStep<PowerStoreMessage<number>> = { status: 'pending', send: [] };
  const c0: Candidate<number> = { ts: 0, nonce: N0 };
  for (let i = 0; i < 3; i++) step = read.onMessage(cluster.servers[i]!, { type: 'COLLECT_ACK', rid: 1, lc: c0 });
  assert.equal(step.status, 'done');
  assert.equal(read.rounds, 1);
  assert.equal(hashes(), 0);
});
