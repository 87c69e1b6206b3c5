/**
 * @module The network model as the TCP transport sees it: how long to hold each message.
 *
 * The transport asks the model for a delivery delay when a message is sent and holds the message
 * until then; it enforces FIFO per link itself (a message never overtakes an earlier one on its
 * link), so a model may draw independent delays. The real engine adapts the simulator's network
 * model (`harness/network/`) to this interface, so both engines use one model and one config
 * (docs/evaluation.md#network-model).
 */
import type { NodeId } from '../../protocols/types.ts';
import { NetworkModel, transmissionNs } from '../network/model.ts';
import { latencySampler } from '../network/latency.ts';
import { stream, type Rng } from '../rng.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import { NS_PER_MS } from '../units.ts';

export interface LinkModel {
  /**
   * Nanoseconds from `nowNs` until the message of `bytes` wire bytes sent on `from -> to` is delivered:
   * one-way latency plus transmission time, including waiting for earlier messages to finish
   * transmitting on a bandwidth-limited link.
   */
  deliveryDelayNs(from: NodeId, to: NodeId, bytes: number, nowNs: number): number;
}

/** No emulation: the transport writes every message to its socket at once. */
export const NO_DELAY: LinkModel = { deliveryDelayNs: () => 0 };

/**
 * A constant one-way latency on every link plus optional per-link bandwidth (bytes/s, 0 = unlimited)
 * with serialization: a link transmits one message at a time, as the simulator's links do.
 */
export function constantLinkModel(oneWayMs: number, bandwidthBytesPerS = 0): LinkModel {
  if (!(Number.isFinite(oneWayMs) && oneWayMs >= 0)) throw new RangeError(`constantLinkModel: oneWayMs must be >= 0, got ${oneWayMs}`);
  if (!(Number.isFinite(bandwidthBytesPerS) && bandwidthBytesPerS >= 0)) {
    throw new RangeError(`constantLinkModel: bandwidthBytesPerS must be >= 0, got ${bandwidthBytesPerS}`);
  }
  const latencyNs = Math.round(oneWayMs * NS_PER_MS);
  const linkFreeAtNs = new Map<string, number>();
  return {
    deliveryDelayNs(from, to, bytes, nowNs) {
      if (bandwidthBytesPerS === 0) return latencyNs;
      const link = `${from}->${to}`;
      const startNs = Math.max(nowNs, linkFreeAtNs.get(link) ?? 0);
      const doneNs = startNs + Math.round((bytes / bandwidthBytesPerS) * 1e9);
      linkFreeAtNs.set(link, doneNs);
      return doneNs - nowNs + latencyNs;
    },
  };
}

/**
 * The simulator's network model as a {@link LinkModel}: the sender's NIC uplink, then the link's
 * bandwidth, serialize each message after the earlier ones (as `harness/sim/transport.ts` does),
 * then the one-way latency is drawn from the model. A receiver's NIC downlink limit is not emulated:
 * one sending process cannot see the other senders sharing that downlink (documented in
 * docs/multi-host.md). Nodes not in the model's node list get the model's latency with no
 * bandwidth state of their own beyond the link.
 */
export function networkLinkModel(model: NetworkModel, rng: Rng): LinkModel {
  const indexOf = new Map<NodeId, number>();
  model.nodes.forEach((node, index) => indexOf.set(node, index));
  const linkFreeAtNs = new Map<string, number>();
  const uplinkFreeAtNs = new Map<NodeId, number>();
  const { bandwidthMBps, nicUplinkMBps } = model.spec;
  return {
    deliveryDelayNs(from, to, bytes, nowNs) {
      let sentNs = nowNs;
      if (nicUplinkMBps > 0) {
        sentNs = Math.max(sentNs, uplinkFreeAtNs.get(from) ?? 0) + transmissionNs(bytes, nicUplinkMBps);
        uplinkFreeAtNs.set(from, sentNs);
      }
      if (bandwidthMBps > 0) {
        const link = `${from}->${to}`;
        sentNs = Math.max(sentNs, linkFreeAtNs.get(link) ?? 0) + transmissionNs(bytes, bandwidthMBps);
        linkFreeAtNs.set(link, sentNs);
      }
      const fromIndex = indexOf.get(from);
      const toIndex = indexOf.get(to);
      const latencyNs =
        fromIndex !== undefined && toIndex !== undefined ? model.latencyNs(fromIndex, toIndex, rng) : latencySampler(model.spec.latency)(rng);
      return sentNs - nowNs + latencyNs;
    },
  };
}

/** Every node id of a run: servers, workload clients, hostile clients. */
export function runNodes(run: ResolvedRun): NodeId[] {
  return [...run.cluster.servers, ...run.cluster.writers, ...run.cluster.readers, ...run.hostileClients];
}

/** Whether the network spec asks for any delay at all (else the transport writes at once). */
function emulates(run: ResolvedRun): boolean {
  const { network } = run;
  const latency = network.latency;
  const zeroLatency = latency.distribution === 'constant' && latency.oneWayMs === 0 && network.global === undefined;
  return !zeroLatency || network.bandwidthMBps > 0 || network.nicUplinkMBps > 0;
}

/**
 * The link model of `node`'s outgoing messages: the run's network model, plus the node's `slow`
 * fault delay; undefined when the run emulates nothing.
 */
export function linkModelFor(run: ResolvedRun, node: NodeId, seedStream: string): LinkModel | undefined {
  const slow = run.faults.find((f) => f.type === 'slow' && f.node === node);
  const extraNs = slow !== undefined && slow.type === 'slow' ? Math.round(slow.delayMs * NS_PER_MS) : 0;
  if (!emulates(run) && extraNs === 0) return undefined;
  const model = networkLinkModel(new NetworkModel(run.network, runNodes(run)), stream(run.seed, seedStream));
  if (extraNs === 0) return model;
  return { deliveryDelayNs: (from, to, bytes, nowNs) => model.deliveryDelayNs(from, to, bytes, nowNs) + (from === node ? extraNs : 0) };
}
