/**
 * @module The trace recorder: the {@link MessageTracer} the hosts of one process call when `trace` is
 * on. It keeps the events that fall in the configured window and nodes, up to `maxEvents`; past the
 * bound it only counts, and remembers when the bound was reached, so that a long run says what it
 * left out instead of filling the disk.
 *
 * Matching a send with its arrival: the sender numbers the messages of each link (`seq`). When one
 * process hosts every node (the simulator), the receiver gets the very frame object that was sent, so
 * the number is looked up by identity (kept while the frame is in flight), which stays right when the
 * fault schedule reorders a link. A frame that crossed processes (the real engine) is a new object:
 * the receiver numbers the arrivals of each link itself, which gives the same numbers because the TCP
 * transport keeps every link FIFO and the real engine runs no schedule. Both counters run whether or
 * not an event is recorded, so numbers agree across processes whatever their bounds.
 */
import type { NodeId } from '../../protocols/types.ts';
import { tagIndex } from '../host/attribution.ts';
import type { OpRequest, OpResult } from '../host/clients.ts';
import type { MessageTracer, SenderMark } from '../host/tracer.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import type { Frame } from '../transport/types.ts';
import { NS_PER_MS } from '../units.ts';
import type { ArrivalKind, TraceBounds, TraceEvent } from './events.ts';

/** What a recorder has at the end of a run (or what a process hands back). */
export interface RecordedEvents {
  readonly events: TraceEvent[];
  readonly notRecorded: number;
  readonly boundReachedAtMs: number | null;
}

export class TraceRecorder implements MessageTracer {
  /** Recorded events, in the order they happened (a process sink drains them as it goes). */
  events: TraceEvent[] = [];
  private recorded = 0;
  private notRecordedCount = 0;
  private boundReachedAt: number | null = null;
  private readonly nodes: ReadonlySet<NodeId> | null;
  private readonly toMs: number;
  /** Messages sent, and frames from other processes that arrived, per link: from → to → count. */
  private readonly sentOnLink = new Map<NodeId, Map<NodeId, number>>();
  private readonly arrivedOnLink = new Map<NodeId, Map<NodeId, number>>();
  /** Frames in flight and their numbers (null: frames arrive as new objects, see the module comment). */
  private readonly inFlight: Map<Frame, number> | null;

  constructor(
    private readonly bounds: TraceBounds,
    /** Now, ns since the run started, on the run's clock. */
    private readonly nowNs: () => number,
    /** Whether this process hosts every node, so that a frame arrives as the object that was sent. */
    hostsEveryNode: boolean,
  ) {
    this.nodes = bounds.nodes === null ? null : new Set(bounds.nodes);
    this.toMs = bounds.toMs ?? Infinity;
    this.inFlight = hostsEveryNode ? new Map() : null;
  }

  send(from: NodeId, to: NodeId, frame: Frame, bytes: number, sender: SenderMark | null): void {
    const seq = count(this.sentOnLink, from, to);
    this.inFlight?.set(frame, seq);
    const t = this.admit(from, to);
    if (t === null) return;
    const tag = frame.tag;
    // One object shape for every send (absent fields are undefined, which JSON leaves out).
    this.push({
      t,
      ev: 'send',
      from,
      to,
      seq,
      type: frame.msg.type,
      bytes,
      key: frame.key,
      op: opOf(tag),
      initiated: tag < 0 ? true : undefined,
      faulty: sender === null ? undefined : sender.faulty,
      lie: sender !== null && sender.lie ? true : undefined,
    });
  }

  deliver(from: NodeId, to: NodeId, frame: Frame): void {
    this.arrival('deliver', from, to, frame);
  }

  drop(from: NodeId, to: NodeId, frame: Frame): void {
    this.arrival('drop', from, to, frame);
  }

  hold(from: NodeId, to: NodeId, frame: Frame): void {
    this.arrival('hold', from, to, frame);
  }

  release(from: NodeId, to: NodeId, frame: Frame): void {
    this.arrival('release', from, to, frame);
  }

  call(client: NodeId, request: OpRequest): void {
    const t = this.admit(client, client);
    if (t !== null) this.push({ t, ev: 'call', node: client, op: request.index, kind: request.kind, key: request.key, value: request.value });
  }

  ended(client: NodeId, result: Pick<OpResult, 'index' | 'status' | 'value'>): void {
    const t = this.admit(client, client);
    if (t !== null) this.push({ t, ev: 'return', node: client, op: result.index, status: result.status, value: result.value });
  }

  fault(node: NodeId, action: string, cause: string): void {
    const t = this.admit(node, node);
    if (t !== null) this.push({ t, ev: 'fault', node, action, cause });
  }

  /** Everything recorded so far, and what the bound left out. */
  finish(): RecordedEvents {
    return { events: this.events, notRecorded: this.notRecordedCount, boundReachedAtMs: this.boundReachedAt };
  }

  get notRecorded(): number {
    return this.notRecordedCount;
  }

  get boundReachedAtMs(): number | null {
    return this.boundReachedAt;
  }

  private arrival(ev: ArrivalKind, from: NodeId, to: NodeId, frame: Frame): void {
    let seq: number;
    if (this.inFlight === null) {
      // A frame from another process: the link's arrivals in order (see the module comment); one
      // arrival each (no schedule holds frames on the real engine).
      seq = count(this.arrivedOnLink, from, to);
    } else {
      seq = this.inFlight.get(frame) ?? 0;
      // Handled or dropped: its journey is over (a held frame is still on its way).
      if (ev === 'deliver' || ev === 'drop') this.inFlight.delete(frame);
    }
    const t = this.admit(from, to);
    if (t === null) return;
    const tag = frame.tag;
    this.push({ t, ev, from, to, seq, type: frame.msg.type, bytes: frameWireSize(frame), key: frame.key, op: opOf(tag), initiated: tag < 0 ? true : undefined });
  }

  /** The event's time (ms) if it is in the window and involves a traced node, else null. */
  private admit(a: NodeId, b: NodeId): number | null {
    const t = this.nowNs() / NS_PER_MS;
    if (t < this.bounds.fromMs || t > this.toMs) return null;
    if (this.nodes !== null && !this.nodes.has(a) && !this.nodes.has(b)) return null;
    if (this.recorded >= this.bounds.maxEvents) {
      this.notRecordedCount++;
      this.boundReachedAt ??= t;
      return null;
    }
    return t;
  }

  private push(event: TraceEvent): void {
    this.recorded++;
    this.events.push(event);
  }
}

/** Counts one more on link `from → to`; returns the new count. */
function count(links: Map<NodeId, Map<NodeId, number>>, from: NodeId, to: NodeId): number {
  let perTo = links.get(from);
  if (perTo === undefined) links.set(from, (perTo = new Map()));
  const next = (perTo.get(to) ?? 0) + 1;
  perTo.set(to, next);
  return next;
}

function opOf(tag: number): number | null {
  const index = tagIndex(tag);
  return index < 0 ? null : index;
}
