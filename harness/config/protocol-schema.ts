/**
 * @module The `protocol:` section of a config: a built-in protocol by `name`, a plugin by `module`
 * (a TypeScript or JavaScript file, or an npm package, exporting a ProtocolDefinition), or external
 * node processes (`name: external`) that speak Maelstrom's node protocol.
 *
 * ```yaml
 * protocol: { name: abd, t: 1 }
 * protocol: { module: ./my-register.ts, t: 1, options: { fastRead: true } }
 * protocol: { name: external, t: 1, servers: 2t+1, clientRole: clients, command: [python3, ./abd_node.py] }
 * ```
 */
import { z } from 'zod';
import { nonNegativeInt, positiveInt } from './numbers.ts';

/** The protocol name that selects external node processes. */
export const EXTERNAL_PROTOCOL = 'external';


/** `servers:` of external nodes: a count, or `a*t+b` written `2t+1`, `3t+1`, `t+2`, `5`. */
export const SERVER_FORMULA = /^(\d*)t\s*\+\s*(\d+)$/;

/** The fields that only external nodes take, each documented where it is used (harness/external/settings.ts). */
const EXTERNAL_FIELDS = ['command', 'clientCommand', 'clientRole', 'servers', 'cwd', 'timeoutMs', 'quietMs', 'barrier', 'startTimeoutMs'] as const;

export const protocolSchema = z
  .strictObject({
    /** A built-in protocol (protocols/registry.ts), or `external`. */
    name: z.string().min(1).optional(),
    /** A plugin: a path relative to the config file (`./x.ts`) or an npm package name. */
    module: z.string().min(1).optional(),
    /** Faults tolerated; at least 1 (with t = 0 there is no quorum system to measure, only one server). */
    t: positiveInt().default(1),
    options: z.record(z.string(), z.unknown()).default({}),
    /** External nodes: the node program and its arguments (run in `cwd`). */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** External nodes with `clientRole: clients`: the program of the client nodes (default: `command`). */
    clientCommand: z.array(z.string().min(1)).min(1).optional(),
    /** External nodes: who takes the workload's requests (`servers`: Maelstrom's way; `clients`: one node per client). */
    clientRole: z.enum(['servers', 'clients']).optional(),
    /**
     * External nodes: how many servers for `t`, a count or a formula like `2t+1` (the top-level
     * `servers`, if given, overrides it as it does for every protocol).
     */
    servers: z.union([z.number().int().min(1), z.string().regex(SERVER_FORMULA, { error: 'must be a count or a formula like 2t+1' })]).optional(),
    /** External nodes: the programs' working directory (default: the config file's folder). */
    cwd: z.string().min(1).optional(),
    /** External nodes: a request unanswered this long (virtual ms in the simulator) ends pending. */
    timeoutMs: z.number().gt(0, { error: 'must be > 0' }).optional(),
    /** External nodes, simulator: a node is done with a delivery after this much wall-clock silence. */
    quietMs: z.number().min(0, { error: 'must be >= 0' }).optional(),
    /** External nodes, simulator: the node answers `barrier` with `barrier_ok` (exact, no quiet period). */
    barrier: z.boolean().optional(),
    /** External nodes: how long a node may take to answer `init`, wall-clock ms. */
    startTimeoutMs: z.number().gt(0, { error: 'must be > 0' }).optional(),
  })
  .superRefine((protocol, ctx) => {
    const issue = (path: string, message: string, input: unknown): void => void ctx.addIssue({ code: 'custom', path: [path], message, input });
    if (protocol.name === undefined && protocol.module === undefined) return issue('name', 'required (or module: a plugin file or package)', undefined);
    if (protocol.name !== undefined && protocol.module !== undefined) return issue('module', 'give either name or module, not both', protocol.module);
    const external = protocol.name === EXTERNAL_PROTOCOL;
    if (!external) {
      for (const field of EXTERNAL_FIELDS) {
        if (protocol[field] !== undefined) return issue(field, `only with name: ${EXTERNAL_PROTOCOL}`, protocol[field]);
      }
      return;
    }
    if (protocol.command === undefined) return issue('command', 'required with name: external (the node program and its arguments)', undefined);
    if (protocol.servers === undefined) return issue('servers', 'required with name: external (a count, or a formula like 2t+1)', undefined);
    if (protocol.clientCommand !== undefined && protocol.clientRole !== 'clients') return issue('clientCommand', 'only with clientRole: clients', protocol.clientCommand);
  });

export type ProtocolConfig = z.infer<typeof protocolSchema>;
