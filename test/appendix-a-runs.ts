/**
 * Appendix A's runs (run1, run1', run2 … run6) as hand-driven schedules over the in-test driver
 * (test/powerstore-driver.ts): blocks T1..T4, links held ("delayed indefinitely"), messages a crashed
 * writer never sent, crashes, and T2 reverting its memory. Used by the protocol-level tests; the
 * end-to-end version of the same runs is configs/paper/appendix-a.yaml.
 */
import type { AnyProtocolDefinition, NodeId, ProtocolMessage, ServerMachine, ServerStrategy } from '../protocols/types.ts';
import { bytes, Driver, text, type Envelope, type OpHandle } from './powerstore-driver.ts';

export type RunName = 'run1' | "run1'" | 'run2' | 'run3' | 'run4' | 'run5' | 'run6';

export interface Blocks {
  readonly T1: readonly NodeId[];
  readonly T2: readonly NodeId[];
  readonly T3: readonly NodeId[];
  readonly T4: readonly NodeId[];
}

/** T1..T3 have `t` servers each, T4 the rest (`t` servers for n = 4t, 1 server for n = 3t + 1). */
export function blocksOf(n: number, t: number): Blocks {
  const ids = Array.from({ length: n }, (_, i) => `s${i + 1}`);
  return { T1: ids.slice(0, t), T2: ids.slice(t, 2 * t), T3: ids.slice(2 * t, 3 * t), T4: ids.slice(3 * t) };
}

export interface RunOutcome {
  readonly driver: Driver;
  readonly blocks: Blocks;
  readonly wr: OpHandle;
  readonly rd1: OpHandle | undefined;
  readonly rd2: OpHandle | undefined;
  /** Returned values as text ('' = the initial value, '<pending>' = did not return). */
  readonly values: { readonly wr: 'done' | 'pending'; readonly rd1?: string; readonly rd2?: string };
}

/** A server that behaves correctly until `revert()`, and from then on as a fresh one (initial state). */
function revertible(): { strategy: ServerStrategy; revert(): void } {
  const switches: (() => void)[] = [];
  const strategy: ServerStrategy = (honest, ctx) => {
    let current: ServerMachine = honest;
    switches.push(() => {
      current = ctx.fresh();
    });
    const wrapper: ServerMachine & { inner(): ServerMachine } = { handle: (from, msg) => current.handle(from, msg), storedBytes: () => current.storedBytes(), inner: () => current };
    return wrapper;
  };
  return { strategy, revert: () => switches.forEach((s) => s()) };
}

const inBlock = (block: readonly NodeId[]) => (id: NodeId) => block.includes(id);
const VALUE = 'v';

function valueOf(h: OpHandle | undefined): string | undefined {
  if (h === undefined) return undefined;
  return h.done ? text(h.value) : '<pending>';
}

/**
 * Executes one run of the proof. `releaseAtEnd` delivers every held message after the reads (finite
 * delays, as asynchrony demands of a wait-free protocol) and runs until nothing moves: a protocol
 * whose read waited for a delayed block (PoWerStore) completes then.
 */
export function executeRun(def: AnyProtocolDefinition, t: number, run: RunName, options: { options?: Record<string, unknown>; seed?: number; releaseAtEnd?: boolean } = {}): RunOutcome {
  const n = def.serverCount(t);
  const blocks = blocksOf(n, t);
  const T2 = revertible();
  const byzantine: Record<number, ServerStrategy> = {};
  for (const id of blocks.T2) byzantine[Number(id.slice(1)) - 1] = T2.strategy;
  const d = new Driver(def, { t, readers: 2, seed: options.seed ?? 1, byzantine, ...(options.options === undefined ? {} : { options: options.options }) });
  const holds: ((e: Envelope) => boolean)[] = [];
  d.hold = (e) => holds.some((h) => h(e));
  const link = (from: NodeId, to: readonly NodeId[]) => (e: Envelope) => e.from === from && inBlock(to)(e.to);

  // run1 / run3 / run5: the writer crashes after writing v to T3: its messages to the other blocks
  // were never sent. run1 and run3 crash T1 at the start; run5 (and run6) keep T1 correct but delay
  // every message from r1 to T1.
  const partialWrite = run === 'run1' || run === 'run3' || run === 'run5' || run === 'run6';
  if (run === 'run1' || run === 'run3') for (const id of blocks.T1) d.crash(id);
  if (run === "run1'") for (const id of blocks.T4) d.crash(id);
  if (run === 'run2' || run === 'run4') holds.push(link('w1', blocks.T4));
  if (run === 'run4' || run === 'run5' || run === 'run6') holds.push(link('r1', blocks.T1));
  if (partialWrite) d.sendFilter = (e) => !(e.from === 'w1' && !blocks.T3.includes(e.to));

  const wr = d.write('w1', bytes(VALUE));
  d.run();
  if (partialWrite) d.crash('w1');
  if (run === 'run2' || run === 'run4') T2.revert();

  let rd1: OpHandle | undefined;
  let rd2: OpHandle | undefined;
  if (run === 'run3' || run === 'run4' || run === 'run5' || run === 'run6') {
    rd1 = d.read('r1');
    d.run();
  }
  if ((run === 'run5' || run === 'run6') && rd1?.done === true) for (const id of blocks.T3) d.crash(id);
  if (run === 'run6' && rd1?.done === true) {
    rd2 = d.read('r2');
    d.run();
  }
  if (options.releaseAtEnd === true) {
    holds.length = 0;
    d.run();
  }
  const values: RunOutcome['values'] = {
    wr: wr.done ? 'done' : 'pending',
    ...(rd1 === undefined ? {} : { rd1: valueOf(rd1)! }),
    ...(rd2 === undefined ? {} : { rd2: valueOf(rd2)! }),
  };
  return { driver: d, blocks, wr, rd1, rd2, values };
}

/** The machine a server runs now (through T2's revert wrapper). */
export function machineOf(d: Driver, id: NodeId): ServerMachine {
  const machine = d.servers[Number(id.slice(1)) - 1]!;
  return 'inner' in machine ? (machine as { inner(): ServerMachine }).inner() : machine;
}

/** What `client` received, as a sorted list of canonical strings: its view, order aside. */
export function viewOf(d: Driver, client: NodeId): string[] {
  return d.delivered
    .filter((e) => e.to === client)
    .map((e) => `${e.from} ${canonical(e.msg)}`)
    .sort();
}

function canonical(msg: ProtocolMessage): string {
  return JSON.stringify(msg, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value));
}
