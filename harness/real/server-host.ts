/**
 * @module One server of a run, hosted on a transport: one protocol machine per register key, honest
 * or wrapped by its Byzantine strategy, fed every frame addressed to the server.
 *
 * Used by `quorumbench serve` (one per process); it knows nothing of sockets, only the Transport
 * interface, so it is also testable in one process.
 */
import { randomBytes } from 'node:crypto';
import type { CryptoProvider } from '../../protocols/common/crypto/types.ts';
import type { ErasureCodec } from '../../protocols/common/erasure/types.ts';
import type { NodeEnv, NodeId, ProtocolMessage, RandomSource, ServerMachine, ServerStrategy } from '../../protocols/types.ts';
import type { ResolvedRun } from '../config/index.ts';
import { createNodeEnv } from '../env/index.ts';
import { GENERIC_STRATEGIES } from '../faults/strategies.ts';
import type { Frame, Transport } from '../transport/types.ts';
import { protocolSetup } from './setup.ts';

/** The real engine's randomness: a CSPRNG (protocols/types.ts RandomSource). */
export const cryptoRandom: RandomSource = { bytes: (length) => new Uint8Array(randomBytes(length)) };

export interface ServerHostOptions {
  readonly run: ResolvedRun;
  readonly id: NodeId;
  readonly transport: Transport;
  readonly crypto: CryptoProvider;
  readonly codec: ErasureCodec;
  /** Called after each message is handled with the count so far (crash-after-N-messages faults). */
  readonly afterMessage?: (messagesHandled: number) => void;
}

function bump(counts: Map<string, number>, reason: string): void {
  counts.set(reason, (counts.get(reason) ?? 0) + 1);
}

export class ServerHost {
  readonly index: number;
  private readonly machines = new Map<string, ServerMachine>();
  private readonly rejects = new Map<string, number>();
  private readonly env: NodeEnv;
  private readonly setup: unknown;
  private readonly strategy: ServerStrategy | undefined;
  private readonly strategyOptions: Readonly<Record<string, unknown>> = {};
  private readonly validKeys: number;
  /** Messages handled so far (for the `afterMessages` crash trigger). */
  messagesHandled = 0;

  constructor(private readonly options: ServerHostOptions) {
    const { run, id } = options;
    this.index = run.cluster.servers.indexOf(id);
    if (this.index < 0) throw new RangeError(`server host: ${id} is not a server of the cluster (s1..s${run.n})`);
    this.validKeys = run.workload.keys;
    this.env = createNodeEnv({
      id,
      crypto: options.crypto,
      codec: options.codec,
      random: cryptoRandom,
      // Real CPU is measured by the wall clock, not charged from a cost profile.
      charge: () => {},
      reject: (reason) => bump(this.rejects, reason),
    });
    this.setup = protocolSetup(run, options.crypto);
    const fault = run.faults.find((f) => f.type === 'byzantine' && f.node === id);
    if (fault !== undefined && fault.type === 'byzantine') {
      const strategy = Object.hasOwn(GENERIC_STRATEGIES, fault.strategy) ? GENERIC_STRATEGIES[fault.strategy] : run.protocol.strategies[fault.strategy];
      if (strategy === undefined) throw new RangeError(`faults: unknown strategy ${fault.strategy} for ${run.protocol.name}`);
      this.strategy = strategy as ServerStrategy;
      this.strategyOptions = fault.options ?? {};
    }
    options.transport.attach(id, (from, frame) => this.handle(from, frame));
  }

  /** The Byzantine strategy this server runs, or 'honest'. */
  get behaviour(): string {
    const fault = this.options.run.faults.find((f) => f.type === 'byzantine' && f.node === this.options.id);
    return fault !== undefined && fault.type === 'byzantine' ? fault.strategy : 'honest';
  }

  /** Messages the protocol (or the key check) rejected, by reason. */
  rejected(): Record<string, number> {
    return Object.fromEntries(this.rejects);
  }

  /** Bytes stored over all keys. */
  storedBytes(): number {
    let total = 0;
    for (const machine of this.machines.values()) total += machine.storedBytes();
    return total;
  }

  private machineFor(key: string): ServerMachine | undefined {
    const existing = this.machines.get(key);
    if (existing !== undefined) return existing;
    // Registers are k0..k{keys-1}; a message for any other key is hostile (it would make the server
    // allocate a register per invented key).
    const match = /^k(\d{1,9})$/.exec(key);
    if (match === null || Number(match[1]) >= this.validKeys || String(Number(match[1])) !== match[1]) return undefined;
    const { run } = this.options;
    const fresh = (): ServerMachine => run.protocol.createServer(this.index, run.cluster, run.options, this.setup, this.env, key);
    const honest = fresh();
    const machine = this.strategy === undefined ? honest : this.strategy(honest, { index: this.index, cluster: run.cluster, env: this.env, fresh, options: this.strategyOptions, setup: this.setup, colluders: run.byzantineServers.map((id) => run.cluster.servers.indexOf(id)) });
    this.machines.set(key, machine);
    return machine;
  }

  private handle(from: NodeId, frame: Frame): void {
    this.messagesHandled++;
    const machine = this.machineFor(frame.key);
    if (machine === undefined) return bump(this.rejects, 'unknown-key');
    const sends = machine.handle(from, frame.msg as ProtocolMessage);
    for (const send of sends) this.options.transport.send(this.options.id, send.to, { key: frame.key, msg: send.msg });
    this.options.afterMessage?.(this.messagesHandled);
  }
}
