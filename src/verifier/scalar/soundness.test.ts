/**
 * Seeded soundness properties: for random abstract values and concrete
 * members of them, the concrete result of every operation (RFC 9669
 * semantics, computed exactly with BigInt) is a member of the abstract result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AluName, JumpCondition, Width } from '../../isa/instruction.js';
import { aluScalar, concreteAlu, concreteEndian, endianScalar } from './alu.js';
import { concreteCondition, isBranchTaken, refineBranch } from './branch.js';
import { formatScalar } from './format.js';
import {
  type Scalar, boundsSync, boundsViolation, clone, constScalar, scalarContains, scalarWithin, unknownScalar,
} from './scalar.js';
import {
  type Tnum, U64_MAX, tnumAdd, tnumAnd, tnumArshift, tnumContains, tnumIntersect, tnumLshift, tnumMul, tnumNeg,
  tnumOr, tnumRshift, tnumSub, tnumUnion, tnumXor,
} from './tnum.js';

/** mulberry32: small, seeded, reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0);
  };
  const int = (n: number): number => next() % n;
  const u64 = (): bigint => (BigInt(next()) << 32n) | BigInt(next());
  /** Values near the edges where bounds logic breaks: 0, ±1, powers of two, sign bits. */
  const value = (): bigint => {
    switch (int(6)) {
      case 0: return BigInt(int(16));
      case 1: return BigInt.asUintN(64, -BigInt(int(16)));
      case 2: return BigInt.asUintN(64, (1n << BigInt(int(64))) + BigInt(int(5)) - 2n);
      case 3: return u64() & ((1n << BigInt(1 + int(64))) - 1n);
      case 4: return BigInt.asUintN(64, BigInt.asIntN(32, BigInt(next())));
      default: return u64();
    }
  };
  return { int, u64, value };
}
type Rng = ReturnType<typeof rng>;

const bmin = (a: bigint, b: bigint) => (a < b ? a : b);
const bmax = (a: bigint, b: bigint) => (a > b ? a : b);

/** An abstract value built around the concrete x, so that x is one of its members. */
function basePair(r: Rng): [Scalar, bigint] {
  const x = r.value();
  const y = r.value();
  const s = clone(unknownScalar());
  switch (r.int(7)) {
    case 0: return [constScalar(x), x];
    case 1: return [unknownScalar(), x];
    case 2: s.umin = bmin(x, y); s.umax = bmax(x, y); break;
    case 3: {
      const sx = BigInt.asIntN(64, x);
      const sy = BigInt.asIntN(64, y);
      s.smin = bmin(sx, sy); s.smax = bmax(sx, sy); break;
    }
    case 4: {
      const mask = r.u64() & r.u64() & (r.int(2) ? r.u64() : U64_MAX);
      s.varOff = { value: x & ~mask & U64_MAX, mask };
      break;
    }
    case 5: {
      const lo = BigInt.asUintN(32, x);
      const other = BigInt.asUintN(32, y);
      s.umin32 = bmin(lo, other); s.umax32 = bmax(lo, other); break;
    }
    default: {
      const lo = BigInt.asIntN(32, x);
      const other = BigInt.asIntN(32, y);
      s.smin32 = bmin(lo, other); s.smax32 = bmax(lo, other); break;
    }
  }
  boundsSync(s);
  return [s, x];
}

const ALU_OPS: readonly AluName[] = [
  'add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'smod', 'xor', 'mov',
  'movsx8', 'movsx16', 'movsx32', 'arsh',
];
const CONDITIONS: readonly JumpCondition[] = [
  'jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle',
];

/** A pair from a base pair run through up to `depth` random operations and branch refinements. */
function pair(r: Rng, depth: number): [Scalar, bigint] {
  if (depth === 0 || r.int(3) === 0) return basePair(r);
  const [a, x] = pair(r, depth - 1);
  const [b, y] = pair(r, depth - 1);
  const width: Width = r.int(2) ? 64 : 32;
  if (r.int(2)) {
    const op = ALU_OPS[r.int(ALU_OPS.length)]!;
    if (op === 'movsx32' && width === 32) return [a, x];
    return [aluScalar(op, width, a, b), concreteAlu(op, width, x, y)];
  }
  const cond = CONDITIONS[r.int(CONDITIONS.length)]!;
  const edges = refineBranch(cond, width, a, b);
  const edge = concreteCondition(cond, width, x, y) ? edges.taken : edges.notTaken;
  return edge ? [edge.dst, x] : [a, x];
}

const show = (s: Scalar, x: bigint) => `${formatScalar(s)} ∌ 0x${x.toString(16)}`;

test('ALU results contain the concrete results (seeded)', () => {
  const r = rng(0x5eed);
  let checked = 0;
  for (let i = 0; i < 1500; i++) {
    const [a, x] = pair(r, 2);
    const [b, y] = pair(r, 2);
    assert.ok(scalarContains(a, x), show(a, x));
    assert.ok(scalarContains(b, y), show(b, y));
    for (const op of ALU_OPS) {
      for (const width of [32, 64] as const) {
        if (op === 'movsx32' && width === 32) continue;
        const got = aluScalar(op, width, a, b);
        const want = concreteAlu(op, width, x, y);
        if (!scalarContains(got, want)) {
          assert.fail(`${op}${width}(${formatScalar(a)} ∋ 0x${x.toString(16)}, ${formatScalar(b)} ∋ 0x${y.toString(16)}) = ${show(got, want)}`);
        }
        assert.equal(boundsViolation(got), undefined, `${op}${width}: ${formatScalar(got)}`);
        checked++;
      }
    }
    for (const order of ['le', 'be', 'swap'] as const) {
      for (const bits of [16, 32, 64] as const) {
        const got = endianScalar(order, bits, a);
        const want = concreteEndian(order, bits, x);
        assert.ok(scalarContains(got, want), `${order}${bits}(${formatScalar(a)} ∋ 0x${x.toString(16)}) = ${show(got, want)}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 50000);
});

test('branch decisions and refinements agree with concrete outcomes (seeded)', () => {
  const r = rng(0xb4a7c4);
  for (let i = 0; i < 1500; i++) {
    const [a, x] = pair(r, 2);
    // Half the time compare with a constant, as most programs do.
    const [b, y] = r.int(2) ? pair(r, 2) : ((v) => [constScalar(v), v] as [Scalar, bigint])(r.value());
    for (const cond of CONDITIONS) {
      for (const width of [32, 64] as const) {
        const holds = concreteCondition(cond, width, x, y);
        const decided = isBranchTaken(cond, width, a, b);
        const where = `${cond}${width}(${formatScalar(a)} ∋ 0x${x.toString(16)}, ${formatScalar(b)} ∋ 0x${y.toString(16)})`;
        assert.ok(decided === 'unknown' || (decided === 'taken') === holds, `${where}: decided ${decided}, concrete ${holds}`);
        const edges = refineBranch(cond, width, a, b);
        const edge = holds ? edges.taken : edges.notTaken;
        assert.ok(edge !== undefined, `${where}: the followed edge is dead`);
        assert.ok(scalarContains(edge.dst, x), `${where}: dst ${show(edge.dst, x)}`);
        assert.ok(scalarContains(edge.src, y), `${where}: src ${show(edge.src, y)}`);
      }
    }
  }
});

test('scalarWithin: a state covers its members and its refinements', () => {
  const r = rng(42);
  for (let i = 0; i < 500; i++) {
    const [a, x] = pair(r, 2);
    assert.ok(scalarWithin(a, a));
    assert.ok(scalarWithin(unknownScalar(), a));
    assert.ok(scalarWithin(a, constScalar(x)), `${show(a, x)}`);
  }
  assert.equal(scalarWithin(constScalar(1n), unknownScalar()), false);
});

function tnumPair(r: Rng): [Tnum, bigint] {
  const x = r.value();
  const mask = r.u64() & (r.int(2) ? r.u64() : U64_MAX) & (r.int(2) ? 0xffn : U64_MAX);
  return [{ value: x & ~mask & U64_MAX, mask }, x];
}

test('tnum operations contain the concrete results (seeded)', () => {
  const r = rng(7);
  const w = (v: bigint) => BigInt.asUintN(64, v);
  for (let i = 0; i < 3000; i++) {
    const [a, x] = tnumPair(r);
    const [b, y] = tnumPair(r);
    const s = r.int(64);
    const checks: Array<[string, Tnum, bigint]> = [
      ['add', tnumAdd(a, b), w(x + y)],
      ['sub', tnumSub(a, b), w(x - y)],
      ['mul', tnumMul(a, b), w(x * y)],
      ['and', tnumAnd(a, b), x & y],
      ['or', tnumOr(a, b), x | y],
      ['xor', tnumXor(a, b), x ^ y],
      ['neg', tnumNeg(a), w(-x)],
      ['lshift', tnumLshift(a, s), w(x << BigInt(s))],
      ['rshift', tnumRshift(a, s), x >> BigInt(s)],
      ['arshift64', tnumArshift(a, s, 64), w(BigInt.asIntN(64, x) >> BigInt(s))],
      ['arshift32', tnumArshift({ value: a.value & 0xffffffffn, mask: a.mask & 0xffffffffn }, s % 32, 32),
        BigInt.asUintN(32, BigInt.asIntN(32, x) >> BigInt(s % 32))],
      ['union', tnumUnion(a, b), r.int(2) ? x : y],
      ['intersect', tnumIntersect(a, { value: x & ~b.mask & U64_MAX, mask: b.mask }), x],
    ];
    for (const [name, t, v] of checks) {
      assert.ok(tnumContains(t, v), `${name}: (${a.value}, ${a.mask}) op (${b.value}, ${b.mask}) ∌ ${v}`);
      assert.equal(t.value & t.mask, 0n, `${name}: value and mask overlap`);
    }
  }
});
