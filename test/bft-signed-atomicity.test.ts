/**
 * `bft-signed` under concurrent clients, seeded random delivery orders (per-link FIFO, any
 * interleaving across links) and up to `t` Byzantine servers: the linearizability checker judges
 * every history, and every operation of a correct client completes. Exceeding the fault budget
 * (`t + 1` servers that forget) must produce violations, so this suite can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory } from '../harness/checker/index.ts';
import { Rng } from '../harness/rng.ts';
import { BftDriver } from './bft-signed-driver.ts';
import { createCryptoProvider } from '../protocols/common/crypto/index.ts';

const testCrypto = createCryptoProvider('node');

const WRITERS = ['w1', 'w2'];
const READERS = ['r1', 'r2', 'r3'];
const OPS_PER_CLIENT = 6;

/** One seeded run: every client runs its operations back to back, started at random moments. */
function runWorkload(t: number, byzantine: Record<number, string>, seed: number, fastRead: boolean): BftDriver {
  const driver = new BftDriver(testCrypto, { t, byzantine, seed, schedule: 'random', writers: WRITERS, readers: READERS, options: { fastRead } });
  const rng = new Rng(seed ^ 0x5eed);
  const left = new Map([...WRITERS, ...READERS].map((c) => [c, OPS_PER_CLIENT]));
  const busy = new Map<string, { done: boolean }>();
  let writes = 0;
  for (let steps = 0; steps < 200_000; steps++) {
    const idle = [...left].filter(([c, k]) => k > 0 && !(busy.get(c)?.done === false));
    // Start an operation now and then (or when the network is quiet), so that operations overlap.
    if (idle.length > 0 && (rng.uint32() % 8 === 0 || !driver.deliverOne())) {
      const [client] = idle[rng.uint32() % idle.length]!;
      left.set(client, left.get(client)! - 1);
      const isWriter = WRITERS.includes(client);
      busy.set(client, driver.start(client, isWriter ? 'write' : 'read', isWriter ? `${client}:${++writes}` : undefined));
      continue;
    }
    if (idle.length === 0 && !driver.deliverOne()) return driver;
  }
  throw new Error(`seed ${seed}: no quiescence`);
}

const STRATEGIES = ['forge', 'corrupt', 'equivocate', 'inflate-ts', 'stale', 'silent'];
/** Seeds per (t, strategy) in CI; `BFT_SIGNED_SEEDS=N` runs more. */
const SEEDS = Number(process.env['BFT_SIGNED_SEEDS'] ?? 12);

for (const t of [1, 2]) {
  test(`t=${t}: every strategy on t servers, ${SEEDS} seeds each, with and without fastRead: linearizable, all ops complete`, async () => {
    for (const strategy of STRATEGIES) {
      for (let seed = 1; seed <= SEEDS; seed++) {
        // Faulty servers at seed-dependent positions, so they are not always the first to answer.
        const byzantine: Record<number, string> = {};
        for (let i = 0; i < t; i++) byzantine[(seed + i * 2) % (3 * t + 1)] = strategy;
        const fastRead = seed % 2 === 0;
        const driver = runWorkload(t, byzantine, seed, fastRead);
        const history = driver.history();
        const replay = `t=${t} strategy=${strategy} seed=${seed} fastRead=${fastRead}`;
        assert.equal(history.length, (WRITERS.length + READERS.length) * OPS_PER_CLIENT, replay);
        assert.ok(history.every((r) => r.status === 'ok'), `${replay}: an operation did not complete`);
        for (const r of history) assert.ok(r.rounds === 2 || (fastRead && r.op === 'read' && r.rounds === 1), `${replay}: ${r.rounds} rounds`);
        const result = await checkHistory(history);
        assert.equal(result.verdict, 'ok', `${replay}: ${result.excerpt?.explanation ?? ''}`);
      }
    }
  });
}

test('beyond the fault budget (2 of 4 servers forget everything) the checker reports the stale read', async () => {
  // Worked out by hand: s1, s2 answer from their initial state. Write "b" reaches s1, s2, s3 (its PUT
  // to s4 is held) and completes on their 3 acks. The read's GET to s3 is held, so its quorum is
  // s1, s2 (ts0) and s4 (still "a"): it returns "a" after "b" completed, which no order allows.
  const driver = new BftDriver(testCrypto, { t: 1, byzantine: { 0: 'stale', 1: 'stale' } });
  driver.runOp('w1', 'write', 'a');
  driver.hold((e) => e.to === 's4' && e.msg.type === 'PUT' && e.from === 'w1');
  driver.runOp('w1', 'write', 'b');
  driver.hold((e) => e.to === 's3' && e.from === 'r1');
  const read = driver.runOp('r1', 'read');
  assert.equal(new TextDecoder().decode(read.value), 'a');
  const result = await checkHistory(driver.history());
  assert.equal(result.verdict, 'violation');
  // Within the budget (only s1 forgets), the same schedule returns "b": s2 now holds it.
  const ok = new BftDriver(testCrypto, { t: 1, byzantine: { 0: 'stale' } });
  ok.runOp('w1', 'write', 'a');
  ok.hold((e) => e.to === 's4' && e.msg.type === 'PUT' && e.from === 'w1');
  ok.runOp('w1', 'write', 'b');
  ok.hold((e) => e.to === 's3' && e.from === 'r1');
  assert.equal(new TextDecoder().decode(ok.runOp('r1', 'read').value), 'b');
  assert.equal((await checkHistory(ok.history())).verdict, 'ok');
});
