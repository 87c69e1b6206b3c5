/**
 * @module The engine interface: what a run needs from an execution engine, simulated or real.
 *
 * An engine supplies time (Clock), message delivery (Transport), the CPU model of each node and, for
 * the real engine, the processes that host servers and clients elsewhere. It knows nothing of
 * workloads, histories or metrics: the runner drives those, and the hosts (harness/host/) run the
 * protocol machines on whichever engine. Engines are listed in `harness/runner/engines.ts`.
 */
import type { ClusterInfo, NodeId, RandomSource } from '../../protocols/types.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import type { Clients } from '../host/clients.ts';
import type { ServerReport } from '../host/server-report.ts';
import type { Traffic } from '../host/traffic.ts';
import type { NetworkSpec } from '../network/model.ts';
import type { ProcessTraces } from '../trace/run-trace.ts';
import type { Clock, Transport } from './types.ts';

export type EngineRunOutcome = 'stopped' | 'idle' | 'time-limit';

export interface Engine {
  readonly kind: 'sim' | 'real';
  readonly clock: Clock;
  readonly transport: Transport;
  /**
   * Whether the servers run in this process. The simulator: true (the runner hosts them). The real
   * engine: false (server processes host them on the same resolved run and seed).
   */
  readonly hostsServers: boolean;
  /** Whether work is priced by the run's cost profile (the simulator's CPU model); else it is timed. */
  readonly chargesCpu: boolean;
  /** Now, in ns since the run started, including CPU already charged to the running task. */
  nowNs(): number;
  /**
   * Runs `task` as CPU work of `node`. Sim: after the node's earlier work (a node handles one thing at
   * a time); the CPU charged during `task` advances the node's busy time, and frames it sends leave
   * when the task's CPU time has elapsed. Real: runs `task` now. `task` is called as `task(a, b, c)`
   * (arguments rather than a closure: this is the per-message hot path).
   */
  exec<A, B, C>(node: NodeId, task: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C): void;
  /** Charges `ns` of simulated CPU to the task running on `node` (real engine: ignored). */
  charge(node: NodeId, ns: number): void;
  /** Extra one-way delay on every frame `node` sends (the `slow` fault). */
  setSendDelayNs(node: NodeId, delayNs: number): void;
  /** Crashes a server hosted elsewhere (real engine); in-process hosts drop a crashed node's frames themselves. */
  crash(node: NodeId): void;
  /**
   * Optional (the simulator): `step` runs before the next event, on a clock that stands still until
   * it settles; steps run one at a time in the order given. In-process work never calls it.
   */
  lockstep?(step: () => Promise<void>): void;
  /** Runs until `stop()`, nothing left to do ('idle'), or the clock passing `maxNs`. */
  run(maxNs: number): Promise<EngineRunOutcome>;
  stop(): void;
  close(): Promise<void>;
  /** What the servers hosted elsewhere reported (real engine), read after `close()`. */
  serverReport?(servers: readonly NodeId[]): ServerReport;
  /**
   * Optional: the random source of `node`'s env. The real engine returns a CSPRNG (keys and nonces
   * are secrets there); without it (the simulator) the runner uses the seeded `node:<id>` stream.
   */
  readonly nodeRandom?: (node: NodeId) => RandomSource;
  /**
   * Optional: a fresh random source for the protocol's setup (key material). The real engine draws
   * it from the run secret; without it (the simulator) the runner uses the seed's `setup` stream.
   */
  readonly setupRandom?: () => RandomSource;
  /** Optional: workload clients that run in other processes (real engine, `real.clientProcesses`). */
  readonly remoteClients?: Clients;
  /** Every message the remote clients sent, as their processes reported it (after `close()`). */
  remoteClientTraffic?(): Traffic;
  /** What the child processes recorded of a traced run (real engine, after `close()`). */
  remoteTrace?(): ProcessTraces;
}

export interface EngineContext {
  readonly run: ResolvedRun;
  readonly seed: number;
  readonly cluster: ClusterInfo;
  /** Every node of the run: servers (s1..sn), then workload clients, then hostile clients. */
  readonly nodes: readonly NodeId[];
  readonly network: NetworkSpec;
}

export type EngineFactory = (context: EngineContext) => Engine | Promise<Engine>;
