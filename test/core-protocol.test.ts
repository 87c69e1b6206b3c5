/**
 * Quorum helpers (three-valued, with a "dumb" reference) and ABD's strict message parser, including
 * decoded wire input (null-prototype objects from decodeValue).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTimestamps, disseminationQuorum, intersectionSize, replyQuorum, ReplySet } from '../protocols/common/quorum.ts';
import { parseAbdMessage } from '../protocols/abd/messages.ts';
import { abd } from '../protocols/abd/index.ts';
import { decodeValue, encodeValue } from '../harness/wire/codec.ts';
import { PROTOCOLS } from '../protocols/registry.ts';
import { AbdServer } from '../protocols/abd/server.ts';
import type { NodeEnv } from '../protocols/types.ts';

test('quorum sizes: ABD majority t + 1 of 2t + 1 intersect in one server; n - t replies', () => {
  for (let t = 0; t <= 5; t++) {
    assert.equal(replyQuorum(2 * t + 1, t), t + 1);
    assert.equal(intersectionSize(2 * t + 1, t + 1), 1);
    assert.equal(replyQuorum(3 * t + 1, t), 2 * t + 1);
    // Byzantine quorums 2t + 1 of 3t + 1 intersect in t + 1 servers: at least one correct.
    assert.equal(intersectionSize(3 * t + 1, 2 * t + 1), t + 1);
  }
});

test('dissemination quorums: 2t + 1 at n = 3t + 1, and any two meet in t + 1 servers for every n > 3t', () => {
  assert.deepEqual([0, 1, 2, 3].map((t) => disseminationQuorum(3 * t + 1, t)), [1, 3, 5, 7]);
  // n = 5, t = 1: ⌈7 / 2⌉ = 4, and two quorums of 4 among 5 share 3 >= t + 1 servers.
  assert.equal(disseminationQuorum(5, 1), 4);
  for (let t = 0; t <= 4; t++) for (let n = 3 * t + 1; n <= 3 * t + 6; n++) assert.ok(intersectionSize(n, disseminationQuorum(n, t)) >= t + 1, `n=${n} t=${t}`);
});

test('timestamps order by (num, writer) lexicographically', () => {
  assert.ok(compareTimestamps(1, 'w2', 2, 'w1') < 0);
  assert.ok(compareTimestamps(2, 'w1', 2, 'w2') < 0);
  assert.equal(compareTimestamps(3, 'w1', 3, 'w1'), 0);
  assert.ok(compareTimestamps(1, '', 0, 'zz') > 0);
});

test('ReplySet counts each server once', () => {
  const set = new ReplySet();
  assert.equal(set.add('s1'), true);
  assert.equal(set.add('s1'), false);
  assert.equal(set.add('s2'), true);
  assert.equal(set.size, 2);
});

test('ABD parseMessage: accepts decoded wire messages, rejects anything malformed', () => {
  const put = { type: 'PUT', op: 3, num: 7, writer: 'w1', value: new Uint8Array([1, 2, 3]) };
  const decoded = decodeValue(encodeValue(put));
  assert.equal(Object.getPrototypeOf(decoded), null);
  assert.deepEqual(parseAbdMessage(decoded), put);
  for (const message of [
    { type: 'GET_TS', op: 1 },
    { type: 'GET_TS_ACK', op: 1, num: 0, writer: '' },
    { type: 'GET', op: 0 },
    { type: 'GET_ACK', op: 1, num: 2, writer: 'w2', value: new Uint8Array(0) },
    { type: 'PUT_ACK', op: 9 },
  ]) {
    assert.deepEqual(parseAbdMessage(decodeValue(encodeValue(message))), message);
  }
  const bad: unknown[] = [
    null,
    42,
    'PUT',
    [],
    new Uint8Array(1),
    {},
    { type: 'NOPE', op: 1 },
    { type: 'GET', op: -1 },
    { type: 'GET', op: 1.5 },
    { type: 'GET', op: '1' },
    { type: 'GET', op: 1, extra: true },
    { type: 'GET_TS_ACK', op: 1, num: 0 },
    { type: 'GET_TS_ACK', op: 1, num: 0, writer: 5 },
    { type: 'GET_TS_ACK', op: 1, num: 0, writer: 'x'.repeat(300) },
    { type: 'PUT', op: 1, num: 1, writer: 'w1', value: [1, 2] },
    { type: 'PUT', op: 1, num: Number.MAX_SAFE_INTEGER + 2, writer: 'w1', value: new Uint8Array(0) },
    Object.assign(Object.create({ inherited: 1 }), { type: 'GET', op: 1 }),
  ];
  for (const value of bad) assert.equal(parseAbdMessage(value), undefined, JSON.stringify(value));
});

test('ABD server: keeps the highest timestamp; acks every PUT; rejects replies sent to it', () => {
  const rejected: string[] = [];
  const env = { id: 's1', reject: (reason: string) => rejected.push(reason) } as unknown as NodeEnv;
  const server = new AbdServer(env);
  const v = (n: number) => new Uint8Array(n);
  assert.deepEqual(server.handle('w1', { type: 'PUT', op: 1, num: 2, writer: 'w1', value: v(10) }), [{ to: 'w1', msg: { type: 'PUT_ACK', op: 1 } }]);
  // Lower (num) and equal-num-lower-writer timestamps are ignored, but acknowledged.
  server.handle('w2', { type: 'PUT', op: 1, num: 1, writer: 'w9', value: v(99) });
  server.handle('w0', { type: 'PUT', op: 1, num: 2, writer: 'w0', value: v(99) });
  assert.deepEqual(server.handle('r1', { type: 'GET_TS', op: 5 }), [{ to: 'r1', msg: { type: 'GET_TS_ACK', op: 5, num: 2, writer: 'w1' } }]);
  server.handle('w3', { type: 'PUT', op: 1, num: 2, writer: 'w3', value: v(20) });
  assert.equal(server.storedBytes(), 20 + 8 + 2);
  assert.deepEqual(server.handle('w1', { type: 'PUT_ACK', op: 1 }), []);
  assert.deepEqual(rejected, ['unexpected-message']);
});

test('ABD is registered with n = 2t + 1 and crash tolerance t', () => {
  assert.equal(PROTOCOLS['abd'], abd);
  assert.equal(abd.serverCount(2), 5);
  assert.deepEqual(abd.tolerance(2), { crash: 2, byzantine: 0, byzantineReaders: false });
  assert.deepEqual(abd.optionsSchema.parse({}), { fastRead: false });
});
