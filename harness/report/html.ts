/**
 * @module The HTML report: one self-contained page (inline CSS, inline SVG charts, the chart font
 * embedded as a data URI, no scripts, no external resources) that opens offline and shows every
 * chart, the config behind it, the machine and cost profile, and the verdict of every run.
 */
import { readFileSync } from 'node:fs';
import type { CsvRow } from '../results/csv.ts';
import { FONT_FAMILY, FONT_FILE, PROTOCOL_COLORS, VERDICT_COLORS } from '../charts/theme.ts';
import type { CostProfile } from '../cost/profile.ts';
import { PRIMITIVES } from '../cost/profile.ts';
import type { AppendixReportData } from '../reproduce/appendix-a.ts';
import type { MeasureOptions } from '../cost/calibrate-measure.ts';
import { SIM_VS_REAL_FILE, SIM_VS_REAL_GOAL, type SimVsRealSummary } from '../reproduce/sim-vs-real.ts';

/** Experiment 9: the simulator's prediction against the real engine, per point and op kind. */
export interface SimVsRealReportData {
  /** sim-vs-real-errors.csv rows (harness/reproduce/sim-vs-real.ts). */
  readonly rows: readonly CsvRow[];
  readonly summary: SimVsRealSummary;
  /** Load averages (1, 5, 15 min) when the experiment started and ended. */
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
  /** The profile the simulated points used, when calibrated for the experiment. */
  readonly calibration?: { readonly profile: string; readonly measure: MeasureOptions; readonly quick: boolean; readonly sizesBytes: readonly number[] };
}
import { escapeHtml } from '../escape-html.ts';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly gitCommit: string;
  /** When the report was generated (ISO 8601). */
  readonly generatedAt: string;
}

export interface ExperimentReport {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly configYaml: string;
  readonly charts: readonly { name: string; title: string; svg: string | null; note: string | null }[];
  /** runs.csv rows (one per run and op kind). */
  readonly runs: readonly CsvRow[];
  readonly attack: readonly CsvRow[];
  readonly notApplicable: readonly { protocol: string; strategy: string; reason: string }[];
  readonly skippedByRules: readonly string[];
  readonly elapsedMs: number;
  /**
   * The command that produced this section: a combined report can hold sections of earlier
   * `reproduce --only` invocations, some of them `--quick` (absent in data written before it was kept).
   */
  readonly command?: string;
  readonly costProfile: CostProfile | undefined;
  readonly meta: Readonly<Record<string, string | number>>;
  /** Appendix A only: each run's outcome against the proof's prediction, and its figures. */
  readonly appendix?: AppendixReportData;
  /** Experiments that ran on both engines: the prediction's error per point. */
  readonly simVsReal?: SimVsRealReportData;
}

function esc(text: unknown): string {
  return escapeHtml(String(text ?? ''));
}

function fmt(value: unknown): string {
  if (typeof value !== 'number') return esc(value ?? '');
  if (!Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return String(Number(value.toPrecision(4)));
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Makes element ids unique per embedded SVG (vega numbers clip paths from 1 in every SVG). */
function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`)
    .replace(/^<svg /, '<svg role="img" ');
}

let fontDataUri: string | undefined;
function fontFace(): string {
  fontDataUri ??= `data:font/ttf;base64,${readFileSync(FONT_FILE).toString('base64')}`;
  return `@font-face { font-family: '${FONT_FAMILY}'; src: url(${fontDataUri}) format('truetype'); font-weight: normal; font-style: normal; }`;
}

const CSS = `
body { font-family: '${FONT_FAMILY}', sans-serif; color: #222; margin: 0; background: #fafafa; line-height: 1.45; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 32px 64px; background: white; }
h1 { font-size: 26px; font-weight: normal; margin: 8px 0 4px; }
h2 { font-size: 21px; font-weight: normal; margin: 48px 0 6px; padding-top: 12px; border-top: 1px solid #ddd; }
h3 { font-size: 16px; font-weight: normal; margin: 20px 0 6px; }
p, li { font-size: 14px; max-width: 900px; }
.muted { color: #666; font-size: 13px; }
table { border-collapse: collapse; font-size: 12.5px; margin: 8px 0 16px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 18px 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 12.5px; color: #555; }
pre { background: #f6f6f6; border: 1px solid #e3e3e3; padding: 10px; font-size: 12px; overflow-x: auto; }
details { margin: 8px 0; }
summary { cursor: pointer; font-size: 14px; }
.verdict { padding: 1px 6px; border-radius: 3px; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 4px; vertical-align: -1px; }
nav ol { columns: 2; font-size: 14px; }
`;

function verdictCell(verdict: unknown, expectViolation: unknown): string {
  const v = String(verdict);
  const key = v === 'violation' ? (expectViolation === true ? 'violation (expected)' : 'violation') : v;
  const color = VERDICT_COLORS[key] ?? '#eeeeee';
  return `<td><span class="verdict" style="background:${color}">${esc(key)}</span></td>`;
}

function machineTable(machine: MachineInfo): string {
  const rows: [string, string][] = [
    ['CPU', `${machine.cpuModel} (${machine.cores} cores)`],
    ['Memory', `${machine.memoryGiB} GiB`],
    ['Node.js', machine.node],
    ['Platform', machine.platform],
    ['git commit', machine.gitCommit],
    ['Generated', machine.generatedAt],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function costTable(profile: CostProfile | undefined): string {
  if (profile === undefined) return '<p class="muted">No cost profile recorded.</p>';
  const rows = PRIMITIVES.map((p) => `<tr><td>${p}</td><td class="num">${fmt(profile[p].nsPerOp)}</td><td class="num">${fmt(profile[p].nsPerByte)}</td></tr>`);
  return `<p class="muted">Cost profile <b>${esc(profile.name)}</b>: simulated CPU charged per call and per byte.</p>
<table><tr><th>primitive</th><th>ns per call</th><th>ns per byte</th></tr>${rows.join('')}</table>`;
}

function verdictCounts(runs: readonly CsvRow[]): { runs: number; ok: number; expected: number; unexpected: number; unknown: number } {
  const seen = new Map<string, CsvRow>();
  // Run ids are unique within an experiment only (e.g. the same point id in two experiments).
  for (const row of runs) seen.set(`${String(row['experiment'])}\u0000${String(row['run'])}`, row);
  let ok = 0, expected = 0, unexpected = 0, unknown = 0;
  for (const row of seen.values()) {
    if (row['verdict'] === 'ok') ok++;
    else if (row['verdict'] === 'violation') {
      if (row['expectViolation'] === true) expected++;
      else unexpected++;
    } else unknown++;
  }
  return { runs: seen.size, ok, expected, unexpected, unknown };
}

/** Columns of the per-run verdict table. */
const RUN_TABLE: readonly [string, string][] = [
  ['run', 'run (point#repetition)'],
  ['seed', 'seed'],
  ['protocol', 'protocol'],
  ['t', 't'],
  ['n', 'n'],
  ['valueBytes', 'value bytes'],
  ['clients', 'clients'],
  ['network', 'network'],
  ['strategy', 'faults'],
];

function runTable(runs: readonly CsvRow[]): string {
  // One line per run; write and read statistics side by side.
  const byRun = new Map<string, { base: CsvRow; write?: CsvRow; read?: CsvRow }>();
  for (const row of runs) {
    const id = String(row['run']);
    const entry = byRun.get(id) ?? { base: row };
    if (row['op'] === 'write') entry.write = row;
    if (row['op'] === 'read') entry.read = row;
    byRun.set(id, entry);
  }
  const head =
    RUN_TABLE.map(([, title]) => `<th>${esc(title)}</th>`).join('') +
    '<th>verdict</th><th>write mean / p99 ms</th><th>write rounds</th><th>read mean / p99 ms</th><th>read rounds</th><th>pending ops</th>';
  const body = [...byRun.values()].map(({ base, write, read }) => {
    const cells = RUN_TABLE.map(([key]) => {
      const v = base[key];
      if (key === 'protocol') return `<td><span class="swatch" style="background:${PROTOCOL_COLORS[String(v)] ?? '#79706e'}"></span>${esc(v)}</td>`;
      return typeof v === 'number' ? `<td class="num">${fmt(v)}</td>` : `<td>${esc(v)}</td>`;
    });
    const lat = (r: CsvRow | undefined) => (r === undefined ? '–' : `${fmt(r['latencyMsMean'])} / ${fmt(r['latencyMsP99'])}`);
    const rounds = (r: CsvRow | undefined) => (r === undefined ? '–' : `${fmt(r['roundsMean'])} (max ${fmt(r['roundsMax'])})`);
    const pending = Number(write?.['pending'] ?? 0) + Number(read?.['pending'] ?? 0);
    return `<tr>${cells.join('')}${verdictCell(base['verdict'], base['expectViolation'])}<td class="num">${lat(write)}</td><td class="num">${rounds(write)}</td><td class="num">${lat(read)}</td><td class="num">${rounds(read)}</td><td class="num">${pending}</td></tr>`;
  });
  return `<table><tr>${head}</tr>${body.join('\n')}</table>`;
}

/** Outcome cell: a read's value, with ⊥ for the initial value. */
function outcomeCell(value: string): string {
  return `<td>${value === '' ? '–' : esc(value)}</td>`;
}

/**
 * Appendix A: one row per run with the value each operation returned, the checker's verdict and the
 * proof's prediction; then the decisive runs (run4, run6) drawn inline. `linkBase` makes the links
 * work from the combined page (`<id>/`) and from the experiment's own page (``).
 */
function appendixSection(data: AppendixReportData, id: string, linkBase: string): string {
  const mismatches = data.rows.filter((r) => !r.matchesPrediction).length;
  const head =
    '<tr><th>run</th><th>protocol</th><th>read rule</th><th>t</th><th>n</th><th>wr</th><th>rd1 →</th><th>rd2 →</th><th>checker</th><th>proof predicts</th><th>as predicted</th><th>why (the proof\'s argument)</th><th>figure / timeline</th></tr>';
  const body = data.rows
    .map((r) => {
      const verdictKey = r.verdict === 'violation' ? (r.protocol === 'powerstore' ? 'violation' : 'violation (expected)') : r.verdict;
      const links = [`<a href="${esc(linkBase + r.figure)}">figure</a>`, ...(r.timeline === '' ? [] : [`<a href="${esc(linkBase + r.timeline)}">checker timeline</a>`])].join(' · ');
      return `<tr><td>${esc(r.run)}</td><td><span class="swatch" style="background:${PROTOCOL_COLORS[r.protocol] ?? '#79706e'}"></span>${esc(r.protocol)}</td><td>${esc(r.readRule)}</td><td class="num">${r.t}</td><td class="num">${r.n}</td>${outcomeCell(r.wr)}${outcomeCell(r.rd1)}${outcomeCell(r.rd2)}<td><span class="verdict" style="background:${VERDICT_COLORS[verdictKey] ?? '#eeeeee'}">${esc(r.verdict)}</span></td><td>${esc(r.predictedVerdict)} (${esc(r.predictedOps)})</td><td>${r.matchesPrediction ? 'yes' : '<b>NO</b>'}</td><td>${esc(r.why)}${r.explanation === '' ? '' : `<br><span class="muted">checker: ${esc(r.explanation)}</span>`}</td><td>${links}</td></tr>`;
    })
    .join('\n');
  const figures = data.figures
    .map((f) => `<figure>${f.svg.replace(/^<svg /, '<svg role="img" ')}<figcaption>${esc(f.title)}: <code>${esc(id)}/figures/${esc(f.name)}.svg</code>, <code>.png</code></figcaption></figure>`)
    .join('\n');
  return `<p><b>Against the proof:</b> ${data.rows.length} runs, ${data.rows.length - mismatches} as predicted${mismatches > 0 ? `, <b>${mismatches} not as predicted</b>` : ''}. ⊥ is the initial value, v the value wr writes; "pending" = never returned (the writer crashed).</p>
<table>${head}${body}</table>
${figures}`;
}

const percent = (value: unknown): string => (typeof value === 'number' && Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} %` : '–');

function sizeLabel(bytes: unknown): string {
  if (typeof bytes !== 'number') return esc(bytes);
  if (bytes >= 1048576) return `${bytes / 1048576} MiB`;
  if (bytes >= 1024) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** The error table of a sim-vs-real comparison, with the goal and the load the figures were taken under. */
function simVsRealSection(data: SimVsRealReportData): string {
  const s = data.summary;
  const goal = SIM_VS_REAL_GOAL;
  const pair = (r: CsvRow, op: string, metric: string, ok: unknown) => {
    const error = r[`${op}${metric}Error`];
    const shown = `${fmt(r[`${op}Sim${metric}Ms`])} / ${fmt(r[`${op}Real${metric}Ms`])} <span class="muted">(${percent(error)})</span>`;
    const miss = ok === false && typeof error === 'number' && Math.abs(error) > goal.p50Tolerance;
    return `<td class="num">${miss ? `<b>${shown}</b>` : shown}</td>`;
  };
  const head =
    '<tr><th>protocol</th><th>t</th><th>n</th><th>value</th><th>clients</th><th>write p50 ms, sim / real (error)</th><th>read p50</th><th>write p99</th><th>read p99</th><th>ops/s, sim / real (error)</th><th>measured ops, sim / real</th><th>why it misses</th></tr>';
  const body = data.rows
    .map((r) => {
      const throughput = `${fmt(r['simOpsPerS'])} / ${fmt(r['realOpsPerS'])} <span class="muted">(${percent(r['throughputError'])})</span>`;
      return (
        `<tr><td><span class="swatch" style="background:${PROTOCOL_COLORS[String(r['protocol'])] ?? '#79706e'}"></span>${esc(r['protocol'])}</td><td class="num">${fmt(r['t'])}</td><td class="num">${fmt(r['n'])}</td><td class="num">${sizeLabel(r['valueBytes'])}</td><td class="num">${fmt(r['clients'])}</td>` +
        `${pair(r, 'write', 'P50', r['p50Ok'])}${pair(r, 'read', 'P50', r['p50Ok'])}${pair(r, 'write', 'P99', null)}${pair(r, 'read', 'P99', null)}` +
        `<td class="num">${r['throughputOk'] === false ? `<b>${throughput}</b>` : throughput}</td><td class="num">${fmt(r['simOps'])} / ${fmt(r['realOps'])}</td><td>${esc(r['cause'])}</td></tr>`
      );
    })
    .join('\n');
  const calibration =
    data.calibration === undefined
      ? 'The simulated points used the profile named in the config.'
      : `The simulated points used profile <b>${esc(data.calibration.profile)}</b>, calibrated on this machine when the experiment started (${data.calibration.quick ? 'quick: one short round per cell' : `best of ${data.calibration.measure.rounds ?? 1} rounds of ≥ ${data.calibration.measure.timeMs} ms per cell`}; coding grid at ${data.calibration.sizesBytes.map(sizeLabel).join(', ')}; <code>cost-profile.json</code>).`;
  const unpaired = s.unpaired.length === 0 ? '' : `<p class="muted">Ran on one engine only (not compared): ${s.unpaired.map(esc).join('; ')}.</p>`;
  return `<p><b>Simulator against the real engine</b>, error = (simulated − measured) / measured, bold: outside the goal. Goal: p50 within ${goal.p50Tolerance * 100} % at every point — <b>${s.p50Within} of ${s.points}</b> points (${s.p50GoalMet ? 'met' : 'not met'}); throughput within ${goal.throughputTolerance * 100} % at ${goal.throughputShare * 100} % of the points — <b>${s.throughputWithin} of ${s.points}</b> (${s.throughputGoalMet ? 'met' : 'not met'}); p99 within ${goal.p50Tolerance * 100} % (no goal): ${s.p99Within} of ${s.points}. ${calibration} Load average ${data.loadAverageStart.join(' ')} at the start, ${data.loadAverageEnd.join(' ')} at the end: real-engine figures from a loaded machine are provisional. Data: <code>${SIM_VS_REAL_FILE}</code>.</p>
<table>${head}${body}</table>${unpaired}`;
}

function experimentSection(report: ExperimentReport, index: number, linkBase = `${report.id}/`): string {
  const counts = verdictCounts(report.runs);
  const charts = report.charts
    .map((chart, i) =>
      chart.svg === null
        ? `<p class="muted">${esc(chart.title)}: ${esc(chart.note)}</p>`
        : `<figure>${scopeSvgIds(chart.svg, `e${index}c${i}`)}<figcaption>${esc(chart.title)}: <code>${esc(report.id)}/${esc(chart.name)}.svg</code>, <code>.png</code>, data <code>${esc(chart.name)}.csv</code></figcaption></figure>`,
    )
    .join('\n');
  const na =
    report.notApplicable.length === 0
      ? ''
      : `<p class="muted">Not run: ${report.notApplicable.map((s) => `${esc(s.protocol)}${s.strategy === '' ? '' : ` × ${esc(s.strategy)}`} (${esc(s.reason)})`).join(', ')}.</p>`;
  const skipped = report.skippedByRules.length === 0 ? '' : `<p class="muted">Excluded by the config's sweep rules: ${report.skippedByRules.map(esc).join('; ')}.</p>`;
  const summary = `${counts.runs} runs: ${counts.ok} ok, ${counts.expected} expected violations, ${counts.unexpected} unexpected violations, ${counts.unknown} unknown`;
  return `<section id="${esc(report.id)}">
<h2>${esc(report.title)}</h2>
<p class="muted"><code>configs/paper/${esc(report.id)}.yaml</code> · results in <code>${esc(report.id)}/</code> next to this page (each sweep point's plain config, history and latency CDF under <code>${esc(report.id)}/points/</code>; replay a point from there with <code>quorumbench run ${esc(report.id)}/points/&lt;point&gt;/config.yaml --out ${esc(report.id)}-replay/&lt;point&gt;</code>: outside the experiment's folder, which the next reproduce replaces whole) · took ${duration(report.elapsedMs)} here${report.command === undefined ? '' : `, by <code>${esc(report.command)}</code>`}</p>
${report.description === '' ? '' : `<p>${esc(report.description)}</p>`}
<p><b>Checker verdicts:</b> ${esc(summary)}.</p>
${report.appendix === undefined ? '' : appendixSection(report.appendix, report.id, linkBase)}
${charts}
${report.simVsReal === undefined ? '' : simVsRealSection(report.simVsReal)}
${na}${skipped}
<details><summary>Verdict of every run (${counts.runs})</summary>${runTable(report.runs)}</details>
<details><summary>Config behind these charts (YAML)</summary><pre>${esc(report.configYaml)}</pre></details>
</section>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${fontFace()}${CSS}</style></head>
<body><main>
${body}
</main></body></html>
`;
}

/**
 * Where the project's protocol and evaluation docs are: links relative to the page when the caller
 * found the docs folder of this checkout (`docsHref`, e.g. `../../docs`), else their paths as text, so
 * that a report moved elsewhere never carries a dangling link.
 */
function docsLine(docsHref: string | undefined): string {
  const doc = (file: string, what: string) =>
    docsHref === undefined ? `${what} (<code>docs/${file}</code> in the quorumbench repository)` : `<a href="${esc(`${docsHref}/${file}`)}">${what}</a> (<code>docs/${file}</code>)`;
  return `<p>How each protocol works, its quorums and the Byzantine strategies: ${doc('protocols.md', 'the protocols')}. What the engines, the network and CPU models and every metric mean: ${doc('evaluation.md', 'how quorumbench runs and measures')}.</p>`;
}

function header(title: string, machine: MachineInfo, command: string, reports: readonly ExperimentReport[], totalMs: number | undefined, docsHref: string | undefined): string {
  const all = reports.flatMap((r) => r.runs);
  const counts = verdictCounts(all);
  const present = new Set(all.map((r) => String(r['protocol'])));
  const legend = Object.entries(PROTOCOL_COLORS)
    .filter(([p]) => present.has(p))
    .map(([p, c]) => `<span class="swatch" style="background:${c}"></span>${esc(p)}`)
    .join(' &nbsp; ');
  const totals = reports
    .map((r) => {
      const c = verdictCounts(r.runs);
      return `<tr><td><a href="#${esc(r.id)}">${esc(r.title)}</a></td><td class="num">${c.runs}</td><td class="num">${c.ok}</td><td class="num">${c.expected}</td><td class="num">${c.unexpected}</td><td class="num">${c.unknown}</td><td class="num">${duration(r.elapsedMs)}</td></tr>`;
    })
    .join('');
  return `<h1>${esc(title)}</h1>
<p class="muted">Command: <code>${esc(command)}</code>${totalMs === undefined ? '' : ` · total wall-clock time ${duration(totalMs)}`}</p>
${docsLine(docsHref)}
<p>Protocol colours (the same in every chart): ${legend}</p>
<p><b>Reading the charts:</b> a point is the mean over the N repetitions of a sweep point (each with its own seed), and each chart's subtitle gives N.
The shaded band around a line, or the error bar around a point, is the 95 % Student-t interval of that mean (mean ± t<sub>0.975, N−1</sub> · s / √N) when N ≥ 3;
with N = 2 it is the range of the two values (minimum to maximum), because an interval from two values would be ± 12.7 · s / √2, mostly the t factor;
with N = 1 there is none. In simulated runs the spread between repetitions comes from their different seeds (workload draws, latency jitter), not from measurement noise.</p>
<p><b>Checker verdicts over all runs:</b> ${counts.runs} runs, ${counts.ok} ok, ${counts.expected} expected violations (faults beyond the protocol's tolerance, <code>expectViolation: true</code>), <b>${counts.unexpected} unexpected violations</b>, ${counts.unknown} unknown.</p>
<table><tr><th>experiment</th><th>runs</th><th>ok</th><th>expected violations</th><th>unexpected violations</th><th>unknown</th><th>wall-clock</th></tr>${totals}</table>
<h3>Machine</h3>${machineTable(machine)}
<h3>Cost profile</h3>${costTable(reports.find((r) => r.costProfile !== undefined)?.costProfile)}`;
}

/**
 * The page of one experiment (`results/paper/<experiment>/report.html`). `docsHref`: the docs folder
 * relative to the page, when known.
 */
export function renderExperimentReport(report: ExperimentReport, machine: MachineInfo, command: string, docsHref?: string): string {
  return page(report.title, header(`quorumbench: ${report.title}`, machine, command, [report], undefined, docsHref) + experimentSection(report, 0, ''));
}

/** The combined page (`results/paper/report.html`). `docsHref`: the docs folder relative to the page, when known. */
export function renderReport(reports: readonly ExperimentReport[], machine: MachineInfo, command: string, totalMs: number | undefined, docsHref?: string): string {
  const nav = `<nav><ol>${reports.map((r) => `<li><a href="#${esc(r.id)}">${esc(r.title)}</a></li>`).join('')}</ol></nav>`;
  const body =
    header("quorumbench: reproducing PoWerStore's evaluation", machine, command, reports, totalMs, docsHref) +
    nav +
    reports.map((r, i) => experimentSection(r, i)).join('\n');
  return page("quorumbench: reproducing PoWerStore's evaluation", body);
}
