/**
 * @module A frame carrying one message of an external node: the body (its `type` is what fault
 * schedules match), the exact line the node wrote (handed verbatim to the receiving node), and that
 * line's size in bytes, which is what the metrics count for it (frame-size.ts reads `jsonBytes`).
 */
import type { Frame } from '../transport/types.ts';
import type { Body } from './maelstrom.ts';

export class ExternalFrame implements Frame {
  /** External nodes address registers inside their messages (the lin-kv `key`), not by frame. */
  readonly key = '';

  constructor(
    readonly msg: Body,
    readonly line: string,
    readonly jsonBytes: number,
    readonly tag: number,
  ) {}
}
