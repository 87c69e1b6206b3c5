/**
 * @module Protocol plugins: `protocol.module` names a file (a path relative to the config file) or
 * an npm package (resolved from the config file's folder) whose default export, or export named
 * `protocol`, is a ProtocolDefinition (protocols/types.ts). Such a protocol runs like a built-in one
 * on both engines, without a fork of this repository.
 *
 * Loading a module is asynchronous and resolving a config is not, so every entry point that reads a
 * config file calls {@link loadPlugins} on its raw data first (the `run`, `swarm` and `reproduce`
 * commands, suites, swarm workers, and the real engine's server and client processes, which read
 * their cluster file); resolution then finds the loaded definition with {@link pluginFor}. A module
 * is loaded once per process. The definition is checked when it is loaded: a missing or mistyped
 * member is a one-line ConfigError naming it (exit code 2), not a crash in the middle of a run.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROTOCOLS } from '../../protocols/registry.ts';
import type { AnyProtocolDefinition } from '../../protocols/types.ts';
import { ConfigError, showValue } from './errors.ts';
import { EXTERNAL_PROTOCOL } from './protocol-schema.ts';

/** Loaded definitions by {@link cacheKey}. */
const loaded = new Map<string, AnyProtocolDefinition>();
/** The file each loaded definition came from (to name it in configs written elsewhere). */
const files = new WeakMap<AnyProtocolDefinition, string>();

/** Whether a specifier is a path (relative to the config file, or absolute) rather than a package name. */
function isPath(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier);
}

function cacheKey(specifier: string, configDir: string): string {
  return isPath(specifier) ? resolve(configDir, specifier) : `${resolve(configDir)}\u0000${specifier}`;
}

/** Every plugin a raw config (a plain config, a sweep, a paper config) may name, in any of its points. */
export function pluginSpecifiers(raw: unknown): string[] {
  const found = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === 'string') found.add(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') found.add(item);
  };
  const walk = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || depth > 12) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      // `protocol: { module: … }`, and the dotted paths of `sweep:` blocks and `sweepRules` patches.
      if (key === 'protocol' && child !== null && typeof child === 'object' && !Array.isArray(child)) add((child as Record<string, unknown>)['module']);
      if (key === 'protocol.module') add(child);
      walk(child, depth + 1);
    }
  };
  walk(raw, 0);
  return [...found];
}

/** Loads every plugin that `raw` (a config file's data) names; `configDir` is the config file's folder. */
export async function loadPlugins(raw: unknown, configDir: string): Promise<void> {
  for (const specifier of pluginSpecifiers(raw)) await loadPlugin(specifier, configDir);
}

/**
 * tsx, which loads plugins: a development dependency (the compiled command does not need it), so an
 * installation without it says what to install instead of failing with a stack trace.
 */
async function importTsx(where: string): Promise<typeof import('tsx/esm/api')> {
  try {
    return await import('tsx/esm/api');
  } catch {
    throw new ConfigError(`${where}: loading a protocol plugin needs the tsx package, which is not installed here (npm install tsx)`);
  }
}

/** Loads one plugin (once per process) and returns its checked definition. */
async function loadPlugin(specifier: string, configDir: string): Promise<AnyProtocolDefinition> {
  const key = cacheKey(specifier, configDir);
  const cached = loaded.get(key);
  if (cached !== undefined) return cached;
  const where = `protocol.module: ${JSON.stringify(specifier)}`;
  if (isPath(specifier) && !existsSync(key)) throw new ConfigError(`${where}: no such file ${key} (a path is relative to the config file's folder)`);
  // Imported here, not at the top: processes that load no plugin (every server process) skip it.
  const { tsImport } = await importTsx(where);
  let namespace: Record<string, unknown>;
  let file: string | undefined;
  try {
    // tsx loads TypeScript plugins as well as JavaScript ones, and resolves a package name from the
    // config file's folder as Node would from a module there; the first module it reports is the entry.
    const target = isPath(specifier) ? pathToFileURL(key).href : specifier;
    namespace = (await tsImport(target, {
      parentURL: pathToFileURL(`${resolve(configDir)}/`).href,
      onImport: (url: string) => {
        if (file === undefined && url.startsWith('file:')) file = fileURLToPath(url);
      },
    })) as Record<string, unknown>;
  } catch (error) {
    const first = String(error instanceof Error ? error.message : error).split('\n')[0];
    throw new ConfigError(`${where}: cannot load it from ${resolve(configDir)}: ${first}`);
  }
  const definition = checkDefinition(exportedDefinition(namespace), where);
  loaded.set(key, definition);
  files.set(definition, file ?? key);
  return definition;
}

/** The loaded plugin a config names; a ConfigError if nothing loaded it (a missing loadPlugins call). */
export function pluginFor(specifier: string, configDir: string): AnyProtocolDefinition {
  const definition = loaded.get(cacheKey(specifier, configDir));
  if (definition === undefined) throw new ConfigError(`protocol.module: ${JSON.stringify(specifier)} was not loaded (relative to ${resolve(configDir)})`);
  return definition;
}

/**
 * A `protocol:` section that names `protocol` from any folder: a plugin by its absolute file (a
 * cluster file lives in a temporary folder), a built-in one by name.
 */
export function portableProtocolSection(protocol: AnyProtocolDefinition, t: number, options: unknown): Record<string, unknown> {
  const file = files.get(protocol);
  return file === undefined ? { name: protocol.name, t, options } : { module: file, t, options };
}

/** The definition a module exports: `export default` or `export const protocol` (CommonJS interop unwrapped). */
function exportedDefinition(namespace: Record<string, unknown>): unknown {
  let exports = namespace;
  const inner = namespace['default'];
  // A plugin compiled as CommonJS arrives as `{ default: module.exports }`.
  if (isObject(inner) && !('createServer' in inner) && ('default' in inner || 'protocol' in inner)) exports = inner;
  return exports['default'] ?? exports['protocol'];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

const FUNCTIONS = ['serverCount', 'tolerance', 'setup', 'createServer', 'createClient', 'parseMessage'] as const;

/** Checks the shape of a plugin's definition; every problem is one ConfigError line naming the member. */
function checkDefinition(value: unknown, where: string): AnyProtocolDefinition {
  if (!isObject(value)) throw new ConfigError(`${where}: exports no protocol definition (export default, or export const protocol), got ${showValue(value)}`);
  const name = value['name'];
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) throw new ConfigError(`${where}: name: must be letters, digits, dot, dash or underscore, got ${showValue(name)}`);
  if (Object.hasOwn(PROTOCOLS, name) || name === EXTERNAL_PROTOCOL) throw new ConfigError(`${where}: name: ${JSON.stringify(name)} is the name of a built-in protocol; choose another`);
  if (typeof value['description'] !== 'string') throw new ConfigError(`${where}: description: missing (a string)`);
  for (const member of FUNCTIONS) {
    if (typeof value[member] !== 'function') throw new ConfigError(`${where}: ${member}: missing (a function), got ${showValue(value[member])}`);
  }
  if (typeof value['multiWriter'] !== 'boolean') throw new ConfigError(`${where}: multiWriter: missing (true or false), got ${showValue(value['multiWriter'])}`);
  const schema = value['optionsSchema'];
  if (!isObject(schema) || typeof schema['safeParse'] !== 'function') throw new ConfigError(`${where}: optionsSchema: missing (a zod schema of protocol.options), got ${showValue(schema)}`);
  // Config errors are worded from zod 4's issues (harness/config/errors.ts); a zod 3 schema parses,
  // but its errors would name the wrong problem or stop the command, so it is refused here. Every
  // zod 4 schema carries `_zod`; zod 3's have `_def` only.
  if (!('_zod' in schema)) throw new ConfigError(`${where}: optionsSchema: a zod 4 schema is needed (this one is not: install zod 4 in the plugin's project, npm install zod@4)`);
  const strategies = value['strategies'];
  if (!isObject(strategies) || Object.values(strategies).some((s) => typeof s !== 'function')) throw new ConfigError(`${where}: strategies: missing (an object of strategy functions, {} for none)`);
  const hostile = value['hostileClients'];
  if (hostile !== undefined && (!isObject(hostile) || Object.values(hostile).some((h) => typeof h !== 'function'))) throw new ConfigError(`${where}: hostileClients: must be an object of functions when given`);
  if (value['unsafe'] !== undefined && value['unsafe'] !== true) throw new ConfigError(`${where}: unsafe: must be true when given, got ${showValue(value['unsafe'])}`);
  const definition = value as unknown as AnyProtocolDefinition;
  // The members the resolver calls before anything runs, tried once so that a broken one fails here.
  for (const t of [0, 1, 2]) {
    let n: unknown;
    let tolerance: unknown;
    try {
      n = definition.serverCount(t);
      tolerance = definition.tolerance(t);
    } catch (error) {
      throw new ConfigError(`${where}: serverCount/tolerance(${t}) threw: ${String(error instanceof Error ? error.message : error).split('\n')[0]}`);
    }
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new ConfigError(`${where}: serverCount(${t}): must return an integer >= 1, got ${showValue(n)}`);
    const ok = isObject(tolerance) && typeof tolerance['crash'] === 'number' && typeof tolerance['byzantine'] === 'number' && typeof tolerance['byzantineReaders'] === 'boolean';
    if (!ok) throw new ConfigError(`${where}: tolerance(${t}): must return { crash, byzantine, byzantineReaders }, got ${showValue(tolerance)}`);
  }
  return definition;
}
