/**
 * @module A sweep point as a plain config file (`points/<pNNN-id>/config.yaml`), written by `run` of
 * a sweep and by `reproduce`: `quorumbench run` on it replays that point alone. The point keeps the
 * experiment's name (so its summary compares with the sweep's), hence the replay goes to a folder
 * of its own beside the sweep's (harness/results/output-folder.ts): `run` refuses the sweep's
 * folder and any folder inside it, which a new run of the sweep replaces.
 */
import { stringify as toYaml } from 'yaml';
import { pointDirName, type SweepPoint } from './expand.ts';

/** The file's text: where the point comes from (`origin`), how to replay it, then the config. */
export function pointConfigText(point: SweepPoint, origin: string): string {
  return (
    `# Sweep point ${point.id} of ${origin}\n` +
    `# Replay it alone: quorumbench run <this file> --out <the sweep's folder>-replay/${pointDirName(point)}\n` +
    toYaml(point.config)
  );
}
