/**
 * @module `quorumbench trace`: what to do with a run's message trace (`trace/<run>.jsonl`, written by
 * `run --trace` or a config's `trace:`; format: harness/trace/events.ts).
 *
 *   trace draw FILE [--from MS] [--to MS] [--ops LIST] [--key K] [--out FILE.svg] [--png]
 *       the Lamport diagram, as SVG (and PNG), default FILE with .svg
 *   trace export FILE --format perfetto|shiviz [--out PATH]
 *       Trace Event JSON for Perfetto / chrome://tracing (default FILE with .perfetto.json), or a
 *       ShiViz log (default FILE with .shiviz.log); docs/traces.md says how to open them
 *
 * Exit code 2 for a bad flag or an unreadable trace (one line naming the line and field).
 */
import { Command, InvalidArgumentError } from 'commander';
import { InputError } from '../../input-error.ts';

function parseMs(flag: string): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new InvalidArgumentError(`${flag} must be a time in ms >= 0, got ${JSON.stringify(value)}`);
    return number;
  };
}

/** `3,5-7` → [3, 5, 6, 7]: operation indices (history lines, 0-based). */
function parseOpList(value: string): number[] {
  const out: number[] = [];
  for (const part of value.split(',')) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const from = match === null ? NaN : Number(match[1]);
    const to = match?.[2] === undefined ? from : Number(match[2]);
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from || to - from > 100_000) {
      throw new InvalidArgumentError(`--ops must list operation indices like 3,5-7, got ${JSON.stringify(value)}`);
    }
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

function parseFormat(value: string): 'perfetto' | 'shiviz' {
  if (value !== 'perfetto' && value !== 'shiviz') throw new InvalidArgumentError(`--format must be perfetto or shiviz, got ${JSON.stringify(value)}`);
  return value;
}

function withoutJsonl(file: string): string {
  return file.replace(/\.jsonl$/, '');
}

export function register(program: Command): void {
  const trace = program.command('trace').description('draw or export a message trace (trace/<run>.jsonl of a run with --trace)');
  trace
    .command('draw')
    .description('draw the Lamport (space-time) diagram of a trace as SVG')
    .argument('<file>', 'trace file (trace/<run>.jsonl)')
    .option('--from <ms>', 'start of the window (ms)', parseMs('--from'))
    .option('--to <ms>', 'end of the window (ms)', parseMs('--to'))
    .option('--ops <list>', 'only these operations and their messages, e.g. 3,5-7 (history line indices, 0-based)', parseOpList)
    .option('--key <key>', 'only the operations and messages of this register')
    .option('--out <file>', 'SVG file to write (default: the trace file with .svg)')
    .option('--png', 'also write a PNG next to the SVG')
    .action(async (file: string, flags: { from?: number; to?: number; ops?: number[]; key?: string; out?: string; png?: boolean }) => {
      if (flags.from !== undefined && flags.to !== undefined && flags.to < flags.from) {
        throw new InputError(`--to must be >= --from (${flags.from}), got ${flags.to}`);
      }
      // Loaded when the command runs, so that other commands (and --help) do not pay for the drawing code.
      const { readTraceFile } = await import('../../trace/file.ts');
      const { renderLamportSvg, selectLamport } = await import('../../trace/lamport.ts');
      const { writeFileAtomic } = await import('../../results/writer.ts');
      const data = readTraceFile(file);
      const options = {
        ...(flags.from === undefined ? {} : { fromMs: flags.from }),
        ...(flags.to === undefined ? {} : { toMs: flags.to }),
        ...(flags.ops === undefined ? {} : { ops: flags.ops }),
        ...(flags.key === undefined ? {} : { key: flags.key }),
      };
      const selection = selectLamport(data, options);
      const svg = renderLamportSvg(data, options);
      const out = flags.out ?? `${withoutJsonl(file)}.svg`;
      writeFileAtomic(out, svg);
      let wrote = out;
      if (flags.png === true) {
        const { svgToPng } = await import('../../charts/render.ts');
        const png = out.replace(/\.svg$/, '') + '.png';
        writeFileAtomic(png, svgToPng(svg));
        wrote += ` and ${png}`;
      }
      process.stdout.write(`wrote ${wrote}: ${selection.messages.length} messages and ${selection.ops.length} operations from ${selection.fromMs} to ${selection.toMs} ms\n`);
    });
  trace
    .command('export')
    .description('export a trace for Perfetto / chrome://tracing (Trace Event JSON) or ShiViz (log with vector clocks)')
    .argument('<file>', 'trace file (trace/<run>.jsonl)')
    .requiredOption('--format <format>', 'perfetto (Trace Event JSON, also chrome://tracing) or shiviz', parseFormat)
    .option('--out <path>', 'file to write (default: the trace file with .perfetto.json or .shiviz.log)')
    .action(async (file: string, flags: { format: 'perfetto' | 'shiviz'; out?: string }) => {
      const { readTraceFile } = await import('../../trace/file.ts');
      const { writeFileAtomic } = await import('../../results/writer.ts');
      const data = readTraceFile(file);
      const { toChromeTrace } = await import('../../trace/chrome.ts');
      const { toShiviz } = await import('../../trace/shiviz.ts');
      const text = flags.format === 'perfetto' ? `${JSON.stringify(toChromeTrace(data))}\n` : toShiviz(data);
      const out = flags.out ?? `${withoutJsonl(file)}.${flags.format === 'perfetto' ? 'perfetto.json' : 'shiviz.log'}`;
      writeFileAtomic(out, text);
      process.stdout.write(`wrote ${out} (${data.events.length} trace events)\n`);
    });
}
