/**
 * @module Config errors: one line naming the field path and the bad value (exit code 2).
 */
import type { z } from 'zod';

export class ConfigError extends Error {
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
export function formatIssue(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string {
  const path = [...prefix, ...issue.path];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${formatPath([...path, issue.keys[0] ?? '?'])}: unknown field`;
    case 'invalid_union': {
      const discriminator = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (discriminator !== undefined) {
        const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[discriminator] : input;
        const field = path[path.length - 1] === discriminator ? path : [...path, discriminator];
        return `${formatPath(field)}: must be one of ${(options ?? []).map((o) => JSON.stringify(o)).join(', ')}, got ${showValue(value)}`;
      }
      return `${formatPath(path)}: invalid value, got ${showValue(input)}`;
    }
    case 'invalid_type':
      if (input === undefined) return `${formatPath(path)}: required`;
      return `${formatPath(path)}: expected ${issue.expected}, got ${showValue(input)}`;
    default:
      return `${formatPath(path)}: ${issue.message}, got ${showValue(input)}`;
  }
}
