/**
 * @module The engine interface: what the runner needs from an execution engine (simulated or real).
 *
 * The runner is engine-agnostic: it builds protocol machines, drives the workload and records the
 * history and metrics, while the engine supplies time (Clock), message delivery (Transport), CPU
 * accounting and, for the real engine, server processes. Engines are registered in
 * `harness/runner/engines.ts` (one line each).
 */
import type { ClusterInfo, NodeId, RandomSource } from '../../protocols/types.ts';
import type { Clock, Transport } from '../transport/types.ts';
import type { NetworkSpec } from '../network/model.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import type { OpKind } from '../results/schema.ts';

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
  /**
   * What happened on servers this process does not host (real engine), read after `close()`: bytes
   * stored per server (index i ↔ s(i+1)), messages they rejected by reason, and their own sends.
   */
  serverReport?(servers: readonly NodeId[]): ServerReport;
  /**
   * Optional: the random source of `node`'s env. The real engine returns a CSPRNG (keys and nonces
   * are secrets there); without it (the simulator) the runner uses the seeded `node:<id>` stream.
   */
  readonly nodeRandom?: (node: NodeId) => RandomSource;
  /**
   * Optional: workload clients that run in other processes (real engine, `real.clientProcesses`).
   * The runner keeps generating their operations and recording the history, but hands each
   * operation of such a client to {@link RemoteClients.invoke} instead of running its ClientMachine.
   */
  readonly remoteClients?: RemoteClients;
}

/** One operation for a remote client, as the runner generated it. */
export interface RemoteOpRequest {
  /** The operation's issue index (the history's order), echoed in the result. */
  readonly index: number;
  readonly kind: OpKind;
  readonly key: string;
  /** The written value's tag (the value is `makeValue(tag, valueBytes)`), null for reads. */
  readonly value: string | null;
  readonly valueBytes: number;
  /**
   * A mid-operation crash of the client (`crash` fault with `duringOp`): once round `afterRound`
   * completed, send the next round to the first `sendTo` servers only and stop, as the runner does.
   */
  readonly crash?: { readonly afterRound: number; readonly sendTo: number };
}

/** How a remote operation ended, with its times on this engine's clock (ns since the run started). */
export interface RemoteOpResult {
  readonly index: number;
  /** 'ok': it returned; 'crashed': the client crashed during it (the operation stays pending). */
  readonly status: 'ok' | 'crashed';
  /** When the client process invoked it, and when it returned (or crashed). */
  readonly callNs: number;
  readonly returnNs: number;
  readonly rounds: number;
  readonly retries: number;
  /** Reads: the tag of the value read (`valueTag`), null = the initial value. */
  readonly value: string | null;
  readonly messagesClientToServer: number;
  readonly bytesClientToServer: number;
  readonly messagesServerToClient: number;
  readonly bytesServerToClient: number;
}

export interface RemoteClients {
  /** Whether `client` runs in another process (the runner then never runs its ClientMachine). */
  has(client: NodeId): boolean;
  /**
   * Starts one operation there (one at a time per client); `done` runs on this process's event loop
   * exactly once when it ends, unless the client's process dies.
   */
  invoke(client: NodeId, request: RemoteOpRequest, done: (result: RemoteOpResult) => void): void;
  /** The client crashed (a fault): its process drops its operation in progress and reports it 'crashed'. */
  crash(client: NodeId): void;
}

export interface ServerReport {
  readonly storageBytesPerServer: number[];
  readonly rejected: Record<string, number>;
  readonly serverToClient: { readonly messages: number; readonly bytes: number };
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
