/**
 * @module Loading a config file (YAML or JSON): parse, validate, resolve. Errors are ConfigErrors
 * with one line naming the field path and the bad value; the CLI prints them and exits with code 2.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, formatIssues } from './errors.ts';
import { resolveExperiment, type ResolvedExperiment } from './resolve.ts';
import { experimentSchema, type ExperimentConfig } from './schema.ts';

export { ConfigError } from './errors.ts';
export { experimentSchema } from './schema.ts';
export type { ExperimentConfig, FaultConfig, WorkloadConfig, NetworkConfig } from './schema.ts';
export type { ResolvedRun, ResolvedExperiment, ResolvedWorkload } from './resolve.ts';
export { resolveExperiment } from './resolve.ts';

/** Validates plain data as an experiment config (defaults filled in). */
export function parseConfig(data: unknown): ExperimentConfig {
  const parsed = experimentSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, [], experimentSchema));
  return parsed.data;
}

/** Reads a YAML or JSON file (JSON is YAML) and validates it. */
export function readConfigFile(path: string): ExperimentConfig {
  return parseConfig(readRawConfigFile(path));
}

/** Reads a YAML or JSON file as data, not yet validated (a sweep config is validated point by point). */
export function readRawConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`config: cannot read file ${JSON.stringify(path)}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    // The yaml package's first line ends with a colon before its excerpt of the file (later lines).
    const first = String((error as Error).message).split('\n')[0]!.replace(/:\s*$/, '');
    throw new ConfigError(`config: ${path} is not valid YAML or JSON: ${first}`);
  }
  return data;
}

/**
 * Reads, validates and resolves a config file, with `overrides` applied first: `seed` (`--seed`) and
 * `trace` (`--trace`: tracing on, unless the config sets its own `trace`).
 */
export function loadExperiment(path: string, overrides: { seed?: number; trace?: boolean } = {}): ResolvedExperiment {
  let config = readConfigFile(path);
  if (overrides.seed !== undefined) config = { ...config, seed: overrides.seed };
  if (overrides.trace === true && config.trace === undefined) config = { ...config, trace: true };
  return resolveExperiment(config, dirname(path));
}
