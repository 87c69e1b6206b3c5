/**
 * Collusion across server processes (docs/protocols.md#byzantine-strategies): on the real engine
 * each faulty server is its own process, and the colluders pool their MAC keys through the run's
 * setup and faulty set, which every process derives from the cluster file. M-PoWerStore, t = 2
 * (n = 7), s6 and s7 running `inflate-ts`: every forged get-ts reply must carry valid MAC entries for
 * BOTH colluders' keys (k_6 and k_7) and for no correct server's.
 *
 * Why that is the observable: a single faulty server holds one key, so alone it forges one valid
 * entry; pooled, each forged reply has two. Two entries are exactly what a writer that accepted `t`
 * valid entries would take as authentic — the attack needs both colluders' MACs — while the real
 * rule asks for t + 1 = 3, so the writes' timestamps stay those of genuine writes. The writers'
 * messages are observed inside this process (the clients run here) by wrapping the client machine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHistory } from '../harness/checker/index.ts';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { loadCryptoProvider } from '../harness/env/index.ts';
import { mPowerstore, type MPowerStoreMsg, type MPowerStoreSetup } from '../protocols/m-powerstore/index.ts';
import { writerTimestamps } from '../protocols/common/timestamp.ts';
import type { ClientMachine, NodeId, Operation } from '../protocols/types.ts';
import { runReal } from './support/real-run.ts';

type GetTsAck = Extract<MPowerStoreMsg, { type: 'GET_TS_ACK' }>;

/** What the writers received and sent, recorded by the wrapped client machines. */
const observed = { getTsAcks: [] as { from: NodeId; msg: GetTsAck }[], storedNums: [] as number[], setup: undefined as MPowerStoreSetup | undefined };

/** Records GET_TS_ACKs received and STORE timestamps sent by an operation, changing nothing. */
function recording(operation: Operation<MPowerStoreMsg>): Operation<MPowerStoreMsg> {
  const noteSends = (sends: readonly { msg: MPowerStoreMsg }[]) => {
    for (const send of sends) if (send.msg.type === 'STORE') observed.storedNums.push(send.msg.ts.num);
  };
  return {
    kind: operation.kind,
    get rounds() {
      return operation.rounds;
    },
    get retries() {
      return operation.retries;
    },
    start() {
      const sends = operation.start();
      noteSends(sends);
      return sends;
    },
    onMessage(from, msg) {
      if (msg.type === 'GET_TS_ACK') observed.getTsAcks.push({ from, msg });
      const step = operation.onMessage(from, msg);
      noteSends(step.send);
      return step;
    },
  };
}

const observedMPowerstore: typeof mPowerstore = {
  ...mPowerstore,
  createClient(...args) {
    // The writers' setup holds every server's key: on the real engine it comes from the run's secret.
    observed.setup = args[3];
    const client = mPowerstore.createClient(...args) as ClientMachine<MPowerStoreMsg>;
    return { read: () => client.read(), write: (value) => recording(client.write(value)) };
  },
};

test('real engine, m-powerstore t = 2: two inflate-ts colluders in separate processes forge μ with both their keys, never a correct server\'s; timestamps stay bounded', async () => {
  const writes = 12;
  const config = parseConfig({
    name: 'real-collusion',
    engine: 'real',
    seed: 21,
    protocol: { name: 'm-powerstore', t: 2 },
    network: { latency: { distribution: 'constant', oneWayMs: 0 } },
    workload: { writers: 2, readers: 1, keys: 1, valueBytes: 64, operations: 18, readRatio: 1 - writes / 18 },
    faults: [
      { type: 'byzantine', node: 's6', strategy: 'inflate-ts' },
      { type: 'byzantine', node: 's7', strategy: 'inflate-ts' },
    ],
  });
  const run = resolveExperiment(config, process.cwd(), { protocols: { 'm-powerstore': observedMPowerstore } }).runs[0]!;
  assert.deepEqual(run.byzantineServers, ['s6', 's7']);
  const { output, engine } = await runReal(run);
  assert.deepEqual(engine.serverBehaviours(), { s1: 'honest', s2: 'honest', s3: 'honest', s4: 'honest', s5: 'honest', s6: 'inflate-ts', s7: 'inflate-ts' });
  assert.equal(output.outcome, 'stopped');
  assert.ok(output.history.every((r) => r.status === 'ok'), 'an operation did not complete');
  assert.equal((await checkHistory(output.history, { model: 'register' })).verdict, 'ok');

  // The keys, as the writers of this process hold them (derived from the run's secret; never given to a reader).
  const crypto = await loadCryptoProvider('node');
  const keys = observed.setup!.serverKeys;
  const validEntries = (msg: GetTsAck) =>
    msg.mac.flatMap((mac, i) => (i < keys.length && Buffer.compare(Buffer.from(mac), Buffer.from(crypto.hmacSha256(keys[i]!, writerTimestamps.bytes(msg.ts)))) === 0 ? [i] : []));
  const forged = observed.getTsAcks.filter((a) => a.from === 's6' || a.from === 's7');
  assert.ok(forged.some((a) => a.from === 's6') && forged.some((a) => a.from === 's7'), `forged replies from both colluders reached the writers (${forged.length})`);
  const t = run.cluster.t;
  for (const { from, msg } of forged) {
    assert.ok(msg.ts.num > 1e15, `${from} reported ${msg.ts.num}`);
    // Both colluders' keys (indices 5 and 6), pooled across the two processes; no correct server's.
    assert.deepEqual(validEntries(msg), [5, 6], `${from}'s forged μ`);
    // Enough for a writer that accepted t valid entries; short of the t + 1 the rule asks for.
    assert.ok(validEntries(msg).length >= t && validEntries(msg).length < t + 1);
  }
  // Correct servers' replies are authentic (all n entries valid) or ts0 (no μ).
  for (const { from, msg } of observed.getTsAcks.filter((a) => a.from !== 's6' && a.from !== 's7')) {
    assert.ok(writerTimestamps.isTs0(msg.ts) || validEntries(msg).length === run.cluster.n, `${from}'s genuine μ`);
  }
  // So no forged timestamp was taken: every STORE is at a num no larger than the number of writes.
  const writesDone = output.history.filter((r) => r.op === 'write').length;
  assert.ok(observed.storedNums.length > 0 && Math.max(...observed.storedNums) <= writesDone, `STORE nums ${[...new Set(observed.storedNums)].join(', ')}`);
});
