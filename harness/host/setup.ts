/**
 * @module A run's protocol setup (key material), computed identically wherever the run executes.
 *
 * The simulator's runner and every real-engine process (servers, client processes) call this with
 * the same resolved run and seed, so they hold the same setup without a key-distribution step: one
 * function for every process, so that they cannot drift apart (they once did: a fresh stream per call
 * in one place against one advancing stream in another made M-PoWerStore's MACs fail verification).
 * The keys are therefore a function of the run seed: right for a benchmark that must replay, wrong
 * for a deployment (documented in docs/multi-host.md).
 *
 * One `setup` stream is drawn from across all of the protocol's calls: a fresh stream per call would
 * hand out the same bytes every time (every MAC key equal, every writer key equal), which hides
 * exactly the cross-key attacks the Byzantine strategies try.
 */
import type { ClusterInfo, RandomSource } from '../../protocols/types.ts';
import type { CryptoProvider } from '../../protocols/common/crypto/types.ts';
import type { ResolvedRun } from '../config/index.ts';
import { stream } from '../rng.ts';

/** The setup random source of run seed `seed`: one stream, advancing with every draw. */
export function setupRandom(seed: number): RandomSource {
  const rng = stream(seed, 'setup');
  return { bytes: (length: number) => rng.bytes(length) };
}

export function runSetup(run: ResolvedRun, seed: number, cluster: ClusterInfo, crypto: CryptoProvider): unknown {
  return run.protocol.setup(cluster, run.options, setupRandom(seed), crypto);
}
