/**
 * @module The messages of a run drawn into another figure (the Appendix A run figures): one arrow
 * per message from its send to its delivery, between the lanes the figure gives its nodes (several
 * servers may share a block's lane), on the figure's own time axis. Colours are the Lamport
 * diagram's ({@link typeColors}); a held message is dashed orange up to where it arrived and then
 * waits there; a message dropped at a crashed node ends in a grey cross; one with no arrival in the
 * trace (never released, or in flight at the end) ends in an open circle.
 */
import type { Trace } from './events.ts';
import { typeColors } from './lamport.ts';
import { messagesOf } from './model.ts';
import { escapeHtml } from '../escape-html.ts';
import { textWidthPx } from '../charts/text-width.ts';

export interface FigureAxes {
  /** The lane of a node (its centre line's y), or undefined when the figure has none for it. */
  readonly laneY: (node: string) => number | undefined;
  readonly xOf: (t: number) => number;
}

const HELD_COLOR = '#e6550d';

function px(value: number): string {
  return value.toFixed(1);
}

/** Every time a message of `trace` happens at, for a figure whose axis has a tick per distinct time. */
export function messageTimes(trace: Trace): number[] {
  const out: number[] = [];
  for (const m of messagesOf(trace)) for (const t of [m.sendT, m.holdT, m.releaseT, m.deliverT, m.dropT]) if (t !== null) out.push(t);
  return out;
}

/** The arrows (SVG elements), and the legend that explains them: its width, and an SVG group at a given position. */
export function drawFigureMessages(trace: Trace, axes: FigureAxes): { svg: string[]; legendWidthPx: number; legend: (x: number, y: number) => string } {
  const messages = messagesOf(trace).filter((m) => m.sendT !== null);
  const colors = typeColors(messages.map((m) => m.type));
  const svg: string[] = [];
  for (const m of messages) {
    const y0 = axes.laneY(m.from);
    const y1 = axes.laneY(m.to);
    if (y0 === undefined || y1 === undefined || y0 === y1) continue;
    const color = colors.get(m.type)!;
    const x0 = axes.xOf(m.sendT!);
    const arrival = m.deliverT ?? m.dropT;
    const reached = m.holdT ?? arrival;
    const title = `<title>${m.type} ${m.from} → ${m.to}${m.holdT === null ? '' : ', held'}${arrival === null ? ', never delivered' : m.dropT !== null ? ', dropped: the receiver had crashed' : ''}</title>`;
    if (reached === null) {
      // No arrival in the trace: an open circle a short way towards the receiver.
      const x1 = x0 + 18;
      const ym = y0 + (y1 - y0) * 0.3;
      svg.push(`<g opacity="0.85">${title}<line x1="${px(x0)}" y1="${px(y0)}" x2="${px(x1)}" y2="${px(ym)}" stroke="${color}" stroke-width="1.3"/><circle cx="${px(x1)}" cy="${px(ym)}" r="3" fill="white" stroke="${color}"/></g>`);
      continue;
    }
    const x1 = axes.xOf(reached);
    const held = m.holdT !== null;
    const parts = [`<line x1="${px(x0)}" y1="${px(y0)}" x2="${px(x1)}" y2="${px(y1)}" stroke="${held ? HELD_COLOR : color}" stroke-width="1.3"${held ? ' stroke-dasharray="4 2"' : ''}/>`];
    if (held) {
      // Waiting where it arrived: to its delivery, or (never released) a dot.
      if (arrival !== null) parts.push(`<line x1="${px(x1)}" y1="${px(y1 - 2)}" x2="${px(axes.xOf(arrival))}" y2="${px(y1 - 2)}" stroke="${HELD_COLOR}" stroke-width="2" stroke-dasharray="4 2"/>`);
      else parts.push(`<circle cx="${px(x1)}" cy="${px(y1)}" r="3" fill="white" stroke="${HELD_COLOR}" stroke-width="1.3"/>`);
    }
    const xEnd = arrival === null ? x1 : axes.xOf(arrival);
    if (m.dropT !== null) {
      parts.push(`<path d="M ${px(xEnd - 4)} ${px(y1 - 4)} L ${px(xEnd + 4)} ${px(y1 + 4)} M ${px(xEnd - 4)} ${px(y1 + 4)} L ${px(xEnd + 4)} ${px(y1 - 4)}" stroke="#555" stroke-width="1.8"/>`);
    } else if (arrival !== null) {
      const fromX = held ? xEnd - 10 : x0;
      const fromY = held ? y1 - 2 : y0;
      const angle = Math.atan2(y1 - fromY, xEnd - fromX);
      const head = (a: number): string => `${px(xEnd + 7 * Math.cos(a))} ${px(y1 + 7 * Math.sin(a))}`;
      parts.push(`<path d="M ${px(xEnd)} ${px(y1)} L ${head(angle + Math.PI - 0.4)} L ${head(angle + Math.PI + 0.4)} Z" fill="${color}"/>`);
    }
    svg.push(`<g opacity="0.85">${title}${parts.join('')}</g>`);
  }
  const legendAt = (x: number, y: number): { svg: string; end: number } => {
    const parts: string[] = [];
    let at = x;
    const label = (text: string): void => {
      parts.push(`<text x="${px(at)}" y="${px(y + 3.5)}" font-size="10" fill="#444">${escapeHtml(text)}</text>`);
      at += textWidthPx(text, 10) + 10;
    };
    label('Messages:');
    for (const [type, color] of colors) {
      parts.push(`<line x1="${px(at)}" y1="${px(y)}" x2="${px(at + 14)}" y2="${px(y)}" stroke="${color}" stroke-width="2.5"/>`);
      at += 18;
      label(type);
    }
    parts.push(`<line x1="${px(at)}" y1="${px(y)}" x2="${px(at + 14)}" y2="${px(y)}" stroke="${HELD_COLOR}" stroke-width="1.5" stroke-dasharray="4 2"/>`);
    at += 18;
    label('delayed on the way');
    label('✕ reached a crashed server · ○ never delivered');
    return { svg: `<g>${parts.join('')}</g>`, end: at };
  };
  return { svg, legendWidthPx: legendAt(0, 0).end, legend: (x, y) => legendAt(x, y).svg };
}
