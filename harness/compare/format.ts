/**
 * @module Rendering a comparison: a plain-text table for terminals and CI logs (no colour codes, so
 * logs stay readable), and markdown for a pull-request comment (changes first, every row in a
 * collapsed section, so a long suite does not bury the one row that matters).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic as writeResultFileAtomic } from '../results/writer.ts';
import type { Comparison, ComparisonRow, RowVerdict } from './compare.ts';
import { describeTolerances } from './tolerance.ts';

/** Numbers as a person reads them: integers exact, others to 6 significant digits. */
export function formatNumber(value: number | string | null): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '—';
  if (!Number.isFinite(ratio)) return ratio > 0 ? '∞' : '-∞';
  return ratio.toFixed(3);
}

const HEADERS = ['experiment', 'run', 'op', 'metric', 'baseline', 'current', 'ratio', 'verdict', 'note'] as const;

function cells(row: ComparisonRow): string[] {
  return [row.experiment, row.run, row.op ?? '', row.metric, formatNumber(row.baseline), formatNumber(row.current), formatRatio(row.ratio), row.verdict, row.note];
}

/** One line: counts and the outcome, e.g. `2 worse, 0 missing, 1 better, 0 new, 120 same: REGRESSION`. */
export function summaryLine(comparison: Comparison): string {
  const c = comparison.counts;
  const outcome = comparison.exitCode === 0 ? 'ok (nothing got worse)' : c.worse > 0 ? 'REGRESSION' : 'MISSING RESULTS';
  return `${c.worse} worse, ${c.missing} missing, ${c.better} better, ${c.new} new, ${c.same} same: ${outcome}`;
}

function changed(row: ComparisonRow): boolean {
  return row.verdict !== 'same';
}

/** Sort key: worst verdicts first, then table order. */
const VERDICT_ORDER: Readonly<Record<RowVerdict, number>> = { worse: 0, missing: 1, better: 2, new: 3, same: 4 };

/** Plain-text table; `onlyChanges` hides `same` rows. */
export function formatTerminal(comparison: Comparison, options: { onlyChanges?: boolean } = {}): string {
  const rows = options.onlyChanges === true ? comparison.rows.filter(changed) : comparison.rows;
  const table = [HEADERS.slice(), ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const numeric = new Set([4, 5, 6]);
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  out.push(`baseline: ${comparison.baselineSource}`);
  out.push(`current:  ${comparison.currentSource}`);
  out.push(`tolerance: ${describeTolerances(comparison.tolerances)}`);
  out.push('');
  if (rows.length === 0) out.push(options.onlyChanges === true ? '(no changes)' : '(no rows)');
  else {
    out.push(line(table[0]!));
    out.push(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of table.slice(1)) out.push(line(r));
  }
  out.push('');
  out.push(`compare: ${summaryLine(comparison)}`);
  return `${out.join('\n')}\n`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function markdownTable(rows: readonly ComparisonRow[]): string[] {
  const out = [`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map((h, i) => (i >= 4 && i <= 6 ? '---:' : '---')).join('|')}|`];
  for (const row of rows) {
    const r = cells(row).map(escapeCell);
    if (row.verdict === 'worse' || row.verdict === 'missing') r[7] = `**${r[7]}**`;
    out.push(`| ${r.join(' | ')} |`);
  }
  return out;
}

/** Markdown for a CI log or PR comment: outcome, changed rows (worst first), all rows collapsed. */
export function formatMarkdown(comparison: Comparison): string {
  const out: string[] = [];
  const icon = comparison.exitCode === 0 ? '✅' : '❌';
  out.push(`### ${icon} quorumbench compare: ${summaryLine(comparison)}`);
  out.push('');
  out.push(`Baseline \`${comparison.baselineSource}\` · current \`${comparison.currentSource}\` · tolerance ${describeTolerances(comparison.tolerances)}`);
  for (const warning of comparison.warnings) out.push(`\n> ⚠️ ${escapeCell(warning)}`);
  out.push('');
  const changes = comparison.rows
    .map((row, index) => ({ row, index }))
    .filter(({ row }) => changed(row))
    .sort((a, b) => VERDICT_ORDER[a.row.verdict] - VERDICT_ORDER[b.row.verdict] || a.index - b.index)
    .map(({ row }) => row);
  if (changes.length === 0) out.push('No metric changed.');
  else {
    out.push(`#### Changes (${changes.length})`, '', ...markdownTable(changes));
  }
  out.push('', `<details><summary>All ${comparison.rows.length} rows</summary>`, '', ...markdownTable(comparison.rows), '', '</details>', '');
  return out.join('\n');
}

/** Writes `text` to `path` through a temp file and a rename, so no reader sees half a file. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeResultFileAtomic(path, text);
}

/** Machine-readable form (`--json`): the comparison without the Map inside tolerances. */
export function toJson(comparison: Comparison): string {
  return `${JSON.stringify(
    {
      baseline: comparison.baselineSource,
      current: comparison.currentSource,
      exitCode: comparison.exitCode,
      counts: comparison.counts,
      tolerances: { ...comparison.tolerances.byClass, ...Object.fromEntries(comparison.tolerances.byMetric) },
      warnings: comparison.warnings,
      rows: comparison.rows.map((row) => ({
        ...row,
        // JSON has no infinity: a ratio from a zero baseline is written as a string.
        ratio: row.ratio !== null && !Number.isFinite(row.ratio) ? formatRatio(row.ratio) : row.ratio,
      })),
    },
    null,
    2,
  )}\n`;
}
