/**
 * A cursor over one line of assembly: the small vocabulary both syntaxes are
 * made of (registers, numbers, punctuation), with errors that point at the column.
 */
import { AsmError, type AsmErrorCode } from './errors.js';

export interface Register {
  readonly n: number;
  /** Written as a 32-bit sub-register (`w1`). */
  readonly sub: boolean;
}

const NUMBER = /^[+-]?(?:0x[0-9a-f]+|\d+)/i;
const WORD = /^[A-Za-z_.$][\w.$]*/;

export class Cursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly line: number,
    /** Column of text[0] in the source line (1-based). */
    readonly column: number,
    /** Names that stand for numbers in `map_fd(NAME)` and `map_value(NAME, off)`. */
    readonly maps?: ReadonlyMap<string, number>,
    /** Kernel functions callable by name (`call bpf_iter_num_new`): their BTF ids. */
    readonly kfuncs?: (name: string) => number | undefined,
  ) {}

  /** A map operand: a number, or a name from `maps`. */
  mapNumber(): number {
    this.skipSpace();
    const word = this.peekWord();
    if (word === undefined || /^\d/.test(word)) return this.imm32('a map number or name');
    const at = this.pos;
    this.word();
    const value = this.maps?.get(word);
    if (value === undefined) {
      const known = [...(this.maps?.keys() ?? [])];
      throw this.error('SYNTAX', `unknown map ${word}${known.length ? ` (maps: ${known.join(', ')})` : ' (no maps are defined)'}`, at);
    }
    return value;
  }

  get rest(): string {
    return this.text.slice(this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  error(code: AsmErrorCode, reason: string, at = this.pos): AsmError {
    return new AsmError(code, this.line, this.column + at, reason);
  }

  /** Throws "expected X, found Y" at the cursor. */
  expected(what: string): never {
    this.skipSpace();
    const found = this.rest.trim();
    throw this.error('SYNTAX', `expected ${what}, found ${found ? `'${found.length > 24 ? `${found.slice(0, 24)}…` : found}'` : 'the end of the line'}`);
  }

  /** Consumes `token` if it comes next (after spaces). */
  eat(token: string): boolean {
    this.skipSpace();
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  expect(token: string): void {
    if (!this.eat(token)) this.expected(`'${token}'`);
  }

  /** Consumes a whole word if it is `word`. */
  eatWord(word: string): boolean {
    this.skipSpace();
    const m = WORD.exec(this.rest);
    if (m && m[0] === word) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  peekWord(): string | undefined {
    this.skipSpace();
    return WORD.exec(this.rest)?.[0];
  }

  word(what = 'a name'): string {
    const w = this.peekWord();
    if (w === undefined) this.expected(what);
    this.pos += w.length;
    return w;
  }

  end(): void {
    if (!this.atEnd()) this.expected('the end of the line');
  }

  /** A register in LLVM syntax (`r0`…`r10`, `w0`…`w10`). */
  tryRegister(): Register | undefined {
    this.skipSpace();
    const m = /^([rw])(\d+)\b/.exec(this.rest);
    if (!m) return undefined;
    const n = Number(m[2]);
    if (n > 10) throw this.error('BAD_REGISTER', `invalid register ${m[0]} (r0–r10)`);
    this.pos += m[0].length;
    return { n, sub: m[1] === 'w' };
  }

  register(what = 'a register'): Register {
    return this.tryRegister() ?? this.expected(what);
  }

  /** A register in the conformance syntax (`%r0`…`%r10`). */
  tryPercentRegister(): number | undefined {
    this.skipSpace();
    const m = /^%r(\d+)\b/.exec(this.rest);
    if (!m) return undefined;
    const n = Number(m[1]);
    if (n > 10) throw this.error('BAD_REGISTER', `invalid register %r${n} (%r0–%r10)`);
    this.pos += m[0].length;
    return n;
  }

  percentRegister(): number {
    return this.tryPercentRegister() ?? this.expected('a register (%r0–%r10)');
  }

  peekNumber(): boolean {
    this.skipSpace();
    return NUMBER.test(this.rest);
  }

  /** A decimal or hex number, with an optional sign, as an exact BigInt. */
  tryNumber(): { value: bigint; hex: boolean; at: number } | undefined {
    this.skipSpace();
    const m = NUMBER.exec(this.rest);
    if (!m) return undefined;
    const at = this.pos;
    this.pos += m[0].length;
    const negative = m[0].startsWith('-');
    const digits = m[0].replace(/^[+-]/, '');
    const magnitude = BigInt(digits);
    return { value: negative ? -magnitude : magnitude, hex: /^0x/i.test(digits), at };
  }

  number(what = 'a number'): { value: bigint; hex: boolean; at: number } {
    return this.tryNumber() ?? this.expected(what);
  }

  /**
   * A 32-bit immediate: signed decimal within int32, or hex up to 0xffffffff
   * taken as a bit pattern (so 0xffffff80 is -128), as the conformance suite writes them.
   */
  imm32(what = 'an immediate'): number {
    const n = this.number(what);
    return toImm32(n.value, n.hex, (reason) => this.error('IMMEDIATE_RANGE', reason, n.at));
  }

  /** A signed 16-bit offset (decimal or hex, with sign); `negate` for one written after a separate minus. */
  offset16(what = 'an offset', negate = false): number {
    const n = this.number(what);
    const value = negate ? -n.value : n.value;
    if (value < -32768n || value > 32767n) throw this.error('OFFSET_RANGE', `offset ${value} does not fit in 16 signed bits`, n.at);
    return Number(value);
  }
}

/** Applies the immediate rules of {@link Cursor.imm32} to a value. */
export function toImm32(value: bigint, hex: boolean, fail: (reason: string) => Error): number {
  if (value >= -0x80000000n && value <= 0x7fffffffn) return Number(value);
  if (value > 0 && value <= 0xffffffffn && hex) return Number(BigInt.asIntN(32, value));
  throw fail(`immediate ${hex && value >= 0 ? `0x${value.toString(16)}` : value} does not fit in 32 bits`);
}
