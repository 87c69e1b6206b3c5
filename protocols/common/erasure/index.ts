/**
 * @module Erasure codec factory. 'auto' prefers the native helper (@ronomon/reed-solomon's XOR
 * kernel) and falls back to the TypeScript codec when it is absent or broken; the codec's `name`
 * ('rs-native' or 'rs-ts') records which one ran. Both produce identical fragments (layout.ts).
 */
import type { ErasureCodec } from './types.ts';
import { createTsCodec } from './ts.ts';
import { createNativeCodec } from './native.ts';
import type { ErasurePreference } from './preferences.ts';
import type { ProgramCache } from './layout.ts';

export type { ErasureCodec } from './types.ts';
export { ERASURE_PREFERENCES, type ErasurePreference } from './preferences.ts';
export { createProgramCache, type ProgramCache } from './layout.ts';

/** `programs`: the XOR programs' cache, which the caller may share between codecs (one per run). */
export function createErasureCodec(preference: ErasurePreference = 'auto', programs?: ProgramCache): ErasureCodec {
  switch (preference) {
    case 'typescript':
      return createTsCodec(programs);
    case 'native': {
      const native = createNativeCodec(programs);
      if (native === undefined) {
        throw new Error('erasure codec: native (@ronomon/reed-solomon) requested but not loadable');
      }
      return native;
    }
    case 'auto':
      return createNativeCodec(programs) ?? createTsCodec(programs);
    default: {
      const bad: never = preference;
      throw new RangeError(`erasure codec: unknown preference ${JSON.stringify(bad)}`);
    }
  }
}
