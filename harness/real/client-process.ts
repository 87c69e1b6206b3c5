/**
 * @module A client process of the real engine (`real.clientProcesses: K`): what
 * `quorumbench client-process` runs. It hosts some of the run's workload clients, runs their
 * protocol ClientMachines and talks to the servers itself over the TCP transport.
 *
 * Design: the harness process keeps everything that makes the run one experiment (workload
 * generation from the seed, the history, metrics, fault schedule), and each client process only
 * executes operations. Splitting the workload itself over processes would need K seeded workload
 * streams and a merge of K histories whose real-time order across processes must be exact; instead
 * the harness sends "invoke this operation" to the process hosting the client and gets back one
 * report per operation: status, the value read, rounds, retries, traffic, and the call and return
 * times the client process measured. Those times are exact in the harness's timebase: the harness
 * sends its clock's start (a CLOCK_MONOTONIC reading, one clock for every process of a host) before
 * any operation, and the client process reports its own clock's times shifted by the difference of
 * the two starts. The control hop therefore never inflates a latency, and the history is as precise
 * as with clients in the harness process.
 *
 * The control channel is the child's stdin/stdout pipes (JSON lines): they exist anyway (stdout for
 * the ready line, stdin closing = parent gone, see processes.ts), need no port, and cannot be
 * reached by anyone but the parent.
 *
 *   in:  {"cmd":"clock","startNs":"81234567890123"}   (first: the harness clock's start, hrtime ns)
 *   in:  {"cmd":"invoke","client":"w1","index":7,"kind":"write","key":"k0","value":"w1:3","valueBytes":1024}
 *   in:  {"cmd":"crash","client":"w1"}
 *   out: {"event":"ready","clients":["w1","r2"],"pid":1234}
 *   out: {"event":"done","client":"w1","index":7,"status":"ok","callNs":..,"returnNs":..,"rounds":2,...}
 *   out: {"event":"activity"}   (at most every 100 ms while frames arrive: the harness's idle detection)
 *   out: {"event":"stats","rejected":{},"dropped":{},"messages":800,"bytes":431200}   (when stopped)
 *
 * The client process exits when its stdin closes (the harness is gone) or on SIGTERM/SIGINT.
 * Randomness of the clients is a CSPRNG (keys and nonces are secrets in a real deployment).
 */
import type { ClientMachine, NodeEnv, NodeId, Operation, ProtocolMessage, Send } from '../../protocols/types.ts';
import { ConfigError } from '../config/errors.ts';
import { createNodeEnv, loadCryptoProvider, loadErasureCodec } from '../env/index.ts';
import type { RemoteOpRequest, RemoteOpResult } from '../runner/engine.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import type { Frame } from '../transport/types.ts';
import { makeValue, valueTag } from '../workload/values.ts';
import { parseRealSettings, readClusterFile, sharedTimebaseOf } from './cluster-file.ts';
import { cryptoRandom } from './server-host.ts';
import { linkModelFor, runNodes } from './server-process.ts';
import { protocolSetup } from './setup.ts';
import { TcpTransport } from './tcp-transport.ts';
import { WallClock } from './wall-clock.ts';

export interface ClientProcessOptions {
  readonly clusterPath: string;
  /** The workload clients this process hosts, e.g. `w1,r2`. */
  readonly clients: string;
  /** Names this process's link-model stream (default 0). */
  readonly processIndex?: number;
}

/** Activity lines at most this often (ms): enough for an idle timeout of seconds, cheap on a pipe. */
const ACTIVITY_EVERY_MS = 100;

interface Current {
  readonly request: RemoteOpRequest;
  readonly operation: Operation;
  readonly callNs: number;
  messagesClientToServer: number;
  bytesClientToServer: number;
  messagesServerToClient: number;
  bytesServerToClient: number;
}

interface HostedClient {
  readonly id: NodeId;
  readonly env: NodeEnv;
  readonly machines: Map<string, ClientMachine>;
  current: Current | null;
  crashed: boolean;
}

function line(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Validates one control command; anything else is a bug in the harness, reported on stderr. */
type Command = { cmd: 'invoke'; client: string; request: RemoteOpRequest } | { cmd: 'crash'; client: string } | { cmd: 'clock'; startNs: bigint };

function parseCommand(text: string): Command | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (value === null || typeof value !== 'object') return 'not an object';
  const v = value as Record<string, unknown>;
  if (v.cmd === 'clock') {
    if (typeof v.startNs !== 'string' || !/^\d{1,30}$/.test(v.startNs)) return 'startNs: expected a decimal integer string';
    return { cmd: 'clock', startNs: BigInt(v.startNs) };
  }
  if (typeof v.client !== 'string') return 'client: expected a string';
  if (v.cmd === 'crash') return { cmd: 'crash', client: v.client };
  if (v.cmd !== 'invoke') return `cmd: unknown ${JSON.stringify(v.cmd)}`;
  if (!Number.isSafeInteger(v.index)) return 'index: expected an integer';
  if (v.kind !== 'read' && v.kind !== 'write') return 'kind: expected read or write';
  if (typeof v.key !== 'string') return 'key: expected a string';
  if (v.value !== null && typeof v.value !== 'string') return 'value: expected a string or null';
  if (!Number.isSafeInteger(v.valueBytes) || (v.valueBytes as number) < 0) return 'valueBytes: expected a non-negative integer';
  const crash = v.crash as { afterRound?: unknown; sendTo?: unknown } | undefined;
  if (crash !== undefined && (!Number.isSafeInteger(crash.afterRound) || !Number.isSafeInteger(crash.sendTo))) return 'crash: expected {afterRound, sendTo}';
  return {
    cmd: 'invoke',
    client: v.client,
    request: {
      index: v.index as number,
      kind: v.kind,
      key: v.key,
      value: v.value as string | null,
      valueBytes: v.valueBytes as number,
      ...(crash === undefined ? {} : { crash: { afterRound: crash.afterRound as number, sendTo: crash.sendTo as number } }),
    },
  };
}

/** Starts the client process; resolves once it is ready. Input errors are ConfigErrors. */
export async function startClientProcess(options: ClientProcessOptions): Promise<{ stop: () => Promise<void> }> {
  const { run, addresses } = readClusterFile(options.clusterPath);
  const workloadClients = [...run.cluster.writers, ...run.cluster.readers];
  const ids = options.clients.split(',').filter((id) => id !== '');
  if (ids.length === 0) throw new ConfigError(`--clients: expected a comma-separated list of client ids, got ${JSON.stringify(options.clients)}`);
  for (const id of ids) {
    if (!workloadClients.includes(id)) throw new ConfigError(`--clients: ${JSON.stringify(id)} is not a workload client of the run (${workloadClients.join(', ')})`);
  }
  const settings = parseRealSettings(run.config.real);
  const crypto = await loadCryptoProvider(run.config.crypto);
  const codec = await loadErasureCodec(run.config.codec);
  const setup = protocolSetup(run, crypto);
  const known = new Set(runNodes(run));
  const clock = new WallClock(settings.timerSpinMs, sharedTimebaseOf(settings));
  /** Harness time − this clock's time, ns (from the `clock` command); null until it came. */
  let toHarnessNs: number | null = null;
  const linkModel = linkModelFor(run, '', `real:client-process:${options.processIndex ?? 0}`);
  const transport = await TcpTransport.create({
    validator: { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) },
    peers: addresses,
    clock,
    holdAt: settings.holdAt,
    ...(linkModel === undefined ? {} : { linkModel }),
    ...(settings.maxFrameBytes === undefined ? {} : { maxFrameBytes: settings.maxFrameBytes }),
    onPeerError: (reason, message, remote) => process.stderr.write(`quorumbench client-process: closed connection from ${remote}: ${reason}: ${message}\n`),
  });

  let lastActivityMs = 0;
  const activity = (): void => {
    const nowMs = clock.nowNs() / 1e6;
    if (nowMs - lastActivityMs < ACTIVITY_EVERY_MS) return;
    lastActivityMs = nowMs;
    line({ event: 'activity' });
  };

  /** Messages the clients' protocol code rejected, by reason (the runner's `rejectedMessages`). */
  const rejects = new Map<string, number>();
  const reject = (reason: string): void => void rejects.set(reason, (rejects.get(reason) ?? 0) + 1);
  const hosted = new Map<NodeId, HostedClient>();
  for (const id of ids) {
    const client: HostedClient = {
      id,
      env: createNodeEnv({ id, crypto, codec, random: cryptoRandom, charge: () => {}, reject }),
      machines: new Map(),
      current: null,
      crashed: false,
    };
    hosted.set(id, client);
    transport.attach(id, (from, frame) => onFrame(client, from, frame));
  }

  function machineFor(client: HostedClient, key: string): ClientMachine {
    let machine = client.machines.get(key);
    if (machine === undefined) {
      machine = run.protocol.createClient(client.id, run.cluster, run.options, setup, client.env, key) as ClientMachine;
      client.machines.set(key, machine);
    }
    return machine;
  }

  function report(client: HostedClient, status: RemoteOpResult['status'], value: string | null): void {
    const current = client.current!;
    client.current = null;
    const result: RemoteOpResult & { event: 'done'; client: NodeId } = {
      event: 'done',
      client: client.id,
      index: current.request.index,
      status,
      callNs: current.callNs + toHarnessNs!,
      returnNs: clock.nowNs() + toHarnessNs!,
      rounds: current.operation.rounds,
      retries: current.operation.retries,
      value,
      messagesClientToServer: current.messagesClientToServer,
      bytesClientToServer: current.bytesClientToServer,
      messagesServerToClient: current.messagesServerToClient,
      bytesServerToClient: current.bytesServerToClient,
    };
    line(result);
  }

  function crash(client: HostedClient): void {
    client.crashed = true;
    if (client.current !== null) report(client, 'crashed', null);
  }

  function send(client: HostedClient, current: Current, sends: readonly Send[], count: number): void {
    for (let i = 0; i < count; i++) {
      const frame: Frame = { key: current.request.key, msg: sends[i]!.msg as ProtocolMessage };
      current.messagesClientToServer++;
      current.bytesClientToServer += frameWireSize(frame);
      transport.send(client.id, sends[i]!.to, frame);
    }
  }

  /** As the runner's dispatchOpSends: a planned mid-operation crash sends part of a round and stops. */
  function dispatch(client: HostedClient, current: Current, sends: readonly Send[], roundsBefore: number): boolean {
    const plan = current.request.crash;
    if (plan !== undefined && current.operation.rounds > plan.afterRound && roundsBefore <= plan.afterRound) {
      send(client, current, sends, Math.min(plan.sendTo, sends.length));
      crash(client);
      return false;
    }
    send(client, current, sends, sends.length);
    return true;
  }

  function invoke(client: HostedClient, request: RemoteOpRequest): void {
    if (toHarnessNs === null) {
      process.stderr.write(`quorumbench client-process: operation ${request.index} before the clock command; ignored\n`);
      return;
    }
    if (client.current !== null) {
      process.stderr.write(`quorumbench client-process: ${client.id} got operation ${request.index} while ${client.current.request.index} runs; ignored\n`);
      return;
    }
    const machine = machineFor(client, request.key);
    const callNs = clock.nowNs();
    const operation = request.value !== null ? machine.write(makeValue(request.value, request.valueBytes)) : machine.read();
    const current: Current = { request, operation, callNs, messagesClientToServer: 0, bytesClientToServer: 0, messagesServerToClient: 0, bytesServerToClient: 0 };
    client.current = current;
    if (client.crashed) return crash(client);
    dispatch(client, current, operation.start(), 0);
  }

  function onFrame(client: HostedClient, from: NodeId, frame: Frame): void {
    activity();
    const current = client.current;
    // A reply for an earlier operation (or another key) finds no operation to go to.
    if (client.crashed || current === null || current.request.key !== frame.key) return;
    current.messagesServerToClient++;
    current.bytesServerToClient += frameWireSize(frame);
    const roundsBefore = current.operation.rounds;
    const step = current.operation.onMessage(from, frame.msg);
    const plan = current.request.crash;
    if (step.status === 'done' && plan !== undefined && current.operation.rounds <= plan.afterRound) {
      // The crash point lies at or after the operation's last round: it crashes before returning.
      return crash(client);
    }
    if (dispatch(client, current, step.send, roundsBefore) && step.status === 'done') {
      report(client, 'ok', current.request.kind === 'read' ? valueTag(step.value) : null);
    }
  }

  let partial = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    partial += chunk;
    let newline = partial.indexOf('\n');
    while (newline >= 0) {
      const text = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
      if (text.trim() === '') continue;
      const command = parseCommand(text);
      if (typeof command === 'string') {
        process.stderr.write(`quorumbench client-process: bad control line (${command}): ${text.slice(0, 200)}\n`);
        continue;
      }
      if (command.cmd === 'clock') {
        toHarnessNs = Number(clock.startHrtimeNs - command.startNs);
        continue;
      }
      const client = hosted.get(command.client);
      if (client === undefined) {
        process.stderr.write(`quorumbench client-process: ${command.client} is not hosted here\n`);
        continue;
      }
      if (command.cmd === 'crash') crash(client);
      else invoke(client, command.request);
    }
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const traffic = transport.traffic().total;
      const rejected: Record<string, number> = Object.fromEntries(rejects);
      for (const [reason, count] of Object.entries(transport.rejected())) rejected[reason] = (rejected[reason] ?? 0) + count;
      line({ event: 'stats', clients: ids, rejected, dropped: transport.dropped(), messages: traffic.messages, bytes: traffic.bytes });
      clock.stop();
      await transport.close();
    })();
    return stopping;
  };
  // stdin is the control channel: when it closes, the harness is gone (or done with us).
  process.stdin.on('end', () => void stop().then(() => process.exit(0)));
  process.stdin.on('error', () => void stop().then(() => process.exit(0)));
  // The harness is gone (its end of the pipe closed): nothing left to report to.
  process.stdout.on('error', () => void stop().then(() => process.exit(0)));
  line({ event: 'ready', clients: ids, pid: process.pid });
  return { stop };
}

/** `quorumbench client-process`: start, then stop and exit 0 on SIGTERM/SIGINT or when stdin closes. */
export async function clientProcessMain(options: ClientProcessOptions): Promise<void> {
  const started = await startClientProcess(options);
  const onSignal = (): void => {
    void started.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
