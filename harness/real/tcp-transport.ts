/**
 * @module The TCP transport: the {@link Transport} of the real engine, between OS processes.
 *
 * Design (kept deliberately simple: no reconnects, no retries):
 * - Every process may listen on one address; a process dials a peer address the first time one of its
 *   nodes sends to a node at that address (the address book maps server ids to `host:port`). One TCP
 *   connection carries every link between the two processes, in both directions.
 * - Both ends open a connection with a hello frame naming the nodes they host. A data frame's `from`
 *   must be one of the nodes its connection announced (the closest a plain socket gets to the
 *   authenticated channels of protocols.md §1), and `to` must be a node attached here. Replies to nodes
 *   that have no address (clients) go back on the connection that announced them.
 * - FIFO per link: TCP keeps the order of one connection, and emulated delays never let a message
 *   overtake an earlier one on its link (its release time is at least the previous one's).
 * - Emulation: a sent message is due at `now + model delay`; by default it is written at once with
 *   its due time (µs on a clock shared by the processes) and the receiver holds it until then, so the real transfer and
 *   scheduling time count towards the emulated latency instead of adding to it (`holdAt: 'sender'`
 *   holds it at the sender instead). With no model it is written and delivered at once.
 * - Byte accounting counts `wireSize(frame)` per message at send time, exactly as the simulator does,
 *   so the engines agree on bytes (the framing overhead around it is not counted, in either engine).
 * - A malformed or oversized frame closes that connection and is counted by reason; a send to a peer
 *   that is gone, or to a node with no route, is dropped and counted (never a throw: peers crash).
 */
import net from 'node:net';
import type { NodeId } from '../../protocols/types.ts';
import type { Frame, Receiver, TrafficCounters, Transport } from '../transport/types.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeDataFrame,
  encodeHelloFrame,
  FrameError,
  FrameReader,
  type DecodedFrame,
  type FrameValidator,
} from './frame.ts';
import type { LinkModel } from './link-model.ts';
import { WallClock } from './wall-clock.ts';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface TcpTransportOptions {
  /** Checks node ids and messages of every incoming frame. */
  readonly validator: FrameValidator;
  /** Where nodes of other processes listen (servers); nodes not listed are reached via their hello. */
  readonly peers?: ReadonlyMap<NodeId, HostPort>;
  /** Listen for incoming connections here (port 0 = any free port); omit for a dial-only process. */
  readonly listen?: HostPort;
  /** Latency/bandwidth emulation; omit for none. */
  readonly linkModel?: LinkModel;
  /** Time base for emulated delays (default: a new {@link WallClock}). */
  readonly clock?: WallClock;
  /**
   * Where an emulated delay is applied. `receiver` (default): the sender computes the delivery time
   * and sends at once; the receiver holds the message until then (on the clock's shared timebase:
   * CLOCK_MONOTONIC on one host, or system clocks synchronized by NTP/PTP), which absorbs the
   * real transfer and scheduling time into the emulated latency. `sender`: the sender holds the
   * message and then writes it, so the real network's delay comes on top (no clock agreement needed).
   */
  readonly holdAt?: 'receiver' | 'sender';
  /** Largest accepted frame (length field), in bytes. @default DEFAULT_MAX_FRAME_BYTES */
  readonly maxFrameBytes?: number;
  /** Called once per connection closed for a protocol error (for logs); counting happens anyway. */
  readonly onPeerError?: (reason: string, message: string, remote: string) => void;
}

interface Connection {
  readonly socket: net.Socket;
  readonly reader: FrameReader;
  /** Nodes the remote process announced in its hellos. */
  readonly remoteNodes: Set<NodeId>;
  open: boolean;
  /** Local nodes announced to the remote process so far. */
  readonly announced: Set<NodeId>;
  /** Frames queued for this connection since the last flush (written together, see `queueWrite`). */
  pending: Buffer[];
}

interface LinkState {
  messages: number;
  bytes: number;
  /** Release time of the link's latest message (FIFO per link under emulated delays), ns. */
  lastReleaseNs: number;
}

/** Inbound connections accepted at once; clients share one connection per process. */
const MAX_INBOUND_CONNECTIONS = 1024;

/** Longer holds than this mean the sender's clock and ours disagree (no preset comes close). */
const MAX_HOLD_NS = 120e9;

function addressKey(address: HostPort): string {
  return `${address.host}:${address.port}`;
}

function bump(counts: Map<string, number>, reason: string): void {
  counts.set(reason, (counts.get(reason) ?? 0) + 1);
}

export class TcpTransport implements Transport {
  private readonly receivers = new Map<NodeId, Receiver>();
  private readonly localOrder: NodeId[] = [];
  private readonly dialed = new Map<string, Connection>();
  private readonly connections = new Set<Connection>();
  /** Nodes without an address, reachable over the connection that announced them. */
  private readonly routes = new Map<NodeId, Connection>();
  private readonly totalCounters: TrafficCounters = { messages: 0, bytes: 0 };
  /** Per link `from -> to`: traffic and the last release time (nested maps: no key string per message). */
  private readonly links = new Map<NodeId, Map<NodeId, LinkState>>();
  private readonly rejectedCounts = new Map<string, number>();
  private readonly droppedCounts = new Map<string, number>();
  private readonly clock: WallClock;
  private readonly ownsClock: boolean;
  private readonly maxFrameBytes: number;
  private server: net.Server | undefined;
  private closed = false;
  /** Connections with queued frames, and whether a flush is scheduled. */
  private readonly unflushed: Connection[] = [];
  private flushScheduled = false;

  private constructor(private readonly options: TcpTransportOptions) {
    this.ownsClock = options.clock === undefined;
    this.clock = options.clock ?? new WallClock();
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Create a transport; resolves once it listens (if `listen` is given). */
  static async create(options: TcpTransportOptions): Promise<TcpTransport> {
    const transport = new TcpTransport(options);
    if (options.listen !== undefined) await transport.startListening(options.listen);
    return transport;
  }

  /** The address this transport listens on (with the port actually bound). */
  address(): HostPort | undefined {
    const bound = this.server?.address();
    if (bound === null || bound === undefined || typeof bound === 'string') return undefined;
    return { host: bound.address, port: bound.port };
  }

  attach(node: NodeId, receive: Receiver): void {
    if (!this.receivers.has(node)) this.localOrder.push(node);
    this.receivers.set(node, receive);
    for (const connection of this.connections) this.announce(connection);
  }

  send(from: NodeId, to: NodeId, frame: Frame): void {
    // The simulator's own function (= wireSize(frame)): byte counts agree between engines by construction.
    const bytes = frameWireSize(frame);
    this.totalCounters.messages++;
    this.totalCounters.bytes += bytes;
    const link = this.linkState(from, to);
    link.messages++;
    link.bytes += bytes;
    if (this.closed) return this.drop('transport-closed');

    const model = this.options.linkModel;
    const local = this.receivers.has(to);
    if (model === undefined && !local) return this.release(from, to, frame, 0);
    const nowNs = this.clock.nowNs();
    const delayNs = model === undefined ? 0 : model.deliveryDelayNs(from, to, bytes, nowNs);
    // FIFO per link: never due before the previous message of this link.
    const dueNs = Math.max(nowNs + delayNs, link.lastReleaseNs);
    link.lastReleaseNs = dueNs;
    if (!local && this.options.holdAt !== 'sender') return this.release(from, to, frame, this.clock.toSharedUs(dueNs));
    this.clock.schedule(dueNs, () => this.release(from, to, frame, 0));
  }

  traffic(): { readonly total: TrafficCounters; readonly perLink: ReadonlyMap<string, TrafficCounters> } {
    const perLink = new Map<string, TrafficCounters>();
    for (const [from, links] of this.links) {
      for (const [to, link] of links) perLink.set(`${from}->${to}`, { messages: link.messages, bytes: link.bytes });
    }
    return { total: { ...this.totalCounters }, perLink };
  }

  private linkState(from: NodeId, to: NodeId): LinkState {
    let links = this.links.get(from);
    if (links === undefined) this.links.set(from, (links = new Map()));
    let link = links.get(to);
    if (link === undefined) links.set(to, (link = { messages: 0, bytes: 0, lastReleaseNs: 0 }));
    return link;
  }

  /** Frames from peers rejected as malformed or hostile, by reason (each closed its connection). */
  rejected(): Record<string, number> {
    return Object.fromEntries(this.rejectedCounts);
  }

  /** Messages sent here that could not be delivered (peer gone, no route), by reason. */
  dropped(): Record<string, number> {
    return Object.fromEntries(this.droppedCounts);
  }

  /** Open connections (for tests and diagnostics). */
  get connectionCount(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClock) this.clock.stop();
    for (const connection of this.connections) connection.socket.destroy();
    this.connections.clear();
    const server = this.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private drop(reason: string): void {
    bump(this.droppedCounts, reason);
  }

  /** Hands a frame to its receiver or its connection; `dueUs` > 0 asks the receiver to hold it until then. */
  private release(from: NodeId, to: NodeId, frame: Frame, dueUs: number): void {
    if (this.closed) return this.drop('transport-closed');
    const receive = this.receivers.get(to);
    if (receive !== undefined) return this.deliver(receive, from, frame);
    const connection = this.connectionTo(to);
    if (connection === undefined) return this.drop('no-route');
    if (!connection.open) return this.drop('peer-closed');
    if (!connection.announced.has(from)) this.announce(connection, from);
    this.queueWrite(connection, encodeDataFrame(from, to, frame.key, frame.msg, frame.tag, dueUs));
  }

  /**
   * Frames are written in batches: everything queued for a connection while this process handles the
   * I/O events of one event-loop turn goes out in one `writev` at the end of the turn (setImmediate
   * runs right after the poll phase). A system call per frame was the largest cost of a round trip
   * in the CPU profiles, and one connection carries the frames of every node of both processes, so
   * replies to several clients, or one client's round to several servers on one host, share a call.
   */
  private queueWrite(connection: Connection, bytes: Buffer): void {
    if (connection.pending.push(bytes) === 1) this.unflushed.push(connection);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const connection of this.unflushed) {
      const frames = connection.pending;
      connection.pending = [];
      if (!connection.open) continue;
      const socket = connection.socket;
      if (frames.length === 1) {
        socket.write(frames[0]!);
        continue;
      }
      socket.cork();
      for (const bytes of frames) socket.write(bytes);
      socket.uncork();
    }
    this.unflushed.length = 0;
  };

  private deliver(receive: Receiver, from: NodeId, frame: Frame): void {
    try {
      receive(from, frame);
    } catch (error) {
      // A throwing handler is a bug in our code, but one hostile message must not take a server
      // down for everyone: count it, report it, keep serving.
      bump(this.rejectedCounts, 'handler-error');
      process.stderr.write(`quorumbench: handler for a message from ${from} threw: ${(error as Error).stack ?? String(error)}\n`);
    }
  }

  private connectionTo(to: NodeId): Connection | undefined {
    const address = this.options.peers?.get(to);
    if (address === undefined) return this.routes.get(to);
    const key = addressKey(address);
    const existing = this.dialed.get(key);
    if (existing !== undefined) return existing;
    const socket = net.connect({ host: address.host, port: address.port });
    const connection = this.adopt(socket, key);
    this.dialed.set(key, connection);
    return connection;
  }

  private async startListening(address: HostPort): Promise<void> {
    const server = net.createServer((socket) => {
      if (this.closed) return void socket.destroy();
      this.adopt(socket, `${socket.remoteAddress}:${socket.remotePort}`);
    });
    // A limit on everything (TIGER_STYLE): each connection may buffer up to one maximum-size frame.
    server.maxConnections = MAX_INBOUND_CONNECTIONS;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private adopt(socket: net.Socket, remote: string): Connection {
    socket.setNoDelay(true);
    const connection: Connection = {
      socket,
      reader: new FrameReader(this.options.validator, this.maxFrameBytes),
      remoteNodes: new Set(),
      open: true,
      announced: new Set(),
      pending: [],
    };
    this.connections.add(connection);
    this.announce(connection);
    socket.on('data', (chunk: Buffer) => this.onData(connection, chunk, remote));
    // The peer hung up: a partly received frame was truncated (counted; nothing to deliver).
    const hangUp = (): void => {
      if (connection.open && !this.closed && connection.reader.pendingBytes > 0) {
        bump(this.rejectedCounts, 'truncated');
        this.options.onPeerError?.('truncated', `frame: connection closed with ${connection.reader.pendingBytes} bytes of an incomplete frame`, remote);
      }
      this.shut(connection);
    };
    socket.on('error', hangUp);
    socket.on('end', hangUp);
    socket.on('close', hangUp);
    return connection;
  }

  /** Sends a hello for the local nodes (and `extra`, a sender that was never attached) not yet announced. */
  private announce(connection: Connection, extra?: NodeId): void {
    if (!connection.open) return;
    const fresh = this.localOrder.filter((node) => !connection.announced.has(node));
    if (extra !== undefined && !connection.announced.has(extra) && !fresh.includes(extra)) fresh.push(extra);
    if (fresh.length === 0) return;
    for (const node of fresh) connection.announced.add(node);
    this.queueWrite(connection, encodeHelloFrame(fresh));
  }

  private shut(connection: Connection): void {
    if (!connection.open) return;
    connection.open = false;
    connection.socket.destroy();
    this.connections.delete(connection);
    for (const node of connection.remoteNodes) {
      if (this.routes.get(node) === connection) this.routes.delete(node);
    }
    // A dialed connection stays in `dialed` (closed), so later sends to that peer count as dropped.
  }

  private onData(connection: Connection, chunk: Buffer, remote: string): void {
    if (!connection.open) return;
    let frames: DecodedFrame[];
    try {
      frames = connection.reader.push(chunk);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      // Frames before the bad one in this chunk are lost with the connection; the peer broke the
      // protocol, so that is its loss.
      return this.refuse(connection, error.reason, error.message, remote);
    }
    for (const frame of frames) {
      if (!connection.open) return;
      if (frame.kind === 'hello') {
        for (const node of frame.nodes) {
          connection.remoteNodes.add(node);
          // The first open connection that announced a node keeps its route: a later connection
          // claiming the same node cannot divert its replies.
          const existing = this.routes.get(node);
          if (this.options.peers?.get(node) === undefined && (existing === undefined || !existing.open)) this.routes.set(node, connection);
        }
        continue;
      }
      if (!connection.remoteNodes.has(frame.from)) {
        return this.refuse(connection, 'unannounced-sender', `frame: sender ${frame.from} was not announced on this connection`, remote);
      }
      const receive = this.receivers.get(frame.to);
      if (receive === undefined) {
        return this.refuse(connection, 'not-local', `frame: destination ${frame.to} is not hosted here`, remote);
      }
      const delivered: Frame = { key: frame.key, msg: frame.msg, tag: frame.tag };
      if (frame.dueUs === 0) this.deliver(receive, frame.from, delivered);
      // Through the clock even when already due: an earlier frame of this link may still wait there,
      // and the clock runs equal or earlier due times first, in arrival order (FIFO per link).
      else {
        let dueNs = this.clock.fromSharedUs(frame.dueUs);
        const nowNs = this.clock.nowNs();
        if (Math.abs(dueNs - nowNs) > MAX_HOLD_NS) {
          // No emulated delay is this long, and no frame this late: the two processes' clocks
          // disagree (different hosts on the monotonic timebase, one process on the realtime and one
          // on the monotonic timebase, or unsynchronized system clocks). Deliver now and count it:
          // silently delivering such frames at once would shorten the emulated latency unnoticed.
          bump(this.droppedCounts, 'clock-mismatch');
          dueNs = this.clock.nowNs();
        }
        this.clock.schedule(dueNs, () => this.deliver(receive, frame.from, delivered));
      }
    }
  }

  private refuse(connection: Connection, reason: string, message: string, remote: string): void {
    bump(this.rejectedCounts, reason);
    this.options.onPeerError?.(reason, message, remote);
    this.shut(connection);
  }
}
