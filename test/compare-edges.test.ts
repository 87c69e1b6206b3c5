/**
 * The config digest in summary.json, the warning of `compare` when a same-named experiment changed
 * its protocol or config between the two sides, and `baseline update` leaving files alone when only
 * `meta` (the git commit) would change.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { emitComparison } from '../harness/cli/commands/compare.ts';
import { compareResults, formatMarkdown, resultSetOf } from '../harness/compare/index.ts';
import { writeBaseline } from '../harness/compare/suite.ts';
import { configDigest } from '../harness/results/digest.ts';
import type { ExperimentSummary } from '../harness/results/schema.ts';
import { writeExperiment } from '../harness/results/writer.ts';
import { run, summary } from './compare-fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'qb-compare-edges-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const abd = { name: 'same-name', seed: 1, repetitions: 2, protocol: { name: 'abd', t: 1 }, workload: { operations: 10, valueBytes: 64 } };

describe('config digest', () => {
  it('is SHA-256 of the sorted-key JSON without name, seed, repetitions and report', () => {
    // Worked out by hand: the fields left, keys sorted at every level, no spaces.
    const canonical = '{"protocol":{"name":"abd","t":1},"workload":{"operations":10,"valueBytes":64}}';
    assert.equal(configDigest(abd), `sha256:${createHash('sha256').update(canonical).digest('hex')}`);
    const reordered = { workload: { valueBytes: 64, operations: 10 }, protocol: { t: 1, name: 'abd' }, name: 'other', seed: 99, repetitions: 5, report: { title: 'x' } };
    assert.equal(configDigest(reordered), configDigest(abd));
    assert.notEqual(configDigest({ ...abd, protocol: { name: 'm-powerstore', t: 1 } }), configDigest(abd));
    assert.notEqual(configDigest({ ...abd, workload: { operations: 10, valueBytes: 65 } }), configDigest(abd));
  });

  it('is recorded in the summary.json that the runner writes', () => {
    const dir = join(tmp, 'written');
    const s = { ...summary('same-name', [run('base', 0)]), config: abd };
    writeExperiment(dir, { summary: s, histories: new Map(), latency: [] });
    const stored = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as ExperimentSummary;
    assert.equal(stored.configDigest, configDigest(abd));
  });
});

describe('compare: a same-named experiment that changed its setup', () => {
  const baseline = { ...summary('same-name', [run('base', 0)]), config: abd };
  const current = { ...summary('same-name', [run('base', 0)]), config: { ...abd, protocol: { name: 'm-powerstore', t: 1 }, workload: { operations: 10, valueBytes: 128 } } };
  const comparison = compareResults(resultSetOf('b', [baseline]), resultSetOf('c', [current]));
  const line = "same-name: the experiment's config changed between baseline and current (protocol abd → m-powerstore, workload): its rows compare two different setups";

  it('one warning line naming the changed fields, in the markdown too', () => {
    assert.deepEqual(comparison.warnings, [line]);
    assert.ok(formatMarkdown(comparison).includes(`> ⚠️ ${line}`));
    // The same setup, another seed: no config warning (the seed has its own).
    const reseeded = { ...baseline, seed: 7, config: { ...abd, seed: 7 } };
    assert.deepEqual(compareResults(resultSetOf('b', [baseline]), resultSetOf('c', [reseeded])).warnings, ['same-name: seed differs (baseline 1, current 7): simulated runs are only comparable with the same seed']);
  });

  it('the CLI prints it on stderr, one line', async () => {
    let stderr = '';
    let stdout = '';
    const write = { err: process.stderr.write, out: process.stdout.write };
    process.stderr.write = ((text: string) => ((stderr += text), true)) as typeof process.stderr.write;
    process.stdout.write = ((text: string) => ((stdout += text), true)) as typeof process.stdout.write;
    try {
      await emitComparison(comparison, { onlyChanges: true, allowMissing: false });
    } finally {
      process.stderr.write = write.err;
      process.stdout.write = write.out;
    }
    assert.equal(stderr, `quorumbench compare: warning: ${line}\n`);
    assert.match(stdout, /compare: 0 worse/);
  });
});

describe('baseline update', () => {
  it('rewrites a summary only when its measured content changed, not for meta.gitCommit', () => {
    const dir = join(tmp, 'baseline');
    const first = { ...summary('tiny', [run('base', 0)]), config: abd };
    assert.deepEqual(writeBaseline(dir, [first]), { written: ['tiny'], unchanged: [], removed: [] });
    const file = join(dir, 'tiny', 'summary.json');
    const text = readFileSync(file, 'utf8');
    const before = statSync(file).mtimeMs;
    const newCommit = { ...first, meta: { gitCommit: 'another-commit', node: 'v99' } };
    assert.deepEqual(writeBaseline(dir, [newCommit]), { written: [], unchanged: ['tiny'], removed: [] });
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.equal(statSync(file).mtimeMs, before);
    const measured = { ...newCommit, runs: [run('base', 0, { throughputOpsPerS: 1700 })] };
    assert.deepEqual(writeBaseline(dir, [measured]), { written: ['tiny'], unchanged: [], removed: [] });
    assert.match(readFileSync(file, 'utf8'), /"throughputOpsPerS": 1700/);
    assert.match(readFileSync(file, 'utf8'), /"gitCommit": "another-commit"/);
  });
});
