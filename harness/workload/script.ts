/**
 * @module The scripted workload: named operations, each started at a virtual time or when
 * another scripted operation returns (plus a delay), instead of generated ones.
 *
 * A client runs one operation at a time: an operation whose trigger fired while its client was busy
 * starts when the client becomes idle (in trigger order). An operation of a crashed client, or one
 * waiting for an operation that can no longer return, is abandoned: the run then does not wait for it.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { ScriptOp } from '../faults/schedule-schema.ts';
import type { Clock } from '../transport/types.ts';
import { NS_PER_MS } from '../units.ts';

export interface ScriptHooks {
  /** Start `op` on `client` now (the runner runs it as a task of the client). */
  start(client: NodeId, op: ScriptOp): void;
  isCrashed(client: NodeId): boolean;
}

/** `abandoned`: it ended without returning (an external node's timeout): nothing waiting for it starts. */
type OpState = 'waiting' | 'ready' | 'started' | 'done' | 'abandoned';

export class ScriptRunner {
  private readonly state = new Map<string, OpState>();
  private readonly byId = new Map<string, ScriptOp>();
  private readonly dependants = new Map<string, ScriptOp[]>();
  private readonly queues = new Map<NodeId, ScriptOp[]>();
  /** The scripted operation each client is running (one at a time). */
  private readonly current = new Map<NodeId, ScriptOp>();

  constructor(
    private readonly script: readonly ScriptOp[],
    private readonly clock: Clock,
    private readonly hooks: ScriptHooks,
  ) {
    for (const op of script) {
      this.state.set(op.id, 'waiting');
      this.byId.set(op.id, op);
      if (op.after !== undefined) this.dependants.set(op.after, [...(this.dependants.get(op.after) ?? []), op]);
    }
  }

  /** Schedules the operations that start at a time. */
  begin(): void {
    for (const op of this.script) {
      if (op.atMs !== undefined) this.clock.schedule(op.atMs * NS_PER_MS, () => this.ready(op));
    }
  }

  /** The scripted operation `client` is running, if any. */
  currentId(client: NodeId): string | undefined {
    return this.current.get(client)?.id;
  }

  /** `client`'s operation returned at `nowNs`: schedules the operations that wait for it. Returns its id. */
  onOpDone(client: NodeId, nowNs: number): string | undefined {
    const op = this.current.get(client);
    if (op === undefined) return undefined;
    this.current.delete(client);
    this.state.set(op.id, 'done');
    for (const next of this.dependants.get(op.id) ?? []) {
      this.clock.schedule(nowNs + (next.delayMs ?? 0) * NS_PER_MS, () => this.ready(next));
    }
    return op.id;
  }

  /** `client`'s operation ended without returning (it stays pending): operations after it never start. */
  onOpAbandoned(client: NodeId): void {
    const op = this.current.get(client);
    if (op === undefined) return;
    this.current.delete(client);
    this.state.set(op.id, 'abandoned');
  }

  /** `client` became idle (its operation returned): start its next ready operation, if any. */
  onIdle(client: NodeId): void {
    this.tryStart(client);
  }

  /** Whether every operation has started or can never start (nothing left to wait for). */
  exhausted(): boolean {
    for (const op of this.script) {
      const state = this.state.get(op.id)!;
      if (state === 'started' || state === 'done') continue;
      if (!this.dead(op)) return false;
    }
    return true;
  }

  private dead(op: ScriptOp): boolean {
    const state = this.state.get(op.id)!;
    if (state === 'done') return false;
    if (state === 'abandoned') return true;
    if (this.hooks.isCrashed(op.client)) return true;
    if (state === 'started') return false;
    if (state === 'waiting' && op.after !== undefined) return this.dead(this.byId.get(op.after)!);
    return false;
  }

  private ready(op: ScriptOp): void {
    if (this.state.get(op.id) !== 'waiting') return;
    this.state.set(op.id, 'ready');
    const queue = this.queues.get(op.client) ?? [];
    queue.push(op);
    this.queues.set(op.client, queue);
    this.tryStart(op.client);
  }

  private tryStart(client: NodeId): void {
    if (this.current.has(client) || this.hooks.isCrashed(client)) return;
    const op = this.queues.get(client)?.shift();
    if (op === undefined) return;
    this.current.set(client, op);
    this.state.set(op.id, 'started');
    this.hooks.start(client, op);
  }
}
