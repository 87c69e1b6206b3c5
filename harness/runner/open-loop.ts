/**
 * @module Open-loop arrivals (`workload.mode: open`): operations arrive as a Poisson process at
 * `rateOpsPerS`, whatever the clients are doing. An arrival goes to an idle client that can run it
 * (writes need a writer) or waits in a backlog; its latency counts from the arrival (the intended
 * start), so queueing is not hidden (no coordinated omission).
 */
import type { ResolvedRun } from '../config/resolve.ts';
import type { OpKind } from '../results/schema.ts';
import type { Rng } from '../rng.ts';
import type { Engine } from '../transport/engine.ts';
import { poissonGapNs } from '../workload/index.ts';
import { IssueBudget } from './issue-budget.ts';
import type { ClientState, WorkloadDriver } from './workload-driver.ts';

export interface Arrival {
  readonly intendedNs: number;
  readonly kind: OpKind;
}

export class OpenLoopArrivals {
  private done = false;
  private readonly budget: IssueBudget;
  private readonly backlog: Arrival[] = [];
  /** Clients waiting for an arrival. */
  private readonly idle: ClientState[] = [];

  constructor(
    private readonly driver: WorkloadDriver,
    private readonly run: ResolvedRun,
    private readonly engine: Engine,
    private readonly rng: Rng,
  ) {
    this.budget = new IssueBudget(run.workload);
  }

  start(): void {
    this.idle.push(...this.driver.clients);
    this.engine.clock.schedule(poissonGapNs(this.rng, this.run.workload.rateOpsPerS!), () => this.arrive());
  }

  /** The oldest waiting arrival `client` can run, or undefined (the client then waits for one). */
  takeFor(client: ClientState): Arrival | undefined {
    const index = this.backlog.findIndex((arrival) => arrival.kind === 'read' || client.role === 'writer');
    if (index >= 0) return this.backlog.splice(index, 1)[0]!;
    this.idle.push(client);
    return undefined;
  }

  /** A crashed client waits for nothing. */
  forget(client: ClientState): void {
    const index = this.idle.indexOf(client);
    if (index >= 0) this.idle.splice(index, 1);
  }

  /** No more arrivals, and none waiting that a live client could run. */
  exhausted(clients: readonly ClientState[]): boolean {
    return this.done && (this.backlog.length === 0 || clients.every((c) => c.crashed));
  }

  private arrive(): void {
    const { run, engine, rng, driver } = this;
    const workload = run.workload;
    const now = engine.clock.nowNs();
    if (this.budget.spent(now) || driver.finished) {
      this.done = true;
      driver.maybeFinish();
      return;
    }
    this.budget.take(now);
    const readShare = workload.readRatioResolved ?? run.cluster.readers.length / driver.clients.length;
    const kind: OpKind = rng.float() < readShare ? 'read' : 'write';
    const index = this.idle.findIndex((client) => kind === 'read' || client.role === 'writer');
    if (index >= 0) {
      const client = this.idle.splice(index, 1)[0]!;
      driver.queueStart();
      engine.exec(client.id, startArrival, driver, client, { kind, intendedNs: now });
    } else {
      this.backlog.push({ intendedNs: now, kind });
    }
    engine.clock.schedule(now + poissonGapNs(rng, workload.rateOpsPerS!), () => this.arrive());
  }
}

function startArrival(driver: WorkloadDriver, client: ClientState, arrival: Arrival): void {
  driver.startQueued(client, arrival.kind, arrival.intendedNs);
}
