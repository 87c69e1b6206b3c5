/**
 * @module ABD's `forge` and `corrupt` strategies (docs/protocols.md#abd): a lying server that
 * answers every query with a huge timestamp and a made-up value. ABD is crash-tolerant only, so a
 * reader that meets this server in its quorum returns the forged value; the checker must report the
 * violation, which the harness shows rather than hides.
 */
import type { ServerStrategy } from '../types.ts';
import type { AbdMessage } from './messages.ts';

/** Forged timestamps: far above any genuine one, yet `num + 1` stays a safe integer. */
const FORGED_NUM = Number.MAX_SAFE_INTEGER - 2 ** 17;

export const abdForge: ServerStrategy<AbdMessage> = (honest, ctx) => ({
  handle(from, msg) {
    return honest.handle(from, msg).map((send) => {
      const reply = send.msg;
      switch (reply.type) {
        case 'GET_ACK':
          return { to: send.to, msg: { ...reply, num: FORGED_NUM, writer: `forged-${ctx.index}`, value: ctx.env.random.bytes(Math.max(8, reply.value.length)) } };
        case 'GET_TS_ACK':
          return { to: send.to, msg: { ...reply, num: FORGED_NUM, writer: `forged-${ctx.index}` } };
        default:
          return send;
      }
    });
  },
  storedBytes: () => honest.storedBytes(),
});

/** Flips every byte of the values it returns, under the genuine timestamp (`corrupt`). */
export const abdCorrupt: ServerStrategy<AbdMessage> = (honest) => ({
  handle(from, msg) {
    return honest.handle(from, msg).map((send) => {
      const reply = send.msg;
      if (reply.type !== 'GET_ACK' || reply.value.length === 0) return send;
      return { to: send.to, msg: { ...reply, value: reply.value.map((byte) => byte ^ 0xff) } };
    });
  },
  storedBytes: () => honest.storedBytes(),
});

export const ABD_STRATEGIES = { forge: abdForge, corrupt: abdCorrupt };
