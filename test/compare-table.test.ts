/**
 * compare on hand-made summaries (no runner): matching, verdicts, the noise rule, tolerances, inputs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CompareInputError,
  bootstrapMedianRatio,
  compareResults,
  formatMarkdown,
  formatTerminal,
  loadResultSet,
  median,
  parseTolerances,
  resultSetOf,
  type Comparison,
  type ComparisonRow,
} from '../harness/compare/index.ts';
import type { ExperimentSummary } from '../harness/results/schema.ts';
import { opStats, run, summary, writeSummary } from './compare-fixtures.ts';

function compare(baseline: ExperimentSummary[], current: ExperimentSummary[], tolerance: string[] = [], allowMissing = false): Comparison {
  return compareResults(resultSetOf('baseline', baseline), resultSetOf('current', current), { tolerances: parseTolerances(tolerance), allowMissing });
}

function row(comparison: Comparison, metric: string, op: 'read' | 'write' | null = 'write', runKey = 'base'): ComparisonRow {
  const found = comparison.rows.find((r) => r.metric === metric && r.op === op && r.run === runKey);
  assert.ok(found, `no row ${runKey} ${op} ${metric}`);
  return found;
}

function changedRows(comparison: Comparison): string[] {
  return comparison.rows.filter((r) => r.verdict !== 'same').map((r) => `${r.run} ${r.op ?? '-'} ${r.metric} ${r.verdict}`);
}

const tmp = mkdtempSync(join(tmpdir(), 'quorumbench-compare-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('compare: exact metrics (simulated engine)', () => {
  const baseline = summary('quick-abd', [run('base', 0)]);

  it('identical summaries: every row same, exit 0', () => {
    const result = compare([baseline], [structuredClone(baseline)]);
    assert.deepEqual(changedRows(result), []);
    assert.equal(result.exitCode, 0);
    // 2 op kinds × (9 op metrics + 6 latency + 7 cpu primitives + cpu total) + verdict + 4 run metrics.
    assert.equal(result.rows.length, 2 * (9 + 6 + 7 + 1) + 1 + 4);
    assert.equal(result.counts.same, result.rows.length);
  });

  it('one extra message per op (and its bytes): worse on messages and bytes, exit 1', () => {
    // Each write now sends one more 100-byte request: 13 messages, 1300 bytes (800 client→server).
    const current = summary('quick-abd', [run('base', 0, { ops: { write: opStats({ messagesPerOp: 13, bytesPerOp: 1300, clientToServerBytesPerOp: 800 }), read: opStats({ bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) } })]);
    const result = compare([baseline], [current]);
    assert.deepEqual(changedRows(result), ['base write messagesPerOp worse', 'base write bytesPerOp worse', 'base write clientToServerBytesPerOp worse']);
    const messages = row(result, 'messagesPerOp');
    assert.equal(messages.baseline, 12);
    assert.equal(messages.current, 13);
    assert.equal(messages.ratio, 13 / 12);
    assert.equal(row(result, 'bytesPerOp').ratio, 1300 / 1200);
    assert.equal(result.exitCode, 1);
  });

  it('fewer messages and lower latency are better (direction matters), exit 0', () => {
    const current = summary('quick-abd', [run('base', 0, { ops: { write: opStats({ messagesPerOp: 11, latencyMs: { mean: 1.0, p50: 1.2, p90: 1.4, p99: 1.9, p999: 2.1, max: 2.2 } }), read: opStats({ bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) } })]);
    const result = compare([baseline], [current]);
    assert.deepEqual(changedRows(result), ['base write messagesPerOp better', 'base write latencyMs.mean better']);
    assert.equal(result.exitCode, 0);
  });

  it('lower throughput is worse, more storage is worse, an extra round is worse', () => {
    const current = summary('quick-abd', [
      run('base', 0, {
        throughputOpsPerS: 1500,
        storageBytesPerServer: [200, 260, 200],
        ops: { write: opStats({ rounds: { mean: 2.5, max: 3, histogram: {} } }), read: opStats({ bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) },
      }),
    ]);
    const result = compare([baseline], [current]);
    assert.deepEqual(changedRows(result), [
      'base - throughputOpsPerS worse',
      'base - storageBytesPerServer.total worse',
      'base - storageBytesPerServer.max worse',
      'base write rounds.mean worse',
      'base write rounds.max worse',
    ]);
    assert.equal(row(result, 'storageBytesPerServer.total', null).current, 660);
  });

  it('an operation that hangs: pending worse and completed operations worse; a read/write split shift alone is same', () => {
    const hung = summary('quick-abd', [run('base', 0, { ops: { write: opStats({ count: 99, pending: 1 }), read: opStats({ bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) } })]);
    const result = compare([baseline], [hung]);
    assert.deepEqual(changedRows(result), ['base - completedOps worse', 'base write pending worse']);
    assert.equal(row(result, 'completedOps', null).baseline, 200);
    assert.equal(row(result, 'completedOps', null).current, 199);
    const shifted = summary('quick-abd', [run('base', 0, { ops: { write: opStats({ count: 101 }), read: opStats({ count: 99, bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) } })]);
    assert.deepEqual(changedRows(compare([baseline], [shifted])), []);
  });

  it('verdict ok → violation is worse; for a run expecting a violation, losing it is worse', () => {
    const violated = compare([baseline], [summary('quick-abd', [run('base', 0, { verdict: 'violation' })])]);
    assert.deepEqual(changedRows(violated), ['base - verdict worse']);
    assert.equal(violated.exitCode, 1);
    const strawman = summary('appendix-a', [run('base', 0, { verdict: 'violation', expectViolation: true })]);
    const lost = compare([strawman], [summary('appendix-a', [run('base', 0, { verdict: 'ok', expectViolation: true })])]);
    assert.deepEqual(changedRows(lost), ['base - verdict worse']);
  });

  it('repetitions are paired: a change in one repetition is reported and named', () => {
    const b = summary('quick-abd', [run('base', 0), run('base', 1)]);
    const c = summary('quick-abd', [run('base', 0), run('base', 1, { ops: { write: opStats({ messagesPerOp: 14 }), read: opStats({ bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) } })]);
    const messages = row(compare([b], [c]), 'messagesPerOp');
    assert.equal(messages.verdict, 'worse');
    assert.equal(messages.baseline, 12);
    assert.equal(messages.current, 13); // mean of 12 and 14
    assert.match(messages.note, /worse in rep 1/);
  });

  it('tolerance: 10% slack on messagesPerOp absorbs 12 → 13 (8.3%) but not bytes', () => {
    const current = summary('quick-abd', [run('base', 0, { ops: { write: opStats({ messagesPerOp: 13, bytesPerOp: 1300, clientToServerBytesPerOp: 800 }), read: opStats({ bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) } })]);
    const result = compare([baseline], [current], ['messagesPerOp=10%']);
    assert.equal(row(result, 'messagesPerOp').verdict, 'same');
    assert.equal(row(result, 'messagesPerOp').tolerance, 0.1);
    assert.equal(row(result, 'bytesPerOp').verdict, 'worse');
    // A class-wide 9% slack covers bytes (8.3%) and client→server bytes? 700 → 800 is 14.3%: still worse.
    const loose = compare([baseline], [current], ['exact=0.09']);
    assert.deepEqual(changedRows(loose), ['base write clientToServerBytesPerOp worse']);
  });
});

describe('compare: presence (new and missing runs)', () => {
  it('a baseline run absent from current is missing (exit 1 unless allowed); an extra run is new', () => {
    const b = summary('suite', [run('protocol=abd', 0), run('protocol=bft-signed', 0)]);
    const c = summary('suite', [run('protocol=abd', 0), run('protocol=powerstore', 0)]);
    const result = compare([b], [c]);
    assert.deepEqual(changedRows(result), ['protocol=bft-signed - run missing', 'protocol=powerstore - run new']);
    assert.equal(result.exitCode, 1);
    assert.equal(compare([b], [c], [], true).exitCode, 0);
  });

  it('only new runs and experiments do not fail', () => {
    const b = summary('suite', [run('protocol=abd', 0)]);
    const result = compare([b], [b, summary('other', [run('base', 0)])]);
    assert.deepEqual(changedRows(result), ['base - run new']);
    assert.equal(result.exitCode, 0);
  });

  it('an op kind that disappears is missing; a repetition that disappears is missing', () => {
    const b = summary('suite', [run('base', 0), run('base', 1)]);
    const c = summary('suite', [run('base', 0, { ops: { write: opStats() } })]);
    // Rep 0 lost its 100 reads: completed operations 200 → 100 as well.
    assert.deepEqual(changedRows(compare([b], [c])), ['base - repetitions missing', 'base - completedOps worse', 'base read op missing']);
  });
});

describe('compare: noisy metrics (real engine)', () => {
  // p50 latency (ms) of five repetitions of the same code, and of a build with a slowed server.
  const baseP50 = [10.0, 10.4, 9.8, 10.9, 10.1];
  const rerunP50 = [10.3, 9.9, 10.6, 10.2, 11.0];
  const slowP50 = [15.2, 14.8, 15.9, 15.1, 16.0];
  const realRuns = (p50s: number[], throughput: (i: number) => number = () => 100) =>
    summary(
      'real-abd',
      p50s.map((p50, i) =>
        run('base', i, {
          throughputOpsPerS: throughput(i),
          ops: { write: opStats({ latencyMs: { mean: p50, p50, p90: p50, p99: p50, p999: p50, max: p50 } }) },
        }),
      ),
      'real',
    );

  it('a change within the noise is same', () => {
    const result = compare([realRuns(baseP50)], [realRuns(rerunP50)]);
    const p50 = row(result, 'latencyMs.p50');
    assert.equal(p50.metricClass, 'noisy');
    assert.equal(p50.baseline, 10.1); // median of baseP50
    assert.equal(p50.current, 10.3); // median of rerunP50
    assert.equal(p50.verdict, 'same');
    assert.deepEqual(changedRows(result), []);
    assert.equal(result.exitCode, 0);
    // Exact metrics stay exact in the real engine: messages are counted, not timed.
    assert.equal(row(result, 'messagesPerOp').metricClass, 'exact');
  });

  it('clearly slower is worse: every resampled ratio is at least min(slow) / max(base) = 14.8 / 10.9', () => {
    const result = compare([realRuns(baseP50)], [realRuns(slowP50)]);
    const p50 = row(result, 'latencyMs.p50');
    assert.equal(p50.verdict, 'worse');
    assert.equal(p50.ratio, 15.2 / 10.1);
    assert.equal(result.exitCode, 1);
    const interval = bootstrapMedianRatio(baseP50, slowP50, 7);
    assert.ok(interval.low >= 14.8 / 10.9, `low ${interval.low}`);
    assert.ok(interval.high <= 16.0 / 9.8, `high ${interval.high}`);
  });

  it('counted figures: a one-repetition end-of-run wobble is same, one more message in every repetition is worse', () => {
    const counted = (perRep: number[]) =>
      summary(
        'real-abd',
        perRep.map((messagesPerOp, i) => run('base', i, { ops: { write: opStats({ messagesPerOp }) } })),
        'real',
      );
    // Repetition 3 stopped with one late reply in flight: 67 writes counted 803 messages, not 804.
    const wobble = compare([counted([12, 12, 12, 12, 12])], [counted([12, 12, 12, 803 / 67, 12])]);
    assert.equal(row(wobble, 'messagesPerOp').verdict, 'same');
    assert.equal(row(wobble, 'messagesPerOp').metricClass, 'exact');
    const extra = compare([counted([12, 12, 12, 803 / 67, 12])], [counted([13, 13, 13, 13, 13])]);
    assert.equal(row(extra, 'messagesPerOp').verdict, 'worse');
    assert.equal(extra.exitCode, 1);
  });

  it('an experiment that sweeps the engine: its real runs get the noisy rules, its simulated runs stay exact', () => {
    // As experiment 9 writes it: one summary (engine "sim", its config's default), runs of both engines.
    const mixed = (realP50s: number[], simP50: number) =>
      summary('sim-vs-real', [
        ...realP50s.map((p50, i) =>
          run('real', i, {
            params: { protocol: 'abd', t: 1, n: 3, valueBytes: 128, engine: 'real' },
            ops: { write: opStats({ latencyMs: { mean: p50, p50, p90: p50, p99: p50, p999: p50, max: p50 } }) },
          }),
        ),
        run('sim', 0, {
          params: { protocol: 'abd', t: 1, n: 3, valueBytes: 128, engine: 'sim' },
          ops: { write: opStats({ latencyMs: { mean: simP50, p50: simP50, p90: simP50, p99: simP50, p999: simP50, max: simP50 } }) },
        }),
      ]);
    const rerun = compare([mixed(baseP50, 1.2)], [mixed(rerunP50, 1.2)]);
    assert.equal(row(rerun, 'latencyMs.p50', 'write', 'real').metricClass, 'noisy');
    assert.equal(row(rerun, 'latencyMs.p50', 'write', 'real').verdict, 'same');
    assert.equal(row(rerun, 'latencyMs.p50', 'write', 'sim').metricClass, 'exact');
    assert.equal(rerun.exitCode, 0);
    // A simulated latency that moves by 2 % is a change (same seed, same code: it must not move).
    const simMoved = compare([mixed(baseP50, 1.2)], [mixed(baseP50, 1.224)]);
    assert.equal(row(simMoved, 'latencyMs.p50', 'write', 'sim').verdict, 'worse');
    assert.equal(row(simMoved, 'latencyMs.p50', 'write', 'real').verdict, 'same');
  });

  it('throughput: higher is better, a clear drop is worse', () => {
    const result = compare([realRuns(baseP50, (i) => 100 + i)], [realRuns(baseP50, (i) => 70 + i)]);
    assert.equal(row(result, 'throughputOpsPerS', null).verdict, 'worse');
  });

  it('one repetition each: no noise estimate, the tolerance alone decides', () => {
    assert.equal(row(compare([realRuns([10])], [realRuns([10.9])]), 'latencyMs.p50').verdict, 'same');
    assert.equal(row(compare([realRuns([10])], [realRuns([11.5])]), 'latencyMs.p50').verdict, 'worse');
    assert.equal(row(compare([realRuns([10])], [realRuns([11.5])], ['latencyMs=0.2']), 'latencyMs.p50').verdict, 'same');
  });

  it('the bootstrap is deterministic and brackets the ratio of medians', () => {
    const a = bootstrapMedianRatio(baseP50, rerunP50, 42);
    assert.deepEqual(bootstrapMedianRatio(baseP50, rerunP50, 42), a);
    assert.equal(a.ratio, 10.3 / 10.1);
    assert.ok(a.low <= a.ratio && a.ratio <= a.high);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});

describe('compare: tolerance syntax', () => {
  it('parses classes, groups, metric names and percentages', () => {
    const t = parseTolerances(['exact=0.01,noisy=20%', 'latencyMs.p99=0.5', 'rounds=0']);
    assert.equal(t.byClass.exact, 0.01);
    assert.equal(t.byClass.noisy, 0.2);
    assert.equal(t.byMetric.get('latencyMs.p99'), 0.5);
    assert.equal(t.byMetric.get('rounds'), 0);
  });

  it('rejects unknown keys, bad values and the verdict', () => {
    assert.throws(() => parseTolerances(['mesages=0.1']), (e: Error) => e instanceof CompareInputError && /unknown metric or class "mesages"/.test(e.message));
    assert.throws(() => parseTolerances(['noisy=-1']), /value must be a number >= 0/);
    assert.throws(() => parseTolerances(['noisy']), /expected KEY=VALUE/);
    assert.throws(() => parseTolerances(['verdict=1']), /no tolerance/);
  });
});

describe('compare: inputs', () => {
  const good = summary('quick-abd', [run('base', 0)]);

  it('loads a file, a results folder, and a folder of results folders', () => {
    const single = writeSummary(join(tmp, 'one'), good);
    assert.equal(loadResultSet(join(single, 'summary.json')).summaries.length, 1);
    assert.equal(loadResultSet(single).summaries.length, 1);
    writeSummary(join(tmp, 'suite', 'a'), good);
    writeSummary(join(tmp, 'suite', 'b'), summary('quick-bft', [run('base', 0)]));
    assert.deepEqual(
      loadResultSet(join(tmp, 'suite')).summaries.map((s) => s.summary.name),
      ['quick-abd', 'quick-bft'],
    );
  });

  it('merges real-engine summaries of one experiment (interleaved measurement); refuses simulated duplicates', () => {
    const real = (p50: number) => summary('real-abd', [0, 1].map((i) => run('base', i, { ops: { write: opStats({ latencyMs: { mean: p50, p50, p90: p50, p99: p50, p999: p50, max: p50 } }) } })), 'real');
    writeSummary(join(tmp, 'interleaved', '1', 'real-abd'), real(10));
    writeSummary(join(tmp, 'interleaved', '2', 'real-abd'), real(11));
    const merged = loadResultSet(join(tmp, 'interleaved'));
    assert.equal(merged.summaries.length, 1);
    assert.deepEqual(
      merged.summaries[0]!.summary.runs.map((r) => [r.id, r.repetition, r.ops.write!.latencyMs.p50]),
      [['base#0', 0, 10], ['base#1', 1, 10], ['base#2', 2, 11], ['base#3', 3, 11]],
    );
    writeSummary(join(tmp, 'dup', '1', 'quick-abd'), good);
    writeSummary(join(tmp, 'dup', '2', 'quick-abd'), good);
    assert.throws(() => loadResultSet(join(tmp, 'dup')), /dup\/1\/quick-abd\/summary.json: name: experiment "quick-abd" is also in .*dup\/2\/quick-abd\/summary.json \(only real-engine results/);
  });

  it('names the file and field of a bad summary', () => {
    const broken = structuredClone(good) as unknown as { runs: { ops: { write: { messagesPerOp: unknown } } }[] };
    broken.runs[0]!.ops.write.messagesPerOp = 'twelve';
    const dir = writeSummary(join(tmp, 'broken'), broken);
    assert.throws(() => loadResultSet(dir), (e: Error) => e instanceof CompareInputError && e.message === `${join(dir, 'summary.json')}: runs[0].ops.write.messagesPerOp: expected number, got "twelve"`);
    writeSummary(join(tmp, 'notjson'), '{"schemaVersion": 1,');
    assert.throws(() => loadResultSet(join(tmp, 'notjson')), /notjson\/summary.json: not valid JSON/);
    assert.throws(() => loadResultSet(join(tmp, 'nowhere')), /nowhere: no such file or folder/);
    writeSummary(join(tmp, 'v2'), { ...good, schemaVersion: 2 });
    assert.throws(() => loadResultSet(join(tmp, 'v2')), /v2\/summary.json: schemaVersion: /);
  });

  it('refuses to compare a simulated baseline with real-engine results', () => {
    assert.throws(() => compare([good], [{ ...good, engine: 'real' }]), /engine: "real" cannot be compared with the baseline's "sim"/);
  });

  it('warns when the cost profile differs', () => {
    const other = { ...good, costProfile: { ...good.costProfile, name: 'calibrated' } };
    assert.match(compare([good], [other]).warnings.join('\n'), /cost profile differs/);
  });

  it('renders a terminal table and markdown with the changed rows first', () => {
    const current = summary('quick-abd', [run('base', 0, { ops: { write: opStats({ messagesPerOp: 13 }), read: opStats({ bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) } })]);
    const result = compare([good], [current]);
    const text = formatTerminal(result, { onlyChanges: true });
    assert.match(text, /quick-abd\s+base\s+write\s+messagesPerOp\s+12\s+13\s+1\.083\s+worse/);
    assert.match(text, /compare: 1 worse, 0 missing, 0 better, 0 new, \d+ same: REGRESSION/);
    const md = formatMarkdown(result);
    assert.match(md, /#### Changes \(1\)/);
    assert.match(md, /\| quick-abd \| base \| write \| messagesPerOp \| 12 \| 13 \| 1\.083 \| \*\*worse\*\* \|/);
  });
});

describe('compare: command line', () => {
  // The three processes run in parallel: each pays the TypeScript loader's start-up once.
  const cli = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', 'compare', ...args], { cwd: join(import.meta.dirname, '..') });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const good = summary('quick-abd', [run('base', 0)]);
  const worse = summary('quick-abd', [run('base', 0, { ops: { write: opStats({ messagesPerOp: 13, bytesPerOp: 1300 }), read: opStats({ bytesPerOp: 1300, serverToClientBytesPerOp: 600 }) } })]);

  it('exit 0 when identical, 1 on a regression (markdown written), 2 on bad input (nothing written)', async () => {
    const b = writeSummary(join(tmp, 'cli-b'), good);
    const same = writeSummary(join(tmp, 'cli-same'), good);
    const bad = writeSummary(join(tmp, 'cli-worse'), worse);
    const md = join(tmp, 'out', 'compare.md');
    const [ok, regression, input] = await Promise.all([
      cli(b, same),
      cli(b, bad, '--markdown', md, '--only-changes'),
      cli(b, same, '--tolerance', 'noisy=lots', '--markdown', join(tmp, 'never.md')),
    ]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /0 worse, 0 missing, 0 better, 0 new, 51 same: ok/);

    assert.equal(regression.status, 1, regression.stderr);
    assert.match(regression.stdout, /messagesPerOp\s+12\s+13\s+1\.083\s+worse/);
    assert.match(readFileSync(md, 'utf8'), /❌ quorumbench compare: 2 worse/);

    assert.equal(input.status, 2);
    assert.equal(input.stderr, 'quorumbench compare: --tolerance: "noisy=lots": value must be a number >= 0 or a percentage like 5%, got "lots"\n');
    assert.equal(existsSync(join(tmp, 'never.md')), false);
  });
});
