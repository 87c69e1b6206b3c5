/**
 * @module A trace as a Lamport (space-time) diagram, in SVG: one horizontal lane per node, time from
 * left to right on a linear scale, each operation a bar on its client's lane from call to return,
 * each message an arrow from its send to its delivery, coloured by message type. A sender that
 * deviates from the protocol draws dashed arrows, and a lie (a message its own protocol machine did
 * not produce) carries a red cross; a message the fault schedule held runs along the receiver's lane
 * in orange from where it was held to where it was released; a message that reached a crashed node
 * ends in a grey cross; a message with no arrival in the trace ends in an open circle half-way.
 *
 * The SVG is self-contained (no script, no external font): it opens in a browser, and resvg renders
 * it with the shipped font (harness/charts/render.ts).
 */
import { FONT_FAMILY } from '../charts/theme.ts';
import { traceNodes, type Trace } from './events.ts';
import { arrivalOf, faultsOf, messagesOf, opsOf, type TracedMessage, type TracedOp } from './model.ts';
import { escapeHtml } from '../escape-html.ts';
import { textWidthPx } from '../charts/text-width.ts';

export interface LamportOptions {
  /** Draw from / to this time (ms); default: the span of what is drawn. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Draw only these operations and their messages (indices into the history). */
  readonly ops?: readonly number[];
  /** Draw only the operations and messages of this register. */
  readonly key?: string;
  /** Operations drawn with a red outline (e.g. a violation's excerpt). */
  readonly highlight?: readonly number[];
  readonly title?: string;
  /** A line under the title (default: what the trace is and what the window holds). */
  readonly subtitle?: string;
}

/**
 * Message type colours, assigned in alphabetical order of the types drawn: dark enough for thin lines
 * and small labels on white, and none of them the orange of held messages or the red of lies.
 */
const TYPE_COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#8c8c00', '#e377c2', '#393b79', '#7f7f7f', '#637939', '#bd9e39', '#6b6ecf'];
const LIE_COLOR = '#d62728';
const HELD_COLOR = '#e6550d';
const LEFT_PX = 150;
const RIGHT_PX = 40;
const TOP_PX = 66;
const LANE_PX = 58;
const AXIS_PX = 34;
const FONT_PX = 11;
/** Above this many messages, arrows are not labelled with their type (the legend's colours tell). */
const LABEL_LIMIT = 60;

/** The colour of each message type: the types in alphabetical order take the palette's colours in turn. */
export function typeColors(types: Iterable<string>): Map<string, string> {
  return new Map([...new Set(types)].sort().map((type, i) => [type, TYPE_COLORS[i % TYPE_COLORS.length]!]));
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}

function px(value: number): string {
  return value.toFixed(1);
}

/** Tick step of about `targetTicks` ticks over `span`: 1, 2 or 5 × 10^k. */
function tickStep(span: number, targetTicks: number): number {
  const raw = span / Math.max(1, targetTicks);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

function describeValue(value: string | null): string {
  if (value === null) return '⊥';
  return value.length > 14 ? `${value.slice(0, 12)}…` : value;
}

function opLabel(op: TracedOp): string {
  const what = op.kind === 'write' ? `write ${describeValue(op.value)}` : `read → ${op.status === 'ok' ? describeValue(op.value) : '?'}`;
  return `#${op.op} ${what}${op.status === 'crashed' ? ' (crashed)' : ''}`;
}

/** The time span a message covers in the diagram (send to arrival, whichever of them the trace has). */
function spanOf(message: TracedMessage): [number, number] {
  const times = [message.sendT, message.holdT, message.releaseT, message.deliverT, message.dropT].filter((t): t is number => t !== null);
  return [Math.min(...times), Math.max(...times)];
}

/** What a diagram of `trace` with `options` draws: its window, operations, messages and faults. */
export interface LamportSelection {
  readonly fromMs: number;
  readonly toMs: number;
  readonly ops: readonly TracedOp[];
  readonly messages: readonly TracedMessage[];
  readonly faults: readonly { t: number; node: string; action: string; cause: string }[];
}

export function selectLamport(trace: Trace, options: LamportOptions = {}): LamportSelection {
  const opFilter = options.ops === undefined ? null : new Set(options.ops);
  const ofKey = (key: string): boolean => options.key === undefined || key === options.key;
  const allOps = opsOf(trace).filter((op) => (opFilter === null || opFilter.has(op.op)) && ofKey(op.key));
  const allMessages = messagesOf(trace).filter((m) => (opFilter === null || (m.op !== null && opFilter.has(m.op))) && ofKey(m.key));

  // The window: given, or the span of the selected operations and messages.
  const times: number[] = [];
  for (const op of allOps) for (const t of [op.callT, op.returnT]) if (t !== null) times.push(t);
  for (const m of allMessages) times.push(...spanOf(m));
  const fromMs = options.fromMs ?? (times.length === 0 ? 0 : Math.min(...times));
  let toMs = options.toMs ?? (times.length === 0 ? fromMs + 1 : Math.max(...times));
  if (toMs <= fromMs) toMs = fromMs + 1;
  const inWindow = (a: number, b: number): boolean => b >= fromMs && a <= toMs;
  const ops = allOps.filter((op) => inWindow(op.callT ?? -Infinity, op.returnT ?? Infinity));
  const messages = allMessages.filter((m) => inWindow(...spanOf(m)));
  const faults = faultsOf(trace).filter((f) => f.t >= fromMs && f.t <= toMs);
  return { fromMs, toMs, ops, messages, faults };
}

/** The SVG elements drawn so far, and the one way text is added to them. */
class SvgOut {
  readonly parts: string[] = [];
  push(element: string): void {
    this.parts.push(element);
  }
  text(x: number, y: number, s: string, size = FONT_PX, fill = '#222', anchor = 'start', extra = ''): void {
    this.parts.push(`<text x="${px(x)}" y="${px(y)}" font-size="${size}" fill="${fill}" text-anchor="${anchor}"${extra}>${escapeHtml(s)}</text>`);
  }
}

/** Where things go: the lanes, the plot's time scale and the figure's size. */
interface Layout {
  readonly lanes: readonly string[];
  readonly laneIndex: ReadonlyMap<string, number>;
  readonly laneY: (node: string) => number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly widthPx: number;
  readonly plotRight: number;
  readonly xOf: (t: number) => number;
  readonly clampX: (t: number) => number;
  readonly axisY: number;
  readonly legendY: number;
}

/** Lanes: clients with something in the window, every server, hostile clients with messages. */
function lanesOf(trace: Trace, selection: LamportSelection): string[] {
  const involved = new Set<string>();
  for (const op of selection.ops) involved.add(op.node);
  for (const m of selection.messages) involved.add(m.from).add(m.to);
  for (const f of selection.faults) involved.add(f.node);
  const servers = new Set(trace.header.nodes.servers);
  const lanes = traceNodes(trace.header).filter((node) => servers.has(node) || involved.has(node));
  for (const node of involved) if (!lanes.includes(node)) lanes.push(node);
  return lanes;
}

/** Which nodes deviate (a lying strategy, a revert), for their lane labels. */
function deviationsOf(selection: LamportSelection): Map<string, string> {
  const deviation = new Map<string, string>();
  for (const m of selection.messages) if (m.faulty !== null && !deviation.has(m.from)) deviation.set(m.from, m.faulty);
  for (const f of selection.faults) if ((f.action === 'byzantine' || f.action === 'revert') && !deviation.has(f.node)) deviation.set(f.node, f.action === 'revert' ? 'reverted' : f.cause.replace(/^.*strategy /, ''));
  return deviation;
}

/** Renders `trace` (or the part the options select) as an SVG document. */
export function renderLamportSvg(trace: Trace, options: LamportOptions = {}): string {
  const selection = selectLamport(trace, options);
  const { fromMs, toMs, ops, messages } = selection;
  const lanes = lanesOf(trace, selection);
  const laneIndex = new Map(lanes.map((node, i) => [node, i]));
  const colorOf = typeColors(messages.map((m) => m.type));
  const title = options.title ?? `Messages of run ${trace.header.run} (${trace.header.protocol}, t = ${trace.header.t}, ${trace.header.engine}, seed ${trace.header.seed})`;
  const subtitle =
    options.subtitle ??
    `${fmt(fromMs)}–${fmt(toMs)} ms (${trace.header.engine === 'sim' ? 'virtual' : 'wall'} time) · ${messages.length} messages · ${ops.length} operations` +
      (trace.header.notRecorded > 0 ? ` · trace bound reached at ${fmt(trace.header.boundReachedAtMs ?? 0)} ms: ${trace.header.notRecorded} later events not recorded` : '') +
      (trace.header.incomplete.length > 0 ? ` · events of ${trace.header.incomplete.join(', ')} may be missing` : '');
  const legendLines = legendOf([...colorOf.keys()], messages);
  const plotWidth = Math.min(2000, Math.max(600, (toMs - fromMs) * 110));
  const widthPx = Math.ceil(
    Math.max(LEFT_PX + plotWidth + RIGHT_PX, 24 + textWidthPx(title, 15), 24 + textWidthPx(subtitle, 11), ...legendLines.map((line) => 24 + line.widthPx)),
  );
  const plotRight = widthPx - RIGHT_PX;
  const xOf = (t: number): number => LEFT_PX + ((t - fromMs) / (toMs - fromMs)) * (plotRight - LEFT_PX);
  const axisY = TOP_PX + lanes.length * LANE_PX;
  const layout: Layout = {
    lanes,
    laneIndex,
    laneY: (node) => TOP_PX + (laneIndex.get(node) ?? 0) * LANE_PX + LANE_PX / 2,
    fromMs,
    toMs,
    widthPx,
    plotRight,
    xOf,
    clampX: (t) => xOf(Math.min(toMs, Math.max(fromMs, t))),
    axisY,
    legendY: axisY + AXIS_PX + 8,
  };
  const heightPx = layout.legendY + legendLines.length * 16 + 12;

  const out = new SvgOut();
  out.push(`<rect x="0" y="0" width="${widthPx}" height="${heightPx}" fill="white"/>`);
  out.text(12, 22, title, 15);
  out.text(12, 42, subtitle, 11, '#555');
  drawLanes(out, layout, trace, deviationsOf(selection));
  drawTimeAxis(out, layout);
  drawFaults(out, layout, selection.faults);
  drawOperations(out, layout, ops, new Set(options.highlight ?? []));
  drawMessages(out, layout, messages, colorOf);
  drawLegend(out, layout, legendLines);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" font-family="${FONT_FAMILY}, sans-serif">\n${out.parts.join('\n')}\n</svg>\n`;
}

/** Lanes and their labels (node, role, and how it deviates). */
function drawLanes(out: SvgOut, layout: Layout, trace: Trace, deviation: ReadonlyMap<string, string>): void {
  const servers = new Set(trace.header.nodes.servers);
  layout.lanes.forEach((node, i) => {
    const top = TOP_PX + i * LANE_PX;
    out.push(`<rect x="0" y="${top}" width="${layout.widthPx}" height="${LANE_PX}" fill="${i % 2 === 0 ? '#f8f8f8' : '#efefef'}"/>`);
    out.push(`<line x1="${LEFT_PX}" y1="${px(top + LANE_PX / 2)}" x2="${layout.plotRight}" y2="${px(top + LANE_PX / 2)}" stroke="#9a9a9a" stroke-width="1"/>`);
    const role = servers.has(node) ? 'server' : trace.header.nodes.hostile.includes(node) ? 'hostile client' : trace.header.nodes.writers.includes(node) ? 'writer' : 'reader';
    const faulty = deviation.get(node);
    out.text(10, top + LANE_PX / 2 - 2, node, 13, faulty === undefined ? '#222' : LIE_COLOR);
    out.text(10, top + LANE_PX / 2 + 13, faulty === undefined ? role : `${role} · ${faulty}`, 9, faulty === undefined ? '#666' : LIE_COLOR);
  });
}

function drawTimeAxis(out: SvgOut, layout: Layout): void {
  const { fromMs, toMs, axisY } = layout;
  const step = tickStep(toMs - fromMs, Math.max(2, Math.floor((layout.plotRight - LEFT_PX) / 90)));
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs + step * 1e-9; t += step) {
    const x = layout.xOf(t);
    out.push(`<line x1="${px(x)}" y1="${TOP_PX}" x2="${px(x)}" y2="${axisY}" stroke="#d8d8d8" stroke-dasharray="2 3"/>`);
    out.text(x, axisY + 14, fmt(Number(t.toPrecision(12))), 10, '#555', 'middle');
  }
  out.text(LEFT_PX - 20, axisY + 14, 'ms:', 10, '#555', 'end');
}

/** Faults on their lanes: a crash greys the rest of the lane; a strategy or revert is a diamond. */
function drawFaults(out: SvgOut, layout: Layout, faults: LamportSelection['faults']): void {
  for (const fault of faults) {
    if (!layout.laneIndex.has(fault.node)) continue;
    const x = layout.xOf(fault.t);
    const y = layout.laneY(fault.node);
    if (fault.action === 'crash') {
      out.push(`<rect x="${px(x)}" y="${px(y - LANE_PX / 2 + 2)}" width="${px(Math.max(2, layout.plotRight - x))}" height="${LANE_PX - 4}" fill="#bdbdbd" opacity="0.45"/>`);
      out.push(`<path d="M ${px(x - 6)} ${px(y - 6)} L ${px(x + 6)} ${px(y + 6)} M ${px(x - 6)} ${px(y + 6)} L ${px(x + 6)} ${px(y - 6)}" stroke="#333" stroke-width="2.5"/>`);
      out.text(x + 9, y - 8, 'crashed', 9, '#333');
    } else {
      out.push(`<path d="M ${px(x)} ${px(y - 7)} L ${px(x + 7)} ${px(y)} L ${px(x)} ${px(y + 7)} L ${px(x - 7)} ${px(y)} Z" fill="#9467bd" stroke="#4a1486"/>`);
      out.text(x + 9, y - 8, fault.action === 'byzantine' ? `turns Byzantine (${fault.cause})` : fault.action === 'revert' ? 'reverts its memory' : fault.action, 9, '#4a1486');
    }
  }
}

/** Operations: bars on their clients' lanes, dashed while pending, red when highlighted. */
function drawOperations(out: SvgOut, layout: Layout, ops: readonly TracedOp[], highlight: ReadonlySet<number>): void {
  for (const op of ops) {
    const y = layout.laneY(op.node);
    const x0 = op.callT === null ? LEFT_PX : layout.clampX(op.callT);
    const pending = op.returnT === null;
    const x1 = pending ? layout.plotRight : layout.clampX(op.returnT!);
    const hl = highlight.has(op.op);
    const fill = op.kind === 'write' ? '#d4f5d0' : '#cfe3ff';
    // A label longer than its bar shrinks to the operation's number (the bar's tooltip has the rest).
    const label = opLabel(op);
    const fits = textWidthPx(label, 10) <= Math.max(x1 - x0, 60);
    out.push(
      `<g class="operation"><title>${escapeHtml(`${label}${op.callT === null ? '' : ` called ${fmt(op.callT)} ms`}${op.returnT === null ? '' : `, returned ${fmt(op.returnT)} ms`} (key ${op.key})`)}</title>` +
        `<rect x="${px(x0)}" y="${px(y - 9)}" width="${px(Math.max(3, x1 - x0))}" height="18" rx="3" fill="${hl ? '#ffd0d0' : fill}" fill-opacity="0.85" stroke="${hl ? '#d00' : '#555'}" stroke-width="${hl ? 2.5 : 1}"${pending ? ' stroke-dasharray="6 3"' : ''}/></g>`,
    );
    out.text(x0 + 3, y - 13, fits ? label : `#${op.op}`, 10, hl ? '#900' : '#222');
  }
}

/** Messages as arrows; messages held at one node at once are drawn one above the other. */
function drawMessages(out: SvgOut, layout: Layout, messages: readonly TracedMessage[], colorOf: ReadonlyMap<string, string>): void {
  const labelled = messages.length <= LABEL_LIMIT;
  const heldAt = new Map<string, number>();
  const { xOf, clampX, laneY, fromMs, toMs, plotRight } = layout;
  for (const message of messages) {
    let heldRow = 0;
    if (message.holdT !== null) {
      heldRow = heldAt.get(message.to) ?? 0;
      heldAt.set(message.to, heldRow + 1);
    }
    drawMessage(out.parts, message, { xOf, clampX, laneY, fromMs, toMs, plotRight, color: colorOf.get(message.type)!, labelled, heldOffsetPx: 3 + (heldRow % 4) * 5 });
  }
}

function drawLegend(out: SvgOut, layout: Layout, legendLines: ReturnType<typeof legendOf>): void {
  legendLines.forEach((line, i) => {
    const y = layout.legendY + i * 16 + 10;
    let x = 12;
    for (const item of line.items) {
      out.push(item.swatch(x, y));
      out.text(x + 22, y + 4, item.label, 10, '#333');
      x += 22 + textWidthPx(item.label, 10) + 16;
    }
  });
}

interface DrawContext {
  readonly xOf: (t: number) => number;
  readonly clampX: (t: number) => number;
  readonly laneY: (node: string) => number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly plotRight: number;
  readonly color: string;
  readonly labelled: boolean;
  /** How far above the receiver's lane line a held message runs. */
  readonly heldOffsetPx: number;
}

function arrowHead(x: number, y: number, fromX: number, fromY: number, color: string): string {
  const angle = Math.atan2(y - fromY, x - fromX);
  const size = 8;
  const a = angle + Math.PI - 0.4;
  const b = angle + Math.PI + 0.4;
  return `<path d="M ${px(x)} ${px(y)} L ${px(x + size * Math.cos(a))} ${px(y + size * Math.sin(a))} L ${px(x + size * Math.cos(b))} ${px(y + size * Math.sin(b))} Z" fill="${color}"/>`;
}

function cross(x: number, y: number, color: string, size: number, width: number): string {
  return `<path d="M ${px(x - size)} ${px(y - size)} L ${px(x + size)} ${px(y + size)} M ${px(x - size)} ${px(y + size)} L ${px(x + size)} ${px(y - size)}" stroke="${color}" stroke-width="${width}"/>`;
}

/** The point at time `t` on the straight line from (t0, y0) to (t1, y1). */
function along(t0: number, y0: number, t1: number, y1: number, t: number): number {
  return t1 === t0 ? y1 : y0 + ((t - t0) / (t1 - t0)) * (y1 - y0);
}

function drawMessage(out: string[], message: TracedMessage, ctx: DrawContext): void {
  const { xOf, laneY, fromMs, toMs, color } = ctx;
  const yFrom = laneY(message.from);
  const yTo = laneY(message.to);
  const dash = message.faulty !== null ? ' stroke-dasharray="6 3"' : '';
  const title = `<title>${escapeHtml(`${message.type} ${message.from} → ${message.to} (${message.bytes} B${message.op === null ? '' : `, op #${message.op}`}${message.initiated ? ', server-initiated' : ''}${message.faulty === null ? '' : `, sender ${message.faulty}${message.lie ? ', a lie' : ''}`})` + (message.sendT === null ? '' : ` sent ${fmt(message.sendT)} ms`) + (message.holdT === null ? '' : `, held ${fmt(message.holdT)}–${message.releaseT === null ? 'end' : fmt(message.releaseT)} ms`) + (arrivalOf(message) === null ? ', no arrival in the trace' : `, ${message.dropT !== null ? 'dropped' : 'delivered'} ${fmt(arrivalOf(message)!)} ms`))}</title>`;
  const parts: string[] = [title];
  // Where the line from the sender ends: the hold point, the arrival, or half-way when nothing arrived.
  const arrival = arrivalOf(message);
  const lineEndT = message.holdT ?? arrival;
  const startT = message.sendT ?? lineEndT!;
  const startY = message.sendT === null ? yTo : yFrom;
  let endT: number;
  let endY: number;
  if (lineEndT === null) {
    // Nothing arrived in the trace: an open circle half-way, in the direction of the receiver.
    endT = startT + Math.max((toMs - fromMs) * 0.03, 1e-9);
    endY = (yFrom + yTo) / 2;
  } else {
    endT = lineEndT;
    endY = yTo;
  }
  // Clip the line to the window (a message may start before it or end after it).
  const t0 = Math.max(fromMs, startT);
  const t1 = Math.min(toMs, endT);
  const y0 = along(startT, startY, endT, endY, t0);
  const y1 = along(startT, startY, endT, endY, t1);
  const x0 = xOf(t0);
  const x1 = xOf(t1);
  if (message.sendT !== null && t0 <= t1) parts.push(`<line x1="${px(x0)}" y1="${px(y0)}" x2="${px(x1)}" y2="${px(y1)}" stroke="${color}" stroke-width="1.6"${dash}/>`);
  if (lineEndT === null) {
    parts.push(`<circle cx="${px(x1)}" cy="${px(y1)}" r="3.5" fill="white" stroke="${color}" stroke-width="1.5"/>`);
  } else if (message.holdT !== null) {
    // Held: along the receiver's lane, from where it was held to its release (or the window's end).
    const heldUntil = message.releaseT ?? toMs;
    const hx0 = ctx.clampX(message.holdT);
    const hx1 = ctx.clampX(heldUntil);
    const hy = yTo - ctx.heldOffsetPx;
    parts.push(`<line x1="${px(hx0)}" y1="${px(hy)}" x2="${px(Math.max(hx1, hx0 + 2))}" y2="${px(hy)}" stroke="${HELD_COLOR}" stroke-width="3.5" stroke-opacity="0.85"/>`);
    parts.push(`<circle cx="${px(hx0)}" cy="${px(hy)}" r="3" fill="${HELD_COLOR}"/>`);
    if (arrival !== null && arrival <= toMs) {
      parts.push(`<line x1="${px(hx1)}" y1="${px(hy)}" x2="${px(xOf(arrival))}" y2="${px(yTo)}" stroke="${color}" stroke-width="1.6"/>`);
      parts.push(message.dropT !== null ? cross(xOf(arrival), yTo, '#555', 5, 2) : arrowHead(xOf(arrival), yTo, xOf(arrival) - 10, hy, color));
    }
  } else if (t1 === endT) {
    parts.push(message.dropT !== null ? cross(x1, y1, '#555', 5, 2) : arrowHead(x1, y1, x0, y0, color));
  }
  if (message.lie && message.sendT !== null && t0 <= t1) parts.push(cross((x0 + x1) / 2, (y0 + y1) / 2, LIE_COLOR, 4.5, 2.2));
  if (ctx.labelled && message.sendT !== null && t0 <= t1) {
    const lx = x0 + (x1 - x0) * 0.6;
    const ly = y0 + (y1 - y0) * 0.6;
    parts.push(`<text x="${px(lx + 3)}" y="${px(ly - 3)}" font-size="8.5" fill="${color}" stroke="white" stroke-width="2.5" paint-order="stroke">${escapeHtml(message.type)}</text>`);
  }
  out.push(`<g class="message">${parts.join('')}</g>`);
}

interface LegendItem {
  readonly label: string;
  readonly swatch: (x: number, y: number) => string;
}

/** The legend, wrapped into lines of at most ~1100 px. */
function legendOf(types: readonly string[], messages: readonly TracedMessage[]): { items: LegendItem[]; widthPx: number }[] {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.type, (counts.get(m.type) ?? 0) + 1);
  const colors = typeColors(types);
  const items: LegendItem[] = types.map((type) => {
    const color = colors.get(type)!;
    return { label: `${type} (${counts.get(type)})`, swatch: (x, y) => `<line x1="${x}" y1="${y}" x2="${x + 16}" y2="${y}" stroke="${color}" stroke-width="2.5"/>` };
  });
  items.push(
    { label: 'operation (read, write; red outline: cited by the checker; dashed: no return)', swatch: (x, y) => `<rect x="${x}" y="${y - 5}" width="16" height="10" rx="2" fill="#d4f5d0" stroke="#555"/>` },
    { label: 'dashed arrow: faulty sender', swatch: (x, y) => `<line x1="${x}" y1="${y}" x2="${x + 16}" y2="${y}" stroke="#555" stroke-width="1.6" stroke-dasharray="6 3"/>` },
    { label: 'lie (not what its own machine sent)', swatch: (x, y) => cross(x + 8, y, LIE_COLOR, 4.5, 2.2) },
    { label: 'held by the fault schedule', swatch: (x, y) => `<line x1="${x}" y1="${y}" x2="${x + 16}" y2="${y}" stroke="${HELD_COLOR}" stroke-width="4"/>` },
    { label: 'dropped: receiver crashed', swatch: (x, y) => cross(x + 8, y, '#555', 5, 2) },
    { label: 'no arrival in the trace', swatch: (x, y) => `<circle cx="${x + 8}" cy="${y}" r="3.5" fill="white" stroke="#555" stroke-width="1.5"/>` },
  );
  const lines: { items: LegendItem[]; widthPx: number }[] = [];
  let current: { items: LegendItem[]; widthPx: number } = { items: [], widthPx: 0 };
  for (const item of items) {
    const width = 22 + textWidthPx(item.label, 10) + 16;
    if (current.items.length > 0 && current.widthPx + width > 1100) {
      lines.push(current);
      current = { items: [], widthPx: 0 };
    }
    current.items.push(item);
    current.widthPx += width;
  }
  if (current.items.length > 0) lines.push(current);
  return lines;
}
