/**
 * Hostile input against a server process: random byte streams, truncated frames, oversized and
 * malformed frames, spoofed senders. Each hostile connection must be closed and counted exactly once,
 * by reason; the server must not crash; and a correct client's operations must still complete
 * afterwards, with this very server answering every one of its messages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig, resolveExperiment, type ResolvedRun } from '../harness/config/index.ts';
import { createNodeEnv, loadCryptoProvider, loadErasureCodec } from '../harness/env/index.ts';
import { clusterFileData, freePorts, PROJECT_ROOT, SERVE_ENTRY } from '../harness/real/launch.ts';
import { encodeDataFrame, encodeHelloFrame, FRAME_CODEC_VERSION } from '../harness/real/frame.ts';
import { startNodeScript, type ChildProcessHandle } from '../harness/real/processes.ts';
import { cryptoRandom } from '../harness/real/node-random.ts';
import { runSetup } from '../harness/host/setup.ts';
import { TcpTransport, type HostPort } from '../harness/real/tcp-transport.ts';
import { stream } from '../harness/rng.ts';
import { encodeValue } from '../harness/wire/codec.ts';
import type { ClientMachine, NodeId, Operation, ProtocolMessage } from '../protocols/types.ts';

let run: ResolvedRun;
let dir: string;
let addresses: Map<NodeId, HostPort>;
const servers = new Map<NodeId, ChildProcessHandle>();

/** Sends `bytes` on a fresh connection to `address`, half-closes, and waits until the socket closes. */
function hostileConnection(address: HostPort, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(address.port, address.host, () => {
      socket.end(bytes);
    });
    socket.on('data', () => {}); // the server's hello
    socket.on('error', () => {}); // a reset by the server is fine
    socket.on('close', () => resolve());
  });
}

function frame(version: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(1 + payload.length, 0);
  out[4] = version;
  out.set(payload, 5);
  return out;
}

describe('real engine: hostile frames against a server process', () => {
  before(async () => {
    run = resolveExperiment(
      parseConfig({
        name: 'fuzz',
        engine: 'real',
        seed: 3,
        protocol: { name: 'abd', t: 1 },
        network: { latency: { distribution: 'constant', oneWayMs: 0 } },
        workload: { writers: 1, readers: 1, operations: 1 },
      }),
    ).runs[0]!;
    const ports = await freePorts('127.0.0.1', run.n);
    addresses = new Map(run.cluster.servers.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
    dir = mkdtempSync(join(tmpdir(), 'quorumbench-fuzz-'));
    const clusterPath = join(dir, 'cluster.json');
    writeFileSync(clusterPath, JSON.stringify(clusterFileData(run, run.seed, addresses)));
    for (const [id, address] of addresses) {
      servers.set(id, startNodeScript(`server ${id}`, SERVE_ENTRY, ['--id', id, '--listen', `127.0.0.1:${address.port}`, '--cluster', clusterPath, '--exit-on-stdin-close'], PROJECT_ROOT));
    }
    await Promise.all([...servers.values()].map((server) => server.waitForLine((line) => line.event === 'ready', 60_000)));
  });

  after(async () => {
    await Promise.all([...servers.values()].map((server) => server.stop(2_000)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects and counts every hostile connection, keeps serving, and a correct client completes', async () => {
    const target = addresses.get('s1')!;
    const rng = stream(2024, 'fuzz');
    const hostile: Buffer[] = [];
    // Random byte streams.
    for (let i = 0; i < 40; i++) hostile.push(Buffer.from(rng.bytes(rng.int(1, 300))));
    // A well-formed length and version with a random payload: must fail in the codec or the checks.
    for (let i = 0; i < 30; i++) hostile.push(frame(FRAME_CODEC_VERSION, rng.bytes(rng.int(1, 300))));
    // A valid hello, then a valid data frame cut short at a random point.
    const hello = encodeHelloFrame(['w1']);
    const data = encodeDataFrame('w1', 's1', 'k0', { type: 'GET', op: 1 } as ProtocolMessage, 0);
    for (let i = 0; i < 10; i++) hostile.push(Buffer.concat([hello, data.subarray(0, rng.int(1, data.length - 1))]));
    // One of each malformed kind.
    const malformed: Record<string, Buffer> = {
      oversized: Buffer.from([0x7f, 0xff, 0xff, 0xff, FRAME_CODEC_VERSION]),
      'bad-version': frame(9, encodeValue([0, ['w1']])),
      'bad-message': Buffer.concat([hello, encodeDataFrame('w1', 's1', 'k0', { type: 'NOT_A_MESSAGE' }, 0)]),
      'unknown-node': encodeHelloFrame(['mallory']),
      'unannounced-sender': Buffer.concat([hello, encodeDataFrame('r1', 's1', 'k0', { type: 'GET', op: 1 } as ProtocolMessage, 0)]),
      'not-local': Buffer.concat([hello, encodeDataFrame('w1', 's2', 'k0', { type: 'GET', op: 1 } as ProtocolMessage, 0)]),
      'codec-bad-tag': frame(FRAME_CODEC_VERSION, Uint8Array.from([0xee, 1, 2])),
    };
    hostile.push(...Object.values(malformed));
    for (const bytes of hostile) await hostileConnection(target, bytes);
    assert.equal(servers.get('s1')!.exited, false, 's1 crashed under hostile input');

    // A correct client over TCP: a few writes and reads through all three servers.
    const crypto = await loadCryptoProvider('node');
    const codec = await loadErasureCodec('auto');
    const setup = runSetup(run, run.seed, run.cluster, crypto);
    const known = new Set([...run.cluster.servers, ...run.cluster.writers, ...run.cluster.readers]);
    const transport = await TcpTransport.create({
      validator: { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) },
      peers: addresses,
    });
    const env = createNodeEnv({ id: 'w1', crypto, codec, random: cryptoRandom, charge: () => {}, reject: () => {} });
    const client = run.protocol.createClient('w1', run.cluster, run.options, setup, env) as ClientMachine;
    let current: { operation: Operation; resolve: (value: Uint8Array | undefined) => void } | undefined;
    let fromS1 = 0;
    transport.attach('w1', (from, received) => {
      if (from === 's1') fromS1++;
      if (current === undefined) return;
      const step = current.operation.onMessage(from, received.msg);
      for (const send of step.send) transport.send('w1', send.to, { key: 'k0', tag: 0, msg: send.msg });
      if (step.status === 'done') {
        const done = current;
        current = undefined;
        done.resolve(step.value);
      }
    });
    const perform = (operation: Operation): Promise<Uint8Array | undefined> =>
      new Promise((resolve) => {
        current = { operation, resolve };
        for (const send of operation.start()) transport.send('w1', send.to, { key: 'k0', tag: 0, msg: send.msg });
      });
    const ops = 10;
    try {
      for (let i = 0; i < ops / 2; i++) {
        const value = new TextEncoder().encode(`value-${i}`);
        await perform(client.write(value));
        const read = await perform(client.read());
        assert.equal(new TextDecoder().decode(read), `value-${i}`);
      }
      // Every ABD op is 2 rounds, each sent to every server: s1 answers 2 messages per op.
      const deadline = Date.now() + 30_000;
      while (fromS1 < 2 * ops && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(fromS1, 2 * ops, 's1 did not answer every message of the correct client');
    } finally {
      await transport.close();
    }

    const s1 = servers.get('s1')!;
    await s1.stop(5_000);
    assert.equal(s1.exitCode, 0);
    const stats = s1.lines.find((line) => line.event === 'stats');
    assert.ok(stats !== undefined, 's1 printed no stats line');
    const rejected = stats.rejected as Record<string, number>;
    const total = Object.values(rejected).reduce((a, b) => a + b, 0);
    assert.equal(total, hostile.length, `rejections ${JSON.stringify(rejected)} do not match ${hostile.length} hostile connections`);
    for (const reason of Object.keys(malformed)) assert.ok((rejected[reason] ?? 0) >= 1, `no ${reason} rejection in ${JSON.stringify(rejected)}`);
    assert.ok((rejected.truncated ?? 0) >= 10, `truncated frames not counted: ${JSON.stringify(rejected)}`);
    // s1 answered each of the 2 rounds of every operation once.
    assert.equal((stats.sent as { messages: number }).messages, 2 * ops);
  });
});
