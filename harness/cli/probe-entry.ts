/**
 * @module Entry point of the host probe that the SSH launcher runs on every host before a run
 * (harness/real/host-probe.ts): `--address A --ports N`.
 */
import { parseArgs } from 'node:util';
import { hostProbeMain } from '../real/host-probe.ts';

const { values } = parseArgs({ options: { address: { type: 'string' }, ports: { type: 'string' } } });
const ports = Number(values.ports);
if (values.address === undefined || !Number.isInteger(ports) || ports < 0 || ports > 1024) {
  process.stderr.write(`probe: usage: --address HOST --ports N (0..1024), got ${JSON.stringify(values)}\n`);
  process.exit(2);
}
await hostProbeMain(values.address, ports);
