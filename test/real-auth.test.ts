/**
 * Authenticated channels of the real engine (docs/protocols.md#model): the run secret and what is
 * derived from it, a process that claims to be `w1` without the secret, a claim of `w1` with the
 * channel key but not `w1`'s own key, protocol keys that cannot be computed from the config (a
 * signature and MACs made with the seed's keys are refused by every server), and a correct run of
 * every protocol with every frame authenticated, judged by the linearizability checker.
 *
 * No wall-clock assertions: waits are bounded generously and only ever wait for an event.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { checkHistory } from '../harness/checker/index.ts';
import { ConfigError } from '../harness/config/errors.ts';
import { parseConfig, resolveExperiment, type ResolvedRun } from '../harness/config/index.ts';
import { createNodeEnv, loadCryptoProvider, loadErasureCodec } from '../harness/env/index.ts';
import { runSetup, setupRandom } from '../harness/host/setup.ts';
import { encodeDataFrame } from '../harness/real/frame.ts';
import { authProof, FRAME_MAC_BYTES, FrameOpener, FrameSealer, helloProof, type ConnectionIds } from '../harness/real/handshake.ts';
import { clusterFileData, freePorts, PROJECT_ROOT, SERVE_ENTRY } from '../harness/real/launch.ts';
import { cryptoRandom } from '../harness/real/node-random.ts';
import { startNodeScript, type ChildProcessHandle } from '../harness/real/processes.ts';
import { channelKeysOf, newRunSecret, readSecretFile, secretSetupRandom, writeSecretFile, type ChannelKeys } from '../harness/real/run-secret.ts';
import { PeerRefusedError, TcpTransport, type HostPort } from '../harness/real/tcp-transport.ts';
import { PROTOCOLS, protocolNames } from '../protocols/registry.ts';
import type { ClientMachine, NodeId, Operation, ProtocolMessage } from '../protocols/types.ts';
import { TEST_SECRET, testAuth, writeTestSecret } from './support/auth.ts';
import { rawPeer } from './support/raw-peer.ts';
import { resolveRun, runReal } from './support/real-run.ts';
import { runOnce } from '../harness/runner/run-once.ts';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  return 'no error';
}

async function waitFor(done: () => boolean, what: string, maxMs = 30_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function runOf(protocol: string, extra: Record<string, unknown> = {}): ResolvedRun {
  return resolveExperiment(
    parseConfig({
      name: `auth-${protocol}`,
      engine: 'real',
      seed: 5,
      protocol: { name: protocol, t: 1 },
      network: { latency: { distribution: 'constant', oneWayMs: 0 } },
      workload: { writers: 1, readers: 1, operations: 1 },
      ...extra,
    }),
  ).runs[0]!;
}

/**
 * Keys of a process that holds the run's channel key and the keys of `nodes` only, not the secret. (A
 * proof is an HMAC, so checking a server's proof takes that server's key: such a process needs the
 * servers' keys as well as its own.)
 */
function keysFor(secret: Uint8Array, nodes: readonly NodeId[]): ChannelKeys {
  const all = channelKeysOf(secret);
  return { channel: all.channel, tlsPsk: all.tlsPsk, node: (id) => (nodes.includes(id) ? all.node(id) : undefined) };
}

describe('run secrets and the keys derived from them', () => {
  it('writes a secret file that only its owner can read, reads it back, and refuses readable or malformed files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quorumbench-secret-'));
    try {
      const secret = newRunSecret();
      const path = join(dir, 'secret');
      writeSecretFile(path, secret);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.deepEqual(readSecretFile(path, '--secret-file'), secret);
      assert.throws(() => writeSecretFile(path, secret), /EEXIST/);
      const open = join(dir, 'open');
      writeFileSync(open, 'ab'.repeat(32), { mode: 0o644 });
      assert.equal(errorOf(() => readSecretFile(open, 'real.secretFile')), `real.secretFile: secret file "${open}" is readable by others (mode 0644); run chmod 600 on it`);
      const short = join(dir, 'short');
      writeFileSync(short, 'abc\n', { mode: 0o600 });
      assert.equal(errorOf(() => readSecretFile(short, '--secret-file')), `--secret-file: secret file "${short}" must hold 64 hex characters (32 random bytes), got 3 characters`);
      assert.equal(errorOf(() => readSecretFile(join(dir, 'none'), '--secret-file')), `--secret-file: cannot read secret file "${join(dir, 'none')}"`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives every node and purpose its own key, and the same setup stream to every holder of the secret', () => {
    const keys = channelKeysOf(TEST_SECRET);
    const distinct = new Set([keys.channel, keys.tlsPsk, keys.node('w1')!, keys.node('r1')!, keys.node('s1')!].map((k) => Buffer.from(k).toString('hex')));
    assert.equal(distinct.size, 5);
    assert.deepEqual(channelKeysOf(TEST_SECRET).node('w1'), keys.node('w1'));
    // Two streams from one secret agree whatever the draw sizes; a neighbouring secret's does not.
    const a = secretSetupRandom(TEST_SECRET);
    const b = secretSetupRandom(TEST_SECRET);
    const drawn = Buffer.concat([a.bytes(5), a.bytes(40), a.bytes(19)]);
    assert.deepEqual(drawn, Buffer.from(b.bytes(64)));
    const other = Uint8Array.from(TEST_SECRET, (byte, i) => (i === 0 ? byte ^ 1 : byte));
    assert.notDeepEqual(Buffer.from(secretSetupRandom(other).bytes(64)), drawn);
  });

  it('keys from the run secret are not the keys that the config (its seed) gives, for every protocol with keys', async () => {
    const crypto = await loadCryptoProvider('node');
    let withKeys = 0;
    for (const protocol of protocolNames()) {
      const writers = PROTOCOLS[protocol]!.multiWriter ? 2 : 1;
      const run = runOf(protocol, { workload: { writers, readers: 1, operations: 1 } });
      const fromSeed = runSetup(run, setupRandom(run.seed), run.cluster, crypto);
      // A protocol has key material when two seeds give two setups.
      if (isDeepStrictEqual(fromSeed, runSetup(run, setupRandom(run.seed + 1), run.cluster, crypto))) continue;
      withKeys++;
      const fromSecret = runSetup(run, secretSetupRandom(TEST_SECRET), run.cluster, crypto);
      assert.ok(!isDeepStrictEqual(fromSecret, fromSeed), `${protocol}: the secret's setup equals the seed's`);
      assert.ok(isDeepStrictEqual(fromSecret, runSetup(run, secretSetupRandom(TEST_SECRET), run.cluster, crypto)), `${protocol}: setup is not a function of the secret`);
    }
    assert.ok(withKeys >= 2, 'bft-signed and m-powerstore have key material');
  });

  it('the simulator charges an HMAC over every frame sent and received when the channels authenticate frames', async () => {
    const free = { nsPerOp: 0, nsPerByte: 0 };
    const costProfile = { name: 'hmac-only', hash: free, hmac: { nsPerOp: 1000, nsPerByte: 1 }, sign: free, verify: free, encode: free, decode: free, message: free };
    const cpuOf = async (channels: string): Promise<{ hmacNs: number; messages: number; bytes: number }> => {
      const run = resolveRun({
        name: 'sim-hmac',
        seed: 3,
        protocol: { name: 'abd', t: 1 },
        network: { latency: { distribution: 'constant', oneWayMs: 1 } },
        workload: { writers: 1, readers: 0, readRatio: 0.5, valueBytes: 100, operations: 20 },
        costProfile,
        real: { channels },
      });
      const write = (await runOnce(run)).result.ops.write!;
      return { hmacNs: write.cpuNsPerOp.hmac!, messages: write.messagesPerOp, bytes: write.bytesPerOp };
    };
    assert.equal((await cpuOf('plain')).hmacNs, 0);
    for (const channels of ['hmac', 'tls']) {
      const { hmacNs, messages, bytes } = await cpuOf(channels);
      // Every message is authenticated by its sender and checked by its receiver: twice per message.
      assert.equal(messages, 12);
      assert.equal(hmacNs, 2 * (messages * 1000 + bytes), channels);
    }
  });

  it('proofs are bound to the role, the node and the connection; frame MACs catch altered, replayed and reordered frames', () => {
    const keys = channelKeysOf(TEST_SECRET);
    const ids: ConnectionIds = { runId: 'r', dialerNonce: new Uint8Array(32).fill(1), acceptorNonce: new Uint8Array(32).fill(2) };
    const fresh: ConnectionIds = { ...ids, acceptorNonce: new Uint8Array(32).fill(3) };
    assert.notDeepEqual(authProof(keys.channel, 'dialer', ids), authProof(keys.channel, 'acceptor', ids));
    assert.notDeepEqual(authProof(keys.channel, 'dialer', ids), authProof(keys.channel, 'dialer', fresh));
    assert.notDeepEqual(helloProof(keys.node('w1')!, 'dialer', ids, 'w1'), helloProof(keys.node('w1')!, 'dialer', ids, 'r1'));
    const frames = [0, 1, 2].map((i) => encodeDataFrame('w1', 's1', 'k0', { type: 'PING', i } as unknown as ProtocolMessage, 0, 0, FRAME_MAC_BYTES));
    const sealer = new FrameSealer(keys.channel, 'dialer', ids);
    for (const frame of frames) sealer.seal(frame);
    const body = (frame: Buffer): Buffer => frame.subarray(4);
    const inOrder = new FrameOpener(keys.channel, 'dialer', ids);
    assert.deepEqual(frames.map((f) => inOrder.open(body(f))), [true, true, true]);
    assert.equal(new FrameOpener(keys.channel, 'acceptor', ids).open(body(frames[0]!)), false, 'a MAC of the other direction');
    const replay = new FrameOpener(keys.channel, 'dialer', ids);
    assert.deepEqual([replay.open(body(frames[0]!)), replay.open(body(frames[0]!))], [true, false]);
    assert.equal(new FrameOpener(keys.channel, 'dialer', ids).open(body(frames[1]!)), false, 'a frame out of order');
    const altered = Buffer.from(frames[0]!);
    altered[10]! ^= 1;
    assert.equal(new FrameOpener(keys.channel, 'dialer', ids).open(body(altered)), false);
  });
});

/** Drives one client machine over a transport; replies of `syncTypes` are kept apart for the test. */
class MachineDriver {
  readonly sync: { from: NodeId; msg: ProtocolMessage }[] = [];
  private current: { operation: Operation; resolve: (value: Uint8Array | undefined) => void } | undefined;
  sent = 0;

  constructor(
    private readonly transport: TcpTransport,
    private readonly node: NodeId,
    private readonly syncTypes: readonly string[] = [],
  ) {
    transport.attach(node, (from, frame) => {
      if (this.syncTypes.includes(frame.msg.type)) return void this.sync.push({ from, msg: frame.msg });
      const current = this.current;
      if (current === undefined) return;
      const step = current.operation.onMessage(from, frame.msg);
      this.sendAll(step.send);
      if (step.status === 'done') {
        this.current = undefined;
        current.resolve(step.value);
      }
    });
  }

  /** Starts `operation`; the promise settles when it completes (a refused one never does). */
  perform(operation: Operation): Promise<Uint8Array | undefined> {
    return new Promise((resolve) => {
      this.current = { operation, resolve };
      this.sendAll(operation.start());
    });
  }

  send(to: NodeId, msg: ProtocolMessage): void {
    this.transport.send(this.node, to, { key: 'k0', tag: 0, msg });
  }

  private sendAll(sends: readonly { to: NodeId; msg: ProtocolMessage }[]): void {
    for (const send of sends) {
      this.sent++;
      this.send(send.to, send.msg);
    }
  }
}

/** Starts `run`'s servers by hand (serve), with `runId` in the cluster file or not. */
async function startServers(run: ResolvedRun, dir: string, secretPath: string, runId?: string): Promise<{ addresses: Map<NodeId, HostPort>; servers: Map<NodeId, ChildProcessHandle> }> {
  const ports = await freePorts('127.0.0.1', run.n);
  const addresses = new Map(run.cluster.servers.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
  const data = clusterFileData(run, run.seed, addresses, runId ?? 'unused');
  if (runId === undefined) delete data.runId;
  const clusterPath = join(dir, `cluster-${run.protocol.name}.json`);
  writeFileSync(clusterPath, JSON.stringify(data));
  const servers = new Map<NodeId, ChildProcessHandle>();
  for (const [id, address] of addresses) {
    const args = ['--id', id, '--listen', `127.0.0.1:${address.port}`, '--cluster', clusterPath, '--secret-file', secretPath, '--exit-on-stdin-close'];
    servers.set(id, startNodeScript(`${run.protocol.name} server ${id}`, SERVE_ENTRY, args, PROJECT_ROOT));
  }
  await Promise.all([...servers.values()].map((server) => server.waitForLine((line) => line.event === 'ready', 60_000)));
  return { addresses, servers };
}

async function stopAndStats(servers: ReadonlyMap<NodeId, ChildProcessHandle>): Promise<Map<NodeId, { rejected: Record<string, number>; sent: { messages: number } }>> {
  const out = new Map<NodeId, { rejected: Record<string, number>; sent: { messages: number } }>();
  for (const [id, server] of servers) {
    await server.stop(5_000);
    assert.equal(server.exitCode, 0, `${id} exited ${String(server.exitCode)}: ${server.stderr}`);
    const stats = server.lines.find((line) => line.event === 'stats');
    assert.ok(stats !== undefined, `${id} printed no stats`);
    out.set(id, stats as unknown as { rejected: Record<string, number>; sent: { messages: number } });
  }
  return out;
}

async function transportFor(run: ResolvedRun, addresses: ReadonlyMap<NodeId, HostPort>, runId: string, keys: ChannelKeys): Promise<TcpTransport> {
  const known = new Set([...run.cluster.servers, ...run.cluster.writers, ...run.cluster.readers]);
  return TcpTransport.create({
    validator: { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) },
    auth: { keys, runId, channels: 'plain' },
    peers: addresses,
  });
}

async function clientMachine(run: ResolvedRun, id: NodeId, setup: unknown): Promise<ClientMachine> {
  const env = createNodeEnv({ id, crypto: await loadCryptoProvider('node'), codec: await loadErasureCodec('auto'), random: cryptoRandom, charge: () => {}, reject: () => {} });
  // Register k0, as the hosts name it (bft-signed signs the register's name with each version).
  return run.protocol.createClient(id, run.cluster, run.options, setup, env, 'k0') as ClientMachine;
}

describe('authenticated channels: servers started by hand, which serve the first run that proves the secret', () => {
  const run = runOf('abd');
  let dir: string;
  let addresses: Map<NodeId, HostPort>;
  let servers: Map<NodeId, ChildProcessHandle>;
  const honest: TcpTransport[] = [];
  /** The run's reader (its connections keep r1's route at every server: one for the whole run). */
  let read: () => Promise<string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quorumbench-auth-'));
    ({ addresses, servers } = await startServers(run, dir, writeTestSecret(dir)));
  });

  after(async () => {
    await Promise.all(honest.map((t) => t.close()));
    await Promise.all([...(servers?.values() ?? [])].map((server) => server.stop(2_000)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a process that claims to be w1 without the secret, counts it, and nothing it sent reaches a server machine', async () => {
    const crypto = await loadCryptoProvider('node');
    const setup = runSetup(run, secretSetupRandom(TEST_SECRET), run.cluster, crypto);
    // The run's own client binds the servers to run-a and writes.
    const writerTransport = await transportFor(run, addresses, 'run-a', channelKeysOf(TEST_SECRET));
    honest.push(writerTransport);
    const writer = new MachineDriver(writerTransport, 'w1');
    await writer.perform((await clientMachine(run, 'w1', setup)).write(new TextEncoder().encode('honest')));

    // An impostor that knows the config and the run id, not the secret: refused at the handshake.
    const impostor = await transportFor(run, addresses, 'run-a', channelKeysOf(newRunSecret()));
    try {
      const forged = { type: 'PUT', op: 1, num: 99, writer: 'w1', value: new TextEncoder().encode('forged') } as unknown as ProtocolMessage;
      for (const id of run.cluster.servers) impostor.send('w1', id, { key: 'k0', tag: 0, msg: forged });
      for (const id of run.cluster.servers) {
        await assert.rejects(impostor.connect(id), (error: unknown) => error instanceof PeerRefusedError && error.reason === 'bad-auth-proof');
      }
    } finally {
      await impostor.close();
    }
    // A process with the run's channel key but not w1's key: its claim to be w1 is refused.
    const claimant = await rawPeer(addresses.get('s1')!, { runId: 'run-a', channels: 'plain', keys: keysFor(TEST_SECRET, run.cluster.servers), nodes: ['w1'] });
    claimant.send(encodeDataFrame('w1', 's1', 'k0', { type: 'PUT', op: 1, num: 98, writer: 'w1', value: new Uint8Array(3) } as unknown as ProtocolMessage, 0));
    await claimant.end();
    assert.ok(claimant.received.some((frame) => frame.kind === 'refuse' && frame.reason === 'bad-hello-proof'), JSON.stringify(claimant.received));

    // What the servers hold is the honest write, read back by the run's reader.
    const readerTransport = await transportFor(run, addresses, 'run-a', channelKeysOf(TEST_SECRET));
    honest.push(readerTransport);
    const reader = new MachineDriver(readerTransport, 'r1');
    const machine = await clientMachine(run, 'r1', setup);
    read = async () => new TextDecoder().decode(await reader.perform(machine.read()));
    assert.equal(await read(), 'honest');
  });

  it('refuses a client of another run at the handshake, and keeps serving its own run', async () => {
    const other = await transportFor(run, addresses, 'run-b', channelKeysOf(TEST_SECRET));
    try {
      await assert.rejects(
        other.connect('s1'),
        (error: unknown) => error instanceof PeerRefusedError && error.reason === 'other-run' && error.detail === 'this server serves run run-a, not run run-b',
      );
    } finally {
      await other.close();
    }
    // The run's reader is still served.
    assert.equal(await read(), 'honest');
  });

  it('stops the harness of a second run against these servers with exit status 2 and what to do', async () => {
    const configPath = join(dir, 'second-run.yaml');
    const servers = Object.fromEntries([...addresses].map(([id, address]) => [id, `127.0.0.1:${address.port}`]));
    const config = {
      name: 'second-run',
      engine: 'real',
      seed: 5,
      protocol: { name: 'abd', t: 1 },
      network: { latency: { distribution: 'constant', oneWayMs: 0 } },
      workload: { writers: 1, readers: 1, operations: 4 },
      real: { servers, secretFile: join(dir, 'secret') },
    };
    writeFileSync(configPath, JSON.stringify(config));
    const out = join(dir, 'results');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/quorumbench.ts', 'run', configPath, '--out', out], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    assert.equal(result.status, 2, result.stderr);
    assert.match(
      result.stderr,
      /^config error: real\.servers: server s1 at 127\.0\.0\.1:\d+ refused this run \(other-run: this server serves run run-a, not run [0-9a-f]{16}\); a server serves one run: restart the servers, then run again \(docs\/multi-host\.md\)\n$/,
    );
    assert.equal(existsSync(out), false, 'a refused run wrote results');
    // Its own run goes on.
    assert.equal(await read(), 'honest');
  });

  it('counted each refusal by reason, and answered the run\'s clients only', async () => {
    await Promise.all(honest.splice(0).map((t) => t.close()));
    const stats = await stopAndStats(servers);
    for (const [id, { rejected, sent }] of stats) {
      // Each refused the impostor and the second harness; s1 also the false w1 and the run-b client.
      const expected: Record<string, number> = { 'bad-auth-proof': 1, 'other-run': 1 };
      if (id === 's1') Object.assign(expected, { 'bad-hello-proof': 1, 'other-run': 2 });
      assert.deepEqual(rejected, expected, id);
      // The write (2 rounds) and three reads (2 rounds each): 8 replies, nothing for anyone else.
      assert.equal(sent.messages, 8, id);
    }
  });
});

describe('authenticated channels: keys computed from the config forge nothing', () => {
  let dir: string;
  const started: Map<NodeId, ChildProcessHandle>[] = [];
  const runId = 'forge-run';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'quorumbench-forge-'));
  });

  after(async () => {
    await Promise.all(started.flatMap((servers) => [...servers.values()].map((server) => server.stop(2_000))));
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A client of the run that knows the config but not the secret: it proves `asNode` (its own key
   * only) and runs `attacker`'s write with the setup the seed gives. Its write is refused by every
   * server (`reason`), which then still hold the initial version (checked with `probe` through the
   * same connection, FIFO behind the forged messages); then the run's writer, with the secret's
   * setup, writes, which shows the servers accept what is genuine.
   */
  async function forge(protocol: string, asNode: NodeId, attacker: NodeId, reason: string, probe: { type: string; msg: ProtocolMessage; version: (msg: ProtocolMessage) => number }): Promise<void> {
    const run = runOf(protocol, { workload: { writers: 1, readers: 1, operations: 1 } });
    const secretPath = join(dir, `secret-${protocol}`);
    writeSecretFile(secretPath, TEST_SECRET);
    const { addresses, servers } = await startServers(run, dir, secretPath, runId);
    started.push(servers);
    const crypto = await loadCryptoProvider('node');
    const transport = await transportFor(run, addresses, runId, keysFor(TEST_SECRET, [asNode, ...run.cluster.servers]));
    try {
      const forger = new MachineDriver(transport, asNode, [probe.type]);
      const fromSeed = runSetup(run, setupRandom(run.seed), run.cluster, crypto);
      void forger.perform((await clientMachine(run, attacker, fromSeed)).write(new TextEncoder().encode('forged')));
      // The forged round goes out once the first round's replies are in.
      await waitFor(() => forger.sent > run.n, 'the forged round');
      for (const id of run.cluster.servers) forger.send(id, probe.msg);
      await waitFor(() => forger.sync.length === run.n, 'every server to answer the probe');
      assert.deepEqual(forger.sync.map((reply) => probe.version(reply.msg)), run.cluster.servers.map(() => 0), 'a server took the forged version');
    } finally {
      await transport.close();
    }
    const writerTransport = await transportFor(run, addresses, runId, channelKeysOf(TEST_SECRET));
    try {
      const setup = runSetup(run, secretSetupRandom(TEST_SECRET), run.cluster, crypto);
      await new MachineDriver(writerTransport, 'w1').perform((await clientMachine(run, 'w1', setup)).write(new TextEncoder().encode('genuine')));
    } finally {
      await writerTransport.close();
    }
    for (const [id, { rejected }] of await stopAndStats(servers)) assert.equal(rejected[reason], 1, `${id}: ${JSON.stringify(rejected)}`);
  }

  it('bft-signed: a version signed with the key the seed gives for w1 is refused by every server', async () => {
    await forge('bft-signed', 'r1', 'w1', 'bad-signature', {
      type: 'GET_ACK',
      msg: { type: 'GET', op: 7 } as unknown as ProtocolMessage,
      version: (msg) => (msg as unknown as { num: number }).num,
    });
  });

  it('m-powerstore: a store whose MACs come from the keys the seed gives is refused by every server', async () => {
    await forge('m-powerstore', 'w1', 'w1', 'store-bad-mac', {
      type: 'COLLECT_ACK',
      msg: { type: 'COLLECT', rid: 7 } as unknown as ProtocolMessage,
      version: (msg) => (msg as unknown as { lc: { ts: { num: number } } }).lc.ts.num,
    });
  });
});

describe('a correct run with authenticated channels is linearizable, for every protocol', () => {
  const modes = ['hmac', 'tls'] as const;
  for (const [i, protocol] of protocolNames().entries()) {
    const channels = modes[i % modes.length]!;
    it(`${protocol}, real.channels ${channels}: 3 clients, linearizable, nothing refused`, async () => {
      const run = resolveRun({
        name: `auth-run-${protocol}`,
        engine: 'real',
        seed: 8,
        protocol: { name: protocol, t: 1 },
        network: { latency: { distribution: 'constant', oneWayMs: 0 } },
        workload: { writers: 1, readers: 2, valueBytes: 256, operations: 30 },
        real: { channels },
      });
      const { output } = await runReal(run);
      assert.equal(output.outcome, 'stopped');
      assert.equal(output.history.filter((r) => r.status === 'ok').length, 30);
      assert.deepEqual(output.result.rejectedMessages, {});
      const verdict = await checkHistory(output.history, { model: 'register' });
      assert.equal(verdict.verdict, 'ok');
    });
  }
});
