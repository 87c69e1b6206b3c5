/**
 * Sweep expansion: cross product, derived seeds, rules, the quick patch, and labelled errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../harness/config/errors.ts';
import { expandSweep, mergePatch, pointSeed } from '../harness/sweep/expand.ts';
import { fnv1a32 } from '../harness/fnv1a.ts';

const BASE = {
  name: 'x',
  seed: 7,
  repetitions: 2,
  protocol: { name: ['abd', 'powerstore'], t: 1 },
  workload: { writers: 1, readers: 1, valueBytes: 1024, operations: 10 },
  faults: [],
};

test('a plain config is one point, run with its own seed', () => {
  const { points, dimensions } = expandSweep({ ...BASE, protocol: { name: 'abd', t: 1 } });
  assert.equal(dimensions.length, 0);
  assert.equal(points.length, 1);
  assert.equal(points[0]!.id, 'base');
  assert.equal(points[0]!.config['seed'], 7);
});

test('implicit lists and the sweep block expand to the cross product, last dimension fastest', () => {
  const { points } = expandSweep({ ...BASE, sweep: { 'workload.valueBytes': [1024, 4096, 65536] } });
  assert.deepEqual(
    points.map((p) => p.id),
    [
      'protocol=abd,valueBytes=1024',
      'protocol=abd,valueBytes=4096',
      'protocol=abd,valueBytes=65536',
      'protocol=powerstore,valueBytes=1024',
      'protocol=powerstore,valueBytes=4096',
      'protocol=powerstore,valueBytes=65536',
    ],
  );
  const p = points[4]!;
  assert.deepEqual(p.values, { protocol: 'powerstore', valueBytes: 4096 });
  assert.deepEqual(p.config['protocol'], { name: 'powerstore', t: 1 });
  assert.deepEqual(p.config['workload'], { writers: 1, readers: 1, valueBytes: 4096, operations: 10 });
  assert.equal('sweep' in p.config, false, 'sweep keys never reach the core schema');
  assert.equal(p.config['repetitions'], 2);
});

test('point seeds: base + 1024 · FNV-1a(id), independent of the other points', () => {
  // FNV-1a 32-bit test vectors (draft-eastlake-fnv): "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  assert.equal(pointSeed(7, 'base'), 7);
  assert.equal(pointSeed(7, 'a'), 7 + 0xe40c292c * 1024);
  const two = expandSweep(BASE).points;
  const one = expandSweep({ ...BASE, protocol: { name: ['powerstore'], t: 1 } }).points;
  assert.equal(one[0]!.config['seed'], two[1]!.config['seed']);
  assert.notEqual(two[0]!.config['seed'], two[1]!.config['seed']);
  assert.equal(two[0]!.config['seed'], pointSeed(7, 'protocol=abd'));
});

test('rules: set applies to matching points, skip removes them and says which', () => {
  const { points, skipped } = expandSweep({
    ...BASE,
    protocol: { name: ['abd', 'powerstore'], t: 1 },
    faults: [{ type: 'byzantine', node: 's1', strategy: ['stale', 'crash'] }],
    sweepRules: [
      { when: { 'faults.0.strategy': 'crash' }, set: { 'faults.0': { type: 'crash', node: 's1', atMs: 0 } } },
      { when: { 'protocol.name': 'abd', 'faults.0.type': 'byzantine' }, set: { expectViolation: true } },
      { when: { 'protocol.name': ['powerstore'], 'faults.0.type': 'crash' }, skip: true },
    ],
  });
  assert.deepEqual(skipped, ['protocol=powerstore,strategy=crash']);
  assert.deepEqual(
    points.map((p) => [p.id, p.config['expectViolation'] ?? false, (p.config['faults'] as { type: string }[])[0]!.type]),
    [
      ['protocol=abd,strategy=stale', true, 'byzantine'],
      ['protocol=abd,strategy=crash', false, 'crash'],
      ['protocol=powerstore,strategy=stale', false, 'byzantine'],
    ],
  );
});

test('quick merges its patch first: objects merge, lists replace', () => {
  assert.deepEqual(mergePatch({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } }), { a: { b: 1, c: [3] } });
  const raw = { ...BASE, sweep: { 'workload.valueBytes': [1, 2, 3] }, quick: { repetitions: 1, workload: { operations: 3 }, sweep: { 'workload.valueBytes': [1] } } };
  const full = expandSweep(raw);
  const quick = expandSweep(raw, { quick: true });
  assert.equal(full.points.length, 6);
  assert.equal(quick.points.length, 2);
  assert.equal(quick.points[0]!.config['repetitions'], 1);
  assert.equal((quick.points[0]!.config['workload'] as { operations: number }).operations, 3);
  assert.equal(full.points[0]!.config['repetitions'], 2);
});

test('bad sweeps are labelled errors naming the field and value', () => {
  assert.throws(() => expandSweep({ ...BASE, sweep: { 'workload.valueBytes': [] } }), (e: unknown) => e instanceof ConfigError && /sweep\.workload\.valueBytes: must be a non-empty list, got \[\]/.test(e.message));
  assert.throws(() => expandSweep({ ...BASE, sweep: { 'faults.3.strategy': ['x'] } }), /faults\.3\.strategy.*past the list's end/);
  assert.throws(() => expandSweep({ ...BASE, sweepRules: [{ when: {}, set: {}, skip: true }] }), /sweepRules\[0\]: give exactly one of set and skip/);
  assert.throws(() => expandSweep({ ...BASE, seed: -1 }), /seed: must be a non-negative integer, got -1/);
  assert.throws(() => expandSweep({ ...BASE, protocol: { name: [], t: 1 } }), /protocol\.name: an empty list sweeps nothing/);
});
