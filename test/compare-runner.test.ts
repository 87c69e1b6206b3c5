/**
 * compare through the real runner: plain ABD against itself (same seed) is all `same`; a test-only
 * ABD variant whose client sends one extra message per operation is `worse` on messages and bytes,
 * exit 1. Also checks the committed CI baseline still parses under the current results contract.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { compareResults, loadResultSet, type Comparison, type ComparisonRow } from '../harness/compare/index.ts';
import { loadSuite } from '../harness/compare/suite.ts';
import { parseConfig } from '../harness/config/index.ts';
import { resolveExperiment } from '../harness/config/resolve.ts';
import { runExperiment } from '../harness/runner/index.ts';
import { abd } from '../protocols/abd/index.ts';
import type { AbdMessage } from '../protocols/abd/messages.ts';
import type { AnyProtocolDefinition, ClientMachine, Operation } from '../protocols/types.ts';

const repoRoot = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'quorumbench-compare-runner-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * ABD whose every operation also sends one PUT_ACK to s1 when it starts. A server rejects a PUT_ACK
 * without replying (protocols/abd/server.ts), so this is exactly one extra client→server message per
 * operation and changes nothing else the protocol does.
 */
const abdWithExtraMessage: AnyProtocolDefinition = {
  ...abd,
  createClient(id, cluster, options, setup, env): ClientMachine<AbdMessage> {
    const inner = abd.createClient(id, cluster, options, setup, env);
    const wrap = (op: Operation<AbdMessage>): Operation<AbdMessage> => ({
      kind: op.kind,
      start: () => [...op.start(), { to: cluster.servers[0]!, msg: { type: 'PUT_ACK', op: 0 } }],
      onMessage: (from, msg) => op.onMessage(from, msg),
      get rounds() {
        return op.rounds;
      },
      get retries() {
        return op.retries;
      },
    });
    return { read: () => wrap(inner.read()), write: (value) => wrap(inner.write(value)) };
  },
};

// The quick suite's ABD point, smaller, with one client that both reads and writes (120 measured
// operations): its sequence of operations is drawn from the seed alone. With several clients, the
// extra message's handling at s1 shifts the schedule, which changes which client issues each of the
// 120 operations, hence the numbers of reads and writes and their bytes per operation (timestamps
// and operation numbers are varints on the wire, longer as they grow), and the comparison would no
// longer isolate the extra message.
const config = parseConfig({
  name: 'ci-abd',
  engine: 'sim',
  seed: 9,
  protocol: { name: 'abd', t: 1 },
  network: { preset: 'dc' },
  costProfile: 'default',
  workload: { keys: 2, writers: 1, readers: 0, readRatio: 0.5, valueBytes: 1024, operations: 120, warmupOps: 5 },
});

async function runTo(dir: string, protocols?: Record<string, AnyProtocolDefinition>): Promise<string> {
  const experiment = resolveExperiment(config, repoRoot, protocols === undefined ? {} : { protocols });
  await runExperiment(experiment, { outDir: dir });
  return dir;
}

function row(comparison: Comparison, op: 'read' | 'write', metric: string): ComparisonRow {
  const found = comparison.rows.find((r) => r.op === op && r.metric === metric);
  assert.ok(found, `no ${op} ${metric} row`);
  return found;
}

describe('compare through the runner', () => {
  it('plain ABD twice with the same seed: every row same, exit 0; the extra-message variant: worse, exit 1', async () => {
    const [plain, again, extra] = await Promise.all([
      runTo(join(tmp, 'plain')),
      runTo(join(tmp, 'again')),
      runTo(join(tmp, 'extra'), { abd: abdWithExtraMessage }),
    ]);
    const baseline = loadResultSet(plain);

    const same = compareResults(baseline, loadResultSet(again));
    assert.deepEqual(same.rows.filter((r) => r.verdict !== 'same'), []);
    assert.equal(same.exitCode, 0);

    const worse = compareResults(baseline, loadResultSet(extra));
    assert.equal(worse.exitCode, 1);
    for (const op of ['write', 'read'] as const) {
      // ABD with n = 3: 2 rounds × (3 requests + 3 replies) = 12 messages per operation, then one more.
      const messages = row(worse, op, 'messagesPerOp');
      assert.deepEqual([messages.baseline, messages.current, messages.verdict], [12, 13, 'worse']);
      const bytes = row(worse, op, 'bytesPerOp');
      const upstream = row(worse, op, 'clientToServerBytesPerOp');
      const downstream = row(worse, op, 'serverToClientBytesPerOp');
      assert.equal(bytes.verdict, 'worse');
      assert.equal(upstream.verdict, 'worse');
      // The extra message only travels client → server: all added bytes are upstream ones.
      assert.equal(downstream.verdict, 'same');
      const added = (bytes.current as number) - (bytes.baseline as number);
      assert.ok(added > 0);
      assert.ok(Math.abs((upstream.current as number) - (upstream.baseline as number) - added) < 1e-6);
      // Rounds and the checker's verdict are untouched: the variant is still ABD.
      assert.equal(row(worse, op, 'rounds.mean').verdict, 'same');
    }
    assert.equal(worse.rows.find((r) => r.metric === 'verdict')?.verdict, 'same');
  });

  it('the committed quick-suite baseline matches the suite and parses under the results contract', () => {
    const suite = loadSuite(join(repoRoot, 'configs', 'ci', 'quick.yaml'));
    const baseline = loadResultSet(join(repoRoot, 'results', 'baselines', suite.name));
    const names = baseline.summaries.map((s) => s.summary.name);
    for (const path of suite.experiments) {
      const name = path.replace(/^.*\//, '').replace(/\.yaml$/, '');
      assert.ok(names.includes(name), `baseline lacks ${name}: run quorumbench baseline update`);
    }
    for (const { summary } of baseline.summaries) {
      assert.equal(summary.engine, 'sim');
      assert.equal(summary.costProfile.name, 'default');
    }
  });
});
