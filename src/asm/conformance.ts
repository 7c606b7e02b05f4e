/**
 * The syntax of the BPF conformance suite (and ubpf): `add32 %r0, 1`,
 * `ldxw %r0, [%r1+4]`, `jeq %r1, 5, +1`, `lock fetch add [%r10-8], %r1`.
 */
import type { AccessSize, AluName, AtomicName, JumpCondition, PseudoName } from '../isa/index.js';
import { type Cursor, toImm32 } from './cursor.js';
import * as d from './draft.js';

const ALU_MNEMONICS: Record<string, AluName> = {
  add: 'add', sub: 'sub', mul: 'mul', div: 'div', sdiv: 'sdiv', or: 'or', and: 'and', lsh: 'lsh', rsh: 'rsh',
  mod: 'mod', smod: 'smod', xor: 'xor', mov: 'mov', arsh: 'arsh',
};

const JUMP_MNEMONICS: ReadonlySet<string> = new Set(['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle']);

const SIZE_SUFFIX: Record<string, AccessSize> = { b: 1, h: 2, w: 4, dw: 8 };

const PSEUDO_WORDS: ReadonlySet<string> = new Set(['map_fd', 'map_value', 'btf_id', 'func', 'map_idx', 'map_idx_value']);

/** `[%rN]`, `[%rN+off]` or `[%rN-off]`. */
function memory(c: Cursor): { base: number; offset: number } {
  c.expect('[');
  const base = c.percentRegister();
  let offset = 0;
  if (c.eat('+')) offset = c.offset16();
  else if (c.eat('-')) offset = c.offset16('an offset', true);
  c.expect(']');
  if (offset < -32768) throw c.error('OFFSET_RANGE', `offset ${offset} does not fit in 16 signed bits`);
  return { base, offset };
}

function target(c: Cursor, draft: d.Draft, field: 'offset' | 'imm'): d.Draft {
  c.skipSpace();
  const at = c.pos;
  const n = c.tryNumber();
  if (!n) return { ...draft, target: { label: c.word('a jump offset or a label'), field, column: c.column + at } };
  if (field === 'offset') {
    if (n.value < -32768n || n.value > 32767n) throw c.error('OFFSET_RANGE', `jump offset ${n.value} does not fit in 16 signed bits`, n.at);
    return { ...draft, offset: Number(n.value) };
  }
  return { ...draft, imm: toImm32(n.value, false, (r) => c.error('IMMEDIATE_RANGE', r, n.at)) };
}

function regOrImm(c: Cursor): { reg: number } | { imm: number } {
  const reg = c.tryPercentRegister();
  return reg !== undefined ? { reg } : { imm: c.imm32('a register or an immediate') };
}

/** Parses one instruction in the conformance syntax; the cursor is past any label. */
export function parseConformance(c: Cursor): d.Draft {
  const mnemonicAt = c.pos;
  const mnemonic = c.word('a mnemonic').toLowerCase();
  const result = parseMnemonic(c, mnemonic, mnemonicAt);
  c.eat(',');
  c.end();
  return result;
}

function parseMnemonic(c: Cursor, m: string, at: number): d.Draft {
  const unknown = () => c.error('UNKNOWN_MNEMONIC', `unknown mnemonic '${m}'`, at);
  const wide = m.endsWith('32') && !/^(?:be|le|bswap|swap)32$/.test(m) && !/^movsx\d+32$/.test(m) && m !== 'ja32';
  const base = wide ? m.slice(0, -2) : m;
  const width: 32 | 64 = wide ? 32 : 64;

  const alu = ALU_MNEMONICS[base];
  if (alu) {
    const dst = c.percentRegister();
    c.expect(',');
    return d.alu(width, alu, dst, regOrImm(c));
  }
  if (base === 'neg') return d.neg(width, c.percentRegister());
  const movsx = /^movsx(8|16|32)(32|64)$/.exec(m);
  if (movsx) {
    const dst = c.percentRegister();
    c.expect(',');
    return d.alu(movsx[2] === '32' ? 32 : 64, `movsx${movsx[1]}` as AluName, dst, { reg: c.percentRegister() });
  }
  const swap = /^(be|le|bswap|swap)(16|32|64)$/.exec(m);
  if (swap) {
    const order = swap[1] === 'be' || swap[1] === 'le' ? swap[1] : 'swap';
    return d.endian(order, Number(swap[2]), c.percentRegister());
  }
  if (JUMP_MNEMONICS.has(base)) {
    const dst = c.percentRegister();
    c.expect(',');
    const operand = regOrImm(c);
    c.expect(',');
    return target(c, d.jump(width, base as JumpCondition, dst, operand), 'offset');
  }
  if (m === 'ja') return target(c, d.ja(false), 'offset');
  if (m === 'ja32') return target(c, d.ja(true), 'imm');
  if (m === 'exit') return d.exit();
  if (m === 'call') {
    if (c.eatWord('local')) return target(c, d.call('local', 0), 'imm');
    if (c.eatWord('kfunc')) {
      const id = c.imm32('a BTF id');
      return d.call('kfunc', id, c.eat(',') ? c.offset16() : 0);
    }
    const reg = c.tryPercentRegister();
    if (reg !== undefined) return d.callx(reg);
    return d.call('helper', c.imm32('a helper id'));
  }
  if (m === 'lddw') {
    const dst = c.percentRegister();
    c.expect(',');
    const word = c.peekWord();
    if (word && PSEUDO_WORDS.has(word)) {
      c.word();
      c.expect('(');
      if (word === 'func') {
        const t = target(c, d.lddw(dst, 'func', 0n), 'imm');
        const high = c.eat(',') ? BigInt.asUintN(32, BigInt(c.imm32())) : 0n;
        c.expect(')');
        return t.target ? t : d.lddw(dst, 'func', (high << 32n) | BigInt(t.imm >>> 0));
      }
      const low = BigInt.asUintN(32, BigInt(c.imm32()));
      const valueForm = word === 'map_value' || word === 'map_idx_value';
      if (valueForm) c.expect(',');
      const high = valueForm || c.eat(',') ? BigInt.asUintN(32, BigInt(c.imm32())) : 0n;
      c.expect(')');
      return d.lddw(dst, word as PseudoName, (high << 32n) | low);
    }
    const n = c.number('a 64-bit immediate');
    if (n.value < -(1n << 63n) || n.value >= 1n << 64n) throw c.error('IMMEDIATE_RANGE', `${n.value} does not fit in 64 bits`, n.at);
    return d.lddw(dst, 'imm64', n.value);
  }
  const ldx = /^ldx(s?)(b|h|w|dw)$/.exec(m);
  if (ldx) {
    const dst = c.percentRegister();
    c.expect(',');
    const mem = memory(c);
    if (ldx[1] && ldx[2] === 'dw') throw unknown();
    return d.load(SIZE_SUFFIX[ldx[2]!]!, ldx[1] === 's', dst, mem.base, mem.offset);
  }
  const st = /^st(x?)(b|h|w|dw)$/.exec(m);
  if (st) {
    const mem = memory(c);
    c.expect(',');
    const size = SIZE_SUFFIX[st[2]!]!;
    return st[1] ? d.storeReg(size, mem.base, mem.offset, c.percentRegister()) : d.storeImm(size, mem.base, mem.offset, c.imm32());
  }
  const packet = /^ld(abs|ind)(b|h|w)$/.exec(m);
  if (packet) {
    const size = SIZE_SUFFIX[packet[2]!] as 1 | 2 | 4;
    if (packet[1] === 'abs') return d.packetLoad('abs', size, 0, c.imm32());
    const src = c.percentRegister();
    c.expect(',');
    return d.packetLoad('ind', size, src, c.imm32());
  }
  if (m === 'lock') {
    const fetch = c.eatWord('fetch');
    const opAt = c.pos;
    const op = c.word('an atomic operation (add, or, and, xor, xchg, cmpxchg)').toLowerCase();
    const opWide = op.endsWith('32');
    const name = (opWide ? op.slice(0, -2) : op) as AtomicName;
    if (!['add', 'or', 'and', 'xor', 'xchg', 'cmpxchg'].includes(name)) throw c.error('UNKNOWN_MNEMONIC', `unknown atomic operation '${op}'`, opAt);
    const mem = memory(c);
    c.expect(',');
    return d.atomic(opWide ? 4 : 8, name, fetch || name === 'xchg' || name === 'cmpxchg', mem.base, mem.offset, c.percentRegister());
  }
  throw unknown();
}
