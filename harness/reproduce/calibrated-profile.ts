/**
 * @module Experiments that compare the simulator with the real engine (`report.calibrate: true`)
 * simulate with a profile calibrated on this machine when they run, not with the fixed `default`:
 * the point is to predict this machine. The calibration covers the grid the experiment's points
 * need (their (k, n) = (t + 1, 3t + 1) and value sizes), and every simulated point gets the profile
 * inline, so its `config.yaml` replays it exactly.
 */
import { CALIBRATION_SIZES } from '../cost/calibration-options.ts';
import type { CostProfile } from '../cost/profile.ts';
import type { SweepPoint } from '../sweep/expand.ts';

export interface CalibrationGrid {
  readonly shapes: ReadonlyArray<readonly [number, number]>;
  readonly sizesBytes: readonly number[];
}

function pathOf(config: Readonly<Record<string, unknown>>, path: string): unknown {
  let at: unknown = config;
  for (const key of path.split('.')) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}

/**
 * The coding grid of the simulated points: the shapes (t + 1, 3t + 1) of their t, and the value sizes
 * they write together with the calibration sizes between the smallest and the largest. At least two
 * sizes (the flat encode and decode terms are fitted to two or more): a single size gets the next
 * calibration size above it.
 */
export function calibrationGridFor(points: readonly SweepPoint[]): CalibrationGrid {
  const simulated = points.filter((p) => (p.config['engine'] ?? 'sim') === 'sim');
  const ts = [...new Set(simulated.map((p) => pathOf(p.config, 'protocol.t')).filter((t): t is number => typeof t === 'number'))].sort((a, b) => a - b);
  const written = simulated.flatMap((p) => {
    const size = pathOf(p.config, 'workload.valueBytes');
    return Array.isArray(size) ? size : [size];
  });
  const sizes = [...new Set(written.filter((s): s is number => typeof s === 'number' && s > 0))];
  if (sizes.length === 0) sizes.push(1024);
  const low = Math.min(...sizes);
  const high = Math.max(...sizes);
  const grid = new Set([...sizes, ...CALIBRATION_SIZES.filter((s) => s >= low && s <= high)]);
  if (grid.size < 2) grid.add(CALIBRATION_SIZES.find((s) => s > high) ?? high * 4);
  return { shapes: ts.map((t) => [t + 1, 3 * t + 1] as const), sizesBytes: [...grid].sort((a, b) => a - b) };
}

/** The point with `profile` as its cost profile when it is simulated; a real-engine point as it is. */
export function withCostProfile(point: SweepPoint, profile: CostProfile): SweepPoint {
  if ((point.config['engine'] ?? 'sim') !== 'sim') return point;
  return { ...point, config: { ...point.config, costProfile: JSON.parse(JSON.stringify(profile)) } };
}
