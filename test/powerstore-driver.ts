/**
 * A tiny deterministic driver for protocol unit tests (no simulator): servers and clients from a
 * ProtocolDefinition, per-link FIFO queues, and a delivery order that is either seeded-random or
 * chosen by the test (hold a link's head until released, deliver a chosen link).
 */
import { GENERIC_STRATEGIES } from '../harness/faults/strategies.ts';
import { stream, type Rng } from '../harness/rng.ts';
import { createCryptoProvider } from '../protocols/common/crypto/index.ts';
import { createErasureCodec } from '../protocols/common/erasure/index.ts';
import type {
  AnyProtocolDefinition,
  ClientMachine,
  ClusterInfo,
  HostileClient,
  NodeEnv,
  NodeId,
  Operation,
  ProtocolMessage,
  ServerMachine,
  ServerStrategy,
} from '../protocols/types.ts';

export const crypto = createCryptoProvider('node');
export const codec = createErasureCodec('typescript');

export interface DriverOptions {
  readonly t: number;
  /** Server count (default `def.serverCount(t)`), as a config's `servers`. */
  readonly servers?: number;
  readonly writers?: number;
  readonly readers?: number;
  readonly options?: Record<string, unknown>;
  readonly seed?: number;
  /** Byzantine strategy name per server index. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly byzantine?: Readonly<Record<number, string | ServerStrategy<any>>>;
  /** Hostile clients: id → behaviour name. */
  readonly hostile?: Readonly<Record<NodeId, string>>;
}

export interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: ProtocolMessage;
}

export interface OpHandle {
  readonly client: NodeId;
  readonly operation: Operation;
  done: boolean;
  value: Uint8Array | undefined;
}

export class Driver {
  readonly cluster: ClusterInfo;
  readonly servers: ServerMachine[];
  readonly honestServers: ServerMachine[];
  readonly clients = new Map<NodeId, ClientMachine>();
  readonly hostiles = new Map<NodeId, HostileClient>();
  readonly rejects = new Map<string, number>();
  readonly delivered: Envelope[] = [];
  readonly setup: unknown;
  /** Per directed link "from>to": FIFO queue. */
  private readonly links = new Map<string, Envelope[]>();
  private readonly current = new Map<NodeId, OpHandle>();
  private readonly crashed = new Set<NodeId>();
  private readonly rng: Rng;
  /** A link whose head matches is blocked until the predicate changes (FIFO is kept). */
  hold: (env: Envelope) => boolean = () => false;
  /** Sends for which this returns false are lost (a client crashing mid-broadcast). */
  sendFilter: (env: Envelope) => boolean = () => true;
  readonly options: Record<string, unknown>;

  constructor(
    readonly def: AnyProtocolDefinition,
    opts: DriverOptions,
  ) {
    const t = opts.t;
    const n = opts.servers ?? def.serverCount(t);
    const servers = Array.from({ length: n }, (_, i) => `s${i + 1}`);
    const writers = Array.from({ length: opts.writers ?? 1 }, (_, i) => `w${i + 1}`);
    const readers = Array.from({ length: opts.readers ?? 2 }, (_, i) => `r${i + 1}`);
    this.cluster = { n, t, servers, writers, readers };
    const seed = opts.seed ?? 1;
    this.rng = stream(seed, 'driver');
    this.options = def.optionsSchema.parse(opts.options ?? {}) as Record<string, unknown>;
    const setupRng = stream(seed, 'setup');
    this.setup = def.setup(this.cluster, this.options, { bytes: (len) => setupRng.bytes(len) }, crypto);
    this.servers = [];
    this.honestServers = [];
    servers.forEach((id, index) => {
      const env = this.env(id, seed);
      const create = () => def.createServer(index, this.cluster, this.options, this.setup, env) as ServerMachine;
      const honest = create();
      this.honestServers.push(honest);
      const strategyName = opts.byzantine?.[index];
      if (strategyName === undefined) {
        this.servers.push(honest);
      } else {
        const strategy = typeof strategyName === 'function' ? strategyName : (def.strategies[strategyName] ?? GENERIC_STRATEGIES[strategyName]);
        if (strategy === undefined) throw new Error(`no strategy ${strategyName}`);
        const colluders = servers.flatMap((_, i) => (opts.byzantine?.[i] === undefined ? [] : [i]));
        this.servers.push(strategy(honest, { index, cluster: this.cluster, env, fresh: create, options: {}, setup: this.setup, colluders }));
      }
    });
    for (const id of [...writers, ...readers]) {
      this.clients.set(id, def.createClient(id, this.cluster, this.options, this.setup, this.env(id, seed)) as ClientMachine);
    }
    for (const [id, behaviour] of Object.entries(opts.hostile ?? {})) {
      const factory = def.hostileClients?.[behaviour];
      if (factory === undefined) throw new Error(`no hostile client ${behaviour}`);
      this.hostiles.set(id, factory(id, this.cluster, this.env(id, seed)) as HostileClient);
    }
  }

  private env(id: NodeId, seed: number): NodeEnv {
    const random = stream(seed, `node:${id}`);
    return {
      id,
      crypto,
      codec,
      random: { bytes: (len) => random.bytes(len) },
      reject: (reason) => this.rejects.set(reason, (this.rejects.get(reason) ?? 0) + 1),
    };
  }

  send(from: NodeId, to: NodeId, msg: ProtocolMessage): void {
    if (this.crashed.has(from)) return;
    const envelope = { from, to, msg };
    if (!this.sendFilter(envelope)) return;
    const key = `${from}>${to}`;
    let queue = this.links.get(key);
    if (queue === undefined) {
      queue = [];
      this.links.set(key, queue);
    }
    queue.push(envelope);
  }

  write(client: NodeId, value: Uint8Array): OpHandle {
    return this.start(client, this.clients.get(client)!.write(value));
  }

  read(client: NodeId): OpHandle {
    return this.start(client, this.clients.get(client)!.read());
  }

  private start(client: NodeId, operation: Operation): OpHandle {
    if (this.current.has(client)) throw new Error(`${client} already has an operation running`);
    const handle: OpHandle = { client, operation, done: false, value: undefined };
    this.current.set(client, handle);
    for (const s of operation.start()) this.send(client, s.to, s.msg);
    return handle;
  }

  /** Lets a hostile client act once. */
  tickHostile(id: NodeId): void {
    for (const s of this.hostiles.get(id)!.tick()) this.send(id, s.to, s.msg);
  }

  crash(node: NodeId): void {
    this.crashed.add(node);
    this.current.delete(node);
  }

  /** Links whose head may be delivered now. */
  deliverable(): string[] {
    const out: string[] = [];
    for (const [key, queue] of this.links) {
      const head = queue[0];
      if (head !== undefined && !this.hold(head)) out.push(key);
    }
    return out;
  }

  /** Every message sent and not yet delivered. */
  queued(): Envelope[] {
    return [...this.links.values()].flat();
  }

  pending(): number {
    let total = 0;
    for (const queue of this.links.values()) total += queue.length;
    return total;
  }

  deliverLink(key: string): void {
    const queue = this.links.get(key)!;
    const envelope = queue.shift()!;
    this.delivered.push(envelope);
    this.dispatch(envelope);
  }

  private dispatch({ from, to, msg }: Envelope): void {
    if (this.crashed.has(to)) return;
    const serverIndex = this.cluster.servers.indexOf(to);
    if (serverIndex >= 0) {
      // Messages from possibly faulty senders go through the protocol's strict parser, as in the runner.
      const parsed = this.def.parseMessage(msg);
      if (parsed === undefined) {
        this.rejects.set('malformed-message', (this.rejects.get('malformed-message') ?? 0) + 1);
        return;
      }
      for (const s of this.servers[serverIndex]!.handle(from, parsed)) this.send(to, s.to, s.msg);
      return;
    }
    const hostile = this.hostiles.get(to);
    if (hostile !== undefined) {
      for (const s of hostile.handle(from, msg)) this.send(to, s.to, s.msg);
      return;
    }
    const handle = this.current.get(to);
    if (handle === undefined) return;
    const parsed = this.def.parseMessage(msg);
    if (parsed === undefined) throw new Error(`unparseable message to ${to}: ${JSON.stringify(msg)}`);
    const step = handle.operation.onMessage(from, parsed);
    for (const s of step.send) this.send(to, s.to, s.msg);
    if (step.status === 'done') {
      handle.done = true;
      handle.value = step.value;
      this.current.delete(to);
    }
  }

  /** Delivers one random deliverable head; false when nothing can move. */
  step(): boolean {
    const keys = this.deliverable();
    if (keys.length === 0) return false;
    this.deliverLink(keys[this.rng.int(0, keys.length - 1)]!);
    return true;
  }

  /** Random delivery until `until()` holds or nothing can move; returns whether `until()` held. */
  run(until: () => boolean = () => false, maxSteps = 1_000_000): boolean {
    for (let i = 0; i < maxSteps; i++) {
      if (until()) return true;
      if (!this.step()) return until();
    }
    throw new Error('driver: step limit reached');
  }

  /** Runs until every op in `handles` is done; throws (with a clear message) if they block. */
  finish(...handles: OpHandle[]): void {
    const ok = this.run(() => handles.every((h) => h.done));
    if (!ok) throw new Error(`driver: operations blocked (${handles.filter((h) => !h.done).map((h) => h.client).join(', ')}), ${this.pending()} messages held`);
  }

  rejectCount(reason: string): number {
    return this.rejects.get(reason) ?? 0;
  }
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(value: Uint8Array | undefined): string {
  return value === undefined ? '<none>' : new TextDecoder().decode(value);
}
