/**
 * The one CSV module (harness/results/csv.ts, csv-stringify and csv-parse): quoting of every special
 * character, including `\r` (which the older hand-written writer of runs.csv left unquoted), the
 * types read back, and runs.csv / latency.csv written through it.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseCsv, toCsv } from '../harness/results/csv.ts';
import { latencyCsv, runsCsv } from '../harness/results/writer.ts';
import type { ExperimentSummary, OpStats } from '../harness/results/schema.ts';

test('toCsv quotes comma, quote, LF and CR, and nothing else; booleans and nulls as written by hand', () => {
  const text = toCsv(['a', 'b', 'c', 'd'], [
    { a: 'plain', b: 'x,y', c: 'say "hi"', d: 'two\nlines' },
    { a: 'cr\rinside', b: true, c: false, d: null },
    { a: 1.5e-7, b: -3, c: 0.1 + 0.2 },
  ]);
  assert.equal(text, 'a,b,c,d\nplain,"x,y","say ""hi""","two\nlines"\n"cr\rinside",true,false,\n1.5e-7,-3,0.30000000000000004,\n');
});

test('parseCsv reads numbers, booleans, nulls and quoted fields back; a short line is an error naming it', () => {
  const rows = [
    { name: 'cr\rinside', n: 0.30000000000000004, ok: true, gone: null },
    { name: 'a, "b"', n: -1e21, ok: false, gone: null },
  ];
  assert.deepEqual(parseCsv(toCsv(['name', 'n', 'ok', 'gone'], rows)), rows);
  assert.deepEqual(parseCsv('a,b\r\n1,x\r\n\r\n'), [{ a: 1, b: 'x' }]);
  assert.throws(() => parseCsv('a,b\n1,2\n3\n'), /^Error: csv: line 3 does not have as many fields as the header$/);
});

const op = (count: number): OpStats => ({
  count,
  failed: 0,
  pending: 0,
  latencyMs: { mean: 2.5, p50: 2, p90: 3, p99: 4, p999: 4, max: 4 },
  rounds: { mean: 2, max: 2, histogram: { '2': count } },
  retries: 0,
  messagesPerOp: 12,
  bytesPerOp: 100,
  clientToServerBytesPerOp: 60,
  serverToClientBytesPerOp: 40,
  cpuNsPerOp: {},
});

test('runs.csv and latency.csv: a run id with a comma and a CR is quoted', () => {
  const summary = {
    schemaVersion: 1,
    name: 'x',
    engine: 'sim',
    seed: 1,
    config: {},
    costProfile: { name: 'zero' },
    meta: {},
    runs: [
      {
        id: 'protocol=abd,note=a\rb#0',
        params: { protocol: 'abd', t: 1, n: 3, valueBytes: 8 },
        seed: 1,
        repetition: 0,
        verdict: 'ok',
        expectViolation: false,
        ops: { write: op(3) },
        throughputOpsPerS: 10,
        durationMs: 300,
        messages: { total: 0, clientToServer: 0, serverToClient: 0 },
        bytes: { total: 0, clientToServer: 0, serverToClient: 0 },
        backgroundMessages: 1,
        backgroundBytes: 70,
        backgroundCpuNs: 0,
        storageBytesPerServer: [],
        rejectedMessages: {},
        codec: 'none',
        crypto: 'node',
      },
    ],
  } as unknown as ExperimentSummary;
  const runs = runsCsv(summary).split('\n');
  assert.equal(runs[1], 'x,"protocol=abd,note=a\rb#0",0,1,abd,1,3,8,write,3,2.5,2,3,4,4,4,2,2,0,12,100,10,1,70,0,ok');
  const latency = latencyCsv([{ id: 'a,b\r#0', percentiles: { write: [{ percentile: 50, latencyMs: 2 }] } }]);
  assert.equal(latency, 'run,op,percentile,latencyMs\n"a,b\r#0",write,50,2\n');
});
