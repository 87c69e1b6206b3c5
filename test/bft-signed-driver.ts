/**
 * @module A tiny deterministic driver for `bft-signed` tests: nodes exchange messages through an
 * in-memory queue, with no clock. Delivery is FIFO overall by default, or a seeded random choice
 * among the heads of the per-link FIFO queues; messages to chosen nodes can be held and released.
 * It counts wire bytes (`wireSize` of each message), crypto calls and rejections per node, and keeps
 * a history in the checker's record format with logical times (delivery steps).
 */
import type { CryptoProvider } from '../protocols/common/crypto/types.ts';
import type { ErasureCodec } from '../protocols/common/erasure/types.ts';
import type { ClusterInfo, HostileClient, NodeEnv, NodeId, Operation, Send, ServerMachine, StrategyContext } from '../protocols/types.ts';
import type { HistoryRecord } from '../harness/history/types.ts';
import { wireSize } from '../harness/wire/codec.ts';
import { Rng } from '../harness/rng.ts';
import { GENERIC_STRATEGIES } from '../harness/faults/strategies.ts';
import { bftSigned, type BftSignedOptions, type BftSignedSetup } from '../protocols/bft-signed/index.ts';
import type { BftMessage } from '../protocols/bft-signed/messages.ts';
import type { BftSignedClient } from '../protocols/bft-signed/client.ts';

export interface CryptoCounts {
  sha256: number;
  sign: number;
  verify: number;
}

/** Counts every call per node, the way the harness meters crypto. */
function meteredCrypto(inner: CryptoProvider, counts: CryptoCounts): CryptoProvider {
  return {
    name: inner.name,
    sha256: (data) => (counts.sha256++, inner.sha256(data)),
    hmacSha256: (key, data) => inner.hmacSha256(key, data),
    ed25519KeyPair: (seed) => inner.ed25519KeyPair(seed),
    ed25519Sign: (secretKey, message) => (counts.sign++, inner.ed25519Sign(secretKey, message)),
    ed25519Verify: (publicKey, message, signature) => (counts.verify++, inner.ed25519Verify(publicKey, message, signature)),
  };
}

const NO_CODEC = new Proxy({} as ErasureCodec, {
  get() {
    throw new Error('bft-signed uses no erasure code');
  },
});

export interface DriverOptions {
  readonly t: number;
  readonly writers?: readonly NodeId[];
  readonly readers?: readonly NodeId[];
  readonly options?: Partial<BftSignedOptions>;
  /** Strategy name per faulty server index (0-based), looked up in the generic then protocol tables. */
  readonly byzantine?: Readonly<Record<number, string>>;
  readonly seed?: number;
  /** `fifo`: global send order; `random`: a seeded choice among per-link queue heads. */
  readonly schedule?: 'fifo' | 'random';
  /** The register every machine serves (bound into signatures); default ''. */
  readonly register?: string;
}

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: BftMessage;
  /** The operation this message belongs to (server replies inherit it), for per-op byte counts. */
  readonly tag: OpHandle | undefined;
}

export interface OpHandle {
  readonly client: NodeId;
  readonly kind: 'read' | 'write';
  readonly op: Operation<BftMessage>;
  readonly written: string | undefined;
  done: boolean;
  value: Uint8Array | undefined;
  messages: number;
  bytes: number;
  readonly callStep: number;
  returnStep: number | undefined;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export class BftDriver {
  readonly cluster: ClusterInfo;
  readonly setup: BftSignedSetup;
  readonly servers = new Map<NodeId, ServerMachine<BftMessage>>();
  readonly clients = new Map<NodeId, BftSignedClient>();
  readonly rejects = new Map<NodeId, Map<string, number>>();
  readonly cryptoCounts = new Map<NodeId, CryptoCounts>();
  readonly crashed = new Set<NodeId>();
  private readonly envs = new Map<NodeId, NodeEnv>();
  private readonly queue: Envelope[] = [];
  private readonly held: Envelope[] = [];
  private holdRule: ((envelope: Envelope) => boolean) | undefined;
  private readonly active = new Map<NodeId, OpHandle>();
  private readonly hostiles = new Map<NodeId, HostileClient<BftMessage>>();
  private readonly seed: number;
  private readonly handles: OpHandle[] = [];
  private readonly rng: Rng;
  private readonly schedule: 'fifo' | 'random';
  step = 0;
  totalMessages = 0;
  totalBytes = 0;

  constructor(
    readonly crypto: CryptoProvider,
    opts: DriverOptions,
  ) {
    const t = opts.t;
    const n = bftSigned.serverCount(t);
    const servers = Array.from({ length: n }, (_, i) => `s${i + 1}`);
    this.cluster = { n, t, servers, writers: opts.writers ?? ['w1'], readers: opts.readers ?? ['r1'] };
    const seed = opts.seed ?? 1;
    this.seed = seed;
    this.rng = new Rng(seed);
    this.schedule = opts.schedule ?? 'fifo';
    const options = bftSigned.optionsSchema.parse(opts.options ?? {});
    this.setup = bftSigned.setup(this.cluster, options, this.randomFor('setup', seed), crypto);
    servers.forEach((id, index) => {
      const env = this.envFor(id, seed);
      const honest = bftSigned.createServer(index, this.cluster, options, this.setup, env, opts.register);
      const strategyName = opts.byzantine?.[index];
      if (strategyName === undefined) {
        this.servers.set(id, honest);
        return;
      }
      const strategy = GENERIC_STRATEGIES[strategyName] ?? bftSigned.strategies[strategyName];
      if (strategy === undefined) throw new Error(`driver: unknown strategy ${strategyName}`);
      const ctx: StrategyContext<BftMessage> = {
        index,
        cluster: this.cluster,
        env,
        fresh: () => bftSigned.createServer(index, this.cluster, options, this.setup, env, opts.register),
        setup: this.setup,
        colluders: servers.flatMap((_, i) => (opts.byzantine?.[i] === undefined ? [] : [i])),
      };
      this.servers.set(id, strategy(honest as never, ctx as never) as unknown as ServerMachine<BftMessage>);
    });
    for (const id of [...this.cluster.writers, ...this.cluster.readers]) {
      const client = bftSigned.createClient(id, this.cluster, options, this.setup, this.envFor(id, seed), opts.register);
      this.clients.set(id, client as BftSignedClient);
    }
  }

  private randomFor(name: string, seed: number) {
    const rng = new Rng((seed * 31 + name.length * 7 + [...name].reduce((a, c) => a + c.charCodeAt(0), 0)) | 0);
    return { bytes: (length: number) => Uint8Array.from({ length }, () => rng.uint32() & 0xff) };
  }

  private envFor(id: NodeId, seed: number): NodeEnv {
    const counts: CryptoCounts = { sha256: 0, sign: 0, verify: 0 };
    const rejects = new Map<string, number>();
    this.cryptoCounts.set(id, counts);
    this.rejects.set(id, rejects);
    const env: NodeEnv = {
      id,
      crypto: meteredCrypto(this.crypto, counts),
      codec: NO_CODEC,
      random: this.randomFor(id, seed),
      reject: (reason) => rejects.set(reason, (rejects.get(reason) ?? 0) + 1),
    };
    this.envs.set(id, env);
    return env;
  }

  /** Rejections summed over `nodes` (all nodes by default), by reason. */
  rejected(reason: string, nodes?: readonly NodeId[]): number {
    let sum = 0;
    for (const [node, counts] of this.rejects) if (nodes === undefined || nodes.includes(node)) sum += counts.get(reason) ?? 0;
    return sum;
  }

  /** Messages matching `rule` are set aside when delivered, until `release()`. */
  hold(rule: ((envelope: Envelope) => boolean) | undefined): void {
    this.holdRule = rule;
  }

  release(): void {
    this.queue.push(...this.held.splice(0));
  }

  crash(server: NodeId): void {
    this.crashed.add(server);
  }

  /** Runs one tick of the named hostile client (created on first use), sending what it returns. */
  tickHostile(name: string, id: NodeId): void {
    let client = this.hostiles.get(id);
    if (client === undefined) {
      const factory = bftSigned.hostileClients?.[name];
      if (factory === undefined) throw new Error(`driver: unknown hostile client ${name}`);
      client = factory(id, this.cluster, this.envFor(id, this.seed));
      this.hostiles.set(id, client);
    }
    this.post(id, client.tick(), undefined);
  }

  /** Injects a message as if `from` had sent it (a hostile client or server). */
  inject(from: NodeId, to: NodeId, msg: BftMessage): void {
    this.post(from, [{ to, msg }], undefined);
  }

  private post(from: NodeId, sends: readonly Send<BftMessage>[], tag: OpHandle | undefined): void {
    for (const { to, msg } of sends) {
      const size = wireSize(msg);
      this.totalMessages++;
      this.totalBytes += size;
      if (tag !== undefined) {
        tag.messages++;
        tag.bytes += size;
      }
      this.queue.push({ from, to, msg, tag });
    }
  }

  start(client: NodeId, kind: 'read' | 'write', written?: string): OpHandle {
    if (this.active.has(client)) throw new Error(`driver: ${client} already has an operation in flight`);
    const machine = this.clients.get(client);
    if (machine === undefined) throw new Error(`driver: unknown client ${client}`);
    const op = kind === 'read' ? machine.read() : machine.write(utf8.encode(written ?? ''));
    // A step of its own, so that an operation started after another returned is strictly later.
    this.step++;
    const handle: OpHandle = {
      client,
      kind,
      op,
      written,
      done: false,
      value: undefined,
      messages: 0,
      bytes: 0,
      callStep: this.step,
      returnStep: undefined,
    };
    this.active.set(client, handle);
    this.handles.push(handle);
    this.post(client, op.start(), handle);
    return handle;
  }

  private pickIndex(): number {
    if (this.schedule === 'fifo') return 0;
    // Per-link FIFO: only the oldest message of each (from, to) link may go next.
    const heads: number[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < this.queue.length; i++) {
      const e = this.queue[i]!;
      const link = `${e.from}->${e.to}`;
      if (!seen.has(link)) {
        seen.add(link);
        heads.push(i);
      }
    }
    return heads[this.rng.uint32() % heads.length]!;
  }

  /** Delivers one message; false when nothing is left to deliver. */
  deliverOne(): boolean {
    if (this.queue.length === 0) return false;
    const [envelope] = this.queue.splice(this.pickIndex(), 1) as [Envelope];
    this.step++;
    if (this.holdRule?.(envelope)) {
      this.held.push(envelope);
      return true;
    }
    const server = this.servers.get(envelope.to);
    if (server !== undefined) {
      if (!this.crashed.has(envelope.to)) this.post(envelope.to, server.handle(envelope.from, envelope.msg), envelope.tag);
      return true;
    }
    const handle = this.active.get(envelope.to);
    if (handle === undefined) return true; // a late reply after the client's last operation
    const result = handle.op.onMessage(envelope.from, envelope.msg);
    this.post(envelope.to, result.send, handle);
    if (result.status === 'done') {
      handle.done = true;
      handle.value = result.value;
      handle.returnStep = this.step;
      this.active.delete(envelope.to);
    }
    return true;
  }

  /** Delivers until `until()` holds or the network is empty (bounded, to catch livelocks). */
  run(until: () => boolean = () => false, maxSteps = 1_000_000): void {
    for (let i = 0; i < maxSteps; i++) {
      if (until() || !this.deliverOne()) return;
    }
    throw new Error(`driver: no quiescence after ${maxSteps} steps`);
  }

  /** Runs one operation to completion, then drains the network so that late replies are counted. */
  runOp(client: NodeId, kind: 'read' | 'write', written?: string): OpHandle {
    const handle = this.start(client, kind, written);
    this.run(() => handle.done);
    if (!handle.done) throw new Error(`driver: ${kind} of ${client} did not complete`);
    this.run();
    return handle;
  }

  /** The history in the checker's record format; `call`/`return` are delivery steps. */
  history(key = 'k0'): HistoryRecord[] {
    return this.handles.map((h): HistoryRecord => {
      const value = h.kind === 'write' ? (h.written ?? null) : h.value === undefined || h.value.length === 0 ? null : utf8Decoder.decode(h.value);
      return {
        client: h.client,
        op: h.kind,
        key,
        value,
        call: h.callStep,
        return: h.returnStep ?? null,
        status: h.done ? 'ok' : 'pending',
        rounds: h.op.rounds,
      };
    });
  }
}

export function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : utf8Decoder.decode(bytes);
}
