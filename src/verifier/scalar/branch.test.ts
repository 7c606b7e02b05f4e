import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JumpCondition, Width } from '../../isa/instruction.js';
import { type BranchOutcome, isBranchTaken, refineBranch } from './branch.js';
import { formatScalar } from './format.js';
import { type Scalar, constScalar, rangeScalar, unknownScalar } from './scalar.js';

const U = unknownScalar();
const c = constScalar;
const t = (value: bigint, mask: bigint): Scalar => {
  // A scalar with only a tnum known, synced as the kernel would.
  return refineBranch('jeq', 64, U, { ...U, varOff: { value, mask }, umin: value, umax: value | mask }).taken!.dst;
};

const decided: Array<[string, JumpCondition, Width, Scalar, Scalar, BranchOutcome]> = [
  ['jgt above', 'jgt', 64, rangeScalar(10n, 20n), c(5n), 'taken'],
  ['jgt at most', 'jgt', 64, rangeScalar(10n, 20n), c(20n), 'not-taken'],
  ['jgt straddling', 'jgt', 64, rangeScalar(10n, 20n), c(15n), 'unknown'],
  ['jge', 'jge', 64, rangeScalar(10n, 20n), c(10n), 'taken'],
  ['jlt', 'jlt', 64, rangeScalar(10n, 20n), c(10n), 'not-taken'],
  ['jle', 'jle', 64, rangeScalar(10n, 20n), c(20n), 'taken'],
  ['jsgt negative vs 0', 'jsgt', 64, rangeScalar(-10n, -1n), c(0n), 'not-taken'],
  ['jslt negative vs 0', 'jslt', 64, rangeScalar(-10n, -1n), c(0n), 'taken'],
  ['jsge', 'jsge', 64, rangeScalar(-10n, 10n), c(-10n), 'taken'],
  ['jsle', 'jsle', 64, rangeScalar(-10n, 10n), c(-11n), 'not-taken'],
  ['jeq constants', 'jeq', 64, c(5n), c(5n), 'taken'],
  ['jne constants', 'jne', 64, c(5n), c(5n), 'not-taken'],
  ['jeq disjoint ranges', 'jeq', 64, rangeScalar(0n, 4n), c(5n), 'not-taken'],
  ['jeq disjoint known bits ({1,3} vs 2)', 'jeq', 64, t(1n, 2n), c(2n), 'not-taken'],
  ['jset of a known bit', 'jset', 64, t(0x10n, 0x0fn), c(0x10n), 'taken'],
  ['jset of a known-zero bit', 'jset', 64, t(0x10n, 0x0fn), c(0x20n), 'not-taken'],
  ['jset of an unknown bit', 'jset', 64, t(0x10n, 0x0fn), c(1n), 'unknown'],
  ['jset with the constant on the left', 'jset', 64, c(0x10n), t(0x10n, 0x0fn), 'taken'],
  ['jeq32 ignores the upper half', 'jeq', 32, c(0x1_0000_0005n), c(5n), 'taken'],
  ['jeq64 sees it', 'jeq', 64, c(0x1_0000_0005n), c(5n), 'not-taken'],
  ['jeq64 decided by the 32-bit ranges', 'jeq', 64, rangeScalar(0x1_0000_0000n, 0x1_0000_0004n), rangeScalar(5n, 0x1_0000_0005n), 'unknown'],
  ['jgt32 on the low half', 'jgt', 32, c(0x1_0000_0001n), c(2n), 'not-taken'],
];

test('isBranchTaken decides what the kernel decides', () => {
  for (const [name, cond, width, dst, src, want] of decided) assert.equal(isBranchTaken(cond, width, dst, src), want, name);
});

// Each row: condition, width, dst, src, then the printed dst on the taken and the not-taken edge ('dead' if absent).
const refined: Array<[string, JumpCondition, Width, Scalar, Scalar, string, string]> = [
  ['jlt 16', 'jlt', 64, U, c(16n), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))', 'scalar(umin=16)'],
  ['jgt 15 (swapped operands internally)', 'jgt', 64, U, c(15n), 'scalar(umin=16)', 'scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))'],
  ['jeq 7', 'jeq', 64, U, c(7n), '7', 'scalar()'],
  ['jne at the edge of a range', 'jne', 64, rangeScalar(0n, 10n), c(10n),
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=9,var_off=(0x0; 0xf))', '10'],
  ['jset of one bit sets it', 'jset', 64, rangeScalar(0n, 7n), c(4n),
    'scalar(smin=umin=smin32=umin32=4,smax=umax=smax32=umax32=7,var_off=(0x4; 0x3))', 'scalar(smin=smin32=0,smax=umax=smax32=umax32=3,var_off=(0x0; 0x3))'],
  ['jset of two bits learns nothing when taken', 'jset', 64, rangeScalar(0n, 7n), c(6n),
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))', 'scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1))'],
  ['jsgt32 -3', 'jsgt', 32, U, c(-3n), 'scalar(smin32=-2)',
    'scalar(smin=0x8000000080000000,smax=0x7ffffffffffffffd,umin=umin32=0x80000000,umax=0xfffffffffffffffd,smax32=-3,umax32=0xfffffffd,var_off=(0x80000000; 0xffffffff7fffffff))'],
  ['jsge 0', 'jsge', 64, U, c(0n), 'scalar(smin=0,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff))', 'scalar(smax=-1,umin=0x8000000000000000,var_off=(0x8000000000000000; 0x7fffffffffffffff))'],
  ['decided branch keeps one edge', 'jgt', 64, rangeScalar(10n, 20n), c(5n),
    'scalar(smin=umin=smin32=umin32=10,smax=umax=smax32=umax32=20,var_off=(0x0; 0x1f))', 'dead'],
];

test('refineBranch narrows both edges as the kernel does', () => {
  for (const [name, cond, width, dst, src, taken, notTaken] of refined) {
    const edges = refineBranch(cond, width, dst, src);
    assert.equal(edges.taken ? formatScalar(edges.taken.dst) : 'dead', taken, `${name}: taken`);
    assert.equal(edges.notTaken ? formatScalar(edges.notTaken.dst) : 'dead', notTaken, `${name}: not taken`);
  }
});

test('both operands are refined', () => {
  const { taken, notTaken } = refineBranch('jlt', 64, rangeScalar(5n, 50n), rangeScalar(0n, 30n));
  assert.equal(taken!.dst.umax, 29n);
  assert.equal(taken!.src.umin, 6n);
  assert.equal(notTaken!.src.umax, 30n);
  assert.equal(notTaken!.dst.umin, 5n);
});

test('comparing a register with itself refines it as both operands, as Linux 6.18 does', () => {
  const r = rangeScalar(0n, 10n);
  const { taken, notTaken } = refineBranch('jset', 64, r, r, true);
  assert.equal(formatScalar(taken!.dst), formatScalar(r));
  assert.equal(formatScalar(notTaken!.dst), formatScalar(r));
  // Observed on the kernel: `if w7 >= w7` falls through (w7 < w7) with w7 in [1, 0xfffffffe].
  const fallthrough = refineBranch('jge', 32, U, U, true).notTaken!;
  assert.equal(formatScalar(fallthrough.dst),
    'scalar(smin=0x8000000000000001,smax=0x7ffffffffffffffe,umin=umin32=1,umax=0xfffffffffffffffe,umax32=0xfffffffe)');
  assert.equal(fallthrough.src, fallthrough.dst);
  assert.equal(formatScalar(refineBranch('jsle', 32, U, U, true).notTaken!.dst), 'scalar(smin32=0x80000001,smax32=0x7ffffffe)');
});
