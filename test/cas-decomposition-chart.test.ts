/**
 * Experiment 8's step chart (`relative-vs-size`): each protocol's metric divided by the baseline's at
 * the same value size and op, from hand-written rows whose ratios are known; the chart's dataset is
 * exactly those rows, and its config declares it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv } from '../harness/results/csv.ts';
import { renderChart, viewDataOf } from '../harness/charts/render.ts';
import { CHART_DATA } from '../harness/charts/specs.ts';
import { buildChart } from '../harness/reproduce/charts.ts';
import { loadPaperExperiments } from '../harness/reproduce/run.ts';

const POINTS_CSV = `protocol,op,valueBytes,latencyMsMean
abd,write,4096,10
cas,write,4096,15
bft-signed,write,4096,9.9
abd,write,1048576,40
cas,write,1048576,20
m-powerstore,write,1048576,22
abd,read,1048576,80
cas,read,1048576,24
cas,read,4096,7
`;

test('relative-vs-size: bars are the ratio to abd at the same size and op; rows without a baseline are not drawn', async () => {
  const chart = buildChart({ kind: 'relative-vs-size', name: 'steps' }, { points: parseCsv(POINTS_CSV), cdf: [], subtitle: 'test' }, []);
  const rendered = await renderChart(chart);
  // The dataset is the rows themselves (vega tags each tuple with a symbol id; JSON drops it).
  assert.deepEqual((await viewDataOf(rendered.vegaSpec, CHART_DATA)).map((r) => JSON.parse(JSON.stringify(r)) as unknown), parseCsv(POINTS_CSV));
  // Labels printed above the bars, by hand: 10/10, 15/10, 9.9/10, 40/40, 20/40, 22/40, 80/80, 24/80.
  const labels = [...rendered.svg.matchAll(/>(\d+\.\d\d)</g)].map((m) => m[1]).sort();
  assert.deepEqual(labels, ['0.30', '0.50', '0.55', '0.99', '1.00', '1.00', '1.00', '1.50']);
  assert.match(rendered.svg, /Mean latency ÷ abd's/);
  assert.match(rendered.svg, />4 KiB</);
  assert.match(rendered.svg, />1 MiB</);
});

test('experiment 8 runs abd, cas, m-powerstore and bft-signed on the same 4 servers and declares one chart per metric', () => {
  const experiment = loadPaperExperiments('configs/paper').find((e) => e.id === '08-decomposition');
  assert.ok(experiment);
  assert.deepEqual((experiment.raw['protocol'] as Record<string, unknown>)['name'], ['abd', 'cas', 'm-powerstore', 'bft-signed']);
  assert.equal(experiment.raw['servers'], 4);
  assert.deepEqual(experiment.charts.map((c) => c.kind), ['relative-vs-size', 'cost-bytes', 'cost-cpu', 'cost-storage']);
});
