/**
 * `bft-signed` (docs/protocols.md#bft-signed): round counts, wire bytes and crypto calls per
 * operation worked out by hand, strict parsing, the signed byte encoding, and behaviour under
 * Byzantine servers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeValue, encodeValue, wireSize } from '../harness/wire/codec.ts';
import { bftSigned } from '../protocols/bft-signed/index.ts';
import { parseBftMessage, signedBytes, type BftMessage } from '../protocols/bft-signed/messages.ts';
import { FORGED_NUM } from '../protocols/bft-signed/strategies.ts';
import { BftSignedServer } from '../protocols/bft-signed/server.ts';
import { BftDriver, text } from './bft-signed-driver.ts';
import { checkHistory } from '../harness/checker/index.ts';
import { createCryptoProvider } from '../protocols/common/crypto/index.ts';

const crypto = createCryptoProvider('node');

/** Size of a varint-encoded length (codec.ts): 1 byte below 128, 2 below 16384. */
const varintBytes = (x: number): number => (x < 128 ? 1 : x < 16384 ? 2 : 3);

/*
 * Message sizes by hand from the codec's rules (object: tag 1 + field count 1 + per field
 * (key length 1 + key bytes + value); string/bytes: tag 1 + length varint + bytes; small uint: 2),
 * with op and num below 128 and writer "w1":
 *   GET_TS     = 2 + (1+4 + 1+1+6) + (1+2 + 2)                                     = 20
 *   GET        = 2 + (1+4 + 1+1+3) + 5                                             = 17
 *   PUT_ACK    = 2 + (1+4 + 1+1+7) + 5                                             = 21
 *   GET_TS_ACK = 2 + (1+4 + 1+1+10) + 5 + (1+3 + 2) + (1+6 + 1+1+2) + (1+4 + 1+1+32) + (1+3 + 1+1+64) = 150
 *     at ts0 (writer "", no signature): 150 − 2 − 64                                = 84
 *   PUT(L)     = 2 + (1+4 + 1+1+3) + 5 + 6 + 11 + (1+5 + 1+varint(L)+L) + 70          = 111 + varint(L) + L
 *   GET_ACK(L) = PUT(L) + 4 (the type string "GET_ACK" is 4 bytes longer than "PUT") = 115 + varint(L) + L
 *     at ts0: 2 + 14 + 5 + 6 + 9 + 8 + 6                                           = 50
 */
const GET_TS = 20;
const GET = 17;
const PUT_ACK = 21;
const GET_TS_ACK = 150;
const GET_TS_ACK_TS0 = 84;
const PUT = (L: number): number => 111 + varintBytes(L) + L;
const GET_ACK = (L: number): number => 115 + varintBytes(L) + L;

test('hand-computed message sizes agree with the codec', () => {
  const sig = new Uint8Array(64);
  const hash = new Uint8Array(32);
  const empty = new Uint8Array(0);
  assert.equal(wireSize({ type: 'GET_TS', op: 1 }), GET_TS);
  assert.equal(wireSize({ type: 'GET', op: 1 }), GET);
  assert.equal(wireSize({ type: 'PUT_ACK', op: 1 }), PUT_ACK);
  assert.equal(wireSize({ type: 'GET_TS_ACK', op: 1, num: 3, writer: 'w1', hash, sig }), GET_TS_ACK);
  assert.equal(wireSize({ type: 'GET_TS_ACK', op: 1, num: 0, writer: '', hash, sig: empty }), GET_TS_ACK_TS0);
  for (const L of [0, 100, 1024]) {
    const value = new Uint8Array(L);
    assert.equal(wireSize({ type: 'PUT', op: 1, num: 3, writer: 'w1', value, sig }), PUT(L));
    assert.equal(wireSize({ type: 'GET_ACK', op: 1, num: 3, writer: 'w1', value, sig }), GET_ACK(L));
  }
});

test('signed bytes: register ‖ ts ‖ H(v) as u16be length ‖ utf8 register ‖ u64be num ‖ u16be writer length ‖ utf8 writer ‖ hash', () => {
  const hash = new Uint8Array(32).fill(0xab);
  const bytes = signedBytes('k0', { num: 2 ** 32 + 5, writer: 'w1' }, hash);
  assert.equal(Buffer.from(bytes).toString('hex'), '0002' + '6b30' + '0000000100000005' + '0002' + '7731' + 'ab'.repeat(32));
  // Injective across the writer/num boundary: (1, "w") and (1, "w1") differ in the length prefix.
  assert.notDeepEqual(signedBytes('k0', { num: 1, writer: 'w' }, hash), signedBytes('k0', { num: 1, writer: 'w1' }, hash).subarray(0, 47));
  // ... and across registers: the same version of k0 and k1 signs different bytes.
  assert.notDeepEqual(signedBytes('k0', { num: 1, writer: 'w1' }, hash), signedBytes('k1', { num: 1, writer: 'w1' }, hash));
});

test('parseMessage accepts every well-formed message after a wire round trip, and nothing else', () => {
  const sig = new Uint8Array(64).fill(7);
  const hash = new Uint8Array(32).fill(9);
  const good: BftMessage[] = [
    { type: 'GET_TS', op: 0 },
    { type: 'GET', op: 12 },
    { type: 'PUT_ACK', op: 3 },
    { type: 'GET_TS_ACK', op: 1, num: 4, writer: 'w1', hash, sig },
    { type: 'GET_TS_ACK', op: 1, num: 0, writer: '', hash, sig: new Uint8Array(0) },
    { type: 'GET_ACK', op: 1, num: 4, writer: 'w2', value: Uint8Array.of(1, 2), sig },
    { type: 'PUT', op: 1, num: 4, writer: 'w2', value: new Uint8Array(0), sig },
    { type: 'PUT', op: 1, num: 0, writer: '', value: new Uint8Array(0), sig: new Uint8Array(0) },
  ];
  for (const msg of good) assert.deepEqual(bftSigned.parseMessage(decodeValue(encodeValue(msg))), msg, msg.type);
  const put = { type: 'PUT', op: 1, num: 4, writer: 'w2', value: Uint8Array.of(1), sig };
  const bad: unknown[] = [
    null,
    [],
    'PUT',
    { type: 'NOPE', op: 1 },
    { type: 'GET', op: -1 },
    { type: 'GET', op: 1.5 },
    { type: 'GET', op: 1, extra: 0 },
    { type: 'GET' },
    { ...put, sig: new Uint8Array(63) },
    { ...put, sig: new Uint8Array(0) },
    { ...put, num: 0 },
    { ...put, writer: '' },
    { ...put, writer: 'w'.repeat(65) },
    { ...put, value: [1] },
    { ...put, num: 0, writer: '', sig: new Uint8Array(0) },
    { ...put, num: Number.MAX_SAFE_INTEGER + 1 },
    { type: 'GET_TS_ACK', op: 1, num: 4, writer: 'w1', hash: new Uint8Array(31), sig },
    { type: 'GET_TS_ACK', op: 1, num: 4, writer: 'w1', value: new Uint8Array(32), sig },
  ];
  for (const value of bad) assert.equal(parseBftMessage(value), undefined, JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? `bytes(${v.length})` : v)));
});

test('options: fastRead defaults to off; unknown options are refused', () => {
  assert.deepEqual(bftSigned.optionsSchema.parse({}), { fastRead: false });
  assert.equal(bftSigned.optionsSchema.safeParse({ fastread: true }).success, false);
  assert.equal(bftSigned.serverCount(2), 7);
});

for (const t of [1, 2]) {
  const n = 3 * t + 1;
  const q = 2 * t + 1;
  test(`t=${t}: writes and reads take 2 rounds; wire bytes and crypto calls per operation are as computed`, () => {
    const driver = new BftDriver(crypto, { t });
    const L = 1024;
    const v1 = 'a'.repeat(L);
    const v2 = 'b'.repeat(L);

    // First write: the GET_TS replies carry ts0, so the writer verifies nothing.
    const w1 = driver.runOp('w1', 'write', v1);
    assert.equal(w1.op.rounds, 2);
    assert.equal(w1.messages, 4 * n);
    assert.equal(w1.bytes, n * (GET_TS + GET_TS_ACK_TS0) + n * (PUT(L) + PUT_ACK));
    assert.deepEqual(driver.cryptoCounts.get('w1'), { sha256: 1, sign: 1, verify: 0 });
    for (const s of driver.cluster.servers) {
      assert.deepEqual(driver.cryptoCounts.get(s), { sha256: 1, sign: 0, verify: 1 }, s);
      assert.equal(driver.servers.get(s)!.storedBytes(), L + 8 + 2 + 32 + 64);
    }

    // Second write: q identical (ts, H(v), σ) replies, verified once.
    const w2 = driver.runOp('w1', 'write', v2);
    assert.equal(w2.op.rounds, 2);
    assert.equal(w2.bytes, n * (GET_TS + GET_TS_ACK) + n * (PUT(L) + PUT_ACK));
    assert.deepEqual(driver.cryptoCounts.get('w1'), { sha256: 2, sign: 2, verify: 1 });

    // Read: GET + write-back of the whole version; q values hashed, one signature verified, and the
    // servers, already holding that timestamp, ack the write-back without verifying.
    const r = driver.runOp('r1', 'read');
    assert.equal(r.op.rounds, 2);
    assert.equal(text(r.value), v2);
    assert.equal(r.messages, 4 * n);
    assert.equal(r.bytes, n * (GET + GET_ACK(L)) + n * (PUT(L) + PUT_ACK));
    assert.deepEqual(driver.cryptoCounts.get('r1'), { sha256: q, sign: 0, verify: 1 });
    for (const s of driver.cluster.servers) assert.deepEqual(driver.cryptoCounts.get(s), { sha256: 2, sign: 0, verify: 2 }, s);
    assert.equal(driver.totalBytes, w1.bytes + w2.bytes + r.bytes);
    assert.equal(driver.rejected('bad-signature'), 0);
  });
}

test('both crypto providers interoperate: keys, signatures and verification agree (noble)', () => {
  const noble = createCryptoProvider('noble');
  const driver = new BftDriver(noble, { t: 1 });
  driver.runOp('w1', 'write', 'signed by noble');
  // The same seeded setup with node:crypto derives the same public key, so its servers accept
  // the noble-signed version too.
  const nodeDriver = new BftDriver(crypto, { t: 1 });
  assert.deepEqual(nodeDriver.setup.publicKeys.get('w1'), driver.setup.publicKeys.get('w1'));
  const version = (driver.servers.get('s1') as BftSignedServer).current();
  nodeDriver.inject('w1', 's1', { type: 'PUT', op: 1, num: version.ts.num, writer: 'w1', value: version.value, sig: version.sig });
  nodeDriver.run();
  assert.equal(text((nodeDriver.servers.get('s1') as BftSignedServer).current().value), 'signed by noble');
  assert.equal(text(driver.runOp('r1', 'read').value), 'signed by noble');
});

test('a read of the initial value returns the empty value (2 rounds, or 1 with fastRead)', () => {
  const slow = new BftDriver(crypto, { t: 1 }).runOp('r1', 'read');
  assert.equal(slow.op.rounds, 2);
  assert.equal(slow.value?.length, 0);
  // n GETs and GET_ACKs of the empty version at ts0 (50 bytes each by hand, see above).
  const fast = new BftDriver(crypto, { t: 1, options: { fastRead: true } }).runOp('r1', 'read');
  assert.equal(fast.op.rounds, 1);
  assert.equal(fast.value?.length, 0);
  assert.equal(fast.bytes, 4 * (GET + 50));
});

test('fastRead: an uncontended read takes 1 round; a read that sees two timestamps writes back', () => {
  const driver = new BftDriver(crypto, { t: 1, options: { fastRead: true } });
  driver.runOp('w1', 'write', 'v1');
  const r = driver.runOp('r1', 'read');
  assert.equal(r.op.rounds, 1);
  assert.equal(text(r.value), 'v1');
  assert.equal(r.bytes, 4 * (GET + GET_ACK(2)));
  // Hold the second write's PUT to s3 and s4 (s4 also loses the GET); the read's quorum {s1, s2, s3}
  // then reports v2, v2, v1: not unanimous, so it must write v2 back (2 rounds).
  driver.hold((e) => (e.msg.type === 'PUT' && e.from === 'w1' && (e.to === 's3' || e.to === 's4')) || e.to === 's4');
  const w = driver.start('w1', 'write', 'v2');
  driver.run();
  assert.equal(w.done, false);
  const r2 = driver.start('r1', 'read');
  driver.run(() => r2.done);
  assert.equal(r2.op.rounds, 2);
  assert.equal(text(r2.value), 'v2');
  // The write-back gave s3 the version, so the writer completes once its acks arrive.
  driver.hold(undefined);
  driver.release();
  driver.run();
  assert.equal(w.done, true);
});

test('a PUT with a bad signature or an unknown writer is not stored, not acked, and counted', () => {
  const driver = new BftDriver(crypto, { t: 1, readers: ['r1', 'r2'] });
  driver.runOp('w1', 'write', 'genuine');
  const s1 = driver.servers.get('s1') as BftSignedServer;
  const before = s1.current();
  const sig = new Uint8Array(64).fill(1);
  driver.inject('r2', 's1', { type: 'PUT', op: 1, num: 99, writer: 'w1', value: Uint8Array.of(1, 2, 3), sig });
  driver.inject('r2', 's1', { type: 'PUT', op: 2, num: 99, writer: 'w9', value: Uint8Array.of(1), sig });
  // A genuine signature moved onto another value: the hash no longer matches what was signed.
  driver.inject('r2', 's1', { type: 'PUT', op: 3, num: before.ts.num + 1, writer: 'w1', value: Uint8Array.of(4), sig: before.sig });
  const messagesBefore = driver.totalMessages;
  driver.run();
  assert.equal(driver.totalMessages, messagesBefore, 'no PUT_ACK was sent');
  assert.equal(driver.rejected('bad-signature', ['s1']), 2);
  assert.equal(driver.rejected('unknown-writer', ['s1']), 1);
  assert.equal(s1.current(), before);
  assert.equal(text(driver.runOp('r1', 'read').value), 'genuine');
});

for (const t of [1, 2]) {
  for (const strategy of ['forge', 'corrupt', 'inflate-ts', 'equivocate']) {
    test(`t=${t}, ${strategy} on s1..s${t}: reads return the latest genuine value, invalid replies are counted`, () => {
      const byzantine = Object.fromEntries(Array.from({ length: t }, (_, i) => [i, strategy]));
      const faulty = Array.from({ length: t }, (_, i) => `s${i + 1}`);
      const driver = new BftDriver(crypto, { t, byzantine, writers: ['w1', 'w2'], readers: ['r1', 'r2'] });
      // FIFO delivery puts the faulty servers' replies first in every quorum.
      const history: string[] = [];
      for (let i = 1; i <= 4; i++) {
        const writer = i % 2 === 1 ? 'w1' : 'w2';
        const value = `${writer}:${i}`;
        const w = driver.runOp(writer, 'write', value);
        assert.equal(w.op.rounds, 2);
        history.push(value);
        for (const reader of ['r1', 'r2']) {
          const r = driver.runOp(reader, 'read');
          assert.equal(text(r.value), value, `read after write ${i} by ${reader}`);
          assert.equal(r.op.rounds, 2);
        }
      }
      // Timestamps stay bounded: 4 writes leave num 4 at every correct server.
      for (const [id, server] of driver.servers) {
        if (!faulty.includes(id)) assert.deepEqual((server as BftSignedServer).current().ts, { num: 4, writer: 'w2' }, id);
      }
      const clients = ['w1', 'w2', 'r1', 'r2'];
      const correctServers = driver.cluster.servers.filter((s) => !faulty.includes(s));
      switch (strategy) {
        case 'forge':
          // Every GET_TS (4 writes) and GET (8 reads) answer of a faulty server is forged and dropped.
          assert.equal(driver.rejected('bad-signature', clients), t * (4 + 8));
          // Each PUT from a client (4 writes + 8 write-backs) makes each faulty server push a forged
          // PUT to every other server; each correct server refuses t of them per client PUT.
          for (const s of correctServers) assert.equal(driver.rejected('bad-signature', [s]), t * 12, s);
          break;
        case 'inflate-ts':
          assert.equal(driver.rejected('bad-signature', ['w1', 'w2']), t * 4);
          assert.equal(driver.rejected('bad-signature', ['r1', 'r2']), 0);
          break;
        case 'corrupt':
          // The first write's GET_TS replies are at ts0: damage there shows as a bad initial version.
          assert.equal(driver.rejected('bad-signature', clients) + driver.rejected('bad-initial-version', clients), t * (4 + 8));
          assert.ok(driver.rejected('bad-initial-version', clients) >= 1);
          break;
        case 'equivocate':
          break;
      }
      assert.equal(driver.rejected('unexpected-message'), 0);
    });
  }
}

test('forged timestamps never reach a correct server: inflate-ts does not push the writers up', () => {
  const driver = new BftDriver(crypto, { t: 1, byzantine: { 0: 'inflate-ts' } });
  for (let i = 1; i <= 3; i++) driver.runOp('w1', 'write', `v${i}`);
  const s2 = driver.servers.get('s2') as BftSignedServer;
  assert.equal(s2.current().ts.num, 3);
  assert.ok(s2.current().ts.num < FORGED_NUM);
});

test('hostile clients: forged PUTs and PUTs signed by a non-writer are refused by every server', () => {
  const driver = new BftDriver(crypto, { t: 1 });
  driver.runOp('w1', 'write', 'genuine');
  for (let i = 0; i < 3; i++) {
    driver.tickHostile('forged-put', 'x1');
    driver.tickHostile('non-writer-put', 'x2');
  }
  driver.run();
  for (const s of driver.cluster.servers) {
    assert.equal(driver.rejected('bad-signature', [s]), 3, s);
    assert.equal(driver.rejected('unknown-writer', [s]), 3, s);
    assert.deepEqual((driver.servers.get(s) as BftSignedServer).current().ts, { num: 1, writer: 'w1' }, s);
  }
  assert.equal(text(driver.runOp('r1', 'read').value), 'genuine');
});

test('a client drops replies from non-servers, duplicates and replies to unknown operations', () => {
  const driver = new BftDriver(crypto, { t: 1 });
  driver.runOp('w1', 'write', 'v');
  // Only s1's answer gets through at first; then a second answer from s1 (a genuine version, so it
  // is refused only for being a duplicate) must not count towards the quorum.
  driver.hold((e) => e.to === 'r1' && e.from !== 's1');
  const read = driver.start('r1', 'read');
  driver.run();
  const s1 = (driver.servers.get('s1') as BftSignedServer).current();
  const sig = new Uint8Array(64);
  driver.inject('s1', 'r1', { type: 'GET_ACK', op: 1, num: s1.ts.num, writer: s1.ts.writer, value: s1.value, sig: s1.sig });
  driver.inject('x9', 'r1', { type: 'GET_ACK', op: 1, num: 9, writer: 'w1', value: Uint8Array.of(1), sig });
  driver.inject('s2', 'r1', { type: 'GET_ACK', op: 7, num: 9, writer: 'w1', value: Uint8Array.of(1), sig });
  driver.run();
  assert.equal(read.done, false);
  driver.hold(undefined);
  driver.release();
  driver.run(() => read.done);
  assert.equal(text(read.value), 'v');
  assert.equal(driver.rejected('duplicate-reply', ['r1']), 1);
  assert.equal(driver.rejected('not-a-server', ['r1']), 1);
  assert.equal(driver.rejected('unknown-op', ['r1']), 1);
});

/*
 * Cross-register replay, a hole in the signed bytes as first specified: σ = Sign_w(ts ‖ H(v)) does
 * not name the register, and a run keeps one register per key under the same writer keys. A
 * Byzantine server serving two registers can answer a read of one with a version genuinely signed
 * for the other. With those signed bytes (both drivers serve the same register name, so the
 * signatures carry nothing to tell them apart) the read of B returns A's value; the implementation
 * signs the register too, so across registers the replay fails verification and the read returns
 * B's own value.
 */
async function crossRegisterReplay(registerA: string, registerB: string) {
  const a = new BftDriver(crypto, { t: 1, register: registerA });
  const b = new BftDriver(crypto, { t: 1, register: registerB }); // same seed: the same writer key pairs, as in one run
  a.runOp('w1', 'write', 'A1');
  a.runOp('w1', 'write', 'A2');
  b.runOp('w1', 'write', 'B1');
  const fromA = (a.servers.get('s1') as BftSignedServer).current(); // (2, w1), "A2", genuine σ for registerA
  const replay: BftMessage = { type: 'GET_ACK', op: 1, num: fromA.ts.num, writer: 'w1', value: fromA.value, sig: fromA.sig };
  b.hold((e) => e.from === 's1' && e.to === 'r1' && e.msg !== replay);
  const read = b.start('r1', 'read');
  b.inject('s1', 'r1', replay);
  b.run(() => read.done);
  return { value: text(read.value), badSignatures: b.rejected('bad-signature'), verdict: (await checkHistory(b.history())).verdict };
}

test('the signed bytes as first specified (no register): a version signed for register A is accepted in register B (the hole)', async () => {
  assert.deepEqual(await crossRegisterReplay('', ''), { value: 'A2', badSignatures: 0, verdict: 'violation' });
});

test('register bound into σ: the replayed version fails verification and the read returns B\'s value', async () => {
  // q = 3 valid replies: s2, s3, s4 answer (1, w1) "B1"; s1's replay is dropped as a bad signature.
  assert.deepEqual(await crossRegisterReplay('k0', 'k1'), { value: 'B1', badSignatures: 1, verdict: 'ok' });
});
