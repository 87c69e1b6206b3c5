/**
 * @module Appendix A in `reproduce`: configs/paper/appendix-a.yaml runs the proof's runs (run1 …
 * run6) against the UNSAFE fast-write strawman and against PoWerStore; this module judges each run
 * against the outcome the proof predicts (which value each read returns, and the checker's verdict),
 * draws each run as a figure (lanes for the clients and the blocks T1..T4: operations, delayed links,
 * crashes, T2's revert, the checker's violation excerpt in red) and writes the checker's own HTML
 * timeline for every violation.
 */
import type { ScheduleEntry, ScriptOp } from '../faults/schedule-schema.ts';
import type { ExperimentConfig } from '../config/schema.ts';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkHistory, parseJsonlHistory, renderTimelineHtml, type CheckResult } from '../checker/index.ts';
import type { HistoryRecord } from '../history/types.ts';
import { historyFileName } from '../results/writer.ts';
import { FONT_FAMILY, VERDICT_COLORS } from '../charts/theme.ts';
import type { CsvRow } from '../results/csv.ts';
import { writeFileAtomic } from '../results/writer.ts';
import { svgToPng } from '../charts/render.ts';
import type { Trace } from '../trace/events.ts';
import { readTraceFile } from '../trace/file.ts';
import { drawFigureMessages, messageTimes } from '../trace/figure-messages.ts';
import { traceFileName } from '../trace/run-trace.ts';
import { escapeHtml } from '../escape-html.ts';
import { textWidthPx } from '../charts/text-width.ts';

/** The config file of this experiment in configs/paper/. */
export const APPENDIX_FILE = 'appendix-a.yaml';

export const APPENDIX_RUNS = ['run1', 'run1-prime', 'run2', 'run3', 'run4', 'run5', 'run6'] as const;
export type AppendixRun = (typeof APPENDIX_RUNS)[number];
/** The runs that break a read rule, drawn inline in the report (the others are linked). */
export const DECISIVE_RUNS: readonly AppendixRun[] = ['run4', 'run6'];

/** What an operation of the script did: a write `done` or `pending`; a read returned `v`, `⊥` or is `pending`. */
export type OpOutcome = 'done' | 'pending' | 'v' | '⊥' | string;

export interface Prediction {
  readonly ops: Readonly<Record<string, OpOutcome>>;
  readonly verdict: 'ok' | 'violation';
  /** One sentence: why, in the proof's terms. */
  readonly why: string;
}

/**
 * The outcome Appendix A predicts, worked out by hand from the proof (docs/appendix-a.md):
 * `protocol` is `fastwrite-strawman` with `rule` 't' or 't+1', or `powerstore` (rule 'n/a').
 */
export function predict(protocol: string, rule: string, run: string): Prediction | undefined {
  const partial = { wr: 'pending' } as const;
  if (protocol === 'powerstore') {
    switch (run) {
      case 'run1':
        return { ops: partial, verdict: 'ok', why: 'the writer crashed during its first round' };
      case 'run1-prime':
      case 'run2':
        return { ops: { wr: 'done' }, verdict: 'ok', why: 'wr completes in 2 rounds without T4' };
      case 'run3':
      case 'run5':
        return { ops: { ...partial, rd1: '⊥' }, verdict: 'ok', why: 'no server saw the write complete (no COMPLETE was sent): rd1 returns ⊥ in 1 round' };
      case 'run4':
        return { ops: { wr: 'done', rd1: 'v' }, verdict: 'ok', why: "T3 holds lc = (1, N): r1 can tell run4 from run3, waits for T1 / T4's delayed messages and returns v" };
      case 'run6':
        return { ops: { ...partial, rd1: '⊥', rd2: '⊥' }, verdict: 'ok', why: 'rd1 returned ⊥, so rd2 may too' };
      default:
        return undefined;
    }
  }
  if (protocol !== 'fastwrite-strawman' || (rule !== 't' && rule !== 't+1')) return undefined;
  const seen = rule === 't' ? 'v' : '⊥';
  switch (run) {
    case 'run1':
      return { ops: partial, verdict: 'ok', why: 'w crashed after writing v to T3 only' };
    case 'run1-prime':
    case 'run2':
      return { ops: { wr: 'done' }, verdict: 'ok', why: 'wr completes in 1 round with the acks of T1, T2, T3' };
    case 'run3':
    case 'run5':
      return { ops: { ...partial, rd1: seen }, verdict: 'ok', why: `v is held by T3 only (t servers): rule '${rule}' returns ${seen}` };
    case 'run4':
      return rule === 't+1'
        ? { ops: { wr: 'done', rd1: '⊥' }, verdict: 'violation', why: "r1's view equals run3's: v held by T3 only, fewer than t + 1, so rd1 returns ⊥ after wr completed" }
        : { ops: { wr: 'done', rd1: 'v' }, verdict: 'ok', why: 'rule t returns v, held by T3' };
    case 'run6':
      return rule === 't'
        ? { ops: { ...partial, rd1: 'v', rd2: '⊥' }, verdict: 'violation', why: 'rd1 returned v held by T3 only and wrote back metadata only; T3 crashed, rd2 finds v nowhere and returns ⊥' }
        : { ops: { ...partial, rd1: '⊥', rd2: '⊥' }, verdict: 'ok', why: 'rule t + 1: rd1 already returned ⊥' };
    default:
      return undefined;
  }
}

// ------------------------------------------------------------------ config pieces (as the sweep wrote them)

/** A config's node references (a node, a block, or a list of them) as a list. */
function refList(ref: string | readonly string[] | undefined): readonly string[] {
  return ref === undefined ? [] : typeof ref === 'string' ? [ref] : ref;
}

/**
 * The history record of each script operation: the k-th operation of a client is its k-th entry in
 * the script (a client runs one operation at a time, in script order).
 */
export function recordsOfScript(script: readonly ScriptOp[], history: readonly HistoryRecord[]): Map<string, { index: number; record: HistoryRecord }> {
  const byClient = new Map<string, number[]>();
  history.forEach((r, index) => {
    const list = byClient.get(r.client) ?? [];
    list.push(index);
    byClient.set(r.client, list);
  });
  for (const list of byClient.values()) list.sort((a, b) => history[a]!.call - history[b]!.call);
  const used = new Map<string, number>();
  const out = new Map<string, { index: number; record: HistoryRecord }>();
  for (const entry of script) {
    const k = used.get(entry.client) ?? 0;
    used.set(entry.client, k + 1);
    const index = byClient.get(entry.client)?.[k];
    if (index !== undefined) out.set(entry.id, { index, record: history[index]! });
  }
  return out;
}

/** `v` for the value the script's write wrote, `⊥` for the initial value. */
export function outcomeOf(record: HistoryRecord | undefined, writtenValues: ReadonlySet<string>): OpOutcome {
  if (record === undefined) return 'not run';
  if (record.op === 'write') return record.status === 'ok' ? 'done' : record.status;
  if (record.status !== 'ok') return record.status;
  if (record.value === null) return '⊥';
  return writtenValues.has(record.value) ? 'v' : record.value;
}

// ------------------------------------------------------------------ analysis of one point

export interface AppendixPointInput {
  readonly pointId: string;
  /** Folder name of the point under `points/`. */
  readonly pointDir: string;
  readonly values: Readonly<Record<string, string | number | boolean | null>>;
  /** The point's config as the config schema reads it. */
  readonly config: ExperimentConfig;
}

export interface AppendixRow {
  readonly point: string;
  readonly run: string;
  readonly protocol: string;
  readonly readRule: string;
  readonly t: number;
  readonly n: number;
  /** Outcome per script op id (wr, rd1, rd2), '' when the run has no such op. */
  readonly wr: string;
  readonly rd1: string;
  readonly rd2: string;
  readonly verdict: string;
  readonly predictedVerdict: string;
  readonly predictedOps: string;
  readonly matchesPrediction: boolean;
  readonly why: string;
  /** Relative paths (from the experiment folder) of the figure and, for a violation, the checker's timeline. */
  readonly figure: string;
  readonly timeline: string;
  /** The checker's explanation of the violation, if any. */
  readonly explanation: string;
}

export interface AppendixFigure {
  readonly name: string;
  readonly title: string;
  readonly svg: string;
}

export interface AppendixReportData {
  readonly rows: readonly AppendixRow[];
  /** Figures drawn inline in the report (the decisive runs). */
  readonly figures: readonly AppendixFigure[];
}

function opLabel(outcomes: Readonly<Record<string, OpOutcome>>): string {
  return Object.entries(outcomes)
    .map(([id, o]) => `${id}: ${o}`)
    .join(', ');
}

/**
 * Judges every point of the appendix experiment (its runner outputs are under `<dir>/points/…`),
 * writes `figures/<point>.svg` and `.png`, each violation's checker timeline as
 * `points/<point>/timeline.html`, and returns the table and the inline figures.
 */
export async function analyseAppendix(dir: string, points: readonly AppendixPointInput[]): Promise<AppendixReportData> {
  const figuresDir = join(dir, 'figures');
  mkdirSync(figuresDir, { recursive: true });
  const rows: AppendixRow[] = [];
  const figures: AppendixFigure[] = [];
  for (const point of points) {
    const historyPath = join(dir, 'points', point.pointDir, 'history', historyFileName('base#0'));
    const history = existsSync(historyPath) ? parseJsonlHistory(readFileSync(historyPath, 'utf8')) : [];
    // The run's messages, when the experiment traced them (configs/paper/appendix-a.yaml does).
    const tracePath = join(dir, 'points', point.pointDir, traceFileName('base#0'));
    const trace = existsSync(tracePath) ? readTraceFile(tracePath) : undefined;
    const check = await checkHistory(history, { excerpt: true, workers: 0 });
    const config = point.config;
    const script = config.workload.script ?? [];
    const byOp = recordsOfScript(script, history);
    const written = new Set(history.filter((r) => r.op === 'write' && r.value !== null).map((r) => r.value as string));
    const outcomes: Record<string, OpOutcome> = {};
    for (const entry of script) outcomes[entry.id] = outcomeOf(byOp.get(entry.id)?.record, written);
    const protocol = String(point.values['protocol'] ?? config.protocol.name);
    const rule = String(point.values['readRule'] ?? 'n/a');
    const run = String(point.values['name'] ?? config.name);
    const t = config.protocol.t;
    const blocks = config.blocks ?? {};
    const n = Object.values(blocks).reduce((sum, members) => sum + members.length, 0);
    const prediction = predict(protocol, rule, run);
    const matches =
      prediction !== undefined &&
      prediction.verdict === check.verdict &&
      Object.entries(prediction.ops).every(([id, o]) => outcomes[id] === o) &&
      script.every((e) => Object.hasOwn(prediction.ops, e.id));
    let timeline = '';
    if (check.verdict === 'violation') {
      timeline = join('points', point.pointDir, 'timeline.html');
      writeFileAtomic(join(dir, timeline), renderTimelineHtml(history, check));
    }
    const name = `${run}-${protocol === 'powerstore' ? 'powerstore' : `strawman-${rule === 't' ? 't' : 'tplus1'}`}-t${t}`;
    const title = `${run} · ${protocol === 'powerstore' ? 'PoWerStore' : `strawman, read rule ${rule}`} · t = ${t} (n = ${n})`;
    const svg = renderRunFigure({
      title,
      subtitle: `checker: ${check.verdict}${point.config.expectViolation && check.verdict === 'violation' ? ' (expected)' : ''} · predicted: ${prediction?.verdict ?? '?'}${matches ? '' : ' · DIFFERS FROM THE PREDICTION'}`,
      verdict: check.verdict,
      expectViolation: point.config.expectViolation,
      script,
      history,
      byOp,
      outcomes,
      schedule: config.schedule ?? [],
      blocks,
      check,
      ...(trace === undefined ? {} : { trace }),
    });
    writeFileAtomic(join(figuresDir, `${name}.svg`), svg);
    writeFileAtomic(join(figuresDir, `${name}.png`), svgToPng(svg));
    if ((DECISIVE_RUNS as readonly string[]).includes(run)) figures.push({ name, title, svg });
    rows.push({
      point: point.pointId,
      run,
      protocol,
      readRule: rule,
      t,
      n,
      wr: outcomes['wr'] ?? '',
      rd1: outcomes['rd1'] ?? '',
      rd2: outcomes['rd2'] ?? '',
      verdict: check.verdict,
      predictedVerdict: prediction?.verdict ?? '?',
      predictedOps: prediction === undefined ? '?' : opLabel(prediction.ops),
      matchesPrediction: matches,
      why: prediction?.why ?? '',
      figure: join('figures', `${name}.svg`),
      timeline,
      explanation: check.excerpt?.explanation ?? '',
    });
  }
  return { rows, figures };
}

export function appendixCsvRows(rows: readonly AppendixRow[]): CsvRow[] {
  return rows.map((r) => ({ ...r }));
}

// ------------------------------------------------------------------ the figure

export interface RunFigureInput {
  readonly title: string;
  readonly subtitle: string;
  readonly verdict: string;
  readonly expectViolation: boolean;
  readonly script: readonly ScriptOp[];
  readonly history: readonly HistoryRecord[];
  readonly byOp: ReadonlyMap<string, { index: number; record: HistoryRecord }>;
  readonly outcomes: Readonly<Record<string, OpOutcome>>;
  readonly schedule: readonly ScheduleEntry[];
  readonly blocks: Readonly<Record<string, readonly string[]>>;
  readonly check: CheckResult;
  /** The run's message trace: when given, every message is drawn as an arrow between lanes. */
  readonly trace?: Trace;
}

const LEFT_PX = 150;
const TOP_PX = 58;
const LANE_PX = 40;
const SLOT_PX = 78;
const FONT_PX = 11;

function fmtMs(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : String(Number(ms.toFixed(3)));
}

interface TimedAction {
  readonly entry: ScheduleEntry;
  /** Virtual ms, or null if its trigger never happened (e.g. after an op that never returned). */
  readonly atMs: number | null;
}

/**
 * When the run stopped: the runner stops once no operation is in flight and the script has nothing
 * left to start, so at the last return, unless an operation of a client that did not crash never
 * returned (then the run went on to its time limit: Infinity here).
 */
export function runEndMs(schedule: readonly ScheduleEntry[], byOp: ReadonlyMap<string, { record: HistoryRecord }>): number {
  const crashed = new Set(schedule.flatMap((e) => (e.action === 'crash' ? refList(e.node) : [])));
  let end = 0;
  for (const { record } of byOp.values()) {
    if (record.status === 'ok' && record.return !== null) end = Math.max(end, record.return);
    else if (!crashed.has(record.client)) return Infinity;
  }
  return end;
}

/**
 * When each schedule action fired, from its trigger and the history's call/return times; null when
 * its trigger never happened (an op that never returned) or the run had ended before its time.
 */
export function resolveActionTimes(schedule: readonly ScheduleEntry[], byOp: ReadonlyMap<string, { record: HistoryRecord }>): TimedAction[] {
  const end = runEndMs(schedule, byOp);
  return schedule.map((entry) => {
    let atMs: number | null = null;
    if (entry.atMs !== undefined) atMs = entry.atMs;
    else if (entry.after !== undefined) atMs = byOp.get(entry.after)?.record.return ?? null;
    else if (entry.atStartOf !== undefined) atMs = byOp.get(entry.atStartOf)?.record.call ?? null;
    return { entry, atMs: atMs !== null && atMs <= end ? atMs : null };
  });
}

/** A figure being drawn: its elements, and where lanes and times are. */
interface RunFigure {
  readonly out: string[];
  readonly text: (x: number, y: number, s: string, size?: number, fill?: string, anchor?: string) => void;
  readonly clients: readonly string[];
  readonly laneY: (lane: string) => number;
  /** The block lanes a node reference (a node, a block, or a list of them) falls on. */
  readonly lanesOf: (ref: string | readonly string[] | undefined) => string[];
  readonly xOf: (t: number) => number;
  /** Where the axis ends (the run's end). */
  readonly xEnd: number;
}

/** The distinct event times of a run: calls, returns, schedule actions, and messages if traced. */
function figureTimes(input: RunFigureInput, actions: readonly TimedAction[]): number[] {
  const times = new Set<number>([0]);
  for (const { record } of input.byOp.values()) {
    times.add(record.call);
    if (record.return !== null && record.status !== 'pending') times.add(record.return);
  }
  for (const a of actions) if (a.atMs !== null) times.add(a.atMs);
  if (input.trace !== undefined) for (const t of messageTimes(input.trace)) times.add(t);
  return [...times].sort((a, b) => a - b);
}

/**
 * One run as an SVG: a lane per client (its operations, from call to return, with the value a read
 * returned) and per block (messages delayed to it, its crash, T2's revert). The x axis orders the
 * distinct event times (labelled in virtual ms), as the checker's timeline does, so that events 1 ms
 * apart and a release at 40 ms are all legible.
 */
export function renderRunFigure(input: RunFigureInput): string {
  const actions = resolveActionTimes(input.schedule, input.byOp);
  const clients = [...new Set(input.script.map((e) => e.client))];
  const blockNames = Object.keys(input.blocks).sort();
  const blockOf = new Map<string, string>();
  for (const [name, members] of Object.entries(input.blocks)) for (const m of members) blockOf.set(m, name);
  const laneOfBlock = (node: string): string | undefined => (Object.hasOwn(input.blocks, node) ? node : blockOf.get(node));
  const sorted = figureTimes(input, actions);
  const rank = new Map(sorted.map((t, i) => [t, i]));
  const xOf = (t: number) => LEFT_PX + ((rank.get(t) ?? 0) + 0.5) * SLOT_PX;
  const xEnd = LEFT_PX + (sorted.length + 0.4) * SLOT_PX;
  const legend = [
    'Bars: operations from call to return (dashed: never returned); red outline: the operations the checker cites.',
    'Orange: messages delayed on that link (asynchrony); grey: never sent / server crashed; purple: T2 reverts its memory.',
  ];
  const lanes = [...clients, ...blockNames];
  const laneY = (lane: string) => TOP_PX + lanes.indexOf(lane) * LANE_PX;
  const laneCentre = (node: string): number | undefined => {
    const lane = clients.includes(node) ? node : blockOf.get(node);
    return lane === undefined ? undefined : laneY(lane) + LANE_PX / 2;
  };
  const messages = input.trace === undefined ? undefined : drawFigureMessages(input.trace, { laneY: laneCentre, xOf });
  const widthPx = Math.ceil(
    Math.max(xEnd + 24, 28 + textWidthPx(input.subtitle, 11) + 24, 12 + textWidthPx(input.title, 15) + 24, ...legend.map((l) => 12 + textWidthPx(l, 10) + 12), 12 + (messages?.legendWidthPx ?? 0) + 12),
  );
  const axisY = TOP_PX + lanes.length * LANE_PX;
  const heightPx = axisY + 62 + (input.trace === undefined ? 0 : 16);
  const out: string[] = [];
  const text = (x: number, y: number, s: string, size = FONT_PX, fill = '#222', anchor = 'start') =>
    void out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}" fill="${fill}" text-anchor="${anchor}">${escapeHtml(s)}</text>`);
  const figure: RunFigure = {
    out,
    text,
    clients,
    laneY,
    lanesOf: (ref) => [...new Set(refList(ref).flatMap((node) => laneOfBlock(node) ?? []))],
    xOf,
    xEnd,
  };

  out.push(`<rect x="0" y="0" width="${widthPx}" height="${heightPx}" fill="white"/>`);
  text(12, 22, input.title, 15);
  const verdictKey = input.verdict === 'violation' ? (input.expectViolation ? 'violation (expected)' : 'violation') : input.verdict;
  out.push(`<rect x="12" y="32" width="10" height="10" fill="${VERDICT_COLORS[verdictKey] ?? '#d9d9d9'}" stroke="#888"/>`);
  text(28, 41, input.subtitle, 11, '#444');
  lanes.forEach((lane, i) => {
    const y = laneY(lane);
    out.push(`<rect x="0" y="${y}" width="${widthPx}" height="${LANE_PX}" fill="${i % 2 === 0 ? '#f7f7f7' : '#efefef'}"/>`);
    const label = Object.hasOwn(input.blocks, lane) ? `${lane} = {${input.blocks[lane]!.join(', ')}}` : lane;
    text(10, y + LANE_PX / 2 + 4, label, FONT_PX, '#333');
  });
  // Grid and axis: one tick per distinct event time.
  sorted.forEach((t) => {
    const x = xOf(t);
    out.push(`<line x1="${x}" y1="${TOP_PX}" x2="${x}" y2="${axisY}" stroke="#d0d0d0" stroke-dasharray="2 3"/>`);
    text(x, axisY + 14, `${fmtMs(t)}`, 10, '#555', 'middle');
  });
  text(LEFT_PX - 8, axisY + 14, 'ms:', 10, '#555', 'end');
  text(xEnd, axisY + 14, 'end', 10, '#555', 'middle');

  const crashedClientAt = clientCrashTimes(actions, clients);
  drawBlockActions(figure, actions, crashedClientAt);
  drawScriptOperations(figure, input);
  for (const [client, atMs] of crashedClientAt) {
    const x = xOf(atMs);
    const y = laneY(client) + LANE_PX - 5;
    out.push(`<path d="M ${x - 4} ${y - 4} L ${x + 4} ${y + 4} M ${x - 4} ${y + 4} L ${x + 4} ${y - 4}" stroke="#a50f15" stroke-width="2"/>`);
    text(x + 7, y + 3.5, `${client} crashes`, 9, '#a50f15');
  }
  if (messages !== undefined) {
    out.push(...messages.svg);
    out.push(messages.legend(12, axisY + 34 + 14 * legend.length - 4));
  }
  const legendY = axisY + 34;
  legend.forEach((line, i) => text(12, legendY + 14 * i, line, 10, '#444'));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" font-family="${FONT_FAMILY}, sans-serif">\n${out.join('\n')}\n</svg>\n`;
}

/** When each scripted client crashed (the schedule's crash actions that fired). */
function clientCrashTimes(actions: readonly TimedAction[], clients: readonly string[]): Map<string, number> {
  const crashedClientAt = new Map<string, number>();
  for (const a of actions) {
    if (a.entry.action !== 'crash' || a.atMs === null) continue;
    for (const node of refList(a.entry.node)) if (clients.includes(node)) crashedClientAt.set(node, a.atMs);
  }
  return crashedClientAt;
}

/** The release that ends `hold` (same link and message type, at or after `from`), if one fired. */
function releaseOf(actions: readonly TimedAction[], hold: ScheduleEntry, from: number): number | null {
  const sameRefs = (a: string | readonly string[] | undefined, b: string | readonly string[] | undefined): boolean => refList(a).join(',') === refList(b).join(',');
  for (const a of actions) {
    if (a.entry.action !== 'release' || a.atMs === null || a.atMs < from) continue;
    if (a.entry.action === 'release' && hold.action === 'hold' && sameRefs(a.entry.from, hold.from) && sameRefs(a.entry.to, hold.to) && (a.entry.messageType ?? '') === (hold.messageType ?? '')) return a.atMs;
  }
  return null;
}

/** Blocks: delayed links (stacked thin bands), crashes, reverts. */
function drawBlockActions(figure: RunFigure, actions: readonly TimedAction[], crashedClientAt: ReadonlyMap<string, number>): void {
  const { out, text, xOf, xEnd, laneY } = figure;
  const bandsPerLane = new Map<string, number>();
  for (const a of actions) {
    if (a.atMs === null) continue;
    const entry = a.entry;
    const lanes = entry.action === 'hold' ? figure.lanesOf(entry.to) : 'node' in entry ? figure.lanesOf(entry.node) : [];
    for (const lane of lanes) {
      switch (entry.action) {
        case 'hold': {
          const k = bandsPerLane.get(lane) ?? 0;
          bandsPerLane.set(lane, k + 1);
          const release = releaseOf(actions, entry, a.atMs);
          const x0 = xOf(a.atMs);
          const x1 = release === null ? xEnd : xOf(release);
          const y = laneY(lane) + 3 + k * 11;
          const senders = refList(entry.from);
          const from = senders.length === 0 ? 'anyone' : senders.join(', ');
          const neverSent = release === null && senders.length > 0 && senders.every((sender) => crashedClientAt.has(sender));
          out.push(`<rect x="${x0}" y="${y}" width="${Math.max(4, x1 - x0)}" height="9" fill="${neverSent ? '#e8e8e8' : '#fdd0a2'}" stroke="${neverSent ? '#999' : '#e6550d'}" stroke-width="0.8"${release === null ? ' stroke-dasharray="3 2"' : ''}/>`);
          const what = neverSent ? `${from}'s messages: never sent (${from} crashed)` : `${from} → ${lane} delayed${release === null ? '' : ` until ${fmtMs(release)} ms`}`;
          text(x0 + 3, y + 7.5, what, 8, '#7f2704');
          break;
        }
        case 'crash': {
          const x0 = xOf(a.atMs);
          const y = laneY(lane) + LANE_PX - 12;
          out.push(`<rect x="${x0}" y="${y}" width="${Math.max(4, xEnd - x0)}" height="9" fill="#bdbdbd" stroke="#636363" stroke-width="0.8"/>`);
          text(x0 + 3, y + 7.5, 'crashed', 8, '#111');
          break;
        }
        case 'revert': {
          const x = xOf(a.atMs);
          const y = laneY(lane) + LANE_PX - 8;
          out.push(`<path d="M ${x} ${y - 6} L ${x + 6} ${y} L ${x} ${y + 6} L ${x - 6} ${y} Z" fill="#9467bd" stroke="#4a1486"/>`);
          text(x + 9, y + 3.5, 'reverts its memory (Byzantine)', 9, '#4a1486');
          break;
        }
        default:
          break;
      }
    }
  }
}

/** Clients' operations as bars from call to return; red outline for those the checker cites. */
function drawScriptOperations(figure: RunFigure, input: RunFigureInput): void {
  const { out, text, xOf, xEnd, laneY } = figure;
  const marked = new Set(input.check.excerpt?.indices ?? []);
  for (const entry of input.script) {
    const found = input.byOp.get(entry.id);
    if (found === undefined) continue;
    const { index, record } = found;
    const y = laneY(record.client) + 6;
    const x0 = xOf(record.call) - 3;
    const pending = record.status !== 'ok' || record.return === null;
    const x1 = pending ? xEnd : xOf(record.return!) + 3;
    const outcome = input.outcomes[entry.id] ?? '';
    const fill = entry.kind === 'write' ? '#d4f5d0' : '#cfe3ff';
    const hl = marked.has(index);
    out.push(
      `<rect x="${x0}" y="${y}" width="${Math.max(8, x1 - x0)}" height="20" rx="3" fill="${hl ? '#ffd0d0' : fill}" stroke="${hl ? '#d00' : '#555'}" stroke-width="${hl ? 2.5 : 1}"${pending ? ' stroke-dasharray="6 3"' : ''}/>`,
    );
    const label = entry.kind === 'write' ? `${entry.id}: write v${pending ? ' (never returns)' : ''}` : `${entry.id}: read → ${pending ? '?' : outcome}`;
    text(x0 + 5, y + 14, label, FONT_PX, hl ? '#900' : '#222');
  }
}
