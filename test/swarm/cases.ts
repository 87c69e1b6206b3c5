/**
 * The shared atomicity suite's cases (used by test/atomicity.test.ts and the swarm runner): a
 * fault mix within a protocol's declared tolerance, a workload of concurrent readers and writers
 * under heavy latency jitter, and the judgement of one run (checker verdict, completion of every
 * correct client's operations, round counts).
 */
import { parseConfig } from '../../harness/config/index.ts';
import { resolveExperiment } from '../../harness/config/resolve.ts';
import type { ExperimentConfig, FaultConfig } from '../../harness/config/schema.ts';
import { GENERIC_STRATEGIES } from '../../harness/faults/strategies.ts';
import { checkHistory } from '../../harness/checker/index.ts';
import { stream, type Rng } from '../../harness/rng.ts';
import { runOnce } from '../../harness/runner/index.ts';
import { abdForge } from '../../protocols/abd/byzantine.ts';
import { PROTOCOLS } from '../../protocols/registry.ts';
import type { AnyProtocolDefinition } from '../../protocols/types.ts';

/** Worst-case rounds each protocol promises (docs/protocols.md); reads may add counted retries. */
export const EXPECTED_ROUNDS: Readonly<Record<string, { readonly write: number; readonly readMax: number }>> = {
  abd: { write: 2, readMax: 2 },
  'bft-signed': { write: 2, readMax: 2 },
  powerstore: { write: 2, readMax: 2 },
  'm-powerstore': { write: 3, readMax: 2 },
  cas: { write: 3, readMax: 2 },
};

/** Generic strategies the harness supplies; `crash`/`slow` are fault types of their own. */
const GENERIC = Object.keys(GENERIC_STRATEGIES);

/**
 * The registry, with ABD's `forge` strategy supplied here if ABD's folder does not define one yet
 * (the suite must be able to show ABD's violation under a lying server).
 */
export function suiteProtocols(): Record<string, AnyProtocolDefinition> {
  const out: Record<string, AnyProtocolDefinition> = { ...PROTOCOLS };
  const abd = out['abd'];
  if (abd !== undefined && abd.strategies['forge'] === undefined) out['abd'] = { ...abd, strategies: { ...abd.strategies, forge: abdForge } };
  return out;
}

export function strategiesOf(protocol: AnyProtocolDefinition): string[] {
  return [...new Set([...GENERIC, ...Object.keys(protocol.strategies)])].sort();
}

/** One fault mix, as the suite names it (printed in failure reports). */
export interface FaultMix {
  readonly label: string;
  readonly faults: FaultConfig[];
  readonly options?: Record<string, unknown>;
  /** Server count when not the protocol's default (CAS runs with any n from 2t + 1). */
  readonly servers?: number;
}

export interface CaseSpec {
  readonly protocol: string;
  readonly t: number;
  readonly seed: number;
  readonly mix: FaultMix;
  /** Operations in the run (default 60). */
  readonly operations?: number;
  readonly expectViolation?: boolean;
  /**
   * Replaces the config's `protocol:` section (external nodes); `protocol` then names the built-in
   * protocol whose rounds the case expects. Paths in it are relative to `configDir`.
   */
  readonly section?: Readonly<Record<string, unknown>>;
  readonly configDir?: string;
}

/** Enumerated mixes for the CI suite: each tolerated fault class on its own, at full strength `t`. */
export function toleratedMixes(protocolName: string, t: number, seed: number): FaultMix[] {
  const protocol = suiteProtocols()[protocolName]!;
  const tolerance = protocol.tolerance(t);
  const n = protocol.serverCount(t);
  const rng = stream(seed, 'mix');
  const pick = (count: number) => pickServers(rng, n, count);
  const mixes: FaultMix[] = [{ label: 'none', faults: [] }];
  if (tolerance.crash > 0) {
    mixes.push({ label: `crash×${tolerance.crash}`, faults: pick(tolerance.crash).map((node) => ({ type: 'crash', node, atMs: rng.int(0, 40) })) });
    mixes.push({ label: `slow×${tolerance.crash}`, faults: pick(tolerance.crash).map((node) => ({ type: 'slow', node, delayMs: 30 })) });
  }
  if (tolerance.byzantine > 0) {
    for (const strategy of strategiesOf(protocol)) {
      mixes.push({ label: `${strategy}×${tolerance.byzantine}`, faults: pick(tolerance.byzantine).map((node) => ({ type: 'byzantine', node, strategy })) });
    }
  }
  if (tolerance.byzantineReaders) {
    for (const behaviour of Object.keys(protocol.hostileClients ?? {})) {
      mixes.push({ label: `hostile:${behaviour}`, faults: [{ type: 'hostile-client', node: 'h1', behaviour, everyMs: 3 }] });
    }
  }
  for (const afterRound of [0, 1, 2]) {
    mixes.push({ label: `writer-crash@${afterRound}`, faults: [{ type: 'crash', node: 'w1', duringOp: 3, afterRound, sendTo: rng.int(0, n) }] });
  }
  if (protocolName === 'powerstore' || protocolName === 'm-powerstore') {
    // Fragment retention small enough to prune during the run: exercises the third read round.
    mixes.push({ label: 'retain-small', faults: [], options: { retain: 3 } });
  }
  if (protocolName === 'cas') {
    // CAS at both ends of its server range (k = 1 and k = 2t + 1), with t crashes and garbage
    // collection keeping a single finalized element, so that reads retry.
    for (const servers of [2 * t + 1, 4 * t + 1]) {
      const crashes = pickServers(rng, servers, t).map((node) => ({ type: 'crash' as const, node, atMs: rng.int(0, 40) }));
      mixes.push({ label: `n=${servers},crash×${t},retain=1`, faults: crashes, options: { retain: 1 }, servers });
    }
  }
  return mixes;
}

/** A random mix within tolerance (swarm): Byzantine servers, crashes, hostile readers, a writer crash. */
export function randomMix(protocolName: string, t: number, rng: Rng): FaultMix {
  const protocol = suiteProtocols()[protocolName]!;
  const tolerance = protocol.tolerance(t);
  // CAS: any n from 2t + 1 to 4t + 1 (docs/protocols.md#cas); others their own n.
  const servers = protocolName === 'cas' ? rng.int(2 * t + 1, 4 * t + 1) : undefined;
  const n = servers ?? protocol.serverCount(t);
  const faulty = pickServers(rng, n, rng.int(0, Math.max(tolerance.crash, tolerance.byzantine)));
  const faults: FaultConfig[] = [];
  const labels: string[] = [];
  const strategies = strategiesOf(protocol);
  for (const node of faulty) {
    const useByzantine = tolerance.byzantine > 0 && faults.filter((f) => f.type === 'byzantine').length < tolerance.byzantine && rng.int(0, 2) > 0;
    if (useByzantine) {
      const strategy = strategies[rng.int(0, strategies.length - 1)]!;
      faults.push({ type: 'byzantine', node, strategy });
      labels.push(`${node}:${strategy}`);
    } else if (rng.int(0, 1) === 0) {
      faults.push({ type: 'crash', node, atMs: rng.int(0, 60) });
      labels.push(`${node}:crash`);
    } else {
      faults.push({ type: 'slow', node, delayMs: rng.int(5, 60) });
      labels.push(`${node}:slow`);
    }
  }
  if (tolerance.byzantineReaders && rng.int(0, 2) === 0) {
    const behaviours = Object.keys(protocol.hostileClients ?? {});
    const behaviour = behaviours[rng.int(0, Math.max(0, behaviours.length - 1))];
    if (behaviour !== undefined) faults.push({ type: 'hostile-client', node: 'h1', behaviour, everyMs: rng.int(1, 10) });
    labels.push(`h1:${behaviour}`);
  }
  if (rng.int(0, 3) === 0) {
    const afterRound = rng.int(0, 3);
    const duringOp = rng.int(1, 5);
    const sendTo = rng.int(0, n);
    faults.push({ type: 'crash', node: 'w1', duringOp, afterRound, sendTo });
    labels.push(`w1:crash(op${duringOp},r${afterRound},to${sendTo})`);
  }
  let options: Record<string, unknown> | undefined;
  if ((protocolName === 'powerstore' || protocolName === 'm-powerstore') && rng.int(0, 3) === 0) {
    options = { retain: rng.int(3, 5) };
    labels.push(`retain=${options['retain']}`);
  }
  if (protocolName === 'cas') {
    options = { retain: [1, 2, 3, 16][rng.int(0, 3)]! };
    labels.push(`n=${n}`, `retain=${options['retain']}`);
  }
  return { label: labels.length === 0 ? 'none' : labels.join(','), faults, ...(options ? { options } : {}), ...(servers === undefined ? {} : { servers }) };
}

function pickServers(rng: Rng, n: number, count: number): string[] {
  const ids = Array.from({ length: n }, (_, i) => `s${i + 1}`);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, count);
}

export function caseConfig(spec: CaseSpec): ExperimentConfig {
  const protocol = spec.section === undefined ? suiteProtocols()[spec.protocol]! : { multiWriter: true };
  const rng = stream(spec.seed, 'case');
  const writers = protocol.multiWriter ? rng.int(2, 3) : 1;
  const raw = {
    name: `atomicity-${spec.protocol}`,
    engine: 'sim',
    seed: spec.seed,
    protocol: spec.section ?? { name: spec.protocol, t: spec.t, options: spec.mix.options ?? {} },
    ...(spec.mix.servers === undefined ? {} : { servers: spec.mix.servers }),
    // Heavy jitter: exponential one-way delays (mean 5 ms, long tail), so messages on different
    // links overtake each other freely (each link stays FIFO).
    network: { latency: { distribution: 'exponential', meanMs: 5 }, bandwidthMBps: 0 },
    costProfile: 'zero',
    codec: 'typescript',
    workload: {
      keys: 1,
      writers,
      readers: rng.int(2, 3),
      valueBytes: [16, 64, 300],
      operations: spec.operations ?? 60,
      thinkTimeMs: 0,
    },
    faults: spec.mix.faults,
    expectViolation: spec.expectViolation ?? false,
    maxDurationMs: 600_000,
  };
  return parseConfig(raw);
}

export interface CaseOutcome {
  readonly verdict: string;
  /** Problems other than the checker's verdict: blocked correct clients, broken round counts. */
  readonly problems: string[];
  readonly readRetries: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly operations: number;
}

export async function runCase(spec: CaseSpec): Promise<CaseOutcome> {
  const config = caseConfig(spec);
  const experiment = resolveExperiment(config, spec.configDir ?? process.cwd(), { protocols: suiteProtocols() });
  const run = experiment.runs[0]!;
  const output = await runOnce(run, spec.seed);
  const check = await checkHistory(output.history, { model: 'register', timeoutMs: 60_000 });
  const problems: string[] = [];
  const crashedClients = new Set(spec.mix.faults.filter((f) => f.type === 'crash' && !f.node.startsWith('s')).map((f) => f.node));
  for (const record of output.history) {
    if (crashedClients.has(record.client)) continue;
    if (record.status !== 'ok') problems.push(`${record.client} ${record.op} did not complete (${record.status})`);
  }
  if (output.outcome !== 'stopped') problems.push(`run ended ${output.outcome}`);
  const expected = EXPECTED_ROUNDS[spec.protocol];
  const readRetries = output.result.ops.read?.retries ?? 0;
  if (expected !== undefined) {
    let readsOver = 0;
    for (const record of output.history) {
      if (record.status !== 'ok') continue;
      if (record.op === 'write' && record.rounds !== expected.write) problems.push(`write by ${record.client} took ${record.rounds} rounds (expected ${expected.write})`);
      if (record.op === 'read' && record.rounds > expected.readMax) readsOver++;
    }
    if (readsOver > readRetries) problems.push(`${readsOver} reads took more than ${expected.readMax} rounds, only ${readRetries} counted as retries`);
    const pruning = spec.mix.options !== undefined && 'retain' in spec.mix.options;
    if (!pruning && readRetries > 0) problems.push(`${readRetries} read retries without fragment pruning`);
  }
  return { verdict: check.verdict, problems: [...new Set(problems)].slice(0, 5), readRetries, rejected: output.result.rejectedMessages, operations: output.history.length };
}

export function replayCommand(spec: CaseSpec): string {
  return `npm run test:swarm -- --protocol ${spec.protocol} --t ${spec.t} --seed ${spec.seed}`;
}
