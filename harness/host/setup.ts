/**
 * @module A run's protocol setup (key material), computed identically wherever the run executes.
 *
 * The simulator's runner and every real-engine process (servers, client processes) call this with
 * the same resolved run and an equal random source, so they hold the same setup without a
 * key-distribution step: one function for every process, so that they cannot drift apart (they once
 * did: a fresh stream per call in one place against one advancing stream in another made
 * M-PoWerStore's MACs fail verification). The source is the seed's `setup` stream in the simulator
 * (a run must replay from its seed) and a stream keyed by the run secret in the real engine
 * (harness/real/run-secret.ts), where whoever reads the config must not be able to compute the keys.
 *
 * One stream is drawn from across all of the protocol's calls: a fresh stream per call would hand out
 * the same bytes every time (every MAC key equal, every writer key equal), which hides exactly the
 * cross-key attacks the Byzantine strategies try.
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

/** The setup of `run`, drawn from `random` (a fresh {@link setupRandom} or a run secret's stream). */
export function runSetup(run: ResolvedRun, random: RandomSource, cluster: ClusterInfo, crypto: CryptoProvider): unknown {
  return run.protocol.setup(cluster, run.options, random, crypto);
}
