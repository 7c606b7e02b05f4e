/**
 * Runs conformance tests in the interpreter: each test on fresh input memory,
 * with the suite's helpers, r0 compared with `-- result`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Instruction, decodeProgram } from '../isa/index.js';
import { AddressSpace } from '../memory/index.js';
import { type Executable, Interpreter } from '../vm/index.js';
import { conformanceHelpers } from './helpers.js';
import { type ConformanceTest, parseDataFile } from './parse.js';

/** Turns assembly source into a slot-indexed program (src/asm's `assemble`). */
export type Assembler = (source: string) => Instruction[];

/** Prepares a program for running; the default is the interpreter. */
export type EngineFactory = (program: Instruction[], space: AddressSpace) => Executable;

export interface ConformanceOptions {
  readonly assemble: Assembler;
  /** Which engine runs the programs (default: the interpreter). */
  readonly engine?: EngineFactory;
  /** Instruction budget per test, so a broken program cannot hang the run (default 1,000,000). */
  readonly budget?: number;
}

/** What happened to one test. */
export interface ConformanceOutcome {
  readonly name: string;
  /** pass: r0 matched (or an expected error happened); fail: another r0; error: it could not run. */
  readonly status: 'pass' | 'fail' | 'error';
  readonly expected?: bigint;
  readonly actual?: bigint;
  /** The error text for status `error`, or for an expected error. */
  readonly message?: string;
}

const DEFAULT_BUDGET = 1_000_000;

const interpreterEngine: EngineFactory = (program, space) =>
  new Interpreter(program, { helpers: conformanceHelpers(), space });

/** The program of a test: its `-- raw` words if present, else its assembled `-- asm`. */
export function programOf(test: ConformanceTest, assemble: Assembler): Instruction[] {
  return test.raw !== undefined ? decodeProgram(test.raw) : assemble(test.asm);
}

/** Runs one parsed test; never throws for a program that fails (that is an outcome). */
export function runConformanceTest(test: ConformanceTest, options: ConformanceOptions): ConformanceOutcome {
  const base = { name: test.name, ...(test.result !== undefined ? { expected: test.result } : {}) };
  let r0: bigint;
  try {
    const engine = (options.engine ?? interpreterEngine)(programOf(test, options.assemble), new AddressSpace());
    r0 = engine.run({
      ...(test.memory !== undefined ? { memory: test.memory } : {}),
      budget: options.budget ?? DEFAULT_BUDGET,
    }).r0;
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ...base, status: test.error !== undefined ? 'pass' : 'error', message };
  }
  if (test.error !== undefined) return { ...base, status: 'fail', actual: r0, message: `expected error '${test.error}'` };
  return { ...base, status: r0 === test.result ? 'pass' : 'fail', actual: r0 };
}

/** The `.data` files of a directory, sorted by name. */
export async function listDataFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.data'));
  return names.sort().map((n) => join(dir, n));
}

/** Reads, parses and runs one file; a malformed file is an `error` outcome. */
export async function runConformanceFile(path: string, options: ConformanceOptions): Promise<ConformanceOutcome> {
  const name = path.split(/[\\/]/).pop()!;
  let test: ConformanceTest;
  try {
    test = parseDataFile(await readFile(path, 'utf8'), name);
  } catch (error) {
    return { name, status: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
  return runConformanceTest(test, options);
}

/** Formats an unsigned 64-bit value the way the suite writes results. */
export function hex64(value: bigint): string {
  return `0x${value.toString(16)}`;
}

/** One line per outcome: `PASS name`, `FAIL name: expected 0x…, got 0x…`, `ERROR name: …`. */
export function formatOutcome(o: ConformanceOutcome): string {
  switch (o.status) {
    case 'pass': return `PASS ${o.name}`;
    case 'fail': return `FAIL ${o.name}: expected ${o.expected !== undefined ? hex64(o.expected) : 'an error'}, got ${o.actual !== undefined ? hex64(o.actual) : '?'}`;
    default: return `FAIL ${o.name}: expected ${o.expected !== undefined ? hex64(o.expected) : 'an error'}, got error: ${o.message}`;
  }
}
