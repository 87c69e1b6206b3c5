/**
 * @module A trace's events joined into what the viewers draw: each message with its send and its
 * arrival (held, released, delivered or dropped), each operation with its call and return.
 */
import type { OpResult } from '../host/clients.ts';
import { isMessageEvent, messageId, type Trace } from './events.ts';

export interface TracedMessage {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly type: string;
  readonly bytes: number;
  readonly key: string;
  readonly op: number | null;
  readonly initiated: boolean;
  /** How the sender deviated (null: it follows the protocol), and whether this message is a lie. */
  readonly faulty: string | null;
  readonly lie: boolean;
  /** Times (ms) of what the trace holds of it; null where the trace has nothing (outside its window). */
  readonly sendT: number | null;
  readonly holdT: number | null;
  readonly releaseT: number | null;
  readonly deliverT: number | null;
  readonly dropT: number | null;
}

export interface TracedOp {
  readonly op: number;
  readonly node: string;
  readonly kind: 'read' | 'write';
  readonly key: string;
  /** The value written, or the value read (null: the initial value, or not returned). */
  readonly value: string | null;
  /** Null when the call lies outside the trace's window. */
  readonly callT: number | null;
  readonly returnT: number | null;
  /** 'pending': no return in the trace (still running at the end, or outside the window). */
  readonly status: OpResult['status'] | 'pending';
}

type MutableMessage = { -readonly [K in keyof TracedMessage]: TracedMessage[K] };

/** Every message of the trace, in the order of its first event. */
export function messagesOf(trace: Trace): TracedMessage[] {
  const byId = new Map<string, MutableMessage>();
  for (const event of trace.events) {
    if (!isMessageEvent(event)) continue;
    const id = messageId(event);
    let message = byId.get(id);
    if (message === undefined) {
      message = {
        id,
        from: event.from,
        to: event.to,
        type: event.type,
        bytes: event.bytes,
        key: event.key,
        op: event.op,
        initiated: event.initiated === true,
        faulty: null,
        lie: false,
        sendT: null,
        holdT: null,
        releaseT: null,
        deliverT: null,
        dropT: null,
      };
      byId.set(id, message);
    }
    switch (event.ev) {
      case 'send':
        message.sendT = event.t;
        message.faulty = event.faulty ?? null;
        message.lie = event.lie === true;
        break;
      case 'hold':
        message.holdT = event.t;
        break;
      case 'release':
        message.releaseT = event.t;
        break;
      case 'deliver':
        message.deliverT = event.t;
        break;
      case 'drop':
        message.dropT = event.t;
        break;
    }
  }
  return [...byId.values()];
}

/** Every operation of the trace (those with a call or a return in it), by index. */
export function opsOf(trace: Trace): TracedOp[] {
  const byIndex = new Map<number, { -readonly [K in keyof TracedOp]: TracedOp[K] }>();
  for (const event of trace.events) {
    if (event.ev !== 'call' && event.ev !== 'return') continue;
    let op = byIndex.get(event.op);
    if (op === undefined) {
      op = { op: event.op, node: event.node, kind: 'read', key: '', value: null, callT: null, returnT: null, status: 'pending' };
      byIndex.set(event.op, op);
    }
    if (event.ev === 'call') {
      op.callT = event.t;
      op.kind = event.kind;
      op.key = event.key;
      if (event.kind === 'write') op.value = event.value;
    } else {
      op.returnT = event.t;
      op.status = event.status;
      if (op.kind === 'read' || op.callT === null) op.value = event.value ?? op.value;
    }
  }
  return [...byIndex.values()].sort((a, b) => a.op - b.op);
}

/** Faults of the trace: `[time, node, action, cause]`. */
export function faultsOf(trace: Trace): { t: number; node: string; action: string; cause: string }[] {
  const out: { t: number; node: string; action: string; cause: string }[] = [];
  for (const event of trace.events) if (event.ev === 'fault') out.push({ t: event.t, node: event.node, action: event.action, cause: event.cause });
  return out;
}

/** When the trace's message arrived (handled or dropped), or null. */
export function arrivalOf(message: TracedMessage): number | null {
  return message.deliverT ?? message.dropT;
}
