/**
 * BPF → WebAssembly. Each BPF function (the entry and every bpf-to-bpf call
 * target) becomes a WebAssembly function taking r1–r5 and the frame pointer
 * and returning r0; registers are i64 locals, so r6–r9 are callee-saved for
 * free. Control flow is rebuilt as blocks, loops and ifs by Ramsey's
 * algorithm ("Beyond Relooper", 2022) over the dominator tree; an irreducible
 * function becomes a dispatch loop. Loads and stores go straight to the
 * runtime's memory; helpers are imports.
 */
import type { Instruction } from '../../isa/index.js';
import { STACK_SIZE } from '../../isa/index.js';
import { functionGraph, type BasicBlock, type FunctionGraph } from './cfg.js';
import { Code, I32, I64, uleb, type FunctionDef, type ImportedFunction, type ModuleDef, type ValueType } from './wasm.js';

/** Why a run stopped inside compiled code; passed to the `trap` import with the slot. */
export const TrapCode = { FELL_OFF: 1, CALL_DEPTH: 2, OUT_OF_FUEL: 3, BAD_JUMP: 4 } as const;

/** Instructions the JIT does not compile; programs with them run in the interpreter. */
export class JitUnsupportedError extends Error {
  override readonly name = 'JitUnsupportedError';
  readonly code = 'JIT_UNSUPPORTED';
  constructor(readonly index: number, reason: string) {
    super(`instruction ${index}: ${reason}`);
  }
}

export interface CompileOptions {
  /** Values of pseudo lddw instructions (map fds, map values, functions). */
  readonly resolveLddw?: (insn: Instruction, index: number) => bigint;
  /** The memory the module imports: its limits must match the runtime's. */
  readonly memory: { readonly initial: number; readonly maximum: number; readonly shared: boolean };
  /**
   * Count loop iterations against a budget (default true). A verified program
   * is proven to terminate, as the kernel's verifier proves it; its loops can
   * go without the count.
   */
  readonly fuel?: boolean;
  /** Helpers with a 32-bit form (see `FastHelper`): called without BigInts. */
  readonly fastHelpers?: ReadonlyMap<number, { readonly arity: number; readonly result: 'address' | 'errno' }>;
  /**
   * What a map pointer (a resolved lddw map_fd value) is, when its lookups can
   * be inlined: a plain array, whose value for key k sits at values + k * stride.
   */
  readonly describeMap?: (pointer: bigint) => InlineArray | undefined;
}

export type InlineArray = InlineArrayMap | InlineHashMap;

export interface InlineArrayMap {
  readonly kind: 'array';
  readonly values: number;
  readonly stride: number;
  readonly maxEntries: number;
}

/** A plain hash map whose chains sit in the address space (see HashMap.layout): FNV-1a, buckets, next, hashes, slots. */
export interface InlineHashMap {
  readonly kind: 'hash';
  readonly buckets: number;
  readonly bucketMask: number;
  readonly next: number;
  readonly hashes: number;
  readonly slots: number;
  readonly slotSize: number;
  readonly keySize: number;
  readonly keyStride: number;
}

/** Keys up to this size have their hash and comparison unrolled inline; larger ones call the helper. */
const MAX_INLINE_KEY = 64;

export interface CompiledProgram {
  readonly module: ModuleDef;
  /** Helper ids, in the order of their imports (after the fixed ones). */
  readonly helpers: readonly number[];
  /** Helpers also imported in their 32-bit form (module "fast"), after those. */
  readonly fastHelpers: readonly number[];
  /** BPF functions: their first slot and the export that runs them. */
  readonly functions: readonly { readonly entry: number; readonly export: string }[];
  /** Functions compiled as dispatch loops because their control flow is irreducible. */
  readonly dispatchLoops: number;
}

/** Fixed imports, before the helpers. */
const IMPORT_TRAP = 0;
const IMPORT_CALLX = 1;
const FIXED_IMPORTS = 2;
/** Globals: the fuel left (loop iterations) and the lowest frame pointer a call may make. */
const GLOBAL_FUEL = 0;
const GLOBAL_STACK_LIMIT = 1;

// Locals: r1–r5 and r10 are the parameters; then r0, r6–r9, and scratch.
const R10 = 5;
const R0 = 6;
const T64 = 11;
const T32 = 12;
const PC = 13;
/** Loop iterations this function may still make (a copy of the fuel global, cheaper to count down). */
const FUEL = 14;
/** A second i32 scratch (the slot an inlined hash lookup walks). */
const S32 = 15;
const LOCALS: readonly ValueType[] = [I64, I64, I64, I64, I64, /* t64 */ I64, /* t32 */ I32, /* pc */ I32, /* fuel */ I64, /* s32 */ I32];
const reg = (n: number): number => (n === 0 ? R0 : n <= 5 ? n - 1 : n === 10 ? R10 : n + 1);

const FUNC_TYPE = { params: [I64, I64, I64, I64, I64, I64], results: [I64] } as const;
const HELPER_TYPE = { params: [I64, I64, I64, I64, I64], results: [I64] } as const;

// Opcodes.
const I64_ADD = 0x7c, I64_SUB = 0x7d, I64_MUL = 0x7e, I64_DIV_S = 0x7f, I64_DIV_U = 0x80, I64_REM_S = 0x81, I64_REM_U = 0x82;
const I64_AND = 0x83, I64_OR = 0x84, I64_XOR = 0x85, I64_SHL = 0x86, I64_SHR_S = 0x87, I64_SHR_U = 0x88;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_DIV_S = 0x6d, I32_DIV_U = 0x6e, I32_REM_S = 0x6f, I32_REM_U = 0x70;
const I32_AND = 0x71, I32_OR = 0x72, I32_XOR = 0x73, I32_SHL = 0x74, I32_SHR_S = 0x75, I32_SHR_U = 0x76;
const I32_WRAP = 0xa7, I64_EXTEND_U = 0xad;
const I64_EXTEND8 = 0xc2, I64_EXTEND16 = 0xc3, I64_EXTEND32 = 0xc4, I32_EXTEND8 = 0xc0, I32_EXTEND16 = 0xc1;

const OPS64: Record<string, [string, number]> = {
  add: ['i64.add', I64_ADD], sub: ['i64.sub', I64_SUB], mul: ['i64.mul', I64_MUL], or: ['i64.or', I64_OR],
  and: ['i64.and', I64_AND], xor: ['i64.xor', I64_XOR], lsh: ['i64.shl', I64_SHL], rsh: ['i64.shr_u', I64_SHR_U],
  arsh: ['i64.shr_s', I64_SHR_S],
};
const OPS32: Record<string, [string, number]> = {
  add: ['i32.add', I32_ADD], sub: ['i32.sub', I32_SUB], mul: ['i32.mul', I32_MUL], or: ['i32.or', I32_OR],
  and: ['i32.and', I32_AND], xor: ['i32.xor', I32_XOR], lsh: ['i32.shl', I32_SHL], rsh: ['i32.shr_u', I32_SHR_U],
  arsh: ['i32.shr_s', I32_SHR_S],
};
const CMP64: Record<string, [string, number]> = {
  jeq: ['i64.eq', 0x51], jne: ['i64.ne', 0x52], jslt: ['i64.lt_s', 0x53], jlt: ['i64.lt_u', 0x54], jsgt: ['i64.gt_s', 0x55],
  jgt: ['i64.gt_u', 0x56], jsle: ['i64.le_s', 0x57], jle: ['i64.le_u', 0x58], jsge: ['i64.ge_s', 0x59], jge: ['i64.ge_u', 0x5a],
};
const CMP32: Record<string, [string, number]> = {
  jeq: ['i32.eq', 0x46], jne: ['i32.ne', 0x47], jslt: ['i32.lt_s', 0x48], jlt: ['i32.lt_u', 0x49], jsgt: ['i32.gt_s', 0x4a],
  jgt: ['i32.gt_u', 0x4b], jsle: ['i32.le_s', 0x4c], jle: ['i32.le_u', 0x4d], jsge: ['i32.ge_s', 0x4e], jge: ['i32.ge_u', 0x4f],
};
const LOADS: Record<string, [string, number, number]> = {
  '1u': ['i64.load8_u', 0x31, 0], '2u': ['i64.load16_u', 0x33, 1], '4u': ['i64.load32_u', 0x35, 2], '8u': ['i64.load', 0x29, 3],
  '1s': ['i64.load8_s', 0x30, 0], '2s': ['i64.load16_s', 0x32, 1], '4s': ['i64.load32_s', 0x34, 2],
};
const STORES: Record<number, [string, number, number]> = {
  1: ['i64.store8', 0x3c, 0], 2: ['i64.store16', 0x3d, 1], 4: ['i64.store32', 0x3e, 2], 8: ['i64.store', 0x37, 3],
};
/** i64 atomic read-modify-write opcodes (after 0xfe): [64-bit, 32-bit zero-extending]. */
const ATOMICS: Record<string, [number, number]> = {
  add: [0x1f, 0x24], and: [0x2d, 0x32], or: [0x34, 0x39], xor: [0x3b, 0x40], xchg: [0x42, 0x47], cmpxchg: [0x49, 0x4e],
};

const signExtend32 = (imm: number) => BigInt(imm | 0);

/** The slots where BPF functions start: 0 and every bpf-to-bpf call target. */
export function functionEntries(insns: readonly Instruction[]): number[] {
  const entries = new Set([0]);
  insns.forEach((insn, i) => {
    if (insn.op.kind === 'call' && insn.op.target === 'local') entries.add(i + insn.imm + 1);
    if (insn.op.kind === 'lddw' && insn.op.pseudo === 'func') entries.add(i + insn.imm + 1);
  });
  return [...entries].sort((a, b) => a - b);
}

/** Compiles a slot-indexed program (as the interpreter takes it) to a module definition. */
export function compileProgram(insns: readonly Instruction[], options: CompileOptions): CompiledProgram {
  const entries = functionEntries(insns);
  for (const e of entries) if (e < 0 || e >= insns.length) throw new JitUnsupportedError(0, `a call or function address targets slot ${e}, outside the program`);
  // Helper imports first, so every function index is known before any code is written.
  const helperIds: number[] = [];
  for (const insn of insns) {
    if (insn.op.kind === 'call' && insn.op.target === 'helper' && !helperIds.includes(insn.imm >>> 0)) helperIds.push(insn.imm >>> 0);
  }
  const fastIds = helperIds.filter((id) => options.fastHelpers?.has(id));
  const helperImport = (id: number) => FIXED_IMPORTS + helperIds.indexOf(id);
  const fastImport = (id: number) => FIXED_IMPORTS + helperIds.length + fastIds.indexOf(id);
  const firstFunction = FIXED_IMPORTS + helperIds.length + fastIds.length;
  const funcIndex = (entry: number) => {
    const i = entries.indexOf(entry);
    if (i < 0) throw new JitUnsupportedError(entry, 'call into the middle of a function');
    return firstFunction + i;
  };
  let dispatchLoops = 0;
  const bodies = entries.map((entry, f) => {
    const end = entries[f + 1] ?? insns.length;
    const graph = functionGraph(insns, entry, end);
    const code = new Code();
    const emitter = new Emitter(insns, code, options, helperImport, funcIndex, fastImport);
    code.globalGet(GLOBAL_FUEL).localSet(FUEL);
    if (graph.reducible) emitter.structured(graph);
    else {
      dispatchLoops++;
      emitter.dispatch(graph);
    }
    code.op('unreachable', [0x00]);
    return code;
  });
  const functions: FunctionDef[] = bodies.map((code, f) => ({
    name: `bpf function at slot ${entries[f]}`,
    type: FUNC_TYPE,
    locals: LOCALS,
    code,
    export: `f${entries[f]}`,
  }));
  const imports: ImportedFunction[] = [
    { module: 'env', name: 'trap', type: { params: [I32, I32], results: [] } },
    { module: 'env', name: 'callx', type: { params: [I64, I64, I64, I64, I64, I64], results: [I64] } },
    ...helperIds.map((id) => ({ module: 'helpers', name: String(id), type: HELPER_TYPE })),
    ...fastIds.map((id) => {
      const arity = options.fastHelpers!.get(id)!.arity;
      return { module: 'fast', name: String(id), type: { params: Array<ValueType>(arity).fill(I32), results: [I32] as ValueType[] } };
    }),
  ];
  // The usual entry: r1 and r2 as 32-bit numbers (a context or memory and its size) and a zeroed frame,
  // so a run crosses from JavaScript without BigInts.
  const entry = new Code();
  entry.localGet(2).i32Const(STACK_SIZE).op('i32.sub', [I32_SUB]).i32Const(0).i32Const(STACK_SIZE).op('memory.fill', [0xfc, 0x0b, 0x00]);
  entry.localGet(0).op('i64.extend_i32_u', [I64_EXTEND_U]).localGet(1).op('i64.extend_i32_u', [I64_EXTEND_U]);
  entry.i64Const(0n).i64Const(0n).i64Const(0n).localGet(2).op('i64.extend_i32_u', [I64_EXTEND_U]).call(firstFunction, 'the program');
  functions.push({ name: 'entry with 32-bit arguments', type: { params: [I32, I32, I32], results: [I64] }, locals: [], code: entry, export: 'entry' });
  // The entry of an event whose r0 nobody reads (a tracing hook): no 64-bit result to turn into a BigInt.
  const event = new Code();
  event.localGet(0).i32Const(0).localGet(1).call(firstFunction + functions.length - 1, 'entry').op('drop', [0x1a]);
  functions.push({ name: 'event entry', type: { params: [I32, I32], results: [] }, locals: [], code: event, export: 'event' });
  return {
    module: {
      memory: { module: 'env', name: 'memory', ...options.memory },
      imports,
      functions,
      globals: [
        { type: I64, mutable: true, init: 0n, export: 'fuel' },
        { type: I64, mutable: true, init: 0n, export: 'stack_limit' },
      ],
    },
    helpers: helperIds,
    fastHelpers: fastIds,
    functions: entries.map((entry) => ({ entry, export: `f${entry}` })),
    dispatchLoops,
  };
}

type Enclosing = { kind: 'loop'; block: number } | { kind: 'block'; follow: number } | { kind: 'if' };

class Emitter {
  constructor(
    private readonly insns: readonly Instruction[],
    private readonly code: Code,
    private readonly options: CompileOptions,
    private readonly helperImport: (id: number) => number,
    private readonly funcIndex: (entry: number) => number,
    private readonly fastImport: (id: number) => number,
  ) {}

  /** Registers known, within the current block, to hold a map pointer from a lddw map_fd. */
  #maps = new Map<number, bigint>();

  // ---------------------------------------------------------------- control flow

  /** Ramsey's translation of a reducible graph. */
  structured(g: FunctionGraph): void {
    this.#doTree(g, g.order[0]!, []);
  }

  #doTree(g: FunctionGraph, x: BasicBlock, context: Enclosing[]): void {
    // Merge children go after x's code, highest reverse-postorder number outermost (so it comes last).
    const merges = (g.children.get(x.index) ?? []).filter((c) => g.mergeNodes.has(c)).sort((a, b) => g.blocks[b]!.rpo - g.blocks[a]!.rpo);
    if (g.loopHeaders.has(x.index)) {
      this.code.open('loop', `block at slot ${x.start}`);
      this.#fuel(x.start);
      this.#nodeWithin(g, x, merges, [{ kind: 'loop', block: x.index }, ...context]);
      this.code.end();
    } else {
      this.#nodeWithin(g, x, merges, context);
    }
  }

  #nodeWithin(g: FunctionGraph, x: BasicBlock, merges: number[], context: Enclosing[]): void {
    if (merges.length === 0) {
      this.#blockBody(g, x, context);
      return;
    }
    const [y, ...rest] = merges as [number, ...number[]];
    this.code.open('block', `followed by slot ${g.blocks[y]!.start}`);
    this.#nodeWithin(g, x, rest, [{ kind: 'block', follow: y }, ...context]);
    this.code.end();
    this.#doTree(g, g.blocks[y]!, context);
  }

  #branch(g: FunctionGraph, from: BasicBlock, to: number, context: Enclosing[]): void {
    const target = g.blocks[to]!;
    if (target.rpo <= from.rpo) {
      this.code.br(context.findIndex((c) => c.kind === 'loop' && c.block === to));
    } else if (g.mergeNodes.has(to)) {
      this.code.br(context.findIndex((c) => c.kind === 'block' && c.follow === to));
    } else {
      this.#doTree(g, target, context);
    }
  }

  /** A block's straight-line code and its way out. */
  #blockBody(g: FunctionGraph, b: BasicBlock, context: Enclosing[]): void {
    const last = this.#straight(b);
    const insn = this.insns[last]!;
    if (insn.op.kind === 'exit') {
      this.code.localGet(R0).op('return', [0x0f]);
    } else if (insn.op.kind === 'jump') {
      this.#condition(insn);
      this.code.open('if', '');
      this.#branch(g, b, b.successors[0]!, [{ kind: 'if' }, ...context]);
      this.code.else();
      this.#fallthrough(g, b, 1, [{ kind: 'if' }, ...context], last);
      this.code.end();
    } else if (insn.op.kind === 'ja') {
      if (b.successors.length === 0) this.#trap(TrapCode.BAD_JUMP, last);
      else this.#branch(g, b, b.successors[0]!, context);
    } else {
      this.#fallthrough(g, b, 0, context, last);
    }
  }

  #fallthrough(g: FunctionGraph, b: BasicBlock, successor: number, context: Enclosing[], last: number): void {
    const to = b.successors[successor];
    if (to === undefined) this.#trap(TrapCode.FELL_OFF, last);
    else this.#branch(g, b, to, context);
  }

  /** An irreducible function: every block a case of a loop over a pc local. */
  dispatch(g: FunctionGraph): void {
    const order = g.order;
    const n = order.length;
    const caseOf = new Map(order.map((b, i) => [b.index, i]));
    this.code.i32Const(0).localSet(PC);
    this.code.open('loop', 'dispatch');
    this.#fuel(order[0]!.start);
    for (let i = n - 1; i >= 0; i--) this.code.open('block', `case ${i}`);
    this.code.localGet(PC).brTable(order.map((_, i) => i), n - 1);
    order.forEach((b, i) => {
      this.code.end();
      const toLoop = n - 1 - i;
      const goto = (to: number | undefined, extra: number, at: number) => {
        if (to === undefined) this.#trap(TrapCode.FELL_OFF, at);
        else this.code.i32Const(caseOf.get(to)!).localSet(PC).br(toLoop + extra);
      };
      const last = this.#straight(b);
      const insn = this.insns[last]!;
      if (insn.op.kind === 'exit') this.code.localGet(R0).op('return', [0x0f]);
      else if (insn.op.kind === 'jump') {
        this.#condition(insn);
        this.code.open('if', '');
        goto(b.successors[0], 1, last);
        this.code.else();
        goto(b.successors[1], 1, last);
        this.code.end();
      } else if (insn.op.kind === 'ja') goto(b.successors[0], 0, last);
      else goto(b.successors[0], 0, last);
    });
    this.code.end();
  }

  /** Counts a loop iteration against the run's fuel. */
  #fuel(slot: number): void {
    if (this.options.fuel === false) return;
    this.code.localGet(FUEL).i64Const(1n).op('i64.sub', [I64_SUB]).localTee(FUEL).i64Const(0n).op('i64.lt_s', [0x53]);
    this.code.open('if', 'out of fuel');
    this.#trap(TrapCode.OUT_OF_FUEL, slot);
    this.code.end();
  }

  #trap(code: number, slot: number): void {
    this.code.i32Const(code).i32Const(slot).call(IMPORT_TRAP, 'trap').op('unreachable', [0x00]);
  }

  // ---------------------------------------------------------------- instructions

  /** Emits a block's instructions except a final jump or exit; returns the last slot. */
  #straight(b: BasicBlock): number {
    let last = b.start;
    this.#maps.clear();
    for (let i = b.start; i < b.end; i++) {
      const insn = this.insns[i]!;
      if (insn.op.kind === 'lddw-tail') continue;
      last = i;
      const k = insn.op.kind;
      if (k === 'exit' || k === 'jump' || k === 'ja') break;
      this.#instruction(insn, i);
      this.#track(insn, i);
    }
    return last;
  }

  /** Keeps `#maps` true: a lddw map_fd sets it; any other write to the register clears it. */
  #track(insn: Instruction, i: number): void {
    const op = insn.op;
    if (op.kind === 'lddw' && op.pseudo === 'map_fd' && this.options.resolveLddw) {
      this.#maps.set(insn.dst, BigInt.asUintN(64, this.options.resolveLddw(insn, i)));
      return;
    }
    if (op.kind === 'alu' || op.kind === 'endian' || op.kind === 'load' || op.kind === 'lddw') this.#maps.delete(insn.dst);
    else if (op.kind === 'atomic') {
      if (op.name === 'cmpxchg') this.#maps.delete(0);
      else if (op.fetch) this.#maps.delete(insn.src);
    } else if (op.kind === 'call' || op.kind === 'callx') this.#maps.delete(0);
  }

  /** Pushes a pointer argument as an i32; a value above 4 GiB becomes 0xffffffff, which no region holds. */
  #pointerArg(r: number): void {
    const c = this.code;
    c.localGet(reg(r)).op('i32.wrap_i64', [I32_WRAP]).i32Const(-1);
    c.localGet(reg(r)).i64Const(32n).op('i64.shr_u', [I64_SHR_U]).op('i64.eqz', [0x50]);
    c.op('select', [0x1b]);
  }

  /**
   * bpf_map_lookup_elem on a plain hash map, in WebAssembly: FNV-1a over the
   * key, then along the bucket's chain comparing hashes and keys — what
   * HashMap does in JavaScript, over the same memory.
   */
  #inlineHashLookup(map: InlineHashMap): void {
    const c = this.code;
    const key = () => c.localGet(reg(2)).op('i32.wrap_i64', [I32_WRAP]);
    c.comment('bpf_map_lookup_elem on a hash map, inlined');
    c.i32Const(0x811c9dc5 | 0).localSet(T32);
    for (let k = 0; k < map.keySize; k++) {
      c.localGet(T32);
      key().op(`i32.load8_u offset=${k}`, [0x2d], [0, ...uleb(k)]);
      c.op('i32.xor', [I32_XOR]).i32Const(0x01000193).op('i32.mul', [I32_MUL]).localSet(T32);
    }
    c.localGet(T32).i32Const(map.bucketMask).op('i32.and', [I32_AND]).i32Const(2).op('i32.shl', [I32_SHL]);
    c.op(`i32.load offset=${map.buckets}`, [0x28], [2, ...uleb(map.buckets)]).localSet(S32);
    c.open('block', 'found or not');
    c.open('loop', 'along the chain');
    c.localGet(S32).i32Const(-1).op('i32.eq', [0x46]);
    c.open('if', 'end of chain');
    c.i64Const(0n).localSet(R0).br(2);
    c.end();
    c.localGet(S32).i32Const(2).op('i32.shl', [I32_SHL]).op(`i32.load offset=${map.hashes}`, [0x28], [2, ...uleb(map.hashes)]).localGet(T32).op('i32.eq', [0x46]);
    c.open('if', 'same hash');
    // The slot's key starts at slots + s * slotSize; compare it with the key byte by byte (8 at a time where they fit).
    const slotKey = () => c.localGet(S32).i32Const(map.slotSize).op('i32.mul', [I32_MUL]);
    let first = true;
    for (let k = 0; k < map.keySize;) {
      const wide = map.keySize - k >= 8;
      const [load, opcode, size, eq] = wide ? ['i64.load', 0x29, 8, ['i64.eq', 0x51]] as const : ['i32.load8_u', 0x2d, 1, ['i32.eq', 0x46]] as const;
      slotKey().op(`${load} offset=${map.slots + k}`, [opcode], [0, ...uleb(map.slots + k)]);
      key().op(`${load} offset=${k}`, [opcode], [0, ...uleb(k)]);
      c.op(eq[0], [eq[1]]);
      if (!first) c.op('i32.and', [I32_AND]);
      first = false;
      k += size;
    }
    c.open('if', 'same key');
    slotKey().i32Const(map.slots + map.keyStride).op('i32.add', [I32_ADD]).op('i64.extend_i32_u', [I64_EXTEND_U]).localSet(R0).br(3);
    c.end();
    c.end();
    c.localGet(S32).i32Const(2).op('i32.shl', [I32_SHL]).op(`i32.load offset=${map.next}`, [0x28], [2, ...uleb(map.next)]).localSet(S32).br(0);
    c.end();
    c.end();
  }

  /** bpf_map_lookup_elem on a plain array, in WebAssembly: the value's address, or NULL past the end. */
  #inlineArrayLookup(array: InlineArrayMap): void {
    const c = this.code;
    c.comment('bpf_map_lookup_elem on an array, inlined');
    c.localGet(reg(2)).op('i32.wrap_i64', [I32_WRAP]).mem('i64.load32_u', [0x35], 2).localTee(T64);
    c.i64Const(BigInt(array.maxEntries)).op('i64.lt_u', [0x54]);
    c.open('if', 'key in range');
    c.localGet(T64).i64Const(BigInt(array.stride)).op('i64.mul', [I64_MUL]).i64Const(BigInt(array.values)).op('i64.add', [I64_ADD]).localSet(R0);
    c.else();
    c.i64Const(0n).localSet(R0);
    c.end();
  }

  /** Pushes the second operand of an ALU or jump: a register, or the immediate (sign-extended for 64 bits). */
  #operand(insn: Instruction, wide: boolean): void {
    const op = insn.op as { operand: 'imm' | 'reg' };
    if (op.operand === 'reg') {
      this.code.localGet(reg(insn.src));
      if (!wide) this.code.op('i32.wrap_i64', [I32_WRAP]);
    } else if (wide) {
      this.code.i64Const(signExtend32(insn.imm));
    } else {
      this.code.i32Const(insn.imm);
    }
  }

  #condition(insn: Instruction): void {
    const op = insn.op as { width: 32 | 64; condition: string };
    const wide = op.width === 64;
    this.code.localGet(reg(insn.dst));
    if (!wide) this.code.op('i32.wrap_i64', [I32_WRAP]);
    this.#operand(insn, wide);
    if (op.condition === 'jset') {
      if (wide) this.code.op('i64.and', [I64_AND]).i64Const(0n).op('i64.ne', [0x52]);
      else this.code.op('i32.and', [I32_AND]).op('i32.eqz', [0x45]).op('i32.eqz', [0x45]);
      return;
    }
    const [text, opcode] = (wide ? CMP64 : CMP32)[op.condition]!;
    this.code.op(text, [opcode]);
  }

  #address(base: number, offset: number): void {
    this.code.localGet(reg(base));
    if (offset !== 0) this.code.i64Const(BigInt(offset)).op('i64.add', [I64_ADD]);
    this.code.op('i32.wrap_i64', [I32_WRAP]);
  }

  #instruction(insn: Instruction, i: number): void {
    const c = this.code;
    const op = insn.op;
    const dst = reg(insn.dst);
    switch (op.kind) {
      case 'alu': {
        if (op.width === 64) this.#alu64(insn, op.name);
        else this.#alu32(insn, op.name);
        return;
      }
      case 'endian': {
        this.#endian(dst, op.order, op.bits);
        return;
      }
      case 'load': {
        const [text, opcode, align] = LOADS[`${op.size}${op.signed ? 's' : 'u'}`]!;
        this.#address(insn.src, insn.offset);
        c.mem(text, [opcode], align).localSet(dst);
        return;
      }
      case 'store': {
        const [text, opcode, align] = STORES[op.size]!;
        this.#address(insn.dst, insn.offset);
        if (op.operand === 'reg') c.localGet(reg(insn.src));
        else c.i64Const(signExtend32(insn.imm));
        c.mem(text, [opcode], align);
        return;
      }
      case 'atomic': {
        const [wide, narrow] = ATOMICS[op.name]!;
        const code = op.size === 8 ? wide : narrow;
        const align = op.size === 8 ? 3 : 2;
        this.#address(insn.dst, insn.offset);
        if (op.name === 'cmpxchg') {
          c.localGet(R0).localGet(reg(insn.src)).mem(`i64.atomic.rmw${op.size === 4 ? '32' : ''}.cmpxchg${op.size === 4 ? '_u' : ''}`, [0xfe, code], align).localSet(R0);
          return;
        }
        c.localGet(reg(insn.src)).mem(`i64.atomic.rmw${op.size === 4 ? '32' : ''}.${op.name}${op.size === 4 ? '_u' : ''}`, [0xfe, code], align);
        if (op.fetch) c.localSet(reg(insn.src));
        else c.op('drop', [0x1a]);
        return;
      }
      case 'lddw': {
        let value: bigint;
        if (op.pseudo === 'imm64') value = insn.imm64 ?? BigInt(insn.imm >>> 0) | (BigInt(this.insns[i + 1]!.imm >>> 0) << 32n);
        else if (this.options.resolveLddw) value = BigInt.asUintN(64, this.options.resolveLddw(insn, i));
        else throw new JitUnsupportedError(i, `lddw with pseudo source ${op.pseudo} needs a runtime to resolve it`);
        c.i64Const(value).localSet(dst);
        return;
      }
      case 'call': {
        if (op.target === 'kfunc') throw new JitUnsupportedError(i, 'kfunc calls by BTF id');
        if (op.target === 'helper') {
          const id = insn.imm >>> 0;
          const mapPointer = this.#maps.get(1);
          const array = id === 1 && mapPointer !== undefined ? this.options.describeMap?.(mapPointer) : undefined;
          if (array?.kind === 'array') {
            this.#inlineArrayLookup(array);
            return;
          }
          if (array?.kind === 'hash' && array.keySize <= MAX_INLINE_KEY) {
            this.#inlineHashLookup(array);
            return;
          }
          const fast = this.options.fastHelpers?.get(id);
          if (fast) {
            for (let r = 1; r <= fast.arity; r++) this.#pointerArg(r);
            c.call(this.fastImport(id), `helper ${id}, 32-bit form`);
            c.op(fast.result === 'address' ? 'i64.extend_i32_u' : 'i64.extend_i32_s', [fast.result === 'address' ? I64_EXTEND_U : 0xac]).localSet(R0);
            return;
          }
          for (let r = 1; r <= 5; r++) c.localGet(reg(r));
          c.call(this.helperImport(id), `helper ${id}`).localSet(R0);
          return;
        }
        const target = i + insn.imm + 1;
        const callee = this.funcIndex(target);
        // The callee's frame sits just below this one; a chain deeper than the kernel's 8 frames stops.
        c.localGet(R10).i64Const(BigInt(STACK_SIZE)).op('i64.sub', [I64_SUB]).localSet(T64);
        c.localGet(T64).globalGet(GLOBAL_STACK_LIMIT).op('i64.le_u', [0x58]);
        c.open('if', 'too deep');
        this.#trap(TrapCode.CALL_DEPTH, i);
        c.end();
        // A fresh frame starts zeroed, as the interpreter's does.
        c.localGet(T64).i64Const(BigInt(STACK_SIZE)).op('i64.sub', [I64_SUB]).op('i32.wrap_i64', [I32_WRAP]).i32Const(0).i32Const(STACK_SIZE).op('memory.fill', [0xfc, 0x0b, 0x00]);
        for (let r = 1; r <= 5; r++) c.localGet(reg(r));
        c.localGet(T64).call(callee, `bpf function at slot ${target}`).localSet(R0);
        return;
      }
      case 'callx': {
        c.localGet(reg(insn.dst));
        for (let r = 1; r <= 5; r++) c.localGet(reg(r));
        c.call(IMPORT_CALLX, 'callx').localSet(R0);
        return;
      }
      case 'packet-load':
        throw new JitUnsupportedError(i, 'legacy packet loads (LD_ABS/LD_IND)');
      default:
        throw new JitUnsupportedError(i, `${op.kind} in straight-line code`);
    }
  }

  #alu64(insn: Instruction, name: string): void {
    const c = this.code;
    const dst = reg(insn.dst);
    const imm = (insn.op as { operand: string }).operand === 'imm';
    const simple = OPS64[name];
    if (simple) {
      c.localGet(dst);
      this.#operand(insn, true);
      c.op(simple[0], [simple[1]]).localSet(dst);
      return;
    }
    switch (name) {
      case 'mov': this.#operand(insn, true); c.localSet(dst); return;
      case 'movsx8': case 'movsx16': case 'movsx32': {
        this.#operand(insn, true);
        const [text, opcode] = name === 'movsx8' ? ['i64.extend8_s', I64_EXTEND8] : name === 'movsx16' ? ['i64.extend16_s', I64_EXTEND16] : ['i64.extend32_s', I64_EXTEND32];
        c.op(text as string, [opcode as number]).localSet(dst);
        return;
      }
      case 'neg': c.i64Const(0n).localGet(dst).op('i64.sub', [I64_SUB]).localSet(dst); return;
      case 'div': case 'mod': case 'sdiv': case 'smod': {
        if (imm) return this.#divImm64(insn, name);
        const signed = name[0] === 's';
        const isDiv = name.endsWith('div');
        // Division by zero gives 0, modulo by zero leaves dst; signed INT64_MIN / -1 is INT64_MIN (no trap).
        c.localGet(reg(insn.src)).op('i64.eqz', [0x50]);
        c.open('if', 'divisor 0');
        if (isDiv) c.i64Const(0n).localSet(dst);
        c.else();
        if (signed && isDiv) {
          c.localGet(reg(insn.src)).i64Const(-1n).op('i64.eq', [0x51]);
          c.open('if', 'divisor -1');
          c.i64Const(0n).localGet(dst).op('i64.sub', [I64_SUB]).localSet(dst);
          c.else();
          c.localGet(dst).localGet(reg(insn.src)).op('i64.div_s', [I64_DIV_S]).localSet(dst);
          c.end();
        } else {
          const [text, opcode] = signed ? ['i64.rem_s', I64_REM_S] : isDiv ? ['i64.div_u', I64_DIV_U] : ['i64.rem_u', I64_REM_U];
          c.localGet(dst).localGet(reg(insn.src)).op(text as string, [opcode as number]).localSet(dst);
        }
        c.end();
        return;
      }
      default: throw new JitUnsupportedError(0, `alu64 ${name}`);
    }
  }

  #divImm64(insn: Instruction, name: string): void {
    const c = this.code;
    const dst = reg(insn.dst);
    const k = signExtend32(insn.imm);
    if (k === 0n) {
      if (name.endsWith('div')) c.i64Const(0n).localSet(dst);
      return;
    }
    if (name === 'sdiv' && k === -1n) {
      c.i64Const(0n).localGet(dst).op('i64.sub', [I64_SUB]).localSet(dst);
      return;
    }
    const [text, opcode] = name === 'div' ? ['i64.div_u', I64_DIV_U] : name === 'mod' ? ['i64.rem_u', I64_REM_U] : name === 'sdiv' ? ['i64.div_s', I64_DIV_S] : ['i64.rem_s', I64_REM_S];
    c.localGet(dst).i64Const(k).op(text as string, [opcode as number]).localSet(dst);
  }

  #alu32(insn: Instruction, name: string): void {
    const c = this.code;
    const dst = reg(insn.dst);
    const simple = OPS32[name];
    const done = () => c.op('i64.extend_i32_u', [I64_EXTEND_U]).localSet(dst);
    if (simple) {
      c.localGet(dst).op('i32.wrap_i64', [I32_WRAP]);
      this.#operand(insn, false);
      c.op(simple[0], [simple[1]]);
      done();
      return;
    }
    switch (name) {
      case 'mov': this.#operand(insn, false); done(); return;
      case 'movsx8': this.#operand(insn, false); c.op('i32.extend8_s', [I32_EXTEND8]); done(); return;
      case 'movsx16': this.#operand(insn, false); c.op('i32.extend16_s', [I32_EXTEND16]); done(); return;
      case 'neg': c.i32Const(0).localGet(dst).op('i32.wrap_i64', [I32_WRAP]).op('i32.sub', [I32_SUB]); done(); return;
      case 'div': case 'mod': case 'sdiv': case 'smod': {
        const signed = name[0] === 's';
        const isDiv = name.endsWith('div');
        this.#operand(insn, false);
        c.localSet(T32);
        c.localGet(T32).op('i32.eqz', [0x45]);
        c.open('if', 'divisor 0');
        // By zero: div gives 0, mod leaves the low 32 bits of dst (zero-extended).
        if (isDiv) c.i32Const(0);
        else c.localGet(dst).op('i32.wrap_i64', [I32_WRAP]);
        done();
        c.else();
        if (signed && isDiv) {
          c.localGet(T32).i32Const(-1).op('i32.eq', [0x46]);
          c.open('if', 'divisor -1');
          c.i32Const(0).localGet(dst).op('i32.wrap_i64', [I32_WRAP]).op('i32.sub', [I32_SUB]);
          done();
          c.else();
          c.localGet(dst).op('i32.wrap_i64', [I32_WRAP]).localGet(T32).op('i32.div_s', [I32_DIV_S]);
          done();
          c.end();
        } else {
          const [text, opcode] = signed ? ['i32.rem_s', I32_REM_S] : isDiv ? ['i32.div_u', I32_DIV_U] : ['i32.rem_u', I32_REM_U];
          c.localGet(dst).op('i32.wrap_i64', [I32_WRAP]).localGet(T32).op(text as string, [opcode as number]);
          done();
        }
        c.end();
        return;
      }
      default: throw new JitUnsupportedError(0, `alu32 ${name}`);
    }
  }

  /** Byte-swaps the i32 on the stack. */
  #bswap32(): void {
    const c = this.code;
    c.localSet(T32);
    c.localGet(T32).i32Const(24).op('i32.shl', [I32_SHL]);
    c.localGet(T32).i32Const(0xff00).op('i32.and', [I32_AND]).i32Const(8).op('i32.shl', [I32_SHL]).op('i32.or', [I32_OR]);
    c.localGet(T32).i32Const(8).op('i32.shr_u', [I32_SHR_U]).i32Const(0xff00).op('i32.and', [I32_AND]).op('i32.or', [I32_OR]);
    c.localGet(T32).i32Const(24).op('i32.shr_u', [I32_SHR_U]).op('i32.or', [I32_OR]);
  }

  #endian(dst: number, order: 'le' | 'be' | 'swap', bits: 16 | 32 | 64): void {
    const c = this.code;
    if (order === 'le') {
      // The host is little-endian: only truncation.
      if (bits === 16) c.localGet(dst).i64Const(0xffffn).op('i64.and', [I64_AND]).localSet(dst);
      else if (bits === 32) c.localGet(dst).op('i32.wrap_i64', [I32_WRAP]).op('i64.extend_i32_u', [I64_EXTEND_U]).localSet(dst);
      return;
    }
    if (bits === 16) {
      c.localGet(dst).op('i32.wrap_i64', [I32_WRAP]).localSet(T32);
      c.localGet(T32).i32Const(0xff).op('i32.and', [I32_AND]).i32Const(8).op('i32.shl', [I32_SHL]);
      c.localGet(T32).i32Const(8).op('i32.shr_u', [I32_SHR_U]).i32Const(0xff).op('i32.and', [I32_AND]).op('i32.or', [I32_OR]);
      c.op('i64.extend_i32_u', [I64_EXTEND_U]).localSet(dst);
    } else if (bits === 32) {
      c.localGet(dst).op('i32.wrap_i64', [I32_WRAP]);
      this.#bswap32();
      c.op('i64.extend_i32_u', [I64_EXTEND_U]).localSet(dst);
    } else {
      c.localGet(dst).op('i32.wrap_i64', [I32_WRAP]);
      this.#bswap32();
      c.op('i64.extend_i32_u', [I64_EXTEND_U]).i64Const(32n).op('i64.shl', [I64_SHL]);
      c.localGet(dst).i64Const(32n).op('i64.shr_u', [I64_SHR_U]).op('i32.wrap_i64', [I32_WRAP]);
      this.#bswap32();
      c.op('i64.extend_i32_u', [I64_EXTEND_U]).op('i64.or', [I64_OR]).localSet(dst);
    }
  }
}
