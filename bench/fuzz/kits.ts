/**
 * @module The protocol messages bench:fuzz sends from an authenticated reader: requests a server
 * answers with exactly one message, and well-framed messages it refuses, each with the reason the
 * server counts (the refusals of each protocol's server machine, protocols/<name>/server.ts).
 */
import type { Rng } from '../../harness/rng.ts';
import type { NodeId, ProtocolMessage } from '../../protocols/types.ts';

export interface Kit {
  /** A request the server answers with exactly one message that carries `op` (as `op` or `rid`). */
  answered(rng: Rng, op: number): ProtocolMessage;
  /** A well-framed message from reader `from` that the server refuses, with the reason it counts. */
  refused(rng: Rng, op: number, from: NodeId): { readonly msg: ProtocolMessage; readonly reason: string };
}

const msg = (fields: Record<string, unknown>): ProtocolMessage => fields as unknown as ProtocolMessage;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]!;
}

/** The kit of `protocol` in a cluster of `n` servers; undefined for a protocol without one. */
export function kitFor(protocol: string, n: number): Kit | undefined {
  switch (protocol) {
    case 'abd':
      return {
        // A PUT from a reader is a write-back: answered, whatever its timestamp.
        answered: (rng, op) =>
          pick(rng, [msg({ type: 'GET', op }), msg({ type: 'GET_TS', op }), msg({ type: 'PUT', op, num: rng.int(0, 9), writer: 'w1', value: rng.bytes(8) })]),
        refused: (rng, op) => ({
          msg: pick(rng, [msg({ type: 'PUT_ACK', op }), msg({ type: 'GET_TS_ACK', op, num: 1, writer: 'w1' }), msg({ type: 'GET_ACK', op, num: 1, writer: 'w1', value: rng.bytes(8) })]),
          reason: 'unexpected-message',
        }),
      };
    case 'bft-signed':
      return {
        answered: (rng, op) => pick(rng, [msg({ type: 'GET', op }), msg({ type: 'GET_TS', op })]),
        refused: (rng, op, from) => {
          switch (rng.int(0, 2)) {
            case 0:
              return { msg: msg({ type: 'PUT_ACK', op }), reason: 'unexpected-message' };
            case 1:
              // A newer version in a real writer's name with a made-up signature.
              return { msg: msg({ type: 'PUT', op, num: 2 ** 40 + op, writer: 'w1', value: rng.bytes(16), sig: rng.bytes(64) }), reason: 'bad-signature' };
            default:
              return { msg: msg({ type: 'PUT', op, num: 2 ** 40 + op, writer: from, value: rng.bytes(16), sig: rng.bytes(64) }), reason: 'unknown-writer' };
          }
        },
      };
    case 'powerstore':
    case 'm-powerstore': {
      const multi = protocol === 'm-powerstore';
      const ts = (num: number) => (multi ? { num, writer: 'w1' } : num);
      const c0 = { ts: multi ? { num: 0, writer: '' } : 0, nonce: new Uint8Array(32) };
      return {
        answered: (rng, op) => {
          const choices = [msg({ type: 'COLLECT', rid: op }), msg({ type: 'FILTER', rid: op, candidates: [c0] })];
          return pick(rng, multi ? [...choices, msg({ type: 'GET_TS', op })] : choices);
        },
        refused: (rng, op) => {
          switch (rng.int(0, 3)) {
            case 0:
              return { msg: msg({ type: 'COLLECT_ACK', rid: op, lc: c0 }), reason: 'unexpected-message' };
            case 1: {
              const store = { type: 'STORE', ts: ts(op), fragment: rng.bytes(8), cc: Array.from({ length: n }, () => rng.bytes(32)), commitment: rng.bytes(32) };
              return { msg: msg(multi ? { ...store, mac: Array.from({ length: n }, () => rng.bytes(32)) } : store), reason: 'store-from-non-writer' };
            }
            case 2:
              return { msg: msg({ type: 'COMPLETE', ts: ts(op), nonce: rng.bytes(32) }), reason: 'complete-from-non-writer' };
            default:
              return { msg: msg({ type: 'FILTER', rid: op, candidates: Array.from({ length: n + 2 }, () => c0) }), reason: 'filter-too-many-candidates' };
          }
        },
      };
    }
    case 'cas': {
      const tag = (rng: Rng) => ({ num: rng.int(1, 1_000), writer: 'w1' });
      return {
        // READ_FIN labels any tag `fin` (a reader's write-back) and is answered, with an element or ⊥.
        answered: (rng, op) => pick(rng, [msg({ type: 'QUERY', op }), msg({ type: 'READ_FIN', op, tag: tag(rng) })]),
        refused: (rng, op) => {
          switch (rng.int(0, 2)) {
            case 0:
              return {
                msg: pick(rng, [msg({ type: 'QUERY_ACK', op, tag: tag(rng) }), msg({ type: 'PRE_ACK', op }), msg({ type: 'FIN_ACK', op }), msg({ type: 'READ_FIN_ACK', op, element: null, reason: 'missing' })]),
                reason: 'unexpected-message',
              };
            case 1:
              return { msg: msg({ type: 'PRE', op, tag: tag(rng), element: rng.bytes(8) }), reason: 'pre-from-non-writer' };
            default:
              return { msg: msg({ type: 'FIN', op, tag: tag(rng) }), reason: 'fin-from-non-writer' };
          }
        },
      };
    }
    default:
      return undefined;
  }
}
