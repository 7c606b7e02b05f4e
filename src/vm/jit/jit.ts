/**
 * The JIT engine: a program compiled to a WebAssembly module over the
 * runtime's own memory, so V8 turns it into machine code. It keeps the
 * interpreter's run contract (the interpreter stays the reference), except
 * that it does not count executed instructions and the budget bounds loop
 * iterations rather than instructions.
 *
 * Memory safety is WebAssembly's: the module can touch only the imported
 * memory. Unlike the interpreter it does not check region bounds — that is
 * the verifier's job for the programs it runs.
 */
import { HelperTable, ProgramExit, type HelperEnv } from '../../helpers/index.js';
import { STACK_SIZE, type Instruction } from '../../isa/index.js';
import { AddressSpace, type Region } from '../../memory/index.js';
import {
  BudgetExceededError, CallDepthError, MAX_CALL_FRAMES, MemoryAccessError, PcOutOfRangeError, UnknownHelperError,
  type EngineOptions, type Executable, type RunOptions, type RunResult,
} from '../interpreter/index.js';
import { TrapCode, compileProgram, type CompiledProgram, type InlineArray } from './compile.js';
import { encodeModule, printModule } from './wasm.js';

type WasmFunction = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint, fp: bigint) => bigint;

const U64 = (v: bigint) => BigInt.asUintN(64, v);

/** Registers the 32-bit entry can take: only r1 and r2, each below 4 GiB. */
function fitsEntry(regs: readonly (bigint | undefined)[]): boolean {
  for (let i = 0; i < regs.length; i++) {
    const v = regs[i];
    // r0 is not an input; the entry has r1 and r2 only.
    if (v === undefined || i === 0) continue;
    if (i > 2 || v < 0n || v > 0xffffffffn) return false;
  }
  return true;
}
const UNLIMITED = 1n << 62n;
const STACK_BYTES = STACK_SIZE * MAX_CALL_FRAMES;

export interface JitOptions<Env extends HelperEnv = HelperEnv> extends EngineOptions<Env> {
  /** Which map pointers are plain arrays whose lookups can be inlined (the runtime knows). */
  readonly describeMap?: (pointer: bigint) => InlineArray | undefined;
  /** The program was verified: its loops terminate, so they are compiled without a budget check. */
  readonly verified?: boolean;
}

type EntryFunction = (r1: number, r2: number, fp: number) => bigint;

export class JitProgram<Env extends HelperEnv = HelperEnv> implements Executable<Env> {
  readonly space: AddressSpace;
  readonly compiled: CompiledProgram;
  /** The module's bytes (what `tsbpf jit` writes). */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Milliseconds spent compiling BPF to WebAssembly and WebAssembly to machine code. */
  readonly compileMs: number;
  readonly #helpers: HelperTable<Env>;
  readonly #exports: Record<string, WasmFunction | WebAssembly.Global>;
  readonly #fuel: WebAssembly.Global;
  readonly #stackLimit: WebAssembly.Global;
  /** Stacks by nesting depth: a helper may call back into the program (bpf_loop) while it runs. */
  readonly #stacks: Region[] = [];
  #depth = 0;
  #env: Env | undefined;
  #budget = -1;
  /** The stack whose base the stack_limit global holds. */
  #limitFor = -1;

  readonly #entry: EntryFunction;
  readonly #event: (r1: number, fp: number) => void;

  constructor(readonly program: readonly Instruction[], options: JitOptions<Env> = {}) {
    const started = performance.now();
    this.space = options.space ?? new AddressSpace();
    this.#helpers = options.helpers ?? new HelperTable<Env>();
    const fastHelpers = new Map<number, { arity: number; result: 'address' | 'errno' }>();
    for (const h of this.#helpers) if (h.fast) fastHelpers.set(h.id, { arity: h.fast.arity, result: h.fast.result });
    this.compiled = compileProgram(program, {
      ...(options.resolveLddw ? { resolveLddw: options.resolveLddw } : {}),
      ...(options.describeMap ? { describeMap: options.describeMap } : {}),
      fastHelpers,
      ...(options.verified ? { fuel: false } : {}),
      memory: { initial: 0, maximum: 65536, shared: this.space.shared },
    });
    this.bytes = encodeModule(this.compiled.module);
    const module = new WebAssembly.Module(this.bytes);
    const firstCall = new Map<number, number>();
    program.forEach((insn, i) => {
      if (insn.op.kind === 'call' && insn.op.target === 'helper' && !firstCall.has(insn.imm >>> 0)) firstCall.set(insn.imm >>> 0, i);
    });
    const helperImports: Record<string, (...r: bigint[]) => bigint> = {};
    for (const id of this.compiled.helpers) {
      helperImports[String(id)] = (r1, r2, r3, r4, r5) => {
        const helper = this.#helpers.get(id);
        if (!helper) throw new UnknownHelperError(firstCall.get(id) ?? -1, BigInt(id));
        return helper.impl(this.#env!, U64(r1!), U64(r2!), U64(r3!), U64(r4!), U64(r5!));
      };
    }
    const fastImports: Record<string, (a: number, b: number, c: number, d: number) => number> = {};
    for (const id of this.compiled.fastHelpers) {
      const fast = this.#helpers.get(id)!.fast!;
      fastImports[String(id)] = (a, b, c, d) => fast.impl(this.#env!, a, b, c, d);
    }
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: this.space.memory,
        trap: (code: number, slot: number) => this.#trap(code, slot),
        callx: (id: bigint, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => {
          const helper = id >= 0n && id <= 0xffffffffn ? this.#helpers.get(Number(id)) : undefined;
          if (!helper) throw new UnknownHelperError(-1, U64(id));
          return helper.impl(this.#env!, U64(r1), U64(r2), U64(r3), U64(r4), U64(r5));
        },
      },
      helpers: helperImports,
      fast: fastImports,
    });
    this.#exports = instance.exports as Record<string, WasmFunction | WebAssembly.Global>;
    this.#fuel = this.#exports.fuel as WebAssembly.Global;
    this.#stackLimit = this.#exports.stack_limit as WebAssembly.Global;
    this.#entry = this.#exports.entry as unknown as EntryFunction;
    this.#event = this.#exports.event as unknown as (r1: number, fp: number) => void;
    this.compileMs = performance.now() - started;
  }

  /** The module as WebAssembly text. */
  toWat(): string {
    return printModule(this.compiled.module);
  }

  #trap(code: number, slot: number): never {
    switch (code) {
      case TrapCode.CALL_DEPTH: throw new CallDepthError(slot, MAX_CALL_FRAMES);
      case TrapCode.OUT_OF_FUEL: throw new BudgetExceededError(slot, this.#budget);
      default: throw new PcOutOfRangeError(slot + 1, this.program.length);
    }
  }

  run(options: RunOptions<Env> = {}): RunResult {
    const regs = options.registers;
    // The common case (a context in r1, maybe a size in r2, entry 0) crosses into WebAssembly with plain numbers.
    if (options.memory === undefined && (options.entry ?? 0) === 0 && this.#depth === 0 && (regs === undefined || fitsEntry(regs))) {
      return this.#runEntry(options);
    }
    return this.#runGeneral(options);
  }

  #runEntry(options: RunOptions<Env>): RunResult {
    const stack = (this.#stacks[0] ??= this.space.allocate(STACK_BYTES, { kind: 'stack', name: 'jit stack 0' }));
    const regs = options.registers;
    this.#env = options.env ?? ({ space: this.space, cpu: 0 } as HelperEnv as Env);
    // Setting an i64 global costs a BigInt: only when it changes (a run leaves the globals as it found them).
    const budget = options.budget ?? Infinity;
    if (budget !== this.#budget || this.#limitFor !== stack.start) {
      this.#budget = budget;
      this.#fuel.value = !Number.isFinite(budget) ? UNLIMITED : BigInt(Math.max(0, Math.floor(budget)));
      this.#stackLimit.value = BigInt(stack.start);
      this.#limitFor = stack.start;
    }
    this.#depth = 1;
    try {
      return { r0: U64(this.#entry(Number(regs?.[1] ?? 0n), Number(regs?.[2] ?? 0n), stack.start + STACK_BYTES)), executed: 0 };
    } catch (error) {
      if (error instanceof ProgramExit) return { r0: U64(error.r0), executed: 0 };
      if (error instanceof WebAssembly.RuntimeError) throw new MemoryAccessError(-1, 0n, 0, 'read', 'compiled code', error.message);
      throw error;
    } finally {
      this.#depth = 0;
      this.#env = undefined;
    }
  }

  /**
   * Runs the program for an event whose r0 nobody reads, with r1 = `context`:
   * the cheapest way in (no BigInt crosses). Tail calls and helper errors
   * propagate as from run().
   */
  runEvent(context: number, env: Env): void {
    if (this.#depth !== 0) {
      this.run({ registers: [0n, BigInt(context)], env });
      return;
    }
    const stack = (this.#stacks[0] ??= this.space.allocate(STACK_BYTES, { kind: 'stack', name: 'jit stack 0' }));
    if (this.#budget !== Infinity || this.#limitFor !== stack.start) {
      this.#budget = Infinity;
      this.#fuel.value = UNLIMITED;
      this.#stackLimit.value = BigInt(stack.start);
      this.#limitFor = stack.start;
    }
    this.#env = env;
    this.#depth = 1;
    try {
      this.#event(context, stack.start + STACK_BYTES);
    } catch (error) {
      if (error instanceof ProgramExit) return;
      if (error instanceof WebAssembly.RuntimeError) throw new MemoryAccessError(-1, 0n, 0, 'read', 'compiled code', error.message);
      throw error;
    } finally {
      this.#depth = 0;
      this.#env = undefined;
    }
  }

  #runGeneral(options: RunOptions<Env>): RunResult {
    const space = this.space;
    const entry = options.entry ?? 0;
    const fn = this.#exports[`f${entry}`] as WasmFunction | undefined;
    if (typeof fn !== 'function') throw new RangeError(`slot ${entry} does not start a function of the program`);
    const depth = this.#depth;
    const stack = (this.#stacks[depth] ??= space.allocate(STACK_BYTES, { kind: 'stack', name: `jit stack ${depth}` }));
    const owned: Region[] = [];
    const savedEnv = this.#env;
    const savedFuel = this.#fuel.value as bigint;
    const savedLimit = this.#stackLimit.value as bigint;
    try {
      const top = stack.start + STACK_BYTES;
      space.bytes.fill(0, top - STACK_SIZE, top);
      const regs = [0n, 0n, 0n, 0n, 0n, 0n];
      let input: Region | undefined;
      if (options.memory !== undefined && options.memory.length > 0) {
        input = space.allocate(options.memory.length, { kind: 'input', name: 'input memory' });
        owned.push(input);
        space.bytes.set(options.memory, input.start);
        regs[1] = BigInt(input.start);
        regs[2] = BigInt(input.size);
      }
      options.registers?.forEach((value, i) => {
        if (value !== undefined && i >= 1 && i <= 5) regs[i] = value;
      });
      this.#env = options.env ?? ({ space, cpu: 0 } as HelperEnv as Env);
      this.#budget = options.budget ?? Infinity;
      this.#fuel.value = options.budget === undefined || !Number.isFinite(options.budget) ? UNLIMITED : BigInt(Math.max(0, Math.floor(options.budget)));
      this.#stackLimit.value = BigInt(stack.start);
      this.#limitFor = -1;
      this.#depth = depth + 1;
      let r0: bigint;
      try {
        r0 = U64(fn(regs[1]!, regs[2]!, regs[3]!, regs[4]!, regs[5]!, BigInt(top)));
      } catch (error) {
        if (error instanceof ProgramExit) r0 = U64(error.r0);
        else if (error instanceof WebAssembly.RuntimeError) throw new MemoryAccessError(-1, 0n, 0, 'read', 'compiled code', error.message);
        else throw error;
      }
      const result: RunResult = { r0, executed: 0 };
      return input ? { ...result, memory: space.bytes.slice(input.start, input.start + input.size) } : result;
    } finally {
      this.#depth = depth;
      this.#env = savedEnv;
      if (depth > 0) {
        this.#fuel.value = savedFuel;
        this.#stackLimit.value = savedLimit;
      }
      for (const r of owned) space.release(r);
    }
  }

  /** Gives the stacks back to the address space. */
  free(): void {
    for (const r of this.#stacks.splice(0)) this.space.release(r);
  }
}
