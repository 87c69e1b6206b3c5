/**
 * Appendix A in `reproduce`: the experiment is loaded from configs/paper/appendix-a.yaml (and only
 * there may the unsafe strawman run), run by the real core runner (`--quick`: run4 and run6), judged
 * against the proof's predictions, and drawn: one figure per run, the checker's timeline for each
 * violation, and a section of the report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from '../harness/results/csv.ts';
import { ConfigError, parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { runExperiment } from '../harness/runner/index.ts';
import type { MachineInfo } from '../harness/report/html.ts';
import { predict } from '../harness/reproduce/appendix-a.ts';
import { loadAppendixExperiment, loadPaperExperiments, planExperiments, reproduce, writeCombinedReport, type PointRunner } from '../harness/reproduce/run.ts';

const MACHINE: MachineInfo = { cpuModel: 'test cpu', cores: 2, memoryGiB: 4, node: 'v20', platform: 'linux-x64', gitCommit: 'abc', generatedAt: '2026-01-01T00:00:00Z' };
const validate = (config: Record<string, unknown>) => void resolveExperiment(parseConfig(config), 'configs/paper');
const runner: PointRunner = async (config, outDir) => (await runExperiment(resolveExperiment(parseConfig(config), 'configs/paper'), { outDir })).summary;

test('the paper experiments never run the strawman; only appendix-a.yaml may', () => {
  const paper = loadPaperExperiments('configs/paper');
  assert.equal(paper.some((e) => e.id === 'appendix-a'), false);
  const planned = planExperiments(paper, () => undefined, false);
  const names = new Set(planned.flatMap((p) => p.points.map((pt) => (pt.config['protocol'] as { name: string }).name)));
  assert.equal(names.has('fastwrite-strawman'), false);
  assert.deepEqual(loadAppendixExperiment('configs/paper').map((e) => [e.id, e.kind]), [['appendix-a', 'appendix-a']]);

  const root = mkdtempSync(join(tmpdir(), 'qb-appendix-'));
  try {
    writeFileSync(join(root, '09-sneaky.yaml'), 'name: sneaky\nprotocol: { name: [abd, fastwrite-strawman], t: 1 }\nworkload: { operations: 10 }\n');
    assert.throws(
      () => planExperiments(loadPaperExperiments(root), () => undefined, false),
      (e: unknown) => e instanceof ConfigError && /09-sneaky\.yaml \(point protocol=fastwrite-strawman\): protocol\.name: "fastwrite-strawman" is unsafe by design/.test(e.message),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the predictions are the proof: each read rule is broken by exactly one run, PoWerStore by none', () => {
  const runs = ['run1', 'run1-prime', 'run2', 'run3', 'run4', 'run5', 'run6'];
  const broken = (protocol: string, rule: string) => runs.filter((run) => predict(protocol, rule, run)?.verdict === 'violation');
  assert.deepEqual(broken('fastwrite-strawman', 't+1'), ['run4']);
  assert.deepEqual(broken('fastwrite-strawman', 't'), ['run6']);
  assert.deepEqual(broken('powerstore', 'n/a'), []);
  assert.deepEqual(predict('fastwrite-strawman', 't', 'run6')!.ops, { wr: 'pending', rd1: 'v', rd2: '⊥' });
  assert.deepEqual(predict('fastwrite-strawman', 't+1', 'run4')!.ops, { wr: 'done', rd1: '⊥' });
  assert.equal(predict('abd', 'n/a', 'run4'), undefined);
});

test('reproduce --quick runs Appendix A: as predicted, with figures, checker timelines and a report section', async () => {
  const root = mkdtempSync(join(tmpdir(), 'qb-appendix-'));
  try {
    const planned = planExperiments(loadAppendixExperiment('configs/paper'), validate, true);
    assert.equal(planned[0]!.points.length, 12);
    let clock = 0;
    const outcomes = await reproduce(planned, { outRoot: root, quick: true, runner, machine: MACHINE, command: 'quorumbench reproduce --quick', nowMs: () => (clock += 10) });
    assert.equal(outcomes[0]!.unexpectedViolations, 0, 'PoWerStore never violates');
    assert.equal(outcomes[0]!.predictionMismatches, 0);
    const dir = join(root, 'appendix-a');
    const table = parseCsv(readFileSync(join(dir, 'appendix-a.csv'), 'utf8'));
    assert.equal(table.length, 12);
    const row = (protocol: string, rule: string, run: string, t: number) => table.find((r) => r['protocol'] === protocol && r['readRule'] === rule && r['run'] === run && r['t'] === t)!;
    for (const t of [1, 2]) {
      assert.deepEqual([row('fastwrite-strawman', 't+1', 'run4', t)['rd1'], row('fastwrite-strawman', 't+1', 'run4', t)['verdict']], ['⊥', 'violation']);
      assert.deepEqual([row('fastwrite-strawman', 't', 'run6', t)['rd1'], row('fastwrite-strawman', 't', 'run6', t)['rd2'], row('fastwrite-strawman', 't', 'run6', t)['verdict']], ['v', '⊥', 'violation']);
      assert.deepEqual([row('powerstore', 'n/a', 'run4', t)['rd1'], row('powerstore', 'n/a', 'run4', t)['verdict']], ['v', 'ok']);
      assert.equal(row('powerstore', 'n/a', 'run4', t)['n'], 3 * t + 1);
      assert.equal(row('fastwrite-strawman', 't', 'run6', t)['n'], 4 * t);
    }
    // One figure (SVG + PNG) per run; the checker's timeline for exactly the 4 violations.
    assert.equal(readdirSync(join(dir, 'figures')).filter((f) => f.endsWith('.svg')).length, 12);
    assert.ok(existsSync(join(dir, 'figures', 'run6-strawman-t-t2.png')));
    const timelines = table.filter((r) => typeof r['timeline'] === 'string' && r['timeline'] !== '').map((r) => String(r['timeline']));
    assert.equal(timelines.length, 4);
    for (const path of timelines) assert.match(readFileSync(join(dir, path), 'utf8'), /Violation on key &#34;k0&#34;/);
    const svg = readFileSync(join(dir, 'figures', 'run6-strawman-t-t1.svg'), 'utf8');
    assert.match(svg, /rd1: read → v/);
    assert.match(svg, /rd2: read → ⊥/);
    assert.match(svg, /T3 = \{s3\}/);
    // The run's messages (configs/paper/appendix-a.yaml traces them): w's STORE reaches T3 only (the
    // others are held until w crashed), T3's ack finds w crashed, and rd2's messages find T3 crashed.
    assert.match(svg, /<title>STORE w1 → s3<\/title>/);
    assert.equal((svg.match(/<title>STORE w1 → s[124], held, never delivered<\/title>/g) ?? []).length, 3);
    assert.match(svg, /<title>STORE_ACK s3 → w1, dropped: the receiver had crashed<\/title>/);
    assert.match(svg, /<title>COLLECT r2 → s3, dropped: the receiver had crashed<\/title>/);

    const { path } = writeCombinedReport(root, ['appendix-a'], MACHINE, 'quorumbench reproduce --quick', 1000);
    const html = readFileSync(path, 'utf8');
    assert.match(html, /Against the proof:<\/b> 12 runs, 12 as predicted/);
    assert.match(html, /href="appendix-a\/points\/[^"]+\/timeline\.html"/);
    assert.equal((html.match(/<svg role="img"/g) ?? []).length, 12, 'run4 and run6 figures inline');
    assert.doesNotMatch(html, /<script/i);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
