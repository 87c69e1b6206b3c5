/**
 * @module ABD server (docs/protocols.md#abd): keeps the highest `(ts, v)` it has seen.
 */
import type { NodeEnv, NodeId, Send, ServerMachine } from '../types.ts';
import { compareTimestamps } from '../common/quorum.ts';
import type { AbdMessage } from './messages.ts';

/** Bytes of timestamp metadata counted in `storedBytes`: an 8-byte counter plus the writer id. */
const TS_NUM_BYTES = 8;

export class AbdServer implements ServerMachine<AbdMessage> {
  private num = 0;
  private writer = '';
  private value: Uint8Array = new Uint8Array(0);

  constructor(private readonly env: NodeEnv) {}

  handle(from: NodeId, msg: AbdMessage): Send<AbdMessage>[] {
    switch (msg.type) {
      case 'GET_TS':
        return [{ to: from, msg: { type: 'GET_TS_ACK', op: msg.op, num: this.num, writer: this.writer } }];
      case 'GET':
        return [{ to: from, msg: { type: 'GET_ACK', op: msg.op, num: this.num, writer: this.writer, value: this.value } }];
      case 'PUT':
        if (compareTimestamps(msg.num, msg.writer, this.num, this.writer) > 0) {
          this.num = msg.num;
          this.writer = msg.writer;
          this.value = msg.value;
        }
        return [{ to: from, msg: { type: 'PUT_ACK', op: msg.op } }];
      case 'GET_TS_ACK':
      case 'GET_ACK':
      case 'PUT_ACK':
        this.env.reject('unexpected-message');
        return [];
    }
  }

  storedBytes(): number {
    return this.value.length + TS_NUM_BYTES + this.writer.length;
  }
}
