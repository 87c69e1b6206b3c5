/**
 * @module CAS's `forge` and `corrupt` strategies (docs/protocols.md#cas): a lying server whose elements
 * decode, together with genuine ones, to a value nobody wrote. CAS tolerates crashes only, so the
 * checker must report the violation, as it does for ABD.
 *
 * Both keep the element's header (the codec's prefix that says the value's length and the fragment's
 * place) and change only what follows it: a reader would refuse elements whose headers disagree and
 * retry, which is a stalled read, not a wrong value. The header is as long as the element of the
 * empty value, which is nothing but a header. Neither forges tags: a made-up tag that no correct
 * server holds an element for would make readers retry for ever, which the checker cannot report.
 */
import type { ServerStrategy, StrategyContext } from '../types.ts';
import type { CasMessage } from './messages.ts';
import { codeDimension } from './quorum.ts';

/** Bytes at the start of an element that a liar keeps (the codec's header). */
function headerBytes(ctx: StrategyContext<CasMessage>): number {
  const { n, t } = ctx.cluster;
  return ctx.env.codec.encode(new Uint8Array(0), codeDimension(n, t), n)[ctx.index]!.length;
}

/**
 * Answers every READ_FIN with an element, whatever it holds: the genuine element's header followed
 * by random bytes, or, when it holds no element for the tag (missing or collected), the last element
 * it stored with its payload made up.
 */
export const casForge: ServerStrategy<CasMessage> = (honest, ctx) => {
  const header = headerBytes(ctx);
  let template: Uint8Array | undefined;
  const forged = (genuine: Uint8Array): Uint8Array => {
    const out = new Uint8Array(genuine.length);
    out.set(genuine.subarray(0, header));
    out.set(ctx.env.random.bytes(Math.max(0, genuine.length - header)), header);
    return out;
  };
  return {
    handle(from, msg) {
      if (msg.type === 'PRE') template = msg.element;
      return honest.handle(from, msg).map((send) => {
        const reply = send.msg;
        if (reply.type !== 'READ_FIN_ACK') return send;
        const genuine = reply.element ?? template;
        if (genuine === undefined) return send;
        return { to: send.to, msg: { type: 'READ_FIN_ACK', op: reply.op, element: forged(genuine) } };
      });
    },
    storedBytes: () => honest.storedBytes(),
  };
};

/** Flips every byte after the header of the elements it returns, under the genuine tag (`corrupt`). */
export const casCorrupt: ServerStrategy<CasMessage> = (honest, ctx) => {
  const header = headerBytes(ctx);
  return {
    handle(from, msg) {
      return honest.handle(from, msg).map((send) => {
        const reply = send.msg;
        if (reply.type !== 'READ_FIN_ACK' || reply.element === null || reply.element.length <= header) return send;
        const flipped = reply.element.map((byte, i) => (i < header ? byte : byte ^ 0xff));
        return { to: send.to, msg: { type: 'READ_FIN_ACK', op: reply.op, element: flipped } };
      });
    },
    storedBytes: () => honest.storedBytes(),
  };
};

export const CAS_STRATEGIES = { forge: casForge, corrupt: casCorrupt };
