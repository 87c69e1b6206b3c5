/**
 * The command line's surface: --version, exit codes in `run --help` (as in check and compare), the
 * --tolerance help without commander's "(default: [])", and figures rounded for the console.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildProgram } from '../harness/cli/main.ts';
import { ms, opsPerS, plural, rounded } from '../harness/cli/figures.ts';

const help = (name: string): string => {
  const command = buildProgram().commands.find((c) => c.name() === name);
  assert.ok(command, name);
  return command.helpInformation();
};

test('--version prints the version of package.json', () => {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  assert.equal(buildProgram().version(), version);
});

test('run, check and compare list their exit codes in --help; --tolerance states its default once', () => {
  const flat = (name: string) => help(name).replace(/\s+/g, ' ');
  assert.match(flat('run'), /exit 0 done, 1 a violation within tolerance, 2 bad config or arguments, 130 interrupted/);
  assert.match(flat('check'), /exit 0 all ok, 1 a violation, 3 unknown, 2 bad input/);
  assert.match(flat('compare'), /exit 0 nothing worse, 1 a regression or a missing run, 2 bad input/);
  const tolerance = flat('compare').split('--tolerance')[1]!.split('--only-changes')[0]!;
  assert.match(tolerance, /\(default exact=0,noisy=0\.1\) $/);
  assert.doesNotMatch(tolerance, /default: \[\]/);
});

test('console figures: rounded, and the noun in the right number', () => {
  assert.equal(opsPerS(2647.501226), '2647.5 ops/s');
  assert.equal(opsPerS(50), '50 ops/s');
  assert.equal(ms(6.0159999), '6.016ms');
  assert.equal(rounded(2.046, 2), '2.05');
  assert.equal(rounded(1 / 3, 2), '0.33');
  assert.equal(plural(1, 'chart'), '1 chart');
  assert.equal(plural(0, 'chart'), '0 charts');
  assert.equal(plural(16, 'chart'), '16 charts');
});
