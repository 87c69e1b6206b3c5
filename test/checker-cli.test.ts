/**
 * `quorumbench check`: one line per file with its operation and key counts, the exit codes (0 ok,
 * 1 violation, 3 unknown, 2 bad input), an empty history unknown unless --allow-empty, the timeline
 * of a violation written where --timeline says (by default the current directory, never beside the
 * input), histories without `rounds`, and bad input reported with line number and field.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCheckCli } from '../harness/cli/commands/check.ts';

const dir = mkdtempSync(join(tmpdir(), 'qb-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const JEPSEN = fileURLToPath(new URL('./fixtures/jepsen-etcd/', import.meta.url));

const line = (o: object): string => JSON.stringify({ key: 'x', rounds: 1, ...o });
function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
const okFile = file('ok.jsonl', [
  line({ client: 'a', op: 'write', value: 'v1', call: 0, return: 2, status: 'ok' }),
  line({ client: 'b', op: 'read', value: 'v1', call: 3, return: 4, status: 'ok' }),
]);
const badHistory = file('stale.jsonl', [
  line({ client: 'a', op: 'write', value: 'v1', call: 0, return: 1, status: 'ok' }),
  line({ client: 'a', op: 'write', value: 'v2', call: 2, return: 3, status: 'ok' }),
  line({ client: 'b', op: 'read', value: 'v1', call: 4, return: 5, status: 'ok' }),
]);
const malformed = file('malformed.jsonl', [
  line({ client: 'a', op: 'write', value: 'v1', call: 0, return: 1, status: 'ok' }),
  line({ client: 'a', op: 'write', value: 'v2', call: 2, return: 3, status: 'done' }),
]);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCheckCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test('all ok: exit 0, one line per file with its operation and key counts', async () => {
  const { code, out } = await run([okFile, join(JEPSEN, 'etcd_002.log')]);
  assert.equal(code, 0);
  // etcd_002.log: 154 lines, 77 invocations each with its completion.
  assert.equal(out, `${okFile}: ok: 2 ops, 1 key\n${join(JEPSEN, 'etcd_002.log')}: ok: 77 ops, 1 key\n`);
});

test('a violation: exit 1, details, and the timeline written to the current directory, not beside the input', async () => {
  const cwd = join(dir, 'cwd');
  mkdirSync(cwd);
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const { code, out } = await run([okFile, badHistory]);
    assert.equal(code, 1);
    const lines = out.split('\n');
    assert.equal(lines[0], `${okFile}: ok: 2 ops, 1 key`);
    assert.equal(lines[1], `${badHistory}: violation: 3 ops, 1 key`);
    assert.match(lines[2] ?? '', /^ {2}key "x" \(3 ops, read-mapping check\): Values "v[12]" and "v[12]" must each be linearized before the other/);
    assert.match(out, / {4}#2 b: read → "v1" \[4, 5\]/);
    assert.match(out, /  timeline: stale\.jsonl\.violation\.html\n$/);
    assert.ok(readFileSync(join(cwd, 'stale.jsonl.violation.html'), 'utf8').includes('<svg'));
    assert.ok(!existsSync(`${badHistory}.violation.html`));
  } finally {
    process.chdir(before);
  }
});

test('--timeline DIR and --format jepsen on a file without extension', async () => {
  const copy = join(dir, 'etcd-log-copy');
  writeFileSync(copy, readFileSync(join(JEPSEN, 'etcd_014.log')));
  const out = join(dir, 'timelines');
  const result = await run([copy, '--format', 'jepsen', '--timeline', out]);
  assert.equal(result.code, 1);
  assert.deepEqual(readdirSync(out), ['etcd-log-copy.violation.html']);
});

test('an empty history is unknown (exit 3) unless --allow-empty; 1,000 ops are counted with a separator', async () => {
  const empty = file('empty.jsonl', ['']);
  const a = await run([empty]);
  assert.equal(a.code, 3);
  assert.equal(a.out, `${empty}: unknown: 0 ops, 0 keys (an empty history; --allow-empty judges it ok)\n`);
  const b = await run([empty, '--allow-empty']);
  assert.equal(b.code, 0);
  assert.equal(b.out, `${empty}: ok: 0 ops, 0 keys\n`);
  // 1,000 sequential writes then reads over 2 keys, without the harness-only `rounds` field.
  const lines: string[] = [];
  for (let i = 0; i < 500; i++) {
    const key = `k${i % 2}`;
    lines.push(JSON.stringify({ client: 'a', op: 'write', key, value: `v${i}`, call: 4 * i, return: 4 * i + 1, status: 'ok' }));
    lines.push(JSON.stringify({ client: 'b', op: 'read', key, value: `v${i}`, call: 4 * i + 2, return: 4 * i + 3, status: 'ok' }));
  }
  const big = file('no-rounds.jsonl', lines);
  const c = await run([big]);
  assert.equal(c.code, 0);
  assert.equal(c.out, `${big}: ok: 1,000 ops, 2 keys\n`);
});

test('unknown (time limit) without violation: exit 3; with a violation: exit 1', async () => {
  const slow = join(JEPSEN, 'etcd_002.log'); // linearizable, needs ~10^5 search steps
  const a = await run([slow, '--timeout', '0.000001']);
  assert.equal(a.code, 3);
  assert.match(a.out, /etcd_002\.log: unknown: 77 ops, 1 key\n {2}key "register": time limit reached/);
  const b = await run([slow, badHistory, '--timeout', '0.000001', '--timeline', join(dir, 'timelines-b')]);
  assert.equal(b.code, 1);
});

test('bad input: exit 2, the line number and field named; other files still checked', async () => {
  const { code, out } = await run([malformed, okFile]);
  assert.equal(code, 2);
  assert.equal(out.split('\n')[0], `${malformed}: error: line 2: field "status": expected "ok", "failed" or "pending", got "done"`);
  assert.match(out, /ok\.jsonl: ok: 2 ops, 1 key/);
  const missing = await run([join(dir, 'nope.jsonl')]);
  assert.equal(missing.code, 2);
  assert.match(missing.out, /nope\.jsonl: error: cannot read the file \(ENOENT\)/);
  const jepsenBad = file('bad.log', ['INFO  jepsen.util - 0\t:invoke\t:write\t3', 'INFO  jepsen.util - 0\t:ok\t:read\t3']);
  const j = await run([jepsenBad]);
  assert.equal(j.code, 2);
  assert.match(j.out, /bad\.log: error: line 2: field "f"/);
});

test('bad flags and a cas under --model register: exit 2', async () => {
  assert.equal((await run([okFile, '--format', 'csv'])).code, 2);
  assert.equal((await run([okFile, '--timeout', '-1'])).code, 2);
  assert.equal((await run([okFile, '--model', 'queue'])).code, 2);
  assert.equal((await run([])).code, 2);
  const casFile = file('cas.jsonl', [line({ client: 'a', op: 'cas', expected: null, value: 'v1', swapped: true, call: 0, return: 1, status: 'ok' })]);
  const r = await run([casFile, '--model', 'register']);
  assert.equal(r.code, 2);
  assert.match(r.out, /field "op"/);
  assert.equal((await run([casFile])).code, 0);
});
