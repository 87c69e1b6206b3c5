/**
 * `quorumbench check`: one line per file, the exit codes (0 ok, 1 violation, 3 unknown, 2 bad
 * input), the timeline file of a violation, and bad input reported with line number and field.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('all ok: exit 0, one line per file', async () => {
  const { code, out } = await run([okFile, join(JEPSEN, 'etcd_002.log')]);
  assert.equal(code, 0);
  assert.equal(out, `${okFile}: ok\n${join(JEPSEN, 'etcd_002.log')}: ok\n`);
});

test('a violation: exit 1, details, and the timeline written next to the file', async () => {
  const { code, out } = await run([okFile, badHistory]);
  assert.equal(code, 1);
  const lines = out.split('\n');
  assert.equal(lines[0], `${okFile}: ok`);
  assert.equal(lines[1], `${badHistory}: violation`);
  assert.match(lines[2] ?? '', /^ {2}key "x" \(3 ops, read-mapping check\): Values "v[12]" and "v[12]" must each be linearized before the other/);
  assert.match(out, / {4}#2 b: read → "v1" \[4, 5\]/);
  const timeline = `${badHistory}.violation.html`;
  assert.match(out, new RegExp(`  timeline: ${timeline.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`));
  assert.ok(readFileSync(timeline, 'utf8').includes('<svg'));
});

test('--timeline-dir and --format jepsen on a file without extension', async () => {
  const copy = join(dir, 'etcd-log-copy');
  writeFileSync(copy, readFileSync(join(JEPSEN, 'etcd_014.log')));
  const out = join(dir, 'timelines');
  const result = await run([copy, '--format', 'jepsen', '--timeline-dir', out]);
  assert.equal(result.code, 1);
  assert.ok(existsSync(join(out, 'etcd-log-copy.violation.html')));
});

test('unknown (time limit) without violation: exit 3; with a violation: exit 1', async () => {
  const slow = join(JEPSEN, 'etcd_002.log'); // linearizable, needs ~10^5 search steps
  const a = await run([slow, '--timeout', '0.000001']);
  assert.equal(a.code, 3);
  assert.match(a.out, /etcd_002\.log: unknown\n {2}key "register": time limit reached/);
  const b = await run([slow, badHistory, '--timeout', '0.000001']);
  assert.equal(b.code, 1);
});

test('bad input: exit 2, the line number and field named; other files still checked', async () => {
  const { code, out } = await run([malformed, okFile]);
  assert.equal(code, 2);
  assert.equal(out.split('\n')[0], `${malformed}: error: line 2: field "status": expected "ok", "failed" or "pending", got "done"`);
  assert.match(out, /ok\.jsonl: ok/);
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
