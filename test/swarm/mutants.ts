/**
 * Deliberately broken protocol variants that the swarm must catch (test/swarm-mutation.test.ts,
 * test/swarm/mutation-scan.ts).
 */
import { abd } from '../../protocols/abd/index.ts';
import type { AnyProtocolDefinition, ProtocolMessage, ServerMachine } from '../../protocols/types.ts';

/**
 * ABD whose servers acknowledge a reader's PUT (the read's write-back) without storing it: a read
 * may return a value that a later read does not see (new/old inversion).
 */
export const abdNoWriteBack: AnyProtocolDefinition = {
  ...abd,
  createServer: (...args: Parameters<typeof abd.createServer>): ServerMachine => {
    const honest = abd.createServer(...args) as ServerMachine;
    return {
      handle: (from, msg: ProtocolMessage & { op?: number }) =>
        msg.type === 'PUT' && from.startsWith('r') ? [{ to: from, msg: { type: 'PUT_ACK', op: msg.op } }] : honest.handle(from, msg),
      storedBytes: () => honest.storedBytes(),
    };
  },
};
