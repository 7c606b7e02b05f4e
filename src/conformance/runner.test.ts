import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Instruction, make } from '../isa/index.js';
import { type Assembler, formatOutcome, parseDataFile, runConformanceTest } from './index.js';

/** A stand-in that proves the raw section was used: assembling is an error. */
const noAssembler: Assembler = () => { throw new Error('asm must not be used'); };
const fixed = (program: Instruction[]): Assembler => () => program;
const MOV_R0 = (imm: number) => make(0xb7, 0, 0, 0, imm);
const EXIT = make(0x95, 0, 0, 0, 0);

test('raw overrides asm; r0 compared with result', () => {
  const t = parseDataFile('-- asm\nbogus\n-- raw\n0x00000007000000b7\n0x0000000000000095\n-- result\n0x7', 'raw.data');
  const outcome = runConformanceTest(t, { assemble: noAssembler });
  assert.deepEqual(outcome, { name: 'raw.data', status: 'pass', expected: 7n, actual: 7n });
  assert.equal(formatOutcome(outcome), 'PASS raw.data');
});

test('a different r0 fails and says both values', () => {
  const t = parseDataFile('-- asm\nx\n-- result\n0x2', 'f.data');
  const outcome = runConformanceTest(t, { assemble: fixed([MOV_R0(3), EXIT]) });
  assert.equal(outcome.status, 'fail');
  assert.equal(formatOutcome(outcome), 'FAIL f.data: expected 0x2, got 0x3');
});

test('memory is passed as r1/r2, helper 5 unwinds, a hang is stopped by the budget', () => {
  const withMem = parseDataFile('-- asm\nx\n-- mem\n01 02 03\n-- result\n0x3', 'm.data');
  assert.equal(runConformanceTest(withMem, { assemble: fixed([make(0xbf, 0, 2, 0, 0), EXIT]) }).status, 'pass');
  const unwind = parseDataFile('-- asm\nx\n-- result\n0x0', 'u.data');
  // r1 = 0: unwind stops the program with r0 = 0 before r0 = 9 runs.
  const program = [MOV_R0(1), make(0xb7, 1, 0, 0, 0), make(0x85, 0, 0, 0, 5), MOV_R0(9), EXIT];
  assert.equal(runConformanceTest(unwind, { assemble: fixed(program) }).status, 'pass');
  const hang = runConformanceTest(unwind, { assemble: fixed([make(0x05, 0, 0, -1, 0), EXIT]), budget: 100 });
  assert.equal(hang.status, 'error');
  assert.match(formatOutcome(hang), /^FAIL u\.data: expected 0x0, got error: BudgetExceededError/);
});
