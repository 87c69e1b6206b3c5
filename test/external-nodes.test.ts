/**
 * External nodes over Maelstrom's node protocol, with the example node of examples/abd-node (multi-
 * writer ABD in Python): the shared atomicity suite's crash-class mixes pass through the external
 * path; a copy of the node with its read write-back removed is caught by the checker on a schedule
 * worked out by hand; at a constant delay its operations take the built-in ABD's 2 rounds; replies,
 * errors and silence map into the history as Maelstrom defines them; the real engine runs it too.
 * Few operations each: every case starts one Python process per node.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkHistory } from '../harness/checker/index.ts';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { linKvOutcome, linKvValue } from '../harness/external/maelstrom.ts';
import { liveChildPids } from '../harness/real/processes.ts';
import { runOnce } from '../harness/runner/index.ts';
import { runReal } from './support/real-run.ts';
import { runCase, toleratedMixes } from './swarm/cases.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ABD_NODE = join(ROOT, 'examples/abd-node/abd_node.py');
// The interpreter itself rather than `python3` on the PATH: a version manager's shim (pyenv) costs
// seconds per start on a loaded machine, and every case starts one process per node.
const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

function abdSection(node = ABD_NODE, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'external', t: 1, servers: '2t+1', clientRole: 'clients', barrier: true, command: [PYTHON, node], ...extra };
}

async function run(raw: Record<string, unknown>) {
  const resolved = resolveExperiment(parseConfig(raw), ROOT).runs[0]!;
  const output = await runOnce(resolved);
  const verdict = (await checkHistory(output.history, { timeoutMs: 10_000 })).verdict;
  return { output, verdict };
}

/**
 * New-old inversion, by hand (constant 1 ms, n = 3, quorum 2; the lin-kv requests reach client
 * nodes at once):
 *   0  wr (w1) starts; its abd_put to s2 and s3 is held, so only s1 stores w1:1 and wr never returns.
 *   5  rd1 (r1): r1's messages to s3 are held, so its query quorum is {s1, s2}: it sees w1:1.
 *      The correct node writes w1:1 back to s1 and s2 (acks at 9) and returns w1:1 at 9; the mutant
 *      returns w1:1 at 7 without writing back.
 *   +1 rd2 (r2), 1 ms after rd1 returned: r2's messages to s1 are held, its quorum is {s2, s3}.
 *      Correct: s2 has w1:1 from rd1's write-back, rd2 returns w1:1. Mutant: s2 and s3 have the
 *      initial value; rd2 returns it after rd1 returned w1:1: not linearizable.
 */
function inversion(node: string): Record<string, unknown> {
  return {
    name: 'external-inversion',
    protocol: abdSection(node),
    network: { latency: { distribution: 'constant', oneWayMs: 1 } },
    expectViolation: true,
    workload: {
      writers: 1,
      readers: 2,
      valueBytes: 8,
      script: [
        { id: 'wr', client: 'w1', kind: 'write', atMs: 0 },
        { id: 'rd1', client: 'r1', kind: 'read', atMs: 5 },
        { id: 'rd2', client: 'r2', kind: 'read', after: 'rd1', delayMs: 1 },
      ],
    },
    schedule: [
      { atMs: 0, action: 'hold', from: 'w1', to: ['s2', 's3'], messageType: 'abd_put' },
      { atMs: 0, action: 'hold', from: 'r1', to: 's3' },
      { atMs: 0, action: 'hold', from: 'r2', to: 's1' },
    ],
  };
}

/** The read's write-back of abd_node.py, and what the mutant does instead: return at once. */
const WRITE_BACK = `            op.phase, op.rounds = "write-back", 2
            self.broadcast(op, {"type": "abd_put", "key": key, "ts": best["ts"], "value": best["value"]})`;
const NO_WRITE_BACK = `            self.reply(op.request_src, op.request, {"type": "read_ok", "value": op.value, "rounds": 1})`;

describe('external nodes: the Python ABD node', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'quorumbench-external-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(liveChildPids(), [], 'every node process was stopped');
  });

  it('passes the atomicity suite under crash faults (crash and slow on t servers), 2 rounds per operation', async () => {
    const failures: string[] = [];
    for (const seed of [11, 12]) {
      for (const mix of toleratedMixes('abd', 1, seed).filter((m) => m.label !== 'none' && !m.label.startsWith('writer-crash'))) {
        const outcome = await runCase({ protocol: 'abd', t: 1, seed, mix, operations: 16, section: abdSection() });
        if (outcome.verdict !== 'ok' || outcome.problems.length > 0) failures.push(`seed ${seed} ${mix.label}: ${outcome.verdict}; ${outcome.problems.join('; ')}`);
        assert.equal(outcome.operations, 16);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('without its read write-back, a copy of the node is caught by the checker (the original is not)', async () => {
    const source = readFileSync(ABD_NODE, 'utf8');
    assert.equal(source.split(WRITE_BACK).length, 2, 'the write-back appears exactly once in abd_node.py');
    const mutant = join(dir, 'abd_node_no_write_back.py');
    writeFileSync(mutant, source.replace(WRITE_BACK, NO_WRITE_BACK));

    const bad = await run(inversion(mutant));
    assert.equal(bad.verdict, 'violation');
    const reads = bad.output.history.filter((r) => r.op === 'read');
    assert.deepEqual(reads.map((r) => [r.client, r.value, r.call, r.return]), [['r1', 'w1:1', 5, 7], ['r2', null, 8, 10]]);

    const good = await run(inversion(ABD_NODE));
    assert.equal(good.verdict, 'ok');
    assert.deepEqual(good.output.history.filter((r) => r.op === 'read').map((r) => [r.client, r.value, r.call, r.return]), [['r1', 'w1:1', 5, 9], ['r2', 'w1:1', 10, 14]]);
  });

  it("takes the built-in ABD's rounds at a constant delay: 2 rounds, 4 one-way delays per operation", async () => {
    const base = { name: 'rounds', network: { latency: { distribution: 'constant', oneWayMs: 3 } }, workload: { writers: 2, readers: 1, operations: 12, valueBytes: 100 } };
    const python = await run({ ...base, protocol: abdSection() });
    const builtIn = await run({ ...base, protocol: { name: 'abd', t: 1 } });
    for (const { output, verdict } of [python, builtIn]) {
      assert.equal(verdict, 'ok');
      for (const kind of ['read', 'write'] as const) {
        const ops = output.result.ops[kind]!;
        assert.equal(ops.latencyMs.max, 12, `${kind}: 2 rounds × 2 × 3 ms`);
        assert.equal(ops.latencyMs.mean, 12);
        assert.equal(ops.rounds.max, 2);
        assert.equal(ops.rounds.mean, 2);
      }
    }
    // The same messages (every server answers every round: 2 × (3 + 3) per operation), in JSON.
    assert.equal(python.output.result.ops.write!.messagesPerOp, 12);
    assert.equal(builtIn.output.result.ops.write!.messagesPerOp, 12);
  });

  it('generic faults act on the processes: revert restarts a node, pause holds what reaches it, silent drops everything (hand-worked)', async () => {
    // configs/examples/schedule-abd-revert-violation.yaml with the Python node: wr returns at 4 having
    // stored w1:1 on s1 and s2 only; s1 then restarts with nothing; rd1 (from 5) hears s1 and s3
    // (s2's replies to r1 are held), both empty, and returns the initial value at 9: a violation.
    const revert = {
      name: 'external-revert',
      protocol: abdSection(),
      network: { latency: { distribution: 'constant', oneWayMs: 1 } },
      expectViolation: true,
      workload: { writers: 1, readers: 1, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }, { id: 'rd1', client: 'r1', kind: 'read', after: 'wr', delayMs: 1 }] },
      schedule: [
        { atMs: 0, action: 'hold', from: 'w1', to: 's3' },
        { atMs: 0, action: 'hold', from: 's2', to: 'r1' },
        { after: 'wr', action: 'revert', node: 's1' },
      ],
    };
    const reverted = await run(revert);
    assert.equal(reverted.verdict, 'violation');
    assert.deepEqual(reverted.output.history.map((r) => [r.client, r.value, r.call, r.return]), [['w1', 'w1:1', 0, 4], ['r1', null, 5, 9]]);
    // Without the revert the same schedule is fine: rd1 hears s1, which has w1:1.
    const kept = await run({ ...revert, schedule: revert.schedule.slice(0, 2) });
    assert.equal(kept.verdict, 'ok');
    assert.deepEqual(kept.output.history.map((r) => [r.client, r.value, r.call, r.return]), [['w1', 'w1:1', 0, 4], ['r1', 'w1:1', 5, 9]]);

    // s1 paused 0..20 ms and w1 cut off from s3: w1's quorum needs s1, whose abd_get_ts (arrived at 1)
    // is handed on at 20: replies at 21, the abd_put round 21..23, so the write returns at 23.
    const paused = await run({
      name: 'external-pause',
      protocol: abdSection(),
      network: { latency: { distribution: 'constant', oneWayMs: 1 } },
      workload: { writers: 1, readers: 0, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }] },
      schedule: [
        { atMs: 0, action: 'hold', from: 'w1', to: 's3' },
        { atMs: 0, action: 'pause', node: 's1', forMs: 20 },
      ],
    });
    assert.equal(paused.verdict, 'ok');
    assert.deepEqual(paused.output.history.map((r) => [r.client, r.call, r.return]), [['w1', 0, 23]]);

    // s1 silent and w1 cut off from s3: no quorum answers w1, so its write ends pending at the
    // request timeout (100 ms), where without `silent` it returned at 4.
    const silent = await run({
      name: 'external-silent',
      protocol: abdSection(ABD_NODE, { timeoutMs: 100 }),
      network: { latency: { distribution: 'constant', oneWayMs: 1 } },
      expectViolation: true,
      faults: [{ type: 'byzantine', node: 's1', strategy: 'silent' }],
      workload: { writers: 1, readers: 0, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }] },
      schedule: [{ atMs: 0, action: 'hold', from: 'w1', to: 's3' }],
    });
    assert.deepEqual(silent.output.history.map((r) => [r.client, r.status, r.call, r.return]), [['w1', 'pending', 0, null]]);
    assert.equal(silent.output.endMs, 100);
  });

  it('a node that does not come back from a revert counts as crashed, and the run goes on (t = 1 tolerates it)', async () => {
    // The servers' command lets three starts through (s1, s2, s3: each takes the next free number
    // by mkdir, which is atomic) and makes any later one exit before init_ok: s1's restart fails.
    const starts = mkdtempSync(join(tmpdir(), 'qb-restart-'));
    after(() => rmSync(starts, { recursive: true, force: true }));
    const gate = 'dir=$1; shift; n=0; while ! mkdir "$dir/start-$n" 2>/dev/null; do n=$((n+1)); done; if [ "$n" -ge 3 ]; then echo "start $n refused" >&2; exit 3; fi; exec "$@"';
    const { output, verdict } = await run({
      name: 'external-no-restart',
      protocol: abdSection(ABD_NODE, { command: ['sh', '-c', gate, 'gate', starts, PYTHON, ABD_NODE], clientCommand: [PYTHON, ABD_NODE] }),
      network: { latency: { distribution: 'constant', oneWayMs: 1 } },
      // A revert is a loss of memory, beyond what ABD tolerates in general (not here: s1 never comes back).
      expectViolation: true,
      workload: { writers: 1, readers: 1, valueBytes: 8, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }, { id: 'rd1', client: 'r1', kind: 'read', after: 'wr', delayMs: 1 }] },
      schedule: [{ after: 'wr', action: 'revert', node: 's1' }],
    });
    // wr: 2 rounds of 2 ms (0..4); rd1 from 5 reads w1:1 from s2 and s3 (s1 is gone): 2 rounds, 5..9.
    assert.equal(verdict, 'ok');
    assert.deepEqual(output.history.map((r) => [r.client, r.value, r.call, r.return]), [['w1', 'w1:1', 0, 4], ['r1', 'w1:1', 5, 9]]);
    assert.deepEqual(readdirSync(starts).sort(), ['start-0', 'start-1', 'start-2', 'start-3']);
    assert.deepEqual(liveChildPids(), []);
  });

  it('a node program that cannot start is a config error naming protocol.command, its stderr on one line; no process is left', async () => {
    const base = { name: 'no-start', network: { latency: { distribution: 'constant', oneWayMs: 1 } }, workload: { writers: 1, readers: 0, operations: 2 } };
    const message = async (command: string[]): Promise<string> => {
      try {
        await run({ ...base, protocol: { name: 'external', t: 1, servers: '2t+1', command } });
      } catch (error) {
        assert.equal((error as Error).name, 'ConfigError', String(error));
        return (error as Error).message;
      }
      return 'started';
    };
    // Python on a script that is not there: exit code 2 and its own words.
    const missing = await message([PYTHON, join(ROOT, 'no-such-node.py')]);
    assert.match(missing, /^protocol\.command: external node s\d exited with code 2 before its init_ok; stderr: .*can't open file .*no-such-node\.py/);
    assert.doesNotMatch(missing, /\n/);
    // A program that is nowhere on the PATH never starts.
    assert.match(await message(['no-such-program-qb']), /^protocol\.command: external node s\d could not start; stderr: .*ENOENT/);
    assert.deepEqual(liveChildPids(), []);
  });
});

describe('external nodes: config checks and the lin-kv mapping (no process started)', () => {
  const base = { name: 'checks', network: { latency: { distribution: 'constant', oneWayMs: 1 } }, workload: { operations: 4 } };
  const refused = (raw: Record<string, unknown>): string => {
    try {
      resolveExperiment(parseConfig(raw), ROOT);
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('refuses what external nodes cannot do, naming the field', () => {
    const external = { name: 'external', t: 1, servers: '2t+1', command: ['python3', 'x.py'] };
    assert.equal(refused({ ...base, protocol: { name: 'abd', command: ['x'] } }), 'protocol.command: only with name: external, got ["x"]');
    assert.equal(refused({ ...base, protocol: { name: 'external', servers: 3 } }), 'protocol.command: required with name: external (the node program and its arguments), got nothing');
    assert.equal(refused({ ...base, protocol: { name: 'external', command: ['x'] } }), 'protocol.servers: required with name: external (a count, or a formula like 2t+1), got nothing');
    assert.equal(refused({ ...base, protocol: { ...external, servers: '2n+1' } }), 'protocol.servers: must be a count or a formula like 2t+1, got "2n+1"');
    assert.equal(
      refused({ ...base, protocol: external, expectViolation: true, faults: [{ type: 'byzantine', node: 's1', strategy: 'stale' }] }),
      'faults[0].strategy: external nodes support only the strategy silent (lies need a TypeScript protocol), got "stale"',
    );
    assert.match(refused({ ...base, protocol: external, faults: [{ type: 'crash', node: 'w1', duringOp: 1, afterRound: 0 }] }), /^faults\[0\]\.duringOp: external nodes report no rounds/);
    assert.equal(refused({ ...base, protocol: { ...external, options: { a: 1 } } }), 'protocol.options: external nodes take their settings as command arguments, got {"a":1}');
    // A formula a·t+b: 2t+1 at t = 2 is 5 servers; the top-level servers overrides it.
    const five = resolveExperiment(parseConfig({ ...base, protocol: { ...external, t: 2 } }), ROOT).runs[0]!;
    assert.equal(five.n, 5);
    assert.equal(resolveExperiment(parseConfig({ ...base, servers: 7, protocol: external }), ROOT).runs[0]!.n, 7);
  });

  it('maps replies and errors as Maelstrom defines them', () => {
    assert.deepEqual(linKvOutcome('read', { type: 'read_ok', value: 'w2:5 ....', rounds: 2 }), { status: 'ok', value: 'w2:5', rounds: 2 });
    assert.deepEqual(linKvOutcome('read', { type: 'read_ok', value: null }), { status: 'ok', value: null, rounds: 0 });
    assert.deepEqual(linKvOutcome('read', { type: 'read_ok', value: 17 }), { status: 'ok', value: 'unknown:17', rounds: 0 });
    assert.deepEqual(linKvOutcome('write', { type: 'write_ok' }), { status: 'ok', value: null, rounds: 0 });
    assert.deepEqual(linKvOutcome('read', { type: 'error', code: 20 }), { status: 'ok', value: null, rounds: 0 });
    for (const code of [1, 10, 11, 12, 14, 20, 21, 22, 30]) assert.equal(linKvOutcome('write', { type: 'error', code }).status, 'failed', `code ${code}`);
    for (const code of [0, 13, 1000, 2]) assert.equal(linKvOutcome('write', { type: 'error', code }).status, 'indefinite', `code ${code}`);
    assert.equal(linKvOutcome('write', { type: 'read_ok' }).status, 'indefinite', 'a reply of the wrong type');
    assert.equal(linKvValue('w1:3', 10), 'w1:3 .....');
    assert.equal(linKvValue('w1:3', 0), 'w1:3 ');
  });
});

/**
 * A node written for this test that answers with Maelstrom errors: writes get temporarily-
 * unavailable (11, definite), reads of k1 get crash (13, indefinite), reads of k2 get nothing at all
 * (the harness's timeout), other reads the initial value as key-does-not-exist (20).
 */
const ERROR_NODE = `
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    b = m["body"]
    reply = None
    if b["type"] == "init":
        reply = {"type": "init_ok"}
    elif b["type"] == "write":
        reply = {"type": "error", "code": 11, "text": "read-only"}
    elif b["type"] == "read" and b["key"] == "k1":
        reply = {"type": "error", "code": 13}
    elif b["type"] == "read" and b["key"] != "k2":
        reply = {"type": "error", "code": 20}
    if reply is not None:
        reply["in_reply_to"] = b["msg_id"]
        print(json.dumps({"src": m["dest"], "dest": m["src"], "body": reply}), flush=True)
`;

describe("external nodes: Maelstrom's replies and errors in the history", () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'quorumbench-errors-'));
    writeFileSync(join(dir, 'errors.py'), ERROR_NODE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('definite error: failed; indefinite error or timeout: pending, and the client goes on (servers role, quiet period)', async () => {
    const raw = {
      name: 'errors',
      protocol: { name: 'external', t: 1, servers: 1, clientRole: 'servers', command: [PYTHON, join(dir, 'errors.py')], timeoutMs: 50, quietMs: 2 },
      network: { latency: { distribution: 'constant', oneWayMs: 1 } },
      workload: {
        writers: 1,
        readers: 1,
        keys: 3,
        script: [
          { id: 'w', client: 'w1', kind: 'write', atMs: 0, key: 'k0' },
          { id: 'r0', client: 'r1', kind: 'read', atMs: 0, key: 'k0' },
          { id: 'r1', client: 'r1', kind: 'read', after: 'r0', key: 'k1' },
          { id: 'r1-next', client: 'r1', kind: 'read', after: 'r1', key: 'k0' },
          { id: 'r2', client: 'r1', kind: 'read', atMs: 10, key: 'k2' },
          { id: 'r3', client: 'r1', kind: 'read', atMs: 20, key: 'k0' },
        ],
      },
    };
    const resolved = resolveExperiment(parseConfig(raw), dir).runs[0]!;
    const output = await runOnce(resolved);
    const byKey = (client: string) => output.history.filter((r) => r.client === client).map((r) => [r.key, r.status, r.value, r.call, r.return]);
    assert.deepEqual(byKey('w1'), [['k0', 'failed', 'w1:1', 0, 2]]);
    // r0 and r3: key-does-not-exist is a read of the initial value. r1 (crash, 13) ends pending at 4
    // and what waits for it never starts; r2 (no answer) ends pending at its timeout, 10 + 50 ms;
    // r3 was due at 20 and starts then, when the client is free again.
    assert.deepEqual(byKey('r1'), [
      ['k0', 'ok', null, 0, 2],
      ['k1', 'pending', null, 2, null],
      ['k2', 'pending', null, 10, null],
      ['k0', 'ok', null, 60, 62],
    ]);
    assert.equal(output.outcome, 'stopped');
  });
});

describe('external nodes on the real engine', () => {
  it('runs the Python ABD node with wall-clock time and leaves no process behind', async () => {
    const raw = { name: 'external-real', engine: 'real', protocol: abdSection(ABD_NODE, { barrier: false }), network: { latency: { distribution: 'constant', oneWayMs: 1 } }, workload: { writers: 2, readers: 2, operations: 16, valueBytes: 64 }, faults: [{ type: 'crash', node: 's2', atMs: 0 }] };
    const resolved = resolveExperiment(parseConfig(raw), ROOT).runs[0]!;
    const { output } = await runReal(resolved);
    assert.equal(output.history.filter((r) => r.status === 'ok').length, 16);
    assert.equal((await checkHistory(output.history, { timeoutMs: 10_000 })).verdict, 'ok');
    assert.deepEqual(liveChildPids(), []);
  });
});
