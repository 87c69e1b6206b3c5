/**
 * @module `npm run bench:fuzz [-- --frames N] [--channels plain,hmac] [--protocols a,b] [--seed S]`:
 * hostile connections at scale against one real server process per protocol and channel mode, over
 * loopback TCP with authenticated channels (default: 100,000 frames per channel mode, split over
 * every protocol of the registry, with `real.channels` plain and then hmac).
 *
 * Connections cycle through the kinds of bench/fuzz/kinds.ts: correct sessions of a reader whose
 * batches mix requests the server must answer with messages its protocol must refuse and which end
 * with one broken frame; impostors and broken handshakes (no secret, a wrong proof, another run,
 * another channel mode, frames before authentication, a node claimed without its key); frames that
 * break the framing; with hmac channels, MACs forged, missing, replayed or out of order. Two more
 * connections never authenticate and must be timed out.
 *
 * Every rejection is predicted, by reason: a connection's by the model of bench/fuzz/server-model.ts
 * (and, for every kind built for a stated reason, checked against it), the protocol's by the
 * construction of each message. At the end the bench compares, exactly, with the server's own counts
 * in its stats line, and checks that the server answered every request it handled exactly once and
 * nothing else (no impostor's frame reached a protocol machine), sent no message on its own, dropped
 * nothing, still answers a correct session afterwards, and exits with status 0 when stopped.
 * Exit status 1 on any difference, 2 on bad arguments.
 */
import os from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, resolveExperiment, type ResolvedRun } from '../harness/config/index.ts';
import { serverStatsLine, type ServerStatsLine } from '../harness/real/child-lines.ts';
import { clusterFileData, freePorts, PROJECT_ROOT, SERVE_ENTRY } from '../harness/real/launch.ts';
import { runNodes } from '../harness/real/link-model.ts';
import { startNodeScript, trackTempDir, untrackTempDir, type ChildProcessHandle } from '../harness/real/processes.ts';
import { channelKeysOf, newRunId, newRunSecret, writeSecretFile } from '../harness/real/run-secret.ts';
import type { HostPort } from '../harness/real/tcp-transport.ts';
import { stream } from '../harness/rng.ts';
import { protocolNames } from '../protocols/registry.ts';
import { aliveSession, idleConnection, runConnection, type ConnectionResult, type ConnectionSetup } from './fuzz/connection.ts';
import { intendedReason, kindsFor, type Kind, type Lane, type Mode } from './fuzz/kinds.ts';
import { kitFor } from './fuzz/kits.ts';
import { predictConnection, type ServerView } from './fuzz/server-model.ts';

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

function listArgument(name: string, fallback: readonly string[], known: readonly string[]): string[] {
  const values = (argument(name) ?? fallback.join(',')).split(',');
  for (const value of values) if (!known.includes(value)) fail(`${name}: unknown value ${JSON.stringify(value)} (known: ${known.join(', ')})`);
  return values;
}

/** Connections in flight at once, each lane with its own reader id (answers are routed by node id). */
const LANES = 4;
const TARGET = 's1';

/** Refusals of the handshake and of what an authenticated peer may send; every other connection-level reason is the framing's. */
const HANDSHAKE_REASONS = new Set(['handshake-order', 'channels-mismatch', 'other-run', 'bad-auth-proof', 'bad-hello-proof', 'unauthenticated', 'handshake-timeout', 'unannounced-sender', 'not-local', 'bad-mac']);

interface Outcome {
  readonly mode: Mode;
  readonly protocol: string;
  readonly frames: number;
  readonly connections: number;
  readonly seconds: number;
  /** Requests the protocol handled (all must be answered), and the answers the bench read. */
  readonly requests: number;
  readonly answersRead: number;
  /** Predicted refusals: by the protocol machines, and of whole connections. */
  readonly byProtocol: Record<string, number>;
  readonly byConnection: Record<string, number>;
  /** The server's own counts (its stats line). */
  readonly counted: Record<string, number>;
  /** Requests sent by peers that never authenticated as their sender, and how many the server answered. */
  readonly impostorFrames: number;
  readonly impostorFramesHandled: number;
  readonly problems: string[];
}

function bump(counts: Record<string, number>, reason: string): void {
  counts[reason] = (counts[reason] ?? 0) + 1;
}

/** The run, its secret and cluster file, and the server process: ready. */
async function startServer(mode: Mode, protocol: string, seed: number, dir: string): Promise<{ run: ResolvedRun; server: ChildProcessHandle; address: HostPort; view: ServerView }> {
  const run = resolveExperiment(
    parseConfig({
      name: `fuzz-${protocol}-${mode}`,
      engine: 'real',
      seed,
      protocol: { name: protocol, t: 1 },
      network: { latency: { distribution: 'constant', oneWayMs: 0 } },
      workload: { writers: 1, readers: LANES, operations: 1 },
      real: { channels: mode },
    }),
  ).runs[0]!;
  const [port] = await freePorts('127.0.0.1', 1);
  const address = { host: '127.0.0.1', port: port! };
  // Only s1 runs; the other servers' addresses are never dialed (servers do not talk to each other here).
  const addresses = new Map(run.cluster.servers.map((id) => [id, id === TARGET ? address : { host: '127.0.0.1', port: 1 }]));
  const secret = newRunSecret();
  const runId = newRunId();
  const secretPath = join(dir, `secret-${protocol}-${mode}`);
  writeSecretFile(secretPath, secret);
  const clusterPath = join(dir, `cluster-${protocol}-${mode}.json`);
  writeFileSync(clusterPath, JSON.stringify(clusterFileData(run, run.seed, addresses, runId)));
  const args = ['--id', TARGET, '--listen', `127.0.0.1:${address.port}`, '--cluster', clusterPath, '--secret-file', secretPath, '--exit-on-stdin-close'];
  const server = startNodeScript(`server ${TARGET}`, SERVE_ENTRY, args, PROJECT_ROOT);
  await server.waitForLine((line) => line.event === 'ready', 60_000);
  const known = new Set(runNodes(run));
  const view: ServerView = {
    validator: { isKnownNode: (id) => known.has(id), parseMessage: (value) => run.protocol.parseMessage(value) },
    channels: mode,
    runId,
    keys: channelKeysOf(secret),
    local: new Set([TARGET]),
  };
  return { run, server, address, view };
}

/** Everything the bench expects of one connection, added to `outcome`'s predictions; problems found on the way. */
class Ledger {
  readonly byProtocol: Record<string, number> = {};
  readonly byConnection: Record<string, number> = {};
  /** Operation ids of the requests the protocol handled: each must have exactly one answer. */
  readonly answeredOps: number[] = [];
  answersRead = 0;
  /** Operation ids of the requests of peers that never authenticated as their sender: none may be answered. */
  readonly impostorOps: number[] = [];
  impostorFramesHandled = 0;
  readonly problems: string[] = [];

  /**
   * `intended`: the reason the connection was built for (undefined: none, it must not be refused;
   * null: drawn at random, the model's prediction only).
   */
  record(view: ServerView, index: number, result: ConnectionResult, intended: string | undefined | null): void {
    const where = `connection ${index} (${result.kind})`;
    if (result.failure !== undefined) this.problems.push(`${where}: ${result.failure}`);
    const prediction = predictConnection(view, result.acceptorNonce, result.sent.map((s) => s.bytes));
    // A connection that never authenticates is refused by the server's timer, not for what it sent.
    const timedOut = intended === 'handshake-timeout';
    if (timedOut && prediction.reason !== undefined) this.problems.push(`${where}: the model refuses it for ${prediction.reason} before any time-out (a bench bug)`);
    const reason = timedOut ? intended : prediction.reason;
    if (intended !== null && reason !== intended) this.problems.push(`${where}: the model predicts ${reason ?? 'no refusal'}, the frames were built for ${intended} (a bench bug)`);
    if (reason !== undefined) bump(this.byConnection, reason);
    if (result.refusal !== undefined && result.refusal !== reason) this.problems.push(`${where}: the server refused it for ${result.refusal}, predicted ${reason ?? 'no refusal'}`);
    const delivered = new Set(prediction.delivered);
    const expectedOps: number[] = [];
    for (const [i, sent] of result.sent.entries()) {
      const handled = delivered.has(i);
      if (handled && sent.expect === undefined) this.problems.push(`${where}: frame ${i} would be handled, but the bench built it to be refused (a bench bug)`);
      if (sent.expect === undefined) continue;
      if (!result.authenticated) {
        if ('answered' in sent.expect) this.impostorOps.push(sent.expect.answered);
        if (handled) this.problems.push(`${where}: the model lets frame ${i} of a peer that did not authenticate as its sender reach the protocol`);
      } else if (!handled) {
        this.problems.push(`${where}: frame ${i} of a correct session would not be handled`);
      }
      if (!handled) continue;
      if ('answered' in sent.expect) expectedOps.push(sent.expect.answered);
      else bump(this.byProtocol, sent.expect.refused);
    }
    this.answeredOps.push(...expectedOps);
    this.answersRead += result.replies.length;
    const read = [...result.replies].sort((a, b) => a - b).join(',');
    if (read !== expectedOps.sort((a, b) => a - b).join(',')) {
      this.problems.push(`${where}: answers read for operations [${read.slice(0, 200)}], expected [${expectedOps.join(',').slice(0, 200)}]`);
    }
  }

  /** The server's stats line against everything recorded. */
  compare(stats: ServerStatsLine): void {
    const expected: Record<string, number> = { ...this.byConnection };
    for (const [reason, count] of Object.entries(this.byProtocol)) expected[reason] = (expected[reason] ?? 0) + count;
    for (const reason of new Set([...Object.keys(expected), ...Object.keys(stats.rejected)])) {
      if ((expected[reason] ?? 0) !== (stats.rejected[reason] ?? 0)) this.problems.push(`${reason}: predicted ${expected[reason] ?? 0}, counted ${stats.rejected[reason] ?? 0}`);
    }
    if (stats.sent.messages !== this.answeredOps.length) this.problems.push(`the server sent ${stats.sent.messages} messages for ${this.answeredOps.length} requests it handled`);
    if (stats.initiated.messages !== 0) this.problems.push(`the server sent ${stats.initiated.messages} messages on its own`);
    if (Object.keys(stats.dropped).length > 0) this.problems.push(`the server dropped messages: ${JSON.stringify(stats.dropped)}`);
    // Frames are tagged with their operation id: the server's own tally must show one answer each.
    const tally = new Map(stats.replies.map(([index, messages]) => [index + 1, messages]));
    const unanswered = this.answeredOps.filter((op) => tally.get(op) !== 1);
    // Checked on the server's side too: the model could share a flaw with the transport.
    this.impostorFramesHandled = this.impostorOps.filter((op) => tally.has(op)).length;
    if (this.impostorFramesHandled > 0) this.problems.push(`the server answered ${this.impostorFramesHandled} requests of peers that did not authenticate as their sender`);
    if (unanswered.length > 0 || tally.size !== this.answeredOps.length) {
      this.problems.push(`the server's tally: ${tally.size} operations answered, ${this.answeredOps.length} expected, ${unanswered.length} without exactly one answer`);
    }
  }
}

async function fuzzServer(mode: Mode, protocol: string, framesWanted: number, seed: number, dir: string): Promise<Outcome> {
  const { run, server, address, view } = await startServer(mode, protocol, seed, dir);
  const ledger = new Ledger();
  const kit = kitFor(protocol, run.n)!;
  let op = 0;
  const readers = run.cluster.readers;
  const lanes: Lane[] = readers.map((reader, i) => ({
    mode,
    runId: view.runId,
    keys: view.keys,
    reader,
    otherReader: readers[(i + 1) % readers.length]!,
    writer: run.cluster.writers[0]!,
    target: TARGET,
    otherServer: run.cluster.servers[1]!,
    kit,
    nextOp: () => ++op,
  }));
  const setupOf = (lane: Lane, label: string): ConnectionSetup => ({ address, view, lane, rng: stream(seed, `bench-fuzz:${mode}:${protocol}:${label}`) });
  const kinds: Kind[] = kindsFor(mode);
  let frames = 0;
  let connections = 0;

  // Started first: the server times them out after 10 s while the rest runs.
  const idle = [idleConnection(setupOf(lanes[0]!, 'idle-0'), false), idleConnection(setupOf(lanes[0]!, 'idle-1'), true)];

  const started = performance.now();
  let next = 0;
  await Promise.all(
    lanes.map(async (lane) => {
      while (frames < framesWanted) {
        const index = next++;
        const kind = kinds[index % kinds.length]!;
        const result = await runConnection(setupOf(lane, String(index)), kind);
        frames += result.sent.length;
        connections++;
        ledger.record(view, index, result, intendedReason(kind, mode));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  const alive = await aliveSession(setupOf(lanes[0]!, 'alive'));
  ledger.record(view, next, alive, undefined);
  if (alive.replies.length !== 1) ledger.problems.push('the server did not answer a correct session after the fuzzing');
  const timedOut = await Promise.all(idle);
  for (const [i, result] of timedOut.entries()) ledger.record(view, next + 1 + i, result, 'handshake-timeout');
  for (const result of [alive, ...timedOut]) frames += result.sent.length;
  connections += 1 + timedOut.length;

  if (server.exited) ledger.problems.push(`the server process exited during the fuzzing (code ${server.exitCode ?? server.signal})`);
  await server.stop(10_000);
  if (server.exitCode !== 0) ledger.problems.push(`the server exited with ${server.exitCode ?? server.signal}`);
  const line = server.lines.find((l) => l.event === 'stats');
  const stats = line === undefined ? undefined : serverStatsLine.safeParse(line);
  if (stats === undefined || !stats.success) ledger.problems.push(`no valid stats line from the server (stderr: ${server.stderr.trim().slice(-300)})`);
  else ledger.compare(stats.data);
  return {
    mode,
    protocol,
    frames,
    connections,
    seconds,
    requests: ledger.answeredOps.length,
    answersRead: ledger.answersRead,
    byProtocol: ledger.byProtocol,
    byConnection: ledger.byConnection,
    counted: stats?.success === true ? stats.data.rejected : {},
    impostorFrames: ledger.impostorOps.length,
    impostorFramesHandled: ledger.impostorFramesHandled,
    problems: ledger.problems,
  };
}

const sum = (counts: Record<string, number>, keep: (reason: string) => boolean = () => true): number =>
  Object.entries(counts).reduce((total, [reason, count]) => total + (keep(reason) ? count : 0), 0);

const distinct = (counts: Record<string, number>, keep: (reason: string) => boolean): number => Object.keys(counts).filter(keep).length;

function report(outcomes: readonly Outcome[], seed: number, load: string): void {
  const out = (text: string) => process.stdout.write(text);
  out(`# bench:fuzz — hostile connections against one real server process per protocol and channel mode (seed ${seed})\n\n`);
  out(`load average at the start ${load}, at the end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}, ${os.cpus().length} cores; frames/s are provisional on a shared machine\n\n`);
  out('| channels | protocol | frames | connections | answered / requests | refused by the protocol | connections refused: framing (reasons) | connections refused: handshake, sender, MAC (reasons) | impostor requests answered | frames/s | problems |\n');
  out('|---|---|---:|---:|---|---:|---|---|---|---:|---|\n');
  const framing = (reason: string) => !HANDSHAKE_REASONS.has(reason);
  const handshake = (reason: string) => HANDSHAKE_REASONS.has(reason);
  for (const o of outcomes) {
    out(
      `| ${o.mode} | ${o.protocol} | ${o.frames} | ${o.connections} | ${o.answersRead}/${o.requests} | ${sum(o.byProtocol)} | ` +
        `${sum(o.byConnection, framing)} (${distinct(o.byConnection, framing)}) | ${sum(o.byConnection, handshake)} (${distinct(o.byConnection, handshake)}) | ` +
        `${o.impostorFramesHandled} of ${o.impostorFrames} | ${(o.frames / o.seconds).toFixed(0)} | ${o.problems.length === 0 ? 'none' : `${o.problems.length}`} |\n`,
    );
  }
  // Every reason, counted by the servers (equal to the prediction where no problem is listed).
  const modes = [...new Set(outcomes.map((o) => o.mode))];
  const reasons = [...new Set(outcomes.flatMap((o) => [...Object.keys(o.counted), ...Object.keys(o.byProtocol), ...Object.keys(o.byConnection)]))].sort();
  const layer = (reason: string) => (outcomes.some((o) => reason in o.byProtocol) ? 'protocol' : HANDSHAKE_REASONS.has(reason) ? 'handshake, sender, MAC' : 'framing');
  out(`\n| reason | refused by | ${modes.map((m) => `${m}: counted (predicted)`).join(' | ')} |\n|---|---|${modes.map(() => '---:|').join('')}\n`);
  for (const reason of reasons) {
    const cells = modes.map((mode) => {
      const of = outcomes.filter((o) => o.mode === mode);
      const counted = of.reduce((total, o) => total + (o.counted[reason] ?? 0), 0);
      const predicted = of.reduce((total, o) => total + (o.byProtocol[reason] ?? 0) + (o.byConnection[reason] ?? 0), 0);
      return `${counted} (${predicted})`;
    });
    out(`| ${reason} | ${layer(reason)} | ${cells.join(' | ')} |\n`);
  }
  const frames = outcomes.reduce((total, o) => total + o.frames, 0);
  const failed = outcomes.filter((o) => o.problems.length > 0);
  for (const o of failed) {
    out(`\nproblems, ${o.mode} ${o.protocol} (replay: npm run bench:fuzz -- --channels ${o.mode} --protocols ${o.protocol} --seed ${seed}):\n`);
    for (const problem of o.problems.slice(0, 40)) out(`  ${problem}\n`);
    if (o.problems.length > 40) out(`  … and ${o.problems.length - 40} more\n`);
  }
  out(`\n${frames} frames in total; ${failed.length === 0 ? 'no crash, every refusal counted as predicted, every handled request answered once' : `${failed.length} server run(s) with problems`}\n`);
}

async function main(): Promise<void> {
  const framesPerMode = intArgument('--frames', 100_000, 1);
  const seed = intArgument('--seed', 1, 0);
  const protocols = listArgument('--protocols', protocolNames(), protocolNames());
  const modes = listArgument('--channels', ['plain', 'hmac'], ['plain', 'hmac']) as Mode[];
  for (const protocol of protocols) if (kitFor(protocol, 4) === undefined) fail(`--protocols: bench:fuzz has no message kit for ${protocol} (bench/fuzz/kits.ts)`);
  const load = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  const dir = mkdtempSync(join(os.tmpdir(), 'quorumbench-bench-fuzz-'));
  // Removed on every exit path, Ctrl-C included (the registry of processes.ts stops the servers too).
  trackTempDir(dir);
  const outcomes: Outcome[] = [];
  try {
    for (const mode of modes) {
      for (const protocol of protocols) {
        const outcome = await fuzzServer(mode, protocol, Math.ceil(framesPerMode / protocols.length), seed, dir);
        outcomes.push(outcome);
        // Progress on stderr: a full run takes minutes.
        process.stderr.write(`bench:fuzz: ${mode} ${protocol}: ${outcome.frames} frames, ${outcome.connections} connections, ${outcome.problems.length} problem(s)\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    untrackTempDir(dir);
  }
  report(outcomes, seed, load);
  process.exitCode = outcomes.some((o) => o.problems.length > 0) ? 1 : 0;
}

void main();
