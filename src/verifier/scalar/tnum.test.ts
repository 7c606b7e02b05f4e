import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tnum, TNUM_UNKNOWN, U64_MAX, formatTnum, tnumAdd, tnumAnd, tnumArshift, tnumCast, tnumConst,
  tnumContains, tnumEqualsConst, tnumIn, tnumIntersect, tnumIsAligned, tnumLshift, tnumMul, tnumNeg,
  tnumOr, tnumOverlap, tnumRange, tnumRshift, tnumSub, tnumSubreg, tnumToBinary, tnumUnion, tnumXor,
  tnumWithSubreg,
} from './tnum.js';

const t = (value: bigint, mask: bigint): Tnum => ({ value, mask });
const c = tnumConst;

// Expected values computed by hand from the formulas of kernel/bpf/tnum.c.
const binary: Array<[string, (a: Tnum, b: Tnum) => Tnum, Tnum, Tnum, Tnum]> = [
  ['add consts', tnumAdd, c(5n), c(3n), c(8n)],
  ['add unknown low bits spreads the carry', tnumAdd, t(0n, 3n), t(0n, 1n), t(0n, 7n)],
  ['add wraps at 2^64', tnumAdd, c(U64_MAX), c(2n), c(1n)],
  ['sub const minus one-bit unknown', tnumSub, c(10n), t(0n, 1n), t(8n, 3n)],
  ['sub wraps below 0', tnumSub, c(0n), c(1n), c(U64_MAX)],
  ['and with a low mask', tnumAnd, t(0n, 0xffn), c(0x0fn), t(0n, 0x0fn)],
  ['and: known 1 with unknown is unknown, known 0 wins', tnumAnd, t(0x10n, 0x0fn), t(0x0n, 0x38n), t(0n, 0x18n)],
  ['or sets known ones', tnumOr, t(0n, 0x0fn), c(0x10n), t(0x10n, 0x0fn)],
  ['or of a known one and unknown bit', tnumOr, t(0n, 1n), c(1n), c(1n)],
  ['xor {1,3} with 3 is {0,2}', tnumXor, t(1n, 2n), c(3n), t(0n, 2n)],
  ['mul consts', tnumMul, c(6n), c(7n), c(42n)],
  ['mul const 3 by {0,1}', tnumMul, c(3n), t(0n, 1n), t(0n, 3n)],
  ['mul by {0,1} unions the partial sums', tnumMul, t(0n, 1n), c(3n), t(0n, 3n)],
  ['mul by 0 is 0', tnumMul, c(0n), TNUM_UNKNOWN, c(0n)],
  ['intersect narrows to common knowledge', tnumIntersect, t(0n, 0xffn), t(0x10n, 0x10fn), t(0x10n, 0x0fn)],
  ['union of 4 and 6', tnumUnion, c(4n), c(6n), t(4n, 2n)],
  ['union with unknown is unknown', tnumUnion, c(4n), TNUM_UNKNOWN, TNUM_UNKNOWN],
];

test('tnum binary operations', () => {
  for (const [name, op, a, b, want] of binary) assert.deepEqual(op(a, b), want, name);
});

const unary: Array<[string, () => Tnum, Tnum]> = [
  ['range [0,255]', () => tnumRange(0n, 255n), t(0n, 0xffn)],
  ['range [16,31]', () => tnumRange(16n, 31n), t(0x10n, 0xfn)],
  ['range [1,2] covers [0,3]', () => tnumRange(1n, 2n), t(0n, 3n)],
  ['range of one value is a constant', () => tnumRange(5n, 5n), c(5n)],
  ['range across bit 63 is unknown', () => tnumRange(0n, U64_MAX), TNUM_UNKNOWN],
  ['lshift', () => tnumLshift(t(1n, 2n), 4), t(0x10n, 0x20n)],
  ['lshift drops bits past 63', () => tnumLshift(t(1n << 63n, 1n << 62n), 1), t(0n, 1n << 63n)],
  ['rshift', () => tnumRshift(t(0x10n, 0x20n), 4), t(1n, 2n)],
  ['arshift 64 copies the sign bit', () => tnumArshift(c(1n << 63n), 4, 64), c(0xf8n << 56n)],
  ['arshift 32 works on the subregister', () => tnumArshift(c(0x80000000n), 4, 32), c(0xf8000000n)],
  ['arshift of an unknown sign bit', () => tnumArshift(t(0n, 1n << 63n), 1, 64), t(0n, 3n << 62n)],
  ['neg 1 is all ones', () => tnumNeg(c(1n)), c(U64_MAX)],
  ['cast to 4 bytes', () => tnumCast(t(0xff00ff00ffn, 0xff00000000n), 4), c(0x00ff00ffn)],
  ['cast to 1 byte', () => tnumCast(t(0x1234n, 0x0f00n), 1), c(0x34n)],
  ['subreg', () => tnumSubreg(t(0x1_0000_0001n, 0xf_0000_0010n)), t(1n, 0x10n)],
  ['with subreg', () => tnumWithSubreg(t(0x1_0000_0000n, 0xffn), c(0x42n)), c(0x1_0000_0042n)],
];

test('tnum constructors, shifts, casts', () => {
  for (const [name, f, want] of unary) assert.deepEqual(f(), want, name);
});

test('tnum predicates', () => {
  const cases: Array<[string, boolean, boolean]> = [
    ['in: constant within byte', tnumIn(t(0n, 0xffn), c(5n)), true],
    ['in: byte not within constant', tnumIn(c(5n), t(0n, 0xffn)), false],
    ['in: sub-tnum', tnumIn(t(0x10n, 0xfn), t(0x12n, 0x1n)), true],
    ['in: known bit disagrees', tnumIn(t(0x10n, 0xfn), t(0x2n, 0x1n)), false],
    ['aligned to 16', tnumIsAligned(t(0x10n, 0x20n), 16), true],
    ['not aligned to 16', tnumIsAligned(t(0x10n, 0x8n), 16), false],
    ['size 0 is always aligned', tnumIsAligned(TNUM_UNKNOWN, 0), true],
    ['equals const', tnumEqualsConst(c(7n), 7n), true],
    ['equals const modulo 2^64', tnumEqualsConst(c(U64_MAX), -1n), true],
    ['unknown is not a const', tnumEqualsConst(t(0n, 1n), 0n), false],
    ['contains', tnumContains(t(0x10n, 0x3n), 0x13n), true],
    ['does not contain', tnumContains(t(0x10n, 0x3n), 0x14n), false],
    ['overlap when known bits agree', tnumOverlap(t(1n, 2n), t(3n, 0n)), true],
    ['no overlap when a known bit differs', tnumOverlap(t(1n, 2n), c(2n)), false],
  ];
  for (const [name, got, want] of cases) assert.equal(got, want, name);
});

test('tnum printing', () => {
  assert.equal(formatTnum(t(0n, 0xffn)), '(0x0; 0xff)');
  assert.equal(formatTnum(TNUM_UNKNOWN), '(0x0; 0xffffffffffffffff)');
  assert.equal(tnumToBinary(t(0b10n, 0b1n)).slice(-4), '001x');
  assert.equal(tnumToBinary(t(0b10n, 0b1n)).length, 64);
});
