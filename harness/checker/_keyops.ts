/**
 * @module Internal: a history split by key (P-compositionality: a history is linearizable iff each
 * key's sub-history is) into compact typed arrays, the form both checking algorithms work on and
 * that can be transferred to a worker thread without copying objects.
 */
import { OP_READ, STATUS_FAILED, STATUS_PENDING, type HistoryColumns } from './scan-columns.ts';
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

/**
 * `splitByKey` for a history read as columns (reads and writes only): the same keys, operations,
 * value ids and failed writes, without an object per operation or a map from value strings.
 */
export function splitColumns(history: HistoryColumns): SplitHistory {
  const { n, op, status, key, value, call, ret } = history;
  const failedWriteIndexByKey = new Map<string, Map<string, number>>();
  const counts = new Int32Array(history.keys.length);
  const kept = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const st = status[i];
    if (st === STATUS_FAILED) {
      const v = value[i] as number;
      if (op[i] !== OP_READ && v !== 0) {
        const name = history.keys[key[i] as number] as string;
        let failed = failedWriteIndexByKey.get(name);
        if (failed === undefined) failedWriteIndexByKey.set(name, (failed = new Map()));
        const text = history.valueText(v) as string;
        if (!failed.has(text)) failed.set(text, i);
      }
      continue;
    }
    if (st === STATUS_PENDING && op[i] === OP_READ) continue;
    kept[i] = 1;
    counts[key[i] as number]!++;
  }
  // The kept operations grouped by key, in history order within each key (a counting sort).
  const first = new Int32Array(history.keys.length + 1);
  for (let id = 0; id < history.keys.length; id++) first[id + 1] = (first[id] as number) + (counts[id] as number);
  const fill = first.slice(0, history.keys.length);
  const byKey = new Int32Array(first[history.keys.length] as number);
  for (let i = 0; i < n; i++) if (kept[i] === 1) byKey[fill[key[i] as number]!++] = i;
  // Global value id → this key's value id, valid where `stamp` holds the key's id.
  const local = new Int32Array(history.valueCount);
  const stamp = new Int32Array(history.valueCount);
  const keys: KeyOps[] = [];
  const keyIds = Array.from({ length: history.keys.length }, (_, id) => id).filter((id) => (counts[id] as number) > 0);
  keyIds.sort((a, b) => ((history.keys[a] as string) < (history.keys[b] as string) ? -1 : 1));
  for (const keyId of keyIds) {
    const count = counts[keyId] as number;
    const ops: KeyOps = {
      key: history.keys[keyId] as string,
      n: count,
      kind: new Uint8Array(count),
      value: new Int32Array(count),
      expected: new Int32Array(count).fill(-1),
      outcome: new Uint8Array(count),
      call: new Float64Array(count),
      ret: new Float64Array(count),
      index: new Int32Array(count),
      values: [null],
    };
    const values = ops.values as (string | null)[];
    for (let j = 0; j < count; j++) {
      const i = byKey[(first[keyId] as number) + j] as number;
      const v = value[i] as number;
      let id = NULL_ID;
      if (v !== 0) {
        if (stamp[v] !== keyId + 1) {
          stamp[v] = keyId + 1;
          local[v] = values.length;
          values.push(history.valueText(v));
        }
        id = local[v] as number;
      }
      ops.kind[j] = op[i] === OP_READ ? READ : WRITE;
      ops.value[j] = id;
      ops.call[j] = call[i] as number;
      const r = ret[i] as number;
      ops.ret[j] = status[i] === STATUS_PENDING || Number.isNaN(r) ? Infinity : r;
      ops.index[j] = i;
    }
    keys.push(ops);
  }
  return { keys, failedWriteIndexByKey, hasCas: false };
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
