/**
 * @module The protocol's shared setup (key material) for a run, computed identically in every process.
 *
 * Server processes, client processes and the harness process must hold the same setup (e.g. the
 * writer's public key, PoWerStore's MAC keys), and they share nothing but the cluster file, so every
 * one of them calls the runner's own {@link runSetup} with the run's seed: the same function as the
 * simulator's runner, so the processes cannot drift apart from it (they once did: a fresh stream per
 * call here against one advancing stream in the runner made M-PoWerStore's MACs fail verification).
 */
import type { CryptoProvider } from '../../protocols/common/crypto/types.ts';
import type { ResolvedRun } from '../config/index.ts';
import { runSetup } from '../runner/setup.ts';

export function protocolSetup(run: ResolvedRun, crypto: CryptoProvider): unknown {
  return runSetup(run, run.seed, run.cluster, crypto);
}
