/**
 * @module The protocol registry: adding a protocol is one folder under `protocols/` and one line here.
 */
import type { AnyProtocolDefinition } from './types.ts';
import { abd } from './abd/index.ts';
import { bftSigned } from './bft-signed/index.ts';
import { powerstore } from './powerstore/index.ts';
import { mPowerstore } from './m-powerstore/index.ts';

export const PROTOCOLS: Readonly<Record<string, AnyProtocolDefinition>> = {
  abd,
  'bft-signed': bftSigned,
  powerstore,
  'm-powerstore': mPowerstore,
};

export function protocolNames(): string[] {
  return Object.keys(PROTOCOLS);
}
