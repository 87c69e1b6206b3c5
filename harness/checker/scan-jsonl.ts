/**
 * @module A fast reader for one line of a JSON Lines history in the harness's format: a flat object
 * whose keys are record fields (`client`, `op`, `key`, `value`, `call`, `return`, `status`, `rounds`,
 * and a compare-and-set's `expected` and `swapped`), each with a value of a type the field can have
 * (strings without escapes, numbers, null, booleans). For such a line it gives the object JSON.parse
 * would give, with the fields in the schema's order; for any other line (an escape, a nested value,
 * an unknown key, another type, bad JSON) it gives undefined, and the caller falls back to
 * JSON.parse, which has the last word on syntax and errors. Required fields and values are the
 * caller's to validate, exactly as for an object from JSON.parse.
 *
 * Why our own code: on a million-operation history, calling JSON.parse once per line costs more
 * than reading the file and checking it together; no package reads a schema known in advance
 * faster (simdjson bindings are native builds and still create the same objects).
 */

const TAB = 9;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const UPPER_E = 69;
const BACKSLASH = 92;
const LOWER_E = 101;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/** Field numbers, in the schema's order; bit `1 << field` marks a field seen on the line. */
const CLIENT = 0;
const OP = 1;
const KEY = 2;
const VALUE = 3;
const CALL = 4;
const RETURN = 5;
const STATUS = 6;
const ROUNDS = 7;
const EXPECTED = 8;
const SWAPPED = 9;
const FIELD_NAMES = ['client', 'op', 'key', 'value', 'call', 'return', 'status', 'rounds', 'expected', 'swapped'] as const;

const READ_OR_WRITE = (1 << 8) - 1;
const WITHOUT_ROUNDS = READ_OR_WRITE & ~(1 << ROUNDS);
const COMPARE_AND_SET = (1 << 10) - 1;

/**
 * Powers of ten that doubles hold exactly. A decimal with at most 15 significant digits is an
 * integer m < 2^53 divided by one of them, and IEEE division rounds m / 10^k correctly, so the
 * result is the double nearest the decimal, as JSON.parse gives (Clinger's fast path).
 */
const MAX_FAST_DIGITS = 15;
const EXACT_POWERS_OF_TEN = Array.from({ length: MAX_FAST_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * Strings that recur (client names, keys, op and status words; a read's value, which a recent write
 * wrote) are shared rather than copied per line: fewer strings to allocate and collect, and the
 * checker's value lookups then meet strings whose hash is already known. Slots per table, a power of 2.
 */
const NAME_SLOTS = 1 << 10;
const VALUE_SLOTS = 1 << 14;

/** Reads lines of one text; `record(start, stop)` reads the line text[start, stop). */
export class HistoryLineScanner {
  private pos = 0;
  private stop = 0;
  // The fields of the line being read, one typed slot each (no boxing of numbers per line).
  private client = '';
  private op = '';
  private key = '';
  private value: string | null = null;
  private call = 0;
  private returned: number | null = null;
  private status = '';
  private rounds = 0;
  private expected: string | null = null;
  private swapped = false;
  private readonly names: string[] = new Array<string>(NAME_SLOTS).fill('');
  private readonly values: string[] = new Array<string>(VALUE_SLOTS).fill('');

  constructor(private readonly text: string) {}

  /** The line's object, or undefined if this reader does not handle the line (use JSON.parse). */
  record(start: number, stop: number): object | undefined {
    this.pos = start;
    this.stop = stop;
    this.skipSpace();
    if (this.next() !== OPEN_BRACE) return undefined;
    let seen = 0;
    this.skipSpace();
    if (this.peek() === CLOSE_BRACE) this.pos++;
    else {
      for (;;) {
        this.skipSpace();
        const field = this.fieldName();
        if (field < 0) return undefined;
        this.skipSpace();
        if (this.next() !== COLON) return undefined;
        this.skipSpace();
        if (!this.fieldValue(field)) return undefined;
        seen |= 1 << field;
        this.skipSpace();
        const c = this.next();
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return undefined;
      }
    }
    this.skipSpace();
    if (this.pos !== stop) return undefined;
    return this.build(seen);
  }

  private build(seen: number): object {
    // The usual shapes as literals, so that every record of a history shares one hidden class.
    if (seen === READ_OR_WRITE) {
      return { client: this.client, op: this.op, key: this.key, value: this.value, call: this.call, return: this.returned, status: this.status, rounds: this.rounds };
    }
    if (seen === WITHOUT_ROUNDS) return { client: this.client, op: this.op, key: this.key, value: this.value, call: this.call, return: this.returned, status: this.status };
    if (seen === COMPARE_AND_SET) {
      return {
        client: this.client,
        op: this.op,
        key: this.key,
        value: this.value,
        call: this.call,
        return: this.returned,
        status: this.status,
        rounds: this.rounds,
        expected: this.expected,
        swapped: this.swapped,
      };
    }
    const values = [this.client, this.op, this.key, this.value, this.call, this.returned, this.status, this.rounds, this.expected, this.swapped];
    const record: Record<string, unknown> = {};
    for (let field = 0; field < FIELD_NAMES.length; field++) if ((seen & (1 << field)) !== 0) record[FIELD_NAMES[field] as string] = values[field];
    return record;
  }

  /**
   * Reads the value of `field` if it has the type a valid record has there; false otherwise, so
   * that JSON.parse reads the line and the caller's validation names the field and the value.
   */
  private fieldValue(field: number): boolean {
    switch (field) {
      case CLIENT:
      case OP:
      case KEY:
      case STATUS: {
        const text = this.sharedString(this.names);
        if (text === undefined) return false;
        if (field === CLIENT) this.client = text;
        else if (field === OP) this.op = text;
        else if (field === KEY) this.key = text;
        else this.status = text;
        return true;
      }
      case VALUE:
      case EXPECTED: {
        let text: string | null = null;
        if (!this.word('null')) {
          const shared = this.sharedString(this.values);
          if (shared === undefined) return false;
          text = shared;
        }
        if (field === VALUE) this.value = text;
        else this.expected = text;
        return true;
      }
      case CALL:
      case ROUNDS: {
        const number = this.number();
        if (Number.isNaN(number)) return false;
        if (field === CALL) this.call = number;
        else this.rounds = number;
        return true;
      }
      case RETURN: {
        if (this.word('null')) this.returned = null;
        else {
          const number = this.number();
          if (Number.isNaN(number)) return false;
          this.returned = number;
        }
        return true;
      }
      case SWAPPED:
        if (this.word('true')) this.swapped = true;
        else if (this.word('false')) this.swapped = false;
        else return false;
        return true;
      default:
        return false;
    }
  }

  /** A quoted string, shared through `table` with an earlier line's equal one; undefined if not a plain string. */
  private sharedString(table: string[]): string | undefined {
    if (this.peek() !== QUOTE) return undefined;
    const text = this.text;
    const begin = this.pos + 1;
    const end = this.plainStringEnd();
    if (end < 0) return undefined;
    let hash = end - begin;
    for (let p = begin; p < end; p++) hash = (Math.imul(hash, 31) + text.charCodeAt(p)) | 0;
    const slot = hash & (table.length - 1);
    const known = table[slot] as string;
    if (known.length === end - begin && text.startsWith(known, begin)) return known;
    const copy = text.slice(begin, end);
    table[slot] = copy;
    return copy;
  }

  private peek(): number {
    return this.pos < this.stop ? this.text.charCodeAt(this.pos) : -1;
  }

  private next(): number {
    return this.pos < this.stop ? this.text.charCodeAt(this.pos++) : -1;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (c !== SPACE && c !== TAB && c !== CR) return;
      this.pos++;
    }
  }

  /** Reads a quoted key; its field number, or -1 for an unknown key or one this reader does not handle. */
  private fieldName(): number {
    if (this.peek() !== QUOTE) return -1;
    const begin = this.pos + 1;
    const end = this.plainStringEnd();
    if (end < 0) return -1;
    const text = this.text;
    let field = -1;
    switch (end - begin) {
      case 2:
        field = OP;
        break;
      case 3:
        field = KEY;
        break;
      case 4:
        field = CALL;
        break;
      case 5:
        field = VALUE;
        break;
      case 6: {
        const first = text.charCodeAt(begin);
        field = first === 99 ? CLIENT : first === 115 ? STATUS : text.charCodeAt(begin + 1) === 101 ? RETURN : ROUNDS;
        break;
      }
      case 7:
        field = SWAPPED;
        break;
      case 8:
        field = EXPECTED;
        break;
    }
    return field >= 0 && text.startsWith(FIELD_NAMES[field] as string, begin) ? field : -1;
  }

  /**
   * At an opening quote: moves past the closing quote and returns the index of the closing quote,
   * or -1 if the string has an escape or a control character (or does not end on the line).
   */
  private plainStringEnd(): number {
    const text = this.text;
    let p = this.pos + 1;
    while (p < this.stop) {
      const c = text.charCodeAt(p);
      if (c === QUOTE) {
        this.pos = p + 1;
        return p;
      }
      if (c === BACKSLASH || c < SPACE) return -1;
      p++;
    }
    return -1;
  }

  private word(literal: string): boolean {
    if (this.pos + literal.length > this.stop || !this.text.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }

  private isDigit(c: number): boolean {
    return c >= ZERO && c <= NINE;
  }

  /** A JSON number (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`), or NaN if the text is not one. */
  private number(): number {
    const begin = this.pos;
    const negative = this.peek() === MINUS;
    if (negative) this.pos++;
    let c = this.peek();
    if (!this.isDigit(c)) return NaN;
    let mantissa = 0;
    let digits = 0;
    if (c === ZERO) {
      this.pos++;
      c = this.peek();
      digits = 1;
      if (this.isDigit(c)) return NaN; // a leading zero
    } else {
      while (this.isDigit(c)) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        this.pos++;
        c = this.peek();
      }
    }
    let scale = 0;
    if (c === DOT) {
      this.pos++;
      c = this.peek();
      if (!this.isDigit(c)) return NaN;
      while (this.isDigit(c)) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        scale++;
        this.pos++;
        c = this.peek();
      }
    }
    let exponent = false;
    if (c === LOWER_E || c === UPPER_E) {
      exponent = true;
      this.pos++;
      c = this.peek();
      if (c === PLUS || c === MINUS) {
        this.pos++;
        c = this.peek();
      }
      if (!this.isDigit(c)) return NaN;
      while (this.isDigit(c)) {
        this.pos++;
        c = this.peek();
      }
    }
    // Exponents and long mantissas are rare here: the text is a valid JSON number by now, and
    // Number() reads valid JSON numbers exactly as JSON.parse does.
    if (exponent || digits > MAX_FAST_DIGITS) return Number(this.text.slice(begin, this.pos));
    const magnitude = scale === 0 ? mantissa : mantissa / (EXACT_POWERS_OF_TEN[scale] as number);
    return negative ? -magnitude : magnitude;
  }
}
