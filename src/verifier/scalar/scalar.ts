/**
 * A scalar register's abstract value: a tnum plus signed and unsigned bounds
 * at 64 and 32 bits, kept consistent the way Linux's verifier keeps them
 * (kernel/bpf/verifier.c, 6.18: `reg_bounds_sync` and friends).
 *
 * All bounds are BigInts in their own domain: unsigned ones in [0, 2^n),
 * signed ones in [−2^(n−1), 2^(n−1)).
 */
import {
  type Tnum, TNUM_UNKNOWN, U32_MAX, U64_MAX, tnumCast, tnumClearSubreg, tnumConst, tnumConstSubreg,
  tnumContains, tnumIntersect, tnumIsConst, tnumOr, tnumRange, tnumStep, tnumSubreg,
} from './tnum.js';

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;

export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** The abstract value of a scalar register. */
export interface Scalar {
  readonly varOff: Tnum;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin32: bigint;
  readonly umax32: bigint;
  readonly smin32: bigint;
  readonly smax32: bigint;
}

/** A scalar under construction: the transfer functions edit one in place, as the kernel does. */
export type MutableScalar = { -readonly [K in keyof Scalar]: Scalar[K] };

/** A private copy to edit. */
export function clone(s: Scalar): MutableScalar {
  return { ...s };
}

/** A scalar about which nothing is known (the kernel's `__mark_reg_unknown`). */
export function unknownScalar(): Scalar {
  return {
    varOff: TNUM_UNKNOWN, umin: 0n, umax: U64_MAX, smin: S64_MIN, smax: S64_MAX,
    umin32: 0n, umax32: U32_MAX, smin32: S32_MIN, smax32: S32_MAX,
  };
}

/** The scalar of exactly `value` (taken modulo 2^64: −1n and 2^64−1 are the same). */
export function constScalar(value: bigint): Scalar {
  const r = clone(unknownScalar());
  markKnown(r, value);
  return r;
}

/**
 * The scalar of every value in [lo, hi], read as unsigned if both are ≥ 0,
 * else as signed 64-bit; bounds are synced.
 */
export function rangeScalar(lo: bigint, hi: bigint): Scalar {
  const r = clone(unknownScalar());
  if (lo < 0n || hi < 0n) {
    r.smin = lo;
    r.smax = hi;
  } else {
    r.umin = lo;
    r.umax = hi;
  }
  boundsSync(r);
  return r;
}

/** The kernel's `__mark_reg_known`. */
export function markKnown(r: MutableScalar, value: bigint): void {
  r.varOff = tnumConst(value);
  r.umin = r.umax = u64(value);
  r.smin = r.smax = s64(value);
  r.umin32 = r.umax32 = u32(value);
  r.smin32 = r.smax32 = s32(value);
}

/** The kernel's `__mark_reg32_known`: the low half becomes `value`, the high half keeps its tnum. */
export function markKnown32(r: MutableScalar, value: bigint): void {
  r.varOff = tnumConstSubreg(r.varOff, value);
  r.smin32 = r.smax32 = s32(value);
  r.umin32 = r.umax32 = u32(value);
}

/** The kernel's `__mark_reg_unknown` (for a scalar: everything unbounded). */
export function markUnknown(r: MutableScalar): void {
  Object.assign(r, unknownScalar());
}

export function markUnbounded64(r: MutableScalar): void {
  r.smin = S64_MIN;
  r.smax = S64_MAX;
  r.umin = 0n;
  r.umax = U64_MAX;
}

export function markUnbounded32(r: MutableScalar): void {
  r.smin32 = S32_MIN;
  r.smax32 = S32_MAX;
  r.umin32 = 0n;
  r.umax32 = U32_MAX;
}

/** True when the scalar is one known 64-bit value. */
export function isConst(s: Scalar): boolean {
  return tnumIsConst(s.varOff);
}

/** True when the low 32 bits are one known value. */
export function isConst32(s: Scalar): boolean {
  return (s.varOff.mask & U32_MAX) === 0n;
}

/** Tighten the 32-bit bounds from the tnum (`__update_reg32_bounds`). */
function updateBounds32(r: MutableScalar): void {
  const t = tnumSubreg(r.varOff);
  const signBit = 1n << 31n;
  // min signed is max(sign bit) | min(other bits); max signed the reverse.
  r.smin32 = max(r.smin32, s32(t.value | (t.mask & signBit)));
  r.smax32 = min(r.smax32, s32(t.value | (t.mask & (signBit - 1n))));
  r.umin32 = max(r.umin32, t.value);
  r.umax32 = min(r.umax32, t.value | t.mask);
}

/** Tighten the 64-bit bounds from the tnum (`__update_reg64_bounds`). */
function updateBounds64(r: MutableScalar): void {
  const t = r.varOff;
  const signBit = 1n << 63n;
  r.smin = max(r.smin, s64(t.value | (t.mask & signBit)));
  r.smax = min(r.smax, s64(t.value | (t.mask & (signBit - 1n))));
  r.umin = max(r.umin, t.value);
  r.umax = min(r.umax, t.value | t.mask);
  // When the u64 range and the tnum share a single value, that is the value.
  const next = tnumStep(t, r.umin);
  const uminInTnum = (r.umin & ~t.mask & U64_MAX) === t.value;
  const tmax = t.value | t.mask;
  if (uminInTnum && next > r.umax) markKnown(r, r.umin);
  else if (!uminInTnum && next === tmax) markKnown(r, tmax);
  else if (!uminInTnum && next <= r.umax && tnumStep(t, next) > r.umax) markKnown(r, next);
}

/** `__update_reg_bounds`. */
export function updateBounds(r: MutableScalar): void {
  updateBounds32(r);
  updateBounds64(r);
}

/** `__reg32_deduce_bounds`: learn 32-bit bounds from the 64-bit ones and across sign. */
function deduceBounds32(r: MutableScalar): void {
  // When the upper 32 bits of a 64-bit range do not change, its low halves form a range too.
  if (r.umin >> 32n === r.umax >> 32n) {
    r.umin32 = max(r.umin32, u32(r.umin));
    r.umax32 = min(r.umax32, u32(r.umax));
    if (s32(r.umin) <= s32(r.umax)) {
      r.smin32 = max(r.smin32, s32(r.umin));
      r.smax32 = min(r.smax32, s32(r.umax));
    }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    if (u32(r.smin) <= u32(r.smax)) {
      r.umin32 = max(r.umin32, u32(r.smin));
      r.umax32 = min(r.umax32, u32(r.smax));
    }
    if (s32(r.smin) <= s32(r.smax)) {
      r.smin32 = max(r.smin32, s32(r.smin));
      r.smax32 = min(r.smax32, s32(r.smax));
    }
  }
  // Upper halves that are two consecutive numbers, with the low halves going
  // from negative to non-negative, still form one s32 range.
  if (u32((r.umin >> 32n) + 1n) === u32(r.umax >> 32n) && s32(r.umin) < 0n && s32(r.umax) >= 0n) {
    r.smin32 = max(r.smin32, s32(r.umin));
    r.smax32 = min(r.smax32, s32(r.umax));
  }
  if (u32((u64(r.smin) >> 32n) + 1n) === u32(u64(r.smax) >> 32n) && s32(r.smin) < 0n && s32(r.smax) >= 0n) {
    r.smin32 = max(r.smin32, s32(r.smin));
    r.smax32 = min(r.smax32, s32(r.smax));
  }
  // A u32 range that does not cross the sign bit is also an s32 range.
  if (s32(r.umin32) <= s32(r.umax32)) {
    r.smin32 = max(r.smin32, s32(r.umin32));
    r.smax32 = min(r.smax32, s32(r.umax32));
  }
  // An s32 range that cannot cross the sign boundary is also a u32 range.
  if (u32(r.smin32) <= u32(r.smax32)) {
    r.umin32 = max(u32(r.smin32), r.umin32);
    r.umax32 = min(u32(r.smax32), r.umax32);
  }
}

/** `__reg64_deduce_bounds`: learn across signed and unsigned 64-bit bounds. */
function deduceBounds64(r: MutableScalar): void {
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = max(r.smin, s64(r.umin));
    r.smax = min(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = max(u64(r.smin), r.umin);
    r.umax = min(u64(r.smax), r.umax);
  } else {
    // The s64 range crosses the sign boundary, so it is split between both
    // ends of the u64 domain; a u64 range inside one end picks that piece.
    if (r.umax < u64(r.smin)) {
      r.smin = s64(r.umin);
      r.umax = min(r.umax, u64(r.smax));
    } else if (u64(r.smax) < r.umin) {
      r.smax = s64(r.umax);
      r.umin = max(r.umin, u64(r.smin));
    }
  }
}

/** `__reg_deduce_mixed_bounds`: tighten 64-bit bounds from 32-bit knowledge. */
function deduceMixedBounds(r: MutableScalar): void {
  const high = ~U32_MAX;
  const newUmin = u64((r.umin & high) | r.umin32);
  const newUmax = u64((r.umax & high) | r.umax32);
  r.umin = max(r.umin, newUmin);
  r.umax = min(r.umax, newUmax);
  const newSmin = s64((u64(r.smin) & high) | r.umin32);
  const newSmax = s64((u64(r.smax) & high) | r.umax32);
  r.smin = max(r.smin, newSmin);
  r.smax = min(r.smax, newSmax);
  // After a sign-extending load the upper bits are all 0s or all 1s; a
  // non-negative s32 range then fixes the whole 64-bit value.
  if (r.smin32 >= 0n && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    r.smin = r.smin32;
    r.smax = r.smax32;
    r.umin = r.smin32;
    r.umax = r.smax32;
    r.varOff = tnumIntersect(r.varOff, tnumRange(r.smin, r.smax));
  }
}

function deduceBounds(r: MutableScalar): void {
  deduceBounds32(r);
  deduceBounds64(r);
  deduceMixedBounds(r);
}

/** `__reg_bound_offset`: tighten the tnum from the unsigned bounds. */
function boundOffset(r: MutableScalar): void {
  const var64 = tnumIntersect(r.varOff, tnumRange(r.umin, r.umax));
  const var32 = tnumIntersect(tnumSubreg(var64), tnumRange(r.umin32, r.umax32));
  r.varOff = tnumOr(tnumClearSubreg(var64), var32);
}

/**
 * The kernel's `reg_bounds_sync`: make the tnum and all eight bounds agree,
 * each learning from the others.
 */
export function boundsSync(r: MutableScalar): void {
  updateBounds(r);
  // Twice: bounds learned in the first pass can teach the others more.
  deduceBounds(r);
  deduceBounds(r);
  boundOffset(r);
  updateBounds(r);
}

/** `__reg_assign_32_into_64`: the 64-bit bounds of a zero-extended 32-bit value. */
function assign32Into64(r: MutableScalar): void {
  r.umin = r.umin32;
  r.umax = r.umax32;
  // The signed 32-bit bounds carry over only when both are non-negative.
  if (r.smin32 >= 0n && r.smax32 >= 0n) {
    r.smin = r.smin32;
    r.smax = r.smax32;
  } else {
    r.smin = 0n;
    r.smax = U32_MAX;
  }
}

/** The kernel's `zext_32_to_64`: a 32-bit result clears the upper half. */
export function zext32To64(r: MutableScalar): void {
  r.varOff = tnumSubreg(r.varOff);
  assign32Into64(r);
}

/**
 * The kernel's `coerce_reg_to_size`: keep the low `size` bytes,
 * zero-extended (zero-extending loads, `le16`/`le32` on a little-endian target).
 */
export function coerceToSize(r: MutableScalar, size: 1 | 2 | 4): void {
  r.varOff = tnumCast(r.varOff, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  // The truncated ends still bound the range only when the bits above them agree.
  if ((r.umin & ~mask) === (r.umax & ~mask)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin;
  r.smax = r.umax;
  // Below 32 bits the subregister changes too; at 32 its bounds still hold.
  if (size < 4) markUnbounded32(r);
  boundsSync(r);
}

const SIGNED_LIMITS: Record<1 | 2 | 4, [bigint, bigint]> = {
  1: [-128n, 127n],
  2: [-32768n, 32767n],
  4: [S32_MIN, S32_MAX],
};

const signExtend = (x: bigint, size: 1 | 2 | 4): bigint => BigInt.asIntN(size * 8, x);

/**
 * The kernel's `coerce_reg_to_size_sx`: the 64-bit value becomes its low
 * `size` bytes sign-extended (movsx, sign-extending loads).
 */
export function coerceToSizeSx(r: MutableScalar, size: 1 | 2 | 4): void {
  if (tnumIsConst(r.varOff)) {
    const v = signExtend(r.varOff.value, size);
    r.varOff = tnumConst(v);
    r.smin = r.smax = v;
    r.umin = r.umax = u64(v);
    r.smin32 = r.smax32 = s32(v);
    r.umin32 = r.umax32 = u32(v);
    return;
  }
  const bits = BigInt(size * 8);
  // The low bytes of [smin, smax] form a range only when the bytes above them agree.
  if (u64(r.smax) >> bits === u64(r.smin) >> bits) {
    const a = signExtend(r.smax, size);
    const b = signExtend(r.smin, size);
    const hi = max(a, b);
    const lo = min(a, b);
    if ((hi >= 0n) === (lo >= 0n)) {
      r.smin = lo;
      r.smax = hi;
      r.smin32 = s32(lo);
      r.smax32 = s32(hi);
      r.umin = u64(lo);
      r.umax = u64(hi);
      r.umin32 = u32(lo);
      r.umax32 = u32(hi);
      r.varOff = tnumRange(u64(lo), u64(hi));
      return;
    }
  }
  const [smin, smax] = SIGNED_LIMITS[size];
  r.smin = r.smin32 = smin;
  r.smax = r.smax32 = smax;
  r.umin = r.umin32 = 0n;
  r.umax = U64_MAX;
  r.umax32 = U32_MAX;
  r.varOff = TNUM_UNKNOWN;
}

/**
 * The kernel's `coerce_subreg_to_size_sx`: the low 32 bits become their low
 * `size` bytes sign-extended to 32 bits (32-bit movsx). Callers zero-extend after.
 */
export function coerceSubregToSizeSx(r: MutableScalar, size: 1 | 2): void {
  if (tnumIsConst(r.varOff)) {
    const v = signExtend(u32(r.varOff.value), size);
    r.varOff = tnumConst(v);
    r.smin32 = r.smax32 = s32(v);
    r.umin32 = r.umax32 = u32(v);
    return;
  }
  const bits = BigInt(size * 8);
  if (u32(r.smax32) >> bits === u32(r.smin32) >> bits) {
    const a = signExtend(r.smax32, size);
    const b = signExtend(r.smin32, size);
    const hi = max(a, b);
    const lo = min(a, b);
    if ((lo >= 0n) === (hi >= 0n)) {
      r.smin32 = lo;
      r.smax32 = hi;
      r.umin32 = u32(lo);
      r.umax32 = u32(hi);
      r.varOff = tnumSubreg(tnumRange(u64(lo), u64(hi)));
      return;
    }
  }
  const [smin, smax] = SIGNED_LIMITS[size];
  r.smin32 = smin;
  r.smax32 = smax;
  r.umin32 = 0n;
  r.umax32 = U32_MAX;
  r.varOff = tnumSubreg(TNUM_UNKNOWN);
}

/**
 * Why a scalar's bounds contradict each other (the kernel's
 * `reg_bounds_sanity_check`), or undefined when they are consistent.
 * An inconsistent scalar stands for no value: a dead branch or a bug.
 */
export function boundsViolation(s: Scalar): string | undefined {
  if (s.umin > s.umax || s.smin > s.smax || s.umin32 > s.umax32 || s.smin32 > s.smax32) {
    return 'range bounds violation';
  }
  if (tnumIsConst(s.varOff)) {
    const v = s.varOff.value;
    if (s.umin !== v || s.umax !== v || s.smin !== s64(v) || s.smax !== s64(v)) return 'const tnum out of sync with range bounds';
  }
  if (isConst32(s)) {
    const v32 = tnumSubreg(s.varOff).value;
    if (s.umin32 !== v32 || s.umax32 !== v32 || s.smin32 !== s32(v32) || s.smax32 !== s32(v32)) return 'const subreg tnum out of sync with range bounds';
  }
  return undefined;
}

/** True when the concrete 64-bit value `x` (mod 2^64) satisfies every part of `s`. */
export function scalarContains(s: Scalar, x: bigint): boolean {
  const u = u64(x);
  const sv = s64(x);
  const lo = u32(x);
  const slo = s32(x);
  return tnumContains(s.varOff, u)
    && s.umin <= u && u <= s.umax && s.smin <= sv && sv <= s.smax
    && s.umin32 <= lo && lo <= s.umax32 && s.smin32 <= slo && slo <= s.smax32;
}

/**
 * The kernel's `range_within` + `tnum_in`: true when every value `current`
 * may hold is allowed by `old`, so a state already verified with `old`
 * covers `current` (state pruning's test for scalars).
 */
export function scalarWithin(old: Scalar, current: Scalar): boolean {
  return old.umin <= current.umin && old.umax >= current.umax
    && old.smin <= current.smin && old.smax >= current.smax
    && old.umin32 <= current.umin32 && old.umax32 >= current.umax32
    && old.smin32 <= current.smin32 && old.smax32 >= current.smax32
    && (current.varOff.mask & ~old.varOff.mask) === 0n
    && old.varOff.value === (current.varOff.value & ~old.varOff.mask);
}

/** True when both scalars carry the same tnum and bounds. */
export function scalarEquals(a: Scalar, b: Scalar): boolean {
  return a.varOff.value === b.varOff.value && a.varOff.mask === b.varOff.mask
    && a.umin === b.umin && a.umax === b.umax && a.smin === b.smin && a.smax === b.smax
    && a.umin32 === b.umin32 && a.umax32 === b.umax32 && a.smin32 === b.smin32 && a.smax32 === b.smax32;
}

/**
 * The scalar of the low `size` bytes of `s`, zero-extended — what a
 * zero-extending load of a value in `s` gives (the kernel's `coerce_reg_to_size`).
 */
export function zeroExtendScalar(s: Scalar, size: 1 | 2 | 4 | 8): Scalar {
  if (size === 8) return s;
  const r = clone(s);
  coerceToSize(r, size);
  return r;
}

/**
 * The scalar of the low `size` bytes of `s`, sign-extended to 64 bits — what
 * a sign-extending load or 64-bit movsx gives (`coerce_reg_to_size_sx`).
 */
export function signExtendScalar(s: Scalar, size: 1 | 2 | 4): Scalar {
  const r = clone(s);
  coerceToSizeSx(r, size);
  return r;
}

/**
 * The scalar with the given parts, everything else unbounded, after
 * `reg_bounds_sync` — for values whose bounds are known from elsewhere
 * (a helper's return range, a context field's width).
 *
 * @example
 * makeScalar({ umax: 0xffffn }).varOff; // { value: 0n, mask: 0xffffn }
 */
export function makeScalar(parts: Partial<Scalar>): Scalar {
  const r = clone(unknownScalar());
  Object.assign(r, parts);
  boundsSync(r);
  return r;
}

/** The kernel's `zext_32_to_64` then `reg_bounds_sync`: the low 32 bits of `s`, zero-extended. */
export function zeroExtend32(s: Scalar): Scalar {
  const r = clone(s);
  zext32To64(r);
  boundsSync(r);
  return r;
}
