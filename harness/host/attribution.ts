/**
 * @module Attribution: which operation a message, and the CPU spent on it, counts for. One rule,
 * applied the same way by both engines (the hosts in this folder are the only code that applies it):
 *
 * - A client's message counts for the client's own operation (the one it sends it for).
 * - A server's reply (a message to the node whose message it is handling) counts for the operation
 *   that message worked for, even when it arrives after that operation returned.
 * - A message a server sends on its own initiative (to any other node: PoWerStore's FILTER_UPDATE)
 *   counts for the operation it is addressed to — the addressee's latest operation on that register
 *   that this server has heard from — if it arrives while that operation runs; otherwise (the
 *   operation returned, the client crashed, the run ended first) it counts for the run's background
 *   bucket, never for another operation. The CPU spent producing it (what the protocol marks with
 *   `NodeEnv.initiating`) goes with it.
 * - CPU charged while a node handles a message counts for the operation of that message; CPU a
 *   client spends starting an operation (encoding a value) counts for that operation.
 *
 * The operation travels with every frame as an integer tag: `index + 1` for operation `index` (the
 * run's issue order), its negative for a server-initiated message, 0 for none (hostile clients).
 */

/** Tag of operation `index` (0-based issue order). */
export function opTag(index: number): number {
  return index + 1;
}

/** The operation index of a tag, or -1 for none. */
export function tagIndex(tag: number): number {
  return (tag < 0 ? -tag : tag) - 1;
}

/** The tag of a message that a server sends on its own initiative for the operation of `tag`. */
export function initiatedTag(tag: number): number {
  return tag > 0 ? -tag : tag;
}

export function isInitiated(tag: number): boolean {
  return tag < 0;
}

/** A valid tag on the wire: a safe integer (0 = none). Anything else is hostile input. */
export function isValidTag(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}
