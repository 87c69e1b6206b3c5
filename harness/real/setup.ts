/**
 * @module The protocol's shared setup (key material) for a run, computed identically in every process.
 *
 * Server processes and the harness process must hold the same setup (e.g. the writer's public key,
 * PoWerStore's MAC keys), and they share nothing but the cluster file, so the setup is drawn from the
 * run seed's `setup` stream, as the simulator's runner draws it.
 */
import type { CryptoProvider } from '../../protocols/common/crypto/types.ts';
import type { ResolvedRun } from '../config/index.ts';
import { stream } from '../rng.ts';

export function protocolSetup(run: ResolvedRun, crypto: CryptoProvider): unknown {
  // Exactly the runner's expression (harness/runner/run-once.ts): a fresh `setup` stream per call.
  return run.protocol.setup(run.cluster, run.options, { bytes: (n: number) => stream(run.seed, 'setup').bytes(n) }, crypto);
}
