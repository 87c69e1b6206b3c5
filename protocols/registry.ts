/**
 * @module The protocol registry: adding a protocol is one folder under `protocols/` and one line here.
 */
import type { AnyProtocolDefinition } from './types.ts';

export const PROTOCOLS: Readonly<Record<string, AnyProtocolDefinition>> = {
};

export function protocolNames(): string[] {
  return Object.keys(PROTOCOLS);
}
