/**
 * @module Internal: a history split by key (P-compositionality: a history is linearizable iff each
 * key's sub-history is) into compact typed arrays, the form both checking algorithms work on and
 * that can be transferred to a worker thread without copying objects.
 */
import { HistoryInputError, type CheckerRecord, type CheckModel } from './types.ts';

export const READ = 0;
export const WRITE = 1;
export const CAS = 2;

export const SWAPPED = 0;
export const MISMATCH = 1;
/** Outcome of a pending compare-and-set. */
export const UNKNOWN = 2;

/** Value id of null, the register's initial value. */
export const NULL_ID = 0;

/**
 * One key's operations that can matter: failed operations (no effect) and pending reads (no effect,
 * nothing observed) are left out. Pending writes and compare-and-sets have `ret = Infinity`.
 */
export interface KeyOps {
  readonly key: string;
  readonly n: number;
  readonly kind: Uint8Array;
  /** Read: value returned. Write: value written. Cas: new value. (Value ids; 0 = null.) */
  readonly value: Int32Array;
  /** Cas: expected value id; -1 otherwise. */
  readonly expected: Int32Array;
  /** Cas: SWAPPED, MISMATCH or UNKNOWN; 0 otherwise. */
  readonly outcome: Uint8Array;
  readonly call: Float64Array;
  readonly ret: Float64Array;
  /** Index of the operation in the checked record array. */
  readonly index: Int32Array;
  /** Value id → value; entry 0 is null. */
  readonly values: readonly (string | null)[];
}

export interface SplitHistory {
  readonly keys: KeyOps[];
  /** Per key, indices of failed writes/cas by value (for explanations of reads of such values). */
  readonly failedWriteIndexByKey: Map<string, Map<string, number>>;
  readonly hasCas: boolean;
}

export function splitByKey(records: readonly CheckerRecord[], model: CheckModel | undefined): SplitHistory {
  const groups = new Map<string, number[]>();
  const failedWriteIndexByKey = new Map<string, Map<string, number>>();
  let hasCas = false;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as CheckerRecord;
    if (r.op === 'cas') {
      hasCas = true;
      if (model === 'register') {
        throw new HistoryInputError(0, 'op', `record #${i} is a cas, which the model "register" does not have (use --model cas-register)`);
      }
    }
    if (r.status === 'failed') {
      if (r.op !== 'read' && r.value !== null) {
        let failed = failedWriteIndexByKey.get(r.key);
        if (failed === undefined) failedWriteIndexByKey.set(r.key, (failed = new Map()));
        if (!failed.has(r.value)) failed.set(r.value, i);
      }
      continue;
    }
    if (r.status === 'pending' && r.op === 'read') continue;
    let group = groups.get(r.key);
    if (group === undefined) groups.set(r.key, (group = []));
    group.push(i);
  }
  const keys: KeyOps[] = [];
  for (const key of [...groups.keys()].sort()) keys.push(buildKeyOps(key, groups.get(key) as number[], records));
  return { keys, failedWriteIndexByKey, hasCas };
}

function buildKeyOps(key: string, indices: number[], records: readonly CheckerRecord[]): KeyOps {
  const n = indices.length;
  const kind = new Uint8Array(n);
  const value = new Int32Array(n);
  const expected = new Int32Array(n).fill(-1);
  const outcome = new Uint8Array(n);
  const call = new Float64Array(n);
  const ret = new Float64Array(n);
  const index = new Int32Array(indices);
  const ids = new Map<string, number>();
  const values: (string | null)[] = [null];
  const idOf = (v: string | null): number => {
    if (v === null) return NULL_ID;
    let id = ids.get(v);
    if (id === undefined) {
      id = values.length;
      ids.set(v, id);
      values.push(v);
    }
    return id;
  };
  for (let j = 0; j < n; j++) {
    const r = records[indices[j] as number] as CheckerRecord;
    call[j] = r.call;
    ret[j] = r.status === 'pending' || r.return === null ? Infinity : r.return;
    value[j] = idOf(r.value);
    switch (r.op) {
      case 'read':
        kind[j] = READ;
        break;
      case 'write':
        kind[j] = WRITE;
        break;
      case 'cas':
        kind[j] = CAS;
        expected[j] = idOf(r.expected);
        outcome[j] = r.status === 'pending' ? UNKNOWN : r.swapped ? SWAPPED : MISMATCH;
        break;
    }
  }
  return { key, n, kind, value, expected, outcome, call, ret, index, values };
}

/** The sub-history of `ops` made of the operations at the given local positions (ascending). */
export function subKeyOps(ops: KeyOps, keep: readonly number[]): KeyOps {
  const n = keep.length;
  const pick = <T extends Uint8Array | Int32Array | Float64Array>(src: T, make: (n: number) => T): T => {
    const out = make(n);
    for (let j = 0; j < n; j++) out[j] = src[keep[j] as number] as number;
    return out;
  };
  return {
    key: ops.key,
    n,
    kind: pick(ops.kind, (m) => new Uint8Array(m)),
    value: pick(ops.value, (m) => new Int32Array(m)),
    expected: pick(ops.expected, (m) => new Int32Array(m)),
    outcome: pick(ops.outcome, (m) => new Uint8Array(m)),
    call: pick(ops.call, (m) => new Float64Array(m)),
    ret: pick(ops.ret, (m) => new Float64Array(m)),
    index: pick(ops.index, (m) => new Int32Array(m)),
    values: ops.values,
  };
}
