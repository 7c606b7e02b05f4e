/**
 * The syntax `llvm-objdump -d` and the kernel's verifier log print:
 * `r0 = *(u64 *)(r1 + 8)`, `if r1 > 0x10 goto +2`, `w0 += 1`, `call bpf_map_lookup_elem`.
 */
import { helperId, type AccessSize, type AluName, type AtomicName, type JumpCondition, type PseudoName } from '../isa/index.js';
import { type Cursor, type Register, toImm32 } from './cursor.js';
import * as d from './draft.js';

const COMPOUND: ReadonlyArray<[string, AluName]> = [
  ['s>>=', 'arsh'], ['s/=', 'sdiv'], ['s%=', 'smod'], ['<<=', 'lsh'], ['>>=', 'rsh'],
  ['+=', 'add'], ['-=', 'sub'], ['*=', 'mul'], ['/=', 'div'], ['%=', 'mod'], ['|=', 'or'], ['&=', 'and'], ['^=', 'xor'],
];

const CONDITIONS: ReadonlyArray<[string, JumpCondition]> = [
  ['s>=', 'jsge'], ['s<=', 'jsle'], ['s>', 'jsgt'], ['s<', 'jslt'], ['==', 'jeq'], ['!=', 'jne'],
  ['>=', 'jge'], ['<=', 'jle'], ['>', 'jgt'], ['<', 'jlt'], ['&', 'jset'],
];

const LOCK_OPS: ReadonlyArray<[string, AtomicName]> = [['+=', 'add'], ['|=', 'or'], ['&=', 'and'], ['^=', 'xor']];

const SIZES: Record<string, { size: AccessSize; signed: boolean }> = {
  u8: { size: 1, signed: false }, u16: { size: 2, signed: false }, u32: { size: 4, signed: false }, u64: { size: 8, signed: false },
  s8: { size: 1, signed: true }, s16: { size: 2, signed: true }, s32: { size: 4, signed: true },
};

/** Atomic read-modify-write functions as llvm and the kernel log print them: name → [op, bytes or 0 when the cast says]. */
const ATOMIC_FUNCTIONS: Record<string, [AtomicName, 0 | 4 | 8]> = {
  atomic_fetch_add: ['add', 0], atomic_fetch_or: ['or', 0], atomic_fetch_and: ['and', 0], atomic_fetch_xor: ['xor', 0],
  atomic64_fetch_add: ['add', 8], atomic64_fetch_or: ['or', 8], atomic64_fetch_and: ['and', 8], atomic64_fetch_xor: ['xor', 8],
  xchg_64: ['xchg', 8], xchg32_32: ['xchg', 4], cmpxchg_64: ['cmpxchg', 8], cmpxchg32_32: ['cmpxchg', 4],
  atomic64_xchg: ['xchg', 8], atomic_xchg: ['xchg', 4], atomic64_cmpxchg: ['cmpxchg', 8], atomic_cmpxchg: ['cmpxchg', 4],
};

const PSEUDO_FUNCTIONS: Record<string, PseudoName> = {
  map_fd: 'map_fd', map_value: 'map_value', btf_id: 'btf_id', func: 'func', map_idx: 'map_idx', map_idx_value: 'map_idx_value',
};

/** True when a line looks like LLVM syntax rather than the conformance syntax. */
export function looksLikeLlvm(text: string): boolean {
  return /^\s*(?:if\s|goto\b|gotol\b|callx\b|lock\s+\*|\*\(|[rw]\d+\s*(?:[-+*/%|&^]|s[/%]|<<|>>|s>>)?=)/.test(text)
    || /^\s*call\s+(?:bpf_|pc[+-]|kfunc\b|[A-Za-z_]\w*\s*$)/.test(text);
}

/** `(rN + off)` or `(rN - off)`: a base register and a signed offset. */
function memoryOperand(c: Cursor): { base: number; offset: number } {
  c.expect('(');
  const base = c.register('a base register');
  if (base.sub) throw c.error('BAD_REGISTER', `a memory base must be a 64-bit register, not w${base.n}`);
  let offset = 0;
  c.skipSpace();
  if (c.eat('+') || c.peekNumber()) offset = c.offset16('an offset');
  else if (c.eat('-')) offset = c.offset16('an offset', true);
  c.expect(')');
  if (offset < -32768 || offset > 32767) throw c.error('OFFSET_RANGE', `offset ${offset} does not fit in 16 signed bits`);
  return { base: base.n, offset };
}

/** `rN + off` without parentheses (xchg_64 and cmpxchg_64 arguments). */
function bareMemoryOperand(c: Cursor): { base: number; offset: number } {
  const base = c.register('a base register').n;
  let offset = 0;
  if (c.eat('+')) offset = c.offset16();
  else if (c.eat('-')) offset = c.offset16('an offset', true);
  return { base, offset };
}

/** `*(u32 *)` — the access size of a load or store. */
function sizeCast(c: Cursor): { size: AccessSize; signed: boolean } {
  c.expect('(');
  const name = c.word('a size (u8, u16, u32, u64, s8, s16, s32)');
  const size = SIZES[name];
  if (!size) throw c.error('SYNTAX', `unknown access size '${name}'`);
  c.expect('*');
  c.expect(')');
  return size;
}

/** A jump target: `+N`, `-N`, `pc+N`, or a label; an objdump annotation `<sym+0x10>` after it is ignored. */
function jumpTarget(c: Cursor, draft: d.Draft, field: 'offset' | 'imm'): d.Draft {
  c.eatWord('pc');
  c.skipSpace();
  const at = c.pos;
  const n = c.tryNumber();
  let result: d.Draft;
  if (n) {
    if (field === 'offset') {
      if (n.value < -32768n || n.value > 32767n) throw c.error('OFFSET_RANGE', `jump offset ${n.value} does not fit in 16 signed bits`, n.at);
      result = { ...draft, offset: Number(n.value) };
    } else {
      result = { ...draft, imm: toImm32(n.value, false, (r) => c.error('IMMEDIATE_RANGE', r, n.at)) };
    }
  } else {
    result = { ...draft, target: { label: c.word('a jump offset or a label'), field, column: c.column + at } };
  }
  if (c.eat('<')) {
    while (!c.atEnd() && !c.eat('>')) c.pos++;
  }
  return result;
}

function registerOrImm(c: Cursor, sub: boolean, what: string): { reg: number } | { imm: number } {
  c.skipSpace();
  const at = c.pos;
  const r = c.tryRegister();
  if (r) {
    if (r.sub !== sub) throw c.error('BAD_REGISTER', `operands must both be ${sub ? '32-bit (w)' : '64-bit (r)'} registers`, at);
    return { reg: r.n };
  }
  return { imm: c.imm32(what) };
}

function parseIf(c: Cursor): d.Draft {
  const dst = c.register();
  c.skipSpace();
  const cond = CONDITIONS.find(([token]) => c.rest.startsWith(token));
  if (!cond) c.expected('a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &)');
  c.pos += cond[0].length;
  const operand = registerOrImm(c, dst.sub, 'a register or an immediate');
  if (!c.eatWord('goto')) c.expected("'goto'");
  return jumpTarget(c, d.jump(dst.sub ? 32 : 64, cond[1], dst.n, operand), 'offset');
}

function parseCall(c: Cursor): d.Draft {
  if (c.eatWord('pc')) return jumpTarget(c, d.call('local', 0), 'imm');
  if (c.eatWord('local')) return jumpTarget(c, d.call('local', 0), 'imm');
  if (c.eatWord('kfunc')) {
    const paren = c.eat('(');
    const id = c.imm32('a BTF id');
    const offset = c.eat(',') ? c.offset16('a BTF object index') : 0;
    if (paren) c.expect(')');
    return d.call('kfunc', id, offset);
  }
  if (c.peekNumber()) return d.call('helper', c.imm32('a helper id'));
  c.skipSpace();
  const at = c.pos;
  const name = c.word('a helper id or name');
  let id = helperId(name);
  const kfunc = id === undefined ? c.kfuncs?.(name) : undefined;
  // The kernel's log prints a kfunc call as `call NAME#BTF_ID`.
  if (c.eat('#')) {
    const n = c.imm32('a helper id');
    if (kfunc !== undefined) return d.call('kfunc', n);
    id = n;
  }
  if (kfunc !== undefined) return d.call('kfunc', kfunc);
  if (id === undefined) throw c.error('UNKNOWN_HELPER', `unknown helper '${name}'`, at);
  return d.call('helper', id);
}

/** `lock *(u64 *)(r1 + 0) += r2` */
function parseLock(c: Cursor): d.Draft {
  c.expect('*');
  const { size } = sizeCast(c);
  if (size !== 4 && size !== 8) throw c.error('SYNTAX', 'atomic operations are 32 or 64 bits');
  const mem = memoryOperand(c);
  c.skipSpace();
  const op = LOCK_OPS.find(([token]) => c.rest.startsWith(token));
  if (!op) c.expected('an atomic operation (+=, |=, &=, ^=)');
  c.pos += op[0].length;
  const src = c.register('a source register');
  return d.atomic(size, op[1], false, mem.base, mem.offset, src.n);
}

/** Right-hand sides of `rD = …`. */
function parseAssignment(c: Cursor, dst: Register): d.Draft {
  const width = dst.sub ? 32 : 64;
  c.skipSpace();
  if (c.eat('*')) {
    const { size, signed } = sizeCast(c);
    if (c.eatWord('skb')) {
      if (size === 8 || signed) throw c.error('SYNTAX', 'packet loads are u8, u16 or u32');
      c.expect('[');
      const index = c.tryRegister();
      let imm = 0;
      if (index) {
        if (c.eat('+')) imm = c.imm32();
        else if (c.eat('-')) imm = -c.imm32();
      } else {
        imm = c.imm32('an offset into the packet');
      }
      c.expect(']');
      if (dst.n !== 0) throw c.error('BAD_REGISTER', 'packet loads always write r0');
      return d.packetLoad(index ? 'ind' : 'abs', size as 1 | 2 | 4, index?.n ?? 0, imm);
    }
    const mem = memoryOperand(c);
    return d.load(size, signed, dst.n, mem.base, mem.offset);
  }
  if (c.rest.startsWith('(s')) {
    c.expect('(');
    const cast = c.word();
    c.expect(')');
    const bits = { s8: 8, s16: 16, s32: 32 }[cast];
    if (!bits) throw c.error('SYNTAX', `unknown sign-extending cast '(${cast})'`);
    const src = c.register('a source register');
    if (src.sub !== dst.sub) throw c.error('BAD_REGISTER', 'movsx operands must both be r or both be w registers');
    return d.alu(width, `movsx${bits}` as AluName, dst.n, { reg: src.n });
  }
  if (c.rest.startsWith('-') && /^-\s*[rw]\d/.test(c.rest)) {
    c.expect('-');
    const src = c.register();
    if (src.n !== dst.n || src.sub !== dst.sub) throw c.error('SYNTAX', `negation must be ${dst.sub ? 'w' : 'r'}${dst.n} = -${dst.sub ? 'w' : 'r'}${dst.n}`);
    return d.neg(width, dst.n);
  }
  const word = c.peekWord();
  if (word !== undefined && !/^[rw]\d+$/.test(word)) {
    const swap = /^(be|le|bswap)(16|32|64)$/.exec(word);
    if (swap) {
      c.word();
      const src = c.register();
      if (src.n !== dst.n) throw c.error('SYNTAX', `byte swaps work in place: ${word} r${dst.n}`);
      return d.endian(swap[1] === 'bswap' ? 'swap' : swap[1] as 'le' | 'be', Number(swap[2]), dst.n);
    }
    const atomicFn = ATOMIC_FUNCTIONS[word];
    if (atomicFn) {
      c.word();
      c.expect('(');
      let size: 4 | 8;
      let mem: { base: number; offset: number };
      if (c.rest.trimStart().startsWith('(')) {
        const cast = sizeCast(c);
        if (cast.size !== 4 && cast.size !== 8) throw c.error('SYNTAX', 'atomic operations are 32 or 64 bits');
        size = cast.size;
        mem = memoryOperand(c);
      } else {
        size = atomicFn[1] || (dst.sub ? 4 : 8);
        mem = bareMemoryOperand(c);
      }
      c.expect(',');
      if (atomicFn[0] === 'cmpxchg') {
        const old = c.register('r0');
        if (old.n !== 0 || dst.n !== 0) throw c.error('BAD_REGISTER', 'cmpxchg compares with r0 and returns into r0');
        c.expect(',');
      }
      const src = c.register('a source register');
      c.expect(')');
      if (atomicFn[0] !== 'cmpxchg' && src.n !== dst.n) throw c.error('BAD_REGISTER', `a fetching atomic returns into its source register (r${src.n})`);
      return d.atomic(size, atomicFn[0], true, mem.base, mem.offset, src.n);
    }
    const pseudo = PSEUDO_FUNCTIONS[word];
    if (pseudo) {
      c.word();
      c.expect('(');
      let low: bigint;
      let high = 0n;
      // Every form takes an optional second value, the second slot's imm.
      if (pseudo === 'func') {
        const target = jumpTarget(c, d.lddw(dst.n, 'func', 0n), 'imm');
        if (c.eat(',')) high = BigInt(c.imm32());
        c.expect(')');
        c.eatWord('ll');
        return target.target ? target : d.lddw(dst.n, 'func', (BigInt.asUintN(32, high) << 32n) | BigInt(target.imm >>> 0));
      }
      low = BigInt(pseudo === 'map_fd' || pseudo === 'map_value' ? c.mapNumber() : c.imm32());
      if (pseudo === 'map_value' || pseudo === 'map_idx_value') {
        c.expect(',');
        high = BigInt(c.imm32('an offset into the value'));
      } else if (c.eat(',')) {
        high = BigInt(c.imm32());
      }
      c.expect(')');
      c.eatWord('ll');
      return d.lddw(dst.n, pseudo, (BigInt.asUintN(32, high) << 32n) | BigInt.asUintN(32, low));
    }
    if (word === 'map') {
      // The kernel log's `map[id:5]` and `map[id:5][0]+16`.
      c.word();
      c.expect('[');
      c.eatWord('id');
      c.expect(':');
      const id = BigInt(c.imm32('a map id'));
      c.expect(']');
      if (c.eat('[')) {
        c.number();
        c.expect(']');
        const off = c.eat('+') ? BigInt(c.imm32()) : 0n;
        return d.lddw(dst.n, 'map_value', (BigInt.asUintN(32, off) << 32n) | id);
      }
      return d.lddw(dst.n, 'map_fd', id);
    }
  }
  const src = c.tryRegister();
  if (src) {
    if (src.sub !== dst.sub) throw c.error('BAD_REGISTER', 'operands must both be r or both be w registers');
    return d.alu(width, 'mov', dst.n, { reg: src.n });
  }
  const n = c.number('a register, a number or an expression');
  if (c.eatWord('ll')) {
    if (dst.sub) throw c.error('BAD_REGISTER', 'a 64-bit immediate needs a 64-bit register');
    if (n.value < -(1n << 63n) || n.value >= 1n << 64n) throw c.error('IMMEDIATE_RANGE', `${n.value} does not fit in 64 bits`, n.at);
    return d.lddw(dst.n, 'imm64', n.value);
  }
  return d.alu(width, 'mov', dst.n, { imm: toImm32(n.value, n.hex, (r) => c.error('IMMEDIATE_RANGE', r, n.at)) });
}

/** Parses one instruction in LLVM syntax; the cursor is past any prefix and label. */
export function parseLlvm(c: Cursor): d.Draft {
  let result: d.Draft;
  if (c.eatWord('if')) result = parseIf(c);
  else if (c.eatWord('goto')) result = jumpTarget(c, d.ja(false), 'offset');
  else if (c.eatWord('gotol')) result = jumpTarget(c, d.ja(true), 'imm');
  else if (c.eatWord('callx')) result = d.callx(c.register().n);
  else if (c.eatWord('call')) result = parseCall(c);
  else if (c.eatWord('exit')) result = d.exit();
  else if (c.eatWord('lock')) result = parseLock(c);
  else if (c.eat('*')) {
    const { size, signed } = sizeCast(c);
    if (signed) throw c.error('SYNTAX', 'stores take an unsigned size (u8, u16, u32, u64)');
    const mem = memoryOperand(c);
    c.expect('=');
    const src = c.tryRegister();
    result = src ? d.storeReg(size, mem.base, mem.offset, src.n) : d.storeImm(size, mem.base, mem.offset, c.imm32('a register or an immediate'));
  } else {
    const dst = c.register('an instruction');
    c.skipSpace();
    const compound = COMPOUND.find(([token]) => c.rest.startsWith(token));
    if (compound) {
      c.pos += compound[0].length;
      result = d.alu(dst.sub ? 32 : 64, compound[1], dst.n, registerOrImm(c, dst.sub, 'a register or an immediate'));
    } else {
      c.expect('=');
      result = parseAssignment(c, dst);
    }
  }
  c.end();
  return result;
}
