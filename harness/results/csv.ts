/**
 * @module The one CSV module of the project: every CSV file the harness writes (runs.csv,
 * latency.csv, points.csv, chart data, the attack and Appendix A tables) goes through `toCsv`
 * (csv-stringify), and every CSV it reads back through `parseCsv` (csv-parse).
 *
 * Writing: RFC 4180, `\n` line ends, a field is quoted only when it holds a comma, a quote, `\n` or
 * `\r`. Numbers are written with `String(x)`, which round-trips every JavaScript number exactly;
 * booleans as `true`/`false`; null and missing values as empty fields.
 * Reading: fields that parse as finite numbers become numbers, `true`/`false` booleans and empty
 * fields null, so the rows can be handed to vega-lite as they are, and write → read gives back equal
 * rows.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

export type CsvValue = string | number | boolean | null;
export type CsvRow = Record<string, CsvValue>;

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** One header line plus one line per row; `columns` fixes the order (missing values are empty). */
export function toCsv(columns: readonly string[], rows: readonly Readonly<Record<string, unknown>>[]): string {
  return stringify(rows as Record<string, unknown>[], {
    header: true,
    columns: [...columns],
    // csv-stringify's default writes true as "1" and false as "" (which would read back as 1 and null).
    cast: { boolean: (value) => String(value) },
  });
}

/** Column names of rows in first-seen order, `leading` first. */
export function columnsOf(rows: readonly CsvRow[], leading: readonly string[] = []): string[] {
  const seen = new Set<string>(leading);
  const columns = [...leading];
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  return columns;
}

function typed(raw: string): CsvValue {
  if (raw === '') return null;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return NUMBER.test(raw) ? Number(raw) : raw;
}

/** Parses CSV with a header line into rows; numbers as numbers, empty as null. Blank lines are skipped. */
export function parseCsv(text: string): CsvRow[] {
  try {
    return parse(text, {
      columns: true,
      skip_empty_lines: true,
      cast: (value, context) => (context.header ? value : typed(value)),
    }) as CsvRow[];
  } catch (error) {
    // csv-parse's messages are long and name its options; one line that says where is enough.
    const e = error as { code?: string; lines?: number; message: string };
    if (e.code === 'CSV_RECORD_INCONSISTENT_COLUMNS') throw new Error(`csv: line ${e.lines} does not have as many fields as the header`);
    if (e.code !== undefined && e.code.startsWith('CSV_')) throw new Error(`csv: line ${e.lines ?? '?'}: ${e.message.split('\n')[0]}`);
    throw error;
  }
}
