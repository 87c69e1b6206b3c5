/**
 * docs/history.schema.json, the published form of the history JSON Lines, checked with Ajv (the
 * standard JSON Schema validator): every line of histories the harness itself wrote validates, and
 * the schema accepts and rejects the same lines as the checker's parser where the schema can say it.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { HistoryInputError, parseJsonlCheckerHistory } from '../harness/checker/index.ts';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { runExperiment } from '../harness/runner/index.ts';
import { historyJsonl } from '../harness/results/writer.ts';

const schema = JSON.parse(readFileSync(new URL('../docs/history.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true }).compile(schema);

test("the harness's own histories validate, line by line", async () => {
  // Two writers and a reader on two keys, with a server crash mid-run: ok, and (the crash) some pending writes.
  const config = parseConfig({
    name: 'schema',
    protocol: { name: 'abd', t: 1 },
    network: { preset: 'dc' },
    workload: { keys: 2, writers: 2, readers: 1, valueBytes: 16, operations: 60 },
    faults: [{ type: 'crash', node: 'w2', atMs: 5 }],
    repetitions: 2,
  });
  const result = await runExperiment(resolveExperiment(config));
  let lines = 0;
  const statuses = new Set<string>();
  for (const history of result.histories.values()) {
    for (const line of historyJsonl(history).split('\n').filter((l) => l !== '')) {
      const record = JSON.parse(line) as { status: string };
      assert.ok(validate(record), `${line}: ${JSON.stringify(validate.errors)}`);
      statuses.add(record.status);
      lines++;
    }
  }
  assert.ok(lines >= 120, `only ${lines} lines`);
  assert.deepEqual([...statuses].sort(), ['ok', 'pending']);
});

test('the schema and the parser agree on lines from other tools and on bad lines', () => {
  const good = [
    { client: 'a', op: 'write', key: 'x', value: '1', call: 0, return: 1.5, status: 'ok' },
    { client: 'a', op: 'read', key: 'x', value: null, call: 2, return: null, status: 'pending', rounds: 0 },
    { client: 'a', op: 'write', key: 'x', value: '2', call: 3, return: null, status: 'failed', extra: { any: 1 } },
    { client: 'b', op: 'cas', key: 'x', expected: '1', value: '3', swapped: false, call: 4, return: 5, status: 'ok' },
  ];
  for (const record of good) {
    assert.ok(validate(record), JSON.stringify(validate.errors));
    assert.equal(parseJsonlCheckerHistory(JSON.stringify(record)).length, 1);
  }
  const bad = [
    { client: 'a', op: 'write', key: 'x', value: '1', call: 0, return: 1, status: 'done' },
    { client: 'a', op: 'delete', key: 'x', value: '1', call: 0, return: 1, status: 'ok' },
    { client: 'a', op: 'write', key: 'x', value: 1, call: 0, return: 1, status: 'ok' },
    { client: 'a', op: 'write', key: 'x', value: '1', call: '0', return: 1, status: 'ok' },
    { client: 'a', op: 'write', key: 'x', value: '1', call: 0, return: 1, status: 'pending' },
    { client: 'a', op: 'write', key: 'x', value: '1', call: 0, return: null, status: 'ok' },
    { client: 'a', op: 'write', key: 'x', value: '1', call: 0, return: 1, status: 'ok', rounds: 1.5 },
    { client: 'a', op: 'cas', key: 'x', value: '1', call: 0, return: 1, status: 'ok' },
    { op: 'write', key: 'x', value: '1', call: 0, return: 1, status: 'ok' },
  ];
  for (const record of bad) {
    assert.equal(validate(record), false, JSON.stringify(record));
    assert.throws(() => parseJsonlCheckerHistory(JSON.stringify(record)), HistoryInputError, JSON.stringify(record));
  }
});
