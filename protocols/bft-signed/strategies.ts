/**
 * @module Byzantine server strategies for `bft-signed` (docs/protocols.md#byzantine-strategies).
 * Each wraps the honest machine of the faulty server and rewrites what it sends. `crash`, `silent`,
 * `slow` and `stale` are protocol-independent and applied by the harness.
 *
 * A Byzantine server has no writer's secret key, so all it can do against signed versions is make up
 * signatures (forge, inflate-ts), damage genuine versions (corrupt), or hand different genuine
 * versions to different clients (equivocate). Correct clients must drop the first two kinds and the
 * quorum intersection argument (docs/protocols.md#bft-signed) covers the third.
 */
import type { NodeId, Send, ServerMachine, ServerStrategy, StrategyContext } from '../types.ts';
import { HASH_BYTES, SIGNATURE_BYTES, type BftMessage } from './messages.ts';
import { BftSignedServer, INITIAL_VERSION, type SignedVersion } from './server.ts';

/** Far above any genuine timestamp, yet `num + 1` is still a safe integer. */
export const FORGED_NUM = 2 ** 52;

type BftContext = StrategyContext<BftMessage>;

/** A writer id to impersonate: a real one, so that clients must verify the signature to reject it. */
function victimWriter(ctx: BftContext, counter: number): string {
  const writers = ctx.cluster.writers;
  return writers.length === 0 ? 'w1' : (writers[counter % writers.length] as string);
}

function isServer(ctx: BftContext, node: NodeId): boolean {
  return ctx.cluster.servers.includes(node);
}

function wrap(
  honest: ServerMachine<BftMessage>,
  rewrite: (from: NodeId, msg: BftMessage, out: Send<BftMessage>[]) => Send<BftMessage>[],
): ServerMachine<BftMessage> {
  return {
    handle: (from, msg) => rewrite(from, msg, honest.handle(from, msg)),
    storedBytes: () => honest.storedBytes(),
  };
}

/**
 * `forge`: every GET / GET_TS answer reports a version at a huge timestamp by a real writer, with a
 * random value (or hash) and a random signature; every PUT from a client is also answered by pushing
 * such a forged PUT to the other servers, which must refuse to store it. (Only PUTs from clients
 * trigger this, so that two forging servers do not feed each other forever.)
 */
export const forge: ServerStrategy<BftMessage> = (honest, ctx) => {
  let counter = 0;
  const random = ctx.env.random;
  return wrap(honest, (from, msg, out) => {
    const rewritten = out.map((send): Send<BftMessage> => {
      const reply = send.msg;
      const writer = victimWriter(ctx, counter++);
      switch (reply.type) {
        case 'GET_TS_ACK':
          return { to: send.to, msg: { ...reply, num: FORGED_NUM + counter, writer, hash: random.bytes(HASH_BYTES), sig: random.bytes(SIGNATURE_BYTES) } };
        case 'GET_ACK':
          return {
            to: send.to,
            msg: { ...reply, num: FORGED_NUM + counter, writer, value: random.bytes(Math.max(reply.value.length, 16)), sig: random.bytes(SIGNATURE_BYTES) },
          };
        default:
          return send;
      }
    });
    if (msg.type === 'PUT' && !isServer(ctx, from)) {
      const forgedPut: BftMessage = {
        type: 'PUT',
        op: msg.op,
        num: FORGED_NUM + counter,
        writer: victimWriter(ctx, counter++),
        value: random.bytes(Math.max(msg.value.length, 16)),
        sig: random.bytes(SIGNATURE_BYTES),
      };
      for (const server of ctx.cluster.servers) {
        if (server !== ctx.env.id) rewritten.push({ to: server, msg: forgedPut });
      }
    }
    return rewritten;
  });
};

/** A copy of `bytes` with every bit flipped; an empty array becomes one byte, so it changes too. */
function flipped(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return Uint8Array.of(0xff);
  return bytes.map((b) => b ^ 0xff);
}

/**
 * `corrupt`: answers from its honest state with damage, alternating between the data (value bytes in
 * GET_ACK, the hash in GET_TS_ACK) and the signature. At `ts0` the damage makes the initial version
 * non-empty or signed, which clients must refuse as well.
 */
export const corrupt: ServerStrategy<BftMessage> = (honest) => {
  let counter = 0;
  return wrap(honest, (_from, _msg, out) =>
    out.map((send): Send<BftMessage> => {
      const reply = send.msg;
      switch (reply.type) {
        case 'GET_TS_ACK':
          return { to: send.to, msg: counter++ % 2 === 0 ? { ...reply, hash: flipped(reply.hash) } : { ...reply, sig: flipped(reply.sig) } };
        case 'GET_ACK':
          return { to: send.to, msg: counter++ % 2 === 0 ? { ...reply, value: flipped(reply.value) } : { ...reply, sig: flipped(reply.sig) } };
        default:
          return send;
      }
    }),
  );
};

interface ArchivedVersion {
  readonly num: number;
  readonly writer: string;
  readonly value: Uint8Array;
  readonly sig: Uint8Array;
}

/** Versions an equivocating server remembers to replay (oldest dropped first): a bound on its memory. */
const EQUIVOCATE_ARCHIVE_MAX = 64;

/**
 * `equivocate`: different answers to different clients. Clients at even positions of
 * `writers ++ readers` get honest answers; the others get a version replayed from everything the
 * server has seen in PUTs (starting with the initial version), chosen by their operation number, so
 * the same server tells one client "new" and another "old", and the same client old and new in turn.
 * Only genuine signed versions can pass, so this is the strongest lie available without keys.
 */
export const equivocate: ServerStrategy<BftMessage> = (honest, ctx) => {
  const clients = [...ctx.cluster.writers, ...ctx.cluster.readers];
  const archive: ArchivedVersion[] = [{ num: 0, writer: '', value: new Uint8Array(0), sig: new Uint8Array(0) }];
  return wrap(honest, (from, msg, out) => {
    if (msg.type === 'PUT') {
      archive.push({ num: msg.num, writer: msg.writer, value: msg.value, sig: msg.sig });
      if (archive.length > EQUIVOCATE_ARCHIVE_MAX) archive.splice(1, 1);
    }
    const position = clients.indexOf(from);
    if (position < 0 || position % 2 === 0) return out;
    return out.map((send): Send<BftMessage> => {
      const reply = send.msg;
      const replayed = archive[reply.op % archive.length] as ArchivedVersion;
      switch (reply.type) {
        case 'GET_TS_ACK':
          return {
            to: send.to,
            msg: { ...reply, num: replayed.num, writer: replayed.writer, hash: ctx.env.crypto.sha256(replayed.value), sig: replayed.sig },
          };
        case 'GET_ACK':
          return { to: send.to, msg: { ...reply, num: replayed.num, writer: replayed.writer, value: replayed.value, sig: replayed.sig } };
        default:
          return send;
      }
    });
  });
};

/**
 * `inflate-ts`: GET_TS answers claim a huge timestamp by a real writer, with a made-up hash and
 * signature, trying to push writers' timestamps up (clients drop them, so timestamps stay bounded).
 */
export const inflateTs: ServerStrategy<BftMessage> = (honest, ctx) => {
  let counter = 0;
  return wrap(honest, (_from, _msg, out) =>
    out.map((send): Send<BftMessage> => {
      const reply = send.msg;
      if (reply.type !== 'GET_TS_ACK') return send;
      counter++;
      return {
        to: send.to,
        msg: {
          ...reply,
          num: FORGED_NUM + counter,
          writer: victimWriter(ctx, counter),
          hash: ctx.env.random.bytes(HASH_BYTES),
          sig: ctx.env.random.bytes(SIGNATURE_BYTES),
        },
      };
    }),
  );
};

/**
 * `confirm-stale`: a selective liar one version behind. It stores and acknowledges PUTs like a
 * correct server, but answers GET and GET_TS with the version it held before its current one (a
 * genuine, validly signed version, so no client can drop it). It is the strongest lie a server
 * without keys can tell about one write: "I never got it". A quorum of `2t + 1` still meets `t + 1`
 * servers that are correct and up to date; one of `t + 1` would not.
 */
export const confirmStale: ServerStrategy<BftMessage> = (honest) => {
  const current = (): SignedVersion => (honest instanceof BftSignedServer ? honest.current() : INITIAL_VERSION);
  let previous: SignedVersion = INITIAL_VERSION;
  return {
    handle(from, msg) {
      const before = current();
      const out = honest.handle(from, msg);
      if (current() !== before) previous = before;
      const { ts, value, hash, sig } = previous;
      return out.map((send): Send<BftMessage> => {
        const reply = send.msg;
        if (reply.type === 'GET_TS_ACK') return { to: send.to, msg: { ...reply, num: ts.num, writer: ts.writer, hash, sig } };
        if (reply.type === 'GET_ACK') return { to: send.to, msg: { ...reply, num: ts.num, writer: ts.writer, value, sig } };
        return send;
      });
    },
    storedBytes: () => honest.storedBytes(),
  };
};

export const BFT_SIGNED_STRATEGIES: Readonly<Record<string, ServerStrategy<BftMessage>>> = {
  forge,
  corrupt,
  equivocate,
  'inflate-ts': inflateTs,
  'confirm-stale': confirmStale,
};
