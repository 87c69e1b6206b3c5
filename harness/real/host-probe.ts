/**
 * @module The probe that the SSH launcher runs on each host before a run (harness/real/ssh.ts
 * `remoteCheckCommand` starts it after the host's checks): it finds free ports for the host's
 * servers and answers clock pings, so the harness can measure the host's clock offset.
 *
 * Lines on stdout (JSON):
 *   {"event":"probe","ports":[40211,40212],"realtimeMinusMonotonicUs":1733155200123456,"pid":4242}
 *   {"event":"pong","seq":3,"monotonicNs":"81234567890"}   (one per `ping 3` line on stdin)
 *   {"event":"probe-error","message":"listen EADDRNOTAVAIL: address not available 10.0.0.9"}
 * It exits when its stdin closes.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { freePorts } from './ports.ts';
import { realtimeMinusMonotonicUs } from './wall-clock.ts';

export const probeLine = z.strictObject({
  event: z.literal('probe'),
  ports: z.array(z.number().int().min(1).max(65535)),
  realtimeMinusMonotonicUs: z.number(),
  pid: z.number().int(),
});

export const pongLine = z.strictObject({
  event: z.literal('pong'),
  seq: z.number().int().min(0),
  monotonicNs: z.string().regex(/^\d{1,30}$/),
});

export const probeErrorLine = z.strictObject({ event: z.literal('probe-error'), message: z.string() });

function print(line: z.infer<typeof probeLine> | z.infer<typeof pongLine> | z.infer<typeof probeErrorLine>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Runs the probe: `ports` free ports on `address`, then a pong per ping until stdin closes. */
export async function hostProbeMain(address: string, ports: number): Promise<void> {
  let found: number[];
  try {
    found = await freePorts(address, ports);
  } catch (error) {
    print({ event: 'probe-error', message: (error as Error).message });
    process.exit(1);
  }
  print({ event: 'probe', ports: found, realtimeMinusMonotonicUs: realtimeMinusMonotonicUs(), pid: process.pid });
  const input = createInterface({ input: process.stdin });
  input.on('line', (text) => {
    const match = /^ping (\d{1,9})$/.exec(text.trim());
    // The clock is read last, as close to the reply as possible: the harness takes the midpoint of
    // its send and receive times as the moment of this reading.
    if (match !== null) print({ event: 'pong', seq: Number(match[1]), monotonicNs: String(process.hrtime.bigint()) });
  });
  input.on('close', () => process.exit(0));
}
