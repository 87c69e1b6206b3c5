/**
 * @module Headless rendering: vega-lite spec → vega spec (vega-lite 5) → SVG (vega 5, no DOM) → PNG
 * (@resvg/resvg-js with the shipped font only, so the pixels do not depend on installed fonts).
 */
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { ChartDef, VlSpec } from './specs.ts';
import { FONT_FAMILY, FONT_FILE } from './theme.ts';
import { loadFontMetrics } from './font-metrics.ts';
import { writeFileAtomic } from '../results/writer.ts';

let metricsInstalled = false;

/** Measure text with the shipped font (see font-metrics.ts); vega's default guesses 0.8 em per char. */
function installTextMetrics(): void {
  if (metricsInstalled) return;
  const metrics = loadFontMetrics(FONT_FILE);
  // vega re-exports vega-scenegraph's `textMetrics` at runtime; its typings omit it.
  const textMetrics = (vega as unknown as { textMetrics: unknown }).textMetrics as {
    width: (item: { fontSize?: number; text?: unknown }, text?: unknown) => number;
  };
  textMetrics.width = (item, text) => {
    const value = text ?? item.text ?? '';
    const size = typeof item.fontSize === 'number' ? item.fontSize : 11;
    const lines = Array.isArray(value) ? value.map(String) : [String(value)];
    return Math.max(0, ...lines.map((line) => metrics.widthPx(line, size)));
  };
  metricsInstalled = true;
}

export interface RenderedChart {
  readonly name: string;
  readonly vegaSpec: vega.Spec;
  readonly svg: string;
  readonly png: Uint8Array;
}

/** Compiles a vega-lite spec to vega (the `.vg.json` written next to each chart). */
export function compileSpec(spec: VlSpec): vega.Spec {
  // vega-lite's TopLevelSpec type is a deep union; the specs are validated by compile() itself.
  return compile(spec as unknown as Parameters<typeof compile>[0]).spec as vega.Spec;
}

/** Renders a chart to SVG and PNG (2× pixel density) in memory. */
export async function renderChart(chart: ChartDef): Promise<RenderedChart> {
  installTextMetrics();
  const vegaSpec = compileSpec(chart.spec);
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return { name: chart.name, vegaSpec, svg, png: svgToPng(svg) };
}

/** Any SVG of the project (charts, figures, diagrams) as a PNG at 2× pixel density, with the shipped font only. */
export function svgToPng(svg: string): Uint8Array {
  return new Resvg(svg, {
    font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
  })
    .render()
    .asPng();
}

/** Writes `<dir>/<name>.svg`, `.png`, `.vg.json` (compiled vega) and `.vl.json` (vega-lite source). */
export async function writeChart(chart: ChartDef, dir: string): Promise<RenderedChart> {
  const rendered = await renderChart(chart);
  writeFileAtomic(join(dir, `${chart.name}.vl.json`), JSON.stringify(chart.spec, null, 1) + '\n');
  writeFileAtomic(join(dir, `${chart.name}.vg.json`), JSON.stringify(rendered.vegaSpec, null, 1) + '\n');
  writeFileAtomic(join(dir, `${chart.name}.svg`), rendered.svg);
  writeFileAtomic(join(dir, `${chart.name}.png`), rendered.png);
  return rendered;
}

/** The rows of the chart's CSV dataset as vega holds them after running the view (for tests). */
export async function viewDataOf(vegaSpec: vega.Spec, dataset: string): Promise<unknown[]> {
  installTextMetrics();
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  await view.runAsync();
  const data = view.data(dataset) as unknown[];
  view.finalize();
  return data;
}
