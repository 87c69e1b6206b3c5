/**
 * @module Reader of Jepsen's current history format, `history.edn`: one operation map per form,
 * e.g. `{:type :invoke, :f :cas, :value [1 4], :process 3, :time 123456, :index 7}`, either one per
 * line (as Jepsen's store writes it) or all inside one vector (as jepsen.history and Knossos print
 * them). Fields other than `:type`, `:f`, `:value` and `:process` (`:time`, `:index`, `:error`, …)
 * are read and ignored; operations of a process that is not an integer (`:nemesis`) are fault
 * injections, not operations on the register, and are skipped. Pairing and the meaning of
 * `:ok`/`:fail`/`:info`: ./jepsen-ops.ts (the same as for the older etcd logs).
 *
 * The EDN reader covers what histories hold: maps, vectors, lists, sets, keywords, symbols, strings,
 * integers (with an optional `N`), floats, `nil`, booleans, `;` comments, `#_` discards and tagged
 * values (`#jepsen.history.Op{…}` is read as its map). It is our own because the job needs every
 * error to name its line, and a streaming pass over multi-million-operation files; the JavaScript
 * EDN packages build generic values for any EDN and report no line.
 */
import { recordsOfEvents, type JepsenEvent, type JepsenFunction, type JepsenType, type JepsenValue } from './jepsen-ops.ts';
import { HistoryInputError, type CheckerRecord } from './types.ts';

/** A keyword (`:read`), kept apart from strings and symbols. */
class Keyword {
  constructor(readonly name: string) {}
}

/** A symbol: a bare word that is not nil, a boolean or a number. */
class EdnSymbol {
  constructor(readonly name: string) {}
}

/** An integer, kept as its decimal text (exact at any size). */
class EdnInteger {
  constructor(readonly text: string) {}
}

type Edn = null | boolean | number | string | Keyword | EdnSymbol | EdnInteger | Edn[] | EdnMap;

/** A map with the line of its opening brace; keys as their printed form (`:type`, `"x"`, `3`). */
class EdnMap {
  readonly entries = new Map<string, Edn>();
  constructor(readonly line: number) {}
}

const DELIMITERS = new Set(['{', '}', '[', ']', '(', ')', '"', ';']);

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === ',' || ch === '\n' || ch === '\t' || ch === '\r' || ch === '\f';
}

class Reader {
  private pos = 0;
  line = 1;
  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw new HistoryInputError(this.line, '(edn)', message);
  }

  /** Skips whitespace (commas included), comments and `#_` discards; true if a form follows. */
  more(): boolean {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) return false;
      if (ch === '\n') this.line++;
      if (isSpace(ch)) this.pos++;
      else if (ch === ';') while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
      else if (ch === '#' && this.text[this.pos + 1] === '_') {
        this.pos += 2;
        if (!this.more()) this.fail('#_ with nothing to discard');
        this.read();
      } else return true;
    }
  }

  read(): Edn {
    if (!this.more()) this.fail('unexpected end of input');
    const ch = this.text[this.pos] as string;
    switch (ch) {
      case '{': {
        const map = new EdnMap(this.line);
        this.pos++;
        for (;;) {
          if (!this.more()) this.fail(`map opened on line ${map.line} is not closed`);
          if (this.text[this.pos] === '}') break;
          const key = this.read();
          if (!this.more() || this.text[this.pos] === '}') this.fail('a map needs a value for every key');
          map.entries.set(printed(key), this.read());
        }
        this.pos++;
        return map;
      }
      case '[':
      case '(':
        return this.sequence(ch === '[' ? ']' : ')');
      case '"':
        return this.string();
      case '}':
      case ']':
      case ')':
        return this.fail(`unexpected ${JSON.stringify(ch)}`);
      case '#': {
        this.pos++;
        if (this.text[this.pos] === '{') {
          this.pos++;
          return this.sequence('}');
        }
        // A tagged value: the tag's symbol, then the value it tags, read as that value.
        const tag = this.token();
        if (tag === '') this.fail('expected a tag after #');
        return this.read();
      }
      default:
        return atom(this.token(), this);
    }
  }

  private sequence(close: string): Edn[] {
    const start = this.line;
    this.pos++;
    const items: Edn[] = [];
    for (;;) {
      if (!this.more()) this.fail(`${close === ']' ? 'vector' : close === ')' ? 'list' : 'set'} opened on line ${start} is not closed`);
      if (this.text[this.pos] === close) break;
      items.push(this.read());
    }
    this.pos++;
    return items;
  }

  private string(): string {
    let out = '';
    this.pos++;
    for (;;) {
      const ch = this.text[this.pos++];
      if (ch === undefined) this.fail('string is not closed');
      if (ch === '"') return out;
      if (ch === '\n') this.line++;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const escaped = this.text[this.pos++];
      switch (escaped) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 'u': {
          const hex = this.text.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(`bad \\u escape ${JSON.stringify(hex)}`);
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`unknown string escape \\${escaped ?? ''}`);
      }
    }
  }

  private token(): string {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos] as string;
      if (isSpace(ch) || DELIMITERS.has(ch)) break;
      this.pos++;
    }
    return this.text.slice(start, this.pos);
  }
}

const INTEGER = /^[+-]?\d+N?$/;
const FLOAT = /^[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?M?$/;

function atom(token: string, reader: Reader): Edn {
  if (token === '') reader.fail('expected a value');
  if (token === 'nil') return null;
  if (token === 'true') return true;
  if (token === 'false') return false;
  if (token.startsWith(':')) return new Keyword(token.slice(1));
  if (INTEGER.test(token)) return integerText(token);
  if (FLOAT.test(token)) return Number(token.replace(/M$/, ''));
  if (token.startsWith('\\')) reader.fail(`characters are not supported in a history, got ${token}`);
  return new EdnSymbol(token);
}

/** An integer's canonical text: no `+`, no `N` suffix, no leading zeros, no `-0`. */
function integerText(token: string): EdnInteger {
  const body = token.replace(/N$/, '').replace(/^\+/, '');
  const negative = body.startsWith('-');
  const digits = (negative ? body.slice(1) : body).replace(/^0+(?=\d)/, '');
  return new EdnInteger(negative && digits !== '0' ? `-${digits}` : digits);
}

function printed(key: Edn): string {
  if (key instanceof Keyword) return `:${key.name}`;
  if (key instanceof EdnInteger) return key.text;
  if (typeof key === 'string') return JSON.stringify(key);
  return String(key);
}

function describe(value: Edn | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'nil';
  if (value instanceof Keyword) return `:${value.name}`;
  if (value instanceof EdnSymbol) return value.name;
  if (value instanceof EdnInteger) return value.text;
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(' ')}]`;
  if (value instanceof EdnMap) return '{…}';
  return String(value);
}

/** One register value: an integer or a string, as text; nil is null. */
function registerValue(value: Edn): string | null | undefined {
  if (value === null) return null;
  if (value instanceof EdnInteger) return value.text;
  if (typeof value === 'string') return value;
  return undefined;
}

function jepsenValue(value: Edn | undefined): JepsenValue {
  if (value === undefined || value === null) return { kind: 'nil' };
  const one = registerValue(value);
  if (one !== undefined && one !== null) return { kind: 'scalar', text: one };
  if (Array.isArray(value) && value.length === 2) {
    const a = registerValue(value[0] as Edn);
    const b = registerValue(value[1] as Edn);
    if (a !== undefined && b !== undefined) return { kind: 'pair', a, b };
  }
  return { kind: 'other' };
}

const TYPES: readonly JepsenType[] = ['invoke', 'ok', 'fail', 'info'];
const FUNCTIONS: readonly JepsenFunction[] = ['read', 'write', 'cas'];

function keywordField(map: EdnMap, field: string): string | undefined {
  const value = map.entries.get(`:${field}`);
  return value instanceof Keyword ? value.name : undefined;
}

/** The history's operation maps, whether written one per form or inside one vector or list. */
function* operationMaps(reader: Reader): Generator<EdnMap> {
  let first = true;
  while (reader.more()) {
    const form = reader.read();
    if (first && Array.isArray(form) && !reader.more()) {
      for (const item of form) {
        if (!(item instanceof EdnMap)) reader.fail(`expected operation maps in the history's vector, got ${describe(item)}`);
        yield item;
      }
      return;
    }
    first = false;
    if (!(form instanceof EdnMap)) reader.fail(`expected an operation map like {:type :invoke, :f :read, ...}, got ${describe(form)}`);
    yield form;
  }
}

function* events(text: string): Generator<JepsenEvent> {
  const reader = new Reader(text);
  let position = 0;
  for (const map of operationMaps(reader)) {
    const line = map.line;
    const process = map.entries.get(':process');
    if (!(process instanceof EdnInteger)) {
      if (process === undefined) throw new HistoryInputError(line, 'process', 'expected an integer (a client) or a keyword such as :nemesis, got nothing');
      continue; // :nemesis and other fault injectors: not operations on the register
    }
    const type = keywordField(map, 'type');
    if (type === undefined || !(TYPES as readonly string[]).includes(type)) {
      throw new HistoryInputError(line, 'type', `expected :invoke, :ok, :fail or :info, got ${describe(map.entries.get(':type'))}`);
    }
    const f = keywordField(map, 'f');
    if (f === undefined || !(FUNCTIONS as readonly string[]).includes(f)) {
      throw new HistoryInputError(line, 'f', `expected :read, :write or :cas (a register history), got ${describe(map.entries.get(':f'))}`);
    }
    const value = map.entries.get(':value');
    position++;
    yield { line, position, process: process.text, type: type as JepsenType, f: f as JepsenFunction, value: jepsenValue(value), valueText: describe(value) };
  }
}

export interface EdnParseOptions {
  /** Key given to every operation (a register history holds one register). @default 'register' */
  readonly key?: string;
}

/** Parses a Jepsen `history.edn` of a register into checker records. Throws `HistoryInputError` naming line and field. */
export function parseJepsenEdn(text: string, options: EdnParseOptions = {}): CheckerRecord[] {
  return recordsOfEvents(events(text), options.key ?? 'register');
}
