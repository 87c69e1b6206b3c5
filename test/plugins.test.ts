/**
 * Protocol plugins (`protocol.module`): a tiny protocol written into a temporary folder outside the
 * repository, loaded from there by path and as an npm package, run on both engines; a broken one is
 * refused at load with one line naming what is missing (exit code 2 from the CLI).
 *
 * The plugin, "tmp-primary": one server holds the register; a read asks it (GET → VALUE), a write
 * stores there (PUT → ACK). One round per operation, so at a constant 1 ms one-way latency every
 * operation takes exactly 2 ms in the simulator; FIFO links and one server make it linearizable.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig, resolveExperiment } from '../harness/config/index.ts';
import { ConfigError } from '../harness/config/errors.ts';
import { loadPlugins, pluginFor, pluginSpecifiers } from '../harness/config/plugins.ts';
import { checkHistory } from '../harness/checker/index.ts';
import { runOnce } from '../harness/runner/index.ts';
import { runReal } from './support/real-run.ts';

const ROOT = resolve(import.meta.dirname, '..');

const PLUGIN = `
import { z } from '${ROOT}/node_modules/zod/index.js';
import type { ClientMachine, NodeId, Operation, OpStep, ProtocolDefinition, ServerMachine } from '${ROOT}/protocols/types.ts';

type Msg =
  | { readonly type: 'GET'; readonly op: number }
  | { readonly type: 'PUT'; readonly op: number; readonly value: Uint8Array }
  | { readonly type: 'VALUE'; readonly op: number; readonly value: Uint8Array }
  | { readonly type: 'ACK'; readonly op: number };

function server(): ServerMachine<Msg> {
  let value: Uint8Array = new Uint8Array(0);
  return {
    handle(from: NodeId, msg: Msg) {
      if (msg.type === 'PUT') {
        value = msg.value;
        return [{ to: from, msg: { type: 'ACK', op: msg.op } }];
      }
      return msg.type === 'GET' ? [{ to: from, msg: { type: 'VALUE', op: msg.op, value } }] : [];
    },
    storedBytes: () => value.length,
  };
}

function operation(kind: 'read' | 'write', primary: NodeId, request: Msg): Operation<Msg> {
  const op = {
    kind,
    rounds: 0,
    retries: 0,
    start() {
      op.rounds = 1;
      return [{ to: primary, msg: request }];
    },
    onMessage(_from: NodeId, msg: Msg): OpStep<Msg> {
      if (msg.op !== request.op) return { status: 'pending', send: [] };
      return msg.type === 'VALUE' ? { status: 'done', send: [], value: msg.value } : { status: 'done', send: [] };
    },
  };
  return op;
}

function client(primary: NodeId): ClientMachine<Msg> {
  let next = 0;
  return {
    read: () => operation('read', primary, { type: 'GET', op: ++next }),
    write: (value: Uint8Array) => operation('write', primary, { type: 'PUT', op: ++next, value }),
  };
}

function parseMessage(value: unknown): Msg | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const m = value as Record<string, unknown>;
  if (!Number.isSafeInteger(m.op)) return undefined;
  if ((m.type === 'GET' || m.type === 'ACK') && Object.keys(m).length === 2) return m as Msg;
  if ((m.type === 'PUT' || m.type === 'VALUE') && m.value instanceof Uint8Array && Object.keys(m).length === 3) return m as Msg;
  return undefined;
}

const primary: ProtocolDefinition<Msg, Record<string, never>, undefined> = {
  name: 'tmp-primary',
  description: 'one server holds the register; one round per operation',
  serverCount: () => 1,
  tolerance: () => ({ crash: 0, byzantine: 0, byzantineReaders: false }),
  multiWriter: true,
  optionsSchema: z.strictObject({}),
  setup: () => undefined,
  createServer: () => server(),
  createClient: (_id, cluster) => client(cluster.servers[0]!),
  parseMessage,
  strategies: {},
};
export default primary;
`;

const BROKEN = `export default { name: 'tmp-broken', description: 'no server', serverCount: () => 1, tolerance: () => ({ crash: 0, byzantine: 0, byzantineReaders: false }), multiWriter: true };\n`;

function config(module: string, engine: 'sim' | 'real'): Record<string, unknown> {
  return {
    name: `plugin-${engine}`,
    engine,
    protocol: { module, t: 1 },
    network: { latency: { distribution: 'constant', oneWayMs: 1 } },
    workload: { writers: 2, readers: 2, operations: 24, valueBytes: 32 },
  };
}

describe('protocol plugins from a folder outside the repository', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'quorumbench-plugin-'));
    writeFileSync(join(dir, 'primary.ts'), PLUGIN);
    writeFileSync(join(dir, 'broken.ts'), BROKEN);
    // An options schema as zod 3 makes one (a safeParse, a _def, no _zod).
    const zod3 = "{ _def: { typeName: 'ZodObject' }, safeParse: (input: unknown) => ({ success: true, data: input }) } as never";
    writeFileSync(join(dir, 'zod3.ts'), PLUGIN.replace("name: 'tmp-primary'", "name: 'tmp-zod3'").replace('optionsSchema: z.strictObject({})', `optionsSchema: ${zod3}`));
    // The same plugin as an npm package (ESM only: resolved with the import condition).
    const pkg = join(dir, 'node_modules', 'qb-primary');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'qb-primary', type: 'module', exports: { '.': { import: './index.js' } } }));
    writeFileSync(join(pkg, 'index.js'), "export { default } from '../../primary.ts';\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs in the simulator: every operation one round of 2 ms, linearizable', async () => {
    const raw = config('./primary.ts', 'sim');
    await loadPlugins(raw, dir);
    const run = resolveExperiment(parseConfig(raw), dir).runs[0]!;
    assert.equal(run.protocol.name, 'tmp-primary');
    assert.equal(run.n, 1);
    const output = await runOnce(run);
    assert.equal(output.outcome, 'stopped');
    for (const kind of ['read', 'write'] as const) {
      const ops = output.result.ops[kind]!;
      assert.equal(ops.latencyMs.max, 2, `${kind}: one round trip at 1 ms each way`);
      assert.equal(ops.latencyMs.mean, 2);
      assert.equal(ops.rounds.max, 1);
      // One request and one reply per operation.
      assert.equal(ops.messagesPerOp, 2);
    }
    assert.equal(output.history.length, 24);
    assert.equal((await checkHistory(output.history, { timeoutMs: 10_000 })).verdict, 'ok');
  });

  it('runs on the real engine: its server process and a client process load the plugin from the cluster file', async () => {
    const raw = { ...config(join(dir, 'primary.ts'), 'real'), real: { clientProcesses: 1 } };
    await loadPlugins(raw, dir);
    const run = resolveExperiment(parseConfig(raw), dir).runs[0]!;
    const { output, engine } = await runReal(run);
    assert.equal(engine.serverBehaviours()['s1'], 'honest');
    assert.equal(engine.clientProcessStats.length, 1, 'the client process ran and reported');
    assert.equal(output.history.filter((r) => r.status === 'ok').length, 24);
    assert.equal((await checkHistory(output.history, { timeoutMs: 10_000 })).verdict, 'ok');
  });

  it('loads a package by name, resolved from the config file folder', async () => {
    await loadPlugins(config('qb-primary', 'sim'), dir);
    assert.equal(pluginFor('qb-primary', dir).name, 'tmp-primary');
    assert.throws(() => pluginFor('qb-primary', ROOT), ConfigError, 'a package is resolved per config folder');
  });

  it('finds every plugin a sweep config may name: in place, in a sweep block, in a rule', () => {
    const sweep = {
      protocol: { module: './a.ts', t: [1, 2] },
      sweep: { 'protocol.module': ['./b.ts', 'pkg-c'] },
      sweepRules: [{ when: { 't': 2 }, set: { 'protocol.module': './d.ts' } }],
      quick: { protocol: { module: './a.ts' } },
    };
    assert.deepEqual(pluginSpecifiers(sweep).sort(), ['./a.ts', './b.ts', './d.ts', 'pkg-c']);
    assert.deepEqual(pluginSpecifiers({ protocol: { name: 'abd' } }), []);
  });

  it('refuses a plugin that lacks a member, naming it (a ConfigError: exit code 2 from the CLI)', async () => {
    await assert.rejects(loadPlugins(config('./broken.ts', 'sim'), dir), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'protocol.module: "./broken.ts": setup: missing (a function), got nothing');
      return true;
    });
    await assert.rejects(loadPlugins(config('./absent.ts', 'sim'), dir), /^ConfigError: protocol\.module: "\.\/absent\.ts": no such file /);
    // A zod 3 schema would parse, but its errors would be misreported: refused when loaded.
    await assert.rejects(loadPlugins(config('./zod3.ts', 'sim'), dir), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'protocol.module: "./zod3.ts": optionsSchema: a zod 4 schema is needed (this one is not: install zod 4 in the plugin\'s project, npm install zod@4)');
      return true;
    });
  });
});
