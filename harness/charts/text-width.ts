/** @module The width of text in the shipped font, for laying out SVG figures by hand. */
import { loadFontMetrics, type FontMetrics } from './font-metrics.ts';
import { FONT_FILE } from './theme.ts';

/** Loaded on first use: most commands draw no figure. */
let metrics: FontMetrics | undefined;

export function textWidthPx(text: string, sizePx: number): number {
  metrics ??= loadFontMetrics(FONT_FILE);
  return metrics.widthPx(text, sizePx);
}
