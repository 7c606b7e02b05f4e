/**
 * Scalars printed the way Linux 6.18's verifier log prints them
 * (`print_reg_state` / `print_scalar_ranges`).
 */
import { type Scalar, S32_MAX, S32_MIN, S64_MAX, S64_MIN, u64 } from './scalar.js';
import { U32_MAX, U64_MAX, formatTnum, tnumIsConst, tnumIsUnknown } from './tnum.js';

// Small numbers print in decimal, others in hex (is_unum_decimal / is_snum_decimal).
const UNUM_MAX_DECIMAL = 0xffffn;
const SNUM_MIN_DECIMAL = -0x8000n;
const SNUM_MAX_DECIMAL = 0x7fffn;

const isSnumDecimal = (n: bigint): boolean => n >= SNUM_MIN_DECIMAL && n <= SNUM_MAX_DECIMAL;

function unum(n: bigint): string {
  return n <= UNUM_MAX_DECIMAL ? n.toString() : `0x${n.toString(16)}`;
}

function snum(n: bigint): string {
  return isSnumDecimal(n) ? n.toString() : `0x${u64(n).toString(16)}`;
}

interface Bound {
  readonly name: string;
  readonly signed: boolean;
  /** As the kernel's u64 field: signed values sign-extended. */
  readonly value: bigint;
  omit: boolean;
}

/**
 * The bounds part of a scalar, e.g. `smin=-5,smax=umax=7` (`print_scalar_ranges`).
 * Bounds equal to their type's extreme are left out; equal bounds of the
 * same width parity share one value (`smax=umax=255`), never mixing a
 * negative signed bound with an unsigned one.
 */
export function formatScalarRanges(s: Scalar): string {
  // A 32-bit signed bound that would print in hex is shown as its u32 pattern, not sign-extended.
  const s32Field = (v: bigint) => (isSnumDecimal(v) ? v : BigInt.asUintN(32, v));
  const bounds: Bound[] = [
    { name: 'smin', signed: true, value: s.smin, omit: s.smin === S64_MIN },
    { name: 'smax', signed: true, value: s.smax, omit: s.smax === S64_MAX },
    { name: 'umin', signed: false, value: s.umin, omit: s.umin === 0n },
    { name: 'umax', signed: false, value: s.umax, omit: s.umax === U64_MAX },
    { name: 'smin32', signed: true, value: s32Field(s.smin32), omit: s.smin32 === S32_MIN },
    { name: 'smax32', signed: true, value: s32Field(s.smax32), omit: s.smax32 === S32_MAX },
    { name: 'umin32', signed: false, value: s.umin32, omit: s.umin32 === 0n },
    { name: 'umax32', signed: false, value: s.umax32, omit: s.umax32 === U32_MAX },
  ];
  const parts: string[] = [];
  for (let i = 0; i < bounds.length; i++) {
    const b1 = bounds[i]!;
    if (b1.omit) continue;
    const neg1 = b1.signed && b1.value < 0n;
    let text = `${b1.name}=`;
    // Only bounds two apart share a value: smin with umin, smax with umax, and across widths.
    for (let j = i + 2; j < bounds.length; j += 2) {
      const b2 = bounds[j]!;
      if (b2.omit || u64(b2.value) !== u64(b1.value)) continue;
      const neg2 = b2.signed && b2.value < 0n;
      if (neg2 !== neg1) continue;
      b2.omit = true;
      text += `${b2.name}=`;
    }
    text += b1.signed ? snum(b1.value) : unum(b1.value);
    parts.push(text);
  }
  return parts.join(',');
}

/**
 * A scalar as the verifier log prints a register's value: a constant as
 * its signed value (`42`, `-1`, `0x7fffffffffffffff`), anything else as
 * `scalar(<bounds>,var_off=(value; mask))`, leaving out what is unbounded.
 * `precise` prefixes `P`, as the kernel does for precisely tracked scalars.
 *
 * @example
 * formatScalar(constScalar(42n)); // '42'
 * formatScalar(unknownScalar());  // 'scalar()'
 */
export function formatScalar(s: Scalar, precise = false): string {
  const p = precise ? 'P' : '';
  if (tnumIsConst(s.varOff)) return p + snum(BigInt.asIntN(64, s.varOff.value));
  const parts: string[] = [];
  const ranges = formatScalarRanges(s);
  if (ranges) parts.push(ranges);
  if (!tnumIsUnknown(s.varOff)) parts.push(`var_off=${formatTnum(s.varOff)}`);
  return `${p}scalar(${parts.join(',')})`;
}
