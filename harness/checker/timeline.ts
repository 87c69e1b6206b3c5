/**
 * @module Self-contained HTML timeline of a history (inline SVG and CSS, no script, no network):
 * one lane per client, each operation a bar from call to return labelled with its value, the
 * operations of a violation excerpt highlighted. The x axis is the rank of event times (as in
 * Porcupine's visualisation), so that every call and return is visibly ordered; equal times share
 * an x position, which is what closed intervals mean.
 */
import { describeRecord } from './excerpt.ts';
import type { CheckResult, CheckerRecord, Excerpt } from './types.ts';

export interface TimelineHighlight {
  /** Indices into the rendered record array. */
  readonly indices: readonly number[];
  readonly title?: string;
  /** Shown above the timeline (e.g. the excerpt's explanation). */
  readonly explanation?: string;
}

/** Above this many operations only a window around the highlighted ones (same key) is drawn. */
export const TIMELINE_MAX_OPS = 2000;

const LANE_HEIGHT_PX = 30;
const BAR_HEIGHT_PX = 20;
const LABEL_WIDTH_PX = 90;
const SLOT_WIDTH_PX = 14;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function short(v: string | null): string {
  if (v === null) return 'nil';
  return v.length > 12 ? `${v.slice(0, 10)}…` : v;
}

function label(r: CheckerRecord): string {
  switch (r.op) {
    case 'read':
      return r.status === 'ok' ? `R ${short(r.value)}` : 'R ?';
    case 'write':
      return `W ${short(r.value)}`;
    case 'cas':
      return `CAS ${short(r.expected)}→${short(r.value)}${r.status === 'ok' ? (r.swapped ? ' ✓' : ' ✗') : ''}`;
  }
}

function compareClients(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Chooses the records to draw: all of them, or a window around the highlighted ones. */
function selectRecords(records: readonly CheckerRecord[], marked: ReadonlySet<number>): { chosen: number[]; note: string } {
  const all = records.length;
  if (all <= TIMELINE_MAX_OPS) return { chosen: records.map((_, i) => i), note: '' };
  if (marked.size === 0) {
    return { chosen: records.slice(0, TIMELINE_MAX_OPS).map((_, i) => i), note: `Showing the first ${TIMELINE_MAX_OPS} of ${all} operations.` };
  }
  const keys = new Set([...marked].map((i) => (records[i] as CheckerRecord).key));
  let from = Infinity;
  let to = -Infinity;
  for (const i of marked) {
    const r = records[i] as CheckerRecord;
    from = Math.min(from, r.call);
    to = Math.max(to, r.return ?? r.call);
  }
  const inWindow: number[] = [];
  for (let i = 0; i < all; i++) {
    const r = records[i] as CheckerRecord;
    if (marked.has(i) || !keys.has(r.key)) continue;
    const end = r.return ?? Infinity;
    if (end >= from && r.call <= to) inWindow.push(i);
  }
  // Closest to the window's middle first, if there are too many.
  const mid = (from + to) / 2;
  inWindow.sort((a, b) => Math.abs((records[a] as CheckerRecord).call - mid) - Math.abs((records[b] as CheckerRecord).call - mid));
  const chosen = [...marked, ...inWindow.slice(0, Math.max(0, TIMELINE_MAX_OPS - marked.size))].sort((a, b) => a - b);
  return {
    chosen,
    note: `Showing ${chosen.length} of ${all} operations: those of key(s) ${[...keys].map((k) => JSON.stringify(k)).join(', ')} overlapping the highlighted ones.`,
  };
}

/**
 * Renders a history as a standalone HTML page. `highlight` marks operations (e.g. an excerpt's
 * `indices`); a `CheckResult` or an `Excerpt` may be passed for convenience.
 */
export function renderTimelineHtml(records: readonly CheckerRecord[], highlight?: TimelineHighlight | readonly number[] | CheckResult | Excerpt): string {
  let hl: TimelineHighlight = { indices: [] };
  if (highlight !== undefined) {
    if (Array.isArray(highlight)) hl = { indices: highlight as readonly number[] };
    else if ('verdict' in (highlight as object)) {
      const result = highlight as CheckResult;
      hl = result.excerpt !== undefined ? { indices: result.excerpt.indices, explanation: result.excerpt.explanation, title: `Violation on key ${JSON.stringify(result.excerpt.key)}` } : { indices: [], title: `Verdict: ${result.verdict}` };
    } else if ('explanation' in (highlight as object) && 'records' in (highlight as object)) {
      const ex = highlight as Excerpt;
      hl = { indices: ex.indices, explanation: ex.explanation, title: `Violation on key ${JSON.stringify(ex.key)}` };
    } else hl = highlight as TimelineHighlight;
  }
  const marked = new Set(hl.indices.filter((i) => i >= 0 && i < records.length));
  const { chosen, note } = selectRecords(records, marked);
  const multiKey = new Set(chosen.map((i) => (records[i] as CheckerRecord).key)).size > 1;

  // x positions: rank of distinct finite event times.
  const times: number[] = [];
  for (const i of chosen) {
    const r = records[i] as CheckerRecord;
    times.push(r.call);
    if (r.return !== null && r.status !== 'pending') times.push(r.return);
  }
  const distinct = [...new Set(times)].sort((a, b) => a - b);
  const rank = new Map<number, number>();
  distinct.forEach((t, k) => rank.set(t, k));
  const slots = distinct.length + 2;
  const widthPx = LABEL_WIDTH_PX + slots * SLOT_WIDTH_PX + 20;
  const xOf = (t: number): number => LABEL_WIDTH_PX + ((rank.get(t) ?? 0) + 1) * SLOT_WIDTH_PX;
  const xEnd = LABEL_WIDTH_PX + (slots - 0.5) * SLOT_WIDTH_PX;

  const clients = [...new Set(chosen.map((i) => (records[i] as CheckerRecord).client))].sort(compareClients);
  const laneOf = new Map(clients.map((c, k) => [c, k]));
  const heightPx = clients.length * LANE_HEIGHT_PX + 30;

  const parts: string[] = [];
  clients.forEach((c, k) => {
    const y = k * LANE_HEIGHT_PX;
    parts.push(`<rect class="lane${k % 2}" x="0" y="${y}" width="${widthPx}" height="${LANE_HEIGHT_PX}"/>`);
    parts.push(`<text class="client" x="6" y="${y + LANE_HEIGHT_PX / 2 + 4}">${esc(c)}</text>`);
  });
  for (const i of chosen) {
    const r = records[i] as CheckerRecord;
    const lane = laneOf.get(r.client) as number;
    const y = lane * LANE_HEIGHT_PX + (LANE_HEIGHT_PX - BAR_HEIGHT_PX) / 2;
    const x0 = xOf(r.call) - 4;
    const pending = r.status === 'pending' || r.return === null;
    const x1 = pending ? xEnd : xOf(r.return as number) + 4;
    const classes = [`op-${r.op}`, `st-${r.status}`, marked.has(i) ? 'hl' : ''].join(' ').trim();
    const text = (multiKey ? `${r.key}: ` : '') + label(r);
    parts.push(
      `<g class="${classes}"><title>${esc(`#${i} ${multiKey ? `key ${r.key} ` : ''}${describeRecord(r)}`)}</title>` +
        `<rect x="${x0}" y="${y}" width="${Math.max(8, x1 - x0)}" height="${BAR_HEIGHT_PX}" rx="3"/>` +
        `<text x="${x0 + 4}" y="${y + BAR_HEIGHT_PX / 2 + 4}">${esc(text)}</text></g>`,
    );
  }
  const axisY = clients.length * LANE_HEIGHT_PX + 18;
  parts.push(`<text class="axis" x="${LABEL_WIDTH_PX}" y="${axisY}">time → (event order; hover a bar for its call and return times)</text>`);

  const excerptRows = [...marked]
    .sort((a, b) => (records[a] as CheckerRecord).call - (records[b] as CheckerRecord).call)
    .map((i) => `<li>#${i} ${esc(describeRecord(records[i] as CheckerRecord))}</li>`)
    .join('');
  const title = hl.title ?? 'History timeline';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px; color: #222; }
.scroll { overflow-x: auto; border: 1px solid #ccc; }
svg text { font: 11px ui-monospace, monospace; }
.lane0 { fill: #fafafa; } .lane1 { fill: #f0f0f0; }
.client { fill: #444; font-weight: bold; }
g rect { stroke: #555; stroke-width: 1; }
.op-read rect { fill: #cfe3ff; } .op-write rect { fill: #d4f5d0; } .op-cas rect { fill: #ffe6c2; }
.st-failed rect { fill: #e6e6e6; stroke-dasharray: 2 2; } .st-failed text { fill: #888; text-decoration: line-through; }
.st-pending rect { stroke-dasharray: 6 3; opacity: 0.7; }
.hl rect { stroke: #d00; stroke-width: 3; fill: #ffd0d0; } .hl text { fill: #900; font-weight: bold; }
.axis { fill: #666; }
.legend span { display: inline-block; padding: 1px 6px; margin-right: 6px; border: 1px solid #555; border-radius: 3px; }
</style></head><body>
<h1>${esc(title)}</h1>
${hl.explanation !== undefined ? `<p class="explanation">${esc(hl.explanation)}</p>` : ''}
${excerptRows !== '' ? `<ol class="excerpt">${excerptRows}</ol>` : ''}
${note !== '' ? `<p class="note">${esc(note)}</p>` : ''}
<p class="legend"><span style="background:#d4f5d0">write</span><span style="background:#cfe3ff">read</span><span style="background:#ffe6c2">cas</span><span style="background:#e6e6e6">failed (no effect)</span><span style="border-style:dashed">pending (may take effect any time after call, or never)</span><span style="background:#ffd0d0;border-color:#d00">in the violation</span></p>
<div class="scroll"><svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}">
${parts.join('\n')}
</svg></div>
</body></html>
`;
}
