/**
 * Benchmark of the linearizability checker (`npm run bench:checker`):
 * 1. the 102 Jepsen etcd logs (test/fixtures/jepsen-etcd): total and slowest log, median of 3
 *    passes after one warm-up pass, parsing excluded; verdict only (as Porcupine's
 *    CheckOperations) and with violation excerpts;
 * 2. generated unique-value register histories: 10^5 operations (in memory, median of 3), and
 *    10^6 operations written to a temporary JSON Lines file, then read + parsed + checked (median
 *    of 3), with 16–64 concurrent clients; one key, plus a 10^6 history over 64 keys.
 * Options: --quick (skip the 10^6 cases).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHistory, parseJepsenLog, parseJsonlHistory, type CheckResult, type CheckerRecord } from '../harness/checker/index.ts';
import { generateHistory } from '../harness/checker/generate.ts';

const quick = process.argv.includes('--quick');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const ms = (x: number): string => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const sec = (x: number): string => `${(x / 1000).toFixed(2)} s`;
/** CPU time of this process (all its threads), in ms: less sensitive than wall time to other load on the machine. */
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;
const loadNote = (): string => `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;

async function jepsen(): Promise<void> {
  const dir = new URL('../test/fixtures/jepsen-etcd/', import.meta.url);
  const expected = (JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as { linearizable: Record<string, boolean> }).linearizable;
  const files = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  const logs = files.map((f) => parseJepsenLog(readFileSync(new URL(f, dir), 'utf8')));
  for (const excerpt of [false, true]) {
    const perFile: number[][] = files.map(() => []);
    const totals: number[] = [];
    const cpuTotals: number[] = [];
    let wrong = 0;
    for (let pass = 0; pass < 4; pass++) {
      let total = 0;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < logs.length; i++) {
        const t0 = performance.now();
        const result = await checkHistory(logs[i] as CheckerRecord[], { excerpt, workers: 0 });
        const dt = performance.now() - t0;
        total += dt;
        if (pass > 0) (perFile[i] as number[]).push(dt);
        if (result.verdict !== (expected[files[i] as string] ? 'ok' : 'violation')) wrong++;
      }
      const cpu = cpuMs(process.cpuUsage(cpu0));
      if (pass === 0) console.log(`  warm-up pass (${excerpt ? 'with excerpts' : 'verdict only'}): ${ms(total)} wall, ${ms(cpu)} CPU`);
      else {
        totals.push(total);
        cpuTotals.push(cpu);
      }
    }
    const medians = perFile.map(median);
    let slowest = 0;
    for (let i = 1; i < medians.length; i++) if ((medians[i] as number) > (medians[slowest] as number)) slowest = i;
    console.log(
      `Jepsen etcd corpus, ${files.length} logs, ${excerpt ? 'with violation excerpts' : 'verdict only'}: total ${ms(median(totals))} wall, ${ms(median(cpuTotals))} CPU ` +
        `(median of 3 passes: ${totals.map(ms).join(', ')}); slowest ${files[slowest]} ${ms(medians[slowest] as number)}; ` +
        `verdicts matching expected.json: ${files.length - wrong / 4}/${files.length}`,
    );
  }
}

function describe(result: CheckResult): string {
  const methods = [...new Set(result.perKey.map((k) => k.method))].join('+');
  return `${result.verdict} (${result.opCount} ops checked, ${result.perKey.length} key(s), ${methods})`;
}

async function inMemory(ops: number, clients: number, keys: number): Promise<void> {
  const records = generateHistory({ ops, clients, keys, seed: 42 });
  const times: number[] = [];
  const cpu: number[] = [];
  let last: CheckResult | undefined;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    last = await checkHistory(records);
    cpu.push(cpuMs(process.cpuUsage(c0)));
    times.push(performance.now() - t0);
  }
  console.log(
    `generated ${ops.toExponential(0)} ops, ${clients} clients, ${keys} key(s), in memory: check ${ms(median(times))} wall, ${ms(median(cpu))} CPU (median of 3: ${times.map(ms).join(', ')}) → ${describe(last as CheckResult)}`,
  );
}

async function fromFile(ops: number, clients: number, keys: number, staleRead = false): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'qb-checker-bench-'));
  try {
    const path = join(dir, 'history.jsonl');
    const records = generateHistory({ ops, clients, keys, seed: 7, staleRead });
    const parts: string[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) parts[i] = JSON.stringify(records[i]);
    writeFileSync(`${path}.tmp`, `${parts.join('\n')}\n`);
    renameSync(`${path}.tmp`, path);
    parts.length = 0;
    const runs: { read: number; parse: number; check: number }[] = [];
    const cpu: number[] = [];
    let last: CheckResult | undefined;
    for (let i = 0; i < 3; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const text = readFileSync(path, 'utf8');
      const t1 = performance.now();
      const parsed = parseJsonlHistory(text);
      const t2 = performance.now();
      last = await checkHistory(parsed);
      const t3 = performance.now();
      runs.push({ read: t1 - t0, parse: t2 - t1, check: t3 - t2 });
      cpu.push(cpuMs(process.cpuUsage(c0)));
    }
    const totals = runs.map((r) => r.read + r.parse + r.check);
    const mid = runs[totals.indexOf(median(totals))] as { read: number; parse: number; check: number };
    console.log(
      `generated ${ops.toExponential(0)} ops, ${clients} clients, ${keys} key(s)${staleRead ? ', one stale read' : ''}, from JSONL file: ` +
        `read+parse+check ${sec(median(totals))} wall, ${sec(median(cpu))} CPU (median of 3: ${totals.map(sec).join(', ')}; in the median run read ${ms(mid.read)}, parse ${ms(mid.parse)}, check ${ms(mid.check)}) → ${describe(last as CheckResult)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`checker benchmark on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${loadNote()} at start`);
await jepsen();
await inMemory(100_000, 16, 1);
await inMemory(100_000, 64, 1);
if (!quick) {
  await fromFile(1_000_000, 64, 1);
  await fromFile(1_000_000, 64, 1, true);
  await fromFile(1_000_000, 16, 64);
}
console.log(`${loadNote()} at end (wall times are inflated when the load average exceeds the ${cpus().length} cores)`);
