/**
 * @module Parser of Jepsen etcd register logs (the corpus in test/fixtures/jepsen-etcd/):
 * `INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]`, one event per line. The logs carry no timestamps: an
 * event's time is its line number. Pairing and the meaning of each completion: ./jepsen-ops.ts.
 * Jepsen's current format, `history.edn`, is read by ./parse-edn.ts.
 */
import { recordsOfEvents, type JepsenEvent, type JepsenFunction, type JepsenType, type JepsenValue } from './jepsen-ops.ts';
import { HistoryInputError, type CheckerRecord } from './types.ts';

const LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+(:[a-z-]+)\s+(:[a-z-]+)\s+(.*?)\s*$/;

function parseValue(text: string, line: number): JepsenValue {
  if (text === 'nil') return { kind: 'nil' };
  if (/^-?\d+$/.test(text)) return { kind: 'scalar', text };
  if (/^:[a-z-]+$/.test(text)) return { kind: 'other' };
  const pair = /^\[(nil|-?\d+)\s+(nil|-?\d+)\]$/.exec(text);
  if (pair !== null) {
    const a = pair[1] === 'nil' ? null : (pair[1] ?? null);
    const b = pair[2] === 'nil' ? null : (pair[2] ?? null);
    return { kind: 'pair', a, b };
  }
  throw new HistoryInputError(line, 'value', `expected nil, an integer, [a b] or a keyword, got ${JSON.stringify(text)}`);
}

export interface JepsenParseOptions {
  /** Key given to every operation (these histories hold one register). @default 'register' */
  readonly key?: string;
}

function* events(text: string): Generator<JepsenEvent> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const m = LINE.exec(raw);
    if (m === null) {
      throw new HistoryInputError(line, '(line)', `expected "INFO  jepsen.util - <process> :<type> :<f> <value>", got ${JSON.stringify(raw.slice(0, 80))}`);
    }
    const type = (m[2] ?? '').slice(1);
    if (type !== 'invoke' && type !== 'ok' && type !== 'fail' && type !== 'info') {
      throw new HistoryInputError(line, 'type', `expected :invoke, :ok, :fail or :info, got ${JSON.stringify(m[2])}`);
    }
    const f = (m[3] ?? '').slice(1);
    if (f !== 'read' && f !== 'write' && f !== 'cas') throw new HistoryInputError(line, 'f', `expected :read, :write or :cas, got ${JSON.stringify(m[3])}`);
    const valueText = m[4] ?? '';
    yield { line, position: line, process: m[1] ?? '', type: type as JepsenType, f: f as JepsenFunction, value: parseValue(valueText, line), valueText };
  }
}

/** Parses a Jepsen etcd log into checker records. Throws `HistoryInputError` naming line and field. */
export function parseJepsenLog(text: string, options: JepsenParseOptions = {}): CheckerRecord[] {
  return recordsOfEvents(events(text), options.key ?? 'register');
}
