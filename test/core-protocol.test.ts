/**
 * Quorum helpers (three-valued, with a "dumb" reference) and ABD's strict message parser, including
 * decoded wire input (null-prototype objects from decodeValue).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareTimestamps, intersectionSize, majorityQuorum, quorumStatus, replyQuorum, ReplySet } from '../protocols/common/quorum.ts';
import { parseAbdMessage } from '../protocols/abd/messages.ts';
import { abd } from '../protocols/abd/index.ts';
import { decodeValue, encodeValue } from '../harness/wire/codec.ts';
import { PROTOCOLS } from '../protocols/registry.ts';
import { AbdServer } from '../protocols/abd/server.ts';
import type { NodeEnv } from '../protocols/types.ts';

test('quorumStatus agrees with enumerating every way the outstanding servers could vote', () => {
  for (let needed = 0; needed <= 6; needed++) {
    for (let votes = 0; votes <= 6; votes++) {
      for (let outstanding = 0; outstanding <= 6; outstanding++) {
        const reachable: boolean[] = [];
        for (let extra = 0; extra <= outstanding; extra++) reachable.push(votes + extra >= needed);
        const dumb = votes >= needed ? 'reached' : reachable.some(Boolean) ? 'pending' : 'impossible';
        assert.equal(quorumStatus(votes, needed, outstanding), dumb, `${votes}/${needed} +${outstanding}`);
      }
    }
  }
});

test('quorum sizes: ABD majority t + 1 of 2t + 1 intersect in one server; n - t replies', () => {
  for (let t = 0; t <= 5; t++) {
    assert.equal(majorityQuorum(t), t + 1);
    assert.equal(intersectionSize(2 * t + 1, t + 1), 1);
    assert.equal(replyQuorum(3 * t + 1, t), 2 * t + 1);
    // Byzantine quorums 2t + 1 of 3t + 1 intersect in t + 1 servers: at least one correct.
    assert.equal(intersectionSize(3 * t + 1, 2 * t + 1), t + 1);
  }
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
