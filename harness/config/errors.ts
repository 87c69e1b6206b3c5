/**
 * @module Config errors: one line naming the field path and the bad value (exit code 2).
 */
import type { z } from 'zod';
import { InputError } from '../input-error.ts';

export class ConfigError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `a.b[2].c` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

/** The first issue of a failed parse as one line: `path: problem, got value`. */
export function formatIssue(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = [], schema?: z.core.$ZodType): string {
  const path = [...prefix, ...issue.path];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '?';
      const known = schema === undefined ? [] : fieldsAt(schema, issue.path);
      const guess = closest(key, known);
      const hint = guess !== undefined ? ` (did you mean ${JSON.stringify(guess)}?)` : known.length > 0 ? ` (known: ${known.join(', ')})` : '';
      return `${formatPath([...path, key])}: unknown field${hint}`;
    }
    case 'invalid_union': {
      const discriminator = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (discriminator !== undefined) {
        const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[discriminator] : input;
        const field = path[path.length - 1] === discriminator ? path : [...path, discriminator];
        return `${formatPath(field)}: must be one of ${(options ?? []).map((o) => JSON.stringify(o)).join(', ')}, got ${showValue(value)}`;
      }
      // A plain union (a value or a list of them, e.g. valueBytes): the option that failed on more
      // than the value's type says what is wrong with it.
      const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
      const telling = branches.map((b) => b[0]).find((first) => first !== undefined && (first.code !== 'invalid_type' || first.expected === 'int'));
      if (telling !== undefined) return formatIssue(telling, path, undefined);
      return `${formatPath(path)}: invalid value, got ${showValue(input)}`;
    }
    case 'invalid_type':
      if (input === undefined) return `${formatPath(path)}: required`;
      // A number that is not whole: the schema's own wording ("must be an integer") says it best.
      if (issue.expected === 'int') return `${formatPath(path)}: ${issue.message}, got ${showValue(input)}`;
      return `${formatPath(path)}: expected ${issue.expected}, got ${showValue(input)}`;
    // zod's default wording of these two ("Invalid option: expected one of "lan"|"dc"…", "Too small:
    // expected number to be >=0") in the style of every other line; a schema's own message stays.
    case 'invalid_value':
      if (!issue.message.startsWith('Invalid')) return `${formatPath(path)}: ${issue.message}, got ${showValue(input)}`;
      return `${formatPath(path)}: must be one of ${issue.values.map((v) => showValue(v)).join(', ')}, got ${showValue(input)}`;
    case 'too_small':
    case 'too_big': {
      const numeric = issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint';
      if (!numeric || !/^Too (small|big)/.test(issue.message)) return `${formatPath(path)}: ${issue.message}, got ${showValue(input)}`;
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const relation = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      return `${formatPath(path)}: must be ${relation} ${String(bound)}, got ${showValue(input)}`;
    }
    default:
      return `${formatPath(path)}: ${issue.message}, got ${showValue(input)}`;
  }
}

/**
 * The one line for a failed parse: an unknown field first, because a misspelt field (`protocl`) also
 * leaves the real one missing (`protocol: required`), and the typo is what the user must fix. With
 * `schema`, an unknown field comes with the closest known field name.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = [], schema?: z.core.$ZodType): string {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  return issue === undefined ? `${formatPath(prefix)}: invalid` : formatIssue(issue, prefix, schema);
}

/** The field names an object schema allows at `path` (through optional, default, array, union, ...). */
export function fieldsAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const found = new Set<string>();
  const visit = (node: z.core.$ZodType, rest: readonly PropertyKey[], depth: number): void => {
    if (depth > 32) return;
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    const inner = (key: string) => def[key] as z.core.$ZodType;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
        return visit(inner('innerType'), rest, depth + 1);
      case 'pipe':
        // z.preprocess: the schema that sees the data is the output side.
        return visit(inner('out'), rest, depth + 1);
      case 'union':
        for (const option of def['options'] as z.core.$ZodType[]) visit(option, rest, depth + 1);
        return;
      case 'array':
        if (rest.length > 0) visit(inner('element'), rest.slice(1), depth + 1);
        return;
      case 'record':
        if (rest.length > 0) visit(inner('valueType'), rest.slice(1), depth + 1);
        return;
      case 'object': {
        const shape = def['shape'] as Record<string, z.core.$ZodType>;
        if (rest.length === 0) for (const key of Object.keys(shape)) found.add(key);
        else if (Object.hasOwn(shape, String(rest[0]))) visit(shape[String(rest[0])]!, rest.slice(1), depth + 1);
        return;
      }
      default:
        return;
    }
  };
  visit(schema, path, 0);
  return [...found];
}

/**
 * Edit distance (insertions, deletions, substitutions), case-insensitive. A dozen lines for field
 * names of a config, not worth a dependency.
 */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** The known name nearest to `name`, if it is close: at most 1 edit, or a third of its length. */
function closest(name: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
