/**
 * The abstract machine state of one path: the kernel's `bpf_verifier_state`
 * (call frames), `bpf_func_state` (registers and stack of a frame) and
 * `bpf_reg_state`.
 */
import { type Scalar, constScalar, formatScalar, formatScalarRanges, tnumIsConst, formatTnum, unknownScalar, scalarWithin } from './scalar/index.js';

/**
 * What a register holds. Pointer kinds carry a fixed offset `off` and a
 * variable part `value` (a scalar, constant 0 when the offset is fixed); a
 * scalar keeps its bounds in `value`. New pointer kinds (map values, map
 * pointers, memory, BTF objects) join this union with their own fields.
 */
export type RegType =
  | 'not_init' | 'scalar' | 'ptr_to_stack' | 'ptr_to_ctx'
  | 'packet' | 'packet_end' | 'packet_meta' | 'sock_common_or_null';

export interface Reg {
  readonly type: RegType;
  readonly value: Scalar;
  readonly off: number;
  /** For stack pointers: the call frame whose stack it points into. */
  readonly frameno: number;
}

const ZERO = constScalar(0n);
export const NOT_INIT: Reg = { type: 'not_init', value: ZERO, off: 0, frameno: 0 };
export const scalarReg = (value: Scalar): Reg => ({ type: 'scalar', value, off: 0, frameno: 0 });
export const unknownReg = (): Reg => scalarReg(unknownScalar());
export const pointerReg = (type: RegType, off = 0, frameno = 0): Reg => ({ type, value: ZERO, off, frameno });
export const isPointer = (r: Reg) => r.type !== 'scalar' && r.type !== 'not_init';

/** Per-byte stack contents (the kernel's STACK_INVALID, STACK_MISC, STACK_ZERO, STACK_SPILL). */
export type SlotType = 'invalid' | 'misc' | 'zero' | 'spill';
const SLOT_CHAR: Record<SlotType, string> = { invalid: '?', misc: 'm', zero: '0', spill: 'r' };

/** One 8-byte stack slot; `types[i]` is the kernel's `slot_type[i]` (byte at -(spi*8) - 1 - i... i.e. index 7 is the lowest address). */
export interface StackSlot {
  readonly types: readonly SlotType[];
  readonly spilled: Reg;
}

export const EMPTY_SLOT: StackSlot = { types: Array<SlotType>(8).fill('invalid'), spilled: NOT_INIT };

export interface Frame {
  readonly regs: Reg[];
  /** Slots by index (spi): slot 0 covers fp-8..fp-1. */
  readonly stack: StackSlot[];
  /** Slot of the call that created this frame (-1 for the main frame). */
  readonly callsite: number;
  readonly frameno: number;
  readonly subprog: number;
}

export function newFrame(frameno: number, callsite: number, subprog: number): Frame {
  const regs = Array<Reg>(11).fill(NOT_INIT);
  regs[10] = pointerReg('ptr_to_stack', 0, frameno);
  return { regs, stack: [], callsite, frameno, subprog };
}

export const cloneFrame = (f: Frame): Frame => ({ ...f, regs: [...f.regs], stack: [...f.stack] });

/** A register as the kernel's log prints it (`R1=ctx()` without the name). */
export function formatReg(r: Reg): string {
  switch (r.type) {
    case 'not_init': return 'inv';
    case 'scalar': return formatScalar(r.value);
    case 'ptr_to_stack': {
      if (tnumIsConst(r.value.varOff)) return `fp${r.off + Number(BigInt.asIntN(64, r.value.varOff.value))}`;
      return `fp(${pointerExtras(r)})`;
    }
    default: {
      const name = { ptr_to_ctx: 'ctx', packet: 'pkt', packet_end: 'pkt_end', packet_meta: 'pkt_meta', sock_common_or_null: 'sock_common_or_null' }[r.type];
      return `${name}(${pointerExtras(r)})`;
    }
  }
}

function pointerExtras(r: Reg): string {
  const parts: string[] = [];
  if (r.off) parts.push(`off=${r.off}`);
  if (r.type === 'packet') parts.push('r=0');
  if (!tnumIsConst(r.value.varOff)) {
    const ranges = formatScalarRanges(r.value);
    if (ranges) parts.push(ranges);
    parts.push(`var_off=${formatTnum(r.value.varOff)}`);
  }
  return parts.join(',');
}

/** A stack slot as the log prints it: the spilled register, or one character per byte. */
export function formatSlot(slot: StackSlot): string {
  if (slot.types.every((t) => t === 'spill')) return formatReg(slot.spilled);
  return slot.types.map((t) => SLOT_CHAR[t]).join('');
}

/** All initialised registers and stack slots of a frame, as the log's state lines. */
export function formatFrame(f: Frame): string {
  const parts: string[] = [];
  f.regs.forEach((r, i) => { if (r.type !== 'not_init') parts.push(`R${i}=${formatReg(r)}`); });
  f.stack.forEach((s, spi) => {
    if (s && s.types.some((t) => t !== 'invalid')) parts.push(`fp-${(spi + 1) * 8}=${formatSlot(s)}`);
  });
  return parts.join(' ');
}

/**
 * Whether every concrete state `cur` stands for is also one `old` stands for
 * (the kernel's `regsafe`), treating every scalar as precise: the engine has
 * no precision tracking, so it never lets an imprecise scalar match a
 * different one. Sound; it prunes less than Linux does.
 */
export function regSafe(old: Reg, cur: Reg): boolean {
  if (old.type === 'not_init') return true;
  if (old.type !== cur.type) return false;
  if (old.type === 'scalar') return scalarWithin(old.value, cur.value);
  return old.off === cur.off && old.frameno === cur.frameno && scalarWithin(old.value, cur.value);
}

/** The kernel's `stacksafe` with `allow_uninit_stack` (privileged): misc and invalid bytes of `old` match anything. */
export function stackSafe(old: Frame, cur: Frame, allowUninit: boolean): boolean {
  for (let spi = 0; spi < old.stack.length; spi++) {
    const o = old.stack[spi];
    if (!o) continue;
    const c = cur.stack[spi] ?? EMPTY_SLOT;
    for (let i = 0; i < 8; i++) {
      const t = o.types[i]!;
      if (t === 'invalid' || (allowUninit && t === 'misc')) continue;
      if (t !== c.types[i]) return false;
    }
    if (o.types[7] === 'spill' && !regSafe(o.spilled, c.spilled)) return false;
  }
  return true;
}
