/**
 * A chart's data, read back from the compiled vega spec and from the running vega view, equals the
 * CSV rows it was drawn from (a hand-written CSV, so the expected values are known independently).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCsv, toCsv } from '../harness/results/csv.ts';
import { renderChart, viewDataOf, writeChart } from '../harness/charts/render.ts';
import { CHART_DATA, attackTableChart, lineChart } from '../harness/charts/specs.ts';
import { PROTOCOL_COLORS } from '../harness/charts/theme.ts';

const POINTS_CSV = `protocol,op,valueBytes,latencyMsMean,latencyMsMeanCiLow,latencyMsMeanCiHigh
abd,write,1024,40.5,40,41
abd,write,1048576,61.25,60,62.5
m-powerstore,write,1024,60.75,60.5,61
m-powerstore,write,1048576,70,69,71
abd,read,1024,40.25,,
"m-powerstore",read,1048576,55.5,55,56
`;

/** The same rows, written out by hand: numbers as numbers, empty fields as null. */
const EXPECTED = [
  { protocol: 'abd', op: 'write', valueBytes: 1024, latencyMsMean: 40.5, latencyMsMeanCiLow: 40, latencyMsMeanCiHigh: 41 },
  { protocol: 'abd', op: 'write', valueBytes: 1048576, latencyMsMean: 61.25, latencyMsMeanCiLow: 60, latencyMsMeanCiHigh: 62.5 },
  { protocol: 'm-powerstore', op: 'write', valueBytes: 1024, latencyMsMean: 60.75, latencyMsMeanCiLow: 60.5, latencyMsMeanCiHigh: 61 },
  { protocol: 'm-powerstore', op: 'write', valueBytes: 1048576, latencyMsMean: 70, latencyMsMeanCiLow: 69, latencyMsMeanCiHigh: 71 },
  { protocol: 'abd', op: 'read', valueBytes: 1024, latencyMsMean: 40.25, latencyMsMeanCiLow: null, latencyMsMeanCiHigh: null },
  { protocol: 'm-powerstore', op: 'read', valueBytes: 1048576, latencyMsMean: 55.5, latencyMsMeanCiLow: 55, latencyMsMeanCiHigh: 56 },
];

function chartOf(rows: ReturnType<typeof parseCsv>) {
  return lineChart(rows, {
    name: 'latency-vs-size',
    title: 'Latency vs value size',
    csv: 'points.csv',
    x: 'valueBytes',
    xTitle: 'Value size (bytes, log scale)',
    xScale: 'log',
    xBytes: true,
    y: 'latencyMsMean',
    yTitle: 'Mean latency (ms)',
    yScale: 'log',
    band: 'ci95',
    facet: 'op',
  });
}

test('CSV rows parse to numbers, strings and nulls, and round-trip through toCsv', () => {
  const rows = parseCsv(POINTS_CSV);
  assert.deepEqual(rows, EXPECTED);
  const columns = Object.keys(EXPECTED[0]!);
  assert.deepEqual(parseCsv(toCsv(columns, rows)), EXPECTED);
  assert.deepEqual(parseCsv('a,b\n"x, ""y""",2\n'), [{ a: 'x, "y"', b: 2 }]);
  assert.throws(() => parseCsv('a,b\n1\n'), /line 2 does not have as many fields as the header/);
});

test('latency-vs-size: the compiled vega spec and the running view hold exactly the CSV rows', async () => {
  const chart = chartOf(parseCsv(POINTS_CSV));
  const dir = mkdtempSync(join(tmpdir(), 'qb-charts-'));
  try {
    const rendered = await writeChart(chart, dir);
    // Read back what was written to disk, as a user of the .vg.json would.
    const vg = JSON.parse(readFileSync(join(dir, 'latency-vs-size.vg.json'), 'utf8')) as { data: { name: string; values?: unknown }[] };
    const dataset = vg.data.find((d) => d.name === CHART_DATA);
    assert.ok(dataset, 'the compiled spec has the named CSV dataset');
    assert.deepEqual(dataset.values, EXPECTED);
    // The running view's copy (vega tags each tuple with a symbol id; JSON drops it).
    const viewRows = (await viewDataOf(rendered.vegaSpec, CHART_DATA)).map((r) => JSON.parse(JSON.stringify(r)) as unknown);
    assert.deepEqual(viewRows, EXPECTED);

    // The rendering itself: axis titles with units, facet headers, protocol colours, a PNG.
    const svg = readFileSync(join(dir, 'latency-vs-size.svg'), 'utf8');
    assert.match(svg, /Value size \(bytes, log scale\)/);
    assert.match(svg, /Mean latency \(ms\)/);
    assert.match(svg, />writes</);
    assert.match(svg, />reads</);
    assert.match(svg, />1 MiB</);
    assert.ok(svg.includes(PROTOCOL_COLORS['abd']!) && svg.includes(PROTOCOL_COLORS['m-powerstore']!));
    assert.ok(!svg.includes(PROTOCOL_COLORS['bft-signed']!), 'absent protocols take no colour');
    const png = readFileSync(join(dir, 'latency-vs-size.png'));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('attack table: the cells come from the CSV rows, one per (protocol, strategy)', async () => {
  const csv = `protocol,strategy,outcome,verdictLabel,roundsLabel,p99Label
abd,forge,violation (expected),violation in 2/2 runs,rounds w 2 · r 2,p99 w 40 · r 40 ms
powerstore,forge,ok,ok in 2/2 runs,rounds w 2 · r 2,p99 w 41 · r 42 ms
`;
  const rows = parseCsv(csv);
  const rendered = await renderChart(attackTableChart(rows, { name: 'attack', title: 'Under attack', csv: 'attack.csv' }));
  const viewRows = (await viewDataOf(rendered.vegaSpec, CHART_DATA)).map((r) => JSON.parse(JSON.stringify(r)) as unknown);
  assert.deepEqual(viewRows, [
    { protocol: 'abd', strategy: 'forge', outcome: 'violation (expected)', verdictLabel: 'violation in 2/2 runs', roundsLabel: 'rounds w 2 · r 2', p99Label: 'p99 w 40 · r 40 ms' },
    { protocol: 'powerstore', strategy: 'forge', outcome: 'ok', verdictLabel: 'ok in 2/2 runs', roundsLabel: 'rounds w 2 · r 2', p99Label: 'p99 w 41 · r 42 ms' },
  ]);
  assert.match(rendered.svg, /violation in 2\/2 runs/);
  assert.match(rendered.svg, /p99 w 41 · r 42 ms/);
});
