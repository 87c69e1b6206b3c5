/**
 * Appendix A end to end: configs/paper/appendix-a.yaml expanded by the sweep layer, every point run by
 * the core runner (scripted workload + fault schedule, simulated, 1 ms links, no CPU cost) and judged
 * by the linearizability checker, for t = 1 and t = 2.
 *
 * The expected histories are worked out by hand from the schedule (every link takes exactly 1 ms):
 * - strawman write: STORE arrives at 2, acks at 3 → wr = [1, 3], 1 round;
 * - strawman read started at 4: COLLECT arrives at 5, replies at 6, WRITEBACK arrives at 7, acks
 *   at 8 → [4, 8]; rd2 of run6 starts 1 ms after rd1 returned → [9, 13];
 * - PoWerStore write: STORE 2, acks 3, COMPLETE 4, acks 5 → wr = [1, 5], 2 rounds; its run4 read
 *   starts at 6 and can only finish when the held messages are released at 40 ms: T1's FILTER_ACK
 *   and T4's FILTER_UPDATE (its STORE arrives at 40) reach r1 at 41 → rd1 = [6, 41];
 * - PoWerStore run6: no server ever saw the write complete, so every collect reply names c0 and the
 *   reads take 1 round: rd1 = [4, 6], rd2 = [7, 9].
 * Values: "w1:1" is v (the only write), null is ⊥ (the initial value).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { checkHistory } from '../harness/checker/index.ts';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { runOnce } from '../harness/runner/index.ts';
import { expandSweep, type SweepPoint } from '../harness/sweep/expand.ts';
import { recordsOfScript, resolveActionTimes } from '../harness/reproduce/appendix-a.ts';

const scheduleOf = (config: Record<string, unknown>) => parseConfig(config).schedule ?? [];
const scriptOf = (config: Record<string, unknown>) => parseConfig(config).workload.script ?? [];
import type { HistoryRecord } from '../harness/history/types.ts';

const CONFIG = 'configs/paper/appendix-a.yaml';
const raw = parseYaml(readFileSync(CONFIG, 'utf8')) as Record<string, unknown>;
const POINTS = expandSweep(raw).points;

function pointOf(protocol: string, t: number, run: string, rule: string): SweepPoint {
  const id = `protocol=${protocol},t=${t},name=${run},readRule=${rule}`;
  const point = POINTS.find((p) => p.id === id);
  assert.ok(point, `no point ${id}`);
  return point;
}

async function execute(point: SweepPoint, patch?: (config: Record<string, unknown>) => Record<string, unknown>) {
  const config = patch === undefined ? point.config : patch(structuredClone(point.config));
  const resolved = resolveExperiment(parseConfig(config), 'configs/paper');
  const output = await runOnce(resolved.runs[0]!);
  const check = await checkHistory(output.history, { excerpt: true, workers: 0 });
  return { output, check, history: output.history };
}

/** [client, value, call, return, status, rounds] per operation, in history order. */
type Row = [string, string | null, number, number | null, string, number];
const rows = (history: readonly HistoryRecord[]): Row[] => history.map((r) => [r.client, r.value, r.call, r.return, r.status, r.rounds]);

const V = 'w1:1';

test('the config expands to the proof runs × {strawman t, strawman t+1, PoWerStore} × t ∈ {1, 2}; --quick keeps run4 and run6', () => {
  assert.equal(POINTS.length, 7 * 3 * 2);
  const quick = expandSweep(raw, { quick: true }).points;
  assert.deepEqual([...new Set(quick.map((p) => p.values['name']))], ['run4', 'run6']);
  assert.equal(quick.length, 12);
  // PoWerStore gets its own options (none) and no expectViolation; the strawman's violations are expected.
  const ps = pointOf('powerstore', 2, 'run4', 'n/a');
  assert.deepEqual(ps.config['protocol'], { name: 'powerstore', t: 2, options: {} });
  assert.equal(ps.config['expectViolation'], undefined);
  assert.deepEqual(ps.config['blocks'], { T1: ['s1', 's2'], T2: ['s3', 's4'], T3: ['s5', 's6'], T4: ['s7'] });
  const sm = pointOf('fastwrite-strawman', 2, 'run4', 't+1');
  assert.equal(sm.config['expectViolation'], true);
  assert.deepEqual(sm.config['blocks'], { T1: ['s1', 's2'], T2: ['s3', 's4'], T3: ['s5', 's6'], T4: ['s7', 's8'] });
});

for (const t of [1, 2]) {
  describe(`t = ${t}: the strawman (n = ${4 * t}) breaks as Theorem A.1 predicts`, () => {
    test("run4 breaks rule 't+1': wr completes, T2 reverts, rd1 (T1 delayed) returns ⊥", async () => {
      const { check, history } = await execute(pointOf('fastwrite-strawman', t, 'run4', 't+1'));
      assert.deepEqual(rows(history), [
        ['w1', V, 1, 3, 'ok', 1],
        ['r1', null, 4, 8, 'ok', 2],
      ]);
      assert.equal(check.verdict, 'violation');
      assert.deepEqual(check.excerpt!.indices, [0, 1], 'the checker cites wr and rd1');
    });

    test("run4 under rule 't': rd1 returns v (no violation)", async () => {
      const { check, history } = await execute(pointOf('fastwrite-strawman', t, 'run4', 't'));
      assert.deepEqual(rows(history), [
        ['w1', V, 1, 3, 'ok', 1],
        ['r1', V, 4, 8, 'ok', 2],
      ]);
      assert.equal(check.verdict, 'ok');
    });

    test("run6 breaks rule 't': rd1 returns v held by T3 only, T3 crashes, rd2 returns ⊥", async () => {
      const { check, history, output } = await execute(pointOf('fastwrite-strawman', t, 'run6', 't'));
      assert.deepEqual(rows(history), [
        ['w1', V, 1, null, 'pending', 1],
        ['r1', V, 4, 8, 'ok', 2],
        ['r2', null, 9, 13, 'ok', 2],
      ]);
      assert.equal(check.verdict, 'violation');
      assert.deepEqual([...check.excerpt!.indices].sort(), [0, 1, 2]);
      // The writer's messages to T1, T2, T4 (3t STOREs) were never delivered: "never sent".
      assert.ok(output.schedule !== undefined && output.schedule.heldAtEnd >= 3 * t, `held at end: ${output.schedule?.heldAtEnd}`);
    });

    test("run6 under rule 't+1': rd1 and rd2 both return ⊥ (no violation)", async () => {
      const { check, history } = await execute(pointOf('fastwrite-strawman', t, 'run6', 't+1'));
      assert.deepEqual(rows(history).map((r) => r[1]), [V, null, null]);
      assert.equal(check.verdict, 'ok');
    });

    test('run3 / run5 (the runs r1 cannot tell run4 / run6 from) return what run4 / run6 return', async () => {
      for (const rule of ['t', 't+1']) {
        const expected = rule === 't' ? V : null;
        for (const run of ['run3', 'run5']) {
          const { history, check } = await execute(pointOf('fastwrite-strawman', t, run, rule));
          assert.deepEqual(rows(history), [
            ['w1', V, 1, null, 'pending', 1],
            ['r1', expected, 4, 8, 'ok', 2],
          ], `${run} rule ${rule}`);
          assert.equal(check.verdict, 'ok');
        }
      }
    });

    test("run1, run1′, run2: the writer's partial runs (wr pending, complete, complete)", async () => {
      const expected: Record<string, Row> = {
        run1: ['w1', V, 1, null, 'pending', 1],
        'run1-prime': ['w1', V, 1, 3, 'ok', 1],
        run2: ['w1', V, 1, 3, 'ok', 1],
      };
      for (const [run, row] of Object.entries(expected)) {
        const { history } = await execute(pointOf('fastwrite-strawman', t, run, 't+1'));
        assert.deepEqual(rows(history), [row], run);
      }
    });
  });

  describe(`t = ${t}: PoWerStore (n = ${3 * t + 1}, T4 = 1 server) under the same schedules: no violation`, () => {
    test('run4: rd1 waits for the delayed blocks and returns v at 41 ms', async () => {
      const { check, history } = await execute(pointOf('powerstore', t, 'run4', 'n/a'));
      assert.deepEqual(rows(history), [
        ['w1', V, 1, 5, 'ok', 2],
        ['r1', V, 6, 41, 'ok', 2],
      ]);
      assert.equal(check.verdict, 'ok');
    });

    test('run4 without the releases: rd1 never returns ⊥, it stays pending (the delay is what it waits out)', async () => {
      const { check, history } = await execute(pointOf('powerstore', t, 'run4', 'n/a'), (config) => ({
        ...config,
        schedule: scheduleOf(config).filter((e) => e.action !== 'release'),
      }));
      assert.deepEqual(rows(history), [
        ['w1', V, 1, 5, 'ok', 2],
        ['r1', null, 6, null, 'pending', 2],
      ]);
      assert.equal(check.verdict, 'ok');
    });

    test('run6: the write never completed its first round; rd1 and rd2 return ⊥ in 1 round', async () => {
      const { check, history } = await execute(pointOf('powerstore', t, 'run6', 'n/a'));
      assert.deepEqual(rows(history), [
        ['w1', V, 1, null, 'pending', 1],
        ['r1', null, 4, 6, 'ok', 1],
        ['r2', null, 7, 9, 'ok', 1],
      ]);
      assert.equal(check.verdict, 'ok');
    });

    test('every other run is linearizable too', async () => {
      for (const run of ['run1', 'run1-prime', 'run2', 'run3', 'run5']) {
        const { check } = await execute(pointOf('powerstore', t, run, 'n/a'));
        assert.equal(check.verdict, 'ok', run);
      }
    });
  });
}

test("the figure's action times (resolved from triggers and the history) are the times the runner applied them", async () => {
  const point = pointOf('fastwrite-strawman', 1, 'run6', 't');
  const { output } = await execute(point);
  const byOp = recordsOfScript(scriptOf(point.config), output.history);
  const resolved = resolveActionTimes(scheduleOf(point.config), byOp).map((a) => a.atMs);
  const applied = new Map(output.schedule!.applied.map((a) => [a.index, a.atMs]));
  assert.deepEqual(resolved, scheduleOf(point.config).map((_, i) => applied.get(i) ?? null));
  // hold ×4 at 0, the writer's crash at 2.5, T3's crash when rd1 returns (8); the release at 40 never
  // happens: the run ended at 13 ms, when rd2 returned.
  assert.deepEqual(resolved, [0, 0, 0, 0, 2.5, 8, null]);
  // PoWerStore's run4 does reach the releases (its rd1 waits for them).
  const ps = pointOf('powerstore', 1, 'run4', 'n/a');
  const run = await execute(ps);
  const psResolved = resolveActionTimes(scheduleOf(ps.config), recordsOfScript(scriptOf(ps.config), run.history)).map((a) => a.atMs);
  const psApplied = new Map(run.output.schedule!.applied.map((a) => [a.index, a.atMs]));
  assert.deepEqual(psResolved, scheduleOf(ps.config).map((_, i) => psApplied.get(i) ?? null));
  assert.deepEqual(psResolved, [0, 0, 5, 40, 40]);
});
