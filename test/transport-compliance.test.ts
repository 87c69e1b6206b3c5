/**
 * Runs the one transport compliance suite (test/support/transport-suite.ts) against both transports:
 * the simulator's SimTransport and the real engine's TcpTransport (one process per node is modelled
 * by one TcpTransport per node, each listening on its own loopback port).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId, ProtocolMessage } from '../protocols/types.ts';
import { NetworkModel } from '../harness/network/model.ts';
import { stream } from '../harness/rng.ts';
import { Simulator } from '../harness/sim/simulator.ts';
import { SimTransport } from '../harness/sim/transport.ts';
import { TcpTransport, type HostPort } from '../harness/real/tcp-transport.ts';
import { constantLinkModel, networkLinkModel } from '../harness/real/link-model.ts';
import { WallClock } from '../harness/real/wall-clock.ts';
import { transportComplianceSuite, type TransportWorld, type WorldOptions } from './support/transport-suite.ts';
import { testAuth } from './support/auth.ts';
import type { ChannelMode } from '../harness/real/frame.ts';

function networkModel(options: WorldOptions): NetworkModel {
  return new NetworkModel({ latency: options.latency, bandwidthMBps: options.bandwidthMBps ?? 0, nicUplinkMBps: 0, nicDownlinkMBps: 0 }, options.nodes);
}

transportComplianceSuite({
  name: 'SimTransport',
  // The simulator is exact.
  latencySlackMs: 0,
  async create(options) {
    const sim = new Simulator();
    const transport = new SimTransport(sim, options.nodes, networkModel(options), stream(1, 'compliance'));
    const world: TransportWorld = {
      transportOf: () => transport,
      nowNs: () => sim.nowNs(),
      async settle(done, maxMs) {
        const limitNs = sim.nowNs() + maxMs * 1e6;
        // Advance in 100 µs steps so that `done` is checked close to when it became true.
        while (!done() && sim.pendingEvents > 0 && sim.nowNs() < limitNs) {
          await sim.run(Math.min(sim.nowNs() + 100_000, limitNs));
        }
        return done();
      },
      async closeNode(node) {
        // A crashed node of the simulator: frames addressed to it vanish on arrival.
        transport.attach(node, () => {});
      },
      close: () => transport.close(),
    };
    return world;
  },
});

for (const [holdAt, channels] of [['receiver', 'plain'], ['sender', 'plain'], ['receiver', 'hmac'], ['receiver', 'tls']] as [('receiver' | 'sender'), ChannelMode][]) {
transportComplianceSuite({
  name: `TcpTransport (loopback, one transport per node, delays held at the ${holdAt}, ${channels} channels)`,
  // Generous: on a loaded 2-core CI machine (load averages of 15 seen while other suites ran) a
  // timer or a socket read can be late by tens of ms. The lower bound (>= 20 ms) stays exact.
  latencySlackMs: 40,
  async create(options) {
    const clock = new WallClock();
    const known = new Set<NodeId>(options.nodes);
    const peers = new Map<NodeId, HostPort>();
    const model = networkLinkModel(networkModel(options), stream(1, 'compliance'));
    const transports = new Map<NodeId, TcpTransport>();
    for (const node of options.nodes) {
      const transport = await TcpTransport.create({
        validator: {
          isKnownNode: (id) => known.has(id),
          parseMessage: (value) =>
            typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' ? (value as ProtocolMessage) : undefined,
        },
        auth: testAuth({ channels }),
        peers,
        listen: { host: '127.0.0.1', port: 0 },
        linkModel: model,
        clock,
        holdAt,
      });
      peers.set(node, transport.address()!);
      transports.set(node, transport);
    }
    // Handshakes first, as the real engine connects to its servers before any operation: a test's
    // first message must not wait for one (it would count towards its emulated latency).
    await Promise.all(options.nodes.flatMap((from) => options.nodes.filter((to) => to !== from).map((to) => transports.get(from)!.connect(to))));
    const world: TransportWorld = {
      transportOf: (node) => transports.get(node)!,
      nowNs: () => clock.nowNs(),
      async settle(done, maxMs) {
        const deadline = Date.now() + maxMs;
        while (!done()) {
          if (Date.now() > deadline) return false;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        return true;
      },
      closeNode: (node) => transports.get(node)!.close(),
      droppedAt: (node) => Object.values(transports.get(node)!.dropped()).reduce((a, b) => a + b, 0),
      async close() {
        clock.stop();
        await Promise.all([...transports.values()].map((t) => t.close()));
      },
    };
    return world;
  },
});
}

describe('TcpTransport: due times from a process on another timebase', () => {
  it('delivers them at once and counts clock-mismatch, in both directions (never silently early)', async () => {
    const known = new Set<NodeId>(['a', 'b']);
    const validator = {
      isKnownNode: (id: NodeId) => known.has(id),
      parseMessage: (value: unknown) => (typeof value === 'object' && value !== null ? (value as ProtocolMessage) : undefined),
    };
    const peers = new Map<NodeId, HostPort>();
    // a's due times are Unix-epoch µs, b's are CLOCK_MONOTONIC µs: ~56 years apart, far beyond any delay.
    const clockA = new WallClock(0, 'realtime');
    const clockB = new WallClock(0, 'monotonic');
    const a = await TcpTransport.create({ validator, auth: testAuth(), peers, listen: { host: '127.0.0.1', port: 0 }, clock: clockA, linkModel: constantLinkModel(2) });
    const b = await TcpTransport.create({ validator, auth: testAuth(), peers, listen: { host: '127.0.0.1', port: 0 }, clock: clockB, linkModel: constantLinkModel(2) });
    peers.set('a', a.address()!);
    peers.set('b', b.address()!);
    try {
      const got: string[] = [];
      a.attach('a', (from) => got.push(`a<-${from}`));
      b.attach('b', (from) => got.push(`b<-${from}`));
      a.send('a', 'b', { key: 'k0', tag: 0, msg: { type: 'PING' } as unknown as ProtocolMessage });
      b.send('b', 'a', { key: 'k0', tag: 0, msg: { type: 'PING' } as unknown as ProtocolMessage });
      const deadline = Date.now() + 5_000;
      while (got.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
      assert.deepEqual(got.sort(), ['a<-b', 'b<-a']);
      // a's epoch due time is decades ahead of b's clock; b's monotonic one decades behind a's.
      assert.deepEqual(b.dropped(), { 'clock-mismatch': 1 });
      assert.deepEqual(a.dropped(), { 'clock-mismatch': 1 });
    } finally {
      clockA.stop();
      clockB.stop();
      await Promise.all([a.close(), b.close()]);
    }
  });
});
