/**
 * Seeded random programs for differential testing against Linux: every
 * register is set first (r6 = ctx), then a mix of ALU, jumps (forward and
 * back), stack and context accesses, helper calls, ending in exit. The same
 * seed always gives the same program, so verdicts recorded from the kernel
 * (random-verdicts.json) can be checked without storing the programs.
 */
import { type Instruction, make } from '../../isa/index.js';

/** xorshift32: reproducible without a dependency. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

const OPCODES = [
  0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f, 0x87, 0x97,
  0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0x04, 0x0c, 0x14, 0x24, 0x34, 0x54, 0x64, 0x74, 0xa4, 0xb4, 0xbc, 0xc4,
  0xd4, 0xdc, 0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x45, 0x55, 0x5d, 0x65, 0x75, 0xa5, 0xb5, 0xc5, 0xd5, 0x16, 0x1e,
  0xa6, 0x61, 0x69, 0x71, 0x79, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0x85, 0x95,
];
const MEMORY = new Set([0x61, 0x69, 0x71, 0x79, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b]);
const IMMS = [0, 1, -1, 2, 7, 8, 16, 31, 5, 6, -8, -16, -4, 255, 3];

/** The program for one seed. */
export function randomProgram(seed: number): Instruction[] {
  const next = rng(seed * 7919);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const len = 3 + Math.floor(next() * 14);
  const insns: Instruction[] = [make(0xbf, 6, 1, 0, 0), ...[0, 2, 3, 4, 5, 7, 8, 9].map((r) => make(0xb7, r, 0, 0, pick(IMMS)))];
  const base = insns.length;
  while (insns.length < base + len - 1) {
    const op = pick(OPCODES);
    const at = insns.length - base;
    const isJump = (op & 7) === 5 || (op & 7) === 6;
    const mem = MEMORY.has(op);
    const off = isJump && op !== 0x85 && op !== 0x95 ? Math.floor(next() * len) - at - 1 : mem ? pick([-8, -4, -16, -2, 0, 8, -24]) : 0;
    const imm = op === 0x85 ? pick([5, 7, 8]) : pick(IMMS);
    const dst = mem && next() < 0.7 ? 10 : Math.floor(next() * 10);
    const src = op === 0x85 ? 0 : mem && (op & 7) === 1 && next() < 0.7 ? 10 : Math.floor(next() * 10);
    try {
      const plain = op === 0x95;
      insns.push(make(op, op === 0x85 || plain ? 0 : dst, plain ? 0 : src, plain ? 0 : off, plain ? 0 : imm));
    } catch {
      // Not an instruction (a reserved field set): draw again.
    }
  }
  insns.push(make(0x95, 0, 0, 0, 0));
  return insns;
}

/** How many random programs random-verdicts.json covers. */
export const RANDOM_COUNT = 1500;

const CALL_FAMILY_OPCODES = [
  0x07, 0x0f, 0x17, 0x1f, 0x57, 0x5f, 0x77, 0x7f, 0xb7, 0xbf, 0xc7, 0x04, 0x0c, 0x14, 0x54, 0xb4, 0xbc, 0x15, 0x1d,
  0x25, 0x2d, 0x35, 0x45, 0x55, 0xa5, 0xb5, 0xc5, 0xd5, 0x16, 0xa6, 0x61, 0x69, 0x71, 0x79, 0x62, 0x72, 0x7a, 0x63,
  0x6b, 0x73, 0x7b, 0x85, 0xdb, 0xc3,
];
const CALL_FAMILY_MEMORY = new Set([0x61, 0x69, 0x71, 0x79, 0x62, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xdb, 0xc3]);
const CALL_FAMILY_IMMS = [0, 1, -1, 2, 7, 8, 16, 31, 5, 6, -8, -16, -4, 255, 3, 12, 20, 24, 48, 68, 76, 80];

/**
 * The program for one seed of the second family: a main function and one
 * bpf-to-bpf callee, context and stack accesses through r1, r6 and r10,
 * atomics; odd seeds are XDP programs, even ones socket filters.
 */
export function randomCallProgram(seed: number): { programType: 'xdp' | 'socket_filter'; insns: Instruction[] } {
  const next = rng(seed * 104729 + 3);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const body = (len: number): Instruction[] => {
    const out: Instruction[] = [];
    while (out.length < len) {
      const op = pick(CALL_FAMILY_OPCODES);
      const at = out.length;
      const isJump = (op & 7) === 5 || (op & 7) === 6;
      const mem = CALL_FAMILY_MEMORY.has(op);
      const off = isJump && op !== 0x85 ? Math.floor(next() * (len + 1)) - at - 1 : mem ? pick([-8, -4, -16, 0, 4, 8, 12, 16, 20, -24, -32, 48]) : 0;
      const imm = op === 0x85 ? pick([5, 7, 8]) : op === 0xdb || op === 0xc3 ? pick([0, 0x40, 0x50, 0xa0, 1, 0xe1, 0xf1]) : pick(CALL_FAMILY_IMMS);
      const dst = mem && next() < 0.5 ? pick([10, 1, 6]) : Math.floor(next() * 10);
      const src = op === 0x85 ? 0 : mem && (op & 7) === 1 && next() < 0.5 ? pick([10, 1, 6]) : Math.floor(next() * 10);
      try {
        out.push(make(op, op === 0x85 ? 0 : dst, src, off, imm));
      } catch {
        // A reserved field set: draw again.
      }
    }
    return out;
  };
  const programType = seed % 2 ? 'xdp' : 'socket_filter';
  const prologue = [make(0xbf, 6, 1, 0, 0), ...[0, 2, 3, 4, 5, 7, 8, 9].map((r) => make(0xb7, r, 0, 0, pick(CALL_FAMILY_IMMS)))];
  const main = body(3 + Math.floor(next() * 8));
  const callee = body(2 + Math.floor(next() * 6));
  const insns = [
    ...prologue, ...main, make(0x85, 0, 1, 0, 1), make(0x95, 0, 0, 0, 0),
    make(0xb7, 0, 0, 0, 0), ...callee, make(0x95, 0, 0, 0, 0),
  ];
  return { programType, insns };
}

/** How many programs of the second family random-calls-verdicts.json covers. */
export const RANDOM_CALL_COUNT = 1500;
