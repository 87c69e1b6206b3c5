/**
 * @module Tolerances: how much relative slack a metric gets before a change counts as better/worse.
 *
 * Syntax (the `--tolerance` option, may be given several times; later entries win):
 *   `KEY=VALUE[,KEY=VALUE...]`
 * KEY is a metric class (`exact`, `noisy`), a metric group (`latencyMs`, `rounds`, `cpuNsPerOp`,
 * `storageBytesPerServer`) or a full metric name (`latencyMs.p99`, `messagesPerOp`, `cpuNsPerOp.hash`).
 * VALUE is a relative fraction (`0.05`) or a percentage (`5%`), >= 0.
 * The most specific key applies: metric name, then group, then class.
 *
 * Defaults: `exact=0` (the simulator with a fixed cost profile is deterministic, so any change is real)
 * and `noisy=0.1`: a wall-clock metric is worse only when the whole 95 % bootstrap interval of its
 * median ratio lies above 1.1 (see stats.ts), which absorbs the run-to-run spread of a quiet machine.
 */
import { CompareInputError } from './load.ts';
import { knownMetricGroups, knownMetricNames, type MetricClass } from './metrics.ts';

export interface Tolerances {
  readonly byClass: Readonly<Record<MetricClass, number>>;
  /** Metric names and group prefixes. */
  readonly byMetric: ReadonlyMap<string, number>;
}

export const DEFAULT_TOLERANCES: Tolerances = { byClass: { exact: 0, noisy: 0.1 }, byMetric: new Map() };

function parseValue(text: string, entry: string): number {
  const percent = text.endsWith('%');
  const body = percent ? text.slice(0, -1) : text;
  const value = /^\d+(\.\d+)?$|^\.\d+$/.test(body) ? Number(body) : Number.NaN;
  if (!Number.isFinite(value)) throw new CompareInputError(`--tolerance: ${JSON.stringify(entry)}: value must be a number >= 0 or a percentage like 5%, got ${JSON.stringify(text)}`);
  return percent ? value / 100 : value;
}

function isKnownKey(key: string): boolean {
  if (key === 'exact' || key === 'noisy') return true;
  if (knownMetricNames().includes(key) || knownMetricGroups().includes(key)) return true;
  return /^cpuNsPerOp\.[A-Za-z0-9_-]+$/.test(key);
}

/** Parses `--tolerance` values onto `base` (defaults when omitted). */
export function parseTolerances(specs: readonly string[], base: Tolerances = DEFAULT_TOLERANCES): Tolerances {
  const byClass = { ...base.byClass };
  const byMetric = new Map(base.byMetric);
  for (const spec of specs) {
    for (const rawEntry of spec.split(',')) {
      const entry = rawEntry.trim();
      if (entry === '') continue;
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new CompareInputError(`--tolerance: expected KEY=VALUE (e.g. noisy=0.1 or latencyMs.p99=5%), got ${JSON.stringify(entry)}`);
      const key = entry.slice(0, eq).trim();
      const value = parseValue(entry.slice(eq + 1).trim(), entry);
      if (key === 'verdict') throw new CompareInputError(`--tolerance: ${JSON.stringify(entry)}: the checker verdict has no tolerance (it is ok, unknown or violation)`);
      if (!isKnownKey(key)) {
        throw new CompareInputError(
          `--tolerance: unknown metric or class ${JSON.stringify(key)} (classes: exact, noisy; groups: ${knownMetricGroups().join(', ')}; or a metric name such as messagesPerOp)`,
        );
      }
      if (key === 'exact' || key === 'noisy') byClass[key] = value;
      else byMetric.set(key, value);
    }
  }
  return { byClass, byMetric };
}

/** The tolerance of `metric` in class `metricClass`: metric name, then group prefix, then class. */
export function toleranceFor(tolerances: Tolerances, metric: string, metricClass: MetricClass): number {
  const exact = tolerances.byMetric.get(metric);
  if (exact !== undefined) return exact;
  const dot = metric.indexOf('.');
  if (dot > 0) {
    const group = tolerances.byMetric.get(metric.slice(0, dot));
    if (group !== undefined) return group;
  }
  return tolerances.byClass[metricClass];
}

/** `exact=0, noisy=0.1, latencyMs.p99=0.2`: printed with the table so a reader knows the rule. */
export function describeTolerances(tolerances: Tolerances): string {
  const parts = [`exact=${tolerances.byClass.exact}`, `noisy=${tolerances.byClass.noisy}`];
  for (const [key, value] of [...tolerances.byMetric].sort(([a], [b]) => (a < b ? -1 : 1))) parts.push(`${key}=${value}`);
  return parts.join(', ');
}
