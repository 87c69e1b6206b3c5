/**
 * @module Which erasure codec to use, apart from the codecs themselves so that a command line can
 * list the choices without loading a codec.
 */
export const ERASURE_PREFERENCES = ['auto', 'native', 'typescript'] as const;
export type ErasurePreference = (typeof ERASURE_PREFERENCES)[number];
