/**
 * Property tests: the fast path (read-mapping check) and the general search agree on every random
 * small unique-value register history, linearizable or not, with pending and failed operations and
 * many equal times (closed-interval edge cases); both agree with a naive brute-force reference;
 * the search agrees with the reference on cas-register histories with repeated values; and the
 * fast path's excerpt is itself a violation.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { splitByKey } from '../harness/checker/_keyops.ts';
import { checkUniqueRegister } from '../harness/checker/fast-register.ts';
import { searchLinearizable } from '../harness/checker/search.ts';
import { checkHistory, type CasRecord, type CheckerRecord } from '../harness/checker/index.ts';
import { generateHistory } from '../harness/checker/generate.ts';

interface GenOp {
  readonly client: number;
  readonly kind: 'read' | 'write' | 'cas';
  readonly status: 'ok' | 'failed' | 'pending';
  readonly call: number;
  readonly duration: number;
  /** Fraction of the interval (or of a window after the call, if pending) where it takes effect. */
  readonly at: number;
  /** For a pending op: whether it takes effect at all. */
  readonly takesEffect: boolean;
  /** For cas: expected and new value among a few (repeats on purpose). */
  readonly small1: number;
  readonly small2: number;
}

const genOp = (withCas: boolean): fc.Arbitrary<GenOp> =>
  fc.record({
    client: fc.integer({ min: 0, max: 3 }),
    kind: withCas ? fc.constantFrom('read', 'write', 'cas') : fc.constantFrom('read', 'write', 'read'),
    status: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'failed', 'pending'),
    call: fc.integer({ min: 0, max: 12 }),
    duration: fc.integer({ min: 0, max: 6 }),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    takesEffect: fc.boolean(),
    small1: fc.integer({ min: 0, max: 2 }),
    small2: fc.integer({ min: 1, max: 3 }),
  }) as fc.Arbitrary<GenOp>;

type Perturb = { readonly read: number; readonly to: number } | null;

/**
 * Builds records by simulating a register: each op takes effect at a point inside its interval
 * (failed ops never; pending ones maybe), reads return the value then held. Then `perturb` may
 * replace one read's value (to null, another write's value, or a value never written).
 */
function simulate(ops: readonly GenOp[], uniqueValues: boolean, perturb: Perturb): CheckerRecord[] {
  const points: { i: number; t: number }[] = [];
  ops.forEach((op, i) => {
    if (op.status === 'failed') return;
    if (op.status === 'pending' && !op.takesEffect) return;
    const end = op.status === 'pending' ? op.call + 8 : op.call + op.duration;
    points.push({ i, t: op.call + op.at * (end - op.call) });
  });
  points.sort((a, b) => a.t - b.t || a.i - b.i);
  const writeValue = (i: number): string => (uniqueValues ? `v${i}` : `${(ops[i] as GenOp).small2}`);
  const readValue: (string | null)[] = ops.map(() => null);
  const swapped: boolean[] = ops.map(() => false);
  let state: string | null = null;
  for (const { i } of points) {
    const op = ops[i] as GenOp;
    if (op.kind === 'read') readValue[i] = state;
    else if (op.kind === 'write') state = writeValue(i);
    else {
      const expected = op.small1 === 0 ? null : `${op.small1}`;
      if (state === expected) {
        state = writeValue(i);
        swapped[i] = true;
      }
    }
  }
  const records = ops.map((op, i): CheckerRecord => {
    const base = {
      client: `c${op.client}`,
      key: 'x',
      call: op.call,
      return: op.status === 'pending' ? null : op.call + op.duration,
      status: op.status,
      rounds: 1,
    };
    if (op.kind === 'cas') return { ...base, op: 'cas', expected: op.small1 === 0 ? null : `${op.small1}`, value: writeValue(i), swapped: swapped[i] as boolean };
    if (op.kind === 'write') return { ...base, op: 'write', value: writeValue(i) };
    return { ...base, op: 'read', value: readValue[i] ?? null };
  });
  if (perturb !== null) {
    const readIdx = records.flatMap((r, i) => (r.op === 'read' && r.status === 'ok' ? [i] : []));
    if (readIdx.length > 0) {
      const target = readIdx[perturb.read % readIdx.length] as number;
      const writes = records.filter((r) => r.op !== 'read');
      const choices: (string | null)[] = [null, 'never-written', ...writes.map((w) => w.value)];
      const value = choices[perturb.to % choices.length] ?? null;
      records[target] = { ...(records[target] as CheckerRecord), value } as CheckerRecord;
    }
  }
  return records;
}

/**
 * Brute-force reference, written independently of search.ts: try every order of the operations
 * that respects real time (an op may go next only if no unplaced required op returned before its
 * call); pending ops may be left out; failed ops and pending reads are ignored.
 */
function bruteForceLinearizable(records: readonly CheckerRecord[]): boolean {
  const ops = records.filter((r) => r.status !== 'failed' && !(r.status === 'pending' && r.op === 'read'));
  const placed = ops.map(() => false);
  const requiredLeft = (): boolean => ops.some((r, i) => !placed[i] && r.status === 'ok');
  const go = (state: string | null): boolean => {
    if (!requiredLeft()) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      const x = ops[i] as CheckerRecord;
      const blocked = ops.some((y, j) => !placed[j] && j !== i && y.status === 'ok' && (y.return as number) < x.call);
      if (blocked) continue;
      let next: string | null = state;
      if (x.op === 'read') {
        if (x.value !== state) continue;
      } else if (x.op === 'write') {
        next = x.value;
      } else {
        const cas = x as CasRecord;
        if (cas.status === 'ok') {
          if (cas.swapped !== (state === cas.expected)) continue;
          if (cas.swapped) next = cas.value;
        } else if (state === cas.expected) {
          next = cas.value;
        }
      }
      placed[i] = true;
      const ok = go(next);
      placed[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return go(null);
}

function keyOf(records: readonly CheckerRecord[]) {
  return splitByKey(records, undefined).keys[0];
}

const perturbArb: fc.Arbitrary<Perturb> = fc.option(fc.record({ read: fc.nat(20), to: fc.nat(20) }), { freq: 2 });

test('fast path ≡ search ≡ brute force on random unique-value register histories', () => {
  let violations = 0;
  let linearizable = 0;
  fc.assert(
    fc.property(fc.array(genOp(false), { minLength: 1, maxLength: 8 }), perturbArb, (ops, perturb) => {
      const records = simulate(ops, true, perturb);
      const key = keyOf(records);
      if (key === undefined) return true; // every op failed or was a pending read
      const fast = checkUniqueRegister(key);
      assert.notEqual(fast.verdict, 'not-applicable');
      const search = searchLinearizable(key).verdict;
      assert.equal(fast.verdict, search, JSON.stringify(records));
      assert.equal(search === 'ok', bruteForceLinearizable(records), JSON.stringify(records));
      if (perturb === null) assert.equal(search, 'ok', `unperturbed simulation must be linearizable: ${JSON.stringify(records)}`);
      if (search === 'ok') linearizable++;
      else violations++;
      return true;
    }),
    { numRuns: 6000, seed: 20261125 },
  );
  // Both kinds must be well represented, or the property says little.
  assert.ok(violations > 800, `violations ${violations}`);
  assert.ok(linearizable > 800, `linearizable ${linearizable}`);
});

test('fast path ≡ search on larger random histories (up to 14 ops)', () => {
  fc.assert(
    fc.property(fc.array(genOp(false), { minLength: 8, maxLength: 14 }), perturbArb, (ops, perturb) => {
      const records = simulate(ops, true, perturb);
      const key = keyOf(records);
      if (key === undefined) return true;
      const fast = checkUniqueRegister(key);
      assert.equal(fast.verdict, searchLinearizable(key).verdict, JSON.stringify(records));
      return true;
    }),
    { numRuns: 3000, seed: 7 },
  );
});

test('search ≡ brute force on random cas-register histories with repeated values', () => {
  let violations = 0;
  fc.assert(
    fc.property(fc.array(genOp(true), { minLength: 1, maxLength: 7 }), perturbArb, (ops, perturb) => {
      const records = simulate(ops, false, perturb);
      const key = keyOf(records);
      if (key === undefined) return true;
      const search = searchLinearizable(key).verdict;
      assert.equal(search === 'ok', bruteForceLinearizable(records), JSON.stringify(records));
      if (perturb === null) assert.equal(search, 'ok', JSON.stringify(records));
      if (search === 'violation') violations++;
      return true;
    }),
    { numRuns: 4000, seed: 99 },
  );
  assert.ok(violations > 300, `violations ${violations}`);
});

test('every excerpt is itself a violation (fast path and search excerpts)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(genOp(false), { minLength: 2, maxLength: 10 }), fc.record({ read: fc.nat(20), to: fc.nat(20) }), fc.boolean(), async (ops, perturb, withCasPath) => {
      let records = simulate(ops, true, perturb);
      // Turning one write into a write of a repeated value sends the key to the search instead.
      if (withCasPath) records = [...records, { client: 'z', op: 'write', key: 'x', value: 'dup', call: 100, return: 101, status: 'ok', rounds: 1 }, { client: 'z', op: 'write', key: 'x', value: 'dup', call: 102, return: 103, status: 'ok', rounds: 1 }];
      const result = await checkHistory(records);
      if (result.verdict !== 'violation') return true;
      const excerpt = result.excerpt;
      assert.ok(excerpt !== undefined);
      assert.equal(result.perKey[0]?.method, withCasPath ? 'search' : 'fast');
      assert.ok(excerpt.indices.length <= records.length);
      assert.equal(bruteForceLinearizable(excerpt.records), false, JSON.stringify(excerpt));
      return true;
    }),
    { numRuns: 1500, seed: 3 },
  );
});

test('fast path ≡ search on generated 400-op histories (8 clients, pending and failed ops, stale reads)', () => {
  let violations = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const records = generateHistory({ ops: 400, clients: 8, seed, staleRead: seed % 2 === 0, staleByWrites: 1 + (seed % 5) });
    const key = keyOf(records);
    assert.ok(key !== undefined);
    const fast = checkUniqueRegister(key).verdict;
    const search = searchLinearizable(key, performance.now() + 10_000).verdict;
    assert.equal(fast, search, `seed ${seed}`);
    if (seed % 2 === 1) assert.equal(fast, 'ok', `seed ${seed}: the simulation is linearizable`);
    if (fast === 'violation') violations++;
  }
  assert.ok(violations >= 3, `violations ${violations}`);
});
