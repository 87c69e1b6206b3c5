/**
 * @module `npm run bench:fuzz [-- --frames N] [--seed S] [--protocols a,b]`: frame-level fuzzing of a
 * real server process at scale (default 100,000 frames over the four protocols, one server process
 * each, over loopback TCP).
 *
 * Each connection sends a hello, a batch of data frames, and one last frame that is broken in one of
 * many ways (bad version, oversized or empty length, garbage payload, bad envelope, key, due time or
 * node id, an unannounced sender, a frame for another server, a message the protocol refuses, random
 * byte flips of a valid frame, a frame cut short). The batch mixes requests the server must answer
 * with well-framed messages it must refuse (replies sent to a server, unknown registers, STOREs and
 * PUTs from a reader, oversized candidate lists). The bench predicts every rejection by reason — the
 * broken frame's with the same FrameReader and validation the server uses, the batch's by
 * construction — and at the end compares with the counts in the server's stats line, exactly. It also
 * checks that the server answered every request exactly once, never crashed (exit code 0 after a
 * clean stop, no handler error) and still answers afterwards. Exit code 1 on any difference.
 *
 * The last data frame of each batch is a request whose answer the bench waits for before sending the
 * broken frame: the server handles frames in order, so everything before it was handled, and the
 * broken frame cannot take earlier frames of the same TCP chunk down with it.
 */
import net from 'node:net';
import os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, resolveExperiment, type ResolvedRun } from '../harness/config/index.ts';
import { clusterFileData, freePorts, PROJECT_ROOT, SERVE_ENTRY } from '../harness/real/launch.ts';
import { encodeDataFrame, encodeHelloFrame, FrameError, FrameReader, FRAME_CODEC_VERSION, type FrameValidator } from '../harness/real/frame.ts';
import { startNodeScript, type ChildProcessHandle } from '../harness/real/processes.ts';
import { stream, type Rng } from '../harness/rng.ts';
import { encodeValue } from '../harness/wire/codec.ts';
import { protocolNames } from '../protocols/registry.ts';
import type { ProtocolMessage } from '../protocols/types.ts';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function fail(message: string): never {
  process.stderr.write(`bench:fuzz: ${message}\n`);
  process.exit(2);
}

function intArgument(name: string, fallback: number, min: number): number {
  const text = argument(name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min) fail(`${name}: expected an integer >= ${min}, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Data frames per connection before the broken one (the hello and the broken frame come on top). */
const BATCH = 48;
/** Connections in flight at once, each with its own reader id (replies are routed by node id). */
const LANES = 4;
const TARGET = 's1';

// ---------------------------------------------------------------- messages per protocol

interface Kit {
  /** Requests the server answers with exactly one message. */
  answered(rng: Rng, op: number): ProtocolMessage;
  /** Well-framed messages the server refuses, with the reason it counts. */
  refused(rng: Rng, op: number, from: string): { msg: ProtocolMessage; reason: string };
}

const digest = (rng: Rng): Uint8Array => rng.bytes(32);

function kitFor(protocol: string, n: number): Kit {
  switch (protocol) {
    case 'abd':
      return {
        answered: (rng, op) => ({ type: rng.int(0, 1) === 0 ? 'GET' : 'GET_TS', op }) as ProtocolMessage,
        refused: (rng, op) => {
          const replies = [{ type: 'PUT_ACK', op }, { type: 'GET_TS_ACK', op, num: 1, writer: 'w1' }, { type: 'GET_ACK', op, num: 1, writer: 'w1', value: rng.bytes(8) }];
          return { msg: replies[rng.int(0, replies.length - 1)] as ProtocolMessage, reason: 'unexpected-message' };
        },
      };
    case 'bft-signed':
      return {
        answered: (rng, op) => ({ type: rng.int(0, 1) === 0 ? 'GET' : 'GET_TS', op }) as ProtocolMessage,
        refused: (rng, op, from) => {
          switch (rng.int(0, 2)) {
            case 0:
              return { msg: { type: 'PUT_ACK', op } as ProtocolMessage, reason: 'unexpected-message' };
            case 1:
              // A newer version in a real writer's name with a made-up signature.
              return { msg: { type: 'PUT', op, num: 2 ** 40 + op, writer: 'w1', value: rng.bytes(16), sig: rng.bytes(64) } as ProtocolMessage, reason: 'bad-signature' };
            default:
              return { msg: { type: 'PUT', op, num: 2 ** 40 + op, writer: from, value: rng.bytes(16), sig: rng.bytes(64) } as ProtocolMessage, reason: 'unknown-writer' };
          }
        },
      };
    case 'powerstore':
    case 'm-powerstore': {
      const multi = protocol === 'm-powerstore';
      const ts = (num: number) => (multi ? { num, writer: 'w1' } : num);
      const c0 = { ts: multi ? { num: 0, writer: '' } : 0, nonce: new Uint8Array(32) };
      return {
        answered: (rng, op) => {
          const choice = rng.int(0, multi ? 2 : 1);
          if (choice === 0) return { type: 'COLLECT', rid: op } as ProtocolMessage;
          if (choice === 1) return { type: 'FILTER', rid: op, candidates: [c0] } as ProtocolMessage;
          return { type: 'GET_TS', op } as ProtocolMessage;
        },
        refused: (rng, op) => {
          switch (rng.int(0, 3)) {
            case 0:
              return { msg: { type: 'COLLECT_ACK', rid: op, lc: c0 } as ProtocolMessage, reason: 'unexpected-message' };
            case 1: {
              const store = { type: 'STORE', ts: ts(op), fragment: rng.bytes(8), cc: Array.from({ length: n }, () => digest(rng)), commitment: digest(rng) };
              return { msg: (multi ? { ...store, mac: Array.from({ length: n }, () => digest(rng)) } : store) as ProtocolMessage, reason: 'store-from-non-writer' };
            }
            case 2:
              return { msg: { type: 'COMPLETE', ts: ts(op), nonce: digest(rng) } as ProtocolMessage, reason: 'complete-from-non-writer' };
            default:
              return { msg: { type: 'FILTER', rid: op, candidates: Array.from({ length: n + 2 }, () => c0) } as ProtocolMessage, reason: 'filter-too-many-candidates' };
          }
        },
      };
    }
    default:
      return fail(`no frame kit for protocol ${protocol}`);
  }
}

// ---------------------------------------------------------------- broken frames

function withLength(version: number, payload: Uint8Array, length = 1 + payload.length): Buffer {
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(length, 0);
  out[4] = version;
  out.set(payload, 5);
  return out;
}

const BROKEN_KINDS = [
  'bad-version', 'oversized', 'empty-frame', 'garbage', 'bad-kind', 'bad-envelope', 'bad-key', 'bad-due-time', 'unknown-node', 'bad-node-id',
  'bad-hello', 'unannounced-sender', 'not-local', 'bad-message', 'mutation', 'truncated',
] as const;

/**
 * A broken last frame of the kind `kind` for a connection that announced `reader`; `request` is a
 * message the protocol accepts, so that the frame fails for the reason its kind names.
 */
function brokenFrame(kind: (typeof BROKEN_KINDS)[number], rng: Rng, reader: string, request: () => ProtocolMessage): Buffer {
  const valid = () => encodeDataFrame(reader, TARGET, 'k0', request(), 0);
  switch (kind) {
    case 'bad-version':
      return withLength(rng.int(2, 255), encodeValue([0, [reader]]));
    case 'oversized':
      return withLength(FRAME_CODEC_VERSION, rng.bytes(8), 0x7fffffff);
    case 'empty-frame':
      return Buffer.from([0, 0, 0, 0]);
    case 'garbage':
      return withLength(FRAME_CODEC_VERSION, rng.bytes(rng.int(1, 64)));
    case 'bad-kind':
      return withLength(FRAME_CODEC_VERSION, encodeValue([rng.int(2, 9), reader]));
    case 'bad-envelope':
      return withLength(FRAME_CODEC_VERSION, encodeValue([1, reader, TARGET, 'k0']));
    case 'bad-key':
      return withLength(FRAME_CODEC_VERSION, encodeValue([1, reader, TARGET, 'k'.repeat(300), 0, request()]));
    case 'bad-due-time':
      return withLength(FRAME_CODEC_VERSION, encodeValue([1, reader, TARGET, 'k0', -5, request()]));
    case 'unknown-node':
      return encodeHelloFrame([`mallory${rng.int(0, 99)}`]);
    case 'bad-node-id':
      return withLength(FRAME_CODEC_VERSION, encodeValue([0, [rng.int(0, 99)]]));
    case 'bad-hello':
      return withLength(FRAME_CODEC_VERSION, encodeValue([0, []]));
    case 'unannounced-sender':
      return encodeDataFrame('w1', TARGET, 'k0', request(), 0);
    case 'not-local':
      return encodeDataFrame(reader, 's2', 'k0', request(), 0);
    case 'bad-message':
      return encodeDataFrame(reader, TARGET, 'k0', { type: 'NOT_A_MESSAGE', rid: rng.int(0, 9) } as ProtocolMessage, 0);
    case 'mutation': {
      const frame = Buffer.from(valid());
      for (let flips = rng.int(1, 4); flips > 0; flips--) {
        const at = rng.int(4, frame.length - 1);
        frame[at] = frame[at]! ^ (1 << rng.int(0, 7));
      }
      return frame;
    }
    case 'truncated': {
      const frame = valid();
      return frame.subarray(0, rng.int(1, frame.length - 1));
    }
  }
}

/** What the server will count for `bytes`, sent on a connection that announced `announced`. */
function predictRejection(bytes: Buffer, validator: FrameValidator, announced: ReadonlySet<string>): string | 'accepted' {
  const reader = new FrameReader(validator);
  try {
    for (const frame of reader.push(bytes)) {
      if (frame.kind === 'hello') continue;
      if (!announced.has(frame.from)) return 'unannounced-sender';
      if (frame.to !== TARGET) return 'not-local';
      return 'accepted';
    }
  } catch (error) {
    if (error instanceof FrameError) return error.reason;
    throw error;
  }
  return reader.pendingBytes > 0 ? 'truncated' : 'accepted';
}

// ---------------------------------------------------------------- one protocol

interface Outcome {
  readonly protocol: string;
  readonly frames: number;
  readonly connections: number;
  readonly seconds: number;
  readonly expected: Record<string, number>;
  readonly counted: Record<string, number>;
  readonly answeredSent: number;
  readonly answeredCounted: number;
  readonly problems: string[];
}

function bump(counts: Record<string, number>, reason: string, by = 1): void {
  counts[reason] = (counts[reason] ?? 0) + by;
}

async function fuzzProtocol(protocol: string, framesWanted: number, seed: number, dir: string): Promise<Outcome> {
  const run: ResolvedRun = resolveExperiment(
    parseConfig({ name: `fuzz-${protocol}`, engine: 'real', seed, protocol: { name: protocol, t: 1 }, network: { latency: { distribution: 'constant', oneWayMs: 0 } }, workload: { writers: 1, readers: LANES, operations: 1 } }),
  ).runs[0]!;
  const [port] = await freePorts('127.0.0.1', 1);
  const addresses = new Map(run.cluster.servers.map((id, i) => [id, { host: '127.0.0.1', port: i === 0 ? port! : 1 }]));
  const clusterPath = join(dir, `cluster-${protocol}.json`);
  writeFileSync(clusterPath, JSON.stringify(clusterFileData(run, run.seed, addresses)));
  const server: ChildProcessHandle = startNodeScript(`server ${TARGET}`, SERVE_ENTRY, ['--id', TARGET, '--listen', `127.0.0.1:${port}`, '--cluster', clusterPath, '--exit-on-stdin-close'], PROJECT_ROOT);
  await server.waitForLine((line) => line.event === 'ready', 60_000);

  const known = new Set([...run.cluster.servers, ...run.cluster.writers, ...run.cluster.readers]);
  const validator: FrameValidator = { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) };
  const kit = kitFor(protocol, run.n);
  const rng = stream(seed, `bench-fuzz:${protocol}`);
  const expected: Record<string, number> = {};
  const problems: string[] = [];
  let frames = 0;
  let connections = 0;
  let answeredSent = 0;
  let op = 0;
  const started = performance.now();

  /** One connection: hello, a batch ending with a request we wait for, then a broken frame. */
  const connection = (reader: string): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect(port!, '127.0.0.1');
      const incoming = new FrameReader(validator);
      let waitingFor = -1;
      let broken: Buffer | undefined;
      socket.on('data', (chunk: Buffer) => {
        let received;
        try {
          received = incoming.push(chunk);
        } catch (error) {
          problems.push(`server sent a frame the bench cannot read: ${String(error)}`);
          socket.destroy();
          return;
        }
        for (const frame of received) {
          if (frame.kind !== 'data') continue;
          const id = (frame.msg as { rid?: number; op?: number }).rid ?? (frame.msg as { op?: number }).op;
          if (id === waitingFor && broken !== undefined) {
            waitingFor = -1;
            socket.end(broken);
          }
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve());
      socket.on('connect', () => {
        const batch: Buffer[] = [encodeHelloFrame([reader])];
        for (let i = 0; i < BATCH - 1; i++) {
          op++;
          if (rng.int(0, 2) === 0) {
            batch.push(encodeDataFrame(reader, TARGET, 'k0', kit.answered(rng, op), 0));
            answeredSent++;
          } else if (rng.int(0, 5) === 0) {
            // A register this run does not have (keys: 1 means k0 only).
            batch.push(encodeDataFrame(reader, TARGET, `k${rng.int(1, 99)}`, kit.answered(rng, op), 0));
            bump(expected, 'unknown-key');
          } else {
            const refused = kit.refused(rng, op, reader);
            batch.push(encodeDataFrame(reader, TARGET, 'k0', refused.msg, 0));
            bump(expected, refused.reason);
          }
        }
        // The barrier: a request whose answer shows that the server handled the whole batch.
        waitingFor = ++op;
        batch.push(encodeDataFrame(reader, TARGET, 'k0', kit.answered(rng, waitingFor), 0));
        answeredSent++;
        const kind = BROKEN_KINDS[connections % BROKEN_KINDS.length]!;
        const announced = new Set([reader]);
        let reason: string;
        do {
          broken = brokenFrame(kind, rng, reader, () => kit.answered(rng, 0));
          reason = predictRejection(broken, validator, announced);
        } while (reason === 'accepted');
        bump(expected, reason);
        frames += batch.length + 1;
        connections++;
        socket.write(Buffer.concat(batch));
      });
    });

  const lanes = Array.from({ length: LANES }, (_, i) => run.cluster.readers[i]!);
  await Promise.all(
    lanes.map(async (reader) => {
      while (frames < framesWanted) await connection(reader);
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  // Still alive and still answering: one more request on a fresh connection.
  if (server.exited) problems.push('the server process exited during the fuzzing');
  const alive = await new Promise<boolean>((resolve) => {
    const socket = net.connect(port!, '127.0.0.1', () => socket.write(Buffer.concat([encodeHelloFrame([lanes[0]!]), encodeDataFrame(lanes[0]!, TARGET, 'k0', kit.answered(rng, ++op), 0)])));
    const incoming = new FrameReader(validator);
    const timer = setTimeout(() => (socket.destroy(), resolve(false)), 10_000);
    socket.on('data', (chunk: Buffer) => {
      if (incoming.push(chunk).some((frame) => frame.kind === 'data')) {
        clearTimeout(timer);
        socket.end();
        resolve(true);
      }
    });
    socket.on('error', () => resolve(false));
  });
  if (!alive) problems.push('the server did not answer a correct request after the fuzzing');
  answeredSent++;
  await new Promise((resolve) => setTimeout(resolve, 100));
  await server.stop(10_000);
  if (server.exitCode !== 0) problems.push(`the server exited with ${server.exitCode ?? server.signal}`);
  const stats = server.lines.find((line) => line.event === 'stats');
  if (stats === undefined) {
    problems.push('no stats line');
    return { protocol, frames, connections, seconds, expected, counted: {}, answeredSent, answeredCounted: 0, problems };
  }
  const counted = stats.rejected as Record<string, number>;
  for (const reason of new Set([...Object.keys(expected), ...Object.keys(counted)])) {
    if ((expected[reason] ?? 0) !== (counted[reason] ?? 0)) problems.push(`${reason}: expected ${expected[reason] ?? 0}, counted ${counted[reason] ?? 0}`);
  }
  const answeredCounted = stats.messages as number;
  if (answeredCounted !== answeredSent) problems.push(`answers: ${answeredCounted} sent by the server for ${answeredSent} requests`);
  return { protocol, frames, connections, seconds, expected, counted, answeredSent, answeredCounted, problems };
}

async function main(): Promise<void> {
  const framesTotal = intArgument('--frames', 100_000, 1);
  const seed = intArgument('--seed', 1, 0);
  const protocols = (argument('--protocols') ?? protocolNames().join(',')).split(',');
  for (const name of protocols) if (!protocolNames().includes(name)) fail(`--protocols: unknown protocol ${JSON.stringify(name)} (known: ${protocolNames().join(', ')})`);
  const dir = mkdtempSync(join(os.tmpdir(), 'quorumbench-bench-fuzz-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  process.once('SIGTERM', () => (cleanup(), process.exit(143)));
  const outcomes: Outcome[] = [];
  try {
    for (const protocol of protocols) outcomes.push(await fuzzProtocol(protocol, Math.ceil(framesTotal / protocols.length), seed, dir));
  } finally {
    cleanup();
  }
  process.stdout.write(`# bench:fuzz — frames against one real server process per protocol (seed ${seed})\n\n`);
  process.stdout.write(`uptime: load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}, ${os.cpus().length} cores; figures are provisional on a shared machine\n\n`);
  process.stdout.write('| protocol | frames | connections | frames/s | answered | rejected, by reason (counted = predicted) | problems |\n|---|---:|---:|---:|---:|---|---|\n');
  for (const o of outcomes) {
    const reasons = Object.entries(o.counted)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    process.stdout.write(`| ${o.protocol} | ${o.frames} | ${o.connections} | ${(o.frames / o.seconds).toFixed(0)} | ${o.answeredCounted}/${o.answeredSent} | ${reasons} | ${o.problems.length === 0 ? 'none' : o.problems.join('; ')} |\n`);
  }
  const frames = outcomes.reduce((sum, o) => sum + o.frames, 0);
  const failed = outcomes.filter((o) => o.problems.length > 0).length;
  process.stdout.write(`\n${frames} frames in total; ${failed === 0 ? 'no crash, every rejection counted as predicted' : `${failed} protocol(s) with problems`}\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

void main();
