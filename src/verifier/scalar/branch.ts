/**
 * Conditional jumps on scalars: whether a branch is decided, and what each
 * edge teaches about both operands — Linux 6.18's `is_scalar_branch_taken`,
 * `reg_set_min_max` and `regs_refine_cond_op`.
 */
import type { JumpCondition, Width } from '../../isa/instruction.js';
import {
  type MutableScalar, type Scalar, boundsSync, boundsViolation, clone, markUnbounded32, markUnbounded64,
  s32, s64, u32, u64,
} from './scalar.js';
import {
  tnumAnd, tnumConst, tnumIntersect, tnumIsConst, tnumOr, tnumOverlap, tnumSubreg, tnumWithSubreg,
  U64_MAX,
} from './tnum.js';

/** Outcome of a branch known before running: always taken, never taken, or either. */
export type BranchOutcome = 'taken' | 'not-taken' | 'unknown';

/** `is_reg_const`: the operand is one known value at this width. */
function isConstAt(s: Scalar, width: Width): boolean {
  return tnumIsConst(width === 32 ? tnumSubreg(s.varOff) : s.varOff);
}

function constAt(s: Scalar, width: Width): bigint {
  return width === 32 ? u32(s.varOff.value) : s.varOff.value;
}

interface View {
  readonly umin: bigint; readonly umax: bigint; readonly smin: bigint; readonly smax: bigint;
}

function view(s: Scalar, width: Width): View {
  return width === 32
    ? { umin: s.umin32, umax: s.umax32, smin: s.smin32, smax: s.smax32 }
    : { umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax };
}

/**
 * Whether `dst <cond> src` is decided by the abstract values alone
 * (`is_scalar_branch_taken`). At width 32 only the low halves are compared.
 *
 * @example
 * isBranchTaken('jgt', 64, rangeScalar(10n, 20n), constScalar(5n)); // 'taken'
 */
export function isBranchTaken(cond: JumpCondition, width: Width, dst: Scalar, src: Scalar): BranchOutcome {
  const r = decide(cond, width, dst, src);
  return r === 1 ? 'taken' : r === 0 ? 'not-taken' : 'unknown';
}

function decide(cond: JumpCondition, width: Width, reg1: Scalar, reg2: Scalar): 0 | 1 | -1 {
  let t1 = width === 32 ? tnumSubreg(reg1.varOff) : reg1.varOff;
  let t2 = width === 32 ? tnumSubreg(reg2.varOff) : reg2.varOff;
  const a = view(reg1, width);
  const b = view(reg2, width);
  switch (cond) {
    case 'jeq':
    case 'jne': {
      const equal: 0 | 1 = cond === 'jeq' ? 1 : 0;
      const differ: 0 | 1 = cond === 'jeq' ? 0 : 1;
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value === t2.value ? equal : differ;
      if (a.umin > b.umax || a.umax < b.umin) return differ;
      if (a.smin > b.smax || a.smax < b.smin) return differ;
      // 64-bit ranges may overlap while their low halves cannot.
      if (width === 64) {
        if (reg1.umin32 > reg2.umax32 || reg1.umax32 < reg2.umin32) return differ;
        if (reg1.smin32 > reg2.smax32 || reg1.smax32 < reg2.smin32) return differ;
      }
      if (!tnumOverlap(t1, t2)) return differ;
      return -1;
    }
    case 'jset': {
      if (!isConstAt(reg2, width)) {
        [reg1, reg2] = [reg2, reg1];
        [t1, t2] = [t2, t1];
      }
      if (!isConstAt(reg2, width)) return -1;
      if ((~t1.mask & t1.value) & t2.value) return 1;
      if (!((t1.mask | t1.value) & t2.value)) return 0;
      return -1;
    }
    case 'jgt':
      if (a.umin > b.umax) return 1;
      if (a.umax <= b.umin) return 0;
      return -1;
    case 'jsgt':
      if (a.smin > b.smax) return 1;
      if (a.smax <= b.smin) return 0;
      return -1;
    case 'jlt':
      if (a.umax < b.umin) return 1;
      if (a.umin >= b.umax) return 0;
      return -1;
    case 'jslt':
      if (a.smax < b.smin) return 1;
      if (a.smin >= b.smax) return 0;
      return -1;
    case 'jge':
      if (a.umin >= b.umax) return 1;
      if (a.umax < b.umin) return 0;
      return -1;
    case 'jsge':
      if (a.smin >= b.smax) return 1;
      if (a.smax < b.smin) return 0;
      return -1;
    case 'jle':
      if (a.umax <= b.umin) return 1;
      if (a.umin > b.umax) return 0;
      return -1;
    case 'jsle':
      if (a.smax <= b.smin) return 1;
      if (a.smin > b.smax) return 0;
      return -1;
  }
}

/** A refinement condition: the jump conditions plus `jnset`, the false edge of jset. */
type Refinement = JumpCondition | 'jnset';

const REVERSED: Record<Refinement, Refinement> = {
  jeq: 'jne', jne: 'jeq', jset: 'jnset', jnset: 'jset',
  jge: 'jlt', jgt: 'jle', jle: 'jgt', jlt: 'jge',
  jsge: 'jslt', jsgt: 'jsle', jsle: 'jsgt', jslt: 'jsge',
};

/** `flip_opcode`: the condition with its operands swapped. */
const FLIPPED: Partial<Record<Refinement, Refinement>> = {
  jge: 'jle', jgt: 'jlt', jsge: 'jsle', jsgt: 'jslt',
};

const lesser = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const greater = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** `regs_refine_cond_op`: narrow both operands to the values where `reg1 <cond> reg2` holds. */
function refine(reg1: MutableScalar, reg2: MutableScalar, cond: Refinement, width: Width): void {
  const flipped = FLIPPED[cond];
  if (flipped !== undefined) {
    cond = flipped;
    [reg1, reg2] = [reg2, reg1];
  }
  const is32 = width === 32;
  switch (cond) {
    case 'jeq':
      if (is32) {
        reg1.umin32 = greater(reg1.umin32, reg2.umin32);
        reg1.umax32 = lesser(reg1.umax32, reg2.umax32);
        reg1.smin32 = greater(reg1.smin32, reg2.smin32);
        reg1.smax32 = lesser(reg1.smax32, reg2.smax32);
        reg2.umin32 = reg1.umin32;
        reg2.umax32 = reg1.umax32;
        reg2.smin32 = reg1.smin32;
        reg2.smax32 = reg1.smax32;
        const t = tnumIntersect(tnumSubreg(reg1.varOff), tnumSubreg(reg2.varOff));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
        reg2.varOff = tnumWithSubreg(reg2.varOff, t);
      } else {
        reg1.umin = greater(reg1.umin, reg2.umin);
        reg1.umax = lesser(reg1.umax, reg2.umax);
        reg1.smin = greater(reg1.smin, reg2.smin);
        reg1.smax = lesser(reg1.smax, reg2.smax);
        reg2.umin = reg1.umin;
        reg2.umax = reg1.umax;
        reg2.smin = reg1.smin;
        reg2.smax = reg1.smax;
        reg1.varOff = tnumIntersect(reg1.varOff, reg2.varOff);
        reg2.varOff = reg1.varOff;
      }
      break;
    case 'jne': {
      if (!isConstAt(reg2, width)) [reg1, reg2] = [reg2, reg1];
      if (!isConstAt(reg2, width)) break;
      // Only a constant at the very edge of the other's range narrows it.
      const val = constAt(reg2, width);
      if (is32) {
        if (reg1.umin32 === u32(val)) reg1.umin32++;
        if (reg1.umax32 === u32(val)) reg1.umax32--;
        if (reg1.smin32 === s32(val)) reg1.smin32++;
        if (reg1.smax32 === s32(val)) reg1.smax32--;
      } else {
        if (reg1.umin === u64(val)) reg1.umin++;
        if (reg1.umax === u64(val)) reg1.umax--;
        if (reg1.smin === s64(val)) reg1.smin++;
        if (reg1.smax === s64(val)) reg1.smax--;
      }
      break;
    }
    case 'jset': {
      if (!isConstAt(reg2, width)) [reg1, reg2] = [reg2, reg1];
      if (!isConstAt(reg2, width)) break;
      const val = constAt(reg2, width);
      // `x & mask` being non-zero says which bit is set only for a single-bit mask.
      if (val === 0n || (val & (val - 1n)) !== 0n) break;
      if (is32) reg1.varOff = tnumWithSubreg(reg1.varOff, tnumOr(tnumSubreg(reg1.varOff), tnumConst(val)));
      else reg1.varOff = tnumOr(reg1.varOff, tnumConst(val));
      break;
    }
    case 'jnset': {
      if (!isConstAt(reg2, width)) [reg1, reg2] = [reg2, reg1];
      if (!isConstAt(reg2, width)) break;
      const val = constAt(reg2, width);
      // The kernel forgets the ranges before narrowing the tnum, so that a
      // dead edge cannot leave them contradicting it.
      markUnbounded64(reg1);
      markUnbounded32(reg1);
      const clear = tnumConst(~val & U64_MAX);
      if (is32) reg1.varOff = tnumWithSubreg(reg1.varOff, tnumAnd(tnumSubreg(reg1.varOff), clear));
      else reg1.varOff = tnumAnd(reg1.varOff, clear);
      break;
    }
    case 'jle':
      if (is32) {
        reg1.umax32 = lesser(reg1.umax32, reg2.umax32);
        reg2.umin32 = greater(reg1.umin32, reg2.umin32);
      } else {
        reg1.umax = lesser(reg1.umax, reg2.umax);
        reg2.umin = greater(reg1.umin, reg2.umin);
      }
      break;
    case 'jlt':
      // The kernel's u32/u64 arithmetic wraps here; it only matters on dead edges.
      if (is32) {
        reg1.umax32 = lesser(reg1.umax32, u32(reg2.umax32 - 1n));
        reg2.umin32 = greater(u32(reg1.umin32 + 1n), reg2.umin32);
      } else {
        reg1.umax = lesser(reg1.umax, u64(reg2.umax - 1n));
        reg2.umin = greater(u64(reg1.umin + 1n), reg2.umin);
      }
      break;
    case 'jsle':
      if (is32) {
        reg1.smax32 = lesser(reg1.smax32, reg2.smax32);
        reg2.smin32 = greater(reg1.smin32, reg2.smin32);
      } else {
        reg1.smax = lesser(reg1.smax, reg2.smax);
        reg2.smin = greater(reg1.smin, reg2.smin);
      }
      break;
    case 'jslt':
      if (is32) {
        reg1.smax32 = lesser(reg1.smax32, s32(reg2.smax32 - 1n));
        reg2.smin32 = greater(s32(reg1.smin32 + 1n), reg2.smin32);
      } else {
        reg1.smax = lesser(reg1.smax, s64(reg2.smax - 1n));
        reg2.smin = greater(s64(reg1.smin + 1n), reg2.smin);
      }
      break;
    default:
      break;
  }
}

/** What one edge of a conditional jump knows about its two operands. */
export interface BranchEdge {
  readonly dst: Scalar;
  readonly src: Scalar;
}

/**
 * Both edges of `if dst <cond> src goto …` after refinement (`reg_set_min_max`).
 *
 * An edge is `undefined` when it cannot be followed: either
 * {@link isBranchTaken} decides the branch, or refining leaves contradictory
 * bounds (the kernel reports those as an invariant violation; here they mean
 * the edge is dead). When a register is compared with itself pass
 * `sameRegister`: Linux 6.18 then refines the one register as both operands
 * at once (observed: `if w7 >= w7` falls through with w7 in [1, 0xfffffffe]).
 *
 * @example
 * const { taken } = refineBranch('jlt', 64, unknownScalar(), constScalar(16n));
 * taken?.dst.umax; // 15n
 */
export function refineBranch(
  cond: JumpCondition, width: Width, dst: Scalar, src: Scalar, sameRegister = false,
): { readonly taken: BranchEdge | undefined; readonly notTaken: BranchEdge | undefined } {
  const outcome = decide(cond, width, dst, src);
  if (outcome === 1) return { taken: { dst, src }, notTaken: undefined };
  if (outcome === 0) return { taken: undefined, notTaken: { dst, src } };
  return {
    taken: edge(dst, src, cond, width, sameRegister),
    notTaken: edge(dst, src, REVERSED[cond], width, sameRegister),
  };
}

function edge(dst: Scalar, src: Scalar, cond: Refinement, width: Width, sameRegister: boolean): BranchEdge | undefined {
  const d = clone(dst);
  const s = sameRegister ? d : clone(src);
  refine(d, s, cond, width);
  boundsSync(d);
  boundsSync(s);
  if (boundsViolation(d) !== undefined || boundsViolation(s) !== undefined) return undefined;
  return { dst: d, src: s };
}

/** Whether `dst <cond> src` holds for concrete values (RFC 9669), the oracle of the tests. */
export function concreteCondition(cond: JumpCondition, width: Width, dst: bigint, src: bigint): boolean {
  const a = BigInt.asUintN(width, dst);
  const b = BigInt.asUintN(width, src);
  const sa = BigInt.asIntN(width, dst);
  const sb = BigInt.asIntN(width, src);
  switch (cond) {
    case 'jeq': return a === b;
    case 'jne': return a !== b;
    case 'jset': return (a & b) !== 0n;
    case 'jgt': return a > b;
    case 'jge': return a >= b;
    case 'jlt': return a < b;
    case 'jle': return a <= b;
    case 'jsgt': return sa > sb;
    case 'jsge': return sa >= sb;
    case 'jslt': return sa < sb;
    case 'jsle': return sa <= sb;
  }
}

