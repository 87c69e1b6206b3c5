/**
 * What a run leaves in its results folder: a traced violation keeps its diagram (the trace goes
 * through the same staging as the history), a later run without tracing leaves no trace of the
 * earlier one, and the folder is as readable as the umask says, not private.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadExperiment } from '../harness/config/index.ts';
import { runExperiment } from '../harness/runner/index.ts';
import { stageFolder } from '../harness/results/staging.ts';

const root = mkdtempSync(join(tmpdir(), 'qb-run-outputs-'));
after(() => rmSync(root, { recursive: true, force: true }));

// The scripted revert (two operations, checked in test/schedule-script.test.ts): a violation by design.
const CONFIG = 'configs/examples/schedule-abd-revert-violation.yaml';

test('a traced violation: the history, its timeline and the diagram of its messages are all there', async () => {
  const out = join(root, 'traced');
  const result = await runExperiment(loadExperiment(CONFIG, { trace: true }), { outDir: out });
  assert.equal(result.summary.runs[0]!.verdict, 'violation');
  assert.deepEqual(readdirSync(join(out, 'history')).sort(), ['base_0.jsonl', 'base_0.violation.html', 'base_0.violation.svg']);
  assert.deepEqual(readdirSync(join(out, 'trace')), ['base_0.jsonl']);
  // Every file the run says it wrote exists.
  for (const path of result.written) assert.ok(existsSync(path), path);
  assert.ok(result.written.includes(join(out, 'history', 'base_0.violation.svg')));
});

test('the same folder run again without tracing: the earlier trace and diagram are gone', async () => {
  const out = join(root, 'retraced');
  await runExperiment(loadExperiment(CONFIG, { trace: true }), { outDir: out });
  const result = await runExperiment(loadExperiment(CONFIG), { outDir: out, seed: 3 });
  assert.equal(existsSync(join(out, 'trace')), false);
  assert.deepEqual(readdirSync(join(out, 'history')).sort(), ['base_0.jsonl', 'base_0.violation.html']);
  assert.deepEqual(readdirSync(out).sort(), ['history', 'latency.csv', 'runs.csv', 'summary.json']);
  assert.equal(result.summary.seed, 3);
});

test('a staged folder gets the mode of any new folder (umask applied), not mkdtemp\'s 0700', () => {
  const previous = process.umask(0o022);
  try {
    const staged = stageFolder(join(root, 'mode', 'out'));
    assert.equal(statSync(staged.path).mode & 0o777, 0o755);
    staged.commit();
    assert.equal(statSync(join(root, 'mode', 'out')).mode & 0o777, 0o755);
    process.umask(0o077);
    const private_ = stageFolder(join(root, 'mode', 'private'));
    assert.equal(statSync(private_.path).mode & 0o777, 0o700);
    private_.discard();
  } finally {
    process.umask(previous);
  }
});
