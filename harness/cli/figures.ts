/**
 * @module Figures as the console prints them: rounded to what a reader can use (the files keep full
 * precision), and counts with the noun in the right number.
 */

/** At most `decimals` decimals, trailing zeros dropped: 2647.501226 → "2647.5", 2 → "2". */
export function rounded(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toFixed(decimals)));
}

/** Throughput: one decimal ("2647.5 ops/s"). */
export function opsPerS(value: number): string {
  return `${rounded(value, 1)} ops/s`;
}

/** Latency in ms to the microsecond ("6.016ms"). */
export function ms(value: number): string {
  return `${rounded(value, 3)}ms`;
}

/** "1 chart", "3 charts", "0 charts". */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
