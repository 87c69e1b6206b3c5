/**
 * @module `quorumbench check FILE... [--format jsonl|edn|jepsen] [--model register|cas-register]
 * [--timeout S] [--timeline DIR] [--allow-empty]`: judges histories for linearizability, one line
 * per file with its operation and key counts (`FILE: ok: 1,000,000 ops, 1 key`; details indented
 * below a violation), and writes the HTML timeline of each violation (`<file name>.violation.html`
 * in DIR, by default the current directory: never beside the input, which may be a fixture).
 *
 * Formats: the harness's JSON Lines (docs/history.schema.json; `rounds` optional), Jepsen's
 * `history.edn`, and the older Jepsen etcd logs.
 *
 * Exit code: 2 if any file is bad input (unreadable, or a line that does not parse: reported with
 * its line number and field) or a flag is invalid; else 1 if any history is a violation; else 3 if
 * any is unknown (time limit, or an empty history without --allow-empty: a truncated run must not
 * pass); else 0.
 */
import { isAscii } from 'node:buffer';
import { mkdir, open, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { CheckModel, CheckResult, CheckerRecord } from '../../checker/index.ts';

/** `jsonl`: the harness's JSON Lines; `edn`: Jepsen's history.edn; `jepsen`: the older Jepsen etcd logs. */
export type HistoryFormat = 'jsonl' | 'edn' | 'jepsen';
const FORMATS: readonly HistoryFormat[] = ['jsonl', 'edn', 'jepsen'];

export interface CheckFlags {
  /** Default: by extension (.edn → edn, .log → jepsen, .jsonl/.json/.ndjson → jsonl), else by the content. */
  readonly format?: HistoryFormat;
  /** Default: cas-register if the history has a compare-and-set, else register. */
  readonly model?: CheckModel;
  /** Time limit per file, in seconds. @default 60 */
  readonly timeout?: number;
  /** Where to write violation timelines. @default the current directory */
  readonly timeline?: string;
  /** Judge an empty history ok (it is unknown otherwise). @default false */
  readonly allowEmpty?: boolean;
}

export interface CheckIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const defaultIo: CheckIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

function parseFormat(value: string): HistoryFormat {
  if (!(FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`--format must be jsonl, edn or jepsen, got ${JSON.stringify(value)}`);
  return value as HistoryFormat;
}

function parseModel(value: string): CheckModel {
  if (value !== 'register' && value !== 'cas-register') throw new InvalidArgumentError(`--model must be register or cas-register, got ${JSON.stringify(value)}`);
  return value;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError(`--timeout must be a positive number of seconds, got ${JSON.stringify(value)}`);
  return seconds;
}

function configure(command: Command): Command {
  return command
    .description('check histories for linearizability (exit 0 all ok, 1 a violation, 3 unknown, 2 bad input)')
    .argument('<files...>', 'history files: harness JSON Lines (docs/history.schema.json), Jepsen history.edn, or Jepsen etcd logs')
    .option('--format <format>', 'jsonl, edn or jepsen (default: by extension, else by content)', parseFormat)
    .option('--model <model>', 'register or cas-register (default: cas-register if the history has a cas)', parseModel)
    .option('--timeout <seconds>', 'time limit per file; keys not decided by then are unknown (default 60)', parseSeconds)
    .option('--timeline <dir>', 'write violation timelines (<file name>.violation.html) into this folder (default: the current directory)')
    .option('--allow-empty', 'judge a history with no operations ok (default: unknown, exit 3, so that a truncated run does not pass)');
}

export function register(program: Command): void {
  configure(program.command('check'))
    // A usage error (bad flag value) is bad input: exit 2. Set here because a subcommand does not
    // inherit an exitOverride that the program sets after registering it.
    .exitOverride((error) => {
      process.exit(error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? 0 : 2);
    })
    .action(async (files: string[], flags: CheckFlags) => {
      process.exitCode = await checkFiles(files, flags);
    });
}

/** Runs `check` with its own argument list (without the command name); returns the exit code. */
export async function runCheckCli(args: readonly string[], io: CheckIo = defaultIo): Promise<number> {
  let code = 0;
  const command = configure(new Command('check'))
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .action(async (files: string[], flags: CheckFlags) => {
      code = await checkFiles(files, flags, io);
    });
  try {
    await command.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    throw error;
  }
  return code;
}

/** The first 64 KiB of a file (enough to tell its format). */
async function firstBytes(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(65_536);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function detectFormat(file: string, head: Buffer): HistoryFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.edn') return 'edn';
  if (ext === '.log') return 'jepsen';
  if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') return 'jsonl';
  const first = (head.toString('utf8').split('\n', 20).find((line) => line.trim() !== '') ?? '').trimStart();
  // JSON objects open with a quoted key; EDN operation maps with a keyword, alone or in a vector.
  if (/^\{\s*"/.test(first)) return 'jsonl';
  if (/^[[(]?\s*\{\s*:/.test(first) || first.startsWith(';')) return 'edn';
  return 'jepsen';
}

/** `1,000,000 ops, 1 key`. */
function counts(ops: number, keys: number): string {
  return `${ops.toLocaleString('en-US')} op${ops === 1 ? '' : 's'}, ${keys.toLocaleString('en-US')} key${keys === 1 ? '' : 's'}`;
}

type FileOutcome = 'ok' | 'violation' | 'unknown' | 'bad-input';

/**
 * A file's text (UTF-8). Histories are usually ASCII, and ASCII read as Latin-1 is the same string
 * at half the cost of UTF-8 decoding, which a million-operation history notices.
 */
function decodeText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Checks each file in turn and prints its line; returns the exit code. */
export async function checkFiles(files: readonly string[], flags: CheckFlags, io: CheckIo = defaultIo): Promise<number> {
  const outcomes: FileOutcome[] = [];
  for (const file of files) outcomes.push(await checkOneFile(file, flags, io));
  if (outcomes.includes('bad-input')) return 2;
  if (outcomes.includes('violation')) return 1;
  if (outcomes.includes('unknown')) return 3;
  return 0;
}

async function checkOneFile(file: string, flags: CheckFlags, io: CheckIo): Promise<FileOutcome> {
  const { checkColumns, checkHistory, describeRecord, HistoryInputError, parseJepsenEdn, parseJepsenLog, parseJsonlCheckerHistory, renderTimelineHtml, scanHistoryFile } = await import('../../checker/index.ts');
  const { writeFileAtomic } = await import('../../results/writer.ts');
  // A JSON Lines history of reads and writes is checked as columns, scanned while the file is read;
  // any other input is read whole and parsed into records.
  let records: CheckerRecord[] | undefined;
  let result: CheckResult | undefined;
  let counted = '';
  try {
    const format = flags.format ?? detectFormat(file, await firstBytes(file));
    const options = { ...(flags.model !== undefined ? { model: flags.model } : {}), timeoutMs: (flags.timeout ?? 60) * 1000 };
    const columns = format === 'jsonl' ? await scanHistoryFile(file) : undefined;
    if (columns !== undefined) {
      counted = counts(columns.n, columns.keys.length - 1); // keys[0] is the unused id 0
      if (columns.n > 0 || flags.allowEmpty === true) result = await checkColumns(columns, options);
    } else {
      const text = decodeText(await readFile(file));
      records = format === 'jsonl' ? parseJsonlCheckerHistory(text) : format === 'edn' ? parseJepsenEdn(text) : parseJepsenLog(text);
      counted = counts(records.length, new Set(records.map((r) => r.key)).size);
      if (records.length > 0 || flags.allowEmpty === true) result = await checkHistory(records, options);
    }
    if (result === undefined) {
      io.out(`${file}: unknown: 0 ops, 0 keys (an empty history; --allow-empty judges it ok)\n`);
      return 'unknown';
    }
  } catch (error) {
    if (error instanceof HistoryInputError) {
      io.out(`${file}: error: ${error.message}\n`);
      return 'bad-input';
    }
    // A system call that failed (ENOENT, EISDIR, EACCES...): the file cannot be read.
    if (error instanceof Error && 'syscall' in error) {
      io.out(`${file}: error: cannot read the file (${(error as NodeJS.ErrnoException).code ?? error.message})\n`);
      return 'bad-input';
    }
    throw error;
  }
  switch (result.verdict) {
    case 'ok':
      io.out(`${file}: ok: ${counted}\n`);
      return 'ok';
    case 'unknown': {
      io.out(`${file}: unknown: ${counted}\n`);
      for (const key of result.perKey) if (key.verdict === 'unknown') io.out(`  key ${JSON.stringify(key.key)}: ${key.reason ?? 'undecided'}\n`);
      return 'unknown';
    }
    case 'violation': {
      io.out(`${file}: violation: ${counted}\n`);
      const bad = result.perKey.filter((k) => k.verdict === 'violation');
      for (const key of bad) {
        io.out(`  key ${JSON.stringify(key.key)} (${key.opCount} ops, ${key.method === 'fast' ? 'read-mapping check' : 'search'}): ${key.excerpt?.explanation ?? 'not linearizable'}\n`);
        if (key.excerpt !== undefined) {
          for (let i = 0; i < key.excerpt.indices.length; i++) {
            io.out(`    #${key.excerpt.indices[i]} ${describeRecord(key.excerpt.records[i] as CheckerRecord)}\n`);
          }
        }
      }
      const target = join(flags.timeline ?? '.', `${basename(file)}.violation.html`);
      try {
        if (flags.timeline !== undefined) await mkdir(flags.timeline, { recursive: true });
        writeFileAtomic(target, renderTimelineHtml(records ?? parseJsonlCheckerHistory(decodeText(await readFile(file))), result));
        io.out(`  timeline: ${target}\n`);
      } catch (error) {
        io.err(`${file}: could not write the timeline ${target}: ${(error as Error).message}\n`);
      }
      return 'violation';
    }
  }
}
