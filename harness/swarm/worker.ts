/**
 * @module A swarm worker (child process): runs the seeds the coordinator sends, one at a time, and
 * sends each result back. Started by `harness/swarm/coordinator.ts`.
 */
import { runSwarmSeed, type SeedOptions } from './run-seed.ts';

interface Order {
  readonly configPath: string;
  readonly seed: number;
  readonly options: SeedOptions;
}

process.on('message', (order: Order | 'exit') => {
  if (order === 'exit') {
    process.disconnect();
    return;
  }
  void runSwarmSeed(order.configPath, order.seed, order.options).then((result) => process.send!(result));
});
