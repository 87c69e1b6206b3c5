/**
 * @module Messages of the fast-write strawman (UNSAFE by design; see `index.ts`) and their strict
 * parser for decoded wire input.
 *
 * A version is `(ts, fragment, cc)`: an integer timestamp (single writer, `ts0 = 0`), the server's
 * erasure-coded fragment and the cross-checksum `cc = (H(fr1), …, H(frn))`. The read's write-back
 * carries metadata only (`ts`, `cc`), never fragment bytes: the strawman is "selfish" in the sense of
 * Appendix A.
 */
import { isCounter, isPlainRecord, hasExactly } from '../common/wire-checks.ts';

/** One stored version as a server reports it. */
export interface StoredVersion {
  readonly ts: number;
  readonly fragment: Uint8Array;
  readonly cc: Uint8Array[];
}

export type FastWriteMessage =
  /** The write's only round: each server gets its own fragment. */
  | { readonly type: 'STORE'; readonly ts: number; readonly fragment: Uint8Array; readonly cc: Uint8Array[] }
  | { readonly type: 'STORE_ACK'; readonly ts: number }
  /** Read round 1. */
  | { readonly type: 'COLLECT'; readonly rid: number }
  /**
   * Every version the server holds (ascending `ts`) and the highest timestamp written back to it by a
   * reader (`wbTs`, metadata only: the server may hold no fragment of it).
   */
  | { readonly type: 'COLLECT_ACK'; readonly rid: number; readonly versions: StoredVersion[]; readonly wbTs: number }
  /** Read round 2: the metadata-only write-back of the version the read returns. */
  | { readonly type: 'WRITEBACK'; readonly rid: number; readonly ts: number; readonly cc: Uint8Array[] }
  | { readonly type: 'WRITEBACK_ACK'; readonly rid: number };

export type FastWriteMessageType = FastWriteMessage['type'];

/** SHA-256 digests. */
export const DIGEST_BYTES = 32;
/** Absolute wire limits; the cluster-dependent ones (cc has exactly n entries) are checked by the machines. */
export const MAX_SERVERS = 1024;
export const MAX_VERSIONS_ON_WIRE = 1 << 16;
export const MAX_FRAGMENT_BYTES = 64 * 1024 * 1024;

const FIELDS: Readonly<Record<FastWriteMessageType, readonly string[]>> = {
  STORE: ['type', 'ts', 'fragment', 'cc'],
  STORE_ACK: ['type', 'ts'],
  COLLECT: ['type', 'rid'],
  COLLECT_ACK: ['type', 'rid', 'versions', 'wbTs'],
  WRITEBACK: ['type', 'rid', 'ts', 'cc'],
  WRITEBACK_ACK: ['type', 'rid'],
};

function isFragment(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length <= MAX_FRAGMENT_BYTES;
}

function parseDigests(value: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_SERVERS) return undefined;
  for (const item of value) if (!(item instanceof Uint8Array && item.length === DIGEST_BYTES)) return undefined;
  return value.slice() as Uint8Array[];
}

function parseVersion(value: unknown): StoredVersion | undefined {
  if (!isPlainRecord(value) || !hasExactly(value, ['ts', 'fragment', 'cc'])) return undefined;
  const cc = parseDigests(value['cc']);
  if (!isCounter(value['ts']) || !isFragment(value['fragment']) || cc === undefined) return undefined;
  return { ts: value['ts'], fragment: value['fragment'], cc };
}

/** Accepts exactly the fields of one message type with the right types; anything else is `undefined`. */
export function parseFastWriteMessage(value: unknown): FastWriteMessage | undefined {
  if (!isPlainRecord(value)) return undefined;
  const type = value['type'];
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) return undefined;
  const messageType = type as FastWriteMessageType;
  if (!hasExactly(value, FIELDS[messageType])) return undefined;
  switch (messageType) {
    case 'STORE': {
      const cc = parseDigests(value['cc']);
      if (!isCounter(value['ts']) || !isFragment(value['fragment']) || cc === undefined) return undefined;
      return { type: 'STORE', ts: value['ts'], fragment: value['fragment'], cc };
    }
    case 'STORE_ACK':
      return isCounter(value['ts']) ? { type: 'STORE_ACK', ts: value['ts'] } : undefined;
    case 'COLLECT':
      return isCounter(value['rid']) ? { type: 'COLLECT', rid: value['rid'] } : undefined;
    case 'COLLECT_ACK': {
      const list = value['versions'];
      if (!isCounter(value['rid']) || !isCounter(value['wbTs']) || !Array.isArray(list) || list.length > MAX_VERSIONS_ON_WIRE) return undefined;
      const versions: StoredVersion[] = [];
      for (const item of list) {
        const version = parseVersion(item);
        if (version === undefined) return undefined;
        versions.push(version);
      }
      return { type: 'COLLECT_ACK', rid: value['rid'], versions, wbTs: value['wbTs'] };
    }
    case 'WRITEBACK': {
      const cc = parseDigests(value['cc']);
      if (!isCounter(value['rid']) || !isCounter(value['ts']) || cc === undefined) return undefined;
      return { type: 'WRITEBACK', rid: value['rid'], ts: value['ts'], cc };
    }
    case 'WRITEBACK_ACK':
      return isCounter(value['rid']) ? { type: 'WRITEBACK_ACK', rid: value['rid'] } : undefined;
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
