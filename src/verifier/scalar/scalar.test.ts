import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatScalar } from './format.js';
import {
  S64_MIN, boundsViolation, constScalar, isConst, isConst32, makeScalar, rangeScalar, scalarContains,
  scalarWithin, signExtendScalar, unknownScalar, zeroExtend32, zeroExtendScalar,
} from './scalar.js';

test('constructors', () => {
  const cases: Array<[string, string, string]> = [
    ['unsigned bound teaches the tnum', formatScalar(makeScalar({ umax: 0xffffn })), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))'],
    ['tnum teaches the bounds', formatScalar(makeScalar({ varOff: { value: 0x10n, mask: 0x0fn } })), 'scalar(smin=umin=smin32=umin32=16,smax=umax=smax32=umax32=31,var_off=(0x10; 0xf))'],
    ['single-value range is a constant', formatScalar(rangeScalar(7n, 7n)), '7'],
    ['negative constant', formatScalar(constScalar(-5n)), '-5'],
  ];
  for (const [name, got, want] of cases) assert.equal(got, want, name);
  assert.equal(isConst(constScalar(3n)), true);
  assert.equal(isConst(rangeScalar(3n, 4n)), false);
  assert.equal(isConst32(makeScalar({ varOff: { value: 5n, mask: 0xffn << 32n } })), true);
});

test('extensions', () => {
  const cases: Array<[string, string, string]> = [
    ['zext32 of -1', formatScalar(zeroExtend32(constScalar(-1n))), '0xffffffff'],
    ['zext32 of a signed range across 0 keeps only what the low half says', formatScalar(zeroExtend32(rangeScalar(-1n, 1n))),
      'scalar(smin=0,smax=umax=0xffffffff,smin32=-1,smax32=1,var_off=(0x0; 0xffffffff))'],
    ['zero-extending byte load of [0x100, 0x1ff]', formatScalar(zeroExtendScalar(rangeScalar(0x100n, 0x1ffn), 1)), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))'],
    ['zero-extending byte load of [0x100, 0x2ff] loses the bounds', formatScalar(zeroExtendScalar(rangeScalar(0x105n, 0x2ffn), 1)), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))'],
    ['sign-extending halfword load of 0xffff', formatScalar(signExtendScalar(constScalar(0xffffn), 2)), '-1'],
  ];
  for (const [name, got, want] of cases) assert.equal(got, want, name);
});

test('consistency and containment', () => {
  assert.equal(boundsViolation(rangeScalar(0n, 10n)), undefined);
  assert.equal(boundsViolation({ ...unknownScalar(), umin: 5n, umax: 4n }), 'range bounds violation');
  assert.equal(boundsViolation({ ...constScalar(5n), umax: 6n }), 'const tnum out of sync with range bounds');
  assert.equal(scalarContains(rangeScalar(-3n, 3n), -2n), true);
  assert.equal(scalarContains(rangeScalar(-3n, 3n), 4n), false);
  assert.equal(scalarContains(unknownScalar(), S64_MIN), true);
  assert.equal(scalarWithin(rangeScalar(0n, 10n), rangeScalar(2n, 5n)), true);
  assert.equal(scalarWithin(rangeScalar(2n, 5n), rangeScalar(0n, 10n)), false);
  // Bounds inside but a known bit that differs: not within.
  assert.equal(scalarWithin(makeScalar({ varOff: { value: 0n, mask: 0xen } }), constScalar(1n)), false);
});
