import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../asm/index.js';
import { type Instruction, make, makeLddw } from '../../isa/index.js';
import { AddressSpace } from '../../memory/index.js';
import { Interpreter, MemoryAccessError } from '../interpreter/index.js';
import { JitProgram } from './index.js';

/** xorshift32, seeded: the same seed, the same program. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

const ALU = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0]; // add…arsh (0x80 = neg)
const JUMPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const CONSTANTS = [0n, 1n, 2n, 7n, 31n, 32n, 63n, 64n, 255n, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n, 0xffff_ffff_ffff_ffffn, 0x0123_4567_89ab_cdefn, 0xfedc_ba98_7654_3210n];
const IMMS = [0, 1, -1, 2, 3, 7, 8, 16, 31, 32, 63, 0x7fffffff, -0x80000000, 0x12345678, -5];

/**
 * A random program that touches only its input memory (r9, 64 bytes) and its
 * stack: every register set first, then ALU (all of it, both widths, signed
 * division included), byte swaps, loads and stores of every size, atomics,
 * forward jumps, a counted loop and a call to a subprogram.
 */
function randomProgram(seed: number): Instruction[] {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const out: Instruction[] = [make(0xbf, 9, 1, 0, 0)];
  for (let r = 0; r <= 8; r++) out.push(...makeLddw(r, pick(CONSTANTS) ^ BigInt(Math.floor(next() * 1000))));
  const body = 10 + Math.floor(next() * 40);
  const reg = () => Math.floor(next() * 9);
  const emit = (): Instruction[] => {
    const roll = next();
    if (roll < 0.45) {
      const wide = next() < 0.6;
      let op = pick(ALU);
      const useReg = next() < 0.5;
      let offset = 0;
      if ((op === 0x30 || op === 0x90) && next() < 0.4) offset = 1; // sdiv / smod
      if (op === 0xb0 && useReg && next() < 0.3) offset = pick(wide ? [8, 16, 32] : [8, 16]); // movsx
      if (op === 0x80) return [make((wide ? 0x07 : 0x04) | op, reg(), 0, 0, 0)];
      const code = (wide ? 0x07 : 0x04) | op | (useReg ? 0x08 : 0);
      return [make(code, reg(), useReg ? reg() : 0, offset, useReg ? 0 : pick(IMMS))];
    }
    if (roll < 0.52) {
      const kind = pick([0xd4, 0xdc, 0xd7]); // le, be, bswap
      return [make(kind, reg(), 0, 0, pick([16, 32, 64]))];
    }
    if (roll < 0.64) {
      const size = pick([1, 2, 4, 8]);
      const sizeBits = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 }[size]!;
      const onStack = next() < 0.5;
      const offset = onStack ? -8 * (1 + Math.floor(next() * 60)) + (8 - size) * Math.floor(next() * 2) : size * Math.floor(next() * (64 / size));
      const base = onStack ? 10 : 9;
      const k = next();
      if (k < 0.35) return [make(0x61 | sizeBits, reg(), base, offset, 0)]; // ldx
      if (k < 0.45 && size !== 8) return [make(0x81 | sizeBits, reg(), base, offset, 0)]; // ldsx
      if (k < 0.75) return [make(0x63 | sizeBits, base, reg(), offset, 0)]; // stx
      return [make(0x62 | sizeBits, base, 0, offset, pick(IMMS))]; // st
    }
    if (roll < 0.7) {
      const wide = next() < 0.5;
      const size = wide ? 8 : 4;
      const op = pick([0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1]);
      return [make(wide ? 0xdb : 0xc3, 9, reg(), size * Math.floor(next() * (64 / size)), op)];
    }
    return [];
  };
  const bodyInsns: Instruction[][] = [];
  for (let i = 0; i < body; i++) bodyInsns.push(emit());
  // Forward conditional jumps over random stretches of the body.
  const flat: Instruction[] = [];
  const pending: { at: number; skip: number }[] = [];
  bodyInsns.forEach((chunk) => {
    if (next() < 0.15) {
      const skip = 1 + Math.floor(next() * 4);
      const wide = next() < 0.6;
      const useReg = next() < 0.5;
      const code = (wide ? 0x05 : 0x06) | pick(JUMPS) | (useReg ? 0x08 : 0);
      pending.push({ at: flat.length, skip });
      flat.push(make(code, reg(), useReg ? reg() : 0, 0, useReg ? 0 : pick(IMMS)));
    }
    flat.push(...chunk);
  });
  for (const p of pending) {
    const insn = flat[p.at]!;
    const offset = Math.min(p.skip, flat.length - p.at - 1);
    flat[p.at] = make(insn.opcode, insn.dst, insn.src, offset, insn.imm);
  }
  // A counted loop: r8 from k down to 0, mixing r0.
  const loop = [make(0xb7, 8, 0, 0, 1 + Math.floor(next() * 20)), make(0x2f, 0, 7, 0, 0), make(0x07, 0, 0, 0, 3), make(0x17, 8, 0, 0, 1), make(0x55, 8, 0, -4, 0)];
  // A call to a subprogram after the exit: it folds r1–r5 into r0 using its own stack.
  const call = make(0x85, 0, 1, 0, 0);
  const tail = [make(0xbf, 6, 0, 0, 0), call, make(0xaf, 0, 6, 0, 0), make(0x95, 0, 0, 0, 0)];
  const sub = [make(0x7b, 10, 1, -8, 0), make(0x79, 0, 10, -8, 0), make(0x0f, 0, 2, 0, 0), make(0xaf, 0, 5, 0, 0), make(0x95, 0, 0, 0, 0)];
  const program = [...out, ...flat, ...loop, ...tail];
  const callAt = program.length - 3;
  program[callAt] = make(0x85, 0, 1, 0, program.length - callAt - 1);
  return [...program, ...sub];
}

test('differential fuzzing: the JIT and the interpreter agree on r0 and memory for 600 random programs', () => {
  const space = new AddressSpace();
  let compared = 0;
  for (let seed = 1; seed <= 600; seed++) {
    const program = randomProgram(seed);
    const memory = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + seed) & 0xff);
    const expected = new Interpreter(program, { space }).run({ memory, budget: 100_000 });
    const jit = new JitProgram(program, { space });
    const actual = jit.run({ memory, budget: 100_000 });
    jit.free();
    assert.equal(actual.r0, expected.r0, `seed ${seed}: r0`);
    assert.deepEqual(actual.memory, expected.memory, `seed ${seed}: memory`);
    compared++;
  }
  assert.equal(compared, 600);
});

test('irreducible control flow compiles to a dispatch loop and still agrees', () => {
  // Two ways into the loop: at its head and at its middle.
  const source = `
    r0 = 0
    if r1 == 0 goto middle
  head:
    r0 += 1
  middle:
    r0 += 2
    if r0 < 20 goto head
    exit`;
  const program = assemble(source);
  for (const r1 of [0n, 1n]) {
    const jit = new JitProgram(program);
    assert.equal(jit.compiled.dispatchLoops, 1);
    assert.equal(jit.run({ registers: [undefined, r1] }).r0, new Interpreter(program).run({ registers: [undefined, r1] }).r0);
  }
});

test('a budget stops a runaway loop; deep recursion stops at 8 frames', () => {
  const forever = assemble('r0 = 0\nloop:\nr0 += 1\nif r0 != 0 goto loop\nexit');
  assert.throws(() => new JitProgram(forever).run({ budget: 1000 }), /BudgetExceeded|budget/i);
  const recurse = assemble('call pc+0\nexit');
  // A function that calls itself: the interpreter and the JIT both refuse a ninth frame.
  const insns = [make(0x85, 0, 1, 0, -1), make(0x95, 0, 0, 0, 0)];
  assert.throws(() => new JitProgram(insns).run(), /call|frames/i);
  assert.throws(() => new Interpreter(insns).run(), /call|frames/i);
  assert.ok(recurse.length > 0);
});

test('atomics on a shared memory, and no way out of the runtime\'s memory', () => {
  const shared = new AddressSpace({ shared: true, maximumPages: 256 });
  const program = assemble('r2 = 5\nlock *(u64 *)(r1 + 0) += r2\nr0 = 7\nr0 = atomic_fetch_add((u64 *)(r1 + 8), r0)\nexit');
  const memory = new Uint8Array(16);
  const jit = new JitProgram(program, { space: shared }).run({ memory });
  const interp = new Interpreter(program, { space: shared }).run({ memory });
  assert.deepEqual([jit.r0, jit.memory], [interp.r0, interp.memory]);
  // A store far past the memory traps in WebAssembly and comes back as a MemoryAccessError.
  assert.throws(() => new JitProgram(assemble('r1 = 0xfffffff0 ll\n*(u64 *)(r1 + 0) = r1\nr0 = 0\nexit')).run(), MemoryAccessError);
});
