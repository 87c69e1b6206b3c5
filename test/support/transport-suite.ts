/**
 * @module The transport compliance suite (style.md principle 7): every Transport implementation must
 * pass it. A fixture builds a small "world" of nodes on one implementation; the suite checks delivery,
 * FIFO per link, byte accounting, latency and behaviour on a closed peer through the Transport
 * interface only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId, ProtocolMessage } from '../../protocols/types.ts';
import type { Frame, Transport } from '../../harness/transport/types.ts';
import type { LatencyDistribution } from '../../harness/network/latency.ts';

export interface WorldOptions {
  readonly nodes: readonly NodeId[];
  readonly latency: LatencyDistribution;
  /** Per directed link, MB/s (10^6 B/s); 0 or absent = unlimited. */
  readonly bandwidthMBps?: number;
}

export interface TransportWorld {
  /** The transport that hosts `node` (one shared transport, or one per node). */
  transportOf(node: NodeId): Transport;
  /** The time base the transports use, ns. */
  nowNs(): number;
  /** Lets time pass until `done()` holds or `maxMs` (of the world's time) elapse; returns done(). */
  settle(done: () => boolean, maxMs: number): Promise<boolean>;
  /** Makes `node` a closed peer (its process is gone). */
  closeNode(node: NodeId): Promise<void>;
  /** Messages that a transport reports as dropped (undeliverable), if it counts them. */
  droppedAt?(node: NodeId): number;
  close(): Promise<void>;
}

export interface TransportFixture {
  readonly name: string;
  /** Latency tolerance for a one-way constant latency L: measured must lie in [L, L + slackMs]. */
  readonly latencySlackMs: number;
  create(options: WorldOptions): Promise<TransportWorld>;
}

interface Received {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly frame: Frame;
  readonly atNs: number;
}

function listen(world: TransportWorld, nodes: readonly NodeId[]): Received[] {
  const received: Received[] = [];
  for (const node of nodes) {
    world.transportOf(node).attach(node, (from, frame) => received.push({ from, to: node, frame, atNs: world.nowNs() }));
  }
  return received;
}

function seqMsg(seq: number): ProtocolMessage & { seq: number } {
  return { type: 'SEQ', seq };
}

function totalTraffic(world: TransportWorld, nodes: readonly NodeId[]): { messages: number; bytes: number } {
  const seen = new Set<Transport>();
  let messages = 0;
  let bytes = 0;
  for (const node of nodes) {
    const transport = world.transportOf(node);
    if (seen.has(transport)) continue;
    seen.add(transport);
    const total = transport.traffic().total;
    messages += total.messages;
    bytes += total.bytes;
  }
  return { messages, bytes };
}

export function transportComplianceSuite(fixture: TransportFixture): void {
  const constant = (oneWayMs: number): LatencyDistribution => ({ distribution: 'constant', oneWayMs });

  describe(`transport compliance: ${fixture.name}`, () => {
    it('delivers a frame with its sender, key and message intact (bytes included)', async () => {
      const world = await fixture.create({ nodes: ['s1', 'w1'], latency: constant(0) });
      try {
        const received = listen(world, ['s1', 'w1']);
        const value = new Uint8Array([0, 1, 2, 250, 255]);
        world.transportOf('w1').send('w1', 's1', { key: 'k0', tag: 0, msg: { type: 'PUT', ts: 7, value } as ProtocolMessage });
        assert.equal(await world.settle(() => received.length === 1, 5_000), true);
        const got = received[0]!;
        assert.equal(got.from, 'w1');
        assert.equal(got.to, 's1');
        assert.equal(got.frame.key, 'k0');
        const msg = got.frame.msg as unknown as { type: string; ts: number; value: Uint8Array };
        assert.equal(msg.type, 'PUT');
        assert.equal(msg.ts, 7);
        assert.deepEqual([...msg.value], [0, 1, 2, 250, 255]);
        // And the reply direction works too.
        world.transportOf('s1').send('s1', 'w1', { key: 'k0', tag: 0, msg: { type: 'PUT_ACK' } });
        assert.equal(await world.settle(() => received.length === 2, 5_000), true);
        assert.equal(received[1]!.from, 's1');
        assert.equal(received[1]!.to, 'w1');
      } finally {
        await world.close();
      }
    });

    it('keeps FIFO order per link under random latencies, with two senders interleaved', async () => {
      // Latencies of 0..3 ms drawn independently per message would reorder a non-FIFO link often.
      const world = await fixture.create({ nodes: ['s1', 'w1', 'r1'], latency: { distribution: 'uniform', minMs: 0, maxMs: 3 } });
      try {
        const received = listen(world, ['s1']);
        const count = 150;
        for (let i = 0; i < count; i++) {
          world.transportOf('w1').send('w1', 's1', { key: 'k0', tag: 0, msg: seqMsg(i) });
          world.transportOf('r1').send('r1', 's1', { key: 'k1', tag: 0, msg: seqMsg(i) });
        }
        assert.equal(await world.settle(() => received.length === 2 * count, 10_000), true);
        for (const sender of ['w1', 'r1']) {
          const seqs = received.filter((r) => r.from === sender).map((r) => (r.frame.msg as unknown as { seq: number }).seq);
          assert.deepEqual(seqs, Array.from({ length: count }, (_, i) => i), `link ${sender}->s1 out of order`);
        }
      } finally {
        await world.close();
      }
    });

    it('counts messages and wire bytes exactly as wireSize(frame)', async () => {
      const world = await fixture.create({ nodes: ['s1', 's2', 'w1'], latency: constant(0) });
      try {
        const received = listen(world, ['s1', 's2', 'w1']);
        // Hand-computed encoding of {key:'k0', msg:{type:'GET', op:1}}:
        // object tag 1 + count 1 + "key" 4 + 'k0' 4 + "msg" 4 + message 17
        // (tag 1 + count 1 + "type" 5 + 'GET' 5 + "op" 3 + uint 1 → 2) = 31 bytes.
        const frame: Frame = { key: 'k0', tag: 0, msg: { type: 'GET', op: 1 } as ProtocolMessage };
        world.transportOf('w1').send('w1', 's1', frame);
        world.transportOf('w1').send('w1', 's2', frame);
        world.transportOf('w1').send('w1', 's2', frame);
        assert.equal(await world.settle(() => received.length === 3, 5_000), true);
        assert.deepEqual(totalTraffic(world, ['s1', 's2', 'w1']), { messages: 3, bytes: 93 });
        const perLink = world.transportOf('w1').traffic().perLink;
        assert.deepEqual(perLink.get('w1->s1'), { messages: 1, bytes: 31 });
        assert.deepEqual(perLink.get('w1->s2'), { messages: 2, bytes: 62 });
      } finally {
        await world.close();
      }
    });

    it(`delivers after the emulated one-way latency (20 ms, within +${fixture.latencySlackMs} ms)`, async () => {
      const world = await fixture.create({ nodes: ['s1', 'w1'], latency: constant(20) });
      try {
        const received = listen(world, ['s1']);
        const sentNs: number[] = [];
        for (let i = 0; i < 5; i++) {
          sentNs.push(world.nowNs());
          world.transportOf('w1').send('w1', 's1', { key: 'k0', tag: 0, msg: seqMsg(i) });
          await world.settle(() => received.length === i + 1, 5_000);
        }
        assert.equal(received.length, 5);
        const latenciesMs = received.map((r, i) => (r.atNs - sentNs[i]!) / 1e6).sort((a, b) => a - b);
        const medianMs = latenciesMs[2]!;
        assert.ok(latenciesMs[0]! >= 20 - 1e-6, `a frame arrived before the latency: ${latenciesMs[0]} ms`);
        assert.ok(medianMs <= 20 + fixture.latencySlackMs, `median latency ${medianMs} ms exceeds 20 + ${fixture.latencySlackMs} ms`);
      } finally {
        await world.close();
      }
    });

    it('serializes messages on a bandwidth-limited link (1 MB/s)', async () => {
      const world = await fixture.create({ nodes: ['s1', 'w1'], latency: constant(0), bandwidthMBps: 1 });
      try {
        const received = listen(world, ['s1']);
        // Hand-computed frame size: 10 (frame fields) + 4 ('k0') + message 10011 (tag 1, count 1,
        // "type" 5, 'BLOB' 6, "data" 5, bytes 1 + varint(9990) 2 + 9990) = 10025 bytes, which take
        // 10.025 ms at 10^6 B/s; the k-th of 5 messages sent at once arrives k × 10.025 ms later.
        const data = new Uint8Array(9990);
        const sentNs = world.nowNs();
        for (let i = 0; i < 5; i++) world.transportOf('w1').send('w1', 's1', { key: 'k0', tag: 0, msg: { type: 'BLOB', data } as ProtocolMessage });
        assert.deepEqual(totalTraffic(world, ['w1']), { messages: 5, bytes: 5 * 10025 });
        assert.equal(await world.settle(() => received.length === 5, 5_000), true);
        received.forEach((r, i) => {
          const expectedMs = (i + 1) * 10.025;
          const measuredMs = (r.atNs - sentNs) / 1e6;
          assert.ok(measuredMs >= expectedMs - 1e-6, `message ${i + 1} arrived at ${measuredMs} ms, before ${expectedMs} ms`);
          assert.ok(measuredMs <= expectedMs + fixture.latencySlackMs, `message ${i + 1} arrived at ${measuredMs} ms, after ${expectedMs} + ${fixture.latencySlackMs} ms`);
        });
      } finally {
        await world.close();
      }
    });

    it('survives sends to a closed peer and keeps serving the others', async () => {
      const world = await fixture.create({ nodes: ['s1', 's2', 'w1'], latency: constant(0) });
      try {
        const received = listen(world, ['s1', 's2', 'w1']);
        const w1 = world.transportOf('w1');
        w1.send('w1', 's2', { key: 'k0', tag: 0, msg: seqMsg(0) });
        assert.equal(await world.settle(() => received.length === 1, 5_000), true);
        await world.closeNode('s2');
        // Keep sending to the gone peer until the transport has noticed and counted a drop (a TCP
        // sender learns of the closed socket asynchronously); none of these sends may throw.
        let sends = 0;
        const noticed = await world.settle(() => {
          if (sends < 200) {
            w1.send('w1', 's2', { key: 'k0', tag: 0, msg: seqMsg(++sends) });
          }
          return world.droppedAt === undefined || world.droppedAt('w1') > 0;
        }, 5_000);
        assert.equal(noticed, true, 'the drop was never counted');
        w1.send('w1', 's1', { key: 'k0', tag: 0, msg: seqMsg(999) });
        assert.equal(await world.settle(() => received.some((r) => r.to === 's1'), 5_000), true);
        assert.equal(received.filter((r) => r.to === 's2').length, 1);
      } finally {
        await world.close();
      }
    });
  });
}
