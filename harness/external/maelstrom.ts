/**
 * @module Maelstrom's node protocol as the harness speaks it: the message envelope, the `init` and
 * `barrier` exchanges, the `lin-kv` requests the workload sends and how each reply or error enters
 * the history. Pure functions; the processes are driven by ./node-process.ts.
 *
 * A message is one JSON object per line, `{"src": …, "dest": …, "body": {"type": …, "msg_id": …,
 * "in_reply_to": …, …}}`. Errors are bodies of type `error` with an integer `code`; Maelstrom calls
 * some codes definite (the operation did not and never will happen) and the rest indefinite.
 */
import type { OpKind } from '../results/schema.ts';

/** The id the harness itself sends as (init, barrier, and requests to client nodes). */
export const HARNESS_ID = 'harness';

export interface Body {
  readonly type: string;
  readonly msg_id?: number;
  readonly in_reply_to?: number;
  readonly [field: string]: unknown;
}

export interface Envelope {
  readonly src: string;
  readonly dest: string;
  readonly body: Body;
}

/** Maelstrom's definite error codes: node-not-found, not-supported, temporarily-unavailable,
 * malformed-request, abort, key-does-not-exist, key-already-exists, precondition-failed, txn-conflict.
 * Every other code (timeout 0, crash 13, and custom codes) is indefinite. */
export const DEFINITE_ERROR_CODES: ReadonlySet<number> = new Set([1, 10, 11, 12, 14, 20, 21, 22, 30]);
const KEY_DOES_NOT_EXIST = 20;

/** The envelope of a parsed line, or why it is not one (a kebab-case reason for the reject counter). */
export function parseEnvelope(value: unknown): Envelope | { readonly invalid: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { invalid: 'not-a-message' };
  const { src, dest, body } = value as Record<string, unknown>;
  if (typeof src !== 'string' || typeof dest !== 'string') return { invalid: 'no-src-or-dest' };
  if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof (body as { type?: unknown }).type !== 'string') return { invalid: 'no-body-type' };
  return { src, dest, body: body as Body };
}

/** One message as the line a node reads. */
export function envelopeLine(src: string, dest: string, body: Body): string {
  return JSON.stringify({ src, dest, body });
}

/** The `init` body: the node's id and the servers (a client node finds itself absent from them). */
export function initBody(msgId: number, nodeId: string, nodeIds: readonly string[], role: 'server' | 'client'): Body {
  return { type: 'init', msg_id: msgId, node_id: nodeId, node_ids: [...nodeIds], role };
}

/**
 * The written value as lin-kv carries it: the value's tag (`w1:17`, unique per key), a space, and
 * filler up to `valueBytes` characters, so that value sizes cost bytes on the wire as they do for
 * the built-in protocols. Nodes treat values as opaque.
 */
export function linKvValue(tag: string, valueBytes: number): string {
  return `${tag} ${'.'.repeat(Math.max(0, valueBytes - tag.length - 1))}`;
}

/** The tag a read returned; null for the initial value; anything not written by us maps to a tag no write used. */
export function tagOfLinKvValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return `unknown:${JSON.stringify(value).slice(0, 40)}`;
  const space = value.indexOf(' ');
  return space < 0 ? `unknown:${value.slice(0, 40)}` : value.slice(0, space);
}

/** A workload operation as a lin-kv request body. */
export function linKvRequest(kind: OpKind, key: string, value: string | null, msgId: number): Body {
  return kind === 'read' ? { type: 'read', msg_id: msgId, key } : { type: 'write', msg_id: msgId, key, value };
}

/**
 * How a reply ends an operation in the history. `ok`: it returned (a read with its value's tag);
 * `failed`: a definite error (it did not take effect); `indefinite`: an indefinite error (it may or
 * may not take effect: it stays pending, as a timeout does). `rounds` is the quorumbench extension a
 * node may add to its reply (protocol rounds the operation took).
 */
export type LinKvOutcome =
  | { readonly status: 'ok'; readonly value: string | null; readonly rounds: number }
  | { readonly status: 'failed' | 'indefinite'; readonly code: number | null; readonly rounds: number };

export function linKvOutcome(kind: OpKind, reply: Body): LinKvOutcome {
  const rounds = typeof reply['rounds'] === 'number' && Number.isSafeInteger(reply['rounds']) && reply['rounds'] >= 0 ? reply['rounds'] : 0;
  if (reply.type === 'error') {
    const code = typeof reply['code'] === 'number' && Number.isInteger(reply['code']) ? reply['code'] : null;
    // The register starts with no value: "key does not exist" on a read is a read of that initial value.
    if (kind === 'read' && code === KEY_DOES_NOT_EXIST) return { status: 'ok', value: null, rounds };
    return { status: code !== null && DEFINITE_ERROR_CODES.has(code) ? 'failed' : 'indefinite', code, rounds };
  }
  if (kind === 'read' && reply.type === 'read_ok') return { status: 'ok', value: tagOfLinKvValue(reply['value']), rounds };
  if (kind === 'write' && reply.type === 'write_ok') return { status: 'ok', value: null, rounds };
  // A reply of the wrong type says nothing certain about the operation.
  return { status: 'indefinite', code: null, rounds };
}
