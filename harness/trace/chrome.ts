/**
 * @module A trace in the Trace Event Format (the JSON that chrome://tracing and Perfetto's UI open):
 * one track per node (a process with one thread), each operation a complete slice (`ph: X`) on its
 * client's track, each message a slice of its own on the sender's track and on the receiver's track
 * joined by a flow (`ph: s` at the send, `ph: f` with `bp: e` at the arrival, same `cat`, `name` and
 * `id`), each hold of the fault schedule an async slice (`ph: b`/`e`) on the receiver, each fault a
 * process-scoped instant (`ph: i`, `s: p`).
 *
 * A flow event binds to the slice that encloses it on its track. So that each binds to its own
 * message's slice, no two slices of a track start together: every slice of a node takes one
 * {@link QUANTUM_US} slot, after the node's previous one, and the flow events sit in the middle of
 * their slots. Operations enclose their own messages' slices. Timestamps are therefore shifted by at
 * most a few slots (sub-microsecond); every slice carries its exact time in `args.tMs`. Slots are
 * binary fractions of a microsecond, exact in a double.
 */
import { traceNodes, isMessageEvent, messageId, type Trace } from './events.ts';
import { messagesOf } from './model.ts';

/** One slot on a node's track, µs (1/8 µs: a binary fraction, so every timestamp is exact). */
export const QUANTUM_US = 0.125;

export interface ChromeTraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'M' | 's' | 'f' | 'b' | 'e' | 'i';
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly id?: number | string;
  readonly bp?: 'e';
  readonly s?: 'p';
  readonly args?: Readonly<Record<string, unknown>>;
}

export interface ChromeTrace {
  readonly traceEvents: ChromeTraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly otherData: Readonly<Record<string, unknown>>;
}

function slotOf(tMs: number): number {
  return Math.floor((tMs * 1000) / QUANTUM_US + 1e-6) * QUANTUM_US;
}

export function toChromeTrace(trace: Trace): ChromeTrace {
  const { header } = trace;
  const builder = new ChromeTraceBuilder(trace);
  builder.openOpsCalledBeforeWindow();
  for (const event of trace.events) builder.add(event);
  builder.closeAtEnd();
  builder.addFlows();
  return {
    traceEvents: builder.out,
    displayTimeUnit: 'ms',
    otherData: {
      run: header.run,
      protocol: header.protocol,
      t: header.t,
      engine: header.engine,
      seed: header.seed,
      time: `${header.engine === 'sim' ? 'virtual' : 'wall'} time; each node's slices are at least ${QUANTUM_US} µs apart (exact times in args.tMs)`,
      notRecorded: header.notRecorded,
    },
  };
}

type TraceEvent = Trace['events'][number];

/** The Trace Event list of one trace, built event by event: a process per node, then slices and flows. */
class ChromeTraceBuilder {
  readonly out: ChromeTraceEvent[] = [];
  private readonly pidOf: ReadonlyMap<string, number>;
  /** Where each message's slices are (the middle of their slots), for its flow. */
  private readonly sentAt = new Map<string, number>();
  private readonly arrivedAt = new Map<string, number>();
  /** Each node's next free slot. */
  private readonly cursor = new Map<string, number>();
  private readonly open = new Map<number, { node: string; ts: number; args: Record<string, unknown>; name: string }>();
  private readonly opName = new Map<number, string>();
  private readonly held = new Map<string, { ts: number; name: string; pid: number }>();

  constructor(private readonly trace: Trace) {
    const { header } = trace;
    const nodes = traceNodes(header);
    for (const event of trace.events) {
      for (const node of isMessageEvent(event) ? [event.from, event.to] : [event.node]) if (!nodes.includes(node)) nodes.push(node);
    }
    this.pidOf = new Map(nodes.map((node, i) => [node, i + 1]));
    const role = (node: string): string =>
      header.nodes.servers.includes(node) ? 'server' : header.nodes.writers.includes(node) ? 'writer' : header.nodes.readers.includes(node) ? 'reader' : 'hostile client';
    for (const node of nodes) {
      const pid = this.pidOf.get(node)!;
      this.out.push({ name: 'process_name', ph: 'M', pid, tid: pid, args: { name: `${node} (${role(node)})` } });
      this.out.push({ name: 'process_sort_index', ph: 'M', pid, tid: pid, args: { sort_index: pid } });
      this.out.push({ name: 'thread_name', ph: 'M', pid, tid: pid, args: { name: node } });
    }
  }

  /** The slot of an event of `node` at `tMs`: its own, or the node's next free one. */
  private take(node: string, tMs: number): number {
    const slot = Math.max(slotOf(tMs), this.cursor.get(node) ?? -Infinity);
    this.cursor.set(node, slot + QUANTUM_US);
    return slot;
  }

  /** An operation whose call lies before the trace's window starts at the window. */
  openOpsCalledBeforeWindow(): void {
    const called = new Set(this.trace.events.flatMap((e) => (e.ev === 'call' ? [e.op] : [])));
    for (const event of this.trace.events) {
      if (event.ev === 'return' && !called.has(event.op) && !this.open.has(event.op)) {
        this.open.set(event.op, { node: event.node, ts: this.take(event.node, this.trace.header.bounds.fromMs), name: `op #${event.op}`, args: { op: event.op } });
        called.add(event.op);
      }
    }
  }

  add(event: TraceEvent): void {
    const { out, pidOf } = this;
    switch (event.ev) {
      case 'call': {
        const name = `#${event.op} ${event.kind}${event.kind === 'write' ? ` ${event.value}` : ''}`;
        this.opName.set(event.op, name);
        this.open.set(event.op, { node: event.node, ts: this.take(event.node, event.t), name, args: { op: event.op, kind: event.kind, key: event.key, value: event.value, callMs: event.t } });
        break;
      }
      case 'return': {
        const started = this.open.get(event.op);
        if (started === undefined) break;
        this.open.delete(event.op);
        const end = this.take(event.node, event.t);
        const name = event.status === 'ok' && started.args['kind'] === 'read' ? `${started.name} → ${event.value ?? '⊥'}` : started.name;
        out.push(slice(pidOf.get(event.node)!, started.ts, end - started.ts, event.status === 'crashed' ? `${name} (crashed)` : name, 'operation', { ...started.args, returnMs: event.t, status: event.status, value: event.value ?? started.args['value'] ?? null }));
        break;
      }
      case 'send': {
        const ts = this.take(event.from, event.t);
        this.sentAt.set(messageId(event), ts + QUANTUM_US / 2);
        out.push(slice(pidOf.get(event.from)!, ts, QUANTUM_US, `${event.type} → ${event.to}`, 'message', messageArgs(event, event.t)));
        break;
      }
      case 'deliver':
      case 'drop': {
        const ts = this.take(event.to, event.t);
        this.arrivedAt.set(messageId(event), ts + QUANTUM_US / 2);
        out.push(slice(pidOf.get(event.to)!, ts, QUANTUM_US, `${event.ev === 'drop' ? 'dropped ' : ''}${event.type} ← ${event.from}`, 'message', messageArgs(event, event.t)));
        break;
      }
      case 'hold':
        this.held.set(messageId(event), { ts: slotOf(event.t), name: `held ${event.type} ${event.from} → ${event.to}`, pid: pidOf.get(event.to)! });
        break;
      case 'release': {
        const id = messageId(event);
        const hold = this.held.get(id);
        if (hold === undefined) break;
        this.held.delete(id);
        out.push({ name: hold.name, ph: 'b', cat: 'held', id, pid: hold.pid, tid: hold.pid, ts: hold.ts, args: { releasedMs: event.t } });
        out.push({ name: hold.name, ph: 'e', cat: 'held', id, pid: hold.pid, tid: hold.pid, ts: Math.max(hold.ts, slotOf(event.t)) });
        break;
      }
      case 'fault':
        out.push({ name: event.action, ph: 'i', s: 'p', pid: pidOf.get(event.node)!, tid: pidOf.get(event.node)!, ts: slotOf(event.t), cat: 'fault', args: { cause: event.cause, tMs: event.t } });
        break;
    }
  }

  /** Still open at the end: operations running when the run ended, frames still held. */
  closeAtEnd(): void {
    const endSlot = slotOf(this.trace.header.endMs);
    for (const [op, started] of this.open) {
      const end = Math.max(endSlot, this.cursor.get(started.node) ?? 0);
      this.out.push(slice(this.pidOf.get(started.node)!, started.ts, end - started.ts, `${this.opName.get(op) ?? started.name} (no return)`, 'operation', { ...started.args, status: 'pending' }));
    }
    for (const [id, hold] of this.held) {
      this.out.push({ name: hold.name, ph: 'b', cat: 'held', id, pid: hold.pid, tid: hold.pid, ts: hold.ts, args: { releasedMs: null } });
      this.out.push({ name: hold.name, ph: 'e', cat: 'held', id, pid: hold.pid, tid: hold.pid, ts: Math.max(hold.ts, endSlot) });
    }
  }

  /** Flows: a message with both ends in the trace. */
  addFlows(): void {
    const messages = new Map(messagesOf(this.trace).map((m) => [m.id, m]));
    const pidOf = this.pidOf;
    let flow = 0;
    for (const [id, sent] of this.sentAt) {
      const arrived = this.arrivedAt.get(id);
      const message = messages.get(id)!;
      if (arrived === undefined) continue;
      flow++;
      this.out.push({ name: message.type, ph: 's', cat: 'message', id: flow, pid: pidOf.get(message.from)!, tid: pidOf.get(message.from)!, ts: sent });
      this.out.push({ name: message.type, ph: 'f', bp: 'e', cat: 'message', id: flow, pid: pidOf.get(message.to)!, tid: pidOf.get(message.to)!, ts: arrived });
    }
  }
}

function slice(pid: number, ts: number, dur: number, name: string, cat: string, args: Record<string, unknown>): ChromeTraceEvent {
  return { name, ph: 'X', cat, pid, tid: pid, ts, dur, args };
}

function messageArgs(event: { from: string; to: string; seq: number; type: string; bytes: number; key: string; op: number | null; initiated?: true; faulty?: string; lie?: true }, tMs: number): Record<string, unknown> {
  return {
    tMs,
    from: event.from,
    to: event.to,
    seq: event.seq,
    type: event.type,
    bytes: event.bytes,
    key: event.key,
    op: event.op,
    ...(event.initiated === true ? { initiated: true } : {}),
    ...(event.faulty === undefined ? {} : { faulty: event.faulty }),
    ...(event.lie === true ? { lie: true } : {}),
  };
}
