/**
 * Compute-heavy BPF programs for the execution benchmarks (interpreter, and
 * later the JIT), with what each must return so a benchmark never times a
 * wrong answer. Built with the isa builders so they need no assembler.
 */
import {
  AluOp, Class, JmpOp, Mode, Size, Source, type Instruction, make, makeLddw,
} from '../isa/index.js';

const alu = (op: number, dst: number, imm: number) => make(Class.ALU64 | Source.K | op, dst, 0, 0, imm);
const aluX = (op: number, dst: number, src: number) => make(Class.ALU64 | Source.X | op, dst, src, 0, 0);
const jmp = (op: number, dst: number, imm: number, offset: number) => make(Class.JMP | Source.K | op, dst, 0, offset, imm);
const jmpX = (op: number, dst: number, src: number, offset: number) => make(Class.JMP | Source.X | op, dst, src, offset, 0);
const ldx = (size: number, dst: number, src: number, offset: number) => make(Class.LDX | Mode.MEM | size, dst, src, offset, 0);
const stx = (size: number, dst: number, src: number, offset: number) => make(Class.STX | Mode.MEM | size, dst, src, offset, 0);
const exit = () => make(Class.JMP | JmpOp.EXIT, 0, 0, 0, 0);

/** A benchmark program with its input and the r0 it must produce. */
export interface BenchProgram {
  readonly name: string;
  readonly program: Instruction[];
  readonly memory?: Uint8Array;
  readonly expected: bigint;
}

/** r0 = 1 + 2 + … + n. */
export function sumLoop(n: number): BenchProgram {
  return {
    name: `sum 1..${n}`,
    program: [
      alu(AluOp.MOV, 0, 0),
      alu(AluOp.MOV, 1, n),
      aluX(AluOp.ADD, 0, 1), // loop
      alu(AluOp.SUB, 1, 1),
      jmp(JmpOp.JNE, 1, 0, -3),
      exit(),
    ],
    expected: (BigInt(n) * BigInt(n + 1)) / 2n,
  };
}

function countPrimes(limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
    if (prime) count++;
  }
  return count;
}

/** r0 = number of primes below `limit`, by trial division (mul, mod, branches). */
export function primes(limit: number): BenchProgram {
  return {
    name: `primes < ${limit}`,
    program: [
      alu(AluOp.MOV, 0, 0),
      alu(AluOp.MOV, 1, 2), // n
      alu(AluOp.MOV, 2, 2), // outer: d = 2
      aluX(AluOp.MOV, 3, 2), // inner
      aluX(AluOp.MUL, 3, 2),
      jmpX(JmpOp.JGT, 3, 1, 5), // d * d > n: prime
      aluX(AluOp.MOV, 4, 1),
      aluX(AluOp.MOD, 4, 2),
      jmp(JmpOp.JEQ, 4, 0, 3), // divides: next n
      alu(AluOp.ADD, 2, 1),
      make(Class.JMP | JmpOp.JA, 0, 0, -8, 0),
      alu(AluOp.ADD, 0, 1), // prime
      alu(AluOp.ADD, 1, 1), // next
      jmp(JmpOp.JLT, 1, limit, -12),
      exit(),
    ],
    expected: BigInt(countPrimes(limit)),
  };
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

/** 64-bit FNV-1a of `bytes`, the reference for {@link fnv1a}. */
export function fnv1aReference(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * FNV_PRIME);
  return h;
}

/** r0 = 64-bit FNV-1a over `size` bytes of input memory (byte loads, 64-bit mul). */
export function fnv1a(size: number): BenchProgram {
  const memory = new Uint8Array(size);
  let x = 12345;
  for (let i = 0; i < size; i++) memory[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return {
    name: `fnv1a ${size} bytes`,
    program: [
      ...makeLddw(0, FNV_OFFSET),
      ...makeLddw(5, FNV_PRIME),
      aluX(AluOp.MOV, 3, 1),
      aluX(AluOp.MOV, 4, 1),
      aluX(AluOp.ADD, 4, 2),
      ldx(Size.B, 6, 3, 0), // loop
      aluX(AluOp.XOR, 0, 6),
      aluX(AluOp.MUL, 0, 5),
      alu(AluOp.ADD, 3, 1),
      jmpX(JmpOp.JLT, 3, 4, -5),
      exit(),
    ],
    memory,
    expected: fnv1aReference(memory),
  };
}

/**
 * Fills the 512-byte stack with 128 pseudo-random u32 (a 64-bit LCG), bubble
 * sorts them in place, then checks the order: r0 = 1 when sorted.
 */
export function bubbleSort(): BenchProgram {
  return {
    name: 'bubble sort 128 u32 on the stack',
    program: [
      alu(AluOp.MOV, 1, 0),
      aluX(AluOp.MOV, 2, 10),
      alu(AluOp.ADD, 2, -512), // base of the frame
      ...makeLddw(3, 0x853c49e6748fea9bn),
      ...makeLddw(4, 6364136223846793005n),
      aluX(AluOp.MUL, 3, 4), // 7: fill
      alu(AluOp.ADD, 3, 12345),
      aluX(AluOp.MOV, 5, 3),
      alu(AluOp.RSH, 5, 33),
      aluX(AluOp.MOV, 6, 2),
      aluX(AluOp.ADD, 6, 1),
      stx(Size.W, 6, 5, 0),
      alu(AluOp.ADD, 1, 4),
      jmp(JmpOp.JLT, 1, 512, -9),
      alu(AluOp.MOV, 7, 508), // 16: end of the unsorted part
      alu(AluOp.MOV, 1, 0), // 17: outer
      aluX(AluOp.MOV, 6, 2), // 18: inner
      aluX(AluOp.ADD, 6, 1),
      ldx(Size.W, 8, 6, 0),
      ldx(Size.W, 9, 6, 4),
      jmpX(JmpOp.JLE, 8, 9, 2),
      stx(Size.W, 6, 9, 0),
      stx(Size.W, 6, 8, 4),
      alu(AluOp.ADD, 1, 4), // 25
      jmpX(JmpOp.JLT, 1, 7, -9),
      alu(AluOp.SUB, 7, 4),
      jmp(JmpOp.JNE, 7, 0, -12),
      alu(AluOp.MOV, 0, 1), // 29: check
      alu(AluOp.MOV, 1, 0),
      aluX(AluOp.MOV, 6, 2), // 31
      aluX(AluOp.ADD, 6, 1),
      ldx(Size.W, 8, 6, 0),
      ldx(Size.W, 9, 6, 4),
      jmpX(JmpOp.JLE, 8, 9, 2),
      alu(AluOp.MOV, 0, 0),
      exit(),
      alu(AluOp.ADD, 1, 4), // 38
      jmp(JmpOp.JLT, 1, 508, -9),
      exit(),
    ],
    expected: 1n,
  };
}

/** The standard set, each executing 10^5–10^6 instructions. */
export function benchPrograms(): BenchProgram[] {
  return [sumLoop(100_000), primes(10_000), fnv1a(65_536), bubbleSort()];
}
