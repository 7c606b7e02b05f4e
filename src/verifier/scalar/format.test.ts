import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatScalar } from './format.js';
import { type Scalar, constScalar, rangeScalar, unknownScalar } from './scalar.js';
import { U64_MAX } from './tnum.js';

const cases: Array<[string, Scalar, string]> = [
  ['unknown', unknownScalar(), 'scalar()'],
  ['small constant', constScalar(42n), '42'],
  ['negative constant', constScalar(-1n), '-1'],
  ['u64 max is -1', constScalar(U64_MAX), '-1'],
  ['large constant in hex', constScalar(0x7fffffffffffffffn), '0x7fffffffffffffff'],
  ['16-bit limit stays decimal', constScalar(32767n), '32767'],
  ['above it goes hex', constScalar(32768n), '0x8000'],
  ['byte range shares equal bounds', rangeScalar(0n, 255n),
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))'],
  ['positive range', rangeScalar(1n, 256n),
    'scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=256,var_off=(0x0; 0x1ff))'],
  ['unsigned upper bound above the decimal limit', rangeScalar(0n, 0xffffffffn),
    'scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))'],
  ['negative range does not share with unsigned bounds', rangeScalar(-10n, -1n),
    'scalar(smin=smin32=-10,smax=smax32=-1,umin=0xfffffffffffffff6,umin32=0xfffffff6,var_off=(0xfffffffffffffff0; 0xf))'],
  ['signed range across zero', rangeScalar(-10n, 10n), 'scalar(smin=smin32=-10,smax=smax32=10)'],
];

test('scalars print as in the kernel log', () => {
  for (const [name, s, want] of cases) assert.equal(formatScalar(s), want, name);
});

test('precise scalars are prefixed with P', () => {
  assert.equal(formatScalar(constScalar(3n), true), 'P3');
  assert.equal(formatScalar(unknownScalar(), true), 'Pscalar()');
});
