/**
 * The history line scanner (harness/checker/scan-jsonl.ts) against JSON.parse, an independent
 * reader: every line the scanner takes must give the object JSON.parse gives (same fields, same
 * values, numbers bit for bit); every line it must not take (escapes, nesting, unknown keys, types a
 * record cannot have, invalid JSON) it leaves to JSON.parse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HistoryLineScanner } from '../harness/checker/scan-jsonl.ts';
import { parseJsonlCheckerHistory } from '../harness/checker/parse-jsonl.ts';
import { HistoryInputError } from '../harness/checker/types.ts';

function scan(line: string): object | undefined {
  // Surrounding text, so that the scanner must keep to [start, stop).
  const text = `{"client":"x"}\n${line}\n]]`;
  return new HistoryLineScanner(text).record(15, 15 + line.length);
}

/** Deep equality that also tells -0 from 0 (assert.deepStrictEqual uses Object.is for primitives). */
function assertSameAsJson(line: string): void {
  const scanned = scan(line);
  assert.notEqual(scanned, undefined, `scanner refused ${line}`);
  assert.deepStrictEqual(scanned, JSON.parse(line), line);
}

test('lines of the harness format read as JSON.parse reads them', () => {
  const lines = [
    '{"client":"w1","op":"write","key":"k0","value":"w1:17","call":12.5,"return":30.1,"status":"ok","rounds":2}',
    '{"client":"r2","op":"read","key":"k0","value":null,"call":0,"return":null,"status":"pending","rounds":0}',
    '{"client":"c0","op":"cas","key":"k","value":"b","call":1.25,"return":2,"status":"ok","rounds":1,"expected":null,"swapped":true}',
    '{"client":"c0","op":"cas","key":"k","value":"b","call":1.25,"return":2,"status":"failed","rounds":1,"expected":"a","swapped":false}',
    // Without `rounds`, in another order, with spaces, tabs and a CR around the tokens.
    '{"status":"ok","return":4.14,"call":1.477,"value":"c0:0","key":"k0","op":"write","client":"c0"}',
    ' { "client" : "a" ,\t"op": "read", "key":"k", "value":"v", "call": 1, "return": 2, "status":"ok", "rounds": 1 } \r',
    // Non-ASCII text, a quote-free string with symbols, an empty string.
    '{"client":"é☃","op":"read","key":"","value":"a b/c{d}[e],f:g","call":3,"return":4,"status":"ok","rounds":1}',
    // Numbers: negative, -0, exponents, a mantissa longer than 15 digits, fractions with up to 22 digits.
    '{"client":"a","op":"read","key":"k","value":null,"call":-0,"return":-0.0,"status":"ok","rounds":0}',
    '{"client":"a","op":"read","key":"k","value":null,"call":1e3,"return":2.5E-3,"status":"ok","rounds":1}',
    '{"client":"a","op":"read","key":"k","value":null,"call":1234567890123456789,"return":0.1234567890123456789012,"status":"ok","rounds":1}',
    '{"client":"a","op":"read","key":"k","value":null,"call":999999999999999,"return":0.30000000000000004,"status":"ok","rounds":1}',
    // Types a record cannot have are still read as written when they are scalars the field allows.
    '{"client":"a","op":"nap","key":"k","value":"v","call":1,"return":2,"status":"maybe","rounds":-1}',
    '{}',
  ];
  for (const line of lines) assertSameAsJson(line);
});

test('lines the scanner leaves to JSON.parse', () => {
  const refused = [
    '{"client":"a\\"b","op":"read"}', // an escape
    '{"client":"a","op":"read","extra":1}', // an unknown key
    '{"client":"a","op":"read","value":{"x":1}}', // a nested value
    '{"client":"a","op":"read","value":[1]}',
    '{"client":5}', // a type the field cannot have
    '{"call":"5"}',
    '{"return":true}',
    '{"swapped":"yes"}',
    '{"call":01}', // invalid JSON from here on
    '{"call":1.}',
    '{"call":.5}',
    '{"call":-}',
    '{"call":1e}',
    '{"call":NaN}',
    '{"call":Infinity}',
    '{"call":1,}',
    '{"call" 1}',
    '{"call":1} x',
    '{"client":"a\tb"}', // a raw control character in a string
    '{"client":"open',
    '[1,2]',
    '"text"',
    '',
    '   ',
  ];
  for (const line of refused) assert.equal(scan(line), undefined, line);
});

test('random records and numbers: the scanner agrees with JSON.parse bit for bit', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 8 });
  const record = fc.record({
    client: text,
    op: fc.constantFrom('read', 'write', 'cas'),
    key: text,
    value: fc.option(text, { nil: null }),
    call: fc.double({ noNaN: true, noDefaultInfinity: true }),
    return: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
    status: fc.constantFrom('ok', 'failed', 'pending'),
    rounds: fc.nat(),
  });
  fc.assert(
    fc.property(record, (r) => {
      const line = JSON.stringify(r);
      // Strings that JSON.stringify escapes are the fallback's, not the scanner's.
      if (line.includes('\\')) return;
      assert.deepStrictEqual(scan(line), JSON.parse(line));
    }),
    { numRuns: 300, seed: 17 },
  );
  // Decimals as histories write them: an integer part and up to 15 significant digits.
  const decimal = fc.tuple(fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), fc.integer({ min: 0, max: 15 }), fc.boolean()).map(([digits, scale, negative]) => {
    const text = digits.toString().padStart(scale + 1, '0');
    return `${negative ? '-' : ''}${scale === 0 ? text : `${text.slice(0, text.length - scale)}.${text.slice(text.length - scale)}`}`;
  });
  fc.assert(
    fc.property(decimal, (number) => {
      const line = `{"call":${number}}`;
      assert.ok(Object.is((scan(line) as { call: number }).call, (JSON.parse(line) as { call: number }).call), number);
    }),
    { numRuns: 2000, seed: 23 },
  );
});

test('a history mixing scanned and parsed lines keeps its order, and errors still name the line and the field', () => {
  const history = [
    '{"client":"w","op":"write","key":"k","value":"1","call":0,"return":1,"status":"ok","rounds":1}',
    '{"client":"w\\u0031","op":"write","key":"k","value":"2","call":2,"return":3,"status":"ok","rounds":1}',
    '',
    '{"client":"r","op":"read","key":"k","value":"2","call":4,"return":5,"status":"ok","rounds":2}',
  ].join('\n');
  assert.deepEqual(
    parseJsonlCheckerHistory(history).map((r) => [r.client, r.value]),
    [
      ['w', '1'],
      ['w1', '2'],
      ['r', '2'],
    ],
  );
  const bad = '{"client":"w","op":"write","key":"k","value":"1","call":0,"return":1,"status":"ok","rounds":1}\n{"client":"w","op":"write","key":"k","value":"1","call":3,"return":1,"status":"ok","rounds":1}\n';
  assert.throws(
    () => parseJsonlCheckerHistory(bad),
    (error: unknown) => error instanceof HistoryInputError && /line 2/.test(error.message) && /return/.test(error.message) && /not before call \(3\)/.test(error.message),
  );
});
