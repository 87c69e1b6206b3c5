/**
 * @module The crypto providers' names, apart from the providers themselves so that a command line can
 * list them without loading any crypto library.
 */
export const CRYPTO_PROVIDER_NAMES = ['node', 'noble'] as const;
export type CryptoProviderName = (typeof CRYPTO_PROVIDER_NAMES)[number];
