/**
 * What a parsed line becomes before labels are resolved: the raw fields of
 * one instruction, and maybe a symbolic jump target.
 */
import {
  AluOp, AtomicOp, Class, JmpOp, Mode, Source, sizeOf,
  type AccessSize, type AluName, type AtomicName, type JumpCondition, type PseudoName, PSEUDO_NAMES,
} from '../isa/index.js';

export interface Draft {
  opcode: number;
  dst: number;
  src: number;
  offset: number;
  imm: number;
  /** For lddw: the full 64-bit immediate (the tail slot is added at assembly). */
  imm64?: bigint;
  /** A jump, call or function reference to a label, resolved into `offset` or `imm`. */
  target?: { readonly label: string; readonly field: 'offset' | 'imm'; readonly column: number };
}

export const ALU_CODES: Record<AluName, { code: number; offset: number }> = {
  add: { code: AluOp.ADD, offset: 0 }, sub: { code: AluOp.SUB, offset: 0 }, mul: { code: AluOp.MUL, offset: 0 },
  div: { code: AluOp.DIV, offset: 0 }, sdiv: { code: AluOp.DIV, offset: 1 }, or: { code: AluOp.OR, offset: 0 },
  and: { code: AluOp.AND, offset: 0 }, lsh: { code: AluOp.LSH, offset: 0 }, rsh: { code: AluOp.RSH, offset: 0 },
  neg: { code: AluOp.NEG, offset: 0 }, mod: { code: AluOp.MOD, offset: 0 }, smod: { code: AluOp.MOD, offset: 1 },
  xor: { code: AluOp.XOR, offset: 0 }, mov: { code: AluOp.MOV, offset: 0 }, movsx8: { code: AluOp.MOV, offset: 8 },
  movsx16: { code: AluOp.MOV, offset: 16 }, movsx32: { code: AluOp.MOV, offset: 32 }, arsh: { code: AluOp.ARSH, offset: 0 },
};

export const JUMP_CODES: Record<JumpCondition, number> = {
  jeq: JmpOp.JEQ, jgt: JmpOp.JGT, jge: JmpOp.JGE, jset: JmpOp.JSET, jne: JmpOp.JNE, jsgt: JmpOp.JSGT,
  jsge: JmpOp.JSGE, jlt: JmpOp.JLT, jle: JmpOp.JLE, jslt: JmpOp.JSLT, jsle: JmpOp.JSLE,
};

export const ATOMIC_CODES: Record<AtomicName, number> = {
  add: AtomicOp.ADD, or: AtomicOp.OR, and: AtomicOp.AND, xor: AtomicOp.XOR, xchg: AtomicOp.XCHG, cmpxchg: AtomicOp.CMPXCHG,
};

const draft = (opcode: number, dst: number, src: number, offset: number, imm: number): Draft => ({ opcode, dst, src, offset, imm });

export function alu(width: 32 | 64, name: AluName, dst: number, operand: { reg: number } | { imm: number }): Draft {
  const { code, offset } = ALU_CODES[name];
  const cls = width === 32 ? Class.ALU : Class.ALU64;
  if ('reg' in operand) return draft(cls | code | Source.X, dst, operand.reg, offset, 0);
  return draft(cls | code | Source.K, dst, 0, offset, operand.imm);
}

export function neg(width: 32 | 64, dst: number): Draft {
  return draft((width === 32 ? Class.ALU : Class.ALU64) | AluOp.NEG, dst, 0, 0, 0);
}

export function endian(order: 'le' | 'be' | 'swap', bits: number, dst: number): Draft {
  if (order === 'swap') return draft(Class.ALU64 | AluOp.END, dst, 0, 0, bits);
  return draft(Class.ALU | AluOp.END | (order === 'be' ? Source.X : Source.K), dst, 0, 0, bits);
}

export function jump(width: 32 | 64, condition: JumpCondition, dst: number, operand: { reg: number } | { imm: number }): Draft {
  const cls = width === 32 ? Class.JMP32 : Class.JMP;
  if ('reg' in operand) return draft(cls | JUMP_CODES[condition] | Source.X, dst, operand.reg, 0, 0);
  return draft(cls | JUMP_CODES[condition], dst, 0, 0, operand.imm);
}

export function ja(wide: boolean): Draft {
  return draft((wide ? Class.JMP32 : Class.JMP) | JmpOp.JA, 0, 0, 0, 0);
}

export function call(target: 'helper' | 'local' | 'kfunc', imm: number, offset = 0): Draft {
  const src = target === 'helper' ? 0 : target === 'local' ? 1 : 2;
  return draft(Class.JMP | JmpOp.CALL, 0, src, offset, imm);
}

export function callx(reg: number): Draft {
  return draft(Class.JMP | JmpOp.CALL | Source.X, reg, 0, 0, 0);
}

export function exit(): Draft {
  return draft(Class.JMP | JmpOp.EXIT, 0, 0, 0, 0);
}

export function load(size: AccessSize, signed: boolean, dst: number, src: number, offset: number): Draft {
  return draft(Class.LDX | (signed ? Mode.MEMSX : Mode.MEM) | sizeOf(size), dst, src, offset, 0);
}

export function storeImm(size: AccessSize, dst: number, offset: number, imm: number): Draft {
  return draft(Class.ST | Mode.MEM | sizeOf(size), dst, 0, offset, imm);
}

export function storeReg(size: AccessSize, dst: number, offset: number, src: number): Draft {
  return draft(Class.STX | Mode.MEM | sizeOf(size), dst, src, offset, 0);
}

export function atomic(size: 4 | 8, name: AtomicName, fetch: boolean, dst: number, offset: number, src: number): Draft {
  const imm = ATOMIC_CODES[name] | (fetch ? AtomicOp.FETCH : 0);
  return draft(Class.STX | Mode.ATOMIC | sizeOf(size), dst, src, offset, imm);
}

/** lddw: `value` is the 64-bit immediate (for map_value forms, offset << 32 | fd). */
export function lddw(dst: number, pseudo: PseudoName, value: bigint): Draft {
  const v = BigInt.asUintN(64, value);
  return { ...draft(Class.LD | Mode.IMM | sizeOf(8), dst, PSEUDO_NAMES.indexOf(pseudo), 0, Number(BigInt.asIntN(32, v))), imm64: v };
}

export function packetLoad(mode: 'abs' | 'ind', size: 1 | 2 | 4, src: number, imm: number): Draft {
  return draft(Class.LD | (mode === 'abs' ? Mode.ABS : Mode.IND) | sizeOf(size), 0, src, 0, imm);
}
