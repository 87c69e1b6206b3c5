/**
 * @module The protocol interface: servers and client operations as state machines without I/O.
 *
 * A protocol never touches a clock, a timer, a socket or a global random source. The harness hands
 * every node a {@link NodeEnv} (crypto, erasure codec, seeded randomness, a reject counter), feeds it
 * messages, and carries out the {@link Send}s it returns. The same code therefore runs in the
 * deterministic simulator and in server processes over TCP.
 *
 * Messages are plain data (objects, arrays, strings, finite numbers, booleans, null, Uint8Array) so
 * that one generic wire codec (`harness/wire/codec.ts`) can size and encode every protocol's
 * messages. Each message is a tagged union member with a string `type`.
 */
import type { z } from 'zod';
import type { CryptoProvider } from './common/crypto/types.ts';
import type { ErasureCodec } from './common/erasure/types.ts';

/** Servers are `s1..sn` (index i ↔ `s${i + 1}`); clients are named by the workload, e.g. `w1`, `r3`. */
export type NodeId = string;

/** Any protocol message: a tagged union member. */
export interface ProtocolMessage {
  readonly type: string;
}

/** One message to send. The harness adds the register key and the sender. */
export interface Send<M extends ProtocolMessage = ProtocolMessage> {
  readonly to: NodeId;
  readonly msg: M;
}

/** Deterministic in the simulator (derived from the run seed), a CSPRNG in the real engine. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

/** What the harness injects into every node. Crypto and codec calls are metered by the harness. */
export interface NodeEnv {
  readonly id: NodeId;
  readonly crypto: CryptoProvider;
  readonly codec: ErasureCodec;
  readonly random: RandomSource;
  /** Count a message rejected as malformed or hostile, by a short kebab-case reason. */
  reject(reason: string): void;
  /**
   * A server calls this before it works on a message it will send on its own initiative to `to` (not
   * a reply to the message it is handling, e.g. PoWerStore's FILTER_UPDATE): the CPU it spends from
   * then until the end of the current `handle` (or the next call) is attributed to `to`'s operation
   * instead of the one that triggered it. A hint for the metrics only; optional.
   */
  initiating?(to: NodeId): void;
}

/** The static shape of one cluster: who the servers, writers and readers are. */
export interface ClusterInfo {
  readonly n: number;
  readonly t: number;
  /** `servers[i]` is the server with index `i` (0-based); its id is `s${i + 1}`. */
  readonly servers: readonly NodeId[];
  readonly writers: readonly NodeId[];
  readonly readers: readonly NodeId[];
}

/** A server: `(state, from, message) → messages to send`, the state kept inside the object. */
export interface ServerMachine<M extends ProtocolMessage = ProtocolMessage> {
  handle(from: NodeId, msg: M): Send<M>[];
  /** Bytes this server holds for its register: value or fragment bytes plus metadata. */
  storedBytes(): number;
}

/** One step of a client operation after a message was folded in. */
export type OpStep<M extends ProtocolMessage = ProtocolMessage> =
  | { readonly status: 'pending'; readonly send: Send<M>[] }
  | { readonly status: 'done'; readonly send: Send<M>[]; readonly value?: Uint8Array };

/**
 * A client operation, round by round: `start` sends the first round; each reply is folded with
 * `onMessage`, which either keeps waiting (possibly sending the next round) or finishes.
 * A read finishes with `value` (the initial value is the empty byte string).
 */
export interface Operation<M extends ProtocolMessage = ProtocolMessage> {
  readonly kind: 'read' | 'write';
  start(): Send<M>[];
  onMessage(from: NodeId, msg: M): OpStep<M>;
  /** Rounds started so far (a round = one message to every server and a wait for a condition). */
  readonly rounds: number;
  /** Rounds beyond the protocol's normal worst case (PoWerStore's retention FILTER), else 0. */
  readonly retries: number;
}

/**
 * A client: persistent per-client state (a writer's timestamp, a reader's request id) and a
 * factory for operations. The harness runs at most one operation per client and key at a time.
 */
export interface ClientMachine<M extends ProtocolMessage = ProtocolMessage> {
  read(): Operation<M>;
  write(value: Uint8Array): Operation<M>;
}

/** Which faults a protocol tolerates with `n` servers and parameter `t`. */
export interface FaultTolerance {
  /** Servers that may crash (or be silent). */
  readonly crash: number;
  /** Servers that may be Byzantine (0 for crash-tolerant protocols). */
  readonly byzantine: number;
  /** Whether Byzantine readers are tolerated. */
  readonly byzantineReaders: boolean;
}

/**
 * A Byzantine strategy for one faulty server: wraps the honest machine (built for that server) and
 * returns the machine that the harness runs instead. Strategies that need protocol knowledge
 * (forge, corrupt, ...) live in the protocol's folder.
 */
export type ServerStrategy<M extends ProtocolMessage = ProtocolMessage> = (
  honest: ServerMachine<M>,
  ctx: StrategyContext<M>,
) => ServerMachine<M>;

export interface StrategyContext<M extends ProtocolMessage = ProtocolMessage> {
  readonly index: number;
  readonly cluster: ClusterInfo;
  readonly env: NodeEnv;
  /** Builds a fresh honest machine for this server in its initial state ("revert memory"). */
  readonly fresh: () => ServerMachine<M>;
  /** The fault's `options` from the config (strategy-specific), if any. */
  readonly options?: Readonly<Record<string, unknown>>;
  /**
   * The protocol's shared setup of the run (what `setup` returned). A strategy may use only what its
   * colluders hold (e.g. their MAC keys), never a correct server's or client's secret.
   */
  readonly setup: unknown;
  /**
   * Indices of every server that is Byzantine at some point of the run, this one included: the
   * colluders, whose knowledge this strategy may pool (docs/protocols.md#byzantine-strategies).
   * Known when the run starts.
   */
  readonly colluders: readonly number[];
}

/**
 * Everything the harness needs to know about one protocol. Registered in `protocols/registry.ts`, or
 * exported by a plugin module that a config names with `protocol.module` (harness/config/plugins.ts).
 */
export interface ProtocolDefinition<
  M extends ProtocolMessage = ProtocolMessage,
  Options = Record<string, unknown>,
  Setup = unknown,
> {
  readonly name: string;
  readonly description: string;
  /**
   * Deliberately unsafe (a strawman that violates atomicity by design, e.g. Appendix A's fast-write
   * register): never offered in paper experiments, suites or benchmarks that iterate the registry.
   * Absent for real protocols.
   */
  readonly unsafe?: true;
  /** Number of servers for parameter `t` (e.g. `2t + 1` for ABD, `3t + 1` for PoWerStore). */
  serverCount(t: number): number;
  /**
   * Fewest servers a config's `servers` may ask for with parameter `t`, when that is below
   * `serverCount(t)` (CAS: `2t + 1`). Absent: `serverCount(t)`.
   */
  minServerCount?(t: number): number;
  tolerance(t: number): FaultTolerance;
  /** Single-writer protocols refuse configs with more than one writer. */
  readonly multiWriter: boolean;
  /** Validates and defaults `protocol.options` from the config. */
  readonly optionsSchema: z.ZodType<Options>;
  /** Key material and other shared setup, drawn from the seeded random source. */
  setup(cluster: ClusterInfo, options: Options, random: RandomSource, crypto: CryptoProvider): Setup;
  /**
   * `register` names the register (workload key) the machine serves: the harness keeps one machine
   * per (node, register). A protocol whose authenticators must not be replayable across registers
   * binds it into them (bft-signed signs it); others may ignore it. Drivers that host one register
   * may omit it (then '').
   */
  createServer(index: number, cluster: ClusterInfo, options: Options, setup: Setup, env: NodeEnv, register?: string): ServerMachine<M>;
  createClient(id: NodeId, cluster: ClusterInfo, options: Options, setup: Setup, env: NodeEnv, register?: string): ClientMachine<M>;
  /** Strict validation of a decoded message from the wire; `undefined` = reject. */
  parseMessage(value: unknown): M | undefined;
  /** Protocol-specific Byzantine strategies (forge, corrupt, ...) by name. */
  readonly strategies: Readonly<Record<string, ServerStrategy<M>>>;
  /** Byzantine client behaviours (forged candidates, STORE from a non-writer, ...) by name. */
  readonly hostileClients?: Readonly<Record<string, HostileClientFactory<M>>>;
}

/**
 * A Byzantine client: the harness calls `tick` at the start and then every `everyMs` of its config
 * (and feeds it every reply), sending what it returns. It must never obtain a correct client's keys.
 */
export interface HostileClient<M extends ProtocolMessage = ProtocolMessage> {
  tick(): Send<M>[];
  handle(from: NodeId, msg: M): Send<M>[];
}

export type HostileClientFactory<M extends ProtocolMessage = ProtocolMessage> = (
  id: NodeId,
  cluster: ClusterInfo,
  env: NodeEnv,
) => HostileClient<M>;

/** Type-erased definition as stored in the registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProtocolDefinition = ProtocolDefinition<any, any, any>;

/** The messages of one round: the same message to every server. */
export function broadcast<M extends ProtocolMessage>(servers: readonly NodeId[], msg: M): Send<M>[] {
  return servers.map((to) => ({ to, msg }));
}
