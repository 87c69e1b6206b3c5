/**
 * @module Small excerpts of violations: for the fast path the operations named by its proof; for
 * the search, a shrunk sub-history (shortest violating prefix, then delta debugging), and the
 * sentences that explain them.
 */
import { CAS, MISMATCH, READ, SWAPPED, UNKNOWN, WRITE, subKeyOps, type KeyOps } from './_keyops.ts';
import type { FastViolation } from './fast-register.ts';
import { searchLinearizable } from './search.ts';
import type { CheckerRecord, Excerpt } from './types.ts';

export function describeValue(v: string | null): string {
  return v === null ? 'null (initial value)' : JSON.stringify(v);
}

function fmtTime(t: number | null): string {
  if (t === null || t === Infinity) return '∞';
  return Number.isInteger(t) ? String(t) : t.toFixed(3).replace(/0+$/, '');
}

export function describeRecord(r: CheckerRecord): string {
  const what =
    r.op === 'cas'
      ? `cas(${describeValue(r.expected)} → ${describeValue(r.value)})${r.status === 'ok' ? (r.swapped ? ' swapped' : ' compare failed') : ''}`
      : r.op === 'read'
        ? `read → ${r.status === 'ok' ? describeValue(r.value) : '?'}`
        : `write ${describeValue(r.value)}`;
  const status = r.status === 'ok' ? '' : ` (${r.status})`;
  return `${r.client}: ${what} [${fmtTime(r.call)}, ${fmtTime(r.status === 'pending' ? null : r.return)}]${status}`;
}

/** The checked history's record at an index (an array's element, or a line read again on demand). */
export type RecordAt = (index: number) => CheckerRecord;

function byCall(recordAt: RecordAt, indices: Iterable<number>): number[] {
  return [...new Set(indices)].sort((a, b) => recordAt(a).call - recordAt(b).call || a - b);
}

function makeExcerpt(key: string, recordAt: RecordAt, indices: Iterable<number>, explanation: string): Excerpt {
  const sorted = byCall(recordAt, indices);
  return { key, indices: sorted, records: sorted.map(recordAt), explanation };
}

/** Turns the fast path's proof into an excerpt (at most six operations). */
export function fastExcerpt(ops: KeyOps, reason: FastViolation, recordAt: RecordAt, failedWrites: Map<string, number> | undefined): Excerpt {
  const rec = (local: number): CheckerRecord => recordAt(ops.index[local] as number);
  const desc = (local: number): string => describeRecord(rec(local));
  switch (reason.kind) {
    case 'never-written': {
      const v = ops.values[ops.value[reason.read] as number] ?? null;
      const failed = v === null ? undefined : failedWrites?.get(v);
      const indices = [ops.index[reason.read] as number];
      if (failed !== undefined) indices.push(failed);
      const why =
        failed !== undefined
          ? `it was written only by a failed operation, which did not take effect (${describeRecord(recordAt(failed))})`
          : 'no operation that took effect wrote it';
      return makeExcerpt(ops.key, recordAt, indices, `Read of a value never written: ${desc(reason.read)} returned ${describeValue(v)}, but ${why}.`);
    }
    case 'read-before-write':
      return makeExcerpt(
        ops.key,
        recordAt,
        [ops.index[reason.read] as number, ops.index[reason.write] as number],
        `Read precedes its write: ${desc(reason.read)} returned before ${desc(reason.write)} was called.`,
      );
    case 'cycle': {
      const a = describeValue(ops.values[reason.valueA] ?? null);
      const b = describeValue(ops.values[reason.valueB] ?? null);
      const locals = [reason.aFirst, reason.aLast, reason.bFirst, reason.bLast, reason.writeA, reason.writeB].filter((x) => x >= 0);
      const first = (x: number, y: number, valueX: string, valueY: string): string =>
        x < 0
          ? `the initial value ${valueX} comes before every write, so before ${valueY} (${desc(y)})`
          : `${desc(x)} returned before ${desc(y)} was called, so value ${valueX} (its write and its reads) must come before value ${valueY}`;
      return makeExcerpt(
        ops.key,
        recordAt,
        locals.map((l) => ops.index[l] as number),
        `Values ${a} and ${b} must each be linearized before the other: ${first(reason.aFirst, reason.bLast, a, b)}; and ${first(reason.bFirst, reason.aLast, b, a)}.`,
      );
    }
  }
}

function violates(ops: KeyOps, keep: readonly number[], deadlineMs: number, now: () => number): boolean {
  return searchLinearizable(subKeyOps(ops, keep), deadlineMs, now).verdict === 'violation';
}

/**
 * Whether dropping `removed` from a candidate (leaving `rest`) is a monotone step: if the candidate
 * were linearizable, the rest would be too. Then a violating rest still proves that the whole
 * history violates, and the excerpt cannot mislead (dropping just any operation could: removing
 * the write that explains a read manufactures a "violation"). Monotone steps:
 *  - dropping an observer (a read, or a cas whose compare failed): it changes no state;
 *  - dropping a write W provided no operation of the rest that observes W's value (reads it, or a
 *    cas expecting it) and no failed-compare cas of the rest can fall in W's segment (from W to the
 *    next write or swap) in any linearization: true for an operation O that returned before W was
 *    called, or that is separated from W by a definite producer P of the rest (an ok write or a
 *    swapped cas with W.ret < P.call and P.ret < O.call). Then W's segment holds nothing that
 *    depends on W (a pending cas there was a no-op and can be left out), so removing W keeps any
 *    linearization legal.
 * A cas that swaps (or may swap, if pending) is never dropped.
 */
function monotoneRemoval(ops: KeyOps, removed: readonly number[], rest: readonly number[]): boolean {
  const writes: number[] = [];
  for (const j of removed) {
    const k = ops.kind[j];
    if (k === READ || (k === CAS && ops.outcome[j] === MISMATCH)) continue;
    if (k === CAS) return false;
    writes.push(j);
  }
  if (writes.length === 0) return true;
  const { kind, value, expected, outcome, call, ret } = ops;
  const producers = rest.filter((j) => (kind[j] === WRITE && ret[j] !== Infinity) || (kind[j] === CAS && outcome[j] === SWAPPED));
  // For each sensitive op o of the rest: the latest call of a definite producer that returned
  // before o was called; o is separated from W iff that call is after W returned.
  const sensitive: number[] = [];
  const latestProducerCall: number[] = [];
  for (const o of rest) {
    if (kind[o] === WRITE) continue;
    let latest = -Infinity;
    for (const p of producers) if (p !== o && (ret[p] as number) < (call[o] as number) && (call[p] as number) > latest) latest = call[p] as number;
    sensitive.push(o);
    latestProducerCall.push(latest);
  }
  for (const w of writes) {
    const v = value[w] as number;
    for (let x = 0; x < sensitive.length; x++) {
      const o = sensitive[x] as number;
      const k = kind[o];
      const observesW = (k === READ && value[o] === v) || (k === CAS && (expected[o] === v || outcome[o] === MISMATCH));
      if (!observesW || (ret[o] as number) < (call[w] as number)) continue;
      if (!((latestProducerCall[x] as number) > (ret[w] as number))) return false;
    }
  }
  return true;
}

/**
 * Shrinks a violating key history to a small violating sub-history; returns record indices.
 * Step 1: the shortest prefix in call order whose truncation violates (operations not returned by
 * the cut become pending, so that truncation is a relaxation: linearizability is closed under it,
 * and binary search applies). Step 2: delta debugging over that truncated prefix (chunks, then
 * single operations), taking only monotone removals (see monotoneRemoval) after which the rest
 * still violates. So the excerpt, with the operations still running at the cut read as pending,
 * proves the violation of the whole history. Stops at `deadlineMs` with what it has.
 */
export function shrinkViolation(ops: KeyOps, deadlineMs: number, now: () => number): { indices: number[]; minimal: boolean; cut: number } {
  const byCallOrder = Array.from({ length: ops.n }, (_, j) => j).sort((a, b) => (ops.call[a] as number) - (ops.call[b] as number) || a - b);
  const truncated = (p: number): { sub: KeyOps; cut: number } => {
    const cut = ops.call[byCallOrder[p - 1] as number] as number;
    const sub = subKeyOps(ops, byCallOrder.slice(0, p).sort((a, b) => a - b));
    const keep: number[] = [];
    for (let j = 0; j < sub.n; j++) {
      if ((sub.ret[j] as number) >= cut && sub.ret[j] !== Infinity) {
        // Not returned before the cut: pending in the prefix (a pending read says nothing). At the
        // cut itself too, since a later-called op may be linearized at the same instant.
        if (sub.kind[j] === READ) continue;
        sub.ret[j] = Infinity;
        if (sub.kind[j] === CAS) sub.outcome[j] = UNKNOWN;
      }
      keep.push(j);
    }
    return { sub: subKeyOps(sub, keep), cut };
  };
  let lo = 1;
  let hi = ops.n; // the whole history violates; its truncation at the last call may not
  let best: { sub: KeyOps; cut: number } = { sub: ops, cut: Infinity };
  while (lo <= hi && now() < deadlineMs) {
    const mid = (lo + hi) >>> 1;
    const t = truncated(mid);
    if (searchLinearizable(t.sub, deadlineMs, now).verdict === 'violation') {
      best = t;
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  const sub = best.sub;
  const all = Array.from({ length: sub.n }, (_, j) => j);
  let current = all;
  let chunk = Math.max(1, current.length >>> 1);
  let minimal = false;
  while (now() < deadlineMs) {
    let removed = false;
    for (let start = 0; start < current.length && now() < deadlineMs; ) {
      const candidate = current.slice(0, start).concat(current.slice(start + chunk));
      // Every write removed so far must stay justified by what remains (see monotoneRemoval).
      const kept = new Set(candidate);
      const gone = all.filter((j) => !kept.has(j));
      if (candidate.length > 0 && monotoneRemoval(sub, gone, candidate) && violates(sub, candidate, deadlineMs, now)) {
        current = candidate;
        removed = true;
      } else {
        start += chunk;
      }
    }
    if (chunk === 1) {
      if (!removed) {
        minimal = now() < deadlineMs;
        break;
      }
    } else {
      chunk = Math.max(1, chunk >>> 1);
    }
  }
  return { indices: current.map((j) => sub.index[j] as number), minimal, cut: best.cut };
}

export function searchExcerpt(ops: KeyOps, indices: readonly number[], minimal: boolean, cut: number, recordAt: RecordAt): Excerpt {
  const kinds = new Set(ops.kind);
  const what = kinds.has(CAS) ? 'register with compare-and-set' : 'read/write register';
  const running = indices.some((i) => {
    const r = recordAt(i);
    return r.status !== 'pending' && r.return !== null && r.return >= cut;
  });
  return makeExcerpt(
    ops.key,
    recordAt,
    indices,
    `No order of these ${indices.length} operations both respects real time and is a legal sequence of a ${what} (exhaustive search)` +
      (running ? `, even taking those still running at time ${fmtTime(cut)} as pending` : '') +
      '; the operations left out (later ones, reads, and writes that no kept operation can observe) cannot help' +
      (minimal ? '. Without any one of them (that may be left out soundly) the rest is linearizable.' : '.'),
  );
}
