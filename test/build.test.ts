/**
 * The compiled harness (scripts/build.ts), built into a temporary folder laid out like the project
 * (dist/, package.json, node_modules): every entry point is there, the command runs without tsx,
 * its commands load their code when they run, and a server process and a checker worker thread
 * start from the compiled files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildDist } from '../scripts/build.ts';
import { ENTRY_POINTS, PROJECT_ROOT } from '../harness/entry-points.ts';
import { splitByKey } from '../harness/checker/_keyops.ts';
import type { KeyWork } from '../harness/checker/_checkkey.ts';
import type { HistoryRecord } from '../harness/history/types.ts';

const write = (client: string, value: string, call: number, ret: number): HistoryRecord => ({ client, op: 'write', key: 'x', value, call, return: ret, status: 'ok', rounds: 1 });
const read = (client: string, value: string | null, call: number, ret: number): HistoryRecord => ({ client, op: 'read', key: 'x', value, call, return: ret, status: 'ok', rounds: 2 });

/** The text of `file` and of every chunk it imports statically, transitively. */
function staticImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const imported = [...text.matchAll(/^(?:import|export)[^;]*?from "(\.[^"]+)";?$/gms)].map((m) => resolve(dirname(file), m[1]!));
  return [text, ...imported.flatMap((next) => staticImports(next, seen))];
}

test('the compiled harness runs on its own: entry points, --help, check, serve, a checker worker', async () => {
  const root = mkdtempSync(join(tmpdir(), 'qb-build-test-'));
  try {
    // --version reads package.json beside dist/, as in an installed package.
    writeFileSync(join(root, 'package.json'), '{ "name": "quorumbench", "version": "0.0.0-test", "type": "module" }\n');
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    // package.json's `bin` is a launcher of dist/: without a build, one line and exit 2.
    mkdirSync(join(root, 'bin'));
    const launcher = join(root, 'bin/quorumbench.js');
    copyFileSync(join(PROJECT_ROOT, JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).bin.quorumbench), launcher);
    const unbuilt = node([launcher, '--version']);
    assert.equal(unbuilt.status, 2);
    assert.equal(unbuilt.stderr, `quorumbench: ${join(root, 'dist/bin/quorumbench.js')} is missing: run \`npm run build\` in ${root}/ (npm ci runs it)\n`);

    const dist = join(root, 'dist');
    await buildDist(dist);
    for (const entry of ENTRY_POINTS) assert.ok(existsSync(join(dist, `${entry}.js`)), `${entry}.js`);
    const version = node([launcher, '--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout, '0.0.0-test\n');

    const help = node([join(dist, 'bin/quorumbench.js'), '--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: quorumbench /);
    assert.match(help.stdout, /\n {2}check \[options\] <files\.\.\.>/);
    // What the command loads before it knows which command runs: no command's working code (the
    // config schema, charts, traces, the checker), only the registrations.
    const loadedAtStart = staticImports(join(dist, 'bin/quorumbench.js'));
    for (const heavy of ['node_modules/zod/', 'harness/charts/', 'harness/trace/', 'harness/checker/', 'harness/config/schema.ts']) {
      assert.ok(!loadedAtStart.some((text) => text.includes(`// ${heavy}`)), `the command loads ${heavy} at start`);
    }

    // A stale read: W 1 finished, then W 2 finished, then a read returned 1.
    const history = join(root, 'stale.jsonl');
    writeFileSync(history, [write('a', '1', 0, 1), write('a', '2', 2, 3), read('b', '1', 4, 5)].map((r) => JSON.stringify(r)).join('\n'));
    const check = node([join(dist, 'bin/quorumbench.js'), 'check', history]);
    assert.equal(check.status, 1, check.stderr);
    assert.match(check.stdout, /stale\.jsonl: violation: 3 ops, 1 key\n/);
    assert.ok(existsSync(`${history}.violation.html`));

    const cluster = join(root, 'cluster.yaml');
    writeFileSync(cluster, 'seed: 1\nprotocol: { name: abd, t: 1 }\ncluster: { s1: "a:1", s2: "b:2", s3: "c:x" }\n');
    const secret = join(root, 'secret');
    writeFileSync(secret, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    const serve = node([join(dist, 'harness/cli/serve-entry.js'), '--id', 's1', '--listen', '127.0.0.1:0', '--cluster', cluster, '--secret-file', secret]);
    assert.equal(serve.status, 2, serve.stderr);
    assert.equal(serve.stderr, 'quorumbench serve: cluster.s3: expected host:port, got "c:x"\n');

    // The compiled worker entry answers a key of the stale history: a violation.
    const [ops] = splitByKey([write('a', '1', 0, 1), write('a', '2', 2, 3), read('b', '1', 4, 5)], 'register').keys;
    const worker = new Worker(pathToFileURL(join(dist, 'harness/cli/checker-worker.js')));
    try {
      const work = await new Promise<KeyWork>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage({ ops, deadline: Date.now() + 10_000, wantExcerpt: false });
      });
      assert.equal(work.verdict, 'violation');
      assert.equal(work.inWorker, true);
    } finally {
      await worker.terminate();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
