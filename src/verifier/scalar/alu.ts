/**
 * Transfer functions of the ALU instructions on scalars, as Linux 6.18's
 * `adjust_scalar_min_max_vals`, `check_alu_op` and their `scalar_min_max_*`
 * / `scalar32_min_max_*` helpers compute them.
 */
import type { AluName, Width } from '../../isa/instruction.js';
import { ScalarOperationError } from './errors.js';
import {
  type MutableScalar, type Scalar, S32_MAX, S32_MIN, S64_MAX, S64_MIN,
  boundsSync, clone, coerceSubregToSizeSx, coerceToSize, coerceToSizeSx, constScalar, isConst32, markKnown,
  markKnown32, markUnbounded32, markUnbounded64, s32, s64, u32, u64, unknownScalar, updateBounds, zext32To64,
} from './scalar.js';
import {
  U32_MAX, U64_MAX, tnumAdd, tnumAnd, tnumArshift, tnumIsConst, tnumLshift, tnumMul, tnumNeg, tnumOr,
  tnumRshift, tnumSub, tnumSubreg, tnumXor, tnumByteSwap,
} from './tnum.js';

/** The scalar of an instruction's 32-bit immediate, sign-extended to 64 bits as the ISA reads it. */
export function immScalar(imm: number): Scalar {
  return constScalar(BigInt(imm | 0));
}

/** `check_add_overflow` on n-bit integers: the wrapped sum and whether it wrapped. */
function addChecked(a: bigint, b: bigint, bits: 32 | 64, signed: boolean): [bigint, boolean] {
  const exact = a + b;
  const wrapped = signed ? BigInt.asIntN(bits, exact) : BigInt.asUintN(bits, exact);
  return [wrapped, wrapped !== exact];
}

function subChecked(a: bigint, b: bigint, bits: 32 | 64, signed: boolean): [bigint, boolean] {
  const exact = a - b;
  const wrapped = signed ? BigInt.asIntN(bits, exact) : BigInt.asUintN(bits, exact);
  return [wrapped, wrapped !== exact];
}

function mulChecked(a: bigint, b: bigint, bits: 32 | 64, signed: boolean): [bigint, boolean] {
  const exact = a * b;
  const wrapped = signed ? BigInt.asIntN(bits, exact) : BigInt.asUintN(bits, exact);
  return [wrapped, wrapped !== exact];
}

const min = (...xs: bigint[]): bigint => xs.reduce((a, b) => (b < a ? b : a));
const max = (...xs: bigint[]): bigint => xs.reduce((a, b) => (b > a ? b : a));

function add32(d: MutableScalar, s: Scalar): void {
  const [lo, loOver] = addChecked(d.smin32, s.smin32, 32, true);
  const [hi, hiOver] = addChecked(d.smax32, s.smax32, 32, true);
  if (loOver || hiOver) {
    d.smin32 = S32_MIN;
    d.smax32 = S32_MAX;
  } else {
    d.smin32 = lo;
    d.smax32 = hi;
  }
  // If all additions wrap or none does, the wrapped ends are still ordered.
  const [umin, minOver] = addChecked(d.umin32, s.umin32, 32, false);
  const [umax, maxOver] = addChecked(d.umax32, s.umax32, 32, false);
  if (!minOver && maxOver) {
    d.umin32 = 0n;
    d.umax32 = U32_MAX;
  } else {
    d.umin32 = umin;
    d.umax32 = umax;
  }
}

function add64(d: MutableScalar, s: Scalar): void {
  const [lo, loOver] = addChecked(d.smin, s.smin, 64, true);
  const [hi, hiOver] = addChecked(d.smax, s.smax, 64, true);
  if (loOver || hiOver) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = lo;
    d.smax = hi;
  }
  const [umin, minOver] = addChecked(d.umin, s.umin, 64, false);
  const [umax, maxOver] = addChecked(d.umax, s.umax, 64, false);
  if (!minOver && maxOver) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = umin;
    d.umax = umax;
  }
}

function sub32(d: MutableScalar, s: Scalar): void {
  const [lo, loOver] = subChecked(d.smin32, s.smax32, 32, true);
  const [hi, hiOver] = subChecked(d.smax32, s.smin32, 32, true);
  if (loOver || hiOver) {
    d.smin32 = S32_MIN;
    d.smax32 = S32_MAX;
  } else {
    d.smin32 = lo;
    d.smax32 = hi;
  }
  // If all subtractions underflow or none does, the wrapped ends are still ordered.
  const [umin, minUnder] = subChecked(d.umin32, s.umax32, 32, false);
  const [umax, maxUnder] = subChecked(d.umax32, s.umin32, 32, false);
  if (minUnder && !maxUnder) {
    d.umin32 = 0n;
    d.umax32 = U32_MAX;
  } else {
    d.umin32 = umin;
    d.umax32 = umax;
  }
}

function sub64(d: MutableScalar, s: Scalar): void {
  const [lo, loOver] = subChecked(d.smin, s.smax, 64, true);
  const [hi, hiOver] = subChecked(d.smax, s.smin, 64, true);
  if (loOver || hiOver) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = lo;
    d.smax = hi;
  }
  const [umin, minUnder] = subChecked(d.umin, s.umax, 64, false);
  const [umax, maxUnder] = subChecked(d.umax, s.umin, 64, false);
  if (minUnder && !maxUnder) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = umin;
    d.umax = umax;
  }
}

function mul32(d: MutableScalar, s: Scalar): void {
  const [umax, umaxOver] = mulChecked(d.umax32, s.umax32, 32, false);
  const [umin, uminOver] = mulChecked(d.umin32, s.umin32, 32, false);
  if (umaxOver || uminOver) {
    d.umin32 = 0n;
    d.umax32 = U32_MAX;
  } else {
    d.umin32 = umin;
    d.umax32 = umax;
  }
  const products = [
    mulChecked(d.smin32, s.smin32, 32, true), mulChecked(d.smin32, s.smax32, 32, true),
    mulChecked(d.smax32, s.smin32, 32, true), mulChecked(d.smax32, s.smax32, 32, true),
  ];
  if (products.some(([, over]) => over)) {
    d.smin32 = S32_MIN;
    d.smax32 = S32_MAX;
  } else {
    d.smin32 = min(...products.map(([p]) => p));
    d.smax32 = max(...products.map(([p]) => p));
  }
}

function mul64(d: MutableScalar, s: Scalar): void {
  const [umax, umaxOver] = mulChecked(d.umax, s.umax, 64, false);
  const [umin, uminOver] = mulChecked(d.umin, s.umin, 64, false);
  if (umaxOver || uminOver) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = umin;
    d.umax = umax;
  }
  const products = [
    mulChecked(d.smin, s.smin, 64, true), mulChecked(d.smin, s.smax, 64, true),
    mulChecked(d.smax, s.smin, 64, true), mulChecked(d.smax, s.smax, 64, true),
  ];
  if (products.some(([, over]) => over)) {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  } else {
    d.smin = min(...products.map(([p]) => p));
    d.smax = max(...products.map(([p]) => p));
  }
}

/** A u32 range that does not cross the sign bit is also the s32 range; else s32 is unbounded. */
function signedFromUnsigned32(d: MutableScalar): void {
  if (s32(d.umin32) <= s32(d.umax32)) {
    d.smin32 = s32(d.umin32);
    d.smax32 = s32(d.umax32);
  } else {
    d.smin32 = S32_MIN;
    d.smax32 = S32_MAX;
  }
}

function signedFromUnsigned64(d: MutableScalar): void {
  if (s64(d.umin) <= s64(d.umax)) {
    d.smin = s64(d.umin);
    d.smax = s64(d.umax);
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
}

// The bitwise helpers run after the tnum of the result is in d.varOff.
function and32(d: MutableScalar, s: Scalar): void {
  const t = tnumSubreg(d.varOff);
  if (isConst32(s) && isConst32(d)) {
    markKnown32(d, t.value);
    return;
  }
  // The minimum comes from the known bits; the maximum is the smaller maximum.
  d.umin32 = t.value;
  d.umax32 = min(d.umax32, s.umax32);
  signedFromUnsigned32(d);
}

function and64(d: MutableScalar, s: Scalar): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) {
    markKnown(d, d.varOff.value);
    return;
  }
  d.umin = d.varOff.value;
  d.umax = min(d.umax, s.umax);
  signedFromUnsigned64(d);
  updateBounds(d);
}

function or32(d: MutableScalar, s: Scalar): void {
  const t = tnumSubreg(d.varOff);
  if (isConst32(s) && isConst32(d)) {
    markKnown32(d, t.value);
    return;
  }
  // The maximum comes from the possible bits; the minimum is the larger minimum.
  d.umin32 = max(d.umin32, s.umin32);
  d.umax32 = t.value | t.mask;
  signedFromUnsigned32(d);
}

function or64(d: MutableScalar, s: Scalar): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) {
    markKnown(d, d.varOff.value);
    return;
  }
  d.umin = max(d.umin, s.umin);
  d.umax = d.varOff.value | d.varOff.mask;
  signedFromUnsigned64(d);
  updateBounds(d);
}

function xor32(d: MutableScalar, s: Scalar): void {
  const t = tnumSubreg(d.varOff);
  if (isConst32(s) && isConst32(d)) {
    markKnown32(d, t.value);
    return;
  }
  d.umin32 = t.value;
  d.umax32 = t.value | t.mask;
  signedFromUnsigned32(d);
}

function xor64(d: MutableScalar, s: Scalar): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) {
    markKnown(d, d.varOff.value);
    return;
  }
  d.umin = d.varOff.value;
  d.umax = d.varOff.value | d.varOff.mask;
  signedFromUnsigned64(d);
  updateBounds(d);
}

function lshBounds32(d: MutableScalar, uminVal: bigint, umaxVal: bigint): void {
  // Shifting loses the sign; only the tnum can bring it back.
  d.smin32 = S32_MIN;
  d.smax32 = S32_MAX;
  // If the top bit might be shifted out, nothing is known.
  if (umaxVal > 31n || d.umax32 > 1n << (31n - umaxVal)) {
    d.umin32 = 0n;
    d.umax32 = U32_MAX;
  } else {
    d.umin32 = u32(d.umin32 << uminVal);
    d.umax32 = u32(d.umax32 << umaxVal);
  }
}

function lsh32(d: MutableScalar, s: Scalar): void {
  const subreg = tnumSubreg(d.varOff);
  lshBounds32(d, s.umin32, s.umax32);
  d.varOff = tnumSubreg(tnumLshift(subreg, s.umin32));
  markUnbounded64(d);
  updateBounds(d);
}

function lsh64(d: MutableScalar, s: Scalar): void {
  const uminVal = s.umin;
  const umaxVal = s.umax;
  // `<<32` then `s>>32` is how compilers sign-extend a subregister: keep
  // the signed bounds when the 32-bit ones are non-negative.
  const by32 = uminVal === 32n && umaxVal === 32n;
  d.smax = by32 && d.smax32 >= 0n ? d.smax32 << 32n : S64_MAX;
  d.smin = by32 && d.smin32 >= 0n ? d.smin32 << 32n : S64_MIN;
  if (d.umax > 1n << (63n - umaxVal)) {
    d.umin = 0n;
    d.umax = U64_MAX;
  } else {
    d.umin = u64(d.umin << uminVal);
    d.umax = u64(d.umax << umaxVal);
  }
  lshBounds32(d, uminVal, umaxVal);
  d.varOff = tnumLshift(d.varOff, uminVal);
  updateBounds(d);
}

function rsh32(d: MutableScalar, s: Scalar): void {
  const subreg = tnumSubreg(d.varOff);
  // A logical shift may clear the sign bit: rely on the unsigned bounds and the tnum.
  d.smin32 = S32_MIN;
  d.smax32 = S32_MAX;
  d.varOff = tnumRshift(subreg, s.umin32);
  d.umin32 >>= s.umax32;
  d.umax32 >>= s.umin32;
  markUnbounded64(d);
  updateBounds(d);
}

function rsh64(d: MutableScalar, s: Scalar): void {
  d.smin = S64_MIN;
  d.smax = S64_MAX;
  d.varOff = tnumRshift(d.varOff, s.umin);
  d.umin >>= s.umax;
  d.umax >>= s.umin;
  // Which bits enter the low half depends on the high half: recompute from the tnum.
  markUnbounded32(d);
  updateBounds(d);
}

function arsh32(d: MutableScalar, s: Scalar): void {
  const shift = s.umin32;
  d.smin32 = s32(d.smin32 >> shift);
  d.smax32 = s32(d.smax32 >> shift);
  d.varOff = tnumArshift(tnumSubreg(d.varOff), shift, 32);
  d.umin32 = 0n;
  d.umax32 = U32_MAX;
  markUnbounded64(d);
  updateBounds(d);
}

function arsh64(d: MutableScalar, s: Scalar): void {
  const shift = s.umin;
  d.smin >>= shift;
  d.smax >>= shift;
  d.varOff = tnumArshift(d.varOff, shift, 64);
  d.umin = 0n;
  d.umax = U64_MAX;
  markUnbounded32(d);
  updateBounds(d);
}

/**
 * The kernel's `is_safe_to_compute_dst_reg_range`: whether the bounds of
 * `op` can be tracked at all. Shifts need a known amount below the width
 * (for 32-bit shifts the kernel checks the amount's 64-bit umax); division
 * and modulo are never tracked.
 */
export function isTrackedAluOp(name: AluName, width: Width, src: Scalar): boolean {
  switch (name) {
    case 'add': case 'sub': case 'neg': case 'and': case 'xor': case 'or': case 'mul':
      return true;
    case 'lsh': case 'rsh': case 'arsh': {
      const known = width === 32
        ? isConst32(src) && src.smin32 === src.smax32 && src.umin32 === src.umax32
        : tnumIsConst(src.varOff) && src.smin === src.smax && src.umin === src.umax;
      return known && src.umax < BigInt(width);
    }
    default:
      return false;
  }
}

/** `adjust_scalar_min_max_vals` for the arithmetic and bitwise operations. */
function adjustScalar(name: AluName, width: Width, dst: Scalar, src: Scalar): Scalar {
  if (!isTrackedAluOp(name, width, src)) return unknownScalar();
  const d = clone(dst);
  const alu32 = width === 32;
  switch (name) {
    case 'add':
      add32(d, src);
      add64(d, src);
      d.varOff = tnumAdd(d.varOff, src.varOff);
      break;
    case 'sub':
      sub32(d, src);
      sub64(d, src);
      d.varOff = tnumSub(d.varOff, src.varOff);
      break;
    case 'neg': {
      // 0 − dst, with dst's old value as the subtrahend.
      const old = dst;
      markKnown(d, 0n);
      sub32(d, old);
      sub64(d, old);
      d.varOff = tnumNeg(old.varOff);
      break;
    }
    case 'mul':
      d.varOff = tnumMul(d.varOff, src.varOff);
      mul32(d, src);
      mul64(d, src);
      break;
    case 'and':
      d.varOff = tnumAnd(d.varOff, src.varOff);
      and32(d, src);
      and64(d, src);
      break;
    case 'or':
      d.varOff = tnumOr(d.varOff, src.varOff);
      or32(d, src);
      or64(d, src);
      break;
    case 'xor':
      d.varOff = tnumXor(d.varOff, src.varOff);
      xor32(d, src);
      xor64(d, src);
      break;
    case 'lsh':
      if (alu32) lsh32(d, src); else lsh64(d, src);
      break;
    case 'rsh':
      if (alu32) rsh32(d, src); else rsh64(d, src);
      break;
    case 'arsh':
      if (alu32) arsh32(d, src); else arsh64(d, src);
      break;
    default:
      break;
  }
  if (alu32) zext32To64(d);
  boundsSync(d);
  return d;
}

/** `check_alu_op` for mov and movsx between scalars. */
function move(name: 'mov' | 'movsx8' | 'movsx16' | 'movsx32', width: Width, src: Scalar): Scalar {
  const d = clone(src);
  if (width === 64) {
    // The kernel does not re-sync bounds after a 64-bit sign-extending move.
    if (name === 'movsx8') coerceToSizeSx(d, 1);
    else if (name === 'movsx16') coerceToSizeSx(d, 2);
    else if (name === 'movsx32') coerceToSizeSx(d, 4);
    return d;
  }
  if (name === 'movsx8') coerceSubregToSizeSx(d, 1);
  else if (name === 'movsx16') coerceSubregToSizeSx(d, 2);
  zext32To64(d);
  boundsSync(d);
  return d;
}

/**
 * The scalar result of an ALU instruction `dst = dst <op> src` (or
 * `dst = src` for mov/movsx, `dst = -dst` for neg, where `src` is ignored).
 *
 * For an immediate operand pass {@link immScalar}(imm). Division and modulo
 * give an unknown scalar, as in Linux 6.18; so do shifts by an amount that
 * is not a known constant below the width. Those unknown results are not
 * zero-extended even at 32 bits — the kernel does not either.
 *
 * The caller rejects what the kernel rejects before computing (division by
 * an immediate 0, immediate shifts ≥ width).
 *
 * @throws {ScalarOperationError} for `movsx32` at width 32, which the ISA lacks.
 *
 * @example
 * const r = aluScalar('and', 64, unknownScalar(), immScalar(0xff));
 * formatScalar(r); // 'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))'
 */
export function aluScalar(name: AluName, width: Width, dst: Scalar, src: Scalar): Scalar {
  if (name === 'movsx32' && width === 32) throw new ScalarOperationError('movsx32 exists only in 64-bit form (w = (s32)w is a plain mov)');
  switch (name) {
    case 'mov': case 'movsx8': case 'movsx16': case 'movsx32':
      return move(name, width, src);
    case 'neg':
      return adjustScalar('neg', width, dst, dst);
    default:
      return adjustScalar(name, width, dst, src);
  }
}

/**
 * The scalar after a byte swap (Linux 6.18 tracks them), for a little-endian
 * target: `le` only truncates (`le64` changes nothing), `be` and `swap`
 * reverse the bytes of the tnum and recompute every bound from it.
 *
 * @example
 * formatScalar(endianScalar('be', 16, constScalar(0x1234n))); // '13330' (0x3412)
 */
export function endianScalar(order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, dst: Scalar): Scalar {
  if (order === 'le' && bits === 64) return dst;
  const d = clone(dst);
  if (order === 'le') {
    coerceToSize(d, bits / 8 as 2 | 4);
    return d;
  }
  d.varOff = tnumByteSwap(d.varOff, bits);
  markUnbounded64(d);
  markUnbounded32(d);
  boundsSync(d);
  return d;
}

/** The unsigned 64-bit value of a byte swap on a little-endian target, per RFC 9669. */
export function concreteEndian(order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64, dst: bigint): bigint {
  const x = BigInt.asUintN(bits, dst);
  if (order === 'le') return x;
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((x >> BigInt(i * 8)) & 0xffn);
  return out;
}

/** The unsigned 64-bit value of a concrete ALU operation, per RFC 9669 (the oracle of the soundness tests). */
export function concreteAlu(name: AluName, width: Width, dst: bigint, src: bigint): bigint {
  const bits = BigInt(width);
  const wrap = (x: bigint) => BigInt.asUintN(width, x);
  const signed = (x: bigint) => BigInt.asIntN(width, x);
  const a = wrap(dst);
  const b = wrap(src);
  const shift = b & (bits - 1n);
  switch (name) {
    case 'add': return wrap(a + b);
    case 'sub': return wrap(a - b);
    case 'mul': return wrap(a * b);
    case 'div': return b === 0n ? 0n : a / b;
    case 'mod': return b === 0n ? a : a % b;
    case 'sdiv': return b === 0n ? 0n : wrap(signed(a) / signed(b));
    case 'smod': return b === 0n ? a : wrap(signed(a) % signed(b));
    case 'or': return a | b;
    case 'and': return a & b;
    case 'xor': return a ^ b;
    case 'lsh': return wrap(a << shift);
    case 'rsh': return a >> shift;
    case 'arsh': return wrap(signed(a) >> shift);
    case 'neg': return wrap(-a);
    case 'mov': return b;
    case 'movsx8': return wrap(BigInt.asIntN(8, b));
    case 'movsx16': return wrap(BigInt.asIntN(16, b));
    case 'movsx32': return wrap(BigInt.asIntN(32, b));
  }
}
