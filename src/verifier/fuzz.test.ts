import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Instruction, make, DecodeError } from '../isa/index.js';
import { verify, VerifierError } from './index.js';
import { CORPUS } from './testdata/corpus.js';
import { RANDOM_CALL_COUNT, RANDOM_COUNT, randomCallProgram, randomProgram, rng } from './testdata/random.js';
import { Runtime } from '../runtime/index.js';
import { MemoryAccessError } from '../vm/index.js';


const OPCODES = [
  0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f, 0x87, 0x97,
  0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0x04, 0x0c, 0x14, 0x24, 0x34, 0x54, 0x64, 0x74, 0xa4, 0xb4, 0xbc, 0xc4,
  0xd4, 0xdc, 0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x45, 0x55, 0x5d, 0x65, 0x75, 0xa5, 0xb5, 0xc5, 0xd5, 0x16, 0x1e,
  0xa6, 0x61, 0x69, 0x71, 0x79, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xdb, 0xc3, 0x85, 0x95,
];
const IMMS = [0, 1, -1, 2, 7, 8, 16, 31, 32, 63, 64, 255, 0x7fffffff, -0x80000000, -8, -16, -512, -520, 5, 6, 9999];

/** A random instruction that decodes, or undefined when the draw was not one. */
function randomInsn(next: () => number, len: number, at: number): Instruction | undefined {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const opcode = pick(OPCODES);
  const isJump = (opcode & 7) === 5 || (opcode & 7) === 6;
  const offset = isJump && opcode !== 0x85 && opcode !== 0x95
    ? Math.floor(next() * len) - at - 1
    : pick([0, -8, -4, -16, 0, 4, 8, -512, -520, 12, 76, 1]);
  const imm = opcode === 0x85 ? pick([5, 7, 8, 6, 1234]) : pick(IMMS);
  const src = opcode === 0x85 ? 0 : Math.floor(next() * 11);
  const dst = Math.floor(next() * 11);
  try {
    return make(opcode, opcode === 0x85 || opcode === 0x95 ? 0 : dst, opcode === 0x95 ? 0 : src, opcode === 0x95 ? 0 : offset, opcode === 0x95 ? 0 : imm);
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

/** One runtime for every accepted program: it runs them unverified (they just were), on the interpreter, which checks each access. */
const runtime = new Runtime({ verify: false, engine: 'interpreter' });
let ranAccepted = 0;

/** An accepted program must run without touching memory it may not: what the verifier promised. */
function runAccepted(insns: readonly Instruction[], type: 'xdp' | 'socket_filter', seed: number): void {
  const program = runtime.load(insns, { type });
  try {
    program.testRun({ data: new Uint8Array(64).map((_, i) => i * 7 + seed) });
    ranAccepted++;
  } catch (e) {
    if (e instanceof MemoryAccessError) assert.fail(`seed ${seed}: the verifier accepted a program that faults: ${e.message}`);
    throw e;
  }
}

function checkOutcome(insns: readonly Instruction[], seed: number): void {
  const started = Date.now();
  const type = seed % 2 ? 'xdp' : 'socket_filter';
  const r = verify(insns, { complexityLimit: 20_000, programType: type, logLevel: seed % 3 === 0 ? 2 : 0 });
  assert.ok(Date.now() - started < 2000, `seed ${seed}: took ${Date.now() - started} ms`);
  assert.equal(typeof r.ok, 'boolean');
  assert.ok(r.processed >= 0 && r.processed <= 20_001);
  if (!r.ok) {
    assert.ok(r.error instanceof VerifierError, `seed ${seed}`);
    assert.ok(r.error.insn >= -1 && r.error.insn < insns.length, `seed ${seed}: fault index ${r.error.insn}`);
    assert.ok(r.error.kernelMessage.length > 0);
  } else runAccepted(insns, type, seed);
}

test('random programs never crash or hang the verifier', (t) => {
  let accepted = 0;
  const codes = new Map<string, number>();
  for (let seed = 1; seed <= 400; seed++) {
    const next = rng(seed);
    const len = 2 + Math.floor(next() * 24);
    // Half the programs start with every register set, so faults come from deeper than the first read.
    const insns: Instruction[] = seed % 2 ? [] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((r) => make(0xb7, r, 0, 0, IMMS[(seed + r) % IMMS.length]!));
    const base = insns.length;
    while (insns.length < base + len - 1) {
      const insn = randomInsn(next, len, insns.length - base);
      if (insn) insns.push(insn);
    }
    insns.push(make(0x95, 0, 0, 0, 0));
    checkOutcome(insns, seed);
    const outcome = verify(insns, { complexityLimit: 20_000 });
    if (outcome.ok) accepted++;
    codes.set(outcome.error?.code ?? "OK", (codes.get(outcome.error?.code ?? "OK") ?? 0) + 1);
  }
  // Mostly rejections, but the generator must reach the engine, not just the CFG checks.
  assert.ok(accepted > 0, 'no random program was accepted');
  // The engine itself, not only the shape checks, must see many of them.
  const engineCodes = [...codes.keys()].filter((k) => !['UNREACHABLE', 'JUMP_OUT_OF_RANGE', 'FALL_OFF_END', 'JUMP_INTO_LDDW'].includes(k));
  assert.ok(engineCodes.length >= 4, `outcomes: ${[...codes].join(' ')}`);
  t.diagnostic(`outcomes: ${[...codes].map(([k, v]) => `${k}=${v}`).join(' ')}`);
});

test('mutated corpus programs never crash or hang the verifier', () => {
  let seed = 1000;
  for (const c of CORPUS) {
    for (let m = 0; m < 6; m++) {
      const next = rng(++seed);
      const insns = [...c.insns];
      const at = Math.floor(next() * insns.length);
      if (insns[at]!.op.kind === 'lddw-tail' || insns[at]!.op.kind === 'lddw') continue;
      const replacement = randomInsn(next, insns.length, at);
      if (!replacement) continue;
      insns[at] = replacement;
      checkOutcome(insns, seed);
    }
  }
});

test('the seeded random programs the verifier accepts run without a memory fault', () => {
  for (let seed = 1; seed <= RANDOM_COUNT; seed++) {
    const insns = randomProgram(seed);
    if (verify(insns, { programType: 'socket_filter' }).ok) runAccepted(insns, 'socket_filter', seed);
  }
  for (let seed = 1; seed <= RANDOM_CALL_COUNT; seed++) {
    const { programType, insns } = randomCallProgram(seed);
    if (verify(insns, { programType }).ok) runAccepted(insns, programType, seed);
  }
});

test('accepted random and mutated programs ran in the interpreter without a memory fault', (t) => {
  // Runs after the tests above, which fed runAccepted.
  t.diagnostic(`${ranAccepted} accepted programs ran`);
  assert.ok(ranAccepted > 20, `only ${ranAccepted} accepted programs ran`);
});
