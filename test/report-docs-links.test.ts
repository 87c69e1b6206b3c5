/**
 * The report links the project's protocol and evaluation docs near the top: relative to the page when
 * the docs folder of the checkout is found (so the links resolve from results/paper/ and from
 * results/paper/<experiment>/), and as plain paths otherwise (never a dangling link).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderExperimentReport, renderReport, type ExperimentReport, type MachineInfo } from '../harness/report/html.ts';
import { docsHrefFrom } from '../harness/reproduce/run.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MACHINE: MachineInfo = { cpuModel: 'test cpu', cores: 2, memoryGiB: 4, node: 'v20', platform: 'linux-x64', gitCommit: 'abc', generatedAt: '2026-01-01T00:00:00Z' };
const REPORT: ExperimentReport = {
  id: 'x',
  title: 'X',
  description: '',
  configYaml: '',
  charts: [],
  runs: [],
  attack: [],
  notApplicable: [],
  skippedByRules: [],
  elapsedMs: 1,
  costProfile: undefined,
  meta: {},
};

test('docsHrefFrom: the docs folder relative to the report page, for the default output folders', () => {
  assert.equal(docsHrefFrom(join(ROOT, 'results', 'paper')), '../../docs');
  assert.equal(docsHrefFrom(join(ROOT, 'results', 'paper', '01-latency-vs-size')), '../../../docs');
  // The links resolve from there to files of this checkout.
  for (const file of ['protocols.md', 'evaluation.md']) assert.ok(existsSync(join(ROOT, 'results', 'paper', '../../docs', file)));
});

test('both report pages link docs/protocols.md and docs/evaluation.md before the first table', () => {
  for (const html of [renderReport([REPORT], MACHINE, 'cmd', 1, '../../docs'), renderExperimentReport(REPORT, MACHINE, 'cmd', '../../../docs')]) {
    const top = html.slice(0, html.indexOf('<table'));
    assert.match(top, /<a href="\.\.\/\.\.(\/\.\.)?\/docs\/protocols\.md">/);
    assert.match(top, /<a href="\.\.\/\.\.(\/\.\.)?\/docs\/evaluation\.md">/);
  }
});

test('without a docs folder the report names the files and links nothing', () => {
  const html = renderReport([REPORT], MACHINE, 'cmd', 1);
  assert.match(html, /<code>docs\/protocols\.md<\/code> in the quorumbench repository/);
  assert.match(html, /<code>docs\/evaluation\.md<\/code> in the quorumbench repository/);
  assert.doesNotMatch(html, /href="[^"#]*\.md"/);
});
