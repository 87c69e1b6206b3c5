/**
 * @module A small RFC 4180 CSV reader and writer for the results files (runs.csv, points.csv, ...).
 *
 * Fields that parse as finite numbers become numbers, `true`/`false` booleans and empty fields null, so the rows can
 * be handed to vega-lite as they are. Numbers are written with `String(x)`, which round-trips every
 * JavaScript number exactly, so write → read gives back equal rows.
 */

export type CsvValue = string | number | boolean | null;
export type CsvRow = Record<string, CsvValue>;

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function quote(value: CsvValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One header line plus one line per row; `columns` fixes the order (missing values are empty). */
export function toCsv(columns: readonly string[], rows: readonly CsvRow[]): string {
  const lines = [columns.map((c) => quote(c)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => quote(row[c] ?? null)).join(','));
  return lines.join('\n') + '\n';
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

function splitRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new Error('csv: unterminated quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** Parses CSV with a header line into rows; numbers as numbers, empty as null. */
export function parseCsv(text: string): CsvRow[] {
  const records = splitRecords(text);
  const header = records[0];
  if (header === undefined) return [];
  return records.slice(1).map((record, line) => {
    if (record.length !== header.length) {
      throw new Error(`csv: line ${line + 2} has ${record.length} fields, header has ${header.length}`);
    }
    const row: CsvRow = {};
    header.forEach((name, i) => {
      const raw = record[i] ?? '';
      row[name] = raw === '' ? null : raw === 'true' ? true : raw === 'false' ? false : NUMBER.test(raw) ? Number(raw) : raw;
    });
    return row;
  });
}
