/**
 * Jepsen's `history.edn` (parse-edn.ts): a hand-made register history with :info, :fail, a cas and
 * a nemesis, with verdicts worked out by hand; both layouts (one map per line, one vector); errors
 * naming line and field; and etcd logs of the corpus converted to EDN keep the verdicts of
 * expected.json.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { checkHistory, HistoryInputError, parseJepsenEdn, parseJepsenLog } from '../harness/checker/index.ts';
import { runCheckCli } from '../harness/cli/commands/check.ts';

const ops = (lines: readonly string[]): string => `${lines.join('\n')}\n`;

/**
 * Process 0 writes 1; process 1's cas 1→2 overlaps process 2's read, which returns 2 (so the cas
 * went first); process 0's cas 1→3 fails because the register holds 2; the nemesis starts a
 * partition; process 1's write of 4 times out (:info) but process 2 then reads 4, so it took effect;
 * process 3's write of 5 fails (no effect); process 2 reads 4 again. Linearizable: w1, cas 1→2,
 * read 2, cas 1→3 (compare fails), w4, read 4, read 4.
 */
const LINEARIZABLE = [
  '{:type :invoke, :f :write, :value 1, :process 0, :time 10, :index 0}',
  '{:type :ok, :f :write, :value 1, :process 0, :time 20, :index 1}',
  '{:type :invoke, :f :cas, :value [1 2], :process 1, :time 30, :index 2}',
  '{:type :invoke, :f :read, :value nil, :process 2, :time 31, :index 3}',
  '{:type :ok, :f :cas, :value [1 2], :process 1, :time 40, :index 4}',
  '{:type :ok, :f :read, :value 2, :process 2, :time 41, :index 5}',
  '{:type :invoke, :f :cas, :value [1 3], :process 0, :time 50, :index 6}',
  '{:type :fail, :f :cas, :value [1 3], :process 0, :time 60, :index 7}',
  '{:type :info, :f :start-partition, :value nil, :process :nemesis, :time 61, :index 8}',
  '{:type :invoke, :f :write, :value 4, :process 1, :time 70, :index 9}',
  '{:type :info, :f :write, :value 4, :process 1, :time 80, :index 10, :error :timeout}',
  '{:type :invoke, :f :read, :value nil, :process 2, :time 90, :index 11}',
  '{:type :ok, :f :read, :value 4, :process 2, :time 100, :index 12}',
  '{:type :invoke, :f :write, :value 5, :process 3, :time 110, :index 13}',
  '{:type :fail, :f :write, :value 5, :process 3, :time 120, :index 14, :error "connection refused"}',
  '{:type :invoke, :f :read, :value nil, :process 2, :time 130, :index 15}',
  '{:type :ok, :f :read, :value 4, :process 2, :time 140, :index 16}',
];

const dir = mkdtempSync(join(tmpdir(), 'qb-edn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a hand-made EDN history: records, and the verdicts worked out by hand', async () => {
  const records = parseJepsenEdn(ops(LINEARIZABLE));
  // The nemesis event is skipped, so positions count client events only.
  assert.deepEqual(records, [
    { client: '0', key: 'register', call: 1, return: 2, status: 'ok', op: 'write', value: '1' },
    { client: '1', key: 'register', call: 3, return: 5, status: 'ok', op: 'cas', expected: '1', value: '2', swapped: true },
    { client: '2', key: 'register', call: 4, return: 6, status: 'ok', op: 'read', value: '2' },
    { client: '0', key: 'register', call: 7, return: 8, status: 'ok', op: 'cas', expected: '1', value: '3', swapped: false },
    { client: '1', key: 'register', call: 9, return: null, status: 'pending', op: 'write', value: '4' },
    { client: '2', key: 'register', call: 11, return: 12, status: 'ok', op: 'read', value: '4' },
    { client: '3', key: 'register', call: 13, return: 14, status: 'failed', op: 'write', value: '5' },
    { client: '2', key: 'register', call: 15, return: 16, status: 'ok', op: 'read', value: '4' },
  ]);
  assert.equal((await checkHistory(records)).verdict, 'ok');
  // The last read returns the value of the failed write: no write that may have taken effect wrote 5.
  const readsFailedWrite = LINEARIZABLE.map((line, i) => (i === 16 ? line.replace(':value 4', ':value 5') : line));
  assert.equal((await checkHistory(parseJepsenEdn(ops(readsFailedWrite)))).verdict, 'violation');
  // A cas 2→3 cannot have failed its compare: the register held 2 from the read of 2 to the write of 4.
  const impossibleFail = LINEARIZABLE.map((line, i) => (i === 6 || i === 7 ? line.replace('[1 3]', '[2 3]') : line));
  assert.equal((await checkHistory(parseJepsenEdn(ops(impossibleFail)))).verdict, 'violation');
});

test('one vector, tagged records, comments and discards read the same as one map per line', () => {
  const wrapped = `; a history as jepsen.history prints it\n[${LINEARIZABLE.map((line, i) => (i === 3 ? `#jepsen.history.Op${line}` : line)).join('\n ')}\n #_{:type :ok}]\n`;
  assert.deepEqual(parseJepsenEdn(wrapped), parseJepsenEdn(ops(LINEARIZABLE)));
});

test('EDN errors name the line and the field', () => {
  const error = (text: string): [number, string] => {
    try {
      parseJepsenEdn(text);
    } catch (e) {
      assert.ok(e instanceof HistoryInputError);
      return [e.line, e.field];
    }
    assert.fail('expected an error');
  };
  assert.deepEqual(error('{:type :invoke, :f :read, :process 0}\n{:type :invoke, :f :txn, :value [[:r 1 nil]], :process 1}\n'), [2, 'f']);
  assert.deepEqual(error('\n\n{:type :done, :f :read, :process 0}'), [3, 'type']);
  assert.deepEqual(error('{:type :invoke, :f :read, :process 0}\n{:type :ok, :f :read, :value [1 2], :process 0}'), [2, 'value']);
  assert.deepEqual(error('{:type :invoke, :f :cas, :value 3, :process 0}'), [1, 'value']);
  assert.deepEqual(error('{:type :ok, :f :read, :value 1, :process 0}'), [1, 'process']);
  assert.deepEqual(error('{:type :invoke, :f :read, :value nil}'), [1, 'process']);
  assert.deepEqual(error('{:type :invoke,\n :f :read, :value "unterminated}'), [2, '(edn)']);
  assert.deepEqual(error('{:type :invoke :f}'), [1, '(edn)']);
  assert.deepEqual(error('[{:type :invoke, :f :read, :process 0}\n 7]'), [2, '(edn)']);
});

/** An etcd log line `INFO  jepsen.util - P\t:type\t:f\tvalue` as Jepsen writes the op to history.edn. */
function etcdToEdn(log: string): string {
  return log
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const [, process, type, f, value] = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*?)\s*$/.exec(line) as RegExpExecArray;
      return `{:type ${type}, :f ${f}, :value ${value}, :process ${process}, :time ${index * 1000}, :index ${index}}`;
    })
    .join('\n');
}

test('etcd logs of the corpus converted to EDN: same records, and the verdicts of expected.json', async () => {
  const corpus = new URL('./fixtures/jepsen-etcd/', import.meta.url);
  const expected = (JSON.parse(readFileSync(new URL('expected.json', corpus), 'utf8')) as { linearizable: Record<string, boolean> }).linearizable;
  for (const name of ['etcd_014.log', 'etcd_018.log', 'etcd_040.log']) {
    const log = readFileSync(new URL(name, corpus), 'utf8');
    const edn = parseJepsenEdn(etcdToEdn(log));
    // The logs have no blank line, so a line number is also the event's position.
    assert.deepEqual(edn, parseJepsenLog(log), name);
    const result = await checkHistory(edn, { excerpt: false, workers: 0 });
    assert.equal(result.verdict, expected[name] === true ? 'ok' : 'violation', name);
  }
  // Through the command line, detected by its extension.
  const file = join(dir, 'history.edn');
  writeFileSync(file, etcdToEdn(readFileSync(new URL('etcd_018.log', corpus), 'utf8')));
  let out = '';
  const code = await runCheckCli([file], { out: (t) => (out += t), err: () => {} });
  assert.equal(code, 0);
  assert.match(out, /history\.edn: ok: \d+ ops, 1 key\n/);
});
