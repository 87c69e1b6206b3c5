/**
 * @module Hosting a run's external nodes (both engines host them in the runner's process): one
 * process per server node, one per workload client with `clientRole: clients`, all started and
 * initialised before the run begins, and the workload's lin-kv clients in front of them.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { ExternalSettings } from '../external/settings.ts';
import type { Clock } from '../transport/types.ts';
import type { HostContext } from './context.ts';
import { ExternalNodeHost, type ExternalLedger } from './external-host.ts';
import { LinKvClients } from './lin-kv-clients.ts';
import { addTraffic, noTraffic, type Traffic } from './traffic.ts';

export interface ExternalCluster {
  readonly servers: ReadonlyMap<NodeId, ExternalNodeHost>;
  readonly clients: LinKvClients;
  /** Messages of the client side: the harness's requests over the network and the client nodes' messages. */
  clientTraffic(): Traffic;
  /** Stops every node process. */
  close(): Promise<void>;
}

/** Whether this process has said what lockstep means for determinism (once is enough). */
let noted = false;

/** Starts every node (in parallel) and waits for each `init_ok`; if one fails, all are stopped. */
export async function hostExternalNodes(context: HostContext, settings: ExternalSettings, clock: Clock, ledger: ExternalLedger, onExit: (node: NodeId, reason: string) => void): Promise<ExternalCluster> {
  const { cluster } = context.run;
  if (context.ports.lockstep !== undefined && !noted) {
    noted = true;
    process.stderr.write('quorumbench: external nodes in the simulator: the run is deterministic only if the nodes are (no timers, clocks or randomness of their own; docs/external-nodes.md)\n');
  }
  const workloadClients = [...cluster.writers, ...cluster.readers];
  const known = new Set<NodeId>([...cluster.servers, ...workloadClients]);
  const roles: [NodeId, 'server' | 'client'][] = [
    ...cluster.servers.map((id) => [id, 'server'] as [NodeId, 'server']),
    ...(settings.clientRole === 'clients' ? workloadClients.map((id) => [id, 'client'] as [NodeId, 'client']) : []),
  ];
  const started = await Promise.allSettled(roles.map(([id, role]) => ExternalNodeHost.start({ context, settings, id, role, ledger, known, onExit })));
  const hosts = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failure = started.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) {
    await Promise.all(hosts.map((host) => host.close()));
    throw failure.reason;
  }
  const servers = new Map<NodeId, ExternalNodeHost>();
  const clientNodes = new Map<NodeId, ExternalNodeHost>();
  roles.forEach(([id, role], i) => (role === 'server' ? servers : clientNodes).set(id, hosts[i]!));
  const clients = new LinKvClients(context, settings, clock, ledger, workloadClients, clientNodes);
  return {
    servers,
    clients,
    clientTraffic: () => {
      const total = noTraffic();
      addTraffic(total, clients.sent);
      for (const node of clientNodes.values()) addTraffic(total, node.sent);
      return total;
    },
    close: async () => {
      await Promise.all(hosts.map((host) => host.close()));
    },
  };
}
