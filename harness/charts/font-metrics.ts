/**
 * @module Text widths from a TrueType font's own advance widths, for vega's layout.
 *
 * Headless vega (no `canvas` package) estimates a text's width as 0.8 em per character, which is far
 * wider than DejaVu Sans (≈0.6 em on average), so legends and axis titles get uneven gaps. vega lets a
 * caller replace `textMetrics.width` (vl-convert does the same); we measure with the shipped font,
 * which is also the only font the PNG rasteriser loads, so layout and pixels agree.
 * Kerning is ignored (a few tenths of a pixel per label).
 */
import { readFileSync } from 'node:fs';

export interface FontMetrics {
  /** Advance width of `text` at `fontSizePx`, in pixels. */
  widthPx(text: string, fontSizePx: number): number;
}

function tableOffset(view: DataView, tag: string): number {
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const record = 12 + i * 16;
    let name = '';
    for (let j = 0; j < 4; j++) name += String.fromCharCode(view.getUint8(record + j));
    if (name === tag) return view.getUint32(record + 8);
  }
  throw new Error(`font: table '${tag}' not found`);
}

/** Parses `head`, `hhea`, `hmtx` and the Unicode BMP `cmap` (format 4) subtable. */
export function loadFontMetrics(path: string): FontMetrics {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const unitsPerEm = view.getUint16(tableOffset(view, 'head') + 18);
  const numberOfHMetrics = view.getUint16(tableOffset(view, 'hhea') + 34);
  const hmtx = tableOffset(view, 'hmtx');
  const advance = (glyph: number): number =>
    view.getUint16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));

  const cmap = tableOffset(view, 'cmap');
  let format4 = -1;
  const numSubtables = view.getUint16(cmap + 2);
  for (let i = 0; i < numSubtables; i++) {
    const platform = view.getUint16(cmap + 4 + i * 8);
    const encoding = view.getUint16(cmap + 6 + i * 8);
    const offset = cmap + view.getUint32(cmap + 8 + i * 8);
    if (platform === 3 && encoding === 1 && view.getUint16(offset) === 4) format4 = offset;
  }
  if (format4 < 0) throw new Error(`font: no Unicode BMP cmap subtable in ${path}`);
  const segCount = view.getUint16(format4 + 6) / 2;
  const endCodes = format4 + 14;
  const startCodes = endCodes + segCount * 2 + 2;
  const idDeltas = startCodes + segCount * 2;
  const idRangeOffsets = idDeltas + segCount * 2;

  const glyphOf = (code: number): number => {
    for (let s = 0; s < segCount; s++) {
      if (code > view.getUint16(endCodes + s * 2)) continue;
      const start = view.getUint16(startCodes + s * 2);
      if (code < start) return 0;
      const delta = view.getInt16(idDeltas + s * 2);
      const rangeOffset = view.getUint16(idRangeOffsets + s * 2);
      if (rangeOffset === 0) return (code + delta) & 0xffff;
      const glyphAt = idRangeOffsets + s * 2 + rangeOffset + (code - start) * 2;
      const glyph = view.getUint16(glyphAt);
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };

  const cache = new Map<number, number>();
  return {
    widthPx(text: string, fontSizePx: number): number {
      let units = 0;
      for (const ch of text) {
        const code = ch.codePointAt(0) ?? 0;
        let w = cache.get(code);
        if (w === undefined) {
          w = advance(code > 0xffff ? 0 : glyphOf(code));
          cache.set(code, w);
        }
        units += w;
      }
      return (units * fontSizePx) / unitsPerEm;
    },
  };
}
