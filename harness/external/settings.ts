/**
 * @module External nodes (`protocol: { name: external, … }`): the settings of a run whose nodes are
 * processes speaking Maelstrom's node protocol (docs/external-nodes.md), their protocol definition
 * for the resolver, and the checks of what such a run can do.
 *
 * The definition stands in for a TypeScript protocol wherever the resolver and the fault budget need
 * one (server count, tolerance, strategies); its machines are never built: the external-node host
 * (harness/host/external-host.ts) runs the processes instead, on both engines.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { AnyProtocolDefinition, ProtocolMessage } from '../../protocols/types.ts';
import { ConfigError, showValue } from '../config/errors.ts';
import { EXTERNAL_PROTOCOL, SERVER_FORMULA, type ProtocolConfig } from '../config/protocol-schema.ts';
import type { ExperimentConfig } from '../config/schema.ts';

/** Who receives the workload's `lin-kv` requests. */
export type ClientRole = 'servers' | 'clients';

export interface ExternalSettings {
  /** The server nodes' program and arguments; a program given as a path is absolute here. */
  readonly command: readonly string[];
  /** The client nodes' program (`clientRole: clients`). */
  readonly clientCommand: readonly string[];
  /**
   * `servers`: Maelstrom's model; each workload client sends its requests to one server node (client
   * i to server i mod n) over the network. `clients`: every workload client is a node of its own
   * (started with `clientCommand`) that gets its requests from the harness directly and talks to the
   * servers itself, as the built-in protocols' clients do.
   */
  readonly clientRole: ClientRole;
  /** Servers for parameter t: `perT * t + plus`. */
  readonly servers: { readonly perT: number; readonly plus: number };
  /** The programs' working directory (absolute). @default the config file's folder */
  readonly cwd: string;
  /** A request with no reply after this long ends pending (virtual ms in the simulator). @default 5000 */
  readonly timeoutMs: number;
  /** Simulator: wall-clock silence after which a node is taken to be done with a delivery. @default 5 */
  readonly quietMs: number;
  /** Simulator: ask `barrier` after each delivery and wait for `barrier_ok` instead of silence. @default false */
  readonly barrier: boolean;
  /** Wall-clock ms a node may take to answer `init`. @default 30000 */
  readonly startTimeoutMs: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_QUIET_MS = 5;
const DEFAULT_START_TIMEOUT_MS = 30_000;

/** A program named by a path (it has a slash) is found relative to the working directory. */
function program(command: readonly string[], cwd: string): string[] {
  const [file, ...args] = command;
  return [file!.includes('/') && !isAbsolute(file!) ? resolve(cwd, file!) : file!, ...args];
}

/** The settings of a validated `protocol:` section with `name: external`. */
export function externalSettings(section: ProtocolConfig, configDir: string): ExternalSettings {
  if (Object.keys(section.options).length > 0) throw new ConfigError(`protocol.options: external nodes take their settings as command arguments, got ${showValue(section.options)}`);
  const cwd = resolve(configDir, section.cwd ?? '.');
  const formula = section.servers!;
  let servers = { perT: 0, plus: typeof formula === 'number' ? formula : 0 };
  if (typeof formula === 'string') {
    const match = SERVER_FORMULA.exec(formula)!;
    servers = { perT: match[1] === '' ? 1 : Number(match[1]), plus: Number(match[2]) };
  }
  const command = program(section.command!, cwd);
  return {
    command,
    clientCommand: section.clientCommand === undefined ? command : program(section.clientCommand, cwd),
    clientRole: section.clientRole ?? 'servers',
    servers,
    cwd,
    timeoutMs: section.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    quietMs: section.quietMs ?? DEFAULT_QUIET_MS,
    barrier: section.barrier ?? false,
    startTimeoutMs: section.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  };
}

/** A Maelstrom message body: an object with a string `type`; anything else JSON can hold. */
function parseBody(value: unknown): ProtocolMessage | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return typeof (value as { type?: unknown }).type === 'string' ? (value as ProtocolMessage) : undefined;
}

function notHosted(): never {
  throw new Error('external nodes run in their own processes (harness/host/external-host.ts), not as protocol machines');
}

/** The protocol definition of an external cluster (the resolver's view of it). */
export function externalDefinition(settings: ExternalSettings): AnyProtocolDefinition {
  return {
    name: EXTERNAL_PROTOCOL,
    description: `external nodes: ${settings.command.join(' ')}`,
    // What the user declares: t crashed servers tolerated, no Byzantine ones (the harness cannot make
    // a process lie in its protocol's terms; that takes a TypeScript protocol).
    serverCount: (t: number) => settings.servers.perT * t + settings.servers.plus,
    tolerance: (t: number) => ({ crash: t, byzantine: 0, byzantineReaders: false }),
    multiWriter: true,
    optionsSchema: z.record(z.string(), z.unknown()),
    setup: () => undefined,
    createServer: notHosted,
    createClient: notHosted,
    parseMessage: parseBody,
    strategies: {},
  };
}

/** The settings of a run of external nodes, or undefined for a TypeScript protocol. */
export function externalSettingsOf(run: { readonly protocol: AnyProtocolDefinition; readonly options: unknown }): ExternalSettings | undefined {
  return run.protocol.name === EXTERNAL_PROTOCOL ? (run.options as ExternalSettings) : undefined;
}

/** The one Byzantine strategy a process can be made to follow without knowing its protocol. */
const EXTERNAL_STRATEGIES = ['silent'];

function strategyError(at: string, strategy: string): never {
  throw new ConfigError(`${at}: external nodes support only the strategy silent (lies need a TypeScript protocol), got ${JSON.stringify(strategy)}`);
}

/**
 * What an external cluster cannot do, refused up front: Byzantine strategies other than `silent`,
 * mid-operation client crashes (the harness does not see a node's rounds), hostile clients, and
 * client processes of the real engine (the harness process hosts every node).
 */
export function checkExternalRun(config: ExperimentConfig): void {
  config.faults.forEach((fault, i) => {
    if (fault.type === 'byzantine' && !EXTERNAL_STRATEGIES.includes(fault.strategy)) strategyError(`faults[${i}].strategy`, fault.strategy);
    if (fault.type === 'crash' && fault.duringOp !== undefined) throw new ConfigError(`faults[${i}].duringOp: external nodes report no rounds, so a crash cannot be placed inside an operation; use atMs, afterOps or afterMessages`);
  });
  (config.schedule ?? []).forEach((entry, i) => {
    if (entry.action === 'byzantine' && !EXTERNAL_STRATEGIES.includes(entry.strategy)) strategyError(`schedule[${i}].strategy`, entry.strategy);
  });
  const swarm = config.swarm;
  if (swarm !== undefined) {
    if (swarm.faults.includes('byzantine')) {
      if (swarm.strategies === undefined) throw new ConfigError('swarm.strategies: external nodes support only silent; set swarm.strategies: [silent]');
      swarm.strategies.forEach((strategy, i) => EXTERNAL_STRATEGIES.includes(strategy) || strategyError(`swarm.strategies[${i}]`, strategy));
    }
    if (swarm.faults.includes('client-crash')) throw new ConfigError('swarm.faults: client-crash places crashes inside operations, which external nodes cannot report; remove it');
  }
  const real = config.real as { clientProcesses?: unknown; servers?: unknown } | undefined;
  if (config.engine === 'real' && typeof real?.clientProcesses === 'number' && real.clientProcesses > 0) {
    throw new ConfigError(`real.clientProcesses: external nodes are all hosted by the harness process; use 0, got ${real.clientProcesses}`);
  }
  if (config.engine === 'real' && real?.servers !== undefined) throw new ConfigError('real.servers: external nodes are started by the harness on this host; remove real.servers');
}
