/**
 * What the charts' shading shows and says: points.csv's range columns, the band chosen by the
 * number of repetitions (95 % Student-t interval from 3, min–max for 2, none for 1) and named in the
 * subtitle; 6b drawn as points (no bar on a log axis); storage per kept version.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bandFor, buildChart, storagePerVersionRows, versionsKept } from '../harness/reproduce/charts.ts';
import { groupedPointChart, lineChart, predictedVsMeasuredChart } from '../harness/charts/specs.ts';
import { pointRows } from '../harness/sweep/aggregate.ts';
import type { CsvRow } from '../harness/results/csv.ts';

/** Every mark type and every encoded field of a spec, however nested. */
function walk(spec: unknown, marks: string[] = [], fields: string[] = []): { marks: string[]; fields: string[] } {
  if (Array.isArray(spec)) for (const item of spec) walk(item, marks, fields);
  else if (spec !== null && typeof spec === 'object') {
    const o = spec as Record<string, unknown>;
    if (typeof o['mark'] === 'string') marks.push(o['mark']);
    if (o['mark'] !== null && typeof o['mark'] === 'object') marks.push(String((o['mark'] as { type: unknown }).type));
    if (typeof o['field'] === 'string') fields.push(o['field']);
    for (const [key, value] of Object.entries(o)) if (key !== 'data') walk(value, marks, fields);
  }
  return { marks, fields };
}

test('points.csv rows carry the range over the repetitions next to the 95 % interval', () => {
  const rows: CsvRow[] = [10, 14, 12].map((latency, repetition) => ({ point: 'p', op: 'write', protocol: 'abd', run: `p#${repetition}`, seed: repetition, verdict: 'ok', latencyMsMean: latency }));
  const [point] = pointRows(rows);
  assert.equal(point?.['latencyMsMean'], 12);
  assert.equal(point?.['latencyMsMeanMin'], 10);
  assert.equal(point?.['latencyMsMeanMax'], 14);
  // s = 2, t(0.975, 2) = 4.303: 12 ± 4.303 · 2 / √3.
  assert.ok(Math.abs((point?.['latencyMsMeanCiHigh'] as number) - (12 + (4.303 * 2) / Math.sqrt(3))) < 1e-12);
});

test('the band follows N: 95 % interval from 3 repetitions, min–max for 2, none for 1; the subtitle says which', () => {
  const at = (n: number): CsvRow[] => [{ protocol: 'abd', op: 'write', valueBytes: 1024, repetitions: n, latencyMsMean: 5, latencyMsMeanCiLow: 4, latencyMsMeanCiHigh: 6, latencyMsMeanMin: 4.5, latencyMsMeanMax: 5.5 }];
  assert.deepEqual(bandFor(at(3)), { band: 'ci95', note: 'band: 95 % Student-t interval of the mean over N = 3 repetitions' });
  assert.deepEqual(bandFor(at(2)), { band: 'min-max', note: 'band: min–max of N = 2 repetitions (too few for a 95 % interval)' });
  assert.deepEqual(bandFor(at(1)), { band: undefined, note: 'N = 1 repetition per point: no band' });
  for (const [n, low, high] of [[3, 'latencyMsMeanCiLow', 'latencyMsMeanCiHigh'], [2, 'latencyMsMeanMin', 'latencyMsMeanMax']] as const) {
    const chart = buildChart({ kind: 'latency-vs-size' }, { points: at(n), cdf: [], subtitle: 'simulated' }, []);
    const { marks, fields } = walk(chart.spec);
    assert.ok(marks.includes('errorband'), `N = ${n}`);
    assert.ok(fields.includes(high) && JSON.stringify(chart.spec).includes(low), `N = ${n}`);
    assert.match(String((chart.spec['title'] as { subtitle: string[] }).subtitle.join('; ')), n === 3 ? /95 % Student-t interval .* N = 3/ : /min–max of N = 2/);
  }
  const single = buildChart({ kind: 'latency-vs-size' }, { points: at(1), cdf: [], subtitle: 'simulated' }, []);
  assert.ok(!walk(single.spec).marks.includes('errorband'));
  // The option as a chart author uses it directly.
  assert.ok(walk(lineChart(at(2), { name: 'x', title: 'x', csv: 'x.csv', x: 'valueBytes', xTitle: 'x', y: 'latencyMsMean', yTitle: 'y', band: 'min-max' }).spec).fields.includes('latencyMsMeanMax'));
});

test('latency by network: points and error bars on the log axis, no bars', () => {
  const rows: CsvRow[] = ['lan', 'wan'].map((network) => ({ protocol: 'abd', op: 'write', network, repetitions: 3, latencyMsMean: network === 'lan' ? 1 : 300, latencyMsMeanCiLow: 0.9, latencyMsMeanCiHigh: 310 }));
  const chart = buildChart({ kind: 'latency-by-network' }, { points: rows, cdf: [], subtitle: 'simulated' }, []);
  const { marks, fields } = walk(chart.spec);
  assert.deepEqual([...new Set(marks)].sort(), ['errorbar', 'point']);
  assert.ok(fields.includes('latencyMsMeanCiLow'));
  assert.match(JSON.stringify(chart.spec['title']), /error bars: 95 % Student-t interval of the mean over N = 3 repetitions/);
  assert.ok(!walk(groupedPointChart(rows, { name: 'x', title: 'x', csv: 'x.csv', x: 'network', xTitle: 'n', y: 'latencyMsMean', yTitle: 'ms', yScale: 'log' }).spec).marks.includes('bar'));
});

test('storage per kept version: end-of-run blow-up ÷ versions each server keeps', () => {
  // PoWerStore n = 4, k = 2, 16 fragments of 512 KiB per server plus metadata: 32.0153 × 1 MiB on all servers.
  const write = (protocol: string, count: number, storageBlowup: number): CsvRow => ({ protocol, op: 'write', count, failed: 0, pending: 0, storageBlowup });
  assert.equal(versionsKept(write('abd', 20, 3), undefined), 1);
  assert.equal(versionsKept(write('bft-signed', 20, 4), undefined), 1);
  assert.equal(versionsKept(write('powerstore', 20, 32.0153), undefined), 16);
  assert.equal(versionsKept(write('powerstore', 20, 16.01), { protocol: { name: 'powerstore', options: { retain: 8 } } }), 8);
  assert.equal(versionsKept({ ...write('m-powerstore', 20, 8.01), retain: 4 }, undefined), 4);
  // Fewer measured writes than retain: how many versions the warm-up added is not known.
  assert.equal(versionsKept(write('powerstore', 15, 30), undefined), null);
  assert.equal(versionsKept(write('some-new-protocol', 20, 3), undefined), null);
  const rows = storagePerVersionRows([write('abd', 20, 3.00003), write('powerstore', 20, 32.0153), write('powerstore', 10, 20), { ...write('abd', 20, 3), op: 'read' }], undefined);
  assert.deepEqual(rows.map((r) => [r['protocol'], r['versionsKept'], r['storageBlowupPerVersion']]), [['abd', 1, 3.00003], ['powerstore', 16, 32.0153 / 16]]);
});

test('predicted against measured: both axes of a panel span every value of its metric, ticks at 1, 2, 5 × 10^k', () => {
  const rows: CsvRow[] = [
    { metric: 'p50', protocol: 'abd', op: 'read', predicted: 10, measured: 5 },
    { metric: 'p50', protocol: 'abd', op: 'write', predicted: 20, measured: 40 },
    { metric: 'ops', protocol: 'abd', op: 'all', predicted: 900, measured: 300 },
  ];
  const chart = predictedVsMeasuredChart(rows, { name: 'x', title: 'x', csv: 'x.csv', metrics: ['p50', 'ops'] });
  const panels = chart.spec['hconcat'] as Array<{ title: string; layer: Array<{ encoding: Record<string, { scale: { domain: number[] }; axis: { values: number[] } }> }> }>;
  assert.deepEqual(panels.map((panel) => panel.title), ['p50', 'ops']);
  // p50: values 5..40 with 15 % room either side (4.35..46: ticks 5, 10, 20); ops: 300..900 (261..1035: 500, 1000).
  const expected = [[5 / 1.15, 40 * 1.15, [5, 10, 20]], [300 / 1.15, 900 * 1.15, [500, 1000]]] as const;
  panels.forEach((panel, i) => {
    const points = panel.layer[1]!.encoding;
    const [low, high, ticks] = expected[i]!;
    for (const axis of ['x', 'y']) {
      assert.deepEqual(points[axis]!.scale.domain, [low, high]);
      assert.deepEqual(points[axis]!.axis.values, ticks);
    }
    // The diagonal runs between the domain's corners.
    assert.deepEqual(panel.layer[0]!.encoding['x']!.scale.domain, [low, high]);
  });
});
