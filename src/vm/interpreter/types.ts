/**
 * The run contract every execution engine of tsbpf offers (the interpreter
 * here, the WebAssembly JIT in ../jit): the same options in, the same result
 * out, so one can be checked against the other.
 */
import type { HelperEnv, HelperTable } from '../../helpers/index.js';
import type { Instruction } from '../../isa/index.js';
import type { AddressSpace, Region, RegionKind } from '../../memory/index.js';

/**
 * Gives the 64-bit value of a lddw whose src is a pseudo source (map fd, map
 * value, function, …); called once per such lddw when a program is prepared.
 */
export type LddwResolver = (insn: Instruction, index: number) => bigint;

/** What a program is prepared with; fixed for all its runs. */
export interface EngineOptions<Env extends HelperEnv = HelperEnv> {
  /** Helpers reachable by `call N` and `callx` (default: none). */
  readonly helpers?: HelperTable<Env>;
  /** The address space to run in (default: a fresh one per engine). */
  readonly space?: AddressSpace;
  /** Values of pseudo lddw instructions; without it they are rejected. */
  readonly resolveLddw?: LddwResolver;
}

/** One run's inputs. */
export interface RunOptions<Env extends HelperEnv = HelperEnv> {
  /**
   * Input memory, copied into a fresh writable region: r1 = its address,
   * r2 = its length (the conformance suite's contract). Absent: r1 = r2 = 0.
   */
  readonly memory?: Uint8Array;
  /** Initial values of r0–r9 by register number; they override r1/r2 above. */
  readonly registers?: readonly (bigint | undefined)[];
  /** Stop with BudgetExceededError after this many executed instructions. */
  readonly budget?: number;
  /** Passed to helpers (default `{ space, cpu: 0 }`). */
  readonly env?: Env;
  /** Further regions the program may access (ctx, packets, map values…). */
  readonly regions?: readonly Region[];
  /** Any live region of these kinds is accessible too (map values a helper hands out). */
  readonly regionKinds?: readonly RegionKind[];
  /** Packet for the legacy LD_ABS / LD_IND loads. */
  readonly packet?: Uint8Array;
  /**
   * The instruction to start at (default 0): a subprogram, when a helper such
   * as bpf_loop calls back into the program. It runs on a fresh stack frame and
   * returns at its exit.
   */
  readonly entry?: number;
}

/** What a run gives back. */
export interface RunResult {
  /** r0 at exit, unsigned 64-bit. */
  readonly r0: bigint;
  /** Instructions executed (a lddw counts once). */
  readonly executed: number;
  /** The input memory after the run (only when `memory` was given). */
  readonly memory?: Uint8Array;
}

/** A prepared program that can run many times. */
export interface Executable<Env extends HelperEnv = HelperEnv> {
  run(options?: RunOptions<Env>): RunResult;
}

/** Bytes of stack per frame, and the deepest call chain (the kernel's MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
