import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AluName, Width } from '../../isa/instruction.js';
import { aluScalar, immScalar, isTrackedAluOp } from './alu.js';
import { formatScalar } from './format.js';
import { type Scalar, boundsViolation, constScalar, rangeScalar, scalarEquals, unknownScalar } from './scalar.js';

const U = unknownScalar();

// Expected results worked out by hand from Linux 6.18's adjust_scalar_min_max_vals, printed as its log would.
const cases: Array<[string, AluName, Width, Scalar, Scalar, string]> = [
  ['and with a byte mask', 'and', 64, U, immScalar(0xff), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))'],
  ['32-bit mov zero-extends', 'mov', 32, U, U, 'scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))'],
  ['64-bit mov copies', 'mov', 64, U, rangeScalar(3n, 9n), 'scalar(smin=umin=smin32=umin32=3,smax=umax=smax32=umax32=9,var_off=(0x0; 0xf))'],
  ['mov imm 32 of -1', 'mov', 32, U, immScalar(-1), '0xffffffff'],
  ['mov imm 64 of -1 sign-extends', 'mov', 64, U, immScalar(-1), '-1'],
  ['rsh by 60', 'rsh', 64, U, immScalar(60), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))'],
  ['arsh by 60', 'arsh', 64, U, immScalar(60), 'scalar(smin=smin32=-8,smax=smax32=7)'],
  ['add constants', 'add', 64, constScalar(5n), immScalar(3), '8'],
  ['add 1 to a byte', 'add', 64, rangeScalar(0n, 255n), immScalar(1), 'scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=256,var_off=(0x0; 0x1ff))'],
  ['sub two ranges: unsigned underflow in part loses u64 bounds', 'sub', 64, rangeScalar(0n, 10n), rangeScalar(0n, 10n), 'scalar(smin=smin32=-10,smax=smax32=10)'],
  ['32-bit add where every sum wraps keeps the bounds', 'add', 32, rangeScalar(0xfffffff0n, 0xffffffffn), immScalar(0x20), 'scalar(smin=umin=smin32=umin32=16,smax=umax=smax32=umax32=31,var_off=(0x10; 0xf))'],
  ['mul of small ranges', 'mul', 64, rangeScalar(1n, 10n), rangeScalar(3n, 4n), 'scalar(smin=umin=smin32=umin32=3,smax=umax=smax32=umax32=40,var_off=(0x0; 0x3f))'],
  ['neg of a positive range', 'neg', 64, rangeScalar(1n, 10n), U, 'scalar(smin=smin32=-10,smax=smax32=-1,umin=0xfffffffffffffff6,umin32=0xfffffff6,var_off=(0xfffffffffffffff0; 0xf))'],
  ['neg of a constant', 'neg', 64, constScalar(5n), U, '-5'],
  ['32-bit neg of 5', 'neg', 32, constScalar(5n), U, '0xfffffffb'],
  ['lsh 32 of a non-negative 32-bit value keeps the sign', 'lsh', 64, rangeScalar(0n, 7n), immScalar(32), 'scalar(smin=smin32=0,smax=umax=0x700000000,smax32=umax32=0,var_off=(0x0; 0x700000000))'],
  ['movsx8 of a byte that may be negative', 'movsx8', 64, U, rangeScalar(0n, 200n), 'scalar(smin=smin32=-128,smax=smax32=127)'],
  ['movsx8 of a small non-negative range', 'movsx8', 64, U, rangeScalar(0n, 100n), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=100,var_off=(0x0; 0x7f))'],
  ['movsx8 of a constant', 'movsx8', 64, U, constScalar(0x80n), '-128'],
  ['32-bit movsx16 of a constant zero-extends', 'movsx16', 32, U, constScalar(0x8000n), '0xffff8000'],
  ['or sets a bit', 'or', 64, rangeScalar(0n, 15n), immScalar(0x10), 'scalar(smin=umin=smin32=umin32=16,smax=umax=smax32=umax32=31,var_off=(0x10; 0xf))'],
  ['xor constants', 'xor', 64, constScalar(0xf0n), immScalar(0xff), '15'],
];

test('ALU transfer functions match the kernel', () => {
  for (const [name, op, width, dst, src, want] of cases) {
    const got = aluScalar(op, width, dst, src);
    assert.equal(formatScalar(got), want, name);
    assert.equal(boundsViolation(got), undefined, `${name}: consistent`);
  }
});

const untracked: Array<[string, AluName, Width, Scalar]> = [
  ['division', 'div', 64, constScalar(3n)],
  ['32-bit division is not even zero-extended', 'div', 32, constScalar(3n)],
  ['signed modulo', 'smod', 64, constScalar(3n)],
  ['shift by an unknown amount', 'lsh', 64, rangeScalar(1n, 2n)],
  ['shift by the width', 'rsh', 64, immScalar(64)],
  ['32-bit shift by 32', 'arsh', 32, immScalar(32)],
  ['32-bit shift whose upper half is unknown', 'lsh', 32, rangeScalar(0x1_0000_0001n, 0x2_0000_0001n)],
];

test('operations the kernel does not track give unknown', () => {
  for (const [name, op, width, src] of untracked) {
    assert.equal(isTrackedAluOp(op, width, src), false, name);
    assert.ok(scalarEquals(aluScalar(op, width, rangeScalar(0n, 100n), src), unknownScalar()), name);
  }
  assert.equal(isTrackedAluOp('lsh', 64, immScalar(63)), true);
  assert.equal(isTrackedAluOp('mul', 32, U), true);
});

test('inputs are not modified', () => {
  const dst = rangeScalar(0n, 10n);
  const before = { ...dst };
  aluScalar('add', 64, dst, immScalar(5));
  aluScalar('neg', 32, dst, U);
  assert.deepEqual(dst, before);
});

test('an operation the ISA lacks is a typed error', () => {
  assert.throws(() => aluScalar('movsx32', 32, U, U), { name: 'ScalarOperationError', code: 'SCALAR_BAD_OPERATION' });
});
