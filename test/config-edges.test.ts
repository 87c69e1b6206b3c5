/**
 * Config edges: `t: 0` and clusters too big for a run refused, a misspelt field reported as unknown with the nearest known name
 * (not as the real field missing), and byte sizes written with units. (`run` on a `t: 0` config,
 * exit 2 with one line: test/cli-polish.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseByteSize } from '../harness/config/bytes.ts';
import { ConfigError, parseConfig, resolveExperiment } from '../harness/config/index.ts';

function message(config: Record<string, unknown>): string {
  try {
    resolveExperiment(parseConfig(config));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

const base = { name: 'x', protocol: { name: 'abd', t: 1 }, workload: { operations: 10 } };

test('t: 0 is refused, naming the field and the value', () => {
  assert.equal(message({ ...base, protocol: { name: 'abd', t: 0 } }), 'protocol.t: must be >= 1, got 0');
});

test('an enumerated field and a numeric bound are worded like every other line: field, rule, the value', () => {
  assert.equal(message({ ...base, network: { preset: 'lann' } }), 'network.preset: must be one of "lan", "dc", "regional", "wan", "global", got "lann"');
  assert.equal(message({ ...base, engine: 'fast' }), 'engine: must be one of "sim", "real", got "fast"');
  assert.equal(message({ ...base, workload: { operations: -3 } }), 'workload.operations: must be >= 1, got -3');
  assert.equal(message({ ...base, workload: { operations: 10, readRatio: 1.5 } }), 'workload.readRatio: must be <= 1, got 1.5');
  assert.equal(message({ ...base, maxDurationMs: 0 }), 'maxDurationMs: must be > 0, got 0');
  // A schema's own wording of a bound stays (2^48, not the number it stands for).
  assert.equal(message({ ...base, seed: 2 ** 50 }), 'seed: must be <= 2^48, got 1125899906842624');
});

test('a cluster too big for a run is refused, naming the field: servers (t, or servers:) and clients', () => {
  // ABD: n = 2t + 1, so t = 127 gives 255 servers (the limit) and t = 128 gives 257.
  assert.doesNotThrow(() => resolveExperiment(parseConfig({ ...base, protocol: { name: 'abd', t: 127 } })));
  assert.equal(message({ ...base, protocol: { name: 'abd', t: 128 } }), 'protocol.t: t=128 needs 257 servers, more than the 255 a run can have');
  // M-PoWerStore: n = 3t + 1; t = 300 would be 901 servers (and fragments numbered beyond one byte).
  assert.equal(message({ ...base, protocol: { name: 'm-powerstore', t: 300 } }), 'protocol.t: t=300 needs 901 servers, more than the 255 a run can have');
  assert.equal(message({ ...base, servers: 300 }), 'servers: at most 255, got 300');
  assert.equal(message({ ...base, workload: { operations: 10, writers: 1, readers: 1000 } }), 'workload.readers: writers + readers at most 1000, got 1 + 1000');
  assert.equal(message({ ...base, workload: { operations: 10, writers: 1001, readers: 0 } }), 'workload.writers: writers + readers at most 1000, got 1001 + 0');
});

test('a misspelt field is unknown, with the nearest known name; no "required" for the field it meant', () => {
  assert.equal(message({ name: 'x', protocl: { name: 'abd' }, workload: { operations: 10 } }), 'protocl: unknown field (did you mean "protocol"?)');
  assert.equal(message({ ...base, workload: { oprations: 10 } }), 'workload.oprations: unknown field (did you mean "operations"?)');
  assert.equal(message({ ...base, workload: { operations: 10, ValueBytes: 8 } }), 'workload.ValueBytes: unknown field (did you mean "valueBytes"?)');
  assert.equal(message({ ...base, faults: [{ type: 'crash', node: 's1', atMz: 3 }] }), 'faults[0].atMz: unknown field (did you mean "atMs"?)');
  assert.equal(message({ ...base, network: { preset: 'lan', bandwith: 1 } }).split(' (')[0], 'network.bandwith: unknown field');
  assert.match(message({ ...base, network: { preset: 'lan', bandwith: 1 } }), /did you mean "bandwidthMBps"\?|known: preset, latency, bandwidthMBps/);
  // Nothing close: the known fields are listed instead.
  assert.match(message({ ...base, colour: 'red' }), /^colour: unknown field \(known: name, engine, seed, repetitions, protocol, /);
  // Protocol options are checked against the protocol's own schema.
  assert.equal(message({ ...base, protocol: { name: 'powerstore', t: 1, options: { retian: 4 } }, workload: { operations: 10, readers: 1, writers: 1 } }), 'protocol.options.retian: unknown field (did you mean "retain"?)');
});

test('byte sizes: KiB/MiB/GiB are powers of 1024, KB/MB/GB of 1000; a bad size says what is expected', () => {
  assert.equal(parseByteSize('64KiB'), 65_536);
  assert.equal(parseByteSize('1 MiB'), 1_048_576);
  assert.equal(parseByteSize('1.5MiB'), 1_572_864);
  assert.equal(parseByteSize('1KB'), 1000);
  assert.equal(parseByteSize('2mb'), 2_000_000);
  assert.equal(parseByteSize('3GiB'), 3 * 2 ** 30);
  assert.equal(parseByteSize('512B'), 512);
  assert.equal(parseByteSize('64 kibs'), undefined);
  assert.equal(parseByteSize('KiB'), undefined);
  const run = resolveExperiment(parseConfig({ ...base, workload: { operations: 10, valueBytes: '16KiB' } })).runs[0]!;
  assert.equal(run.workload.valueBytes, 16_384);
  assert.equal(run.params['valueBytes'], 16_384);
  const list = parseConfig({ ...base, workload: { operations: 10, valueBytes: ['1KiB', 100, '1MB'] } });
  assert.deepEqual(list.workload.valueBytes, [1024, 100, 1_000_000]);
  assert.equal(
    message({ ...base, workload: { operations: 10, valueBytes: '64 kibs' } }),
    'workload.valueBytes: must be a whole number of bytes or a size like 64KiB or 1MiB (KiB = 1024 B) or 64KB (KB = 1000 B), got "64 kibs"',
  );
  assert.equal(message({ ...base, workload: { operations: 10, valueBytes: '0.3KiB' } }), 'workload.valueBytes: must be a whole number of bytes, got 307.2');
  assert.equal(message({ ...base, workload: { operations: 10, valueBytes: ['1KiB', 'lots'] } }).split(',')[0], 'workload.valueBytes[1]: must be a whole number of bytes or a size like 64KiB or 1MiB (KiB = 1024 B) or 64KB (KB = 1000 B)');
  const script = parseConfig({ ...base, workload: { script: [{ id: 'w', client: 'w1', kind: 'write', atMs: 0, valueBytes: '4KiB' }] } });
  assert.equal(script.workload.script?.[0]?.valueBytes, 4096);
});
