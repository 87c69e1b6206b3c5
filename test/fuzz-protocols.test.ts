/**
 * Structure-aware fuzzing at the protocol layer (fast-check): hostile messages, well-formed and
 * malformed, fed to every protocol's server and client machines between the messages of a correct
 * workload (concurrent writers and readers, seeded random delivery per link).
 *
 * Well-formed messages are built from recipes that fast-check generates and shrinks: every message
 * type of the protocol, with fields drawn from small and huge numbers, random bytes and pieces of
 * genuine traffic seen so far (nonces, fragments, cross-checksums, MAC vectors, values, signatures)
 * replayed in the wrong place. Malformed ones are a well-formed recipe with one field removed,
 * retyped or added, or an arbitrary value. Who may send what follows the fault model:
 * a hostile client `h1` sends anything to servers and clients (clients must drop what is not from a
 * server); in bft-signed, PoWerStore and M-PoWerStore, server s1 is Byzantine and sends anything to
 * anyone too. ABD tolerates no Byzantine node, so there `h1` sends only what a client may send
 * without writing (reads, and replies that servers must refuse) and s1 stays correct.
 *
 * Checked after every run: no exception escaped any machine; the state of every server is within the
 * bound stated per protocol below (after `HOSTILE` hostile messages); and the correct clients'
 * history is linearizable (harness/checker).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkHistory } from '../harness/checker/index.ts';
import type { HistoryRecord } from '../harness/history/types.ts';
import { abd } from '../protocols/abd/index.ts';
import { bftSigned } from '../protocols/bft-signed/index.ts';
import { mPowerstore } from '../protocols/m-powerstore/index.ts';
import { powerstore } from '../protocols/powerstore/index.ts';
import { DIGEST_BYTES, MAX_CANDIDATES_ON_WIRE } from '../protocols/common/powerstore/messages.ts';
import type { PowerStoreServer } from '../protocols/common/powerstore/server.ts';
import type { AnyProtocolDefinition, NodeId, ProtocolMessage } from '../protocols/types.ts';
import { bytes, Driver, text, type OpHandle } from './powerstore-driver.ts';

/** Hostile messages per run, and runs per protocol: sized to keep this file near a second per protocol. */
const HOSTILE = 40;
const RUNS = 8;
const VALUE_BYTES_MAX = 24;

// ---------------------------------------------------------------- recipes

/** Bytes in a recipe: literal, or the i-th piece of genuine traffic of a kind seen so far. */
type BytesRecipe = Uint8Array | { readonly pool: string; readonly i: number };
type Recipe = { readonly [field: string]: unknown };

const poolBytes = (kind: string, lengths: { minLength: number; maxLength: number }): fc.Arbitrary<BytesRecipe> =>
  fc.oneof(fc.uint8Array(lengths), fc.record({ pool: fc.constant(kind), i: fc.nat({ max: 64 }) }));
const digest = (kind: string) => poolBytes(kind, { minLength: DIGEST_BYTES, maxLength: DIGEST_BYTES });
const counter = fc.oneof(fc.nat({ max: 8 }), fc.constantFrom(2 ** 31, 2 ** 52, Number.MAX_SAFE_INTEGER));
const writerId = fc.constantFrom('w1', 'w2', 'r1', 'h1', 's1', '', 'x'.repeat(70));

function powerStoreRecipes(multiWriter: boolean): fc.Arbitrary<Recipe> {
  const ts = multiWriter ? fc.record({ num: counter, writer: writerId }) : counter;
  const candidate = fc.record({ ts, nonce: digest('nonce') });
  const digests = (kind: string) => fc.array(digest(kind), { maxLength: 6 });
  const status = fc.oneof(
    fc.constant({ kind: 'REFUTE' }),
    fc.constant({ kind: 'UNKNOWN' }),
    fc.record({ kind: fc.constant('CONFIRM'), cc: digests('cc'), fragment: fc.option(poolBytes('fragment', { minLength: 0, maxLength: 40 })), lc: fc.option(candidate) }),
  );
  const store = { type: fc.constant('STORE'), ts, fragment: poolBytes('fragment', { minLength: 0, maxLength: 40 }), cc: digests('cc'), commitment: digest('commitment') };
  const stores: fc.Arbitrary<Recipe> = multiWriter ? fc.record({ ...store, mac: digests('mac') }) : fc.record(store);
  return fc.oneof(
    stores,
    fc.record({ type: fc.constant('STORE_ACK'), ts }),
    fc.record({ type: fc.constant('COMPLETE'), ts, nonce: digest('nonce') }),
    fc.record({ type: fc.constant('COMPLETE_ACK'), ts }),
    fc.record({ type: fc.constant('COLLECT'), rid: counter }),
    fc.record({ type: fc.constant('COLLECT_ACK'), rid: counter, lc: candidate }),
    fc.record({ type: fc.constant('FILTER'), rid: counter, candidates: fc.array(candidate, { maxLength: 7 }) }),
    fc.record({ type: fc.constant('FILTER_ACK'), rid: counter, statuses: fc.array(status, { maxLength: 5 }) }),
    fc.record({ type: fc.constant('FILTER_UPDATE'), rid: counter, index: fc.nat({ max: 5 }), candidate, status }),
    ...(multiWriter
      ? [fc.record({ type: fc.constant('GET_TS'), op: counter }), fc.record({ type: fc.constant('GET_TS_ACK'), op: counter, ts, mac: digests('mac') })]
      : []),
  );
}

function bftRecipes(): fc.Arbitrary<Recipe> {
  const version = { op: counter, num: counter, writer: writerId, sig: poolBytes('sig', { minLength: 64, maxLength: 64 }) };
  return fc.oneof(
    fc.record({ type: fc.constant('GET_TS'), op: counter }),
    fc.record({ type: fc.constant('GET'), op: counter }),
    fc.record({ type: fc.constant('PUT_ACK'), op: counter }),
    fc.record({ type: fc.constant('GET_TS_ACK'), ...version, hash: digest('hash') }),
    fc.record({ type: fc.constant('GET_ACK'), ...version, value: poolBytes('value', { minLength: 0, maxLength: VALUE_BYTES_MAX }) }),
    fc.record({ type: fc.constant('PUT'), ...version, value: poolBytes('value', { minLength: 0, maxLength: VALUE_BYTES_MAX }) }),
  );
}

/** ABD's hostile client may read and may send replies (which servers refuse); it never writes. */
function abdRecipes(): fc.Arbitrary<Recipe> {
  const version = { op: counter, num: counter, writer: writerId };
  return fc.oneof(
    fc.record({ type: fc.constant('GET_TS'), op: counter }),
    fc.record({ type: fc.constant('GET'), op: counter }),
    fc.record({ type: fc.constant('PUT_ACK'), op: counter }),
    fc.record({ type: fc.constant('GET_TS_ACK'), ...version }),
    fc.record({ type: fc.constant('GET_ACK'), ...version, value: poolBytes('value', { minLength: 0, maxLength: VALUE_BYTES_MAX }) }),
  );
}

/** One field removed, retyped or added, or something that is not a message at all. */
const malformation = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), field: fc.nat() }),
  fc.record({ kind: fc.constant('retype' as const), field: fc.nat(), value: fc.oneof(fc.string(), fc.double(), fc.constant(null), fc.constant(-1), fc.uint8Array({ maxLength: 3 }), fc.array(fc.nat(), { maxLength: 2 })) }),
  fc.record({ kind: fc.constant('add' as const), value: fc.anything({ maxDepth: 1 }) }),
  fc.record({ kind: fc.constant('anything' as const), value: fc.anything({ maxDepth: 2, withTypedArray: true }) }),
);

type Malformation = typeof malformation extends fc.Arbitrary<infer M> ? M : never;

interface Hostile {
  /** Delivery steps of the correct workload after which the message is injected. */
  readonly atStep: number;
  readonly from: 'h1' | 's1';
  /** Index into servers ++ clients. */
  readonly to: number;
  readonly recipe: Recipe;
  readonly malformed: Malformation | null;
}

// ---------------------------------------------------------------- turning recipes into messages

/** Genuine pieces of traffic by kind (field name), gathered from delivered messages. */
class Pool {
  private readonly kinds = new Map<string, Uint8Array[]>();

  harvest(msg: ProtocolMessage): void {
    const visit = (value: unknown, field: string): void => {
      if (value instanceof Uint8Array) {
        const list = this.kinds.get(field) ?? [];
        if (list.length < 64) list.push(value);
        this.kinds.set(field, list);
      } else if (Array.isArray(value)) {
        for (const item of value) visit(item, field);
      } else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) visit(inner, key);
      }
    };
    visit(msg, 'type');
  }

  pick(kind: string, i: number, fallbackLength: number): Uint8Array {
    const list = this.kinds.get(kind);
    return list === undefined || list.length === 0 ? new Uint8Array(fallbackLength).fill(i & 0xff) : list[i % list.length]!;
  }
}

function resolve(value: unknown, pool: Pool): unknown {
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((item) => resolve(item, pool));
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record['pool'] === 'string' && typeof record['i'] === 'number' && Object.keys(record).length === 2) {
      const kind = record['pool'];
      return pool.pick(kind, record['i'], kind === 'sig' ? 64 : DIGEST_BYTES);
    }
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, resolve(inner, pool)]));
  }
  return value;
}

function malform(message: Record<string, unknown>, how: Hostile['malformed']): unknown {
  if (how === null) return message;
  const fields = Object.keys(message);
  switch (how.kind) {
    case 'drop': {
      const { [fields[how.field % fields.length]!]: _dropped, ...rest } = message;
      return rest;
    }
    case 'retype':
      return { ...message, [fields[how.field % fields.length]!]: how.value };
    case 'add':
      return { ...message, extra: how.value };
    case 'anything':
      return how.value;
  }
}

// ---------------------------------------------------------------- one run

interface Fixture {
  readonly def: AnyProtocolDefinition;
  readonly recipes: fc.Arbitrary<Recipe>;
  /** Whether s1 is Byzantine (sends hostile messages too). */
  readonly byzantineServer: boolean;
  /** Recipe types h1 must not send (a write by a non-client breaks a crash-tolerant protocol). */
  readonly h1Refrains: readonly string[];
  /** The protocol's state bound, checked on every server after the run. */
  readonly checkBound: (d: Driver, hostileSenders: number) => void;
}

/** Sum over the genuine STOREs server `to` received: its fragment and per-version metadata. */
function genuineStoreBytes(d: Driver, server: NodeId): number {
  let total = 0;
  for (const e of d.delivered) {
    if (e.to !== server || e.msg?.type !== 'STORE' || !d.cluster.writers.includes(e.from)) continue;
    const store = e.msg as unknown as { fragment: Uint8Array; cc: Uint8Array[]; mac?: Uint8Array[]; ts: unknown };
    // fragment + cc + μ + commitment + a timestamp of at most 8 bytes plus a writer id of at most 2.
    total += store.fragment.length + DIGEST_BYTES * (store.cc.length + (store.mac?.length ?? 0) + 1) + 10;
  }
  return total;
}

const FIXTURES: readonly Fixture[] = [
  {
    def: abd,
    recipes: abdRecipes(),
    byzantineServer: false,
    h1Refrains: ['PUT'],
    // ABD: one value and its timestamp; never more than the largest value a writer wrote plus 8 + writer id bytes.
    checkBound: (d) => {
      for (const server of d.servers) assert.ok(server.storedBytes() <= VALUE_BYTES_MAX + 8 + 2, `abd stores ${server.storedBytes()} bytes`);
    },
  },
  {
    def: bftSigned,
    recipes: bftRecipes(),
    byzantineServer: true,
    h1Refrains: [],
    // bft-signed: one signed version: a value a writer wrote, 8 + 2 bytes of timestamp, a 32-byte hash, a 64-byte signature.
    checkBound: (d) => {
      for (const server of d.servers) assert.ok(server.storedBytes() <= VALUE_BYTES_MAX + 10 + 32 + 64, `bft-signed stores ${server.storedBytes()} bytes`);
    },
  },
  ...[powerstore, mPowerstore].map(
    (def): Fixture => ({
      def,
      recipes: powerStoreRecipes(def.multiWriter),
      byzantineServer: true,
      h1Refrains: [],
      // PoWerStore: hist holds only what writers stored (hostile STOREs are refused) plus the entry of
      // ts0 (a timestamp, at most 10 bytes), and lc one digest and a timestamp; per reader at most one
      // remembered FILTER of at most n + 1 candidates.
      checkBound: (d, hostileSenders) => {
        d.cluster.servers.forEach((id, i) => {
          const server = d.servers[i] as PowerStoreServer<unknown>;
          const readers = server.rememberedReaders();
          assert.ok(readers <= d.cluster.readers.length + hostileSenders, `${id} remembers ${readers} readers`);
          assert.ok(server.rememberedCandidates() <= (d.cluster.n + 1) * readers, `${id} remembers ${server.rememberedCandidates()} candidates`);
          const bound = genuineStoreBytes(d, id) + 10 + DIGEST_BYTES + 10;
          assert.ok(server.storedBytes() <= bound, `${id} stores ${server.storedBytes()} bytes > ${bound}`);
        });
      },
    }),
  ),
];

interface Run {
  readonly seed: number;
  readonly hostile: readonly Hostile[];
}

/** Hostile messages of all runs of one protocol: how many the parser took, and how many it refused. */
interface Tally {
  parsed: number;
  refused: number;
}

async function fuzzOnce(fixture: Fixture, run: Run, tally: Tally): Promise<void> {
  const writers = fixture.def.multiWriter ? 2 : 1;
  const d = new Driver(fixture.def, { t: 1, seed: run.seed, writers, readers: 2 });
  const clients = [...d.cluster.writers, ...d.cluster.readers];
  const targets = [...d.cluster.servers, ...clients];
  const pool = new Pool();
  const history: HistoryRecord[] = [];
  const open = new Map<NodeId, { handle: OpHandle; record: HistoryRecord }>();
  let step = 0;
  let written = 0;
  const opsLeft = new Map(clients.map((c) => [c, 3]));
  const startNext = (client: NodeId): void => {
    const left = opsLeft.get(client)!;
    if (left === 0 || open.has(client)) return;
    opsLeft.set(client, left - 1);
    const isWriter = d.cluster.writers.includes(client);
    const value = isWriter ? `${client}-${++written}-${'x'.repeat(run.seed % VALUE_BYTES_MAX)}`.slice(0, VALUE_BYTES_MAX) : null;
    const handle = isWriter ? d.write(client, bytes(value!)) : d.read(client);
    open.set(client, { handle, record: { client, op: isWriter ? 'write' : 'read', key: 'k', value, call: step, return: null, status: 'pending', rounds: 0 } });
  };
  const settle = (): void => {
    for (const [client, { handle, record }] of open) {
      if (!handle.done) continue;
      open.delete(client);
      const value = record.op === 'write' ? record.value : handle.value!.length === 0 ? null : text(handle.value);
      history.push({ ...record, value, return: step, status: 'ok', rounds: handle.operation.rounds });
      startNext(client);
    }
  };
  for (const client of clients) startNext(client);
  const byStep = [...run.hostile].sort((a, b) => a.atStep - b.atStep);
  let next = 0;
  for (; step < 100_000; step++) {
    while (next < byStep.length && byStep[next]!.atStep <= step) inject(byStep[next++]!);
    const delivered = d.delivered.length;
    if (!d.step()) {
      if (next < byStep.length) {
        inject(byStep[next++]!);
        continue;
      }
      break;
    }
    pool.harvest(d.delivered[delivered]!.msg);
    settle();
  }
  while (next < byStep.length) inject(byStep[next++]!);
  d.run();
  settle();

  function inject(hostile: Hostile): void {
    const from = hostile.from === 's1' && !fixture.byzantineServer ? 'h1' : hostile.from;
    if (from === 'h1' && fixture.h1Refrains.includes(String(hostile.recipe['type']))) return;
    const to = targets[hostile.to % targets.length]!;
    if (to === from) return;
    const message = malform(resolve(hostile.recipe, pool) as Record<string, unknown>, hostile.malformed);
    const parsed = fixture.def.parseMessage(message);
    if (parsed === undefined) tally.refused++;
    else tally.parsed++;
    if (d.cluster.servers.includes(to)) {
      // Servers get raw input: the driver parses it, as the engines do, and counts what it refuses.
      d.send(from, to, message as ProtocolMessage);
    } else if (parsed !== undefined) {
      d.send(from, to, parsed);
    }
  }

  const stuck = [...open.keys()];
  assert.deepEqual(stuck, [], `seed ${run.seed}: operations of ${stuck.join(', ')} did not complete`);
  assert.equal(history.length, clients.length * 3);
  fixture.checkBound(d, 2);
  const verdict = await checkHistory(history, { model: 'register', timeoutMs: 20_000, excerpt: false });
  assert.equal(verdict.verdict, 'ok', `seed ${run.seed}: ${JSON.stringify(history)}`);
}

for (const fixture of FIXTURES) {
  test(`${fixture.def.name}: ${RUNS} runs × ${HOSTILE} hostile messages between correct traffic: no exception, bounded state, linearizable`, async () => {
    const hostile = fc.record({
      atStep: fc.nat({ max: 400 }),
      from: fc.constantFrom('h1' as const, 's1' as const),
      to: fc.nat(),
      recipe: fixture.recipes,
      malformed: fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: malformation, weight: 1 }),
    });
    const tally: Tally = { parsed: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.record({ seed: fc.nat({ max: 2 ** 31 }), hostile: fc.array(hostile, { minLength: HOSTILE, maxLength: HOSTILE }) }), (run) => fuzzOnce(fixture, run, tally)),
      { numRuns: RUNS, seed: 20_240_611, endOnFailure: true, includeErrorInReport: true },
    );
    // Structure-aware: most hostile messages get past the parser and reach the machines' own checks.
    const total = RUNS * HOSTILE;
    assert.ok(tally.parsed >= total / 3 && tally.refused >= total / 10, `parsed ${tally.parsed}, refused ${tally.refused} of ${total}`);
  });
}

test('parsers enforce their absolute limits on hostile input', () => {
  const candidate = { ts: 1, nonce: new Uint8Array(DIGEST_BYTES) };
  const filter = (count: number) => ({ type: 'FILTER', rid: 1, candidates: Array.from({ length: count }, () => candidate) });
  assert.notEqual(powerstore.parseMessage(filter(MAX_CANDIDATES_ON_WIRE)), undefined);
  assert.equal(powerstore.parseMessage(filter(MAX_CANDIDATES_ON_WIRE + 1)), undefined, 'FILTER beyond the wire limit');
  const statuses = (count: number) => ({ type: 'FILTER_ACK', rid: 1, statuses: Array.from({ length: count }, () => ({ kind: 'REFUTE' })) });
  assert.notEqual(powerstore.parseMessage(statuses(MAX_CANDIDATES_ON_WIRE)), undefined);
  assert.equal(powerstore.parseMessage(statuses(MAX_CANDIDATES_ON_WIRE + 1)), undefined, 'FILTER_ACK beyond the wire limit');
  const update = (index: number) => ({ type: 'FILTER_UPDATE', rid: 1, index, candidate, status: { kind: 'REFUTE' } });
  assert.notEqual(powerstore.parseMessage(update(MAX_CANDIDATES_ON_WIRE - 1)), undefined);
  assert.equal(powerstore.parseMessage(update(MAX_CANDIDATES_ON_WIRE)), undefined, 'FILTER_UPDATE index beyond the wire limit');
  assert.equal(mPowerstore.parseMessage({ type: 'GET_TS_ACK', op: 1, ts: { num: 1, writer: 'w'.repeat(257) }, mac: [] }), undefined, 'writer id longer than 256');
  assert.equal(bftSigned.parseMessage({ type: 'GET', op: -1 }), undefined, 'negative op');
  assert.equal(abd.parseMessage({ type: 'GET_ACK', op: 1, num: 1, writer: 'w'.repeat(257), value: new Uint8Array(0) }), undefined, 'ABD writer id longer than 256');
});
