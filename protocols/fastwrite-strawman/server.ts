/**
 * @module The fast-write strawman's server (UNSAFE by design; see `index.ts`): stores every
 * version's fragment the writer sends, reports all of them to readers, and records the metadata that
 * readers write back (which carries no fragment, so it cannot restore a lost value: Appendix A, run6).
 */
import type { ClusterInfo, NodeEnv, NodeId, Send, ServerMachine } from '../types.ts';
import type { FastWriteMessage, StoredVersion } from './messages.ts';

/**
 * Versions kept per server (the newest ones). The strawman exists for scripted scenarios of a few
 * operations; the bound only keeps a long run from growing COLLECT_ACKs without limit.
 */
export const MAX_VERSIONS_KEPT = 64;

/** Bytes of metadata charged per stored timestamp in `storedBytes`. */
const TS_BYTES = 8;
const DIGEST_BYTES = 32;

export class FastWriteServer implements ServerMachine<FastWriteMessage> {
  /** Ascending by timestamp. */
  private versions: StoredVersion[] = [];
  /** The highest timestamp a reader wrote back, with its cross-checksum (metadata only). */
  private wbTs = 0;
  private wbCc: Uint8Array[] = [];
  private readonly writers: ReadonlySet<NodeId>;

  constructor(
    private readonly cluster: ClusterInfo,
    private readonly env: NodeEnv,
  ) {
    this.writers = new Set(cluster.writers);
  }

  handle(from: NodeId, msg: FastWriteMessage): Send<FastWriteMessage>[] {
    switch (msg.type) {
      case 'STORE': {
        // Writers fail only by crashing (Appendix A's model); a STORE from anyone else is hostile.
        if (!this.writers.has(from)) {
          this.env.reject('store-from-non-writer');
          return [];
        }
        if (msg.cc.length !== this.cluster.n) {
          this.env.reject('cc-wrong-length');
          return [];
        }
        // A timestamp already stored keeps its first version and is acknowledged again.
        if (!this.versions.some((v) => v.ts === msg.ts)) {
          this.versions.push({ ts: msg.ts, fragment: msg.fragment, cc: msg.cc });
          this.versions.sort((a, b) => a.ts - b.ts);
          if (this.versions.length > MAX_VERSIONS_KEPT) this.versions = this.versions.slice(-MAX_VERSIONS_KEPT);
        }
        return [{ to: from, msg: { type: 'STORE_ACK', ts: msg.ts } }];
      }
      case 'COLLECT':
        return [{ to: from, msg: { type: 'COLLECT_ACK', rid: msg.rid, versions: this.versions.slice(), wbTs: this.wbTs } }];
      case 'WRITEBACK':
        if (msg.cc.length !== this.cluster.n && msg.ts !== 0) {
          this.env.reject('cc-wrong-length');
          return [];
        }
        // Metadata only: the server learns that version `ts` was returned, not its bytes.
        if (msg.ts > this.wbTs) {
          this.wbTs = msg.ts;
          this.wbCc = msg.cc;
        }
        return [{ to: from, msg: { type: 'WRITEBACK_ACK', rid: msg.rid } }];
      case 'STORE_ACK':
      case 'COLLECT_ACK':
      case 'WRITEBACK_ACK':
        this.env.reject('unexpected-message');
        return [];
    }
  }

  storedBytes(): number {
    let bytes = TS_BYTES + this.wbCc.length * DIGEST_BYTES;
    for (const v of this.versions) bytes += TS_BYTES + v.fragment.length + v.cc.length * DIGEST_BYTES;
    return bytes;
  }

  /** For tests: the timestamps this server holds a fragment of, and its written-back timestamp. */
  snapshot(): { readonly held: number[]; readonly wbTs: number } {
    return { held: this.versions.map((v) => v.ts), wbTs: this.wbTs };
  }
}
