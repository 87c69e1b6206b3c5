/**
 * @module JSON with object keys sorted at every level, so equal data always serializes to equal bytes
 * (summary.json, committed baselines, the config digest).
 */

export function stableStringify(value: unknown, indent = 2): string {
  const sortKeys = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sortKeys);
    if (item !== null && typeof item === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(item).sort()) out[key] = sortKeys((item as Record<string, unknown>)[key]);
      return out;
    }
    return item;
  };
  return JSON.stringify(sortKeys(value), null, indent);
}

