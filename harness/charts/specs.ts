/**
 * @module Vega-lite specs of the paper's charts, built from results rows (CSV rows as parsed).
 *
 * Every chart carries its rows verbatim as one named inline dataset, {@link CHART_DATA}: the
 * chart's data is exactly the CSV it was drawn from (tests read it back from the compiled vega
 * spec). Derived values (band limits clamped for log axes, folded cost components) are vega-lite
 * transforms, never edits of the rows. Aggregation (mean, 95 % interval and range over repetitions)
 * happens before, in `harness/sweep/aggregate.ts`, so every chart can show the band it was given.
 */
import type { CsvRow } from '../results/csv.ts';
import { COMPONENT_COLORS, VEGA_CONFIG, VERDICT_COLORS, orderProtocols, protocolColorScale } from './theme.ts';

/** Name of the inline dataset holding a chart's CSV rows. */
export const CHART_DATA = 'table';

/** A vega-lite top-level spec as plain JSON (vega-lite's own types are too strict to build generically). */
export type VlSpec = Record<string, unknown>;

export interface ChartDef {
  /** File stem: `<name>.svg`, `<name>.png`, `<name>.vg.json`. */
  readonly name: string;
  readonly title: string;
  /** CSV file (next to the chart) whose rows the chart shows. */
  readonly csv: string;
  readonly spec: VlSpec;
}

/** Formats a byte count on an axis: 1024 → "1 KiB", 16777216 → "16 MiB". */
const BYTES_LABEL =
  "datum.value >= 1048576 ? format(datum.value / 1048576, '~r') + ' MiB' : " +
  "datum.value >= 1024 ? format(datum.value / 1024, '~r') + ' KiB' : format(datum.value, '~r') + ' B'";

function strings(rows: readonly CsvRow[], field: string): string[] {
  return [...new Set(rows.map((r) => r[field]).filter((v) => v !== null && v !== undefined).map(String))];
}

function numbers(rows: readonly CsvRow[], field: string): number[] {
  return [...new Set(rows.map((r) => r[field]).filter((v): v is number => typeof v === 'number'))].sort((a, b) => a - b);
}

/** Subtitle parts (`a; b; c`) on lines of about 110 characters, so a long one does not widen the chart. */
function subtitleLines(subtitle: string): string[] {
  const lines: string[] = [];
  for (const part of subtitle.split('; ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + part.length + 2 <= 110) lines[lines.length - 1] = `${last}; ${part}`;
    else lines.push(part);
  }
  return lines;
}

function topLevel(title: string, subtitle: string | undefined, rows: readonly CsvRow[], body: VlSpec): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: subtitle === undefined ? { text: title } : { text: title, subtitle: subtitleLines(subtitle) },
    data: { name: CHART_DATA, values: rows },
    config: VEGA_CONFIG,
    ...body,
  };
}

const OP_ORDER = ['write', 'read'];

/** Legend drawn as line strokes (line charts; otherwise the band layer's pale area would show). */
const LINE_LEGEND: VlSpec = { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 3, symbolSize: 260 };

/**
 * Dash pattern per protocol for line marks: PoWerStore and M-PoWerStore share their read path, so
 * their read lines coincide; M-PoWerStore's line, drawn last, is dashed so the other shows through.
 * Same field and title as the colour, so vega-lite merges both into one legend.
 */
function protocolDash(rows: readonly CsvRow[], legend: VlSpec | null | true = true): VlSpec {
  const domain = protocolColorScale(strings(rows, 'protocol')).domain;
  return {
    field: 'protocol',
    type: 'nominal',
    title: 'Protocol',
    scale: { domain, range: domain.map((p) => (p === 'm-powerstore' ? [6, 4] : [1, 0])) },
    ...(legend === true ? {} : { legend }),
  };
}

function protocolColor(rows: readonly CsvRow[], legend: VlSpec | null | true = true): VlSpec {
  return {
    field: 'protocol',
    type: 'nominal',
    title: 'Protocol',
    scale: protocolColorScale(strings(rows, 'protocol')),
    ...(legend === true ? {} : { legend }),
  };
}

/**
 * What a shaded band (or error bar) shows: `ci95`, the 95 % Student-t interval of the mean over the
 * repetitions (columns `<y>CiLow`, `<y>CiHigh`); `min-max`, their range (`<y>Min`, `<y>Max`), for
 * too few repetitions to make an interval mean anything (with 2, the t factor is 12.7).
 */
export type BandKind = 'ci95' | 'min-max';

/** The low and high columns of a band of `y`. */
export function bandColumns(y: string, kind: BandKind): { low: string; high: string } {
  return kind === 'ci95' ? { low: `${y}CiLow`, high: `${y}CiHigh` } : { low: `${y}Min`, high: `${y}Max` };
}

export interface LineChartOptions {
  readonly name: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly csv: string;
  readonly x: string;
  readonly xTitle: string;
  readonly xScale?: 'log' | 'linear' | 'log2';
  /** Axis labels for a byte-valued x. */
  readonly xBytes?: boolean;
  readonly y: string;
  readonly yTitle: string;
  readonly yScale?: 'log' | 'linear';
  /** Draw this band around the line (its columns must exist, see {@link bandColumns}); none if absent. */
  readonly band?: BandKind;
  /** Facet by this column (one panel per value), e.g. `op`. */
  readonly facet?: string;
  readonly facetTitle?: string;
  readonly width?: number;
  readonly height?: number;
}

/**
 * Lines with points, one per protocol (colour) in each facet panel, optionally with a band (95 %
 * interval or range); log scales clamp the band's low edge to 1 % of the mean so a wide interval
 * does not vanish off a log axis.
 */
export function lineChart(rows: readonly CsvRow[], o: LineChartOptions): ChartDef {
  const xValues = numbers(rows, o.x);
  const xScale =
    o.xScale === 'log2'
      ? { type: 'log', base: 2, nice: false, padding: 20 }
      : o.xScale === 'log'
        ? { type: 'log', nice: false, padding: 20 }
        : { zero: false, nice: false, padding: 20 };
  // A log axis "niced" to whole decades would leave most of the plot empty (1…1000 ms for data in
  // 5…300 ms); the data extent plus a little padding keeps the lines apart.
  const yScale = o.yScale === 'log' ? { type: 'log', nice: false, padding: 10 } : { zero: false };
  const xAxis: VlSpec = { values: xValues, ...(o.xBytes ? { labelExpr: BYTES_LABEL } : { format: '~r' }), grid: true };
  if (xValues.length > 5) xAxis['labelAngle'] = -35;
  const x = { field: o.x, type: 'quantitative', title: o.xTitle, scale: xScale, axis: xAxis };
  const layers: VlSpec[] = [];
  if (o.band !== undefined) {
    const { low: yLow, high: yHigh } = bandColumns(o.y, o.band);
    layers.push({
      transform: [
        { filter: `isValid(datum['${yLow}']) && isValid(datum['${yHigh}'])` },
        {
          calculate:
            o.yScale === 'log' ? `max(datum['${yLow}'], datum['${o.y}'] * 0.01)` : `datum['${yLow}']`,
          as: 'bandLow',
        },
      ],
      mark: { type: 'errorband', opacity: 0.22, borders: false },
      encoding: {
        x,
        y: { field: 'bandLow', type: 'quantitative', title: o.yTitle, scale: yScale },
        y2: { field: yHigh },
        // Same field and scale as the lines' colour: vega-lite merges both into one legend.
        color: protocolColor(rows, LINE_LEGEND),
      },
    });
  }
  layers.push({
    mark: { type: 'line', point: true },
    encoding: {
      x,
      y: { field: o.y, type: 'quantitative', title: o.yTitle, scale: yScale },
      color: protocolColor(rows, LINE_LEGEND),
      strokeDash: protocolDash(rows, LINE_LEGEND),
      tooltip: [
        { field: 'protocol' },
        { field: o.x, type: 'quantitative' },
        { field: o.y, type: 'quantitative', format: '.4~r' },
      ],
    },
  });
  const width = o.width ?? 330;
  const height = o.height ?? 250;
  const inner: VlSpec = { layer: layers, width, height };
  const body: VlSpec =
    o.facet === undefined
      ? inner
      : {
          facet: {
            column: {
              field: o.facet,
              type: 'nominal',
              title: o.facetTitle ?? null,
              sort: o.facet === 'op' ? OP_ORDER : 'ascending',
              header: o.facet === 'op' ? { labelExpr: "datum.value + 's'" } : {},
            },
          },
          spec: inner,
          resolve: { scale: { y: 'shared' } },
        };
  return { name: o.name, title: o.title, csv: o.csv, spec: topLevel(o.title, o.subtitle, rows, body) };
}

export interface GroupedPointChartOptions {
  readonly name: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly csv: string;
  /** Category on the x axis (e.g. `network`), one group of protocol points per category. */
  readonly x: string;
  readonly xTitle: string;
  readonly xSort?: readonly string[];
  readonly y: string;
  readonly yTitle: string;
  readonly yScale?: 'log' | 'linear';
  /** Error bars around each point (their columns must exist, see {@link bandColumns}); none if absent. */
  readonly band?: BandKind;
  readonly facet?: string;
}

/**
 * Categories on x, one point per protocol (its colour, side by side within the category), the band
 * as error bars. Points rather than bars, so that a log axis (lan at about 1 ms and wan at about
 * 300 ms both readable) draws nothing whose length would suggest a meaning: a bar on a log axis has
 * to start at an arbitrary value.
 */
export function groupedPointChart(rows: readonly CsvRow[], o: GroupedPointChartOptions): ChartDef {
  const protocols = orderProtocols(strings(rows, 'protocol'));
  const yScale = o.yScale === 'log' ? { type: 'log', nice: false, padding: 12 } : { zero: true };
  const x = { field: o.x, type: 'nominal', title: o.xTitle, sort: o.xSort ?? null, axis: { labelAngle: 0, grid: false } };
  const xOffset = { field: 'protocol', type: 'nominal', sort: protocols };
  const layers: VlSpec[] = [];
  if (o.band !== undefined) {
    const { low, high } = bandColumns(o.y, o.band);
    layers.push({
      transform: [{ filter: `isValid(datum['${low}']) && isValid(datum['${high}'])` }],
      mark: { type: 'errorbar', ticks: { size: 6 }, thickness: 1.5 },
      encoding: {
        x,
        xOffset,
        y: { field: low, type: 'quantitative', title: o.yTitle, scale: yScale },
        y2: { field: high },
        color: protocolColor(rows, null),
      },
    });
  }
  layers.push({
    mark: { type: 'point', filled: true, size: 70, opacity: 1 },
    encoding: {
      x,
      xOffset,
      y: { field: o.y, type: 'quantitative', title: o.yTitle, scale: yScale, axis: { grid: true } },
      color: protocolColor(rows),
      tooltip: [{ field: 'protocol' }, { field: o.x }, { field: o.y, type: 'quantitative', format: '.4~r' }],
    },
  });
  const groups = strings(rows, o.x).length;
  const inner: VlSpec = { layer: layers, width: Math.max(260, groups * protocols.length * 16 + groups * 16), height: 300 };
  const body: VlSpec =
    o.facet === undefined
      ? inner
      : {
          facet: {
            column: {
              field: o.facet,
              type: 'nominal',
              title: null,
              sort: o.facet === 'op' ? OP_ORDER : 'ascending',
              header: o.facet === 'op' ? { labelExpr: "datum.value + 's'" } : {},
            },
          },
          spec: inner,
          resolve: { scale: { y: 'shared' } },
        };
  return { name: o.name, title: o.title, csv: o.csv, spec: topLevel(o.title, o.subtitle, rows, body) };
}

export interface RelativeBarChartOptions {
  readonly name: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly csv: string;
  /** Category on the x axis (one group of protocol bars each), e.g. `valueBytes`. */
  readonly x: string;
  readonly xTitle: string;
  /** Axis labels for a byte-valued x. */
  readonly xBytes?: boolean;
  readonly y: string;
  /** What `y` is, for the axis title ("Mean latency" → "Mean latency ÷ abd's"). */
  readonly yLabel: string;
  /** The protocol every bar is divided by, at the same x (and facet). */
  readonly baseline: string;
  readonly facet?: string;
}

/**
 * Each protocol's `y` divided by the baseline protocol's at the same x and facet value: grouped bars
 * (one group per x, the protocols in canonical order) with the ratio printed above each bar and a
 * dashed rule at 1, so that steps between protocols read the same at every x. The ratio is a
 * vega-lite transform; the dataset stays the CSV rows (absolute values included).
 */
export function relativeBarChart(rows: readonly CsvRow[], o: RelativeBarChartOptions): ChartDef {
  const protocols = orderProtocols(strings(rows, 'protocol'));
  const groupby = o.facet === undefined ? [o.x] : [o.x, o.facet];
  const transform: VlSpec[] = [
    { calculate: `datum.protocol === '${o.baseline}' ? datum['${o.y}'] : null`, as: 'baselineOwn' },
    { joinaggregate: [{ op: 'max', field: 'baselineOwn', as: 'baselineValue' }], groupby },
    { filter: 'isValid(datum.baselineValue) && datum.baselineValue > 0' },
    { calculate: `datum['${o.y}'] / datum.baselineValue`, as: 'relative' },
  ];
  const x = {
    field: o.x,
    type: 'ordinal',
    title: o.xTitle,
    sort: 'ascending',
    axis: { labelAngle: 0, ...(o.xBytes ? { labelExpr: BYTES_LABEL } : {}) },
  };
  const xOffset = { field: 'protocol', type: 'nominal', sort: protocols };
  const y = { field: 'relative', type: 'quantitative', title: `${o.yLabel} ÷ ${o.baseline}'s` };
  const groups = strings(rows, o.x).length;
  const inner: VlSpec = {
    transform,
    width: Math.max(260, groups * protocols.length * 27 + groups * 16),
    height: 240,
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset,
          y,
          color: protocolColor(rows),
          tooltip: [
            { field: 'protocol' },
            { field: o.x },
            { field: o.y, type: 'quantitative', format: '.4~r' },
            { field: 'relative', type: 'quantitative', format: '.3~r' },
          ],
        },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 8.5, color: '#333333' },
        encoding: { x, xOffset, y, text: { field: 'relative', type: 'quantitative', format: '.2f' } },
      },
      { mark: { type: 'rule', strokeDash: [4, 3], color: '#555555' }, encoding: { y: { datum: 1 } } },
    ],
  };
  const body: VlSpec =
    o.facet === undefined
      ? inner
      : {
          // Panels stacked (a row each): a dozen groups of bars side by side are already wide.
          facet: {
            row: {
              field: o.facet,
              type: 'nominal',
              title: null,
              sort: o.facet === 'op' ? OP_ORDER : 'ascending',
              header: o.facet === 'op' ? { labelExpr: "datum.value + 's'", labelAngle: 0, labelAlign: 'left' } : {},
            },
          },
          spec: inner,
        };
  return { name: o.name, title: o.title, csv: o.csv, spec: topLevel(o.title, o.subtitle, rows, body) };
}

/** A stacked component of a cost bar: which column, and its legend label. */
export interface CostComponent {
  readonly field: string;
  readonly label: string;
}

export interface StackedChartOptions {
  readonly name: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly csv: string;
  readonly components: readonly CostComponent[];
  readonly componentTitle: string;
  readonly yTitle: string;
  /** Multiply every component by this before drawing (e.g. 1e-3 for ns → µs). */
  readonly scale?: number;
  readonly facet?: string;
}

/**
 * Stacked bars per protocol: each component column of the row becomes one segment (folded by a
 * vega-lite transform, so the dataset stays the CSV rows).
 */
export function stackedCostChart(rows: readonly CsvRow[], o: StackedChartOptions): ChartDef {
  const protocols = orderProtocols(strings(rows, 'protocol'));
  const scale = o.scale ?? 1;
  const transform: VlSpec[] = [
    { fold: o.components.map((c) => c.field), as: ['componentField', 'rawValue'] },
    { calculate: `datum.rawValue * ${scale}`, as: 'componentValue' },
    {
      calculate: `{${o.components.map((c) => `'${c.field}': '${c.label}'`).join(', ')}}[datum.componentField]`,
      as: 'component',
    },
  ];
  const labels = o.components.map((c) => c.label);
  const inner: VlSpec = {
    transform,
    mark: { type: 'bar' },
    width: Math.max(200, protocols.length * 60),
    height: 240,
    encoding: {
      x: { field: 'protocol', type: 'nominal', title: 'Protocol', sort: protocols, axis: { labelAngle: -30 } },
      y: { field: 'componentValue', type: 'quantitative', title: o.yTitle, stack: 'zero' },
      color: {
        field: 'component',
        type: 'nominal',
        title: o.componentTitle,
        sort: labels,
        scale: { domain: labels, range: COMPONENT_COLORS.slice(0, labels.length) },
      },
      order: { field: 'componentField', sort: 'ascending' },
      tooltip: [{ field: 'protocol' }, { field: 'component' }, { field: 'componentValue', type: 'quantitative', format: '.4~r' }],
    },
  };
  const body: VlSpec =
    o.facet === undefined
      ? inner
      : {
          facet: {
            column: {
              field: o.facet,
              type: 'nominal',
              title: null,
              sort: o.facet === 'op' ? OP_ORDER : 'ascending',
              header: o.facet === 'op' ? { labelExpr: "datum.value + 's'" } : {},
            },
          },
          spec: inner,
        };
  return { name: o.name, title: o.title, csv: o.csv, spec: topLevel(o.title, o.subtitle, rows, body) };
}

/** One bar per protocol in its colour, with the value printed above it. */
export function protocolBarChart(
  rows: readonly CsvRow[],
  o: { name: string; title: string; subtitle?: string; csv: string; y: string; yTitle: string; format?: string },
): ChartDef {
  const protocols = orderProtocols(strings(rows, 'protocol'));
  const x = { field: 'protocol', type: 'nominal', title: 'Protocol', sort: protocols, axis: { labelAngle: -30 } };
  const body: VlSpec = {
    width: Math.max(200, protocols.length * 60),
    height: 220,
    layer: [
      { mark: { type: 'bar' }, encoding: { x, y: { field: o.y, type: 'quantitative', title: o.yTitle }, color: protocolColor(rows, null) } },
      {
        mark: { type: 'text', dy: -7, fontSize: 11 },
        encoding: { x, y: { field: o.y, type: 'quantitative' }, text: { field: o.y, type: 'quantitative', format: o.format ?? '.3~r' } },
      },
    ],
  };
  return { name: o.name, title: o.title, csv: o.csv, spec: topLevel(o.title, o.subtitle, rows, body) };
}

/**
 * Cumulative distribution of latency, one step line per protocol, a panel per op kind. Rows are
 * `{protocol, op, latencyMs, fraction}` points (see `harness/sweep/cdf.ts`).
 */
export function latencyCdfChart(
  rows: readonly CsvRow[],
  o: { name: string; title: string; subtitle?: string; csv: string; xScale?: 'log' | 'linear' },
): ChartDef {
  const inner: VlSpec = {
    width: 330,
    height: 230,
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
    encoding: {
      x: {
        field: 'latencyMs',
        type: 'quantitative',
        title: 'Latency (ms)',
        scale: o.xScale === 'log' ? { type: 'log' } : { zero: false },
      },
      y: { field: 'fraction', type: 'quantitative', title: 'Fraction of operations ≤ latency', scale: { domain: [0, 1] } },
      color: protocolColor(rows, LINE_LEGEND),
      strokeDash: protocolDash(rows, LINE_LEGEND),
      order: { field: 'fraction', type: 'quantitative' },
    },
  };
  const body: VlSpec = {
    facet: { column: { field: 'op', type: 'nominal', title: null, sort: OP_ORDER, header: { labelExpr: "datum.value + 's'" } } },
    spec: inner,
    resolve: { scale: { x: 'independent' } },
  };
  return { name: o.name, title: o.title, csv: o.csv, spec: topLevel(o.title, o.subtitle, rows, body) };
}

/**
 * The attack table as a chart: a cell per (strategy, protocol), coloured by outcome, with the
 * verdict, mean rounds and p99 latency printed in it. Rows come from `attack.csv`.
 */
export function attackTableChart(
  rows: readonly CsvRow[],
  o: { name: string; title: string; subtitle?: string; csv: string },
): ChartDef {
  const protocols = orderProtocols(strings(rows, 'protocol'));
  const strategies = strings(rows, 'strategy');
  const outcomes = Object.keys(VERDICT_COLORS);
  const x = { field: 'protocol', type: 'nominal', title: 'Protocol', sort: protocols, axis: { orient: 'top', labelAngle: 0 } };
  const y = { field: 'strategy', type: 'nominal', title: 'Byzantine strategy (one faulty server)', sort: strategies };
  const text = (field: string, dy: number, size: number): VlSpec => ({
    mark: { type: 'text', dy, fontSize: size, color: '#111111' },
    encoding: { x, y, text: { field, type: 'nominal' } },
  });
  const body: VlSpec = {
    width: protocols.length * 175,
    height: strategies.length * 58,
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          x,
          y,
          color: {
            field: 'outcome',
            type: 'nominal',
            title: 'Checker verdict',
            scale: { domain: outcomes, range: outcomes.map((k) => VERDICT_COLORS[k]) },
          },
        },
      },
      text('verdictLabel', -14, 12),
      text('roundsLabel', 2, 10.5),
      text('p99Label', 16, 10.5),
    ],
  };
  return { name: o.name, title: o.title, csv: o.csv, spec: topLevel(o.title, o.subtitle, rows, body) };
}

/**
 * Predicted (x) against measured (y), log–log, one panel per metric (rows carry `metric`,
 * `predicted`, `measured`, `protocol`, `op`): a point per row in its protocol's colour, its shape by
 * op kind, and the diagonal y = x in grey, so a point above the line is one the prediction
 * underestimates. In each panel both axes share one domain, the range of every predicted and
 * measured value of that metric, so the diagonal runs corner to corner and a point's distance from
 * it is the same factor whichever way it errs; panels differ (latencies and throughputs differ in
 * unit).
 */
export function predictedVsMeasuredChart(
  rows: readonly CsvRow[],
  o: { name: string; title: string; subtitle?: string; csv: string; metrics: readonly string[] },
): ChartDef {
  const panels = o.metrics.flatMap((metric) => {
    const own = rows.filter((row) => row['metric'] === metric);
    const values = [...numbers(own, 'predicted'), ...numbers(own, 'measured')].filter((v) => v > 0);
    if (values.length === 0) return [];
    // A little room beyond the extreme points, so none sits on the frame.
    const domain = [Math.min(...values) / 1.15, Math.max(...values) * 1.15];
    const scale = { type: 'log', domain, nice: false };
    // Ticks at 1, 2 and 5 times a power of ten: on a log axis vega's own pick crowds the labels.
    const ticks: number[] = [];
    for (let decade = 10 ** Math.floor(Math.log10(domain[0]!)); decade <= domain[1]!; decade *= 10) {
      for (const step of [1, 2, 5]) if (step * decade >= domain[0]! && step * decade <= domain[1]!) ticks.push(step * decade);
    }
    const axis = { values: ticks, format: ',~r', grid: true };
    return [{
      title: metric,
      width: 260,
      height: 260,
      layer: [
        {
          data: { values: domain.map((d) => ({ d })) },
          mark: { type: 'line', color: '#999999', strokeDash: [4, 3], strokeWidth: 1.5, clip: true },
          encoding: {
            x: { field: 'd', type: 'quantitative', scale, axis },
            y: { field: 'd', type: 'quantitative', scale, axis },
          },
        },
        {
          transform: [{ filter: { field: 'metric', equal: metric } }],
          mark: { type: 'point', filled: true, size: 55, opacity: 0.85 },
          encoding: {
            x: { field: 'predicted', type: 'quantitative', title: 'Predicted by the simulator (log scale)', scale, axis },
            y: { field: 'measured', type: 'quantitative', title: 'Measured on the real engine (log scale)', scale, axis },
            color: protocolColor(rows),
            shape: { field: 'op', type: 'nominal', title: 'Operation', sort: [...OP_ORDER, 'all'] },
            tooltip: [
              { field: 'protocol' }, { field: 't' }, { field: 'valueBytes' }, { field: 'clients' }, { field: 'op' },
              { field: 'predicted', type: 'quantitative', format: '.4~r' },
              { field: 'measured', type: 'quantitative', format: '.4~r' },
              { field: 'relativeError', type: 'quantitative', format: '+.1%' },
            ],
          },
        },
      ],
    }];
  });
  const body: VlSpec = { hconcat: panels, resolve: { scale: { x: 'independent', y: 'independent' } } };
  return { name: o.name, title: o.title, csv: o.csv, spec: topLevel(o.title, o.subtitle, rows, body) };
}
