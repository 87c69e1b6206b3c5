/**
 * @module `npm run bench:cli` (it builds first): how fast the compiled `quorumbench` starts and
 * reads histories, as a user and the real engine run it. Each process is timed from spawn to exit
 * (or to its ready line), alternately with `node -e 0`, so that the figure and its baseline see the
 * same machine load; each figure is reported as a difference to the baseline's median.
 *
 * 1. `quorumbench --help` (target: ≤ 150 ms more than `node -e 0`).
 * 2. `quorumbench check` of a 100-operation history (target: ≤ +250 ms).
 * 3. A `serve` child, as the real engine starts it: spawn to its ready line (target: ≤ 300 ms).
 * 4. `quorumbench check` of a 10^6-operation single-key history, 32 clients (target: ≤ 2.5 s wall,
 *    start, read and parse included).
 *
 * Options: --runs N (samples per figure, default 10; figure 4 takes a third of them, at least 3),
 * --quick (skip figure 4), --out FILE (also write the markdown table there), --compare DIR (also
 * measure another checkout, e.g. an older commit, in the same run: its dist/ if it has one, else its
 * sources through tsx as before the build existed).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { generateHistory } from '../harness/checker/generate.ts';
import { PROJECT_ROOT } from '../harness/entry-points.ts';
import { historyJsonl, writeFileAtomic } from '../harness/results/writer.ts';

/** A checkout to measure: how to start its command and its server process. */
interface Tree {
  readonly label: string;
  readonly dir: string;
  /** Node arguments before the command's own. */
  readonly cli: readonly string[];
  readonly serve: readonly string[];
}

/** What `npx quorumbench` runs in `dir`, and what its real engine starts a server from. */
function treeOf(dir: string, label: string): Tree | undefined {
  if (existsSync(join(dir, 'dist/bin/quorumbench.js'))) {
    return { label, dir, cli: [join(dir, 'dist/bin/quorumbench.js')], serve: [join(dir, 'dist/harness/cli/serve-entry.js')] };
  }
  // A checkout from before the build: its command ran the sources through tsx.
  if (existsSync(join(dir, 'bin/quorumbench.js'))) return { label, dir, cli: [join(dir, 'bin/quorumbench.js')], serve: ['--import', 'tsx', join(dir, 'harness/cli/serve-entry.ts')] };
  return undefined;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function usage(message: string): never {
  process.stderr.write(`bench:cli: ${message}\n`);
  process.exit(2);
}

const runsText = argument('--runs') ?? '10';
const runs = Number(runsText);
if (!Number.isSafeInteger(runs) || runs < 1) usage(`--runs must be a positive integer, got ${JSON.stringify(runsText)}`);
const quick = process.argv.includes('--quick');
const outFile = argument('--out');
if (!existsSync(join(PROJECT_ROOT, 'dist/bin/quorumbench.js'))) usage(`${join(PROJECT_ROOT, 'dist')} is missing: run \`npm run build\` (npm run bench:cli does)`);
const here = treeOf(PROJECT_ROOT, 'this checkout') as Tree;
const compareDir = argument('--compare');
const other = compareDir === undefined ? undefined : treeOf(compareDir, compareDir);
if (compareDir !== undefined && other === undefined) usage(`--compare: ${JSON.stringify(compareDir)} has neither dist/bin/quorumbench.js nor bin/quorumbench.js`);
const trees = other === undefined ? [here] : [other, here];

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const mean = (xs: readonly number[]): number => xs.reduce((sum, x) => sum + x, 0) / xs.length;
const loadNote = (): string => `load average ${loadavg().map((x) => x.toFixed(2)).join(' / ')} (1/5/15 min)`;

/** Wall time of `node ...args` from spawn to exit, in ms; the run must exit 0 and print `expectOut` if given. */
async function timeNode(args: readonly string[], expectOut?: RegExp, cwd = PROJECT_ROOT): Promise<number> {
  const started = performance.now();
  const result = await execa(process.execPath, args, { reject: false, stdin: 'ignore', cwd });
  const elapsedMs = performance.now() - started;
  if (result.exitCode !== 0 || (expectOut !== undefined && !expectOut.test(result.stdout))) {
    throw new Error(`node ${args.join(' ')}: exit ${result.exitCode}\n${result.stdout.slice(0, 500)}\n${result.stderr.slice(0, 500)}`);
  }
  return elapsedMs;
}

/** Wall time from spawning a `serve` child to its ready line on stdout, in ms; the child is stopped after. */
async function timeServeReady(tree: Tree, clusterFile: string, secretFile: string): Promise<number> {
  // Checkouts from before run secrets existed take no --secret-file.
  const secret = existsSync(join(tree.dir, 'harness/real/run-secret.ts')) ? ['--secret-file', secretFile] : [];
  const started = performance.now();
  const child = execa(process.execPath, [...tree.serve, '--id', 's1', '--listen', '127.0.0.1:0', '--cluster', clusterFile, ...secret, '--exit-on-stdin-close'], {
    cwd: tree.dir,
    stdin: 'pipe',
    buffer: false,
    reject: false,
  });
  try {
    const lines = createInterface({ input: child.stdout });
    for await (const line of lines) {
      if (line.includes('"event":"ready"')) return performance.now() - started;
    }
    const result = await child;
    throw new Error(`serve exited (${result.exitCode}) before its ready line: ${String(result.stderr).slice(0, 500)}`);
  } finally {
    child.kill('SIGTERM');
    await child;
  }
}

interface Figure {
  readonly what: string;
  readonly target: string;
  /** Whether the figure meets its target, from its median and the baseline's. */
  readonly meets: (medianMs: number, baselineMedianMs: number) => boolean;
  readonly samples: number;
  readonly measure: (tree: Tree) => Promise<number>;
}

interface Row {
  readonly figure: Figure;
  readonly tree: Tree;
  readonly ms: number[];
  readonly baselineMs: number[];
}

/**
 * Runs `node -e 0` and the figure on every tree alternately, `figure.samples` times, after one
 * warm-up of each; one row per tree, each with the baseline samples of the same rounds.
 */
async function measure(figure: Figure): Promise<Row[]> {
  const rows = trees.map((tree) => ({ figure, tree, ms: [] as number[], baselineMs: [] as number[] }));
  await timeNode(['-e', '0']);
  for (const tree of trees) await figure.measure(tree);
  for (let i = 0; i < figure.samples; i++) {
    const baselineMs = await timeNode(['-e', '0']);
    for (const row of rows) {
      row.baselineMs.push(baselineMs);
      row.ms.push(await figure.measure(row.tree));
    }
  }
  return rows;
}

function table(rows: readonly Row[]): string {
  const lines = [
    `| figure |${trees.length > 1 ? ' checkout |' : ''} runs | median ms | mean ms | \`node -e 0\` median ms | difference (median) | target | met |`,
    `|---|${trees.length > 1 ? '---|' : ''}---:|---:|---:|---:|---:|---|---|`,
  ];
  for (const { figure, tree, ms, baselineMs } of rows) {
    const difference = median(ms) - median(baselineMs);
    lines.push(
      `| ${figure.what} |${trees.length > 1 ? ` ${tree.label} |` : ''} ${ms.length} | ${median(ms).toFixed(0)} | ${mean(ms).toFixed(0)} | ${median(baselineMs).toFixed(0)} | ${difference >= 0 ? '+' : ''}${difference.toFixed(0)} | ${figure.target} | ${figure.meets(median(ms), median(baselineMs)) ? 'yes' : 'no'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'qb-bench-cli-'));
const cleanUp = (): void => rmSync(dir, { recursive: true, force: true });
process.once('SIGINT', () => {
  cleanUp();
  process.exit(130);
});
try {
  const header = `bench:cli on Node ${process.version}; ${loadNote()} at start`;
  process.stdout.write(`${header}\n`);
  const smallHistory = join(dir, 'small.jsonl');
  writeFileSync(smallHistory, historyJsonl(generateHistory({ ops: 100, clients: 4, keys: 1, seed: 1 })));
  const clusterFile = join(dir, 'cluster.yaml');
  writeFileSync(clusterFile, 'seed: 1\nprotocol: { name: abd, t: 1 }\ncluster: { s1: "127.0.0.1:1", s2: "127.0.0.1:2", s3: "127.0.0.1:3" }\n');
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, `${'5e'.repeat(32)}\n`, { mode: 0o600 });
  const figures: Figure[] = [
    {
      what: '`quorumbench --help`',
      target: '≤ +150 ms',
      meets: (m, base) => m - base <= 150,
      samples: runs,
      measure: (tree) => timeNode([...tree.cli, '--help'], /Usage: quorumbench/, tree.dir),
    },
    {
      what: '`quorumbench check`, 100 operations',
      target: '≤ +250 ms',
      meets: (m, base) => m - base <= 250,
      samples: runs,
      measure: (tree) => timeNode([...tree.cli, 'check', smallHistory], /: ok(: |$)/m, tree.dir),
    },
    {
      what: '`serve` child: spawn to ready line',
      target: '≤ 300 ms',
      meets: (m) => m <= 300,
      samples: runs,
      measure: (tree) => timeServeReady(tree, clusterFile, secretFile),
    },
  ];
  if (!quick) {
    const bigHistory = join(dir, 'big.jsonl');
    writeFileSync(bigHistory, historyJsonl(generateHistory({ ops: 1_000_000, clients: 32, keys: 1, seed: 7 })));
    figures.push({
      what: '`quorumbench check`, 10^6 operations, 1 key, 32 clients',
      target: '≤ 2500 ms',
      meets: (m) => m <= 2500,
      samples: Math.max(3, Math.ceil(runs / 3)),
      measure: (tree) => timeNode([...tree.cli, 'check', bigHistory], /: ok(: |$)/m, tree.dir),
    });
  }
  const rows: Row[] = [];
  for (const figure of figures) {
    rows.push(...(await measure(figure)));
    process.stdout.write(`  measured ${figure.what}\n`);
  }
  const report = `${header}\n\n${table(rows)}\n${loadNote()} at end\n`;
  process.stdout.write(`\n${report}`);
  if (outFile !== undefined) writeFileAtomic(outFile, report);
} finally {
  cleanUp();
}
