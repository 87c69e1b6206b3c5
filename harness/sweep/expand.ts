/**
 * @module Sweep configs: a config whose parameters take lists expands into the cross product of
 * plain configs ("points"), each run `repetitions` times by the runner with seeds derived from the
 * base seed. The sweep layer works on the raw (parsed YAML) config and hands every point to the
 * core's config schema unchanged, so the schema stays strict and sweep-agnostic.
 *
 * Two ways to sweep (both may be used in one config):
 * - a list in place of one of the {@link IMPLICIT_SWEEP_PATHS} (protocol, t, clients, network
 *   preset, bandwidth, a fault's strategy): `protocol: { name: [abd, powerstore], t: 1 }`;
 * - an explicit `sweep:` block, `dotted.path: [values]`, for any parameter; needed for
 *   `workload.valueBytes`, whose list form already means "draw each write's size from this list".
 *   A path may index arrays: `faults.0.strategy`.
 * Order of the dimensions: implicit lists first (in the order of IMPLICIT_SWEEP_PATHS), then the
 * explicit block (in file order);
 * points enumerate them with the last dimension varying fastest.
 *
 * `sweepRules` adjust points after expansion, first match wins per rule:
 * `{ when: { path: value | [values] }, set: { path: value } }` or `{ when: …, skip: true }`
 * (e.g. ABD under a Byzantine strategy needs `expectViolation: true`; single-writer PoWerStore is
 * skipped from a sweep over writers).
 */
import { parseByteSize } from '../config/bytes.ts';
import { ConfigError } from '../config/errors.ts';
import { fnv1a32 } from '../fnv1a.ts';

/** Parameters where a list means a sweep (their plain form is a scalar, so there is no ambiguity). */
export const IMPLICIT_SWEEP_PATHS = [
  'protocol.name',
  'protocol.t',
  'workload.readers',
  'workload.writers',
  'network.preset',
  'network.bandwidthMBps',
  'faults.*.strategy',
] as const;

/** Keys owned by the sweep layer, removed before the config reaches the core schema. */
export const SWEEP_KEYS = ['sweep', 'sweepRules', 'quick', 'report'] as const;

export type Scalar = string | number | boolean | null;
type Json = Scalar | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface SweepDimension {
  /** Dotted path in the config, e.g. `workload.valueBytes`, `faults.0.strategy`. */
  readonly path: string;
  /** Column name in results (last path segment that is not an index, e.g. `valueBytes`, `strategy`). */
  readonly column: string;
  readonly values: readonly Json[];
}

export interface SweepPoint {
  /** Stable id built from the swept values, e.g. `protocol=abd,valueBytes=1024`; `base` without sweep. */
  readonly id: string;
  /** Position in enumeration order. */
  readonly index: number;
  /** Swept values by column name. */
  readonly values: Readonly<Record<string, Scalar>>;
  /** A plain config for the core schema (sweep keys removed, seed derived). */
  readonly config: JsonObject;
}

/** A point's folder name: its index (enumeration order) and its id made safe for a path, ≤ 105 chars. */
export function pointDirName(point: SweepPoint): string {
  const safe = point.id.replace(/[^A-Za-z0-9._=-]+/g, '_').slice(0, 100);
  return `p${String(point.index).padStart(3, '0')}-${safe}`;
}

export interface ExpandedSweep {
  readonly dimensions: readonly SweepDimension[];
  readonly points: readonly SweepPoint[];
  /** Points removed by a `skip` rule, by id (reported, not silently dropped). */
  readonly skipped: readonly string[];
}

function fail(message: string): never {
  throw new ConfigError(message);
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Column name of a path: its last non-numeric segment; `protocol.name` → `protocol`. */
export function columnOf(path: string): string {
  if (path === 'protocol.name') return 'protocol';
  if (path === 'network.preset') return 'network';
  const segments = path.split('.').filter((s) => !/^\d+$/.test(s));
  return segments[segments.length - 1] ?? path;
}

function getPath(config: Json, path: string): Json | undefined {
  let node: Json | undefined = config;
  for (const segment of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(segment)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
}

function setPath(config: JsonObject, path: string, value: Json, field: string): void {
  const segments = path.split('.');
  let node: Json = config;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(segment)) fail(`${field}: path ${JSON.stringify(path)} indexes a list with ${JSON.stringify(segment)}`);
      const index = Number(segment);
      if (index >= node.length) fail(`${field}: path ${JSON.stringify(path)}: index ${index} is past the list's end (${node.length})`);
      if (last) node[index] = value;
      else node = node[index] as Json;
    } else if (isObject(node)) {
      if (last) node[segment] = value;
      else {
        if (node[segment] === undefined || node[segment] === null) node[segment] = {};
        node = node[segment] as Json;
      }
    } else fail(`${field}: path ${JSON.stringify(path)} goes through a scalar at ${JSON.stringify(segment)}`);
  });
}

/** Concrete paths matching an implicit pattern (`*` = every index of a list). */
function concretePaths(config: Json, pattern: string): string[] {
  const [head, ...rest] = pattern.split('.');
  if (head === undefined) return [''];
  if (head === '*') {
    if (!Array.isArray(config)) return [];
    return config.flatMap((item, i) => concretePaths(item, rest.join('.')).map((p) => (p === '' ? `${i}` : `${i}.${p}`)));
  }
  if (!isObject(config) || !(head in config)) return [];
  if (rest.length === 0) return [head];
  return concretePaths(config[head] as Json, rest.join('.')).map((p) => `${head}.${p}`);
}

/** Deep merge of a patch into a config: objects merge, everything else (lists included) replaces. */
export function mergePatch(base: Json, patch: Json): Json {
  if (!isObject(base) || !isObject(patch)) return clone(patch);
  const out: JsonObject = clone(base);
  for (const [key, value] of Object.entries(patch)) out[key] = key in out ? mergePatch(out[key] as Json, value) : clone(value);
  return out;
}

function formatValue(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Seeds leave room for this many repetitions per point (the core uses seed + repetition). */
export const MAX_REPETITIONS = 1024;
const SEED_LIMIT = 2 ** 48;

/**
 * The seed of a point: the base seed for an unswept config (so a plain config runs as written),
 * else base + 1024 · FNV-1a(point id), mod 2^48. It depends only on the base seed and the point's own
 * values, so adding or removing other points never changes it, and repetitions (seed + i, i < 1024)
 * of different points do not overlap unless two ids collide in 32 bits.
 */
export function pointSeed(baseSeed: number, pointId: string): number {
  if (pointId === 'base') return baseSeed;
  return (baseSeed + fnv1a32(pointId) * MAX_REPETITIONS) % SEED_LIMIT;
}

function matches(config: Json, when: JsonObject): boolean {
  return Object.entries(when).every(([path, expected]) => {
    const actual = getPath(config, path);
    const options = Array.isArray(expected) ? expected : [expected];
    return options.some((option) => JSON.stringify(option) === JSON.stringify(actual));
  });
}

interface SweepRule {
  readonly when: JsonObject;
  readonly set?: JsonObject;
  readonly skip?: boolean;
}

function readRules(value: Json | undefined): SweepRule[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(`sweepRules: must be a list of {when, set|skip}, got ${formatValue(value)}`);
  return value.map((rule, i) => {
    if (!isObject(rule) || !isObject(rule['when'])) fail(`sweepRules[${i}].when: must be a map of path → value, got ${formatValue(rule)}`);
    const set = rule['set'];
    const skip = rule['skip'];
    if (set !== undefined && !isObject(set)) fail(`sweepRules[${i}].set: must be a map of path → value, got ${formatValue(set)}`);
    if (skip !== undefined && skip !== true) fail(`sweepRules[${i}].skip: must be true when given, got ${formatValue(skip)}`);
    if ((set === undefined) === (skip === undefined)) fail(`sweepRules[${i}]: give exactly one of set and skip`);
    return { when: rule['when'], ...(set === undefined ? {} : { set }), ...(skip === undefined ? {} : { skip: true }) };
  });
}

/**
 * Expands a raw config (parsed YAML) into points. With `quick`, the config's `quick:` patch is merged
 * first (smaller sweeps and fewer operations for a fast reproduction).
 */
export function expandSweep(raw: unknown, options: { quick?: boolean } = {}): ExpandedSweep {
  if (!isObject(raw as Json)) fail(`config: must be a map, got ${formatValue(raw as Json)}`);
  let config = clone(raw as JsonObject);
  if (options.quick === true && config['quick'] !== undefined) {
    if (!isObject(config['quick'])) fail(`quick: must be a map (a patch of the config), got ${formatValue(config['quick'])}`);
    config = mergePatch(config, config['quick']) as JsonObject;
  }
  const explicit = config['sweep'];
  const rules = readRules(config['sweepRules']);
  for (const key of SWEEP_KEYS) delete config[key];

  const dimensions: SweepDimension[] = [];
  const seen = new Set<string>();
  for (const pattern of IMPLICIT_SWEEP_PATHS) {
    for (const path of concretePaths(config, pattern)) {
      const value = getPath(config, path);
      if (!Array.isArray(value) || (isObject(explicit) && path in explicit)) continue;
      if (value.length === 0) fail(`${path}: an empty list sweeps nothing`);
      dimensions.push({ path, column: columnOf(path), values: value });
      seen.add(path);
    }
  }
  if (explicit !== undefined && explicit !== null) {
    if (!isObject(explicit)) fail(`sweep: must be a map of path → list of values, got ${formatValue(explicit)}`);
    for (const [path, values] of Object.entries(explicit)) {
      if (!Array.isArray(values) || values.length === 0) fail(`sweep.${path}: must be a non-empty list, got ${formatValue(values)}`);
      if (seen.has(path)) fail(`sweep.${path}: also given as a list in place; give it once`);
      // A byte size written with a unit (`64KiB`) is swept as its number of bytes, so that the
      // point ids, the results' columns and chart filters see one number, not two spellings.
      const sized = /Bytes$/.test(path) ? values.map((v) => (typeof v === 'string' ? (parseByteSize(v) ?? v) : v)) : values;
      dimensions.push({ path, column: columnOf(path), values: sized });
      seen.add(path);
    }
  }
  const columns = new Set<string>();
  for (const d of dimensions) {
    if (columns.has(d.column)) fail(`sweep: two swept parameters share the column ${JSON.stringify(d.column)} (${d.path})`);
    columns.add(d.column);
  }

  const baseSeed = config['seed'] === undefined ? 1 : config['seed'];
  if (typeof baseSeed !== 'number' || !Number.isInteger(baseSeed) || baseSeed < 0) fail(`seed: must be a non-negative integer, got ${formatValue(baseSeed)}`);
  const repetitions = config['repetitions'];
  if (typeof repetitions === 'number' && repetitions > MAX_REPETITIONS) fail(`repetitions: at most ${MAX_REPETITIONS} with sweeps, got ${repetitions}`);

  const points: SweepPoint[] = [];
  const skipped: string[] = [];
  const total = dimensions.reduce((product, d) => product * d.values.length, 1);
  for (let index = 0; index < total; index++) {
    const point = clone(config);
    const values: Record<string, Scalar> = {};
    let rest = index;
    for (let d = dimensions.length - 1; d >= 0; d--) {
      const dim = dimensions[d]!;
      const value = dim.values[rest % dim.values.length] as Json;
      rest = Math.floor(rest / dim.values.length);
      setPath(point, dim.path, clone(value), `sweep.${dim.path}`);
      values[dim.column] = isObject(value) || Array.isArray(value) ? JSON.stringify(value) : value;
    }
    const id = dimensions.length === 0 ? 'base' : dimensions.map((d) => `${d.column}=${formatValue(values[d.column] as Json)}`).join(',');
    let skip = false;
    for (const rule of rules) {
      if (!matches(point, rule.when)) continue;
      if (rule.skip === true) skip = true;
      for (const [path, value] of Object.entries(rule.set ?? {})) setPath(point, path, clone(value), `sweepRules.set.${path}`);
    }
    if (skip) {
      skipped.push(id);
      continue;
    }
    point['seed'] = pointSeed(baseSeed, id);
    const ordered: Record<string, Scalar> = {};
    for (const d of dimensions) ordered[d.column] = values[d.column] ?? null;
    points.push({ id, index, values: ordered, config: point });
  }
  return { dimensions, points, skipped };
}
