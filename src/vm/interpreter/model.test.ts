/**
 * The int32-halves arithmetic and comparisons checked against a direct BigInt model of RFC
 * 9669 on edge values and pseudo-random operands, for every ALU operation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AluOp, Class, JmpOp, Source, make, makeLddw } from '../../isa/index.js';
import { Interpreter } from './index.js';

const u64 = (x: bigint) => BigInt.asUintN(64, x);
const u32 = (x: bigint) => BigInt.asUintN(32, x);
const s64 = (x: bigint) => BigInt.asIntN(64, x);
const s32 = (x: bigint) => BigInt.asIntN(32, x);

/** name → [opcode field, offset, model(dst, src) for 64 bits, model for 32 bits]. */
const MODEL: Record<string, [number, number, (a: bigint, b: bigint) => bigint, (a: bigint, b: bigint) => bigint]> = {
  add: [AluOp.ADD, 0, (a, b) => u64(a + b), (a, b) => u32(a + b)],
  sub: [AluOp.SUB, 0, (a, b) => u64(a - b), (a, b) => u32(a - b)],
  mul: [AluOp.MUL, 0, (a, b) => u64(a * b), (a, b) => u32(a * b)],
  div: [AluOp.DIV, 0, (a, b) => (b === 0n ? 0n : a / b), (a, b) => (u32(b) === 0n ? 0n : u32(a) / u32(b))],
  sdiv: [AluOp.DIV, 1, (a, b) => (b === 0n ? 0n : u64(s64(a) / s64(b))), (a, b) => (u32(b) === 0n ? 0n : u32(s32(a) / s32(b)))],
  mod: [AluOp.MOD, 0, (a, b) => (b === 0n ? a : a % b), (a, b) => (u32(b) === 0n ? u32(a) : u32(a) % u32(b))],
  smod: [AluOp.MOD, 1, (a, b) => (b === 0n ? a : u64(s64(a) % s64(b))), (a, b) => (u32(b) === 0n ? u32(a) : u32(s32(a) % s32(b)))],
  or: [AluOp.OR, 0, (a, b) => a | b, (a, b) => u32(a | b)],
  and: [AluOp.AND, 0, (a, b) => a & b, (a, b) => u32(a & b)],
  xor: [AluOp.XOR, 0, (a, b) => a ^ b, (a, b) => u32(a ^ b)],
  lsh: [AluOp.LSH, 0, (a, b) => u64(a << (b & 63n)), (a, b) => u32(a << (b & 31n))],
  rsh: [AluOp.RSH, 0, (a, b) => a >> (b & 63n), (a, b) => u32(a) >> (b & 31n)],
  arsh: [AluOp.ARSH, 0, (a, b) => u64(s64(a) >> (b & 63n)), (a, b) => u32(s32(a) >> (b & 31n))],
  mov: [AluOp.MOV, 0, (_a, b) => b, (_a, b) => u32(b)],
};

const EDGES = [0n, 1n, 2n, 3n, 7n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n,
  0xffffffffn, 0x100000000n, 0x1_00000001n, 0x7fffffff_ffffffffn, 0x80000000_00000000n, 0xffffffff_ffffffffn,
  0xffffffff_80000000n, 0x12345678_9abcdef0n, u64(-2n), u64(-7n), 31n, 32n, 33n, 63n, 64n, 65n];

function* operands(): Generator<[bigint, bigint]> {
  for (const a of EDGES) for (const b of EDGES) yield [a, b];
  let x = 0x9e3779b97f4a7c15n;
  const next = () => (x = u64(x * 6364136223846793005n + 1442695040888963407n));
  for (let i = 0; i < 300; i++) {
    const a = next();
    const b = next();
    yield [a, i % 3 === 0 ? b >> 40n : i % 3 === 1 ? s64(b) < 0n ? b : b & 0xffffffffn : b];
  }
}

for (const [name, [op, offset, model64, model32]] of Object.entries(MODEL)) {
  for (const width of [64, 32] as const) {
    test(`alu model: ${name}${width === 32 ? '32' : ''} agrees with BigInt on edges and random operands`, () => {
      const cls = width === 64 ? Class.ALU64 : Class.ALU;
      const vm = new Interpreter([
        make(Class.ALU64 | Source.X | AluOp.MOV, 0, 1, 0, 0),
        make(cls | Source.X | op, 0, 2, offset, 0),
        make(Class.JMP | JmpOp.EXIT, 0, 0, 0, 0),
      ]);
      const model = width === 64 ? model64 : model32;
      for (const [a, b] of operands()) {
        const got = vm.run({ registers: [undefined, a, b] }).r0;
        assert.equal(got, model(a, b), `${name}${width === 32 ? '32' : ''} 0x${a.toString(16)}, 0x${b.toString(16)}`);
      }
    });
  }
}

test('alu model: lddw then neg agrees with BigInt', () => {
  for (const a of EDGES) {
    const r0 = new Interpreter([...makeLddw(0, a), make(Class.ALU64 | AluOp.NEG, 0, 0, 0, 0),
      make(Class.JMP | JmpOp.EXIT, 0, 0, 0, 0)]).run().r0;
    assert.equal(r0, u64(-a));
  }
});

const JUMPS: Record<string, [number, (a: bigint, b: bigint) => boolean]> = {
  jeq: [JmpOp.JEQ, (a, b) => a === b], jne: [JmpOp.JNE, (a, b) => a !== b], jset: [JmpOp.JSET, (a, b) => (a & b) !== 0n],
  jgt: [JmpOp.JGT, (a, b) => a > b], jge: [JmpOp.JGE, (a, b) => a >= b], jlt: [JmpOp.JLT, (a, b) => a < b], jle: [JmpOp.JLE, (a, b) => a <= b],
  jsgt: [JmpOp.JSGT, (a, b) => s64(a) > s64(b)], jsge: [JmpOp.JSGE, (a, b) => s64(a) >= s64(b)],
  jslt: [JmpOp.JSLT, (a, b) => s64(a) < s64(b)], jsle: [JmpOp.JSLE, (a, b) => s64(a) <= s64(b)],
};

for (const [name, [op, model]] of Object.entries(JUMPS)) {
  for (const width of [64, 32] as const) {
    test(`jump model: ${name}${width === 32 ? '32' : ''} agrees with BigInt`, () => {
      const vm = new Interpreter([
        make((width === 64 ? Class.JMP : Class.JMP32) | Source.X | op, 1, 2, 2, 0),
        make(Class.ALU64 | AluOp.MOV, 0, 0, 0, 0),
        make(Class.JMP | JmpOp.EXIT, 0, 0, 0, 0),
        make(Class.ALU64 | AluOp.MOV, 0, 0, 0, 1),
        make(Class.JMP | JmpOp.EXIT, 0, 0, 0, 0),
      ]);
      // 32-bit jumps compare the low halves, sign-extended for the signed conditions.
      const narrow = (x: bigint) => (width === 64 ? x : name.startsWith('js') ? u64(s32(x)) : u32(x));
      for (const [a, b] of operands()) {
        const taken = vm.run({ registers: [undefined, a, b] }).r0 === 1n;
        assert.equal(taken, model(narrow(a), narrow(b)), `${name} 0x${a.toString(16)}, 0x${b.toString(16)}`);
      }
    });
  }
}
