/**
 * @module The CAS server (docs/protocols.md#cas) with CASGC's garbage collection: a map tag → (element or
 * ⊥, label), where the element of every tag below the server's `retain`-th highest `fin` tag is
 * collected, and nothing else.
 *
 * Collection drops the whole entry, so a server holds at most `retain` `fin` entries plus the `pre`
 * entries above the line (one per writer whose FIN has not arrived yet: a writer finalizes before it
 * starts its next pre-write, and links are FIFO). Everything below the line is answered from the line
 * alone: PRE and FIN are acknowledged and not stored, READ_FIN answers `collected`.
 */
import type { ClusterInfo, NodeEnv, NodeId, Send, ServerMachine } from '../types.ts';
import { writerTimestamps as tags } from '../common/timestamp.ts';
import { codeDimension } from './quorum.ts';
import type { CasMessage, CasTag } from './messages.ts';

interface Entry {
  readonly tag: CasTag;
  /** ⊥ (null) when a FIN or READ_FIN labelled the tag before its PRE arrived. */
  element: Uint8Array | null;
  fin: boolean;
}

/** Bytes charged per entry for its label (`pre` or `fin`). */
const LABEL_BYTES = 1;

export interface CasServerConfig {
  readonly index: number;
  readonly cluster: ClusterInfo;
  /** How many of the highest `fin` tags keep their elements (`retain`). */
  readonly retain: number;
}

export class CasServer implements ServerMachine<CasMessage> {
  private readonly entries = new Map<string, Entry>();
  /** Tags labelled `fin` and not collected, ascending; at most `retain` once a message is handled. */
  private readonly finTags: CasTag[];
  /** Every tag below the line was collected. It starts at `t0`, below which there is nothing. */
  private line: CasTag = tags.ts0;
  private readonly writers: ReadonlySet<NodeId>;

  constructor(
    private readonly config: CasServerConfig,
    private readonly env: NodeEnv,
  ) {
    const { n, t } = config.cluster;
    this.writers = new Set(config.cluster.writers);
    // {t0 → (e0_i, fin)}: this server's element of the initial (empty) value.
    const initial = env.codec.encode(new Uint8Array(0), codeDimension(n, t), n)[config.index]!;
    this.entries.set(tags.key(tags.ts0), { tag: tags.ts0, element: initial, fin: true });
    this.finTags = [tags.ts0];
  }

  handle(from: NodeId, msg: CasMessage): Send<CasMessage>[] {
    switch (msg.type) {
      case 'QUERY':
        return [{ to: from, msg: { type: 'QUERY_ACK', op: msg.op, tag: this.maxFin() } }];
      case 'PRE':
        if (!this.fromItsWriter(from, msg.tag, 'pre')) return [];
        this.preWrite(msg.tag, msg.element);
        return [{ to: from, msg: { type: 'PRE_ACK', op: msg.op } }];
      case 'FIN':
        if (!this.fromItsWriter(from, msg.tag, 'fin')) return [];
        this.finalize(msg.tag);
        return [{ to: from, msg: { type: 'FIN_ACK', op: msg.op } }];
      case 'READ_FIN': {
        this.finalize(msg.tag);
        if (this.collected(msg.tag)) return [{ to: from, msg: { type: 'READ_FIN_ACK', op: msg.op, element: null, reason: 'collected' } }];
        const element = this.entries.get(tags.key(msg.tag))?.element ?? null;
        const reply: CasMessage = element === null ? { type: 'READ_FIN_ACK', op: msg.op, element: null, reason: 'missing' } : { type: 'READ_FIN_ACK', op: msg.op, element };
        return [{ to: from, msg: reply }];
      }
      case 'QUERY_ACK':
      case 'PRE_ACK':
      case 'FIN_ACK':
      case 'READ_FIN_ACK':
        this.env.reject('unexpected-message');
        return [];
    }
  }

  storedBytes(): number {
    // Elements, plus per entry its tag and label, plus the line (maxFin is the highest fin entry's tag).
    let total = tags.storedSize(this.line);
    for (const entry of this.entries.values()) total += (entry.element?.length ?? 0) + tags.storedSize(entry.tag) + LABEL_BYTES;
    return total;
  }

  /** The highest tag ever labelled `fin` here: the QUERY reply. It is never collected (retain ≥ 1). */
  maxFin(): CasTag {
    return this.finTags[this.finTags.length - 1]!;
  }

  /** The collection line (tests): tags below it are collected. */
  collectionLine(): CasTag {
    return this.line;
  }

  /** Elements held (tests: the storage bound of `retain` + writers). */
  elementsHeld(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.element !== null) count++;
    return count;
  }

  /** `pre`, `fin`, or undefined when the tag is unknown or collected (tests). */
  labelOf(tag: CasTag): 'pre' | 'fin' | undefined {
    const entry = this.entries.get(tags.key(tag));
    return entry === undefined ? undefined : entry.fin ? 'fin' : 'pre';
  }

  // ---------------------------------------------------------------- rules

  /** PRE and FIN come from writers, for their own tags (`(z, w)` is made by writer `w`), never `t0`. */
  private fromItsWriter(from: NodeId, tag: CasTag, what: 'pre' | 'fin'): boolean {
    if (!this.writers.has(from)) {
      this.env.reject(`${what}-from-non-writer`);
      return false;
    }
    if (tag.writer !== from || tags.isTs0(tag)) {
      this.env.reject(`${what}-foreign-tag`);
      return false;
    }
    return true;
  }

  private collected(tag: CasTag): boolean {
    return tags.compare(tag, this.line) < 0;
  }

  private preWrite(tag: CasTag, element: Uint8Array): void {
    // Below the line: acknowledged, not stored (maxFin is already higher than the tag).
    if (this.collected(tag)) return;
    const entry = this.entries.get(tags.key(tag));
    if (entry === undefined) this.entries.set(tags.key(tag), { tag, element, fin: false });
    // A finalize came first: store the element and keep the label `fin`.
    else if (entry.element === null) entry.element = element;
  }

  private finalize(tag: CasTag): void {
    if (this.collected(tag)) return;
    const key = tags.key(tag);
    const entry = this.entries.get(key);
    if (entry?.fin === true) return;
    if (entry === undefined) this.entries.set(key, { tag, element: null, fin: true });
    else entry.fin = true;
    let position = this.finTags.length;
    while (position > 0 && tags.compare(this.finTags[position - 1]!, tag) > 0) position--;
    this.finTags.splice(position, 0, tag);
    this.collect();
  }

  /**
   * CASGC: the line is the `retain`-th highest `fin` tag; every entry below it goes, `pre` ones
   * included, and none above it. Counting only `fin` tags matters: writers that crashed after their
   * pre-write leave `pre` tags that must not push finalized elements out (docs/protocols.md#cas).
   */
  private collect(): void {
    const excess = this.finTags.length - this.config.retain;
    if (excess <= 0) return;
    this.finTags.splice(0, excess);
    this.line = this.finTags[0]!;
    for (const [key, entry] of this.entries) if (this.collected(entry.tag)) this.entries.delete(key);
  }
}
