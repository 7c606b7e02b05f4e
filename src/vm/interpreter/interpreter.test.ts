import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelperTable, ProgramExit, type HelperDefinition } from '../../helpers/index.js';
import {
  AluOp, AtomicOp, Class, DecodeError, JmpOp, Mode, Size, Source, type Instruction, make, makeLddw,
} from '../../isa/index.js';
import { AddressSpace } from '../../memory/index.js';
import {
  BudgetExceededError, CallDepthError, Interpreter, MemoryAccessError, PcOutOfRangeError, UnknownHelperError,
  UnsupportedInstructionError, interpret,
} from './index.js';

const U64 = (x: bigint) => BigInt.asUintN(64, x);
const exit = () => make(Class.JMP | JmpOp.EXIT, 0, 0, 0, 0);
/** r0 = a (64-bit), then `op` on r0 with r1 = b (or with the imm b). */
const lddw = (dst: number, v: bigint) => makeLddw(dst, v);
function alu(width: 32 | 64, op: number, a: bigint, b: bigint | number, offset = 0): Instruction[] {
  const cls = width === 64 ? Class.ALU64 : Class.ALU;
  const body = typeof b === 'number'
    ? [make(cls | Source.K | op, 0, 0, offset, b)]
    : [...lddw(1, b), make(cls | Source.X | op, 0, 1, offset, 0)];
  return [...lddw(0, a), ...body, exit()];
}
const run = (program: Instruction[], options = {}) => interpret(program, options).r0;

const M64 = 0xffffffffffffffffn;
const MIN64 = 0x8000000000000000n;
const MIN32 = 0x80000000n;

const aluCases: [string, 32 | 64, number, bigint, bigint | number, bigint, number?][] = [
  ['add64 carry into high half', 64, AluOp.ADD, 0xffffffffn, 1n, 0x100000000n],
  ['add64 wraps', 64, AluOp.ADD, M64, 2n, 1n],
  ['add64 imm sign-extends', 64, AluOp.ADD, 5n, -1, 4n],
  ['add32 zero-extends and wraps', 32, AluOp.ADD, 0x1ffffffffn, 1n, 0n],
  ['sub64 borrow', 64, AluOp.SUB, 0x100000000n, 1n, 0xffffffffn],
  ['sub64 below zero', 64, AluOp.SUB, 0n, 1n, M64],
  ['sub32 below zero', 32, AluOp.SUB, 0n, 1n, 0xffffffffn],
  ['mul64 low 64 bits', 64, AluOp.MUL, 0x123456789abcdefn, 0xfedcba987654321n, U64(0x123456789abcdefn * 0xfedcba987654321n)],
  ['mul64 INT_MIN * -1', 64, AluOp.MUL, MIN64, M64, MIN64],
  ['mul64 negative imm', 64, AluOp.MUL, 3n, -2, U64(-6n)],
  ['mul32 overflow', 32, AluOp.MUL, 0x10000n, 0x10000n, 0n],
  ['div64 by zero', 64, AluOp.DIV, 7n, 0n, 0n],
  ['div64 big', 64, AluOp.DIV, M64, 3n, M64 / 3n],
  ['div64 imm is sign-extended then unsigned', 64, AluOp.DIV, M64, -1, 1n],
  ['div32 uses low half of divisor', 32, AluOp.DIV, 10n, 0x100000000n, 0n],
  ['div32 unsigned', 32, AluOp.DIV, 0xfffffffen, 2n, 0x7fffffffn],
  ['mod64 by zero leaves dst', 64, AluOp.MOD, 0x123456789n, 0n, 0x123456789n],
  ['mod32 by zero keeps the low half', 32, AluOp.MOD, 0x1_0000_0005n, 0n, 5n],
  ['mod64 big', 64, AluOp.MOD, M64, 10n, M64 % 10n],
  ['sdiv64 INT_MIN / -1', 64, AluOp.DIV, MIN64, M64, MIN64, 1],
  ['sdiv64 negative', 64, AluOp.DIV, U64(-7n), 2n, U64(-3n), 1],
  ['sdiv64 by zero', 64, AluOp.DIV, 5n, 0n, 0n, 1],
  ['sdiv64 int32 INT_MIN / -1 is positive', 64, AluOp.DIV, U64(-0x80000000n), M64, 0x80000000n, 1],
  ['sdiv32 INT_MIN / -1', 32, AluOp.DIV, MIN32, -1, MIN32, 1],
  ['sdiv32 negative', 32, AluOp.DIV, U64(-7n), 2, 0xfffffffdn, 1],
  ['smod64 INT_MIN % -1', 64, AluOp.MOD, MIN64, M64, 0n, 1],
  ['smod64 sign of dividend', 64, AluOp.MOD, U64(-7n), 2n, M64, 1],
  ['smod64 by zero leaves dst', 64, AluOp.MOD, U64(-7n), 0n, U64(-7n), 1],
  ['smod32 INT_MIN % -1', 32, AluOp.MOD, MIN32, -1, 0n, 1],
  ['smod32 by zero zero-extends', 32, AluOp.MOD, U64(-7n), 0, 0xfffffff9n, 1],
  ['or64', 64, AluOp.OR, 0xf0000000_0000000fn, 0x0f000000_000000f0n, 0xff000000_000000ffn],
  ['and32 clears high half', 32, AluOp.AND, M64, 0xffn, 0xffn],
  ['xor64 imm', 64, AluOp.XOR, 0n, -1, M64],
  ['lsh64 across halves', 64, AluOp.LSH, 0x80000001n, 1n, 0x100000002n],
  ['lsh64 by 32', 64, AluOp.LSH, 0x12345678n, 32n, 0x1234567800000000n],
  ['lsh64 count masked to 6 bits', 64, AluOp.LSH, 1n, 65n, 2n],
  ['lsh32 count masked to 5 bits', 32, AluOp.LSH, 1n, 33n, 2n],
  ['rsh64 across halves', 64, AluOp.RSH, 0x100000000n, 1n, 0x80000000n],
  ['rsh64 by 63', 64, AluOp.RSH, MIN64, 63n, 1n],
  ['rsh32 logical', 32, AluOp.RSH, 0x80000000n, 31n, 1n],
  ['arsh64 keeps sign', 64, AluOp.ARSH, MIN64, 4n, 0xf800000000000000n],
  ['arsh64 by 40', 64, AluOp.ARSH, MIN64, 40n, 0xffffffffff800000n],
  ['arsh32 keeps sign then zero-extends', 32, AluOp.ARSH, 0x80000000n, 4n, 0xf8000000n],
  ['arsh32 negative count', 32, AluOp.ARSH, 0x80000000n, -1, 0xffffffffn],
  ['neg64', 64, AluOp.NEG, 1n, 0, M64],
  ['neg64 INT_MIN', 64, AluOp.NEG, MIN64, 0, MIN64],
  ['neg64 zero', 64, AluOp.NEG, 0n, 0, 0n],
  ['neg64 carry from low half', 64, AluOp.NEG, 0x100000000n, 0, 0xffffffff00000000n],
  ['neg32 INT_MIN', 32, AluOp.NEG, MIN32, 0, MIN32],
  ['mov64 imm sign-extends', 64, AluOp.MOV, 0n, -2, U64(-2n)],
  ['mov32 zero-extends', 32, AluOp.MOV, 0n, -2, 0xfffffffen],
  ['movsx8 64', 64, AluOp.MOV, 0n, 0x180n, M64 - 0x7fn, 8],
  ['movsx16 64', 64, AluOp.MOV, 0n, 0x8000n, 0xffffffffffff8000n, 16],
  ['movsx32 64', 64, AluOp.MOV, 0n, 0x80000001n, 0xffffffff80000001n, 32],
  ['movsx8 32 zero-extends', 32, AluOp.MOV, 0n, 0x80n, 0xffffff80n, 8],
  ['movsx16 32', 32, AluOp.MOV, 0n, 0x7fffn, 0x7fffn, 16],
];

for (const [name, width, op, a, b, expected, offset] of aluCases) {
  test(`alu: ${name}`, () => {
    assert.equal(run(alu(width, op, a, b, offset)), expected);
  });
}

const endianCases: [string, number, number, bigint, bigint][] = [
  ['le16 truncates', Class.ALU | Source.K | AluOp.END, 16, 0x1122334455667788n, 0x7788n],
  ['le32 truncates', Class.ALU | Source.K | AluOp.END, 32, 0x1122334455667788n, 0x55667788n],
  ['le64 keeps', Class.ALU | Source.K | AluOp.END, 64, 0x1122334455667788n, 0x1122334455667788n],
  ['be16 swaps and truncates', Class.ALU | Source.X | AluOp.END, 16, 0x1122334455667788n, 0x8877n],
  ['be32', Class.ALU | Source.X | AluOp.END, 32, 0x1122334455667788n, 0x88776655n],
  ['be64', Class.ALU | Source.X | AluOp.END, 64, 0x1122334455667788n, 0x8877665544332211n],
  ['bswap16', Class.ALU64 | AluOp.END, 16, 0x1122334455667788n, 0x8877n],
  ['bswap64', Class.ALU64 | AluOp.END, 64, 0x0102030405060708n, 0x0807060504030201n],
];
for (const [name, opcode, bits, value, expected] of endianCases) {
  test(`endian: ${name}`, () => {
    assert.equal(run([...lddw(0, value), make(opcode, 0, 0, 0, bits), exit()]), expected);
  });
}

// Each jump: r0 = 1 if taken, else 0.
function jump(width: 32 | 64, op: number, a: bigint, b: bigint | number): Instruction[] {
  const cls = width === 64 ? Class.JMP : Class.JMP32;
  const cmp = typeof b === 'number'
    ? [make(cls | Source.K | op, 1, 0, 2, b)]
    : [...lddw(2, b), make(cls | Source.X | op, 1, 2, 2, 0)];
  return [...lddw(1, a), ...cmp, make(Class.ALU64 | AluOp.MOV, 0, 0, 0, 0), exit(),
    make(Class.ALU64 | AluOp.MOV, 0, 0, 0, 1), exit()];
}
const jumpCases: [string, 32 | 64, number, bigint, bigint | number, boolean][] = [
  ['jeq high halves differ', 64, JmpOp.JEQ, 0x100000001n, 1n, false],
  ['jeq32 compares low halves', 32, JmpOp.JEQ, 0x100000001n, 1n, true],
  ['jne', 64, JmpOp.JNE, 1n, 2n, true],
  ['jgt unsigned high', 64, JmpOp.JGT, M64, 1n, true],
  ['jgt imm sign-extended', 64, JmpOp.JGT, 0xffffffffn, -1, false],
  ['jge equal', 64, JmpOp.JGE, 5n, 5n, true],
  ['jlt', 64, JmpOp.JLT, 1n, 0x100000000n, true],
  ['jle', 64, JmpOp.JLE, 0x100000000n, 1n, false],
  ['jsgt negative', 64, JmpOp.JSGT, M64, 1n, false],
  ['jsge', 64, JmpOp.JSGE, 0n, M64, true],
  ['jslt', 64, JmpOp.JSLT, MIN64, 0n, true],
  ['jsle low half decides', 64, JmpOp.JSLE, 0xffffffff_00000001n, 0xffffffff_00000002n, true],
  ['jset high half', 64, JmpOp.JSET, 0x100000000n, 0x300000000n, true],
  ['jset none', 64, JmpOp.JSET, 1n, 2n, false],
  ['jgt32 unsigned low', 32, JmpOp.JGT, 0x80000000n, 1n, true],
  ['jsgt32 signed low', 32, JmpOp.JSGT, 0x80000000n, 1n, false],
  ['jslt32 ignores high', 32, JmpOp.JSLT, 0x7fffffff_ffffffffn, 0n, true],
  ['jle32', 32, JmpOp.JLE, 0x5_00000003n, 3, true],
  ['jset32', 32, JmpOp.JSET, 0x1_00000000n, 0x1_00000000n, false],
];
for (const [name, width, op, a, b, taken] of jumpCases) {
  test(`jump: ${name}`, () => {
    assert.equal(run(jump(width, op, a, b)), taken ? 1n : 0n);
  });
}

test('gotol (ja32) jumps by imm', () => {
  const program = [make(Class.JMP32 | JmpOp.JA, 0, 0, 0, 1), make(Class.ALU64 | AluOp.MOV, 0, 0, 0, 1),
    exit()];
  assert.equal(run(program), 0n);
});

test('loads and stores: sizes, sign extension, input memory in r1/r2', () => {
  const ld = (size: number, signed = false) => Class.LDX | (signed ? Mode.MEMSX : Mode.MEM) | size;
  const program = [
    make(ld(Size.DW), 3, 1, 0, 0), // r3 = whole input
    make(ld(Size.B, true), 4, 1, 7, 0), // 0x88 sign-extended
    make(ld(Size.H, true), 5, 1, 0, 0),
    make(ld(Size.W), 6, 1, 4, 0),
    make(Class.STX | Mode.MEM | Size.DW, 10, 3, -8, 0),
    make(Class.ST | Mode.MEM | Size.W, 10, 0, -8, -1), // low word of the stack copy = 0xffffffff
    make(ld(Size.DW), 7, 10, -8, 0),
    make(Class.ST | Mode.MEM | Size.B, 1, 0, 0, 0x1ff), // store truncates
    make(ld(Size.W, true), 8, 1, 4, 0),
    make(Class.ALU64 | Source.X | AluOp.MOV, 0, 2, 0, 0),
    exit(),
  ];
  const bytes = new Uint8Array([0x01, 0x82, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88]);
  const vm = new Interpreter(program);
  const result = vm.run({ memory: bytes });
  assert.equal(result.r0, 8n);
  assert.equal(result.memory?.[0], 0xff);
  assert.equal(result.executed, program.length);
  const probe = (reg: number) => new Interpreter([...program.slice(0, -2),
    make(Class.ALU64 | Source.X | AluOp.MOV, 0, reg, 0, 0), exit()]).run({ memory: bytes }).r0;
  assert.equal(probe(3), 0x8807060504038201n);
  assert.equal(probe(4), U64(-0x78n));
  assert.equal(probe(5), U64(-0x7dffn));
  assert.equal(probe(6), 0x88070605n);
  assert.equal(probe(7), 0x04038201ffffffffn - 0x04038201_00000000n + 0x88070605_00000000n);
  assert.equal(probe(8), U64(-0x77f8f9fbn));
  assert.deepEqual(bytes[0], 0x01, 'the caller\'s buffer is copied, not written');
});

test('no input memory: r1 = r2 = 0', () => {
  const program = [make(Class.ALU64 | Source.X | AluOp.OR, 1, 2, 0, 0), make(Class.ALU64 | Source.X | AluOp.MOV, 0, 1, 0, 0), exit()];
  assert.equal(run(program), 0n);
});

const atomicCases: [string, 4 | 8, number, bigint, bigint, bigint, bigint][] = [
  // name, size, imm, memory before, src, expected memory, expected src after
  ['add64', 8, AtomicOp.ADD, 0xffffffffn, 1n, 0x100000000n, 1n],
  ['fetch add64', 8, AtomicOp.ADD | AtomicOp.FETCH, 5n, 3n, 8n, 5n],
  ['fetch add32 zero-extends the old value', 4, AtomicOp.ADD | AtomicOp.FETCH, 0x1_ffffffffn, 1n, 0x1_00000000n, 0xffffffffn],
  ['or', 8, AtomicOp.OR | AtomicOp.FETCH, 0xf0n, 0x0fn, 0xffn, 0xf0n],
  ['and32', 4, AtomicOp.AND, 0xff00ff00_ffffffffn, 0x0fn, 0xff00ff00_0000000fn, 0x0fn],
  ['xor', 8, AtomicOp.XOR | AtomicOp.FETCH, 0xffn, 0x0fn, 0xf0n, 0xffn],
  ['xchg', 8, AtomicOp.XCHG, 1n, 2n, 2n, 1n],
  ['xchg32', 4, AtomicOp.XCHG, 0xaaaaaaaa_00000001n, M64, 0xaaaaaaaa_ffffffffn, 1n],
];
for (const [name, size, imm, before, operand, after, fetched] of atomicCases) {
  test(`atomic: ${name}`, () => {
    const prologue = [...lddw(1, before), make(Class.STX | Mode.MEM | Size.DW, 10, 1, -8, 0), ...lddw(2, operand),
      make(Class.STX | Mode.ATOMIC | (size === 4 ? Size.W : Size.DW), 10, 2, -8, imm)];
    const read = (reg: number) => run([...prologue, make(Class.LDX | Mode.MEM | Size.DW, 3, 10, -8, 0),
      make(Class.ALU64 | Source.X | AluOp.MOV, 0, reg, 0, 0), exit()]);
    assert.equal(read(3), after);
    assert.equal(read(2), fetched);
  });
}

test('atomic: cmpxchg stores only on a match and returns the old value in r0', () => {
  const cmpxchg = (expected: bigint, size: 4 | 8) => {
    const program = [...lddw(1, 0x1_00000007n), make(Class.STX | Mode.MEM | Size.DW, 10, 1, -8, 0),
      ...lddw(0, expected), make(Class.ALU64 | AluOp.MOV, 2, 0, 0, 9),
      make(Class.STX | Mode.ATOMIC | (size === 4 ? Size.W : Size.DW), 10, 2, -8, AtomicOp.CMPXCHG),
      make(Class.LDX | Mode.MEM | Size.DW, 3, 10, -8, 0), make(Class.ALU64 | Source.X | AluOp.LSH, 3, 0, 0, 0),
      make(Class.ALU64 | Source.K | AluOp.LSH, 0, 0, 0, 0), exit()];
    return { r0: run(program), memory: run([...program.slice(0, -3), make(Class.ALU64 | Source.X | AluOp.MOV, 0, 3, 0, 0), exit()]) };
  };
  assert.deepEqual(cmpxchg(0x1_00000007n, 8), { r0: 0x1_00000007n, memory: 9n });
  assert.deepEqual(cmpxchg(7n, 8), { r0: 0x1_00000007n, memory: 0x1_00000007n });
  assert.deepEqual(cmpxchg(0xff_00000007n, 4), { r0: 7n, memory: 0x1_00000009n });
});

test('lddw loads the full 64-bit immediate and counts once', () => {
  const result = interpret([...lddw(0, 0x1122334455667788n), exit()]);
  assert.deepEqual(result, { r0: 0x1122334455667788n, executed: 2 });
});

test('pseudo lddw: rejected without a resolver, resolved with one', () => {
  const program = [...makeLddw(0, 3n, 1), exit()];
  assert.throws(() => new Interpreter(program), (e: unknown) =>
    e instanceof UnsupportedInstructionError && e.code === 'UNSUPPORTED_INSTRUCTION' && e.index === 0 && /map_fd/.test(e.message));
  assert.equal(interpret(program, { resolveLddw: (insn) => BigInt(insn.imm) * 100n }).r0, 300n);
});

const helperDef = (id: number, impl: HelperDefinition['impl']): HelperDefinition => ({
  id, name: `h${id}`, proto: { args: [], ret: 'integer' }, impl,
});

test('helpers: arguments as unsigned BigInts, r0 from the result, ProgramExit ends the run', () => {
  const seen: bigint[] = [];
  const helpers = new HelperTable([
    helperDef(1, (_env, a, b, c, d, e) => { seen.push(a, b, c, d, e); return a + b; }),
    helperDef(2, () => { throw new ProgramExit(77n); }),
  ]);
  const program = [make(Class.ALU64 | AluOp.MOV, 1, 0, 0, -1), make(Class.ALU64 | AluOp.MOV, 2, 0, 0, 2),
    make(Class.ALU64 | AluOp.MOV, 3, 0, 0, 3), make(Class.JMP | JmpOp.CALL, 0, 0, 0, 1), exit()];
  assert.equal(interpret(program, { helpers }).r0, 1n);
  assert.deepEqual(seen, [M64, 2n, 3n, 0n, 0n]);
  const stop = [make(Class.JMP | JmpOp.CALL, 0, 0, 0, 2), make(Class.ALU64 | AluOp.MOV, 0, 0, 0, 1), exit()];
  assert.equal(interpret(stop, { helpers }).r0, 77n);
  const callx = [make(Class.ALU64 | AluOp.MOV, 4, 0, 0, 2), make(Class.JMP | Source.X | JmpOp.CALL, 4, 0, 0, 0), exit()];
  assert.equal(interpret(callx, { helpers }).r0, 77n);
});

test('unknown helper is a typed error with its id', () => {
  assert.throws(() => interpret([make(Class.JMP | JmpOp.CALL, 0, 0, 0, 99), exit()]), (e: unknown) =>
    e instanceof UnknownHelperError && e.code === 'UNKNOWN_HELPER' && e.helperId === 99n && e.index === 0);
});

test('local calls: r6–r9 preserved, a fresh frame, r0 returned', () => {
  const program = [
    make(Class.ALU64 | AluOp.MOV, 6, 0, 0, 6),
    make(Class.ST | Mode.MEM | Size.DW, 10, 0, -8, 11),
    make(Class.ALU64 | AluOp.MOV, 1, 0, 0, 5),
    make(Class.JMP | JmpOp.CALL, 0, 1, 0, 4), // to slot 8
    make(Class.LDX | Mode.MEM | Size.DW, 2, 10, -8, 0),
    make(Class.ALU64 | Source.X | AluOp.ADD, 0, 6, 0, 0),
    make(Class.ALU64 | Source.X | AluOp.ADD, 0, 2, 0, 0),
    exit(),
    // callee: its own stack slot must start clean and must not alias the caller's
    make(Class.LDX | Mode.MEM | Size.DW, 0, 10, -8, 0),
    make(Class.ST | Mode.MEM | Size.DW, 10, 0, -8, 1000),
    make(Class.ALU64 | Source.X | AluOp.ADD, 0, 1, 0, 0),
    make(Class.ALU64 | AluOp.MOV, 6, 0, 0, 0),
    exit(),
  ];
  assert.equal(run(program), 5n + 6n + 11n);
});

test('local calls deeper than 8 frames stop with CallDepthError', () => {
  const recurse = [make(Class.JMP | JmpOp.CALL, 0, 1, 0, -1), exit()];
  assert.throws(() => run(recurse), (e: unknown) =>
    e instanceof CallDepthError && e.code === 'CALL_DEPTH_EXCEEDED' && e.index === 0);
  // 7 nested calls (8 frames) are fine: count down r1 from 7.
  const depth = (n: number) => [make(Class.ALU64 | AluOp.MOV, 1, 0, 0, n),
    make(Class.JMP | Source.K | JmpOp.JEQ, 1, 0, 3, 0),
    make(Class.ALU64 | AluOp.SUB, 1, 0, 0, 1),
    make(Class.JMP | JmpOp.CALL, 0, 1, 0, -3),
    make(Class.ALU64 | AluOp.ADD, 0, 0, 0, 1),
    exit()];
  assert.equal(run(depth(7)), 7n);
  assert.throws(() => run(depth(8)), CallDepthError);
});

const accessCases: [string, Instruction[], string, bigint][] = [
  ['load from address 0', [make(Class.LDX | Mode.MEM | Size.W, 0, 1, 0, 0)], 'read', 0n],
  ['store below the stack', [make(Class.ST | Mode.MEM | Size.B, 10, 0, -513, 1)], 'write', -513n],
  ['load straddling the top of the stack', [make(Class.LDX | Mode.MEM | Size.DW, 0, 10, -4, 0)], 'read', -4n],
  ['load past the top of the stack', [make(Class.LDX | Mode.MEM | Size.B, 0, 10, 0, 0)], 'read', 0n],
];
for (const [name, body, access, offsetFromFp] of accessCases) {
  test(`memory: ${name} is a MemoryAccessError`, () => {
    const vm = new Interpreter([...body, exit()]);
    assert.throws(() => vm.run(), (e: unknown) => {
      if (!(e instanceof MemoryAccessError)) return false;
      const fp = vm.space.regions().length; // all run regions are released afterwards
      assert.equal(fp, 0);
      assert.equal(e.code, 'MEMORY_ACCESS');
      assert.equal(e.index, 0);
      assert.equal(e.access, access);
      if (body[0]!.dst === 10 || body[0]!.src === 10) assert.ok(e.address > 0xf000n && e.message.includes(e.address.toString(16)));
      else assert.equal(e.address, offsetFromFp);
      return true;
    });
  });
}

test('memory: a negative pointer faults with its unsigned address', () => {
  const program = [make(Class.ALU64 | AluOp.MOV, 1, 0, 0, -8), make(Class.LDX | Mode.MEM | Size.B, 0, 1, 0, 0), exit()];
  assert.throws(() => run(program), (e: unknown) => e instanceof MemoryAccessError && e.address === M64 - 7n && e.index === 1);
});

test('memory: caller regions are accessible; read-only ones reject writes; kinds open live regions', () => {
  const space = new AddressSpace();
  const ctx = space.allocate(16, { kind: 'ctx', writable: false });
  space.bytes[ctx.start + 3] = 42;
  const value = space.allocate(8, { kind: 'map-value' });
  space.bytes[value.start] = 7;
  const read = [make(Class.LDX | Mode.MEM | Size.B, 0, 1, 3, 0), exit()];
  const vm = new Interpreter(read, { space });
  assert.equal(vm.run({ registers: [undefined, BigInt(ctx.start)], regions: [ctx] }).r0, 42n);
  assert.throws(() => vm.run({ registers: [undefined, BigInt(ctx.start)] }), MemoryAccessError);
  const write = new Interpreter([make(Class.ST | Mode.MEM | Size.B, 1, 0, 0, 1), exit()], { space });
  assert.throws(() => write.run({ registers: [undefined, BigInt(ctx.start)], regions: [ctx] }),
    (e: unknown) => e instanceof MemoryAccessError && e.access === 'write' && /read-only/.test(e.message));
  const load = new Interpreter([make(Class.LDX | Mode.MEM | Size.B, 0, 1, 0, 0), exit()], { space });
  assert.equal(load.run({ registers: [undefined, BigInt(value.start)], regionKinds: ['map-value'] }).r0, 7n);
  assert.throws(() => load.run({ registers: [undefined, BigInt(value.start)], regionKinds: ['ctx'] }), MemoryAccessError);
});

test('budget: an endless loop stops with BudgetExceededError', () => {
  const loop = [make(Class.JMP | JmpOp.JA, 0, 0, -1, 0), exit()];
  assert.throws(() => interpret(loop, { budget: 1000 }), (e: unknown) =>
    e instanceof BudgetExceededError && e.code === 'BUDGET_EXCEEDED' && e.budget === 1000 && e.index === 0);
});

test('falling off the end and an empty program are typed errors', () => {
  assert.throws(() => run([make(Class.ALU64 | AluOp.MOV, 0, 0, 0, 1)]), PcOutOfRangeError);
  assert.throws(() => new Interpreter([]), (e: unknown) => e instanceof DecodeError && e.code === 'EMPTY_PROGRAM');
});

test('legacy packet loads: big-endian, need a packet, out of bounds returns 0', () => {
  const abs = [make(Class.LD | Mode.ABS | Size.H, 0, 0, 0, 1), exit()];
  assert.equal(interpret(abs, { packet: new Uint8Array([1, 2, 3]) }).r0, 0x0203n);
  assert.equal(interpret(abs, { packet: new Uint8Array([1, 2]) }).r0, 0n);
  assert.throws(() => interpret(abs), UnsupportedInstructionError);
  const ind = [make(Class.ALU64 | AluOp.MOV, 3, 0, 0, 2), make(Class.LD | Mode.IND | Size.W, 0, 3, 0, -1),
    make(Class.ALU64 | AluOp.ADD, 0, 0, 0, 0), exit()];
  assert.equal(interpret(ind, { packet: new Uint8Array([0, 0xde, 0xad, 0xbe, 0xef]) }).r0, 0xdeadbeefn);
});

test('kfunc calls are rejected at run time with the instruction named', () => {
  assert.throws(() => run([make(Class.JMP | JmpOp.CALL, 0, 2, 0, 100), exit()]), (e: unknown) =>
    e instanceof UnsupportedInstructionError && /kfunc/.test(e.message));
});

test('regions are released after every run, and repeated runs agree', () => {
  const space = new AddressSpace();
  const vm = new Interpreter([make(Class.LDX | Mode.MEM | Size.B, 0, 1, 1, 0), exit()], { space });
  for (let i = 0; i < 3; i++) assert.equal(vm.run({ memory: new Uint8Array([9, i]) }).r0, BigInt(i));
  assert.equal(space.regions().length, 0);
});

test('a helper may run the same interpreter again (nested runs keep their own registers)', () => {
  const helpers = new HelperTable();
  const program = [
    make(Class.ST | Mode.MEM | Size.DW, 10, 0, -8, 5),
    make(Class.JMP | Source.K | JmpOp.JNE, 1, 0, 2, 0),
    make(Class.ALU64 | AluOp.MOV, 0, 0, 0, 7),
    exit(),
    make(Class.ALU64 | AluOp.MOV, 6, 0, 0, 100),
    make(Class.JMP | JmpOp.CALL, 0, 0, 0, 1), // r0 = nested run with r1 = 0, i.e. 7
    make(Class.LDX | Mode.MEM | Size.DW, 2, 10, -8, 0),
    make(Class.ALU64 | Source.X | AluOp.ADD, 0, 6, 0, 0),
    make(Class.ALU64 | Source.X | AluOp.ADD, 0, 2, 0, 0),
    exit(),
  ];
  const vm = new Interpreter(program, { helpers });
  helpers.register(helperDef(1, () => vm.run().r0));
  assert.equal(vm.run({ registers: [undefined, 1n] }).r0, 7n + 100n + 5n);
  assert.equal(vm.run({ registers: [undefined, 1n] }).r0, 112n, 'and again, with the pooled arrays');
});
