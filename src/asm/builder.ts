/**
 * Writing programs in TypeScript, in the spirit of cilium/ebpf's asm package:
 *
 * ```ts
 * const program = build([
 *   Mov.imm(R0, 0),
 *   JEq.imm(R1, 0, 'out'),
 *   Add.imm(R0, 1),
 *   Label('out'),
 *   Return(),
 * ]);
 * ```
 *
 * Jump targets are labels (resolved at build) or raw slot offsets.
 */
import { helperId, type AccessSize, type AluName, type AtomicName, type Instruction, type JumpCondition } from '../isa/index.js';
import { type Located, link } from './assemble.js';
import * as d from './draft.js';
import { AsmError } from './errors.js';

export const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
/** The read-only frame pointer. */
export const RFP = R10;

/** One item of a program under construction: an instruction draft or a label. */
export type BuilderItem = d.Draft | { readonly label: string };

type Target = string | number;

function withTarget(draft: d.Draft, target: Target, field: 'offset' | 'imm'): d.Draft {
  if (typeof target === 'number') return field === 'offset' ? { ...draft, offset: target } : { ...draft, imm: target };
  return { ...draft, target: { label: target, field, column: 0 } };
}

export interface AluBuilder {
  /** 64-bit: `dst OP= imm` */
  imm(dst: number, imm: number): d.Draft;
  /** 64-bit: `dst OP= src` */
  reg(dst: number, src: number): d.Draft;
  /** 32-bit: `wdst OP= imm` */
  imm32(dst: number, imm: number): d.Draft;
  /** 32-bit: `wdst OP= wsrc` */
  reg32(dst: number, src: number): d.Draft;
}

function aluBuilder(name: AluName): AluBuilder {
  return {
    imm: (dst, imm) => d.alu(64, name, dst, { imm }),
    reg: (dst, src) => d.alu(64, name, dst, { reg: src }),
    imm32: (dst, imm) => d.alu(32, name, dst, { imm }),
    reg32: (dst, src) => d.alu(32, name, dst, { reg: src }),
  };
}

export const Add = aluBuilder('add'), Sub = aluBuilder('sub'), Mul = aluBuilder('mul'), Div = aluBuilder('div');
export const SDiv = aluBuilder('sdiv'), Mod = aluBuilder('mod'), SMod = aluBuilder('smod'), Or = aluBuilder('or');
export const And = aluBuilder('and'), Xor = aluBuilder('xor'), LSh = aluBuilder('lsh'), RSh = aluBuilder('rsh');
export const ArSh = aluBuilder('arsh'), Mov = aluBuilder('mov');

/** Sign-extending moves: `dst = (s8|s16|s32) src`. */
export const MovSX = {
  reg: (dst: number, src: number, bits: 8 | 16 | 32) => d.alu(64, `movsx${bits}`, dst, { reg: src }),
  reg32: (dst: number, src: number, bits: 8 | 16) => d.alu(32, `movsx${bits}`, dst, { reg: src }),
};

export const Neg = { reg: (dst: number) => d.neg(64, dst), reg32: (dst: number) => d.neg(32, dst) };

/** Byte swaps: to little/big endian, or unconditional. */
export const Swap = {
  le: (dst: number, bits: 16 | 32 | 64) => d.endian('le', bits, dst),
  be: (dst: number, bits: 16 | 32 | 64) => d.endian('be', bits, dst),
  bswap: (dst: number, bits: 16 | 32 | 64) => d.endian('swap', bits, dst),
};

export interface JumpBuilder {
  imm(dst: number, imm: number, target: Target): d.Draft;
  reg(dst: number, src: number, target: Target): d.Draft;
  imm32(dst: number, imm: number, target: Target): d.Draft;
  reg32(dst: number, src: number, target: Target): d.Draft;
}

function jumpBuilder(condition: JumpCondition): JumpBuilder {
  return {
    imm: (dst, imm, t) => withTarget(d.jump(64, condition, dst, { imm }), t, 'offset'),
    reg: (dst, src, t) => withTarget(d.jump(64, condition, dst, { reg: src }), t, 'offset'),
    imm32: (dst, imm, t) => withTarget(d.jump(32, condition, dst, { imm }), t, 'offset'),
    reg32: (dst, src, t) => withTarget(d.jump(32, condition, dst, { reg: src }), t, 'offset'),
  };
}

export const JEq = jumpBuilder('jeq'), JNE = jumpBuilder('jne'), JGT = jumpBuilder('jgt'), JGE = jumpBuilder('jge');
export const JLT = jumpBuilder('jlt'), JLE = jumpBuilder('jle'), JSGT = jumpBuilder('jsgt'), JSGE = jumpBuilder('jsge');
export const JSLT = jumpBuilder('jslt'), JSLE = jumpBuilder('jsle'), JSet = jumpBuilder('jset');

/** `goto target` */
export const Ja = (target: Target): d.Draft => withTarget(d.ja(false), target, 'offset');
/** `gotol target` (32-bit offset) */
export const JaLong = (target: Target): d.Draft => withTarget(d.ja(true), target, 'imm');

/**
 * Calls a helper by name (with or without `bpf_`) or id.
 * @throws {AsmError} UNKNOWN_HELPER for a name the kernel does not define.
 */
export function Call(helper: string | number): d.Draft {
  const id = typeof helper === 'number' ? helper : helperId(helper);
  if (id === undefined) throw new AsmError('UNKNOWN_HELPER', 0, 0, `unknown helper '${helper}'`);
  return d.call('helper', id);
}
/** A bpf-to-bpf call to a label. */
export const CallLocal = (target: Target): d.Draft => withTarget(d.call('local', 0), target, 'imm');
export const CallKfunc = (btfId: number, objectIndex = 0): d.Draft => d.call('kfunc', btfId, objectIndex);
export const CallReg = (reg: number): d.Draft => d.callx(reg);
export const Return = (): d.Draft => d.exit();
export const Label = (label: string): { readonly label: string } => ({ label });

/** `dst = *(size *)(src + offset)`, sign-extending when `signed`. */
export const LoadMem = (dst: number, src: number, offset: number, size: AccessSize, signed = false) => d.load(size, signed, dst, src, offset);
/** `*(size *)(dst + offset) = src` */
export const StoreMem = (dst: number, offset: number, src: number, size: AccessSize) => d.storeReg(size, dst, offset, src);
/** `*(size *)(dst + offset) = imm` */
export const StoreImm = (dst: number, offset: number, imm: number, size: AccessSize) => d.storeImm(size, dst, offset, imm);
/** `dst = imm64` (two slots). */
export const LoadImm64 = (dst: number, value: bigint) => d.lddw(dst, 'imm64', value);
/** `dst = <map fd>` — a map reference to be patched by a loader. */
export const LoadMapPtr = (dst: number, fd: number) => d.lddw(dst, 'map_fd', BigInt(fd >>> 0));
/** `dst = &value_of(map fd) + offset` */
export const LoadMapValue = (dst: number, fd: number, offset: number) =>
  d.lddw(dst, 'map_value', (BigInt(offset >>> 0) << 32n) | BigInt(fd >>> 0));
/** An atomic read-modify-write on `*(size *)(dst + offset)` with `src`. */
export const Atomic = (name: AtomicName, size: 4 | 8, dst: number, offset: number, src: number, fetch = false) =>
  d.atomic(size, name, fetch || name === 'xchg' || name === 'cmpxchg', dst, offset, src);

/**
 * Resolves labels and validates every instruction.
 * @throws {AsmError} for an undefined or duplicate label, or an invalid instruction (line = item index + 1).
 */
export function build(items: readonly BuilderItem[], options: { checkJumps?: boolean } = {}): Instruction[] {
  const labels = new Map<string, number>();
  const located: Located[] = [];
  let slot = 0;
  items.forEach((item, i) => {
    if ('label' in item) {
      if (labels.has(item.label)) throw new AsmError('DUPLICATE_LABEL', i + 1, 0, `label '${item.label}' is defined twice`);
      labels.set(item.label, slot);
      return;
    }
    located.push({ draft: item, line: i + 1, column: 0 });
    slot += item.imm64 !== undefined ? 2 : 1;
  });
  return link(located, labels, options.checkJumps ?? true);
}
