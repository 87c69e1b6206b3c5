/**
 * Hostile input against a server process with authenticated channels and per-frame MACs
 * (`real.channels: hmac`): random byte streams, truncated frames, oversized and malformed frames,
 * handshakes gone wrong (no secret, another run, another channel mode, frames out of order), and,
 * on connections that did authenticate, spoofed senders, forged node proofs, altered MACs and
 * messages the protocol refuses. Each hostile connection must be closed and counted exactly once,
 * by reason; the server must not crash; nothing a hostile connection sent may reach the protocol
 * machine; and a correct client's operations must still complete afterwards, with this very server
 * answering every one of its messages.
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
import { encodeAuthFrame, encodeDataFrame, encodeHelloFrame, encodeOpenFrame, FRAME_CODEC_VERSION } from '../harness/real/frame.ts';
import { startNodeScript, type ChildProcessHandle } from '../harness/real/processes.ts';
import { cryptoRandom } from '../harness/real/node-random.ts';
import { runSetup } from '../harness/host/setup.ts';
import { channelKeysOf, secretSetupRandom, type ChannelKeys } from '../harness/real/run-secret.ts';
import { TcpTransport, type HostPort } from '../harness/real/tcp-transport.ts';
import { stream } from '../harness/rng.ts';
import { encodeValue } from '../harness/wire/codec.ts';
import type { ClientMachine, NodeId, Operation, ProtocolMessage } from '../protocols/types.ts';
import { TEST_SECRET, testAuth, writeTestSecret } from './support/auth.ts';
import { rawPeer } from './support/raw-peer.ts';

const RUN_ID = 'fuzz-run';

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
        real: { channels: 'hmac' },
      }),
    ).runs[0]!;
    const ports = await freePorts('127.0.0.1', run.n);
    addresses = new Map(run.cluster.servers.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
    dir = mkdtempSync(join(tmpdir(), 'quorumbench-fuzz-'));
    const clusterPath = join(dir, 'cluster.json');
    writeFileSync(clusterPath, JSON.stringify(clusterFileData(run, run.seed, addresses, RUN_ID)));
    const secretPath = writeTestSecret(dir);
    for (const [id, address] of addresses) {
      const args = ['--id', id, '--listen', `127.0.0.1:${address.port}`, '--cluster', clusterPath, '--secret-file', secretPath, '--exit-on-stdin-close'];
      servers.set(id, startNodeScript(`server ${id}`, SERVE_ENTRY, args, PROJECT_ROOT));
    }
    await Promise.all([...servers.values()].map((server) => server.waitForLine((line) => line.event === 'ready', 60_000)));
  });

  after(async () => {
    await Promise.all([...servers.values()].map((server) => server.stop(2_000)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects and counts every hostile connection, keeps serving, and a correct client completes', async () => {
    const target = addresses.get('s1')!;
    const keys = channelKeysOf(TEST_SECRET);
    const ping = { type: 'GET', op: 1 } as ProtocolMessage;
    const rng = stream(2024, 'fuzz');
    const nonce = new Uint8Array(32).fill(5);
    const open = encodeOpenFrame(RUN_ID, nonce, 'hmac');
    // Connections that never authenticate.
    const hostile: Buffer[] = [];
    // Random byte streams.
    for (let i = 0; i < 40; i++) hostile.push(Buffer.from(rng.bytes(rng.int(1, 300))));
    // A well-formed length and version with a random payload: must fail in the codec or the checks.
    for (let i = 0; i < 30; i++) hostile.push(frame(FRAME_CODEC_VERSION, rng.bytes(rng.int(1, 300))));
    // A valid open, then a frame cut short at a random point.
    const data = encodeDataFrame('w1', 's1', 'k0', ping, 0, 0, 32);
    for (let i = 0; i < 10; i++) hostile.push(Buffer.concat([open, data.subarray(0, rng.int(1, data.length - 1))]));
    const unauthenticated: Record<string, Buffer> = {
      oversized: Buffer.from([0x7f, 0xff, 0xff, 0xff, FRAME_CODEC_VERSION]),
      'bad-version': frame(9, encodeValue([0, RUN_ID, nonce, 'hmac'])),
      'codec-bad-tag': frame(FRAME_CODEC_VERSION, Uint8Array.from([0xee, 1, 2])),
      'unknown-node': Buffer.concat([open, encodeHelloFrame(['mallory'], [nonce])]),
      // A process without the secret: it cannot compute the proof, so it sends whatever it has.
      'bad-auth-proof': Buffer.concat([open, encodeAuthFrame(new Uint8Array(32).fill(7)), encodeHelloFrame(['w1'], [nonce], 32), data]),
      'handshake-order': encodeAuthFrame(nonce),
      unauthenticated: Buffer.concat([open, encodeHelloFrame(['w1'], [nonce])]),
      'other-run': encodeOpenFrame('another-run', nonce, 'hmac'),
      'channels-mismatch': encodeOpenFrame(RUN_ID, nonce, 'plain'),
    };
    hostile.push(...Object.values(unauthenticated));
    for (const bytes of hostile) await hostileConnection(target, bytes);

    // Connections that authenticated as w1 (they hold the keys), then break the rules.
    const asW1 = async (act: (peer: Awaited<ReturnType<typeof rawPeer>>) => void, proving: readonly NodeId[] = ['w1'], peerKeys: ChannelKeys = keys): Promise<void> => {
      const peer = await rawPeer(target, { runId: RUN_ID, channels: 'hmac', keys: peerKeys, nodes: proving });
      act(peer);
      await peer.end();
    };
    const withoutKeyOf = (node: NodeId): ChannelKeys => ({ ...keys, node: (id) => (id === node ? undefined : keys.node(id)) });
    const authenticated: Record<string, () => Promise<void>> = {
      'bad-message': () => asW1((peer) => peer.send(encodeDataFrame('w1', 's1', 'k0', { type: 'NOT_A_MESSAGE' }, 0, 0, 32))),
      'unannounced-sender': () => asW1((peer) => peer.send(encodeDataFrame('r1', 's1', 'k0', ping, 0, 0, 32))),
      'not-local': () => asW1((peer) => peer.send(encodeDataFrame('w1', 's2', 'k0', ping, 0, 0, 32))),
      // A frame whose MAC was not made with the connection's key (altered on the way).
      'bad-mac': () =>
        asW1((peer) => {
          const altered = encodeDataFrame('w1', 's1', 'k0', ping, 0, 0, 32);
          peer.send(altered.fill(0, altered.length - 32), false);
        }),
      // The channel key, but not w1's node key: the claim to be w1 fails.
      'bad-hello-proof': () => asW1(() => {}, ['w1'], withoutKeyOf('w1')),
      truncated: () => asW1((peer) => peer.write(encodeDataFrame('w1', 's1', 'k0', ping, 0, 0, 32).subarray(0, 20))),
    };
    for (const act of Object.values(authenticated)) await act();
    assert.equal(servers.get('s1')!.exited, false, 's1 crashed under hostile input');

    // A correct client over TCP: a few writes and reads through all three servers.
    const crypto = await loadCryptoProvider('node');
    const codec = await loadErasureCodec('auto');
    const setup = runSetup(run, secretSetupRandom(TEST_SECRET), run.cluster, crypto);
    const known = new Set([...run.cluster.servers, ...run.cluster.writers, ...run.cluster.readers]);
    const transport = await TcpTransport.create({
      validator: { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) },
      auth: testAuth({ runId: RUN_ID, channels: 'hmac' }),
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
    const connections = hostile.length + Object.keys(authenticated).length;
    assert.equal(total, connections, `rejections ${JSON.stringify(rejected)} do not match ${connections} hostile connections`);
    // Random bytes also end up oversized, truncated or in codec errors; the handshake and the checks
    // after it are reached only by the one connection made for each.
    const framing = ['oversized', 'bad-version', 'codec-bad-tag'];
    for (const reason of framing) assert.ok((rejected[reason] ?? 0) >= 1, `no ${reason} rejection in ${JSON.stringify(rejected)}`);
    for (const reason of Object.keys(unauthenticated).filter((r) => !framing.includes(r))) assert.equal(rejected[reason], 1, `${reason}: ${JSON.stringify(rejected)}`);
    for (const reason of Object.keys(authenticated).filter((r) => r !== 'truncated')) assert.equal(rejected[reason], 1, `${reason}: ${JSON.stringify(rejected)}`);
    assert.ok((rejected.truncated ?? 0) >= 11, `truncated frames not counted: ${JSON.stringify(rejected)}`);
    // s1 answered each of the 2 rounds of every operation once, and nothing else: no hostile frame
    // reached its protocol machine (a GET that did would have been answered).
    assert.equal((stats.sent as { messages: number }).messages, 2 * ops);
  });
});
