/**
 * Appendix A figures from the config schema's own types: a hold whose `to` names several blocks
 * draws a delayed-link band on each of them (it was drawn on none when `to` was read as a string).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHistory } from '../harness/checker/index.ts';
import { parseConfig } from '../harness/config/index.ts';
import type { HistoryRecord } from '../harness/history/types.ts';
import { recordsOfScript, renderRunFigure } from '../harness/reproduce/appendix-a.ts';

test('a hold to a list of blocks is drawn on every block of the list, released where the release says', async () => {
  const config = parseConfig({
    name: 'figure',
    protocol: { name: 'abd', t: 1 },
    blocks: { T1: ['s1'], T2: ['s2'], T3: ['s3'] },
    workload: { writers: 1, readers: 1, script: [{ id: 'wr', client: 'w1', kind: 'write', atMs: 0 }, { id: 'rd', client: 'r1', kind: 'read', after: 'wr' }] },
    schedule: [
      { atMs: 0, action: 'hold', from: 'w1', to: ['T2', 'T3'] },
      { after: 'rd', action: 'release', from: 'w1', to: ['T2', 'T3'] },
    ],
  });
  const history: HistoryRecord[] = [
    { client: 'w1', op: 'write', key: 'k0', value: 'w1:1', call: 0, return: 4, status: 'ok', rounds: 2 },
    { client: 'r1', op: 'read', key: 'k0', value: 'w1:1', call: 4, return: 8, status: 'ok', rounds: 2 },
  ];
  const script = config.workload.script!;
  const svg = renderRunFigure({
    title: 't',
    subtitle: 's',
    verdict: 'ok',
    expectViolation: false,
    script,
    history,
    byOp: recordsOfScript(script, history),
    outcomes: {},
    schedule: config.schedule!,
    blocks: config.blocks!,
    check: await checkHistory(history),
  });
  const bands = svg.match(/w1 → T[0-9] delayed until 8 ms/g) ?? [];
  assert.deepEqual(bands.sort(), ['w1 → T2 delayed until 8 ms', 'w1 → T3 delayed until 8 ms']);
});
