/**
 * @module The TCP transport: the {@link Transport} of the real engine, between OS processes.
 *
 * Design (kept deliberately simple: no reconnects, no retries):
 * - Every process may listen on one address; a process dials a peer address the first time one of its
 *   nodes sends to a node at that address (the address book maps server ids to `host:port`), or when
 *   asked to (`connect`). One TCP connection carries every link between the two processes, in both
 *   directions.
 * - Authenticated channels (docs/protocols.md#nodes-faults-and-channels; the exchange is in
 *   handshake.ts): every connection opens
 *   with a handshake in which each side proves that it holds the run's channel key, and then every node
 *   id it announces, with keys derived from the run secret. A data frame's `from` must be a node
 *   proven on its connection, and `to` a node attached here. Replies to nodes that have no address
 *   (clients) go back on the connection that proved them. A listener serves one run: a dialer of
 *   another run is refused (`other-run`); a listener started without a run id adopts the run of the
 *   first connection that authenticates. `channels: hmac` adds a MAC to every frame; `tls` runs
 *   every connection in TLS 1.2 with a pre-shared key derived from the secret.
 * - FIFO per link: TCP keeps the order of one connection, and emulated delays never let a message
 *   overtake an earlier one on its link (its release time is at least the previous one's).
 * - Emulation: a sent message is due at `now + model delay`; by default it is written at once with
 *   its due time (µs on a clock shared by the processes) and the receiver holds it until then, so the
 *   real transfer and scheduling time count towards the emulated latency instead of adding to it
 *   (`holdAt: 'sender'` holds it at the sender instead). With no model it is written and delivered at
 *   once.
 * - Writes are batched: the frames queued for a connection during one event-loop turn go out in one
 *   system call at its end (see `queueWrite`).
 * - Byte accounting counts `wireSize(frame)` per message at send time, exactly as the simulator does,
 *   so the engines agree on bytes (the framing and MAC around it are not counted, in either engine).
 * - A malformed, oversized or unauthenticated frame closes its connection (after a refuse frame that
 *   says why) and is counted by reason; a send to a peer that is gone, or to a node with no route, is
 *   dropped and counted (never a throw: peers crash).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { NodeId } from '../../protocols/types.ts';
import type { Frame, Receiver, TrafficCounters, Transport } from '../transport/types.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import {
  DEFAULT_MAX_FRAME_BYTES,
  decodeFrameBody,
  encodeAuthFrame,
  encodeDataFrame,
  encodeHelloFrame,
  encodeOpenFrame,
  encodeRefuseFrame,
  FrameError,
  FrameReader,
  NONCE_BYTES,
  type ChannelMode,
  type DecodedFrame,
  type FrameValidator,
} from './frame.ts';
import { authProof, FRAME_MAC_BYTES, FrameOpener, FrameSealer, helloProof, otherRole, proofMatches, type ConnectionIds, type Role } from './handshake.ts';
import type { LinkModel } from './link-model.ts';
import type { ChannelKeys } from './run-secret.ts';
import { WallClock } from './wall-clock.ts';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** How this process's connections authenticate (there is no unauthenticated mode). */
export interface TransportAuth {
  /** Keys derived from the run secret (run-secret.ts). */
  readonly keys: ChannelKeys;
  /** @default 'plain' */
  readonly channels?: ChannelMode;
  /**
   * The run this process takes part in. Undefined only for a listener (a hand-started server): it
   * then serves the run of the first connection that authenticates, and refuses every other run.
   */
  readonly runId: string | undefined;
  /** Called once when a listener without a run id adopts one. */
  readonly onRunBound?: (runId: string) => void;
  /** Inbound connections that have not authenticated within this time are refused, ms. @default 10000 */
  readonly handshakeTimeoutMs?: number;
}

export interface TcpTransportOptions {
  /** Checks node ids and messages of every incoming frame. */
  readonly validator: FrameValidator;
  readonly auth: TransportAuth;
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

/** A dialed peer refused the connection (its refuse frame), or the connection closed before it authenticated. */
export class PeerRefusedError extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
    readonly remote: string,
  ) {
    super(`${remote} refused the connection: ${reason}${detail === '' ? '' : `: ${detail}`}`);
    this.name = 'PeerRefusedError';
  }
}

interface Connection {
  readonly socket: net.Socket;
  readonly reader: FrameReader;
  readonly role: Role;
  /** `host:port` of the other end, for messages. */
  readonly remote: string;
  /** Node ids the other side proved on this connection. */
  readonly remoteNodes: Set<NodeId>;
  /** Local nodes announced (with proofs) to the other side so far. */
  readonly announced: Set<NodeId>;
  open: boolean;
  /** Frames queued for the next flush (see `queueWrite`). */
  pending: Buffer[];
  /** Frames to send once this side may (after its `auth`): data and hellos sent before that. */
  held: Buffer[];
  readonly nonce: Uint8Array;
  /** The run, both nonces: known once the other side's open came. */
  ids: ConnectionIds | undefined;
  /** This side has sent its `auth`: hellos and data may follow. */
  authSent: boolean;
  /** The other side's `auth` verified. */
  peerAuthenticated: boolean;
  sealer: FrameSealer | undefined;
  opener: FrameOpener | undefined;
  handshakeTimer: NodeJS.Timeout | undefined;
  /** `connect` calls waiting for the other side to authenticate. */
  readonly waiters: { resolve: () => void; reject: (error: Error) => void }[];
  /** Why the connection closed (for `connect` calls that come later). */
  closedBecause: PeerRefusedError | undefined;
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

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** TLS with a pre-shared key: 1.2 (Node offers no PSK in 1.3), AES-GCM. */
const TLS_PSK_CIPHERS = 'PSK-AES128-GCM-SHA256';
const TLS_PSK_IDENTITY = 'quorumbench';

/** The read buffer of a dialed plain-TCP connection (libuv's own read size). */
const READ_BUFFER_BYTES = 64 * 1024;

function addressKey(address: HostPort): string {
  return `${address.host}:${address.port}`;
}

function bump(counts: Map<string, number>, reason: string): void {
  counts.set(reason, (counts.get(reason) ?? 0) + 1);
}

export class TcpTransport implements Transport {
  private readonly receivers = new Map<NodeId, Receiver>();
  private readonly localOrder: NodeId[] = [];
  /** Nodes that sent from here without being attached (hostile clients): announced like attached ones. */
  private readonly unattachedSenders: NodeId[] = [];
  private readonly dialed = new Map<string, Connection>();
  /** `dialed` by the peer node it was looked up for (connectionTo). */
  private readonly dialedByNode = new Map<NodeId, Connection>();
  private readonly connections = new Set<Connection>();
  /** Nodes without an address, reachable over the connection that proved them. */
  private readonly routes = new Map<NodeId, Connection>();
  private readonly totalCounters: TrafficCounters = { messages: 0, bytes: 0 };
  /** Per link `from -> to`: traffic and the last release time (nested maps: no key string per message). */
  private readonly links = new Map<NodeId, Map<NodeId, LinkState>>();
  private readonly rejectedCounts = new Map<string, number>();
  private readonly droppedCounts = new Map<string, number>();
  private readonly clock: WallClock;
  private readonly ownsClock: boolean;
  private readonly maxFrameBytes: number;
  private readonly channels: ChannelMode;
  /** Bytes of MAC after each hello and data frame (hmac channels). */
  private readonly macBytes: number;
  private runId: string | undefined;
  private server: net.Server | undefined;
  private closed = false;
  /** Connections with queued frames, and whether a flush is scheduled. */
  private readonly unflushed: Connection[] = [];
  private flushScheduled = false;

  private constructor(private readonly options: TcpTransportOptions) {
    this.ownsClock = options.clock === undefined;
    this.clock = options.clock ?? new WallClock();
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.channels = options.auth.channels ?? 'plain';
    this.macBytes = this.channels === 'hmac' ? FRAME_MAC_BYTES : 0;
    this.runId = options.auth.runId;
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

  /** The run this transport serves (undefined: a listener that no run has reached yet). */
  get servedRunId(): string | undefined {
    return this.runId;
  }

  attach(node: NodeId, receive: Receiver): void {
    if (!this.receivers.has(node)) this.localOrder.push(node);
    this.receivers.set(node, receive);
    for (const connection of this.connections) this.announce(connection);
  }

  /**
   * Dials the process hosting `node` (if not yet connected) and resolves once it has authenticated;
   * rejects with a {@link PeerRefusedError} when it refuses or the connection closes before that.
   */
  connect(node: NodeId): Promise<void> {
    const connection = this.connectionTo(node);
    if (connection === undefined) return Promise.reject(new PeerRefusedError('no-route', `no address for ${node}`, node));
    if (connection.peerAuthenticated) return Promise.resolve();
    if (!connection.open) return Promise.reject(connection.closedBecause ?? new PeerRefusedError('peer-closed', '', connection.remote));
    return new Promise((resolve, reject) => connection.waiters.push({ resolve, reject }));
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

  /** Connections refused for malformed, hostile or unauthenticated frames, by reason (each was closed). */
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
    for (const connection of [...this.connections]) this.shut(connection, new PeerRefusedError('transport-closed', '', connection.remote));
    this.connections.clear();
    const server = this.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private linkState(from: NodeId, to: NodeId): LinkState {
    let links = this.links.get(from);
    if (links === undefined) this.links.set(from, (links = new Map()));
    let link = links.get(to);
    if (link === undefined) links.set(to, (link = { messages: 0, bytes: 0, lastReleaseNs: 0 }));
    return link;
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
    if (!connection.announced.has(from)) {
      if (!this.receivers.has(from) && !this.unattachedSenders.includes(from)) this.unattachedSenders.push(from);
      this.announce(connection);
    }
    this.sendFrame(connection, encodeDataFrame(from, to, frame.key, frame.msg, frame.tag, dueUs, this.macBytes));
  }

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
    // Per message: the dialed connection by node, without building the address key each time
    // (an entry of `dialed` never changes once made, so neither does this one).
    const known = this.dialedByNode.get(to);
    if (known !== undefined) return known;
    const address = this.options.peers?.get(to);
    if (address === undefined) return this.routes.get(to);
    const key = addressKey(address);
    let connection = this.dialed.get(key);
    if (connection === undefined) {
      // A listener that no run has reached yet has no run to dial for.
      if (this.runId === undefined) return undefined;
      connection = this.dial(address, this.runId);
      this.dialed.set(key, connection);
    }
    this.dialedByNode.set(to, connection);
    return connection;
  }

  private dial(address: HostPort, runId: string): Connection {
    const remote = addressKey(address);
    const psk = this.options.auth.keys.tlsPsk;
    const socket =
      this.channels === 'tls'
        ? tls.connect({
            host: address.host,
            port: address.port,
            ciphers: TLS_PSK_CIPHERS,
            minVersion: 'TLSv1.2',
            maxVersion: 'TLSv1.2',
            pskCallback: () => ({ psk, identity: TLS_PSK_IDENTITY }),
            // The pre-shared key authenticates the server; it has no certificate to check.
            checkServerIdentity: () => undefined,
          })
        : net.connect({
            host: address.host,
            port: address.port,
            // Plain TCP: the socket reads into this buffer and hands the bytes straight to the
            // frame reader (a copy, since the buffer is reused), without a readable stream's
            // push, 'data' event and read-more tick per chunk.
            onread: {
              buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
              callback: (length: number, buffer: Uint8Array): boolean => {
                const chunk = Buffer.allocUnsafe(length);
                chunk.set(buffer.subarray(0, length));
                this.onData(connection, chunk);
                return true;
              },
            },
          });
    const connection = this.adopt(socket, 'dialer', remote);
    this.queueWrite(connection, encodeOpenFrame(runId, connection.nonce, this.channels));
    return connection;
  }

  private async startListening(address: HostPort): Promise<void> {
    const accept = (socket: net.Socket): void => {
      if (this.closed) return void socket.destroy();
      const connection = this.adopt(socket, 'acceptor', `${socket.remoteAddress}:${socket.remotePort}`);
      const timeoutMs = this.options.auth.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
      connection.handshakeTimer = setTimeout(() => this.refuse(connection, 'handshake-timeout', `no authentication within ${timeoutMs} ms`), timeoutMs);
      connection.handshakeTimer.unref();
    };
    let server: net.Server;
    if (this.channels === 'tls') {
      const psk = this.options.auth.keys.tlsPsk;
      const tlsServer = tls.createServer(
        {
          ciphers: TLS_PSK_CIPHERS,
          minVersion: 'TLSv1.2',
          maxVersion: 'TLSv1.2',
          pskCallback: (_socket, identity) => (identity === TLS_PSK_IDENTITY ? psk : null),
        },
        accept,
      );
      // A client without the run's key fails the TLS handshake: counted like any refused connection.
      tlsServer.on('tlsClientError', (error, socket) => {
        bump(this.rejectedCounts, 'tls-handshake-failed');
        this.options.onPeerError?.('tls-handshake-failed', `TLS: ${error.message}`, `${socket.remoteAddress}:${socket.remotePort}`);
      });
      server = tlsServer;
    } else {
      server = net.createServer(accept);
    }
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

  private adopt(socket: net.Socket, role: Role, remote: string): Connection {
    socket.setNoDelay(true);
    const connection: Connection = {
      socket,
      reader: new FrameReader(this.maxFrameBytes),
      role,
      remote,
      remoteNodes: new Set(),
      announced: new Set(),
      open: true,
      pending: [],
      held: [],
      nonce: new Uint8Array(randomBytes(NONCE_BYTES)),
      ids: undefined,
      authSent: false,
      peerAuthenticated: false,
      sealer: undefined,
      opener: undefined,
      handshakeTimer: undefined,
      waiters: [],
      closedBecause: undefined,
    };
    this.connections.add(connection);
    socket.on('data', (chunk: Buffer) => this.onData(connection, chunk));
    // The peer hung up: a partly received frame was truncated (counted; nothing to deliver).
    const hangUp = (): void => {
      if (connection.open && !this.closed && connection.reader.pendingBytes > 0) {
        bump(this.rejectedCounts, 'truncated');
        this.options.onPeerError?.('truncated', `frame: connection closed with ${connection.reader.pendingBytes} bytes of an incomplete frame`, remote);
      }
      this.shut(connection, new PeerRefusedError('peer-closed', 'the connection closed before it authenticated', remote));
    };
    socket.on('error', hangUp);
    socket.on('end', hangUp);
    socket.on('close', hangUp);
    return connection;
  }

  /** A hello frame (or data) once this side may send it; held until its `auth` went out. */
  private sendFrame(connection: Connection, frame: Buffer): void {
    if (!connection.authSent) {
      connection.held.push(frame);
      return;
    }
    connection.sealer?.seal(frame);
    this.queueWrite(connection, frame);
  }

  /** Sends a hello for the local nodes (and senders never attached) not yet announced, once this side may. */
  private announce(connection: Connection): void {
    if (!connection.open || connection.ids === undefined) return;
    const fresh = [...this.localOrder, ...this.unattachedSenders].filter((node) => !connection.announced.has(node));
    const proofs: Uint8Array[] = [];
    const nodes: NodeId[] = [];
    for (const node of fresh) {
      const key = this.options.auth.keys.node(node);
      // A node this process cannot prove is not announced; the other side refuses its frames.
      if (key === undefined) continue;
      connection.announced.add(node);
      nodes.push(node);
      proofs.push(helloProof(key, connection.role, connection.ids, node));
    }
    if (nodes.length === 0) return;
    this.sendFrame(connection, encodeHelloFrame(nodes, proofs, this.macBytes));
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
    for (const connection of this.unflushed) this.flushConnection(connection);
    this.unflushed.length = 0;
  };

  private flushConnection(connection: Connection): void {
    const frames = connection.pending;
    if (frames.length === 0) return;
    connection.pending = [];
    if (!connection.open) return;
    const socket = connection.socket;
    if (frames.length === 1) {
      socket.write(frames[0]!);
      return;
    }
    socket.cork();
    for (const bytes of frames) socket.write(bytes);
    socket.uncork();
  }

  /** Closes `connection` at once; pending `connect` calls fail with `reason`. */
  private shut(connection: Connection, reason: PeerRefusedError): void {
    if (!connection.open) return;
    connection.open = false;
    connection.closedBecause = reason;
    if (connection.handshakeTimer !== undefined) clearTimeout(connection.handshakeTimer);
    connection.socket.destroy();
    this.connections.delete(connection);
    for (const node of connection.remoteNodes) {
      if (this.routes.get(node) === connection) this.routes.delete(node);
    }
    for (const waiter of connection.waiters.splice(0)) waiter.reject(reason);
    // A dialed connection stays in `dialed` (closed), so later sends to that peer count as dropped.
  }

  private onData(connection: Connection, chunk: Buffer): void {
    if (!connection.open) return;
    connection.reader.push(chunk);
    for (;;) {
      if (!connection.open) return;
      let frame: DecodedFrame;
      try {
        const body = connection.reader.next();
        if (body === undefined) return;
        const opener = connection.opener;
        if (opener !== undefined && !opener.open(body)) throw new FrameError('bad-mac', 'frame: MAC does not verify (altered, replayed or reordered)');
        frame = decodeFrameBody(body, this.options.validator, opener === undefined ? 0 : FRAME_MAC_BYTES);
      } catch (error) {
        if (!(error instanceof FrameError)) throw error;
        // Frames before the bad one in this chunk were handled; the peer broke the protocol, so the
        // rest is its loss.
        return this.refuse(connection, error.reason, error.message);
      }
      this.handle(connection, frame);
    }
  }

  private handle(connection: Connection, frame: DecodedFrame): void {
    switch (frame.kind) {
      case 'open':
        return this.onOpen(connection, frame);
      case 'auth':
        return this.onAuth(connection, frame.proof);
      case 'hello':
        return this.onHello(connection, frame.nodes, frame.proofs);
      case 'refuse':
        return this.onRefused(connection, frame.reason, frame.detail);
      case 'data':
        return this.onDataFrame(connection, frame);
    }
  }

  private onOpen(connection: Connection, frame: Extract<DecodedFrame, { kind: 'open' }>): void {
    if (connection.ids !== undefined) return this.refuse(connection, 'handshake-order', 'frame: a second open');
    if (frame.channels !== this.channels) {
      return this.refuse(connection, 'channels-mismatch', `frame: the peer uses real.channels ${frame.channels}, this process ${this.channels}`);
    }
    if (connection.role === 'acceptor') {
      if (this.runId !== undefined && frame.runId !== this.runId) {
        return this.refuse(connection, 'other-run', `this server serves run ${this.runId}, not run ${frame.runId}`);
      }
      connection.ids = { runId: frame.runId, dialerNonce: frame.nonce, acceptorNonce: connection.nonce };
      this.queueWrite(connection, encodeOpenFrame(frame.runId, connection.nonce, this.channels));
    } else {
      // The acceptor answers with our own run id or refuses; anything else is a broken peer.
      if (frame.runId !== this.runId) return this.refuse(connection, 'other-run', `the peer answered for run ${frame.runId}`);
      connection.ids = { runId: frame.runId, dialerNonce: connection.nonce, acceptorNonce: frame.nonce };
    }
    this.sendAuth(connection);
  }

  /** This side's `auth`, then its hellos and whatever it held back. */
  private sendAuth(connection: Connection): void {
    const ids = connection.ids!;
    const keys = this.options.auth.keys;
    this.queueWrite(connection, encodeAuthFrame(authProof(keys.channel, connection.role, ids)));
    connection.authSent = true;
    if (this.channels === 'hmac') connection.sealer = new FrameSealer(keys.channel, connection.role, ids);
    const held = connection.held;
    connection.held = [];
    this.announce(connection);
    for (const frame of held) this.sendFrame(connection, frame);
  }

  private onAuth(connection: Connection, proof: Uint8Array): void {
    const ids = connection.ids;
    if (ids === undefined || connection.peerAuthenticated) return this.refuse(connection, 'handshake-order', 'frame: auth before open, or twice');
    const peer = otherRole(connection.role);
    const keys = this.options.auth.keys;
    if (!proofMatches(proof, authProof(keys.channel, peer, ids))) {
      return this.refuse(connection, 'bad-auth-proof', 'frame: the peer does not hold the run secret');
    }
    if (connection.role === 'acceptor') {
      // Another connection may have bound this server to another run while this one authenticated.
      if (this.runId !== undefined && this.runId !== ids.runId) {
        return this.refuse(connection, 'other-run', `this server serves run ${this.runId}, not run ${ids.runId}`);
      }
      if (this.runId === undefined) {
        this.runId = ids.runId;
        this.options.auth.onRunBound?.(ids.runId);
      }
    }
    connection.peerAuthenticated = true;
    if (this.channels === 'hmac') connection.opener = new FrameOpener(keys.channel, peer, ids);
    if (connection.handshakeTimer !== undefined) clearTimeout(connection.handshakeTimer);
    connection.handshakeTimer = undefined;
    for (const waiter of connection.waiters.splice(0)) waiter.resolve();
  }

  private onHello(connection: Connection, nodes: readonly NodeId[], proofs: readonly Uint8Array[]): void {
    if (!connection.peerAuthenticated) return this.refuse(connection, 'unauthenticated', 'frame: hello before auth');
    const peer = otherRole(connection.role);
    for (const [i, node] of nodes.entries()) {
      const key = this.options.auth.keys.node(node);
      if (key === undefined || !proofMatches(proofs[i]!, helloProof(key, peer, connection.ids!, node))) {
        return this.refuse(connection, 'bad-hello-proof', `frame: no valid proof for node ${node}`);
      }
    }
    for (const node of nodes) {
      connection.remoteNodes.add(node);
      // The first open connection that proved a node keeps its route: a later connection proving
      // the same node cannot divert its replies.
      const existing = this.routes.get(node);
      if (this.options.peers?.get(node) === undefined && (existing === undefined || !existing.open)) this.routes.set(node, connection);
    }
  }

  private onDataFrame(connection: Connection, frame: Extract<DecodedFrame, { kind: 'data' }>): void {
    if (!connection.peerAuthenticated) return this.refuse(connection, 'unauthenticated', 'frame: data before auth');
    if (!connection.remoteNodes.has(frame.from)) {
      return this.refuse(connection, 'unannounced-sender', `frame: sender ${frame.from} was not proven on this connection`);
    }
    const receive = this.receivers.get(frame.to);
    if (receive === undefined) return this.refuse(connection, 'not-local', `frame: destination ${frame.to} is not hosted here`);
    const delivered: Frame = { key: frame.key, msg: frame.msg, tag: frame.tag };
    if (frame.dueUs === 0) return this.deliver(receive, frame.from, delivered);
    // Through the clock even when already due: an earlier frame of this link may still wait there,
    // and the clock runs equal or earlier due times first, in arrival order (FIFO per link).
    let dueNs = this.clock.fromSharedUs(frame.dueUs);
    const nowNs = this.clock.nowNs();
    if (Math.abs(dueNs - nowNs) > MAX_HOLD_NS) {
      // No emulated delay is this long, and no frame this late: the two processes' clocks
      // disagree (different hosts on the monotonic timebase, one process on the realtime and one
      // on the monotonic timebase, or unsynchronized system clocks). Deliver now and count it:
      // silently delivering such frames at once would shorten the emulated latency unnoticed.
      bump(this.droppedCounts, 'clock-mismatch');
      dueNs = nowNs;
    }
    this.clock.schedule(dueNs, () => this.deliver(receive, frame.from, delivered));
  }

  /** The other side closes this connection and says why: to `connect` callers if any, else to the log. */
  private onRefused(connection: Connection, reason: string, detail: string): void {
    if (connection.waiters.length === 0) this.options.onPeerError?.('refused-by-peer', `${reason}: ${detail}`, connection.remote);
    this.shut(connection, new PeerRefusedError(reason, detail, connection.remote));
  }

  /** Counts `reason`, tells the other side why (a refuse frame), and closes the connection. */
  private refuse(connection: Connection, reason: string, message: string): void {
    if (!connection.open) return;
    bump(this.rejectedCounts, reason);
    this.options.onPeerError?.(reason, message, connection.remote);
    const refusal = encodeRefuseFrame(reason, message, connection.authSent ? this.macBytes : 0);
    if (connection.authSent) connection.sealer?.seal(refusal);
    // What was queued goes first, then the refusal; the socket closes once both are written.
    const frames = [...connection.pending, refusal];
    connection.pending = [];
    const socket = connection.socket;
    connection.open = false;
    connection.closedBecause = new PeerRefusedError(reason, message, connection.remote);
    if (connection.handshakeTimer !== undefined) clearTimeout(connection.handshakeTimer);
    this.connections.delete(connection);
    for (const node of connection.remoteNodes) {
      if (this.routes.get(node) === connection) this.routes.delete(node);
    }
    for (const waiter of connection.waiters.splice(0)) waiter.reject(connection.closedBecause);
    socket.end(Buffer.concat(frames));
    // A peer that never reads must not keep the socket open.
    setTimeout(() => socket.destroy(), 1_000).unref();
  }
}
