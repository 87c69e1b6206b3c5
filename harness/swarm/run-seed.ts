/**
 * @module One swarm seed: resolve the config drawn from the seed (exactly as `quorumbench run
 * <config> --seed S` does), run it, judge it (checker verdict; blocked correct clients), digest it.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { checkHistory } from '../checker/index.ts';
import { readConfigFile, readRawConfigFile, resolveExperiment } from '../config/index.ts';
import { loadPlugins } from '../config/plugins.ts';
import { resolveProtocol } from '../config/resolve.ts';
import { drawSwarm } from '../faults/swarm-draw.ts';
import type { HistoryRecord } from '../history/types.ts';
import { runOnce, type RunOnceOutput } from '../runner/index.ts';

export interface SeedResult {
  readonly seed: number;
  /** What the seed drew (empty without a `swarm:` section). */
  readonly label: string;
  /** Checker verdict; 'error' when the run threw. */
  readonly verdict: 'ok' | 'violation' | 'unknown' | 'error';
  /** Why a correct client's operation did not complete, if one did not. */
  readonly stuck: string | null;
  readonly error: string | null;
  /** sha256 of the history (JSONL) and the run's result: equal digests = identical runs. */
  readonly digest: string;
  /** With --check-determinism: whether the second run's digest was equal. */
  readonly deterministic: boolean | null;
  readonly operations: number;
  /** Virtual time at the end of the run, ms. */
  readonly endMs: number;
  /** Schedule actions applied before the run ended (drawn ones after the end never apply). */
  readonly actionsApplied: number;
  readonly wallMs: number;
}

export interface SeedOptions {
  readonly checkDeterminism?: boolean;
  readonly checkerTimeoutMs?: number;
}

/** The history as the run command writes it (one JSON object per line) plus the result, hashed. */
export function runDigest(output: RunOnceOutput): string {
  const hash = createHash('sha256');
  for (const record of output.history) hash.update(`${JSON.stringify(record)}\n`);
  hash.update(JSON.stringify(output.result));
  hash.update(JSON.stringify(output.schedule ?? null));
  hash.update(`${output.outcome} ${output.endMs}`);
  return hash.digest('hex');
}

/** Clients that the config's faults or schedule crash: their pending operations are not "stuck". */
function crashedClients(config: ReturnType<typeof readConfigFile>, history: readonly HistoryRecord[]): Set<string> {
  const clients = new Set(history.map((r) => r.client));
  const crashed = new Set<string>();
  for (const fault of config.faults) if (fault.type === 'crash' && clients.has(fault.node)) crashed.add(fault.node);
  for (const entry of config.schedule ?? []) {
    if (entry.action !== 'crash') continue;
    const nodes = typeof entry.node === 'string' ? [entry.node] : entry.node;
    for (const node of nodes) {
      for (const member of config.blocks?.[node] ?? [node]) if (clients.has(member)) crashed.add(member);
    }
  }
  return crashed;
}

/** What seed `seed` of the config draws, in words (empty without a `swarm:` section). */
export function drawLabel(configPath: string, seed: number): string {
  const config = { ...readConfigFile(configPath), seed };
  if (config.swarm === undefined) return '';
  const { protocol, n } = resolveProtocol(config, undefined, dirname(configPath));
  return drawSwarm(config, protocol, n, seed).label;
}

async function once(configPath: string, seed: number): Promise<{ output: RunOnceOutput; config: ReturnType<typeof readConfigFile> }> {
  // Same steps as loadExperiment(configPath, { seed }), i.e. what `quorumbench run --seed` runs.
  const config = { ...readConfigFile(configPath), seed };
  const run = resolveExperiment(config, dirname(configPath)).runs[0]!;
  return { output: await runOnce(run, run.seed), config: run.config };
}

export async function runSwarmSeed(configPath: string, seed: number, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  let label = '';
  try {
    await loadPlugins(readRawConfigFile(configPath), dirname(configPath));
    label = drawLabel(configPath, seed);
    const first = await once(configPath, seed);
    const output = first.output;
    const digest = runDigest(output);
    let deterministic: boolean | null = null;
    if (options.checkDeterminism === true) deterministic = runDigest((await once(configPath, seed)).output) === digest;
    const check = await checkHistory(output.history, { timeoutMs: options.checkerTimeoutMs ?? 60_000, excerpt: false, workers: 1 });
    const crashed = crashedClients(first.config, output.history);
    const blocked = output.history.filter((r) => r.status !== 'ok' && !crashed.has(r.client));
    let stuck: string | null = null;
    if (output.outcome !== 'stopped') stuck = `run ended ${output.outcome} with ${blocked.length} correct operations pending`;
    else if (blocked.length > 0) stuck = `${blocked.length} correct operations pending (first: ${blocked[0]!.client} ${blocked[0]!.op})`;
    return { seed, label, verdict: check.verdict, stuck, error: null, digest, deterministic, operations: output.history.length, endMs: output.endMs, actionsApplied: output.schedule?.applied.length ?? 0, wallMs: performance.now() - started };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 3).join(' | ') : String(error);
    return { seed, label, verdict: 'error', stuck: null, error: message, digest: '', deterministic: null, operations: 0, endMs: 0, actionsApplied: 0, wallMs: performance.now() - started };
  }
}
