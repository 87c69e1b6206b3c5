/**
 * Suites and committed baselines: loading a suite file, running it, and `baseline update` rewriting a
 * baseline deliberately while reporting what changed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CompareInputError, loadResultSet, resultSetOf } from '../harness/compare/index.ts';
import { loadSuite, runSuite, updateBaseline } from '../harness/compare/suite.ts';
import type { ExperimentSummary } from '../harness/results/schema.ts';

const tmp = mkdtempSync(join(tmpdir(), 'quorumbench-compare-baseline-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const CONFIG = `name: tiny-abd
engine: sim
seed: 3
protocol: { name: abd, t: 1 }
network: { latency: { distribution: constant, oneWayMs: 1 } }
costProfile: default
workload: { keys: 1, writers: 1, readers: 1, valueBytes: 100, operations: 40 }
`;

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('suites', () => {
  it('a suite file lists configs relative to itself; a plain config is a suite of one', () => {
    const dir = join(tmp, 'suite-a');
    write(join(dir, 'tiny-abd.yaml'), CONFIG);
    const suite = loadSuite(write(join(dir, 'suite.yaml'), 'suite: tiny\nexperiments: [tiny-abd.yaml]\n'));
    assert.equal(suite.name, 'tiny');
    assert.deepEqual(suite.experiments, [join(dir, 'tiny-abd.yaml')]);
    const single = loadSuite(join(dir, 'tiny-abd.yaml'));
    assert.deepEqual([single.name, single.experiments], ['tiny-abd', [join(dir, 'tiny-abd.yaml')]]);
  });

  it('bad suite files are bad input naming the file and field', () => {
    const dir = join(tmp, 'suite-bad');
    const missing = write(join(dir, 'missing.yaml'), 'suite: s\nexperiments: [nowhere.yaml]\n');
    assert.throws(() => loadSuite(missing), (e: Error) => e instanceof CompareInputError && e.message === `${missing}: experiments[0]: no such config "nowhere.yaml"`);
    const empty = write(join(dir, 'empty.yaml'), 'suite: s\nexperiments: []\n');
    assert.throws(() => loadSuite(empty), /empty.yaml: experiments: must list at least one config/);
    const typo = write(join(dir, 'typo.yaml'), 'suite: s\nexperiment: [a.yaml]\n');
    assert.throws(() => loadSuite(typo), /typo.yaml: experiments: required/);
    assert.throws(() => loadSuite(join(dir, 'absent.yaml')), /absent.yaml: cannot read file/);
  });
});

describe('baseline update', () => {
  it('writes a new baseline, then rewrites it and reports what changed; keeps only the suite', async () => {
    const dir = join(tmp, 'suite-b');
    write(join(dir, 'tiny-abd.yaml'), CONFIG);
    const suite = loadSuite(write(join(dir, 'suite.yaml'), 'suite: tiny\nexperiments: [tiny-abd.yaml]\n'));
    const baselineDir = join(tmp, 'baselines', 'tiny');
    // A folder of an experiment that left the suite, and one that is not a baseline folder at all.
    write(join(baselineDir, 'retired', 'summary.json'), '{}');
    write(join(baselineDir, 'notes', 'README.md'), 'keep me');

    const outDir = join(tmp, 'results', 'tiny');
    const first = resultSetOf(outDir, await runSuite(suite, { outDir }));
    assert.ok(existsSync(join(outDir, 'tiny-abd', 'runs.csv')), 'the run writes full outputs');
    const created = updateBaseline(suite, baselineDir, first);
    assert.equal(created.comparison, undefined);
    assert.match(created.previousProblem ?? '', /retired\/summary.json: schemaVersion/);
    assert.deepEqual(created.removed, ['retired']);
    assert.ok(existsSync(join(baselineDir, 'notes', 'README.md')));

    // The baseline is the summary only, and loads back equal to what was run.
    const loaded = loadResultSet(baselineDir);
    assert.equal(loaded.summaries.length, 1);
    assert.deepEqual(loaded.summaries[0]!.summary.runs, JSON.parse(JSON.stringify(first.summaries[0]!.summary.runs)));

    // A deliberate change: every operation costs 2 more messages (hand-edited figures).
    const changed: ExperimentSummary = structuredClone(first.summaries[0]!.summary);
    const write0 = changed.runs[0]!.ops.write!;
    (write0 as { messagesPerOp: number }).messagesPerOp = write0.messagesPerOp + 2;
    const again = updateBaseline(suite, baselineDir, resultSetOf('changed', [changed, { ...changed, name: 'not-in-suite' }]));
    assert.ok(again.comparison);
    assert.deepEqual(
      again.comparison.rows.filter((r) => r.verdict !== 'same').map((r) => `${r.op} ${r.metric} ${r.baseline} → ${r.current} ${r.verdict}`),
      ['write messagesPerOp 12 → 14 worse'],
    );
    const stored = JSON.parse(readFileSync(join(baselineDir, 'tiny-abd', 'summary.json'), 'utf8')) as ExperimentSummary;
    assert.equal(stored.runs[0]!.ops.write!.messagesPerOp, 14);
    assert.equal(existsSync(join(baselineDir, 'not-in-suite')), false);

    // Results lacking an experiment of the suite cannot become its baseline.
    assert.throws(() => updateBaseline(suite, baselineDir, resultSetOf('partial', [{ ...changed, name: 'other' }])), /partial: no results of experiment "tiny-abd" of suite tiny/);
  });
});
