/**
 * @module The engine interface: what the runner needs from an execution engine (simulated or real).
 *
 * The runner is engine-agnostic: it builds protocol machines, drives the workload and records the
 * history and metrics, while the engine supplies time (Clock), message delivery (Transport), CPU
 * accounting and, for the real engine, server processes. Engines are registered in
 * `harness/runner/engines.ts` (one line each).
 */
import type { ClusterInfo, NodeId } from '../../protocols/types.ts';
import type { Clock, Transport } from '../transport/types.ts';
import type { NetworkSpec } from '../network/model.ts';
import type { ResolvedRun } from '../config/resolve.ts';

export type EngineRunOutcome = 'stopped' | 'idle' | 'time-limit';

export interface Engine {
  readonly kind: 'sim' | 'real';
  readonly clock: Clock;
  readonly transport: Transport;
  /**
   * Whether the servers' state machines run in this process. The sim engine: true (the runner creates
   * and feeds them). The real engine: false (server processes run `serve` on the same resolved run
   * and seed; the runner then only drives clients and attaches only client nodes).
   */
  readonly hostsServers: boolean;
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
  /** Crashes a server the engine hosts elsewhere (real engine); the sim runner drops its frames itself. */
  crash(node: NodeId): void;
  /** Runs until `stop()`, nothing left to do ('idle'), or the clock passing `maxNs`. */
  run(maxNs: number): Promise<EngineRunOutcome>;
  stop(): void;
  close(): Promise<void>;
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
