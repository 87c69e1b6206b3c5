/**
 * @module Messages of PoWerStore and M-PoWerStore (docs/protocols.md#powerstore, #m-powerstore),
 * generic over the timestamp type, and their strict parser for decoded wire input. "Detail N" is
 * item N of docs/protocols.md#implementation-details.
 *
 * `mac` (the MAC vector μ) is present exactly in the multi-writer variant. Sizes that depend on the
 * cluster (a cross-checksum has `n` entries, a FILTER at most `n + 1` candidates) cannot be checked
 * here, since `parseMessage` does not know `n`: the server and the reader check them and count a
 * rejection. Everything else (types, 32-byte nonces, hashes and MACs, absolute size limits) is
 * checked here.
 */
import type { TimestampOps } from '../timestamp.ts';
import { isCounter, isPlainRecord, hasExactly } from '../wire-checks.ts';

/** A candidate `c = (ts, N)`: a timestamp and the nonce whose hash is the version's commitment. */
export interface Candidate<T> {
  readonly ts: T;
  readonly nonce: Uint8Array;
}

/** One FILTER status (docs/protocols.md#server-state-and-handlers). */
export type FilterStatus<T> =
  | {
      readonly kind: 'CONFIRM';
      /** The cross-checksum `(H(fr1), …, H(frn))`; empty for `c0`, whose value is public. */
      readonly cc: Uint8Array[];
      /** Attached only to the highest candidate the server verifies, and only if not pruned. */
      readonly fragment: Uint8Array | null;
      /** The server's `lc` when the fragment was pruned (retention); else null. */
      readonly lc: Candidate<T> | null;
    }
  | { readonly kind: 'REFUTE' }
  | { readonly kind: 'UNKNOWN' };

export type PowerStoreMessage<T> =
  | {
      readonly type: 'STORE';
      readonly ts: T;
      readonly fragment: Uint8Array;
      readonly cc: Uint8Array[];
      readonly commitment: Uint8Array;
      readonly mac?: Uint8Array[];
    }
  | { readonly type: 'STORE_ACK'; readonly ts: T }
  | { readonly type: 'COMPLETE'; readonly ts: T; readonly nonce: Uint8Array }
  | { readonly type: 'COMPLETE_ACK'; readonly ts: T }
  | { readonly type: 'COLLECT'; readonly rid: number }
  | { readonly type: 'COLLECT_ACK'; readonly rid: number; readonly lc: Candidate<T> }
  | { readonly type: 'FILTER'; readonly rid: number; readonly candidates: Candidate<T>[] }
  | { readonly type: 'FILTER_ACK'; readonly rid: number; readonly statuses: FilterStatus<T>[] }
  | {
      readonly type: 'FILTER_UPDATE';
      readonly rid: number;
      /** Position of the candidate in the reader's FILTER list (detail 1: `C` is ordered). */
      readonly index: number;
      readonly candidate: Candidate<T>;
      readonly status: FilterStatus<T>;
    }
  | { readonly type: 'GET_TS'; readonly op: number }
  | { readonly type: 'GET_TS_ACK'; readonly op: number; readonly ts: T; readonly mac: Uint8Array[] };

export type PowerStoreMessageType = PowerStoreMessage<unknown>['type'];

/** Nonces, commitments, hashes and MACs are 32 bytes (SHA-256 / HMAC-SHA-256). */
export const DIGEST_BYTES = 32;
/** The public nonce `N0` of the initial candidate `c0`: 32 zero bytes. */
export const N0: Uint8Array = new Uint8Array(DIGEST_BYTES);
/** Absolute wire limits (the cluster-dependent ones are checked by the machines). */
export const MAX_SERVERS = 1024;
export const MAX_CANDIDATES_ON_WIRE = MAX_SERVERS + 1;
export const MAX_FRAGMENT_BYTES = 64 * 1024 * 1024;

const FIELDS_SINGLE: Readonly<Record<PowerStoreMessageType, readonly string[]>> = {
  STORE: ['type', 'ts', 'fragment', 'cc', 'commitment'],
  STORE_ACK: ['type', 'ts'],
  COMPLETE: ['type', 'ts', 'nonce'],
  COMPLETE_ACK: ['type', 'ts'],
  COLLECT: ['type', 'rid'],
  COLLECT_ACK: ['type', 'rid', 'lc'],
  FILTER: ['type', 'rid', 'candidates'],
  FILTER_ACK: ['type', 'rid', 'statuses'],
  FILTER_UPDATE: ['type', 'rid', 'index', 'candidate', 'status'],
  GET_TS: ['type', 'op'],
  GET_TS_ACK: ['type', 'op', 'ts', 'mac'],
};

const FIELDS_MULTI: Readonly<Record<PowerStoreMessageType, readonly string[]>> = {
  ...FIELDS_SINGLE,
  STORE: ['type', 'ts', 'fragment', 'cc', 'commitment', 'mac'],
};

function isDigest(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === DIGEST_BYTES;
}

function parseDigestList(value: unknown, max: number): Uint8Array[] | undefined {
  if (!Array.isArray(value) || value.length > max) return undefined;
  for (const item of value) if (!isDigest(item)) return undefined;
  return value.slice() as Uint8Array[];
}

function isFragment(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length <= MAX_FRAGMENT_BYTES;
}

/** Builds the strict parser of one variant. */
export function createMessageParser<T>(ts: TimestampOps<T>, multiWriter: boolean): (value: unknown) => PowerStoreMessage<T> | undefined {
  const fieldsOf = multiWriter ? FIELDS_MULTI : FIELDS_SINGLE;

  function parseCandidate(value: unknown): Candidate<T> | undefined {
    if (!isPlainRecord(value) || !hasExactly(value, ['ts', 'nonce'])) return undefined;
    const parsedTs = ts.parse(value['ts']);
    if (parsedTs === undefined || !isDigest(value['nonce'])) return undefined;
    return { ts: parsedTs, nonce: value['nonce'] };
  }

  function parseStatus(value: unknown): FilterStatus<T> | undefined {
    if (!isPlainRecord(value)) return undefined;
    switch (value['kind']) {
      case 'REFUTE':
      case 'UNKNOWN':
        return hasExactly(value, ['kind']) ? { kind: value['kind'] } : undefined;
      case 'CONFIRM': {
        if (!hasExactly(value, ['kind', 'cc', 'fragment', 'lc'])) return undefined;
        const cc = parseDigestList(value['cc'], MAX_SERVERS);
        const fragment = value['fragment'];
        if (cc === undefined || !(fragment === null || isFragment(fragment))) return undefined;
        let lc: Candidate<T> | null = null;
        if (value['lc'] !== null) {
          const parsed = parseCandidate(value['lc']);
          if (parsed === undefined) return undefined;
          lc = parsed;
        }
        return { kind: 'CONFIRM', cc, fragment, lc };
      }
      default:
        return undefined;
    }
  }

  return function parsePowerStoreMessage(value: unknown): PowerStoreMessage<T> | undefined {
    if (!isPlainRecord(value)) return undefined;
    const type = value['type'];
    if (typeof type !== 'string' || !Object.hasOwn(fieldsOf, type)) return undefined;
    const messageType = type as PowerStoreMessageType;
    // The single-writer variant has no GET_TS round.
    if (!multiWriter && (messageType === 'GET_TS' || messageType === 'GET_TS_ACK')) return undefined;
    if (!hasExactly(value, fieldsOf[messageType])) return undefined;
    switch (messageType) {
      case 'STORE': {
        const parsedTs = ts.parse(value['ts']);
        const cc = parseDigestList(value['cc'], MAX_SERVERS);
        if (parsedTs === undefined || cc === undefined || !isFragment(value['fragment']) || !isDigest(value['commitment'])) return undefined;
        if (!multiWriter) return { type: 'STORE', ts: parsedTs, fragment: value['fragment'], cc, commitment: value['commitment'] };
        const mac = parseDigestList(value['mac'], MAX_SERVERS);
        if (mac === undefined) return undefined;
        return { type: 'STORE', ts: parsedTs, fragment: value['fragment'], cc, commitment: value['commitment'], mac };
      }
      case 'STORE_ACK':
      case 'COMPLETE_ACK': {
        const parsedTs = ts.parse(value['ts']);
        return parsedTs === undefined ? undefined : { type: messageType, ts: parsedTs };
      }
      case 'COMPLETE': {
        const parsedTs = ts.parse(value['ts']);
        if (parsedTs === undefined || !isDigest(value['nonce'])) return undefined;
        return { type: 'COMPLETE', ts: parsedTs, nonce: value['nonce'] };
      }
      case 'COLLECT':
        return isCounter(value['rid']) ? { type: 'COLLECT', rid: value['rid'] } : undefined;
      case 'COLLECT_ACK': {
        const lc = parseCandidate(value['lc']);
        if (!isCounter(value['rid']) || lc === undefined) return undefined;
        return { type: 'COLLECT_ACK', rid: value['rid'], lc };
      }
      case 'FILTER': {
        const list = value['candidates'];
        if (!isCounter(value['rid']) || !Array.isArray(list) || list.length > MAX_CANDIDATES_ON_WIRE) return undefined;
        const candidates: Candidate<T>[] = [];
        for (const item of list) {
          const candidate = parseCandidate(item);
          if (candidate === undefined) return undefined;
          candidates.push(candidate);
        }
        return { type: 'FILTER', rid: value['rid'], candidates };
      }
      case 'FILTER_ACK': {
        const list = value['statuses'];
        if (!isCounter(value['rid']) || !Array.isArray(list) || list.length > MAX_CANDIDATES_ON_WIRE) return undefined;
        const statuses: FilterStatus<T>[] = [];
        for (const item of list) {
          const status = parseStatus(item);
          if (status === undefined) return undefined;
          statuses.push(status);
        }
        return { type: 'FILTER_ACK', rid: value['rid'], statuses };
      }
      case 'FILTER_UPDATE': {
        const candidate = parseCandidate(value['candidate']);
        const status = parseStatus(value['status']);
        const index = value['index'];
        if (!isCounter(value['rid']) || !isCounter(index) || index >= MAX_CANDIDATES_ON_WIRE) return undefined;
        if (candidate === undefined || status === undefined || status.kind === 'UNKNOWN') return undefined;
        return { type: 'FILTER_UPDATE', rid: value['rid'], index, candidate, status };
      }
      case 'GET_TS':
        return isCounter(value['op']) ? { type: 'GET_TS', op: value['op'] } : undefined;
      case 'GET_TS_ACK': {
        const parsedTs = ts.parse(value['ts']);
        const mac = parseDigestList(value['mac'], MAX_SERVERS);
        if (!isCounter(value['op']) || parsedTs === undefined || mac === undefined) return undefined;
        return { type: 'GET_TS_ACK', op: value['op'], ts: parsedTs, mac };
      }
    }
  };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Identity of a candidate, for deduplication: the timestamp key and the nonce in hex. */
export function candidateKey<T>(ts: TimestampOps<T>, candidate: Candidate<T>): string {
  return `${ts.key(candidate.ts)}#${toHex(candidate.nonce)}`;
}

export function toHex(bytes: Uint8Array): string {
  // Buffer's native hex encoder, far cheaper than a string built per byte. A copy rather than a
  // view of `bytes.buffer`: reading `.buffer` of a small on-heap typed array (a digest made in
  // this process) moves its bytes off the heap, which costs more than the copy.
  return Buffer.from(bytes).toString('hex');
}
