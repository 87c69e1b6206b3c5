/**
 * The column reader (harness/checker/scan-columns.ts) against the record path (parse-jsonl.ts +
 * checkHistory), an independent reader: on every history it takes, `checkColumns` must give the
 * same result (verdicts, methods, excerpts with their records and explanations); every line it must
 * not take leaves the whole history to the record path; and a file read in chunks gives the same
 * columns as the same bytes in memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkColumns, checkHistory, parseJsonlCheckerHistory, scanHistoryColumns, scanHistoryFile, type CheckResult, type HistoryColumns } from '../harness/checker/index.ts';
import { generateHistory } from '../harness/checker/generate.ts';
import { historyJsonl } from '../harness/results/writer.ts';

/** A result without its timings. */
function comparable(result: CheckResult): unknown {
  return { ...result, elapsedMs: 0, perKey: result.perKey.map((k) => ({ ...k, elapsedMs: 0 })) };
}

async function assertSameAsRecords(text: string, what: string): Promise<HistoryColumns> {
  const columns = scanHistoryColumns(Buffer.from(text));
  assert.ok(columns !== undefined, `${what}: the column reader refused it`);
  const records = parseJsonlCheckerHistory(text);
  assert.equal(columns.n, records.length, what);
  assert.deepStrictEqual(comparable(await checkColumns(columns)), comparable(await checkHistory(records)), what);
  return columns;
}

test('generated histories: the same results as records, violations and excerpts included', async () => {
  const cases = [
    { what: 'one key', options: { ops: 3000, clients: 8, keys: 1, seed: 1 } },
    { what: 'seven keys', options: { ops: 3000, clients: 8, keys: 7, seed: 2 } },
    { what: 'a stale read', options: { ops: 3000, clients: 8, keys: 1, seed: 3, staleRead: true, staleByWrites: 20 } },
    { what: 'many failed writes and pending operations', options: { ops: 2000, clients: 16, keys: 3, seed: 4, failedWriteFraction: 0.2, pendingClientFraction: 1 } },
  ];
  for (const { what, options } of cases) {
    const text = historyJsonl(generateHistory(options));
    await assertSameAsRecords(text, what);
  }
  const stale = await checkColumns(scanHistoryColumns(Buffer.from(historyJsonl(generateHistory(cases[2]!.options))))!);
  assert.equal(stale.verdict, 'violation');
  assert.ok((stale.excerpt?.records.length ?? 0) > 0);
});

test('hand-made histories: a read of a failed write, repeated values (the search), blank lines, CRLF, spaces, no rounds', async () => {
  const line = (client: string, op: string, value: string | null, call: number, ret: number | null, status: string, key = 'x'): string =>
    JSON.stringify({ client, op, key, value, call, return: ret, status, rounds: 1 });
  // A read returns the value of a failed write: a violation, and the excerpt names the failed write.
  const failedRead = [line('a', 'write', '1', 0, 1, 'failed'), line('b', 'read', '1', 2, 3, 'ok')].join('\n');
  const result = await checkColumns((await assertSameAsRecords(failedRead, 'failed write read')));
  assert.equal(result.verdict, 'violation');
  assert.match(result.excerpt?.explanation ?? '', /failed operation/);
  // The same value written twice: not the fast path, the search decides (a violation here).
  const repeated = [line('a', 'write', '1', 0, 1, 'ok'), line('a', 'write', '2', 2, 3, 'ok'), line('b', 'write', '1', 4, 5, 'ok'), line('c', 'read', '2', 6, 7, 'ok')].join('\n');
  const searched = await checkColumns(await assertSameAsRecords(repeated, 'repeated values'));
  assert.equal(searched.perKey[0]?.method, 'search');
  assert.equal(searched.verdict, 'violation');
  const odd = [
    '',
    ' { "client" : "a" , "op" : "write" , "key" : "x" , "value" : "1" , "call" : 0 , "return" : 1 , "status" : "ok" , "rounds" : 2 } \r',
    '   ',
    '{"status":"ok","return":3,"call":2,"value":"1","key":"x","op":"read","client":"b","rounds":2}\r',
    '',
  ].join('\n');
  const columns = await assertSameAsRecords(odd, 'layout');
  assert.equal(columns.n, 2);
  assert.deepStrictEqual(columns.record(0), { client: 'a', op: 'write', key: 'x', value: '1', call: 0, return: 1, status: 'ok', rounds: 2 });
  // A line without `rounds` (histories of other tools): taken, and its record has no `rounds` either.
  const noRounds = scanHistoryColumns(Buffer.from('{"client":"a","op":"write","key":"x","value":"1","call":0,"return":1,"status":"ok"}\n'));
  assert.deepStrictEqual(noRounds?.record(0), { client: 'a', op: 'write', key: 'x', value: '1', call: 0, return: 1, status: 'ok' });
});

test('lines the column reader leaves to the record path', () => {
  const good = '{"client":"a","op":"write","key":"x","value":"1","call":0,"return":1,"status":"ok","rounds":1}';
  const refused = [
    '{"client":"a","op":"cas","key":"x","value":"1","call":0,"return":1,"status":"ok","rounds":1,"expected":null,"swapped":true}',
    '{"client":"a\\u0062","op":"write","key":"x","value":"1","call":0,"return":1,"status":"ok","rounds":1}',
    '{"client":"é","op":"write","key":"x","value":"1","call":0,"return":1,"status":"ok","rounds":1}',
    '{"client":"a","op":"write","key":"x","value":"1","call":0,"return":1,"status":"ok","rounds":1,"extra":0}',
    '{"client":"a","op":"write","key":"x","call":0,"return":1,"status":"ok","rounds":1}',
    '{"client":"a","op":"write","key":"x","value":1,"call":0,"return":1,"status":"ok","rounds":1}',
    '{"client":"a","op":"write","key":"x","value":"1","call":2,"return":1,"status":"ok","rounds":1}',
    '{"client":"a","op":"write","key":"x","value":"1","call":0,"return":null,"status":"ok","rounds":1}',
    '{"client":"a","op":"write","key":"x","value":"1","call":0,"return":1,"status":"pending","rounds":1}',
    '{"client":"a","op":"write","key":"x","value":"1","call":0,"return":1,"status":"ok","rounds":1.5}',
    '{"client":"a","op":"write","key":"x","value":"1","call":0,"return":1,"status":"maybe","rounds":1}',
    '{"client":"a","op":"write","key":"x","value":"1","call":01,"return":1,"status":"ok","rounds":1}',
    '{"client":"a","op":"write","key":"x","value":"1","call":0,"return":1,"status":"ok","rounds":1',
    'not json',
  ];
  assert.ok(scanHistoryColumns(Buffer.from(good)) !== undefined);
  for (const line of refused) assert.equal(scanHistoryColumns(Buffer.from(`${good}\n${line}\n${good}`)), undefined, line);
  assert.equal(scanHistoryColumns(Buffer.from('\n  \n')), undefined, 'no operation at all');
});

test('a file read in chunks gives the columns of the same bytes in memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qb-columns-'));
  try {
    // Over two 1 MiB chunks, with CRLF line ends and blank lines, so that lines straddle chunk ends.
    const text = historyJsonl(generateHistory({ ops: 30_000, clients: 16, keys: 5, seed: 9 })).replace(/\n/g, (_, offset: number) => (offset % 7 === 0 ? '\r\n\n' : '\r\n'));
    const path = join(dir, 'history.jsonl');
    writeFileSync(path, text);
    const inMemory = scanHistoryColumns(Buffer.from(text))!;
    const fromFile = (await scanHistoryFile(path))!;
    assert.equal(fromFile.n, 30_000);
    for (const column of ['op', 'status', 'key', 'value', 'call', 'ret'] as const) assert.deepStrictEqual(fromFile[column], inMemory[column], column);
    assert.deepStrictEqual(fromFile.keys, inMemory.keys);
    const records = parseJsonlCheckerHistory(text);
    for (const i of [0, 1, 8_000, 8_001, 17_777, 29_999]) assert.deepStrictEqual(fromFile.record(i), records[i], `record ${i}`);
    assert.deepStrictEqual(comparable(await checkColumns(fromFile)), comparable(await checkHistory(records)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
