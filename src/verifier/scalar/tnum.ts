/**
 * Tristate numbers: the kernel verifier's bit-level abstraction of a 64-bit value.
 *
 * Each bit is known 0, known 1 or unknown. `mask` has a 1 for every unknown
 * bit; `value` holds the known bits (and is 0 wherever `mask` is 1). The set
 * a tnum stands for is `{ x | (x & ~mask) === value }`.
 *
 * The operations follow Linux's kernel/bpf/tnum.c (6.18) bit for bit so that
 * verdicts agree with the kernel. Values are unsigned 64-bit BigInts.
 */

/** 2^64 − 1. */
export const U64_MAX = (1n << 64n) - 1n;
/** 2^32 − 1. */
export const U32_MAX = (1n << 32n) - 1n;

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);

/** A tristate number. `value & mask` is always 0. */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

function make(value: bigint, mask: bigint): Tnum {
  return { value, mask };
}

/** The tnum of every 64-bit value. */
export const TNUM_UNKNOWN: Tnum = make(0n, U64_MAX);

/** The tnum of exactly `value` (taken modulo 2^64, so −1 is all ones). */
export function tnumConst(value: bigint): Tnum {
  return make(u64(value), 0n);
}

/** Index of the highest set bit plus one (the kernel's fls64), for a u64. */
function bitLength(x: bigint): number {
  const hi = Number(x >> 32n);
  return hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(Number(x & 0xffffffffn));
}

/**
 * The smallest tnum holding every value in [min, max] (unsigned): the bits
 * above the highest bit where min and max differ are known.
 */
export function tnumRange(min: bigint, max: bigint): Tnum {
  min = u64(min);
  max = u64(max);
  const bits = bitLength(min ^ max);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return make(min & ~delta, delta);
}

/** Shift left by a known amount (bits shifted past bit 63 are dropped). */
export function tnumLshift(a: Tnum, shift: number | bigint): Tnum {
  const s = BigInt(shift);
  return make(u64(a.value << s), u64(a.mask << s));
}

/** Logical shift right by a known amount. */
export function tnumRshift(a: Tnum, shift: number | bigint): Tnum {
  const s = BigInt(shift);
  return make(a.value >> s, a.mask >> s);
}

/**
 * Arithmetic shift right by `minShift` at `bitness` 32 or 64. At 32 the
 * result is the 32-bit shifted value, zero-extended (as the kernel's
 * `(u32)((s32)v >> n)`).
 */
export function tnumArshift(a: Tnum, minShift: number | bigint, bitness: 32 | 64): Tnum {
  const s = BigInt(minShift);
  if (bitness === 32) return make(u32(s32(a.value) >> s), u32(s32(a.mask) >> s));
  return make(u64(s64(a.value) >> s), u64(s64(a.mask) >> s));
}

/** Addition: unknown carries spread to every bit they may reach. */
export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return make(sv & ~mu & U64_MAX, mu);
}

/** Subtraction: unknown borrows spread like carries in {@link tnumAdd}. */
export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return make(dv & ~mu & U64_MAX, mu);
}

/** Two's-complement negation, as 0 − a. */
export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(make(0n, 0n), a);
}

/** Bitwise and: a bit is known 1 only if known 1 in both, known 0 if known 0 in either. */
export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return make(v, alpha & beta & ~v & U64_MAX);
}

/** Bitwise or. */
export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return make(v, mu & ~v & U64_MAX);
}

/** Bitwise exclusive or. */
export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return make(v & ~mu & U64_MAX, mu);
}

/**
 * Multiplication by shift-and-add over the bits of `a`: a known 1 adds `b`,
 * an unknown bit takes the union of adding and not adding it (Linux 6.18).
 */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let acc = make(0n, 0n);
  while (a.value !== 0n || a.mask !== 0n) {
    if (a.value & 1n) acc = tnumAdd(acc, b);
    else if (a.mask & 1n) acc = tnumUnion(acc, tnumAdd(acc, b));
    a = tnumRshift(a, 1);
    b = tnumLshift(b, 1);
  }
  return acc;
}

/**
 * The smallest member of `t` above `z` (the kernel's tnum_step); `t`'s
 * largest member when none is above `z`.
 */
export function tnumStep(t: Tnum, z: bigint): bigint {
  const tmax = t.value | t.mask;
  if (z >= tmax) return tmax;
  if (z < t.value) return t.value;
  // Members are value + s for the submasks s of mask: find the least s above
  // d = z − value by adding 1 to d with every non-mask bit (and every bit
  // below d's highest non-mask 1) filled, so the carry lands in the mask.
  const d = z - t.value;
  const below = (1n << BigInt(bitLength(d & ~t.mask & U64_MAX))) - 1n;
  const filled = (d | below | (~t.mask & U64_MAX));
  return t.value | ((filled + 1n) & t.mask);
}

/** True when some value could be in both (their known bits agree). */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  const mu = ~a.mask & ~b.mask & U64_MAX;
  return (a.value & mu) === (b.value & mu);
}

/**
 * The values in both `a` and `b`. When they disagree on a known bit the
 * result holds a known 1 there, as the kernel's does: callers only intersect
 * tnums they know to overlap.
 */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return make(v & ~mu & U64_MAX, mu);
}

/** The smallest tnum holding every value of `a` and of `b`. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return make(v & ~mu & U64_MAX, mu);
}

/** Keeps the low `size` bytes (1–8), zeroing the rest. */
export function tnumCast(a: Tnum, size: 1 | 2 | 4 | 8): Tnum {
  const keep = (1n << BigInt(size * 8)) - 1n;
  return make(a.value & keep, a.mask & keep);
}

/** True when every value of `a` is a multiple of `size` (a power of two; 0 means no constraint). */
export function tnumIsAligned(a: Tnum, size: bigint | number): boolean {
  const s = BigInt(size);
  if (s === 0n) return true;
  return ((a.value | a.mask) & (s - 1n)) === 0n;
}

/** True when every value of `b` is also a value of `a` (b ⊆ a). */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask) return false;
  return a.value === (b.value & ~a.mask);
}

/** True when `x` (taken modulo 2^64) is one of the values of `a`. */
export function tnumContains(a: Tnum, x: bigint): boolean {
  return (u64(x) & ~a.mask & U64_MAX) === a.value;
}

/** True when every bit is known. */
export function tnumIsConst(a: Tnum): boolean {
  return a.mask === 0n;
}

/** True when every bit is unknown. */
export function tnumIsUnknown(a: Tnum): boolean {
  return a.mask === U64_MAX;
}

/** True when `a` is exactly the constant `b`. */
export function tnumEqualsConst(a: Tnum, b: bigint): boolean {
  return a.mask === 0n && a.value === u64(b);
}

/** The low 32 bits (the subregister), zero-extended. */
export function tnumSubreg(a: Tnum): Tnum {
  return tnumCast(a, 4);
}

/** The high 32 bits, with the low 32 bits known 0. */
export function tnumClearSubreg(a: Tnum): Tnum {
  return tnumLshift(tnumRshift(a, 32), 32);
}

/** The high half of `reg` with the low half of `subreg`. */
export function tnumWithSubreg(reg: Tnum, subreg: Tnum): Tnum {
  return tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));
}

/** The high half of `a` with a known low half `value`. */
export function tnumConstSubreg(a: Tnum, value: bigint): Tnum {
  return tnumWithSubreg(a, tnumConst(value));
}

/** True when the low 32 bits are all known. */
export function tnumSubregIsConst(a: Tnum): boolean {
  return (a.mask & U32_MAX) === 0n;
}

/** `(0x…; 0x…)` as the kernel's tnum_strn prints it (value; mask). */
export function formatTnum(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}

/** 64 characters of 0, 1 and x, most significant first (the kernel's tnum_sbin). */
export function tnumToBinary(a: Tnum): string {
  let out = '';
  for (let bit = 63n; bit >= 0n; bit--) {
    const m = 1n << bit;
    out += a.mask & m ? 'x' : a.value & m ? '1' : '0';
  }
  return out;
}

function byteSwap(x: bigint, bytes: number): bigint {
  let out = 0n;
  for (let i = 0; i < bytes; i++) out = (out << 8n) | ((x >> BigInt(i * 8)) & 0xffn);
  return out;
}

/** Reverses the low `bits / 8` bytes of every value, zeroing the bits above them. */
export function tnumByteSwap(a: Tnum, bits: 16 | 32 | 64): Tnum {
  return make(byteSwap(a.value, bits / 8), byteSwap(a.mask, bits / 8));
}
