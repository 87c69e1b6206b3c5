/**
 * @module Fault schedules: validation against the cluster and the fault budget, and the
 * runtime that applies the actions to a simulated run.
 *
 * Semantics (kept in one place, documented in the schedule format notes):
 * - Holds, partitions and pauses act where a frame ARRIVES: a frame that arrives while it is blocked
 *   is queued (never lost) and handed to its receiver, in arrival order, at the virtual time at which
 *   nothing blocks it any more. So released frames arrive "now", without a second trip.
 * - Holds and releases form an ordered rule list; a frame is held when the LAST rule that matches it
 *   is a hold. `release` with a narrower pattern than its hold therefore releases just that part, and
 *   `release: {}` (no fields) releases everything any hold holds.
 * - A frame held by a message-type hold may be overtaken by later frames of other types on its link
 *   (that is the point of such a hold); frames held together are released in their arrival order,
 *   so per-link FIFO holds among them.
 * - One partition at a time: `partition` replaces the current one, `heal` removes it. Nodes named in
 *   no group are not cut off from anyone.
 * - `pause` stops a server from handling messages (they queue); `resume` hands it the queue.
 * - `forMs` on hold, partition, pause and slow undoes the action that long after it applied
 *   (release of the same pattern, heal if that partition is still current, resume, delay 0).
 * - `crash` (servers and clients), `revert` (the server forgets all state: its register machines are
 *   rebuilt from scratch on next use), `byzantine` (the server's current machines are wrapped by the
 *   strategy, keeping their state; later ones are built wrapped), `slow` (send delay from now on).
 * - Triggers: `atMs`, `afterOps` (N operations completed), `after: id` (scripted op returned),
 *   `atStartOf: id` (scripted op invoked), `afterDelivered: {from, to, messageType, count}` (the
 *   count-th matching frame was handed to its receiver; the action runs after the receiver's task). A triggered action runs as its own event at the trigger's
 *   virtual time, after the task that fired it and before scripted operations started by the same
 *   trigger.
 */
import type { AnyProtocolDefinition, ClusterInfo, NodeId } from '../../protocols/types.ts';
import { ConfigError } from '../config/errors.ts';
import type { ExperimentConfig } from '../config/schema.ts';
import type { MessageTracer } from '../host/tracer.ts';
import type { Clock, Frame, Receiver } from '../transport/types.ts';
import { lookupStrategy, strategyNames } from './strategies.ts';
import type { ScheduleEntry, ScriptOp } from './schedule-schema.ts';
import { NS_PER_MS } from '../units.ts';

function fail(message: string): never {
  throw new ConfigError(message);
}

/** Nodes a config may name: servers, workload clients, hostile clients. */
export interface KnownNodes {
  readonly servers: ReadonlySet<NodeId>;
  readonly clients: ReadonlySet<NodeId>;
  readonly writers: ReadonlySet<NodeId>;
  readonly hostile: ReadonlySet<NodeId>;
}

export function knownNodes(cluster: ClusterInfo, hostile: readonly NodeId[]): KnownNodes {
  return {
    servers: new Set(cluster.servers),
    clients: new Set([...cluster.writers, ...cluster.readers]),
    writers: new Set(cluster.writers),
    hostile: new Set(hostile),
  };
}

/** Expands a node or block name (or a list of them) to node ids; unknown names are a ConfigError at `path`. */
export function expandRefs(ref: string | readonly string[], blocks: Readonly<Record<string, readonly string[]>>, nodes: KnownNodes, path: string): NodeId[] {
  const refs = typeof ref === 'string' ? [ref] : ref;
  const out: NodeId[] = [];
  refs.forEach((name, i) => {
    const at = typeof ref === 'string' ? path : `${path}[${i}]`;
    if (Object.hasOwn(blocks, name)) out.push(...blocks[name]!);
    else if (nodes.servers.has(name) || nodes.clients.has(name) || nodes.hostile.has(name)) out.push(name);
    else fail(`${at}: unknown node or block ${JSON.stringify(name)} (nodes: ${[...nodes.servers, ...nodes.clients].join(', ')}${Object.keys(blocks).length > 0 ? `; blocks: ${Object.keys(blocks).join(', ')}` : ''})`);
  });
  return [...new Set(out)];
}

function triggerCount(entry: ScheduleEntry): number {
  return [entry.atMs, entry.afterOps, entry.after, entry.atStartOf, entry.afterDelivered].filter((v) => v !== undefined).length;
}

/** Servers that the schedule crashes, and servers it makes Byzantine (byzantine or revert). */
export interface ScheduleBudget {
  readonly crashed: ReadonlySet<NodeId>;
  readonly byzantine: ReadonlySet<NodeId>;
}

/**
 * Validates `blocks`, `workload.script` and `schedule` against the cluster; returns the servers the
 * schedule crashes or makes Byzantine, which the caller adds to the fault budget.
 */
export function checkSchedule(config: ExperimentConfig, protocol: AnyProtocolDefinition, cluster: ClusterInfo, hostile: readonly NodeId[]): ScheduleBudget {
  const nodes = knownNodes(cluster, hostile);
  const blocks = config.blocks ?? {};
  const script = config.workload.script;
  const schedule = config.schedule ?? [];
  if (config.engine === 'real') {
    // The real engine's transport and server processes do not implement holds, pauses or reverts.
    if (schedule.length > 0) fail(`schedule[0].action: not supported with engine: real (sim only), got ${JSON.stringify(schedule[0]!.action)}`);
    if (script !== undefined) fail('workload.script: not supported with engine: real (sim only), got a script');
  }
  checkBlocks(blocks, nodes);
  const ids = script === undefined ? new Map<string, ScriptOp>() : checkScript(script, config.workload.keys, nodes);
  const budget = { crashed: new Set<NodeId>(), byzantine: new Set<NodeId>() };
  schedule.forEach((entry, i) => checkScheduleEntry(entry, `schedule[${i}]`, { protocol, blocks, nodes, ids, scripted: script !== undefined }, budget));
  return budget;
}

/** Block names are not node names, and blocks list known nodes. */
function checkBlocks(blocks: Readonly<Record<string, readonly string[]>>, nodes: KnownNodes): void {
  for (const [name, members] of Object.entries(blocks)) {
    if (nodes.servers.has(name) || nodes.clients.has(name) || nodes.hostile.has(name)) fail(`blocks.${name}: a block cannot have the name of a node, got ${JSON.stringify(name)}`);
    members.forEach((member, i) => {
      if (!nodes.servers.has(member) && !nodes.clients.has(member)) fail(`blocks.${name}[${i}]: unknown node ${JSON.stringify(member)} (nodes: ${[...nodes.servers, ...nodes.clients].join(', ')})`);
    });
  }
}

/** Checks `workload.script` (ids, clients, triggers, keys, no waiting cycle); returns the operations by id. */
function checkScript(script: readonly ScriptOp[], keys: number, nodes: KnownNodes): Map<string, ScriptOp> {
  const ids = new Map<string, ScriptOp>();
  script.forEach((op, i) => {
    const at = `workload.script[${i}]`;
    if (ids.has(op.id)) fail(`${at}.id: duplicate operation id ${JSON.stringify(op.id)}`);
    ids.set(op.id, op);
    if (!nodes.clients.has(op.client)) fail(`${at}.client: unknown client ${JSON.stringify(op.client)} (clients: ${[...nodes.clients].join(', ')})`);
    if (op.kind === 'write' && !nodes.writers.has(op.client)) fail(`${at}.client: ${op.client} is a reader and cannot write (writers: ${[...nodes.writers].join(', ') || 'none'})`);
    if ((op.atMs === undefined) === (op.after === undefined)) fail(`${at}: give exactly one of atMs, after, got ${op.atMs === undefined ? 'neither' : 'both'}`);
    if (op.delayMs !== undefined && op.after === undefined) fail(`${at}.delayMs: only with after, got ${op.delayMs}`);
    if (op.key !== undefined && Number(op.key.slice(1)) >= keys) fail(`${at}.key: workload.keys is ${keys}, got ${JSON.stringify(op.key)}`);
  });
  script.forEach((op, i) => {
    if (op.after !== undefined && !ids.has(op.after)) fail(`workload.script[${i}].after: no scripted operation ${JSON.stringify(op.after)}`);
  });
  // An operation that (transitively) waits for itself would never start.
  script.forEach((op, i) => {
    const seen = new Set<string>([op.id]);
    let next = op.after;
    while (next !== undefined) {
      if (seen.has(next)) fail(`workload.script[${i}].after: operations wait for each other in a cycle, got ${JSON.stringify(op.after)}`);
      seen.add(next);
      next = ids.get(next)?.after;
    }
  });
  return ids;
}

/** What a schedule entry is checked against. */
interface EntryContext {
  readonly protocol: AnyProtocolDefinition;
  readonly blocks: Readonly<Record<string, readonly string[]>>;
  readonly nodes: KnownNodes;
  /** Scripted operations by id. */
  readonly ids: ReadonlyMap<string, ScriptOp>;
  /** Whether the config has a `workload.script`. */
  readonly scripted: boolean;
}

/** Checks one schedule entry (`at` is its path) and adds the servers it crashes or corrupts to `budget`. */
function checkScheduleEntry(entry: ScheduleEntry, at: string, ctx: EntryContext, budget: { readonly crashed: Set<NodeId>; readonly byzantine: Set<NodeId> }): void {
  const { protocol, blocks, nodes, ids } = ctx;
  const triggers = triggerCount(entry);
  if (triggers !== 1) fail(`${at}: give exactly one of atMs, afterOps, after, atStartOf, afterDelivered, got ${triggers}`);
  if (entry.afterDelivered !== undefined) {
    if (entry.afterDelivered.from !== undefined) expandRefs(entry.afterDelivered.from, blocks, nodes, `${at}.afterDelivered.from`);
    if (entry.afterDelivered.to !== undefined) expandRefs(entry.afterDelivered.to, blocks, nodes, `${at}.afterDelivered.to`);
  }
  for (const field of ['after', 'atStartOf'] as const) {
    const id = entry[field];
    if (id === undefined) continue;
    if (!ctx.scripted) fail(`${at}.${field}: names a scripted operation but workload.script is not set, got ${JSON.stringify(id)}`);
    if (!ids.has(id)) fail(`${at}.${field}: no scripted operation ${JSON.stringify(id)} (ids: ${[...ids.keys()].join(', ')})`);
  }
  const serversOnly = (list: NodeId[], field: string): NodeId[] => {
    for (const node of list) if (!nodes.servers.has(node)) fail(`${at}.${field}: ${entry.action} applies to servers only, got ${JSON.stringify(node)}`);
    return list;
  };
  switch (entry.action) {
    case 'hold':
    case 'release':
      if (entry.from !== undefined) expandRefs(entry.from, blocks, nodes, `${at}.from`);
      if (entry.to !== undefined) expandRefs(entry.to, blocks, nodes, `${at}.to`);
      return;
    case 'crash':
      for (const node of expandRefs(entry.node, blocks, nodes, `${at}.node`)) {
        if (nodes.hostile.has(node)) fail(`${at}.node: cannot crash hostile client ${JSON.stringify(node)}`);
        if (nodes.servers.has(node)) budget.crashed.add(node);
      }
      return;
    case 'pause':
    case 'resume':
    case 'slow':
      serversOnly(expandRefs(entry.node, blocks, nodes, `${at}.node`), 'node');
      return;
    case 'revert':
      for (const node of serversOnly(expandRefs(entry.node, blocks, nodes, `${at}.node`), 'node')) budget.byzantine.add(node);
      return;
    case 'byzantine': {
      if (lookupStrategy(protocol, entry.strategy) === undefined) {
        fail(`${at}.strategy: unknown strategy ${JSON.stringify(entry.strategy)} for ${protocol.name} (known: ${strategyNames(protocol).join(', ')})`);
      }
      for (const node of serversOnly(expandRefs(entry.node, blocks, nodes, `${at}.node`), 'node')) budget.byzantine.add(node);
      return;
    }
    case 'partition': {
      const seen = new Map<NodeId, number>();
      entry.groups.forEach((group, g) => {
        for (const node of expandRefs(group, blocks, nodes, `${at}.groups[${g}]`)) {
          const other = seen.get(node);
          if (other !== undefined && other !== g) fail(`${at}.groups[${g}]: node ${JSON.stringify(node)} is also in groups[${other}]`);
          seen.set(node, g);
        }
      });
      return;
    }
    case 'heal':
      return;
  }
}

// ---------------------------------------------------------------- runtime

/** What the runner lets the schedule do to a run. */
export interface ScheduleHooks {
  crash(node: NodeId): void;
  /** The server forgets all state (its machines are rebuilt from scratch on next use). */
  revert(node: NodeId): void;
  byzantine(node: NodeId, strategy: string, options: Readonly<Record<string, unknown>>): void;
  slow(node: NodeId, delayNs: number): void;
  /**
   * Runs `fn` as a task of `node`, after the work already queued on it (a frame handed to a busy
   * node waits for its CPU), with the time that task runs at. Without it, `afterDelivered` actions
   * fire at the frame's arrival.
   */
  afterTask?(node: NodeId, fn: (nowNs: number) => void): void;
}

/** One applied action, for reports and tests. */
export interface AppliedAction {
  readonly atMs: number;
  /** Index into the config's `schedule`. */
  readonly index: number;
  readonly action: ScheduleEntry['action'];
  /** Frames handed on because of this action (release, heal, resume). */
  readonly delivered: number;
}

export interface ScheduleReport {
  readonly applied: readonly AppliedAction[];
  /** Frames that were held at some point. */
  readonly heldTotal: number;
  /** Frames still held when the run ended (never lost: counted here). */
  readonly heldAtEnd: number;
}

interface Pattern {
  readonly from: ReadonlySet<NodeId> | null;
  readonly to: ReadonlySet<NodeId> | null;
  readonly type: string | null;
}

interface HeldFrame {
  readonly to: NodeId;
  readonly from: NodeId;
  readonly frame: Frame;
  readonly receive: Receiver;
}

interface Compiled {
  readonly index: number;
  readonly entry: ScheduleEntry;
  readonly nodes: readonly NodeId[];
  readonly pattern: Pattern | null;
  readonly groups: readonly (readonly NodeId[])[] | null;
}

/**
 * Applies a validated config's `schedule` to one simulated run. `gate` wraps each node's receiver;
 * the runner reports operation starts and completions so that op-triggered actions fire.
 */
export class ScheduleRuntime {
  private readonly entries: Compiled[];
  private readonly rules: { pattern: Pattern; hold: boolean }[] = [];
  private partitionOf: Map<NodeId, number> | null = null;
  private readonly paused = new Set<NodeId>();
  private readonly sendDelayNs = new Map<NodeId, number>();
  private held: HeldFrame[] = [];
  private heldTotal = 0;
  private readonly applied: AppliedAction[] = [];
  private readonly byAfter = new Map<string, Compiled[]>();
  private readonly byStart = new Map<string, Compiled[]>();
  private readonly byOps = new Map<number, Compiled[]>();
  /** `afterDelivered` triggers not fired yet, with the frames still to see. */
  private readonly onDelivery: { pattern: Pattern; remaining: number; compiled: Compiled }[] = [];

  constructor(
    config: ExperimentConfig,
    cluster: ClusterInfo,
    hostile: readonly NodeId[],
    private readonly clock: Clock,
    private readonly hooks: ScheduleHooks,
    /** The run's message trace, told of every hold and release (null: not traced). */
    private readonly tracer: MessageTracer | null = null,
  ) {
    const nodes = knownNodes(cluster, hostile);
    // The send delay in force per node, so that the end of a `slow` episode restores it (a static
    // `faults: slow`, or an earlier episode still running) instead of clearing it.
    for (const fault of config.faults) if (fault.type === 'slow') this.sendDelayNs.set(fault.node, Math.round(fault.delayMs * NS_PER_MS));
    const blocks = config.blocks ?? {};
    const refs = (ref: string | readonly string[] | undefined, path: string): ReadonlySet<NodeId> | null =>
      ref === undefined ? null : new Set(expandRefs(ref, blocks, nodes, path));
    this.entries = (config.schedule ?? []).map((entry, index) => {
      const at = `schedule[${index}]`;
      let pattern: Pattern | null = null;
      let groups: NodeId[][] | null = null;
      let list: NodeId[] = [];
      if (entry.action === 'hold' || entry.action === 'release') {
        pattern = { from: refs(entry.from, `${at}.from`), to: refs(entry.to, `${at}.to`), type: entry.messageType ?? null };
      } else if (entry.action === 'partition') {
        groups = entry.groups.map((group, g) => expandRefs(group, blocks, nodes, `${at}.groups[${g}]`));
      } else if (entry.action !== 'heal') {
        list = expandRefs(entry.node, blocks, nodes, `${at}.node`);
      }
      return { index, entry, nodes: list, pattern, groups };
    });
    for (const compiled of this.entries) {
      const entry = compiled.entry;
      const add = <K>(map: Map<K, Compiled[]>, key: K) => map.set(key, [...(map.get(key) ?? []), compiled]);
      if (entry.after !== undefined) add(this.byAfter, entry.after);
      else if (entry.atStartOf !== undefined) add(this.byStart, entry.atStartOf);
      else if (entry.afterOps !== undefined) add(this.byOps, entry.afterOps);
      else if (entry.afterDelivered !== undefined) {
        const d = entry.afterDelivered;
        const at = `schedule[${compiled.index}].afterDelivered`;
        const pattern = { from: refs(d.from, `${at}.from`), to: refs(d.to, `${at}.to`), type: d.messageType ?? null };
        this.onDelivery.push({ pattern, remaining: d.count ?? 1, compiled });
      }
    }
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** Schedules the time-triggered actions (and `afterOps: 0`). Call before the workload starts. */
  start(): void {
    for (const compiled of this.entries) {
      if (compiled.entry.atMs !== undefined) this.clock.schedule(compiled.entry.atMs * NS_PER_MS, () => this.apply(compiled));
    }
    this.fire(this.byOps.get(0), this.clock.nowNs());
  }

  /** Wraps `receive` (the receiver of node `to`) so that blocked frames queue. */
  gate(to: NodeId, receive: Receiver): Receiver {
    if (!this.enabled) return receive;
    return (from, frame) => {
      if (this.blocked(to, from, frame)) {
        this.held.push({ to, from, frame, receive });
        this.heldTotal++;
        if (this.tracer !== null) this.tracer.hold(from, to, frame);
      } else {
        receive(from, frame);
        if (this.onDelivery.length > 0) this.delivered(to, from, frame);
      }
    };
  }

  /** A scripted operation was invoked at `nowNs`. */
  onOpStarted(scriptId: string | undefined, nowNs: number): void {
    if (scriptId !== undefined) this.fire(this.byStart.get(scriptId), nowNs);
  }

  /** An operation returned at `nowNs`; `completed` operations have now completed in the whole run. */
  onOpCompleted(scriptId: string | undefined, completed: number, nowNs: number): void {
    if (scriptId !== undefined) this.fire(this.byAfter.get(scriptId), nowNs);
    this.fire(this.byOps.get(completed), nowNs);
  }

  report(): ScheduleReport {
    return { applied: this.applied, heldTotal: this.heldTotal, heldAtEnd: this.held.length };
  }

  /** A frame was handed to its receiver: counts toward `afterDelivered` triggers. */
  private delivered(to: NodeId, from: NodeId, frame: Frame): void {
    for (let i = 0; i < this.onDelivery.length; i++) {
      const waiting = this.onDelivery[i]!;
      if (!matches(waiting.pattern, from, to, frame.msg.type) || --waiting.remaining > 0) continue;
      this.onDelivery.splice(i--, 1);
      // "After the receiver handled it": behind the frame's own task on the receiver.
      if (this.hooks.afterTask !== undefined) this.hooks.afterTask(to, (nowNs) => this.fire([waiting.compiled], nowNs));
      else this.fire([waiting.compiled], this.clock.nowNs());
    }
  }

  private fire(list: Compiled[] | undefined, nowNs: number): void {
    if (list === undefined) return;
    // Each action is an event of its own at the trigger's time: it runs after the task that fired it.
    for (const compiled of list) this.clock.schedule(nowNs, () => this.apply(compiled));
  }

  private blocked(to: NodeId, from: NodeId, frame: Frame): boolean {
    if (this.paused.has(to)) return true;
    const partition = this.partitionOf;
    if (partition !== null) {
      const a = partition.get(from);
      const b = partition.get(to);
      if (a !== undefined && b !== undefined && a !== b) return true;
    }
    const type = frame.msg.type;
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const rule = this.rules[i]!;
      if (matches(rule.pattern, from, to, type)) return rule.hold;
    }
    return false;
  }

  private apply(compiled: Compiled): void {
    const entry = compiled.entry;
    let unblocks = false;
    const previousDelays = new Map<NodeId, number>();
    switch (entry.action) {
      case 'hold':
        this.rules.push({ pattern: compiled.pattern!, hold: true });
        break;
      case 'release':
        this.rules.push({ pattern: compiled.pattern!, hold: false });
        unblocks = true;
        break;
      case 'partition': {
        const map = new Map<NodeId, number>();
        compiled.groups!.forEach((group, g) => group.forEach((node) => map.set(node, g)));
        this.partitionOf = map;
        unblocks = true;
        break;
      }
      case 'heal':
        this.partitionOf = null;
        unblocks = true;
        break;
      case 'pause':
        for (const node of compiled.nodes) this.paused.add(node);
        break;
      case 'resume':
        for (const node of compiled.nodes) this.paused.delete(node);
        unblocks = true;
        break;
      case 'crash':
        for (const node of compiled.nodes) this.hooks.crash(node);
        break;
      case 'revert':
        for (const node of compiled.nodes) this.hooks.revert(node);
        break;
      case 'byzantine':
        for (const node of compiled.nodes) this.hooks.byzantine(node, entry.strategy, entry.options ?? {});
        break;
      case 'slow':
        for (const node of compiled.nodes) {
          previousDelays.set(node, this.sendDelayNs.get(node) ?? 0);
          this.setSendDelay(node, Math.round(entry.delayMs * NS_PER_MS));
        }
        break;
    }
    this.traceNodeAction(compiled, entry.action);
    const delivered = unblocks ? this.deliverUnblocked() : 0;
    this.applied.push({ atMs: this.clock.nowNs() / NS_PER_MS, index: compiled.index, action: entry.action, delivered });
    if ('forMs' in entry && entry.forMs !== undefined) {
      const partition = this.partitionOf;
      this.clock.schedule(this.clock.nowNs() + Math.round(entry.forMs * NS_PER_MS), () => this.undo(compiled, partition, previousDelays));
    }
  }

  /** Node actions for the trace (crashes reach it through the run's fault log; holds as held frames). */
  private traceNodeAction(compiled: Compiled, action: string): void {
    if (this.tracer === null || action === 'crash') return;
    const entry = compiled.entry;
    const cause = entry.action === 'byzantine' && action === 'byzantine' ? `schedule[${compiled.index}]: strategy ${entry.strategy}` : `schedule[${compiled.index}]`;
    for (const node of compiled.nodes) this.tracer.fault(node, action, cause);
  }

  private setSendDelay(node: NodeId, delayNs: number): void {
    this.sendDelayNs.set(node, delayNs);
    this.hooks.slow(node, delayNs);
  }

  /** The end of an episode given by `forMs`: release the hold, heal this partition, resume, unslow. */
  private undo(compiled: Compiled, partition: Map<NodeId, number> | null, previousDelays: ReadonlyMap<NodeId, number>): void {
    const entry = compiled.entry;
    let unblocks = true;
    switch (entry.action) {
      case 'hold':
        this.rules.push({ pattern: compiled.pattern!, hold: false });
        break;
      case 'partition':
        // Only if it is still the current partition (a later `partition` replaced it otherwise).
        if (this.partitionOf === partition) this.partitionOf = null;
        break;
      case 'pause':
        for (const node of compiled.nodes) this.paused.delete(node);
        break;
      case 'slow':
        // Unless a later `slow` replaced this episode's delay meanwhile (that one restores on its own end).
        for (const node of compiled.nodes) {
          if (this.sendDelayNs.get(node) === Math.round(entry.delayMs * NS_PER_MS)) this.setSendDelay(node, previousDelays.get(node) ?? 0);
        }
        unblocks = false;
        break;
      default:
        return;
    }
    const undone = { hold: 'release', partition: 'heal', pause: 'resume', slow: 'slow' } as const;
    this.traceNodeAction(compiled, undone[entry.action]);
    const delivered = unblocks ? this.deliverUnblocked() : 0;
    this.applied.push({ atMs: this.clock.nowNs() / NS_PER_MS, index: compiled.index, action: undone[entry.action], delivered });
  }

  /** Hands on, in arrival order, every held frame that nothing blocks any more. */
  private deliverUnblocked(): number {
    const still: HeldFrame[] = [];
    const ready: HeldFrame[] = [];
    for (const held of this.held) (this.blocked(held.to, held.from, held.frame) ? still : ready).push(held);
    this.held = still;
    for (const held of ready) {
      if (this.tracer !== null) this.tracer.release(held.from, held.to, held.frame);
      held.receive(held.from, held.frame);
      if (this.onDelivery.length > 0) this.delivered(held.to, held.from, held.frame);
    }
    return ready.length;
  }
}

function matches(pattern: Pattern, from: NodeId, to: NodeId, type: string): boolean {
  return (pattern.from === null || pattern.from.has(from)) && (pattern.to === null || pattern.to.has(to)) && (pattern.type === null || pattern.type === type);
}
