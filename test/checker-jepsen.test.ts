/**
 * The Jepsen etcd corpus (test/fixtures/jepsen-etcd, also Porcupine's test corpus): every one of
 * the 102 logs gets the verdict recorded in expected.json (23 linearizable, 79 not).
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { checkHistory, parseJepsenLog } from '../harness/checker/index.ts';

const DIR = new URL('./fixtures/jepsen-etcd/', import.meta.url);

test('all 102 Jepsen etcd logs match expected.json', async () => {
  const expected = (JSON.parse(readFileSync(new URL('expected.json', DIR), 'utf8')) as { linearizable: Record<string, boolean> }).linearizable;
  const files = readdirSync(DIR).filter((f) => f.endsWith('.log')).sort();
  assert.equal(files.length, 102);
  assert.equal(Object.keys(expected).length, 102);
  const counts = { ok: 0, violation: 0 };
  const mismatches: string[] = [];
  for (const file of files) {
    const records = parseJepsenLog(readFileSync(new URL(file, DIR), 'utf8'));
    const result = await checkHistory(records, { model: 'cas-register', excerpt: false, workers: 0 });
    const want = expected[file] === true ? 'ok' : 'violation';
    if (result.verdict !== want) mismatches.push(`${file}: got ${result.verdict}, expected ${want}`);
    if (result.verdict === 'ok' || result.verdict === 'violation') counts[result.verdict]++;
    assert.equal(result.perKey.length, 1);
    assert.equal(result.perKey[0]?.method, 'search'); // repeated values and cas: no fast path
  }
  assert.deepEqual(mismatches, []);
  assert.deepEqual(counts, { ok: 23, violation: 79 });
});

test('Jepsen excerpts are small, and no other operations of the log can explain them away', async () => {
  // etcd_014: write 2 returns (line 49), then a read returns 0 (lines 50–51); every write of 0
  // returned before line 47, so none can come between.
  const log014 = parseJepsenLog(readFileSync(new URL('etcd_014.log', DIR), 'utf8'));
  const r014 = await checkHistory(log014);
  assert.deepEqual(
    r014.excerpt?.records.map((r) => ({ client: r.client, op: r.op, value: r.value, call: r.call, return: r.return })),
    [
      { client: '2', op: 'write', value: '2', call: 47, return: 49 },
      { client: '3', op: 'read', value: '0', call: 50, return: 51 },
    ],
  );
  // Faithfulness: the excerpt plus any other operations of the same log is still a violation.
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const sizes: number[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.log')).sort()) {
    const records = parseJepsenLog(readFileSync(new URL(file, DIR), 'utf8'));
    const result = await checkHistory(records, { workers: 0 });
    if (result.verdict !== 'violation') continue;
    const excerpt = result.excerpt;
    assert.ok(excerpt !== undefined, file);
    sizes.push(excerpt.indices.length);
    const inExcerpt = new Set(excerpt.indices);
    for (let trial = 0; trial < 3; trial++) {
      const p = [0.2, 0.5, 0.9][trial] as number;
      const superset = records.filter((_, i) => inExcerpt.has(i) || rand() < p);
      const again = await checkHistory(superset, { excerpt: false, workers: 0 });
      assert.equal(again.verdict, 'violation', `${file}: excerpt plus other operations became ${again.verdict}`);
    }
  }
  sizes.sort((a, b) => a - b);
  assert.equal(sizes.length, 79);
  assert.ok((sizes[39] as number) <= 12, `median excerpt size ${sizes[39]}`);
});
