/**
 * @module Hostile clients (`hostile-client` faults): Byzantine readers that send what their
 * protocol's behaviour makes up (forged candidates, STOREs from a non-writer, ...) every `everyMs`,
 * and answer what they receive. They always run in the runner's process; their messages count in
 * the run's client-to-server totals and for no operation.
 */
import type { HostileClient, NodeId, Send } from '../../protocols/types.ts';
import { HostFrame, nodeEnvOf, type HostContext } from '../host/context.ts';
import { countMessage, type Traffic } from '../host/traffic.ts';
import { frameWireSize } from '../sim/frame-size.ts';
import type { Engine } from '../transport/engine.ts';
import { NS_PER_MS } from '../units.ts';

/** Starts every hostile client of the run; `sent` counts their messages; `finished` stops the ticks. */
export function startHostileClients(context: HostContext, engine: Engine, sent: Traffic, finished: () => boolean): void {
  const { run } = context;
  for (const fault of run.faults) {
    if (fault.type !== 'hostile-client') continue;
    const id: NodeId = fault.node;
    const key = fault.key ?? 'k0';
    const everyNs = fault.everyMs * NS_PER_MS;
    const client = run.protocol.hostileClients![fault.behaviour]!(id, run.cluster, nodeEnvOf(context, id)) as HostileClient;
    const mark = { faulty: `hostile:${fault.behaviour}`, lie: true };
    const send = (sends: Send[]): void => {
      for (const s of sends) {
        const frame = new HostFrame(key, s.msg, 0);
        countMessage(sent, frameWireSize(frame));
        context.tracer?.send(id, s.to, frame, frameWireSize(frame), mark);
        engine.transport.send(id, s.to, frame);
      }
    };
    engine.transport.attach(id, (from, frame) => {
      engine.exec(id, () => {
        context.tracer?.deliver(from, id, frame);
        if (frame.key === key) send(client.handle(from, frame.msg));
      });
    });
    const tick = (): void => {
      if (finished()) return;
      engine.exec(id, () => send(client.tick()));
      engine.clock.schedule(engine.clock.nowNs() + everyNs, tick);
    };
    engine.clock.schedule(0, tick);
  }
}
