/**
 * @module A sweep point as a plain config file (`points/<pNNN-id>/config.yaml`), written by `run` of
 * a sweep and by `reproduce`: `quorumbench run` on it replays that point alone. The point keeps the
 * experiment's name (so its summary compares with the sweep's), hence the replay goes to its own
 * folder: the experiment's default folder holds the sweep, which `run` refuses to mix a single run
 * into.
 */
import { stringify as toYaml } from 'yaml';
import type { SweepPoint } from './expand.ts';

/** The folder, relative to the point's own, that the replay command in the file's header writes to. */
export const REPLAY_FOLDER = 'replay';

/** The file's text: where the point comes from (`origin`), how to replay it, then the config. */
export function pointConfigText(point: SweepPoint, origin: string): string {
  return (
    `# Sweep point ${point.id} of ${origin}\n` +
    `# Replay it alone: quorumbench run <this file> --out <this file's folder>/${REPLAY_FOLDER}\n` +
    toYaml(point.config)
  );
}
