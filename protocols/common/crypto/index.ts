/**
 * @module Crypto provider factory. `node` (node:crypto) is the default; `noble` is pure JS.
 */
import type { CryptoProvider } from './types.ts';
import { createNodeCryptoProvider } from './node.ts';
import { createNobleCryptoProvider } from './noble.ts';
import type { CryptoProviderName } from './names.ts';

export type { CryptoProvider, Ed25519KeyPair } from './types.ts';
export { CRYPTO_PROVIDER_NAMES, type CryptoProviderName } from './names.ts';

export function createCryptoProvider(name: CryptoProviderName = 'node'): CryptoProvider {
  switch (name) {
    case 'node':
      return createNodeCryptoProvider();
    case 'noble':
      return createNobleCryptoProvider();
    default: {
      const bad: never = name;
      throw new RangeError(`crypto provider: unknown name ${JSON.stringify(bad)} (expected 'node' or 'noble')`);
    }
  }
}
