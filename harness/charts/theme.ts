/**
 * @module The look shared by every chart: one fixed colour per protocol, one font, one vega config.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../entry-points.ts';

/**
 * Protocol → colour, the same in every chart (Tableau 10 hues; M-PoWerStore, the paper's protocol,
 * gets the strongest one). A protocol missing here gets a grey, never a colour that belongs to another.
 * The key order is the order of legends and bars: the crash-tolerant protocols (replicated, then
 * coded), then the Byzantine-tolerant ones (coded, then the signed baseline), so that ABD → CAS →
 * M-PoWerStore, the steps of experiment 8, stand side by side.
 */
export const PROTOCOL_COLORS: Readonly<Record<string, string>> = {
  abd: '#4c78a8',
  cas: '#b279a2',
  powerstore: '#54a24b',
  'm-powerstore': '#f58518',
  'bft-signed': '#e45756',
  'fastwrite-strawman': '#9d755d',
};

const UNKNOWN_PROTOCOL_COLORS = ['#79706e', '#bab0ac', '#72b7b2'];

/** The canonical protocol order of legends: the order above first, then others alphabetically. */
export function orderProtocols(names: Iterable<string>): string[] {
  const known = Object.keys(PROTOCOL_COLORS);
  const unique = [...new Set(names)];
  return [
    ...known.filter((p) => unique.includes(p)),
    ...unique.filter((p) => !known.includes(p)).sort(),
  ];
}

/** A vega-lite color scale pinned to the protocols present, each with its fixed colour. */
export function protocolColorScale(present: Iterable<string>): { domain: string[]; range: string[] } {
  const domain = orderProtocols(present);
  let spare = 0;
  const range = domain.map(
    (p) => PROTOCOL_COLORS[p] ?? UNKNOWN_PROTOCOL_COLORS[spare++ % UNKNOWN_PROTOCOL_COLORS.length] ?? '#79706e',
  );
  return { domain, range };
}

/** Colours of the stacked cost components (not protocols, so none of the protocol hues). */
export const COMPONENT_COLORS = ['#1f77b4', '#aec7e8', '#ff9896', '#98df8a', '#c5b0d5', '#c49c94', '#f7b6d2', '#dbdb8d'];

export const VERDICT_COLORS: Readonly<Record<string, string>> = {
  ok: '#a1d99b',
  'violation (expected)': '#fdd0a2',
  violation: '#fb6a4a',
  unknown: '#d9d9d9',
  'n/a': '#f0f0f0',
};

export const FONT_FAMILY = 'DejaVu Sans';
export const FONT_FILE = join(PROJECT_ROOT, 'assets/fonts/DejaVuSans.ttf');

/**
 * The vega config of every chart. Weights stay normal because only the regular face is shipped
 * (a bold title would be faked differently by browsers and by resvg).
 */
export const VEGA_CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 8,
  view: { stroke: '#bbbbbb' },
  title: { fontSize: 15, fontWeight: 'normal', anchor: 'start', offset: 10, subtitleFontSize: 11, subtitleColor: '#555555' },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    gridColor: '#e6e6e6',
    labelColor: '#333333',
    titleColor: '#222222',
  },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', symbolStrokeWidth: 2.5, labelLimit: 260 },
  header: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', labelFontWeight: 'normal' },
  line: { strokeWidth: 2 },
  point: { size: 36, filled: true },
} as const;
