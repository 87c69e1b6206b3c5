/**
 * @module Named network presets and the `global` inter-region latency matrix.
 *
 * The matrix values are round-trip times in ms between cloud regions, approximate public figures
 * used as model inputs (e.g. Frankfurt–Virginia 89 ms, Tokyo–Frankfurt 226 ms;
 * docs/configuration.md lists them); the one-way latency of a link is half the round trip. They are
 * parameters, not measurements of ours.
 */
import type { LatencyDistribution } from './latency.ts';

export const PRESET_NAMES = ['lan', 'dc', 'regional', 'wan', 'global'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface Preset {
  readonly latency: LatencyDistribution;
  /** Per-link bandwidth, MB/s (10^6 bytes per second); 0 = unlimited. */
  readonly bandwidthMBps: number;
}

/** `global` uses the matrix for latency; its `latency` here is the extra jitter (none). */
export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  lan: { latency: { distribution: 'constant', oneWayMs: 0.2 }, bandwidthMBps: 1250 },
  dc: { latency: { distribution: 'uniform', minMs: 1, maxMs: 2 }, bandwidthMBps: 1250 },
  regional: { latency: { distribution: 'normal', meanMs: 15, stddevMs: 1.5 }, bandwidthMBps: 125 },
  wan: { latency: { distribution: 'uniform', minMs: 50, maxMs: 100 }, bandwidthMBps: 125 },
  global: { latency: { distribution: 'constant', oneWayMs: 0 }, bandwidthMBps: 125 },
};

export const REGIONS = ['virginia', 'oregon', 'frankfurt', 'ireland', 'tokyo', 'singapore', 'sydney', 'saopaulo'] as const;

/** Round-trip ms; symmetric; listed once per unordered pair. */
const RTT_MS: ReadonlyArray<readonly [string, string, number]> = [
  ['virginia', 'oregon', 70],
  ['virginia', 'frankfurt', 89],
  ['virginia', 'ireland', 75],
  ['virginia', 'tokyo', 150],
  ['virginia', 'singapore', 225],
  ['virginia', 'sydney', 200],
  ['virginia', 'saopaulo', 115],
  ['oregon', 'frankfurt', 140],
  ['oregon', 'ireland', 125],
  ['oregon', 'tokyo', 100],
  ['oregon', 'singapore', 165],
  ['oregon', 'sydney', 140],
  ['oregon', 'saopaulo', 175],
  ['frankfurt', 'ireland', 25],
  ['frankfurt', 'tokyo', 226],
  ['frankfurt', 'singapore', 160],
  ['frankfurt', 'sydney', 290],
  ['frankfurt', 'saopaulo', 200],
  ['ireland', 'tokyo', 210],
  ['ireland', 'singapore', 170],
  ['ireland', 'sydney', 280],
  ['ireland', 'saopaulo', 185],
  ['tokyo', 'singapore', 70],
  ['tokyo', 'sydney', 110],
  ['tokyo', 'saopaulo', 260],
  ['singapore', 'sydney', 90],
  ['singapore', 'saopaulo', 320],
  ['sydney', 'saopaulo', 310],
];

/** Round trip between two nodes in the same region. */
export const SAME_REGION_RTT_MS = 1;

/** The default matrix as nested records, region → region → RTT ms. */
export function defaultRttMatrix(): Record<string, Record<string, number>> {
  const matrix: Record<string, Record<string, number>> = {};
  for (const region of REGIONS) matrix[region] = { [region]: SAME_REGION_RTT_MS };
  for (const [a, b, rtt] of RTT_MS) {
    matrix[a]![b] = rtt;
    matrix[b]![a] = rtt;
  }
  return matrix;
}

/** Default placement: servers round-robin over three continents, clients in the first region. */
export const DEFAULT_SERVER_REGIONS = ['virginia', 'frankfurt', 'tokyo'];
export const DEFAULT_CLIENT_REGIONS = ['virginia'];
