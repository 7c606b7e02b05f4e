/**
 * Instructions as typed records.
 *
 * A program is an array indexed by instruction *slot*, exactly as the bytes
 * are: a 16-byte lddw occupies two entries, the second being a `lddw-tail`
 * record that carries the high half of the immediate. Jump offsets, the
 * kernel's verifier log and llvm-objdump all count slots, so indexes here
 * mean the same thing everywhere in tsbpf.
 *
 * Every record carries a normalised {@link Operation}, decoded once from the
 * opcode and the fields that extend it (signed div/mod in `offset`, movsx
 * widths in `offset`, atomic operations in `imm`, call kinds in `src`), so no
 * part downstream re-parses bits.
 */
import {
  AluOp, AtomicOp, CallSrc, Class, JmpOp, Mode, PseudoSrc, Size,
  CLASS_MASK, MODE_MASK, OP_MASK, SIZE_MASK, SOURCE_MASK, Source, sizeBytes,
} from './opcodes.js';

export type Width = 32 | 64;
export type AccessSize = 1 | 2 | 4 | 8;
export type Operand = 'imm' | 'reg';

/** Arithmetic operations after normalisation (signed division and movsx are their own names). */
export type AluName =
  | 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh' | 'neg'
  | 'mod' | 'smod' | 'xor' | 'mov' | 'movsx8' | 'movsx16' | 'movsx32' | 'arsh';

/** Conditional jumps. */
export type JumpCondition =
  | 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'jlt' | 'jle' | 'jslt' | 'jsle';

export type AtomicName = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg';

export type PseudoName =
  | 'imm64' | 'map_fd' | 'map_value' | 'btf_id' | 'func' | 'map_idx' | 'map_idx_value';

/** What an instruction does, decoded once. */
export type Operation =
  | { readonly kind: 'alu'; readonly width: Width; readonly name: AluName; readonly operand: Operand }
  /** Byte swap: `le`/`be` (ALU class, conversion from host order) or `swap` (ALU64, unconditional). */
  | { readonly kind: 'endian'; readonly order: 'le' | 'be' | 'swap'; readonly bits: 16 | 32 | 64 }
  /** Unconditional jump: `ja +off` or, wide, `gotol +imm`. */
  | { readonly kind: 'ja'; readonly wide: boolean }
  | { readonly kind: 'jump'; readonly width: Width; readonly condition: JumpCondition; readonly operand: Operand }
  | { readonly kind: 'call'; readonly target: 'helper' | 'local' | 'kfunc' }
  /** Call through a register (the register number is in dst). */
  | { readonly kind: 'callx' }
  | { readonly kind: 'exit' }
  | { readonly kind: 'load'; readonly size: AccessSize; readonly signed: boolean }
  | { readonly kind: 'store'; readonly size: AccessSize; readonly operand: Operand }
  | { readonly kind: 'atomic'; readonly size: 4 | 8; readonly name: AtomicName; readonly fetch: boolean }
  | { readonly kind: 'lddw'; readonly pseudo: PseudoName }
  /** Second slot of a lddw: only its imm (the high 32 bits) means anything. */
  | { readonly kind: 'lddw-tail' }
  /** Legacy packet loads: r0 = ntoh(*(size *)(skb->data + imm [+ src])). */
  | { readonly kind: 'packet-load'; readonly mode: 'abs' | 'ind'; readonly size: 1 | 2 | 4 };

/**
 * One instruction slot.
 *
 * `offset` is the signed 16-bit field, `imm` the signed 32-bit field. For a
 * lddw, `imm64` is the full immediate (unsigned 64-bit), made of this slot's
 * `imm` (low half) and the tail slot's `imm` (high half).
 */
export interface Instruction {
  readonly opcode: number;
  readonly dst: number;
  readonly src: number;
  readonly offset: number;
  readonly imm: number;
  readonly imm64?: bigint;
  readonly op: Operation;
}

const ALU_NAMES: Record<number, AluName> = {
  [AluOp.ADD]: 'add', [AluOp.SUB]: 'sub', [AluOp.MUL]: 'mul', [AluOp.DIV]: 'div',
  [AluOp.OR]: 'or', [AluOp.AND]: 'and', [AluOp.LSH]: 'lsh', [AluOp.RSH]: 'rsh',
  [AluOp.NEG]: 'neg', [AluOp.MOD]: 'mod', [AluOp.XOR]: 'xor', [AluOp.MOV]: 'mov',
  [AluOp.ARSH]: 'arsh',
};

const JUMP_NAMES: Record<number, JumpCondition> = {
  [JmpOp.JEQ]: 'jeq', [JmpOp.JGT]: 'jgt', [JmpOp.JGE]: 'jge', [JmpOp.JSET]: 'jset',
  [JmpOp.JNE]: 'jne', [JmpOp.JSGT]: 'jsgt', [JmpOp.JSGE]: 'jsge', [JmpOp.JLT]: 'jlt',
  [JmpOp.JLE]: 'jle', [JmpOp.JSLT]: 'jslt', [JmpOp.JSLE]: 'jsle',
};

const ATOMIC_NAMES: Record<number, [AtomicName, boolean]> = {
  [AtomicOp.ADD]: ['add', false], [AtomicOp.ADD | AtomicOp.FETCH]: ['add', true],
  [AtomicOp.OR]: ['or', false], [AtomicOp.OR | AtomicOp.FETCH]: ['or', true],
  [AtomicOp.AND]: ['and', false], [AtomicOp.AND | AtomicOp.FETCH]: ['and', true],
  [AtomicOp.XOR]: ['xor', false], [AtomicOp.XOR | AtomicOp.FETCH]: ['xor', true],
  [AtomicOp.XCHG]: ['xchg', true], [AtomicOp.CMPXCHG]: ['cmpxchg', true],
};

export const PSEUDO_NAMES: readonly PseudoName[] = [
  'imm64', 'map_fd', 'map_value', 'btf_id', 'func', 'map_idx', 'map_idx_value',
];

const CALL_TARGETS = ['helper', 'local', 'kfunc'] as const;

/** Why a combination of opcode and fields is not an instruction (undefined: it is one). */
export type Malformation = { readonly code: 'UNKNOWN_OPCODE' | 'RESERVED_FIELD' | 'BAD_IMMEDIATE' | 'BAD_OFFSET' | 'BAD_REGISTER'; readonly reason: string };

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(2, '0')}`;

function unknown(opcode: number, why = ''): Malformation {
  return { code: 'UNKNOWN_OPCODE', reason: `unknown opcode ${hex(opcode)}${why ? ` (${why})` : ''}` };
}
function reserved(field: string, opcode: number, value: number): Malformation {
  return { code: 'RESERVED_FIELD', reason: `opcode ${hex(opcode)} must have ${field} 0, not ${value}` };
}

/** Validates the register fields an operation uses; returns a problem or undefined. */
function checkRegisters(dst: number, src: number, usesSrcRegister: boolean): Malformation | undefined {
  if (dst > 10) return { code: 'BAD_REGISTER', reason: `invalid destination register r${dst}` };
  if (usesSrcRegister && src > 10) return { code: 'BAD_REGISTER', reason: `invalid source register r${src}` };
  return undefined;
}

/**
 * Decodes the operation of one slot from its fields.
 *
 * Returns the {@link Operation}, or a {@link Malformation} saying why these
 * fields are not an instruction. Jump ranges and lddw pairing are checked on
 * whole programs by {@link decodeProgram}.
 */
export function classify(opcode: number, dst: number, src: number, offset: number, imm: number): Operation | Malformation {
  const cls = opcode & CLASS_MASK;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const width: Width = cls === Class.ALU ? 32 : 64;
      const code = opcode & OP_MASK;
      const operand: Operand = (opcode & SOURCE_MASK) === Source.X ? 'reg' : 'imm';
      if (code === AluOp.END) {
        if (width === 64 && operand === 'reg') return unknown(opcode);
        if (src !== 0) return reserved('src', opcode, src);
        if (offset !== 0) return reserved('offset', opcode, offset);
        if (imm !== 16 && imm !== 32 && imm !== 64) return { code: 'BAD_IMMEDIATE', reason: `byte swap width must be 16, 32 or 64, not ${imm}` };
        const order = width === 64 ? 'swap' : operand === 'reg' ? 'be' : 'le';
        return checkRegisters(dst, src, false) ?? { kind: 'endian', order, bits: imm };
      }
      let name = ALU_NAMES[code];
      if (name === undefined) return unknown(opcode);
      if (code === AluOp.NEG) {
        if (operand === 'reg') return unknown(opcode, 'neg takes no source');
        if (src !== 0) return reserved('src', opcode, src);
        if (offset !== 0) return reserved('offset', opcode, offset);
        if (imm !== 0) return reserved('imm', opcode, imm);
        return checkRegisters(dst, src, false) ?? { kind: 'alu', width, name, operand };
      }
      if (code === AluOp.DIV || code === AluOp.MOD) {
        if (offset === 1) name = code === AluOp.DIV ? 'sdiv' : 'smod';
        else if (offset !== 0) return { code: 'BAD_OFFSET', reason: `${name} takes offset 0 (unsigned) or 1 (signed), not ${offset}` };
      } else if (code === AluOp.MOV && operand === 'reg' && offset !== 0) {
        if (offset === 8) name = 'movsx8';
        else if (offset === 16) name = 'movsx16';
        else if (offset === 32 && width === 64) name = 'movsx32';
        else return { code: 'BAD_OFFSET', reason: `movsx takes offset 8, 16${width === 64 ? ' or 32' : ''}, not ${offset}` };
      } else if (offset !== 0) {
        return reserved('offset', opcode, offset);
      }
      if (operand === 'imm' && src !== 0) return reserved('src', opcode, src);
      if (operand === 'reg' && imm !== 0) return reserved('imm', opcode, imm);
      return checkRegisters(dst, src, operand === 'reg') ?? { kind: 'alu', width, name, operand };
    }
    case Class.JMP:
    case Class.JMP32: {
      const width: Width = cls === Class.JMP32 ? 32 : 64;
      const code = opcode & OP_MASK;
      const operand: Operand = (opcode & SOURCE_MASK) === Source.X ? 'reg' : 'imm';
      if (code === JmpOp.JA) {
        if (operand === 'reg') return unknown(opcode);
        if (src !== 0) return reserved('src', opcode, src);
        if (dst !== 0) return reserved('dst', opcode, dst);
        if (width === 64 && imm !== 0) return reserved('imm', opcode, imm);
        if (width === 32 && offset !== 0) return reserved('offset', opcode, offset);
        return { kind: 'ja', wide: width === 32 };
      }
      if (code === JmpOp.CALL || code === JmpOp.EXIT) {
        if (width === 32) return unknown(opcode, `${code === JmpOp.CALL ? 'call' : 'exit'} exists only in the JMP class`);
        if (code === JmpOp.EXIT) {
          if (operand === 'reg') return unknown(opcode);
          if (dst !== 0) return reserved('dst', opcode, dst);
          if (src !== 0) return reserved('src', opcode, src);
          if (offset !== 0) return reserved('offset', opcode, offset);
          if (imm !== 0) return reserved('imm', opcode, imm);
          return { kind: 'exit' };
        }
        if (operand === 'reg') {
          if (src !== 0) return reserved('src', opcode, src);
          if (offset !== 0) return reserved('offset', opcode, offset);
          if (imm !== 0) return reserved('imm', opcode, imm);
          return checkRegisters(dst, 0, false) ?? { kind: 'callx' };
        }
        if (dst !== 0) return reserved('dst', opcode, dst);
        if (src > CallSrc.KFUNC) return { code: 'RESERVED_FIELD', reason: `call src must be 0 (helper), 1 (local) or 2 (kfunc), not ${src}` };
        // A kfunc call may name the BTF object it comes from in offset (an fd index).
        if (src !== CallSrc.KFUNC && offset !== 0) return reserved('offset', opcode, offset);
        return { kind: 'call', target: CALL_TARGETS[src]! };
      }
      const condition = JUMP_NAMES[code];
      if (condition === undefined) return unknown(opcode);
      if (operand === 'imm' && src !== 0) return reserved('src', opcode, src);
      if (operand === 'reg' && imm !== 0) return reserved('imm', opcode, imm);
      return checkRegisters(dst, src, operand === 'reg') ?? { kind: 'jump', width, condition, operand };
    }
    case Class.LDX: {
      const mode = opcode & MODE_MASK;
      const size = sizeBytes((opcode & SIZE_MASK) as Size);
      if (mode !== Mode.MEM && mode !== Mode.MEMSX) return unknown(opcode);
      if (mode === Mode.MEMSX && size === 8) return unknown(opcode, 'no sign-extending 8-byte load');
      if (imm !== 0) return reserved('imm', opcode, imm);
      return checkRegisters(dst, src, true) ?? { kind: 'load', size, signed: mode === Mode.MEMSX };
    }
    case Class.ST: {
      const mode = opcode & MODE_MASK;
      if (mode !== Mode.MEM) return unknown(opcode);
      if (src !== 0) return reserved('src', opcode, src);
      return checkRegisters(dst, src, false) ?? { kind: 'store', size: sizeBytes((opcode & SIZE_MASK) as Size), operand: 'imm' };
    }
    case Class.STX: {
      const mode = opcode & MODE_MASK;
      const size = sizeBytes((opcode & SIZE_MASK) as Size);
      if (mode === Mode.MEM) {
        if (imm !== 0) return reserved('imm', opcode, imm);
        return checkRegisters(dst, src, true) ?? { kind: 'store', size, operand: 'reg' };
      }
      if (mode === Mode.ATOMIC) {
        if (size !== 4 && size !== 8) return unknown(opcode, 'atomics are 4 or 8 bytes');
        const atomic = ATOMIC_NAMES[imm];
        if (atomic === undefined) return { code: 'BAD_IMMEDIATE', reason: `unknown atomic operation ${hex(imm)}` };
        return checkRegisters(dst, src, true) ?? { kind: 'atomic', size, name: atomic[0], fetch: atomic[1] };
      }
      return unknown(opcode);
    }
    default: { // Class.LD
      const mode = opcode & MODE_MASK;
      const size = sizeBytes((opcode & SIZE_MASK) as Size);
      if (mode === Mode.IMM) {
        if (size !== 8) return unknown(opcode);
        if (offset !== 0) return reserved('offset', opcode, offset);
        if (src > PseudoSrc.MAP_IDX_VALUE) return { code: 'RESERVED_FIELD', reason: `lddw src must be 0–6, not ${src}` };
        return checkRegisters(dst, 0, false) ?? { kind: 'lddw', pseudo: PSEUDO_NAMES[src]! };
      }
      if (mode === Mode.ABS || mode === Mode.IND) {
        if (size === 8) return unknown(opcode, 'no 8-byte packet load');
        if (dst !== 0) return reserved('dst', opcode, dst);
        if (offset !== 0) return reserved('offset', opcode, offset);
        if (mode === Mode.ABS && src !== 0) return reserved('src', opcode, src);
        return checkRegisters(0, src, mode === Mode.IND) ?? { kind: 'packet-load', mode: mode === Mode.ABS ? 'abs' : 'ind', size };
      }
      return unknown(opcode);
    }
  }
}

/** True when `x` is a {@link Malformation} rather than an {@link Operation}. */
export function isMalformation(x: Operation | Malformation): x is Malformation {
  return (x as Malformation).code !== undefined;
}

/** The second slot of a lddw, carrying the high half of the immediate. */
export const LDDW_TAIL: Operation = { kind: 'lddw-tail' };

/** Number of slots an instruction occupies (2 for lddw, else 1). */
export function slotCount(insn: Instruction): 1 | 2 {
  return insn.op.kind === 'lddw' ? 2 : 1;
}

/** True for instructions that end a basic block without falling through. */
export function isTerminator(insn: Instruction): boolean {
  return insn.op.kind === 'exit' || insn.op.kind === 'ja';
}

/**
 * The slot a jump or local call goes to, or undefined for other instructions.
 * Offsets count from the next slot; `gotol` and `call local` keep theirs in imm.
 */
export function branchTarget(insn: Instruction, index: number): number | undefined {
  const op = insn.op;
  if (op.kind === 'jump') return index + 1 + insn.offset;
  if (op.kind === 'ja') return index + 1 + (op.wide ? insn.imm : insn.offset);
  if (op.kind === 'call' && op.target === 'local') return index + 1 + insn.imm;
  if (op.kind === 'lddw' && op.pseudo === 'func') return index + 1 + insn.imm;
  return undefined;
}
