/**
 * The advice `run` prints after a real-engine run that warmed up too little (harness/real/cold-start.ts):
 * given below 5,000 warm-up operations and 3 s of warm-up, not at either bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coldStartAdvice } from '../harness/real/cold-start.ts';

test('a real-engine run is advised to warm up below 5,000 operations and 3 s, and only then', () => {
  const advice = coldStartAdvice({ warmupOps: 10, warmupMs: 0 });
  assert.ok(advice !== undefined);
  assert.match(advice, /^note: engine real, workload\.warmupOps 10 and warmupMs 0: /);
  assert.match(advice, /set workload\.warmupOps to 5000 or more \(or warmupMs to 3000\)$/);
  assert.equal(advice.includes('\n'), false, 'one line');
  assert.notEqual(coldStartAdvice({ warmupOps: 4999, warmupMs: 2999 }), undefined);
  assert.equal(coldStartAdvice({ warmupOps: 5000, warmupMs: 0 }), undefined);
  assert.equal(coldStartAdvice({ warmupOps: 0, warmupMs: 3000 }), undefined);
});
