/**
 * The conformance suite in the Linux kernel, compared with tsbpf's interpreter.
 *
 * The kernel cannot run a bare program on plain memory, so each test runs as
 * the bpf-to-bpf callee of an XDP wrapper (the official kernel plugin's
 * approach): the wrapper passes r1 = the packet (the test's memory, padded to
 * the 14 bytes XDP needs) and r2 = the memory's length, calls the test, and
 * stores the full 64-bit r0 into a one-entry array map, since an XDP return
 * value has only 32 bits. The kernel's verifier refuses many tests (reads of
 * packet memory without a bounds check, division by a zero immediate, callx…);
 * those are reported with its reason, not compared.
 */
import { assemble } from '../asm/index.js';
import { type Instruction, checkJumps } from '../isa/index.js';
import { KernelMap, KernelProgram, VerifierError } from '../kernel/index.js';
import { AddressSpace } from '../memory/index.js';
import { Interpreter } from '../vm/index.js';
import { conformanceHelpers } from './helpers.js';
import type { ConformanceTest } from './parse.js';
import { programOf } from './runner.js';

export type KernelComparison =
  | { readonly name: string; readonly status: 'agree'; readonly r0: bigint }
  | { readonly name: string; readonly status: 'disagree'; readonly kernel: bigint; readonly interpreter: bigint }
  | { readonly name: string; readonly status: 'refused'; readonly reason: string };

const XDP_MIN_PACKET = 14;

/** The wrapper, then the test program as its callee. */
function wrap(test: Instruction[], mapFd: number, length: number): Instruction[] {
  const prologue = assemble(`
      r1 = *(u32 *)(r1 + 0)
      r2 = ${length}
      call pc+PLACEHOLDER
      *(u64 *)(r10 - 8) = r0
      *(u32 *)(r10 - 12) = 0
      r1 = map_fd(${mapFd}) ll
      r2 = r10
      r2 += -12
      r3 = r10
      r3 += -8
      r4 = 0
      call bpf_map_update_elem
      r0 = 2
      exit`.replace('PLACEHOLDER', '0'), { checkJumps: false });
  // The call goes to the first slot after the wrapper.
  const callAt = 2;
  prologue[callAt] = { ...prologue[callAt]!, imm: prologue.length - callAt - 1 };
  const program = [...prologue, ...test];
  checkJumps(program);
  return program;
}

/** The last non-empty line of a verifier log: usually the reason. */
function reasonOf(error: VerifierError): string {
  const lines = error.log.trim().split('\n').filter((l) => !/^processed \d+ insns/.test(l));
  return lines.at(-1) ?? error.message;
}

/** Runs one test in the kernel and in the interpreter and compares r0. */
export function compareWithKernel(test: ConformanceTest): KernelComparison {
  const program = programOf(test, assemble);
  const memory = test.memory ?? new Uint8Array(0);
  const interpreter = new Interpreter(program, { helpers: conformanceHelpers(), space: new AddressSpace() })
    .run({ ...(test.memory ? { memory: test.memory } : {}), budget: 1_000_000 }).r0;
  const map = KernelMap.create({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'conformance_r0' });
  try {
    let loaded: KernelProgram;
    try {
      loaded = KernelProgram.load({ type: 'xdp', name: 'conformance', instructions: wrap(program, map.fd.value, memory.length) });
    } catch (error) {
      if (error instanceof VerifierError) return { name: test.name, status: 'refused', reason: reasonOf(error) };
      throw error;
    }
    try {
      const data = new Uint8Array(Math.max(memory.length, XDP_MIN_PACKET));
      data.set(memory);
      loaded.testRun({ data });
    } finally {
      loaded.close();
    }
    const value = map.lookup(new Uint8Array(4));
    const kernel = value ? new DataView(value.buffer, value.byteOffset).getBigUint64(0, true) : -1n;
    return kernel === interpreter
      ? { name: test.name, status: 'agree', r0: kernel }
      : { name: test.name, status: 'disagree', kernel, interpreter };
  } finally {
    map.close();
  }
}
