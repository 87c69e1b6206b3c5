/**
 * @module Markdown tables of a calibration report: the machine, the flat terms and the coding grid
 * (MB/s of value: mean on the CPU clock / mean on the wall clock (median call); MB = 10^6 bytes).
 */
import type { CalibrationReport, CodingPoint } from './calibrate.ts';
import { PRIMITIVES } from './profile.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

function sizeLabel(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} B`;
}

const mbPerS = (bytes: number, ns: number): string => ((bytes / ns) * 1e3).toFixed(0);

export function calibrationTables(report: CalibrationReport): string {
  const { profile, calibration } = report;
  const m = calibration.machine;
  const lines: string[] = [];
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, Linux ${m.kernel}, Node ${m.node}, glibc ${m.glibc}` +
      `${m.glibcTunables === '' ? '' : `, GLIBC_TUNABLES=${m.glibcTunables}`}; load average ${m.loadAverageStart.join(' ')} at start, ` +
      `${m.loadAverageEnd.join(' ')} at end. Crypto ${calibration.crypto}, codec ${calibration.erasure}; means of the best of ` +
      `${calibration.measure.rounds ?? 1} round(s) of >= ${calibration.measure.timeMs} ms and >= ${calibration.measure.iterations} calls per cell.`,
  );
  lines.push('', `Profile "${profile.name}", flat terms:`, '', '| primitive | ns per call | ns per byte |', '|---|---:|---:|');
  for (const p of PRIMITIVES) lines.push(`| ${p} | ${profile[p].nsPerOp} | ${profile[p].nsPerByte} |`);
  const grid = profile.coding;
  if (grid === undefined) return `${lines.join('\n')}\n`;
  const sizes = grid.sizesBytes;
  type Pick = (p: CodingPoint) => { cpuMeanNs: number; meanNs: number; medianNs: number } | undefined;
  const cell = (points: readonly CodingPoint[], bytes: number, pick: Pick): string => {
    const point = points.find((p) => p.bytes === bytes);
    const timing = point === undefined ? undefined : pick(point);
    if (timing === undefined) return '–';
    return `${mbPerS(bytes, timing.cpuMeanNs)} / ${mbPerS(bytes, timing.meanNs)} (${mbPerS(bytes, timing.medianNs)})`;
  };
  lines.push(
    '',
    'Erasure coding, MB/s of value: CPU mean / wall mean (median call); the profile holds the CPU means. decode pN: N of the k fragments used are parity. library: @ronomon/reed-solomon encode, same (k, m).',
    '',
    `| k | n | operation | ${sizes.map(sizeLabel).join(' | ')} |`,
    `|---:|---:|---|${sizes.map(() => '---:').join('|')}|`,
  );
  for (const shape of grid.shapes) {
    const ofShape = calibration.coding.filter((p) => p.k === shape.k && p.n === shape.n);
    const encodes = ofShape.filter((p) => p.op === 'encode');
    const row = (label: string, points: readonly CodingPoint[], pick: Pick): void => {
      lines.push(`| ${shape.k} | ${shape.n} | ${label} | ${sizes.map((bytes) => cell(points, bytes, pick)).join(' | ')} |`);
    };
    row('encode', encodes, (p) => p);
    if (encodes.some((p) => p.library !== undefined)) row('library encode', encodes, (p) => p.library);
    for (let parity = 0; parity < shape.decodeNs.length; parity++) {
      row(`decode p${parity}`, ofShape.filter((p) => p.op === 'decode' && p.parityFragments === parity), (p) => p);
    }
  }
  return `${lines.join('\n')}\n`;
}
