/**
 * @module The message trace format: `trace/<run>.jsonl`, one JSON object per line. The first line is
 * the header ({@link TraceHeader}); every other line is one event, in time order:
 *
 *   {"t":0,"ev":"call","node":"w1","op":0,"kind":"write","key":"k0","value":"w1:1"}
 *   {"t":0,"ev":"send","from":"w1","to":"s1","seq":1,"type":"GET_TS","bytes":31,"key":"k0","op":0}
 *   {"t":1,"ev":"deliver","from":"w1","to":"s1","seq":1,"type":"GET_TS","bytes":31,"key":"k0","op":0}
 *   {"t":4,"ev":"return","node":"w1","op":0,"status":"ok","value":null}
 *
 * `t` is ms since the run started: virtual (sim) or wall (real). A message is identified by
 * `(from, to, seq)`: `seq` counts the messages sent on that link (1, 2, ...), so that its send and
 * its arrival match even when they were recorded by different processes. `op` is the operation the
 * message works for: its index in the run's history (`history/<run>.jsonl`, 0-based line index), or
 * null (a hostile client's message); `initiated` marks a message a server sent on its own initiative
 * (harness/host/attribution.ts). `faulty` names how the sender deviates (a Byzantine strategy,
 * `reverted`, `hostile:<behaviour>`) and `lie` marks a message its own protocol machine did not
 * produce. Arrivals: `deliver` (handled), `hold`/`release` (the fault schedule held it), `drop` (the
 * receiver had crashed).
 */
import { z } from 'zod';
import type { OpResult } from '../host/clients.ts';

export interface MessageFields {
  readonly t: number;
  readonly from: string;
  readonly to: string;
  readonly seq: number;
  readonly type: string;
  readonly bytes: number;
  readonly key: string;
  readonly op: number | null;
  readonly initiated?: true;
}

export interface SendEvent extends MessageFields {
  readonly ev: 'send';
  readonly faulty?: string;
  readonly lie?: true;
}

export type ArrivalKind = 'deliver' | 'drop' | 'hold' | 'release';

export interface ArrivalEvent extends MessageFields {
  readonly ev: ArrivalKind;
}

export interface CallEvent {
  readonly t: number;
  readonly ev: 'call';
  readonly node: string;
  readonly op: number;
  readonly kind: 'read' | 'write';
  readonly key: string;
  /** The value a write writes; null for a read. */
  readonly value: string | null;
}

export interface ReturnEvent {
  readonly t: number;
  readonly ev: 'return';
  readonly node: string;
  readonly op: number;
  /** 'crashed': the client crashed during the operation (it stays pending in the history). */
  readonly status: OpResult['status'];
  /** The value a read returned (null = the initial value); null for a write. */
  readonly value: string | null;
}

export interface FaultEvent {
  readonly t: number;
  readonly ev: 'fault';
  readonly node: string;
  readonly action: string;
  readonly cause: string;
}

export type TraceEvent = SendEvent | ArrivalEvent | CallEvent | ReturnEvent | FaultEvent;

/** What was asked of the trace (`trace:` in the config), resolved. */
export interface TraceBounds {
  /** Record events at or after this time (ms); 0 = from the start. */
  readonly fromMs: number;
  /** Record events at or before this time (ms); null = to the end. */
  readonly toMs: number | null;
  /** Record only events that involve one of these nodes (sender, receiver, or the node); null = all. */
  readonly nodes: readonly string[] | null;
  /** Record at most this many events; later ones are counted, not recorded. */
  readonly maxEvents: number;
}

export interface TraceHeader {
  readonly trace: 'quorumbench-messages';
  readonly version: 1;
  readonly run: string;
  readonly engine: 'sim' | 'real';
  readonly seed: number;
  readonly protocol: string;
  readonly t: number;
  readonly nodes: { readonly servers: readonly string[]; readonly writers: readonly string[]; readonly readers: readonly string[]; readonly hostile: readonly string[] };
  readonly bounds: TraceBounds;
  /** When the run ended (ms): operations still running then are drawn up to here. */
  readonly endMs: number;
  /** Events recorded (the lines after this one). */
  readonly events: number;
  /** Events within the window and the nodes that were not recorded because `maxEvents` was reached. */
  readonly notRecorded: number;
  /** When the bound was reached (ms), or null when everything was recorded. */
  readonly boundReachedAtMs: number | null;
  /** Processes whose events may be missing (real engine: a server killed by a crash fault). */
  readonly incomplete: readonly string[];
}

export interface Trace {
  readonly header: TraceHeader;
  readonly events: readonly TraceEvent[];
}

// ---------------------------------------------------------------- reading

const count = z.number().int().min(0);
const time = z.number().finite();
const name = z.string().min(1);

// Fields in the order the recorder writes them (zod's output keeps the schema's order).
const messageFields = {
  from: name,
  to: name,
  seq: z.number().int().min(1),
  type: name,
  bytes: count,
  key: z.string(),
  op: count.nullable(),
  initiated: z.literal(true).optional(),
};

export const traceEventSchema = z.discriminatedUnion('ev', [
  z.strictObject({ t: time, ev: z.literal('send'), ...messageFields, faulty: name.optional(), lie: z.literal(true).optional() }),
  z.strictObject({ t: time, ev: z.enum(['deliver', 'drop', 'hold', 'release']), ...messageFields }),
  z.strictObject({ t: time, ev: z.literal('call'), node: name, op: count, kind: z.enum(['read', 'write']), key: z.string(), value: z.string().nullable() }),
  z.strictObject({ t: time, ev: z.literal('return'), node: name, op: count, status: z.enum(['ok', 'crashed']), value: z.string().nullable() }),
  z.strictObject({ t: time, ev: z.literal('fault'), node: name, action: name, cause: z.string() }),
]);

const names = z.array(name);

export const traceHeaderSchema = z.strictObject({
  trace: z.literal('quorumbench-messages'),
  version: z.literal(1),
  run: z.string(),
  engine: z.enum(['sim', 'real']),
  seed: count,
  protocol: name,
  t: count,
  nodes: z.strictObject({ servers: names, writers: names, readers: names, hostile: names }),
  bounds: z.strictObject({ fromMs: z.number().min(0), toMs: z.number().min(0).nullable(), nodes: names.nullable(), maxEvents: z.number().int().min(1) }),
  endMs: time,
  events: count,
  notRecorded: count,
  boundReachedAtMs: time.nullable(),
  incomplete: names,
});

/** Every node of a trace, in lane order: writers, readers, servers, hostile clients. */
export function traceNodes(header: TraceHeader): string[] {
  const { writers, readers, servers, hostile } = header.nodes;
  return [...writers, ...readers, ...servers, ...hostile];
}

export function isMessageEvent(event: TraceEvent): event is SendEvent | ArrivalEvent {
  return 'from' in event;
}

/** The identity of a message in a trace: `from>to#seq`. */
export function messageId(event: MessageFields): string {
  return `${event.from}>${event.to}#${event.seq}`;
}
