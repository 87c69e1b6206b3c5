/**
 * @module The host context of a real-engine child process (a server process or a client process):
 * the hosts run on the TCP transport, handle each frame at once (no simulated CPU: time is the wall
 * clock), compute the protocol's setup from the run secret, draw their own keys and nonces from a
 * CSPRNG, and trust the transport to have validated and authenticated every frame.
 */
import type { NodeId } from '../../protocols/types.ts';
import type { ResolvedRun } from '../config/resolve.ts';
import { ZERO_PROFILE } from '../cost/profile.ts';
import { loadCryptoProvider, loadErasureCodec } from '../env/index.ts';
import { SenderCheck, type HostContext } from '../host/context.ts';
import { NodeMeter, type CpuLedger } from '../host/meter.ts';
import { runSetup } from '../host/setup.ts';
import type { MessageTracer } from '../host/tracer.ts';
import { framesCarryMac } from './cluster-file.ts';
import { secretSetupRandom } from './run-secret.ts';
import type { Transport } from '../transport/types.ts';
import { cryptoRandom } from './node-random.ts';

/** Real CPU time is in the wall-clock latencies: nothing is priced or attributed. */
const NO_CPU: CpuLedger = { cpu: () => {} };

/**
 * `onReceive` sees every frame delivered to a hosted node first (a client process's activity signal);
 * `tracer` records the process's messages when the run is traced.
 */
export async function processContext(
  run: ResolvedRun,
  secret: Uint8Array,
  transport: Transport,
  nowNs: () => number,
  reject: (reason: string) => void,
  onReceive?: () => void,
  tracer: MessageTracer | null = null,
): Promise<HostContext> {
  const crypto = await loadCryptoProvider(run.config.crypto);
  const codec = await loadErasureCodec(run.config.codec);
  const meters = new Map<NodeId, NodeMeter>();
  return {
    run,
    setup: runSetup(run, secretSetupRandom(secret), run.cluster, crypto),
    crypto,
    codec,
    ports: {
      attach: (node, receive) =>
        transport.attach(
          node,
          onReceive === undefined
            ? receive
            : (from, frame) => {
                onReceive();
                receive(from, frame);
              },
        ),
      exec: (_node, task, a, b, c) => task(a!, b!, c!),
      send: (from, to, frame) => transport.send(from, to, frame),
      nowNs,
    },
    senders: new SenderCheck(undefined),
    randomOf: () => cryptoRandom,
    meterOf: (node) => {
      let meter = meters.get(node);
      if (meter === undefined) meters.set(node, (meter = new NodeMeter(node, ZERO_PROFILE, () => {}, NO_CPU)));
      return meter;
    },
    messageCost: false,
    frameMac: framesCarryMac(run.config.real),
    reject,
    tracer,
  };
}

/** A rejection counter by reason. */
export function rejectionCounter(): { readonly counts: Map<string, number>; readonly reject: (reason: string) => void } {
  const counts = new Map<string, number>();
  return { counts, reject: (reason) => void counts.set(reason, (counts.get(reason) ?? 0) + 1) };
}
