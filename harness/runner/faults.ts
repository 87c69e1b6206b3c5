/**
 * @module The run's faults, applied: the config's `faults` (crashes by time, operation count,
 * message count or mid-operation; Byzantine strategies; slow senders) and the fault schedule's
 * actions, carried out on the hosts of this process or through the engine. Every applied fault is
 * logged with the time it took effect, for `summary.json`.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import type { ScheduleHooks } from '../faults/schedule.ts';
import type { AppliedFault } from '../host/server-report.ts';
import type { HostedServer } from '../host/hosted-server.ts';
import type { Engine } from '../transport/engine.ts';
import { NS_PER_MS } from '../units.ts';
import type { WorkloadDriver } from './workload-driver.ts';

/** The applied faults of a run, in the order they took effect. */
export class FaultLog {
  readonly applied: AppliedFault[] = [];

  constructor(private readonly nowNs: () => number) {}

  add(node: NodeId, action: string, cause: string): void {
    this.applied.push({ atMs: this.nowNs() / NS_PER_MS, node, action, cause });
  }
}

/**
 * The faults of one run and what they act on: the hosts of this process, the engine (for nodes
 * hosted elsewhere) and the workload driver (for clients). Created before the hosts, so that the
 * schedule can gate their frames; `bind` hands it the hosts and the driver once they exist.
 */
export class RunFaults {
  readonly log: FaultLog;
  private servers: ReadonlyMap<NodeId, HostedServer> = new Map();
  private driver: WorkloadDriver | undefined;

  constructor(
    private readonly run: ResolvedRun,
    private readonly engine: Engine,
  ) {
    this.log = new FaultLog(() => engine.nowNs());
  }

  bind(servers: ReadonlyMap<NodeId, HostedServer>, driver: WorkloadDriver): void {
    this.servers = servers;
    this.driver = driver;
  }

  /** Crashes a server or a client, wherever it runs. */
  crashNode(node: NodeId, cause: string): void {
    const server = this.servers.get(node);
    if (server !== undefined) {
      if (server.crashed) return;
      this.log.add(node, 'crash', cause);
      server.crash();
      return;
    }
    if (this.run.cluster.servers.includes(node)) {
      this.log.add(node, 'crash', cause);
      this.engine.crash(node);
      return;
    }
    const client = this.driver?.client(node);
    if (client === undefined || client.crashed) return;
    this.log.add(node, 'crash', cause);
    this.driver!.crashClient(node);
  }

  /**
   * Sets up the config's `faults` (call before the workload starts: time-triggered crashes are
   * scheduled here, in config order). Byzantine strategies are applied by the server hosts themselves.
   */
  applyConfigFaults(): void {
    const { run, engine, servers, driver, log } = this;
    const crashAfterOps: { node: NodeId; ops: number; cause: string }[] = [];
    run.faults.forEach((fault, i) => {
      const cause = `faults[${i}]`;
      switch (fault.type) {
        case 'crash': {
          if (fault.atMs !== undefined) engine.clock.schedule(fault.atMs * NS_PER_MS, () => this.crashNode(fault.node, `${cause}: atMs ${fault.atMs}`));
          else if (fault.afterOps !== undefined) {
            if (fault.afterOps === 0) this.crashNode(fault.node, `${cause}: afterOps 0`);
            else crashAfterOps.push({ node: fault.node, ops: fault.afterOps, cause: `${cause}: afterOps ${fault.afterOps}` });
          } else if (fault.afterMessages !== undefined) {
            // Counted where the server runs: here, or in its own process (which reports it).
            const server = servers.get(fault.node);
            if (server !== undefined) {
              server.crashAfterMessages = fault.afterMessages;
              server.onCrash = () => log.add(fault.node, 'crash', `${cause}: afterMessages ${fault.afterMessages}`);
              if (fault.afterMessages === 0) server.crash();
            }
          } else if (fault.duringOp !== undefined) {
            const client = driver?.client(fault.node);
            if (client !== undefined) client.crashPlan = { duringOp: fault.duringOp, afterRound: fault.afterRound ?? 0, sendTo: fault.sendTo ?? 0 };
          }
          return;
        }
        case 'byzantine':
          log.add(fault.node, 'byzantine', `${cause}: strategy ${fault.strategy}`);
          return;
        case 'slow':
          log.add(fault.node, 'slow', `${cause}: delayMs ${fault.delayMs}`);
          engine.setSendDelayNs(fault.node, fault.delayMs * NS_PER_MS);
          return;
        case 'hostile-client':
          log.add(fault.node, 'hostile-client', `${cause}: ${fault.behaviour}`);
          return;
      }
    });
    if (crashAfterOps.length > 0) {
      driver!.onCompleted.push((completed) => {
        for (const entry of crashAfterOps) if (entry.ops === completed) this.crashNode(entry.node, entry.cause);
      });
    }
  }

  /** What the fault schedule does to the nodes of this run. */
  scheduleHooks(): ScheduleHooks {
    return {
      crash: (node) => this.crashNode(node, 'schedule'),
      revert: (node) => this.servers.get(node)?.revert(),
      byzantine: (node, name, options) => this.servers.get(node)?.switchStrategy(name, options),
      slow: (node, delayNs) => this.engine.setSendDelayNs(node, delayNs),
      afterTask: (node, fn) => this.engine.exec(node, () => fn(this.engine.nowNs())),
    };
  }
}
