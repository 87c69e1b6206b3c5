/**
 * @module The protocol registry: adding a protocol is one folder under `protocols/` and one line here.
 */
import type { AnyProtocolDefinition } from './types.ts';
import { abd } from './abd/index.ts';
import { bftSigned } from './bft-signed/index.ts';
import { powerstore } from './powerstore/index.ts';
import { mPowerstore } from './m-powerstore/index.ts';
import { cas } from './cas/index.ts';
import { fastwriteStrawman } from './fastwrite-strawman/index.ts';

export const PROTOCOLS: Readonly<Record<string, AnyProtocolDefinition>> = {
  abd,
  'bft-signed': bftSigned,
  powerstore,
  'm-powerstore': mPowerstore,
  cas,
};

// UNSAFE by design (Appendix A): resolvable by name (`protocol.name: fastwrite-strawman`) but not
// enumerable, so that suites, sweeps and benchmarks iterating PROTOCOLS / protocolNames() skip it.
Object.defineProperty(PROTOCOLS, fastwriteStrawman.name, { value: fastwriteStrawman, enumerable: false });

export function protocolNames(): string[] {
  return Object.keys(PROTOCOLS);
}
