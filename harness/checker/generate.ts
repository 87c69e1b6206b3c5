/**
 * @module Generator of large linearizable unique-value register histories (for the checker's
 * benchmark and tests): clients issue back-to-back operations with random think times and
 * durations; each operation takes effect at a random point of its interval, and reads return the
 * value held at their point. A few writes fail (no effect) and each client's last operation may be
 * left pending (taking effect or not). Seeded, deterministic.
 */
import type { HistoryRecord } from '../history/types.ts';
import { Rng } from '../rng.ts';

export interface GenerateOptions {
  readonly ops: number;
  readonly clients: number;
  /** @default 1 */
  readonly keys?: number;
  readonly seed: number;
  /** @default 0.5 */
  readonly readFraction?: number;
  /** Fraction of writes that fail (no effect). @default 0.01 */
  readonly failedWriteFraction?: number;
  /** Fraction of clients whose last operation is pending. @default 0.25 */
  readonly pendingClientFraction?: number;
  /** Replace one read's value in the middle of the history by a stale one (makes a violation). @default false */
  readonly staleRead?: boolean;
  /** How many writes (of the read's key) back the stale value is. @default 200 */
  readonly staleByWrites?: number;
}

export function generateHistory(options: GenerateOptions): HistoryRecord[] {
  const rng = new Rng(options.seed);
  const rand = (): number => rng.float();
  const n = options.ops;
  const clients = options.clients;
  const keyCount = options.keys ?? 1;
  const readFraction = options.readFraction ?? 0.5;
  const failedFraction = options.failedWriteFraction ?? 0.01;
  const pendingClients = Math.floor(clients * (options.pendingClientFraction ?? 0.25));

  const client = new Int32Array(n);
  const key = new Int32Array(n);
  const isRead = new Uint8Array(n);
  const status = new Uint8Array(n); // 0 ok, 1 failed, 2 pending
  const call = new Float64Array(n);
  const ret = new Float64Array(n);
  const point = new Float64Array(n); // NaN: never takes effect
  const seq = new Int32Array(n);
  const clock = new Float64Array(clients);
  const seqOf = new Int32Array(clients);
  for (let c = 0; c < clients; c++) clock[c] = rand();
  const lastOf = new Int32Array(clients).fill(-1);
  for (let i = 0; i < n; i++) {
    const c = i % clients;
    // Times in whole microseconds, so that the JSON form is exact and short.
    const start = Math.round(((clock[c] as number) + rand() * 0.5) * 1000) / 1000; // think time, ms
    const duration = Math.round((0.2 + rand() * 4) * 1000) / 1000; // ms
    client[i] = c;
    key[i] = Math.floor(rand() * keyCount);
    isRead[i] = rand() < readFraction ? 1 : 0;
    call[i] = start;
    ret[i] = Math.round((start + duration) * 1000) / 1000;
    clock[c] = ret[i] as number;
    seq[i] = seqOf[c] as number;
    seqOf[c] = (seqOf[c] as number) + 1;
    lastOf[c] = i;
    if (isRead[i] === 0 && rand() < failedFraction) {
      status[i] = 1;
      point[i] = NaN;
    } else {
      point[i] = start + rand() * duration;
    }
  }
  for (let c = 0; c < pendingClients; c++) {
    const i = lastOf[c] as number;
    if (i < 0 || status[i] === 1) continue;
    status[i] = 2;
    if (rand() < 0.5) point[i] = NaN;
  }
  // Apply the operations in linearization-point order to get what each read returned.
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(point[i])) order.push(i);
  order.sort((a, b) => (point[a] as number) - (point[b] as number));
  const valueOf = (i: number): string => `c${client[i]}:${seq[i]}`;
  const held: (string | null)[] = new Array(keyCount).fill(null);
  const readValue: (string | null)[] = new Array(n).fill(null);
  const history: (string | null)[][] = Array.from({ length: keyCount }, () => []);
  for (const i of order) {
    const k = key[i] as number;
    if (isRead[i] === 1) readValue[i] = held[k] ?? null;
    else {
      held[k] = valueOf(i);
      (history[k] as (string | null)[]).push(held[k] ?? null);
    }
  }
  if (options.staleRead === true) {
    // A read in the middle returns a value overwritten long before (well past any overlap).
    const back = options.staleByWrites ?? 200;
    for (let i = Math.floor(n / 2); i < n; i++) {
      if (isRead[i] !== 1 || status[i] !== 0) continue;
      const values = history[key[i] as number] as (string | null)[];
      const pos = values.indexOf(readValue[i] ?? null);
      if (pos < back) continue;
      readValue[i] = values[pos - back] ?? null;
      break;
    }
  }
  const records: HistoryRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const st = status[i] === 0 ? 'ok' : status[i] === 1 ? 'failed' : 'pending';
    records[i] = {
      client: `c${client[i]}`,
      op: isRead[i] === 1 ? 'read' : 'write',
      key: `k${key[i]}`,
      value: isRead[i] === 1 ? (st === 'ok' ? (readValue[i] ?? null) : null) : valueOf(i),
      call: call[i] as number,
      return: st === 'pending' ? null : (ret[i] as number),
      status: st,
      rounds: 2,
    };
  }
  return records;
}
