/**
 * Hand-made histories, one per rule of the checker's semantics, each with its verdict worked out by
 * hand; every one is run through both the fast path and the general search (they must both give
 * the hand verdict), and through checkHistory. Plus: excerpts, timeouts, per-key results, parsers,
 * and the HTML timeline.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { splitByKey } from '../harness/checker/_keyops.ts';
import { checkUniqueRegister } from '../harness/checker/fast-register.ts';
import { searchLinearizable } from '../harness/checker/search.ts';
import {
  checkHistory,
  HistoryInputError,
  parseJepsenLog,
  parseJsonlCheckerHistory,
  parseJsonlHistory,
  renderTimelineHtml,
  type CasRecord,
  type CheckerRecord,
} from '../harness/checker/index.ts';
import type { HistoryRecord } from '../harness/history/types.ts';

type Status = HistoryRecord['status'];
const w = (client: string, value: string | null, call: number, ret: number | null, status: Status = 'ok'): HistoryRecord => ({
  client,
  op: 'write',
  key: 'x',
  value,
  call,
  return: status === 'pending' ? null : ret,
  status,
  rounds: 1,
});
const r = (client: string, value: string | null, call: number, ret: number | null, status: Status = 'ok'): HistoryRecord => ({
  client,
  op: 'read',
  key: 'x',
  value,
  call,
  return: status === 'pending' ? null : ret,
  status,
  rounds: 2,
});
const cas = (client: string, expected: string | null, value: string, swapped: boolean, call: number, ret: number | null, status: Status = 'ok'): CasRecord => ({
  client,
  op: 'cas',
  key: 'x',
  expected,
  value,
  swapped,
  call,
  return: status === 'pending' ? null : ret,
  status,
  rounds: 1,
});

/** Verdict of the fast path (if it applies) and of the search, which must agree. */
async function verdict(records: CheckerRecord[]): Promise<string> {
  const key = splitByKey(records, undefined).keys[0];
  const overall = (await checkHistory(records)).verdict;
  if (key === undefined) return overall;
  const search = searchLinearizable(key).verdict;
  const fast = checkUniqueRegister(key);
  if (fast.verdict !== 'not-applicable') assert.equal(fast.verdict, search, 'fast path and search disagree');
  assert.equal(overall, search);
  return search;
}

test('new-old inversion: a read returns the new value, a later read the old one', async () => {
  const h = [w('a', '1', 0, 10), r('b', '1', 1, 2), r('c', null, 3, 4)];
  assert.equal(await verdict(h), 'violation');
  const result = await checkHistory(h);
  assert.deepEqual(result.excerpt?.indices, [0, 1, 2]);
  assert.match(result.excerpt?.explanation ?? '', /must each be linearized before the other/);
  // Swapped read order (old, then new) is fine.
  assert.equal(await verdict([w('a', '1', 0, 10), r('c', null, 1, 2), r('b', '1', 3, 4)]), 'ok');
});

test('read of a never-written value', async () => {
  assert.equal(await verdict([w('a', '1', 0, 1), r('b', '7', 2, 3)]), 'violation');
  const result = await checkHistory([w('a', '1', 0, 1), r('b', '7', 2, 3)]);
  assert.deepEqual(result.excerpt?.indices, [1]);
  assert.match(result.excerpt?.explanation ?? '', /never written/);
});

test('read that precedes its write (strictly); touching intervals overlap (closed)', async () => {
  assert.equal(await verdict([r('b', '1', 0, 1), w('a', '1', 2, 3)]), 'violation');
  assert.equal(await verdict([r('b', '1', 0, 2), w('a', '1', 2, 3)]), 'ok'); // both at time 2
  const result = await checkHistory([r('b', '1', 0, 1), w('a', '1', 2, 3)]);
  assert.match(result.excerpt?.explanation ?? '', /Read precedes its write/);
});

test('stale read after a later write completed (write-write order)', async () => {
  // w1 then w2 strictly after, then a read of 1: 1 must precede 2 and follow it.
  assert.equal(await verdict([w('a', '1', 0, 1), w('b', '2', 2, 3), r('c', '1', 4, 5)]), 'violation');
  // The read overlapping w2 may precede it.
  assert.equal(await verdict([w('a', '1', 0, 1), w('b', '2', 2, 5), r('c', '1', 4, 6)]), 'ok');
  // A write nobody reads must still be placed: here it must fall between w1 and a read of 1.
  assert.equal(await verdict([w('a', '1', 0, 1), w('b', '2', 2, 3), r('c', '1', 0.5, 6), r('d', '1', 4, 5)]), 'violation');
  // A write nobody reads that can go last is fine.
  assert.equal(await verdict([w('a', '1', 0, 1), r('d', '1', 2, 3), w('b', '2', 2.5, 9)]), 'ok');
});

test('the initial value: null reads before any write, not after one completed', async () => {
  assert.equal(await verdict([r('a', null, 0, 1), w('b', '1', 2, 3), r('a', '1', 4, 5)]), 'ok');
  assert.equal(await verdict([w('b', '1', 0, 1), r('a', null, 2, 3)]), 'violation');
  assert.equal(await verdict([w('b', '1', 0, 5), r('a', null, 2, 3)]), 'ok');
});

test('pending write that must have taken effect (someone read it)', async () => {
  assert.equal(await verdict([w('a', '1', 0, null, 'pending'), r('b', '1', 5, 6)]), 'ok');
  // Having taken effect by time 6, it cannot be undone by time 7.
  assert.equal(await verdict([w('a', '1', 0, null, 'pending'), r('b', '1', 5, 6), r('c', null, 7, 8)]), 'violation');
  // A read of the pending write's value returning before the write was called.
  assert.equal(await verdict([r('b', '1', 0, 1), w('a', '1', 2, null, 'pending')]), 'violation');
});

test('pending write that must not have taken effect (yet), or never did', async () => {
  assert.equal(await verdict([w('a', '1', 0, null, 'pending'), r('b', null, 5, 6)]), 'ok');
  assert.equal(await verdict([w('a', '1', 0, null, 'pending'), w('c', '2', 1, 2), r('b', '2', 5, 6)]), 'ok');
  // It did not take effect before time 6, but may after: a later read of 1 is fine.
  assert.equal(await verdict([w('a', '1', 0, null, 'pending'), r('b', null, 5, 6), r('c', '1', 7, 8)]), 'ok');
});

test('failed write never takes effect: reading its value is a violation', async () => {
  assert.equal(await verdict([w('a', '1', 0, 1, 'failed'), r('b', '1', 2, 3)]), 'violation');
  assert.equal(await verdict([w('a', '1', 0, 1, 'failed'), r('b', null, 2, 3)]), 'ok');
  const result = await checkHistory([w('a', '1', 0, 1, 'failed'), r('b', '1', 2, 3)]);
  assert.deepEqual(result.excerpt?.indices, [0, 1]);
  assert.match(result.excerpt?.explanation ?? '', /failed operation/);
});

test('failed cas never takes effect; a compare observed to fail constrains the state', async () => {
  // status failed: no effect, no information.
  assert.equal(await verdict([w('a', '1', 0, 1), cas('b', '1', '2', false, 2, 3, 'failed'), r('c', '2', 4, 5)]), 'violation');
  assert.equal(await verdict([w('a', '1', 0, 1), cas('b', '1', '2', false, 2, 3, 'failed'), r('c', '1', 4, 5)]), 'ok');
  // ok with swapped=false (Jepsen :fail :cas): the register did not hold 1 then.
  assert.equal(await verdict([w('a', '1', 0, 1), cas('b', '1', '2', false, 2, 3), r('c', '1', 4, 5)]), 'violation');
  assert.equal(await verdict([w('a', '1', 0, 1), cas('b', '3', '2', false, 2, 3), r('c', '1', 4, 5)]), 'ok');
  // Swapped cas: then 2 is held.
  assert.equal(await verdict([w('a', '1', 0, 1), cas('b', '1', '2', true, 2, 3), r('c', '2', 4, 5)]), 'ok');
  assert.equal(await verdict([w('a', '1', 0, 1), cas('b', '1', '2', true, 2, 3), r('c', '1', 4, 5)]), 'violation');
  // Pending cas: may swap or not.
  assert.equal(await verdict([w('a', '1', 0, 1), cas('b', '1', '2', false, 2, null, 'pending'), r('c', '2', 4, 5), r('c', '2', 6, 7)]), 'ok');
  assert.equal(await verdict([w('a', '1', 0, 1), cas('b', '1', '2', false, 2, null, 'pending'), r('c', '1', 4, 5)]), 'ok');
});

test('concurrent reads may legally return different values', async () => {
  assert.equal(await verdict([w('a', '1', 0, 10), r('b', null, 1, 9), r('c', '1', 2, 8)]), 'ok');
  assert.equal(await verdict([w('a', '1', 0, 10), r('b', '1', 1, 3), r('c', null, 2, 4)]), 'ok');
  // Closed intervals: the new-value read ends at 2 and the old-value read starts at 2: they overlap.
  assert.equal(await verdict([w('a', '1', 0, 10), r('b', '1', 1, 2), r('c', null, 2, 3)]), 'ok');
  assert.equal(await verdict([w('a', '1', 0, 10), r('b', '1', 1, 2), r('c', null, 2.5, 3)]), 'violation');
});

test('pending and failed reads say nothing', async () => {
  assert.equal(await verdict([w('a', '1', 0, 1), r('b', null, 2, null, 'pending'), r('c', null, 2, 3, 'failed')]), 'ok');
});

test('per-key results: keys are independent; the violating key is named', async () => {
  const h: HistoryRecord[] = [
    { ...w('a', '1', 0, 1), key: 'x' },
    { ...r('b', '1', 2, 3), key: 'x' },
    { ...w('a', '1', 0, 1), key: 'y' }, // same value on another key: still unique per key
    { ...r('b', null, 2, 3), key: 'y' },
  ];
  const result = await checkHistory(h);
  assert.equal(result.verdict, 'violation');
  assert.deepEqual(
    result.perKey.map((k) => [k.key, k.verdict, k.method, k.opCount]),
    [
      ['x', 'ok', 'fast', 2],
      ['y', 'violation', 'fast', 2],
    ],
  );
  assert.equal(result.excerpt?.key, 'y');
  assert.deepEqual(result.excerpt?.indices, [2, 3]);
});

test('repeated write values go to the search; a cas under model register is an input error', async () => {
  const h = [w('a', '1', 0, 1), w('b', '1', 2, 3), r('c', '1', 4, 5)];
  const result = await checkHistory(h);
  assert.equal(result.verdict, 'ok');
  assert.equal(result.perKey[0]?.method, 'search');
  await assert.rejects(checkHistory([cas('a', null, '1', true, 0, 1)], { model: 'register' }), HistoryInputError);
  assert.equal((await checkHistory([cas('a', null, '1', true, 0, 1)])).model, 'cas-register');
});

test('time limit: a hard search gives unknown, not a guess', async () => {
  // 14 concurrent pending writes and a cas chain: too much to search in ~0 ms.
  const h: CheckerRecord[] = [];
  for (let i = 0; i < 16; i++) h.push(w(`p${i}`, String(i % 3), i * 0.01, null, 'pending'));
  for (let i = 0; i < 40; i++) h.push(cas(`c${i % 4}`, String(i % 3), String((i + 1) % 3), i % 2 === 0, 1 + i, 1.5 + i));
  const fast = await checkHistory(h, { timeoutMs: 0 });
  assert.equal(fast.verdict, 'unknown');
  assert.match(fast.perKey[0]?.reason ?? '', /time limit/);
});

test('jsonl parser: errors name the line and the field', () => {
  const good = `${JSON.stringify(w('a', '1', 0, 1))}\n\n${JSON.stringify(r('b', '1', 2, 3))}\n`;
  assert.equal(parseJsonlHistory(good).length, 2);
  const bad = (text: string): HistoryInputError => {
    try {
      parseJsonlHistory(text);
    } catch (error) {
      assert.ok(error instanceof HistoryInputError);
      return error;
    }
    assert.fail('expected an error');
  };
  const e1 = bad(`${JSON.stringify(w('a', '1', 0, 1))}\n{"client":"b","op":"read","key":"x","value":null,"call":"soon","return":3,"status":"ok","rounds":1}\n`);
  assert.equal(e1.line, 2);
  assert.equal(e1.field, 'call');
  assert.match(e1.message, /^line 2: field "call": expected a finite number \(ms\), got "soon"$/);
  const e2 = bad(`\n\n{"client":"b","op":"delete"}`);
  assert.deepEqual([e2.line, e2.field], [3, 'key']);
  const e3 = bad(`{"client":"b","op":"read","key":"x","value":null,"call":5,"return":3,"status":"ok","rounds":1}`);
  assert.deepEqual([e3.line, e3.field], [1, 'return']);
  const e4 = bad(`{"client":"b","op":"read","key":"x","value":null,"call":1,"return":3,"status":"ok","rounds":1}\n{oops`);
  assert.deepEqual([e4.line, e4.field], [2, '(json)']);
  const e5 = bad(`{"client":"b","op":"write","key":"x","value":"1","call":1,"return":3,"status":"pending","rounds":1}`);
  assert.deepEqual([e5.line, e5.field], [1, 'return']);
  // The harness format has no cas; the checker's extended form does.
  const casLine = `{"client":"b","op":"cas","key":"x","expected":null,"value":"1","swapped":true,"call":1,"return":3,"status":"ok","rounds":1}`;
  assert.deepEqual([bad(casLine).line, bad(casLine).field], [1, 'op']);
  assert.equal(parseJsonlCheckerHistory(casLine)[0]?.op, 'cas');
});

test('jepsen parser: events pair by process; :fail cas = compare failed; :info = pending', () => {
  const log = [
    'INFO  jepsen.util - 0\t:invoke\t:write\t3',
    'INFO  jepsen.util - 1\t:invoke\t:cas\t[3 4]',
    'INFO  jepsen.util - 0\t:ok\t:write\t3',
    'INFO  jepsen.util - 1\t:fail\t:cas\t[3 4]',
    '',
    'INFO  jepsen.util - 2\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 2\t:ok\t:read\tnil',
    'INFO  jepsen.util - 1   :invoke :write  5',
    'INFO  jepsen.util - 1\t:info\t:write\t:timed-out',
    'INFO  jepsen.util - 6\t:invoke\t:read\tnil',
  ].join('\n');
  const recs = parseJepsenLog(log);
  assert.deepEqual(recs, [
    { client: '0', key: 'register', call: 1, return: 3, status: 'ok', op: 'write', value: '3' },
    { client: '1', key: 'register', call: 2, return: 4, status: 'ok', op: 'cas', expected: '3', value: '4', swapped: false },
    { client: '2', key: 'register', call: 6, return: 7, status: 'ok', op: 'read', value: null },
    { client: '1', key: 'register', call: 8, return: null, status: 'pending', op: 'write', value: '5' },
    { client: '6', key: 'register', call: 10, return: null, status: 'pending', op: 'read', value: null },
  ]);
  assert.throws(() => parseJepsenLog('INFO  jepsen.util - 0\t:invoke\t:cas\t7'), (e: unknown) => e instanceof HistoryInputError && e.line === 1 && e.field === 'value');
  assert.throws(() => parseJepsenLog('INFO  jepsen.util - 0\t:ok\t:read\t1'), (e: unknown) => e instanceof HistoryInputError && e.line === 1 && e.field === 'process');
  assert.throws(() => parseJepsenLog('\nWARN something else'), (e: unknown) => e instanceof HistoryInputError && e.line === 2 && e.field === '(line)');
});

test('timeline: self-contained HTML, one lane per client, values on bars, excerpt highlighted', async () => {
  const h = [w('alice', '1', 0, 10), r('bob', '1', 1, 2), r('carol', null, 3, 4), w('dave', '9', 0, 1, 'failed')];
  const result = await checkHistory(h);
  const html = renderTimelineHtml(h, result);
  assert.ok(html.startsWith('<!doctype html>'));
  assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // no network references
  assert.doesNotMatch(html, /<script|<link|@import/);
  for (const client of ['alice', 'bob', 'carol', 'dave']) assert.match(html, new RegExp(`<text class="client"[^>]*>${client}</text>`));
  assert.equal((html.match(/<g class="[^"]*\bhl\b/g) ?? []).length, 3);
  assert.match(html, /W 1/);
  assert.match(html, /R nil/);
  assert.match(html, /class="op-write st-failed"/);
  assert.match(html, /must each be linearized before the other/);
  // Escaping: a value with markup is shown as text.
  const html2 = renderTimelineHtml([w('<b>', '<i>x</i>', 0, 1)]);
  assert.doesNotMatch(html2, /<i>x/);
  assert.match(html2, /&#60;i&#62;x/);
});

test('worker threads give the same per-key results as the main thread', async () => {
  // Three keys that need the search (repeated values), checked with 2 threads and with 1.
  const h: CheckerRecord[] = [];
  for (const key of ['a', 'b', 'c']) {
    h.push({ ...w('p', '1', 0, 1), key }, { ...w('q', '1', 2, 3), key }, { ...w('q', '2', 4, 5), key });
    h.push({ ...r('s', key === 'b' ? '1' : '2', 6, 7), key });
  }
  const single = await checkHistory(h, { workers: 0 });
  const pooled = await checkHistory(h, { workers: 2 });
  const strip = (res: typeof single) => res.perKey.map((k) => [k.key, k.verdict, k.method, k.excerpt?.indices]);
  assert.deepEqual(strip(pooled), strip(single));
  assert.equal(single.keysInWorkers, 0);
  assert.ok(pooled.keysInWorkers >= 1, `keys in workers: ${pooled.keysInWorkers}`);
  assert.deepEqual(
    strip(single).map((x) => x.slice(0, 2)),
    [
      ['a', 'ok'],
      ['b', 'violation'],
      ['c', 'ok'],
    ],
  );
});
