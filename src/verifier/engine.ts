/**
 * Path exploration in the manner of Linux 6.18's `do_check`: one path at a
 * time, the other side of each undecided branch pushed on a stack, states
 * remembered at prune points and compared with `states_equal`, a budget of
 * one million processed instructions.
 */
import type { Instruction, AluName } from '../isa/index.js';
import type { HelperPrototype, ArgKind } from '../helpers/index.js';
import {
  type Tnum, aluScalar, endianScalar, immScalar, constScalar, unknownScalar, isConst, refineBranch,
  tnumIsConst, tnumAdd, tnumConst, tnumIsAligned, formatTnum, zeroExtendScalar, signExtendScalar, S64_MIN,
} from './scalar/index.js';
import { analyzeControlFlow, type ControlFlow } from './cfg.js';
import { type ProgramType, ctxAccess } from './context.js';
import { formatKernelInsn } from './disasm.js';
import { VerifierError, type VerifierErrorCode, type PathStep } from './errors.js';
import {
  type Frame, type Reg, type StackSlot, type SlotType, EMPTY_SLOT, NOT_INIT, cloneFrame, formatFrame, formatReg, formatSlot,
  isPointer, newFrame, pointerReg, regSafe, scalarReg, stackSafe, unknownReg,
} from './state.js';

/** The kernel's BPF_COMPLEXITY_LIMIT_INSNS. */
export const COMPLEXITY_LIMIT = 1_000_000;
/** MAX_BPF_STACK: bytes of stack per call chain. */
export const MAX_STACK = 512;
/** MAX_CALL_FRAMES. */
export const MAX_CALL_FRAMES = 8;

/** A helper the verifier may call: its name for the log and its prototype. */
export interface HelperInfo {
  readonly name: string;
  readonly proto: HelperPrototype;
}

/** Where helper prototypes come from (a `HelperTable` fits). */
export interface HelperSource {
  get(id: number): HelperInfo | undefined;
}

export interface VerifyOptions {
  readonly programType?: ProgramType;
  readonly helpers?: HelperSource;
  /** 0: no log, 1: instructions as processed, 2: plus the registers each one touched. */
  readonly logLevel?: 0 | 1 | 2;
  readonly license?: string;
  /** CAP_BPF+CAP_PERFMON semantics (bounded loops, reading uninitialised stack). Default true. */
  readonly privileged?: boolean;
  /** Processed-instruction budget; the kernel's is {@link COMPLEXITY_LIMIT}. Lower it to bound tools and fuzzing. */
  readonly complexityLimit?: number;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Instructions processed over all paths (the kernel's insn_processed). */
  readonly processed: number;
  readonly log: string;
  readonly error?: VerifierError;
  readonly totalStates: number;
  readonly peakStates: number;
}

/** Helpers every program type here may call when no table is given. */
export const DEFAULT_HELPERS: ReadonlyMap<number, HelperInfo> = new Map<number, HelperInfo>([
  [5, { name: 'ktime_get_ns', proto: { args: [], ret: 'integer' } }],
  [6, { name: 'trace_printk', proto: { args: ['mem', 'const_size'], ret: 'integer', gplOnly: true } }],
  [7, { name: 'get_prandom_u32', proto: { args: [], ret: 'integer' } }],
  [8, { name: 'get_smp_processor_id', proto: { args: [], ret: 'integer' } }],
]);

interface PathNode { readonly step: PathStep; readonly prev: PathNode | undefined }

/** One path's state (bpf_verifier_state). */
interface PathState {
  frames: Frame[];
  /** The stored state this path descends from, for branch counting. */
  parent: StoredState | undefined;
  path: PathNode | undefined;
}

/** A state remembered at a prune point (bpf_verifier_state_list). */
interface StoredState {
  readonly frames: Frame[];
  /** Paths still being explored from here; while non-zero it cannot prune (it is a loop ancestor). */
  branches: number;
  readonly parent: StoredState | undefined;
  hits: number;
  misses: number;
}

class Reject {
  constructor(readonly code: VerifierErrorCode, readonly kernel: string, readonly explanation: string) {}
}
const reject = (code: VerifierErrorCode, kernel: string, explanation: string): never => {
  throw new Reject(code, kernel, explanation);
};

const CALLER_SAVED = [0, 1, 2, 3, 4, 5];
const ALU_SYMBOL: Partial<Record<AluName, string>> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', sdiv: '/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=', neg: 'neg',
  mod: '%=', smod: '%=', xor: '^=', mov: '=', arsh: 's>>=',
};
const MEM_EXPECTED = 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_';
const ZERO = constScalar(0n);

/**
 * Verifies a program as Linux's verifier would, for the subset this engine
 * models (scalars, stack, context of socket filters and XDP, helper and
 * bpf-to-bpf calls, bounded loops).
 *
 * @example
 * const r = verify([make(0xb7, 0, 0, 0, 0), make(0x95, 0, 0, 0, 0)]);
 * r.ok; // true, r.processed === 2
 */
export function verify(insns: readonly Instruction[], options: VerifyOptions = {}): VerifyResult {
  return new Verifier(insns, options).run();
}

class Verifier {
  readonly type: ProgramType;
  readonly helpers: HelperSource;
  readonly level: number;
  readonly privileged: boolean;
  readonly gpl: boolean;
  readonly limit: number;
  readonly log: string[] = [];
  processed = 0;
  totalStates = 0;
  peakStates = 0;
  liveStates = 0;
  maxStatesPerInsn = 0;
  jmpsProcessed = 0;
  prevJmps = 0;
  prevInsns = 0;
  readonly explored = new Map<number, StoredState[]>();
  readonly stackDepth: number[] = [];
  readonly callEdges = new Map<number, Set<number>>();
  cfg!: ControlFlow;
  cur!: PathState;
  idx = 0;
  scratched = new Set<number>();

  constructor(readonly insns: readonly Instruction[], options: VerifyOptions) {
    this.type = options.programType ?? 'socket_filter';
    this.helpers = options.helpers ?? DEFAULT_HELPERS;
    this.level = options.logLevel ?? 0;
    this.privileged = options.privileged ?? true;
    this.limit = options.complexityLimit ?? COMPLEXITY_LIMIT;
    this.gpl = ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']
      .includes(options.license ?? 'GPL');
  }

  disasm(i: number): string {
    const insn = this.insns[i];
    return insn ? formatKernelInsn(insn, (id) => this.helpers.get(id)?.name) : '';
  }

  result(error?: VerifierError): VerifyResult {
    if (error) this.log.push(error.kernelMessage);
    this.log.push(`processed ${this.processed} insns (limit ${this.limit}) max_states_per_insn ${this.maxStatesPerInsn} total_states ${this.totalStates} peak_states ${this.peakStates} mark_read 0`);
    return {
      ok: !error, processed: this.processed, log: this.level > 0 || error ? this.log.join('\n') + '\n' : '',
      error, totalStates: this.totalStates, peakStates: this.peakStates,
    };
  }

  run(): VerifyResult {
    const argCount = (id: number) => this.helpers.get(id)?.proto.args.length ?? 5;
    const cfg = analyzeControlFlow(this.insns, argCount);
    if ('code' in cfg) {
      return this.result(new VerifierError(cfg.code, cfg.kernel, cfg.explanation, cfg.insn, cfg.insn >= 0 ? this.disasm(cfg.insn) : ''));
    }
    this.cfg = cfg;
    const main = newFrame(0, -1, 0);
    main.regs[1] = pointerReg('ptr_to_ctx');
    this.cur = { frames: [main], parent: undefined, path: undefined };
    try {
      this.explore();
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      const path: PathStep[] = [];
      for (let n = this.cur.path; n; n = n.prev) path.unshift(n.step);
      const state = this.cur.frames.map((f) => formatFrame(f)).join(' | ');
      return this.result(new VerifierError(e.code, e.kernel, e.explanation, this.idx, this.disasm(this.idx), state, path));
    }
    const stackError = this.checkStackDepth();
    return this.result(stackError);
  }

  get frame(): Frame { return this.cur.frames[this.cur.frames.length - 1]!; }

  /** do_check: follow the current path; on its end, pop the next pushed one. */
  explore(): void {
    const pending: { state: PathState; idx: number; from: number }[] = [];
    let printState = this.level > 0;
    for (;;) {
      if (++this.processed > this.limit) {
        reject('COMPLEXITY_LIMIT', `BPF program is too large. Processed ${this.processed} insn`,
          `Exploring every path took more than ${this.limit} instruction steps; the program is too complex to verify (a loop the verifier cannot prove bounded does this).`);
      }
      let pathEnded = false;
      if (this.cfg.prunePoints.has(this.idx) && this.isStateVisited()) {
        if (this.level > 0) this.log.push(`${this.idx}: safe`);
        pathEnded = true;
      } else {
        if (this.level > 1 && printState) this.log.push(`${this.idx}: ${this.stateLine()}`);
        printState = false;
        this.scratched.clear();
        const before = this.idx;
        const next = this.step(pending);
        if (this.level > 0) this.logInsn(before);
        if (next === undefined) pathEnded = true;
        else this.idx = next;
      }
      if (!pathEnded) continue;
      this.endPath();
      const popped = pending.pop();
      if (!popped) return;
      this.cur = popped.state;
      this.idx = popped.idx;
      if (this.level > 0) this.log.push('', `from ${popped.from} to ${popped.idx}: ${this.stateLine()}`);
    }
  }

  stateLine(): string {
    return this.cur.frames.map((f, i) => (i ? `frame${i}: ` : '') + formatFrame(f)).join(' ');
  }

  logInsn(i: number): void {
    let line = `${i}: ${this.disasm(i)}`;
    if (this.level > 1 && this.scratched.size) {
      const f = this.frame;
      // Registers are 0–10; stack slots are recorded as 100 + slot index.
      const sorted = [...this.scratched].sort((a, b) => a - b);
      const parts = [
        ...sorted.filter((r) => r <= 10 && f.regs[r]!.type !== 'not_init').map((r) => `R${r}=${formatReg(f.regs[r]!)}`),
        ...sorted.filter((r) => r >= 100 && f.stack[r - 100]).map((r) => `fp-${(r - 99) * 8}=${formatSlot(f.stack[r - 100]!)}`),
      ];
      if (parts.length) {
        // Observed on 6.18: the ';' sits at column 38 + 8k, at least three columns after the instruction.
        let column = 38;
        while (column < line.length + 3) column += 8;
        line = `${line.padEnd(column)}; ${parts.join(' ')}`;
      }
    }
    this.log.push(line);
  }

  /** update_branch_counts: the path ended, so its stored ancestors may now prune. */
  endPath(): void {
    for (let s = this.cur.parent; s; s = s.parent) {
      if (--s.branches > 0) break;
    }
  }

  /** is_state_visited: prune when a finished stored state covers this one, else maybe remember it. */
  isStateVisited(): boolean {
    const idx = this.idx;
    const list = this.explored.get(idx) ?? [];
    // Remember states only every 2 jumps and 8 instructions (the kernel's heuristic).
    let addNew = this.jmpsProcessed - this.prevJmps >= 2 && this.processed - this.prevInsns >= 8;
    for (let n = 0; n < list.length; n++) {
      const old = list[n]!;
      if (old.branches > 0) {
        // A state still being explored (a loop ancestor): identical means the loop makes no progress.
        if (this.statesExact(old.frames)) {
          reject('INFINITE_LOOP', `infinite loop detected at insn ${idx}`,
            `The loop through instruction ${idx} comes back in exactly the state it left, so it never ends.`);
        }
        if (this.jmpsProcessed - this.prevJmps < 20 && this.processed - this.prevInsns < 100) addNew = false;
      } else if (this.statesEqual(old.frames)) {
        old.hits++;
        return true;
      }
      if (addNew) old.misses++;
      // Evict states that keep failing to prune (the kernel keeps n = 3).
      if (old.misses > old.hits * 3 + 3) { list.splice(n, 1); n--; this.liveStates--; }
    }
    if (!addNew) return false;
    this.prevJmps = this.jmpsProcessed;
    this.prevInsns = this.processed;
    const frames = this.cur.frames.map(cloneFrame);
    const stored: StoredState = { frames, branches: 1, parent: this.cur.parent, hits: 0, misses: 0 };
    list.unshift(stored);
    this.explored.set(idx, list);
    this.cur.parent = stored;
    this.totalStates++;
    this.liveStates++;
    this.peakStates = Math.max(this.peakStates, this.liveStates);
    this.maxStatesPerInsn = Math.max(this.maxStatesPerInsn, list.length);
    return false;
  }

  /** states_equal(EXACT) on live registers and the whole stack: the infinite-loop check. */
  statesExact(old: readonly Frame[]): boolean {
    const cur = this.cur.frames;
    if (old.length !== cur.length) return false;
    for (let i = old.length - 1; i >= 0; i--) {
      const o = old[i]!;
      const c = cur[i]!;
      if (o.callsite !== c.callsite) return false;
      const live = this.cfg.liveBefore[i === old.length - 1 ? this.idx : cur[i + 1]!.callsite]!;
      for (let r = 0; r < 10; r++) if (live & (1 << r) && !sameReg(o.regs[r]!, c.regs[r]!)) return false;
      const n = Math.max(o.stack.length, c.stack.length);
      for (let spi = 0; spi < n; spi++) {
        const a = o.stack[spi] ?? EMPTY_SLOT;
        const b = c.stack[spi] ?? EMPTY_SLOT;
        if (a === b) continue;
        for (let k = 0; k < 8; k++) if (a.types[k] !== b.types[k]) return false;
        if (!sameReg(a.spilled, b.spilled)) return false;
      }
    }
    return true;
  }

  statesEqual(old: Frame[]): boolean {
    const cur = this.cur.frames;
    if (old.length !== cur.length) return false;
    for (let i = 0; i < old.length; i++) {
      const o = old[i]!;
      const c = cur[i]!;
      if (o.callsite !== c.callsite) return false;
      const at = i === old.length - 1 ? this.idx : cur[i + 1]!.callsite;
      const live = this.cfg.liveBefore[at]!;
      for (let r = 0; r < 10; r++) {
        if (!(live & (1 << r))) continue;
        if (!regSafe(o.regs[r]!, c.regs[r]!)) return false;
      }
      if (!stackSafe(o, c, this.privileged)) return false;
    }
    return true;
  }

  // ---- registers ----

  readReg(r: number): Reg {
    const reg = this.frame.regs[r]!;
    this.scratched.add(r);
    if (reg.type === 'not_init') {
      reject('UNINIT_REGISTER', `R${r} !read_ok`, `R${r} is read before anything was written to it on this path.`);
    }
    return reg;
  }

  writeReg(r: number, value: Reg): void {
    if (r === 10) reject('FRAME_POINTER_WRITE', 'frame pointer is read only', 'R10 is the frame pointer; a program may read it but never change it.');
    this.scratched.add(r);
    this.frame.regs[r] = value;
  }

  /** Steps one instruction; returns the next slot, or undefined when the path ends. */
  step(pending: { state: PathState; idx: number; from: number }[]): number | undefined {
    const i = this.idx;
    const insn = this.insns[i]!;
    const op = insn.op;
    switch (op.kind) {
      case 'alu': this.alu(insn, op.name, op.width, op.operand); return i + 1;
      case 'endian': {
        const r = this.readReg(insn.dst);
        this.writeReg(insn.dst, r.type === 'scalar' ? scalarReg(endianScalar(op.order, op.bits, r.value)) : unknownReg());
        return i + 1;
      }
      case 'lddw': {
        if (op.pseudo !== 'imm64') reject('UNSUPPORTED', `unsupported lddw src ${insn.src}`, `lddw with pseudo source "${op.pseudo}" (maps, BTF, functions) is not modelled yet.`);
        this.writeReg(insn.dst, scalarReg(constScalar(insn.imm64 ?? BigInt(insn.imm))));
        return i + 2;
      }
      case 'load': {
        const base = this.readReg(insn.src);
        if (insn.dst === 10) this.writeReg(10, NOT_INIT);
        const value = this.memAccess(insn.src, base, insn.offset, op.size, 'read', undefined);
        let v = value;
        if (v.type === 'scalar' && op.size < 8) {
          v = scalarReg(op.signed ? signExtendScalar(v.value, op.size as 1 | 2 | 4) : zeroExtendScalar(v.value, op.size));
        }
        this.writeReg(insn.dst, v);
        return i + 1;
      }
      case 'store': {
        // The kernel checks the source register before the address register.
        const value = op.operand === 'reg' ? this.readReg(insn.src) : undefined;
        const base = this.readReg(insn.dst);
        this.memAccess(insn.dst, base, insn.offset, op.size, 'write', value ?? scalarReg(immScalar(insn.imm)), op.operand === 'imm');
        return i + 1;
      }
      case 'atomic': {
        const src = this.readReg(insn.src);
        const base = this.readReg(insn.dst);
        if (isPointer(src) && !this.privileged) reject('INVALID_MEMORY_ACCESS', `R${insn.src} leaks addr into mem`, 'An atomic operation may not store a pointer.');
        if (op.name === 'cmpxchg') this.readReg(0);
        if (base.type !== 'ptr_to_stack' && base.type !== 'scalar') {
          reject('INVALID_MEMORY_ACCESS', `BPF_ATOMIC stores into R${insn.dst} ${typeName(base)} is not allowed`, `Atomic operations may not target ${typeName(base)} memory.`);
        }
        const old = this.memAccess(insn.dst, base, insn.offset, op.size, 'read', undefined, false, true);
        this.memAccess(insn.dst, base, insn.offset, op.size, 'write', unknownReg(), false, true);
        if (op.fetch) {
          const fetched = old.type === 'scalar' && op.size === 4 ? scalarReg(zeroExtendScalar(old.value, 4)) : old.type === 'scalar' ? old : unknownReg();
          this.writeReg(op.name === 'cmpxchg' ? 0 : insn.src, fetched);
        }
        return i + 1;
      }
      case 'ja':
        this.jmpsProcessed++;
        return i + 1 + (op.wide ? insn.imm : insn.offset);
      case 'jump':
        this.jmpsProcessed++;
        return this.condJump(insn, op.condition, op.width, op.operand, pending);
      case 'call':
        this.jmpsProcessed++;
        if (op.target === 'helper') { this.helperCall(insn.imm); return i + 1; }
        if (op.target === 'local') return this.localCall(i, i + 1 + insn.imm);
        return reject('UNSUPPORTED', 'kfunc calls are not supported', 'Calls to kernel functions (kfuncs) are not modelled yet.');
      case 'callx':
        return reject('UNSUPPORTED', `unknown opcode ${insn.opcode.toString(16)}`, 'Indirect calls (callx) are not allowed.');
      case 'exit':
        this.jmpsProcessed++;
        return this.exit();
      case 'packet-load':
        return reject('UNSUPPORTED', 'legacy packet loads are not supported', 'LD_ABS/LD_IND packet loads are not modelled yet.');
      case 'lddw-tail':
        return reject('UNSUPPORTED', 'invalid insn', 'Execution reached the second half of a lddw.');
    }
  }

  alu(insn: Instruction, name: AluName, width: 32 | 64, operand: 'imm' | 'reg'): void {
    const isMov = name === 'mov' || name.startsWith('movsx');
    let src: Reg;
    if (operand === 'reg') src = this.readReg(insn.src);
    else src = scalarReg(immScalar(insn.imm));
    const dst = isMov || name === 'neg' ? (name === 'neg' ? this.readReg(insn.dst) : NOT_INIT) : this.readReg(insn.dst);
    if (insn.dst === 10) this.writeReg(10, NOT_INIT);
    if (operand === 'imm' && (name === 'div' || name === 'mod' || name === 'sdiv' || name === 'smod') && insn.imm === 0) {
      reject('DIVISION', 'div by zero', 'Division or modulo by the constant 0.');
    }
    if (operand === 'imm' && (name === 'lsh' || name === 'rsh' || name === 'arsh') && (insn.imm < 0 || insn.imm >= width)) {
      reject('INVALID_MEMORY_ACCESS', `invalid shift ${insn.imm}`, `A ${width}-bit shift by ${insn.imm} is undefined.`);
    }
    if (isMov) {
      if (src.type === 'scalar') { this.writeReg(insn.dst, scalarReg(aluScalar(name, width, unknownScalar(), src.value))); return; }
      // Copying a pointer: whole in 64-bit moves; privileged code may keep its low half as a number.
      if (width === 64 && name === 'mov') { this.writeReg(insn.dst, src); return; }
      this.writeReg(insn.dst, scalarReg(width === 32 ? zeroExtendScalar(unknownScalar(), 4) : unknownScalar()));
      return;
    }
    if (dst.type === 'scalar' && src.type === 'scalar') {
      this.writeReg(insn.dst, scalarReg(aluScalar(name, width, dst.value, src.value)));
      return;
    }
    this.pointerAlu(insn, name, width, dst, src);
  }

  /** adjust_ptr_min_max_vals: only pointer ± scalar in 64 bits, and pointer − pointer as a number. */
  pointerAlu(insn: Instruction, name: AluName, width: 32 | 64, dst: Reg, src: Reg): void {
    const d = insn.dst;
    const symbol = ALU_SYMBOL[name] ?? name;
    if (isPointer(dst) && isPointer(src)) {
      // Two pointers combine into a meaningless number; only privileged subtraction is allowed.
      if (name === 'sub' && this.privileged) { this.writeReg(d, width === 32 ? scalarReg(zeroExtendScalar(unknownScalar(), 4)) : unknownReg()); return; }
      reject('POINTER_ARITHMETIC', `R${d} pointer ${symbol} pointer prohibited`, `Two pointers may not be combined with ${name}.`);
    }
    const [ptr, off, ptrReg] = isPointer(dst) ? [dst, src, d] : [src, dst, insn.src];
    if (width === 32) {
      if (name === 'sub' && this.privileged) { this.writeReg(d, unknownReg()); return; }
      reject('POINTER_ARITHMETIC', `R${d} 32-bit pointer arithmetic prohibited`, 'Pointers can only be moved with 64-bit add and sub.');
    }
    if (ptr.type === 'sock_common_or_null') {
      reject('POINTER_ARITHMETIC', `R${d} pointer arithmetic on sock_common_or_null prohibited, null-check it first`, 'A pointer that may be NULL must be checked before arithmetic.');
    }
    if (ptr.type === 'packet_end') {
      reject('POINTER_ARITHMETIC', `R${d} pointer arithmetic on pkt_end prohibited`, 'The end-of-packet pointer may not be moved.');
    }
    const typeStr = typeName(ptr);
    // check_reg_sane_offset, for the offset and for the pointer's own variable part.
    for (const r of [off, ptr]) {
      const v = r.value;
      const LIMIT = 1n << 29n;
      if (tnumIsConst(v.varOff)) {
        const val = BigInt.asIntN(64, v.varOff.value);
        if (val >= LIMIT || val <= -LIMIT) reject('POINTER_ARITHMETIC', `math between ${typeStr} pointer and ${val} is not allowed`, `Adding ${val} to a pointer moves it absurdly far.`);
      }
      if (v.smin === S64_MIN) reject('POINTER_ARITHMETIC', `math between ${typeStr} pointer and register with unbounded min value is not allowed`, 'The number added to the pointer has no lower bound.');
      if (v.smin >= LIMIT || v.smin <= -LIMIT) reject('POINTER_ARITHMETIC', `value ${v.smin} makes ${typeStr} pointer be out of bounds`, 'The number added to the pointer is absurdly large.');
    }
    if (name === 'sub' && !isPointer(dst)) {
      reject('POINTER_ARITHMETIC', `R${d} tried to subtract pointer from scalar`, 'A pointer cannot be subtracted from a number.');
    }
    if (name === 'sub' && ptr.type === 'ptr_to_stack' && !isConst(off.value)) {
      reject('POINTER_ARITHMETIC', `R${d} subtraction from stack pointer prohibited`, 'A stack pointer may only be moved down by a variable amount with add, not sub.');
    }
    if (name === 'and' || name === 'or' || name === 'xor') {
      reject('POINTER_ARITHMETIC', `R${d} bitwise operator ${symbol} on pointer prohibited`, `Bitwise ${name} on a pointer is not allowed.`);
    }
    if (name !== 'add' && name !== 'sub') {
      reject('POINTER_ARITHMETIC', `R${d} pointer arithmetic with ${symbol} operator prohibited`, `Only add and sub may change a pointer; ${name} may not.`);
    }
    void ptrReg;
    const sign = name === 'add' ? 1n : -1n;
    if (isConst(off.value)) {
      const delta = BigInt.asIntN(64, off.value.varOff.value) * sign;
      const total = BigInt(ptr.off) + delta;
      if (total <= -(1n << 29n) || total >= 1n << 29n) {
        reject('POINTER_ARITHMETIC', `value ${delta} makes ${ptr.type === 'ptr_to_stack' ? 'stack' : 'pointer'} pointer be out of bounds`, 'The constant moves the pointer absurdly far.');
      }
      this.writeReg(d, { ...ptr, off: Number(total) });
      return;
    }
    const moved = aluScalar(name, 64, ptr.value, off.value);
    this.writeReg(d, { ...ptr, value: moved });
  }

  /** check_mem_access for the memory kinds modelled so far. */
  memAccess(regno: number, base: Reg, off: number, size: 1 | 2 | 4 | 8, kind: 'read' | 'write', value: Reg | undefined, isImmStore = false, strictAlign = false): Reg {
    if (base.type === 'ptr_to_stack') return this.stackAccess(regno, base, off, size, kind, value, isImmStore);
    if (base.type === 'ptr_to_ctx') {
      if (kind === 'write' && value && isPointer(value) && !this.privileged) reject('INVALID_CTX_ACCESS', `R${regno} leaks addr into ctx`, 'A pointer may not be stored into the context.');
      if (base.off < 0) {
        reject('INVALID_CTX_ACCESS', `negative offset ctx ptr R${regno} off=${base.off} disallowed`, 'The context pointer was moved below the start of the context.');
      }
      if (base.off !== 0) {
        reject('INVALID_CTX_ACCESS', `dereference of modified ctx ptr R${regno} off=${base.off} disallowed`,
          'Context fields must be reached through the unmodified context pointer plus the instruction offset.');
      }
      if (!tnumIsConst(base.value.varOff) || base.value.varOff.value !== 0n) {
        reject('INVALID_CTX_ACCESS', `variable ctx access var_off=${tnumText(base.value.varOff)} disallowed`, 'Context fields must be reached at a constant offset.');
      }
      const field = ctxAccess(this.type, off, size, kind === 'write');
      if (field === undefined) {
        reject('INVALID_CTX_ACCESS', `invalid bpf_context access off=${off} size=${size}`,
          `A ${this.type} program may not ${kind} ${size} byte${size > 1 ? 's' : ''} of its context at offset ${off}.`);
      }
      if (kind === 'write') return NOT_INIT;
      if (field === 'scalar') return unknownReg();
      if (field === 'sock_common_or_null') return pointerReg('sock_common_or_null');
      return pointerReg(field!);
    }
    if (base.type === 'scalar') {
      // Atomics check alignment strictly before anything else (strict_alignment_once).
      const at = tnumAdd(base.value.varOff, tnumConst(BigInt.asUintN(64, BigInt(off))));
      if (strictAlign && size > 1 && !tnumIsAligned(at, size)) {
        reject('INVALID_MEMORY_ACCESS', `misaligned access off ${tnumText(base.value.varOff)}+${base.off}+${off} size ${size}`,
          `R${regno} holds a number, not a pointer, and the atomic access is not ${size}-byte aligned.`);
      }
      return reject('INVALID_MEMORY_ACCESS', `R${regno} invalid mem access 'scalar'`, `R${regno} holds a number, not a pointer, so it cannot be dereferenced.`);
    }
    if (base.type === 'packet' || base.type === 'packet_meta') {
      reject('INVALID_MEMORY_ACCESS', `R${regno} offset is outside of the packet`,
        'Packet bytes may only be read after comparing the pointer with data_end; this engine does not track those comparisons yet, so every packet access is refused.');
    }
    const name = { packet: 'pkt', packet_end: 'pkt_end', packet_meta: 'pkt_meta', sock_common_or_null: 'sock_common_or_null' }[base.type as string] ?? base.type;
    return reject(base.type === 'packet' || base.type === 'packet_meta' ? 'UNSUPPORTED' : 'INVALID_MEMORY_ACCESS',
      `R${regno} invalid mem access '${name}'`,
      base.type === 'packet' || base.type === 'packet_meta'
        ? 'Packet access (with its data/data_end bounds checks) is not modelled yet.'
        : `R${regno} is a ${name} pointer, which cannot be dereferenced here.`);
  }

  stackAccess(regno: number, base: Reg, insnOff: number, size: 1 | 2 | 4 | 8, kind: 'read' | 'write', value: Reg | undefined, isImmStore: boolean): Reg {
    const frame = this.cur.frames[base.frameno]!;
    const off = base.off + insnOff;
    const varOff = base.value.varOff;
    if (!tnumIsAligned(tnumAdd(varOff, tnumConst(BigInt.asUintN(64, BigInt(off)))), size)) {
      reject('INVALID_STACK_ACCESS', `misaligned stack access off ${tnumText(varOff)}+${base.off}+${insnOff} size ${size}`,
        `A ${size}-byte stack access must be ${size}-byte aligned.`);
    }
    const constant = tnumIsConst(varOff);
    const what = kind === 'read' ? 'read from' : 'write to';
    let minOff: number, maxOff: number;
    if (constant) {
      minOff = Number(BigInt.asIntN(64, varOff.value)) + off;
      maxOff = minOff + size;
    } else {
      const BPF_MAX_VAR_OFF = 1n << 29n;
      if (base.value.smax >= BPF_MAX_VAR_OFF || base.value.smin <= -BPF_MAX_VAR_OFF) {
        reject('INVALID_STACK_ACCESS', `invalid unbounded variable-offset ${what} stack R${regno}`, 'The offset into the stack is not bounded.');
      }
      minOff = Number(base.value.smin) + off;
      maxOff = Number(base.value.smax) + off + size;
    }
    if (minOff < -MAX_STACK || maxOff > 0) {
      reject('INVALID_STACK_ACCESS', constant
        ? `invalid ${what} stack R${regno} off=${off} size=${size}`
        : `invalid variable-offset ${what} stack R${regno} var_off=${formatTnum(varOff)} off=${off} size=${size}`,
      `The ${size}-byte access at fp${minOff >= 0 ? '+' : ''}${minOff} falls outside the ${MAX_STACK}-byte stack (fp-${MAX_STACK} to fp-1).`);
    }
    this.stackDepth[frame.subprog] = Math.max(this.stackDepth[frame.subprog] ?? 0, -minOff);
    if (kind === 'write') {
      if (constant) this.stackWriteFixed(frame, minOff, size, value!, isImmStore);
      else this.stackWriteVar(frame, minOff, maxOff, value!);
      return NOT_INIT;
    }
    return constant ? this.stackReadFixed(frame, minOff, size) : this.stackReadVar(frame, minOff, maxOff);
  }

  slotAt(frame: Frame, spi: number): StackSlot {
    return frame.stack[spi] ?? EMPTY_SLOT;
  }

  /** check_stack_write_fixed_off. */
  stackWriteFixed(frame: Frame, off: number, size: number, value: Reg, isImmStore: boolean): void {
    const slot = -off - 1;
    const spi = Math.floor(slot / 8);
    const old = this.slotAt(frame, spi);
    const aligned = off % 8 === 0;
    if (aligned && value.type === 'scalar' && (this.privileged || size === 8)) {
      frame.stack[spi] = spillSlot(old, value, size);
    } else if (isPointer(value)) {
      if (size !== 8) reject('INVALID_STACK_ACCESS', 'invalid size of register spill', 'A pointer can only be saved on the stack as a whole aligned 8 bytes.');
      frame.stack[spi] = spillSlot(old, value, 8);
    } else {
      const types = [...old.types];
      if (types.some((t) => t === 'spill')) for (let k = 0; k < 8; k++) if (types[k] === 'spill') types[k] = 'misc';
      const zero = value.type === 'scalar' && isConst(value.value) && value.value.varOff.value === 0n;
      const t: SlotType = zero ? 'zero' : 'misc';
      for (let k = 0; k < size; k++) types[(slot - k) % 8] = t;
      frame.stack[spi] = { types, spilled: NOT_INIT };
    }
    void isImmStore;
    this.scratched.add(100 + spi);
  }

  stackWriteVar(frame: Frame, minOff: number, maxOff: number, value: Reg): void {
    const zero = value.type === 'scalar' && isConst(value.value) && value.value.varOff.value === 0n;
    for (let addr = minOff; addr < maxOff; addr++) {
      const slot = -addr - 1;
      const spi = Math.floor(slot / 8);
      const old = this.slotAt(frame, spi);
      const types = old.types.map((t) => (t === 'spill' ? 'misc' : t));
      const k = slot % 8;
      types[k] = zero && types[k] === 'zero' ? 'zero' : 'misc';
      frame.stack[spi] = { types, spilled: NOT_INIT };
    }
  }

  /** check_stack_read_fixed_off. */
  stackReadFixed(frame: Frame, off: number, size: number): Reg {
    const slot = -off - 1;
    const spi = Math.floor(slot / 8);
    const s = this.slotAt(frame, spi);
    const types = s.types;
    if (types[7] === 'spill') {
      let spillSize = 1;
      for (let k = 7; k > 0 && types[k - 1] === 'spill'; k--) spillSize++;
      if (size === 8 && spillSize === 8) return s.spilled;
      if (s.spilled.type !== 'scalar') reject('INVALID_STACK_ACCESS', 'invalid size of register fill', 'Part of a saved pointer cannot be read back.');
      // bpf_stack_narrow_access_ok: a narrow read of the spill's low bytes keeps its value.
      if (size <= spillSize && off % 8 === 0) return s.spilled;
      let spills = 0, zeros = 0;
      for (let k = 0; k < size; k++) {
        const t = types[(slot - k) % 8]!;
        if (t === 'spill') spills++;
        else if (t === 'zero') zeros++;
        else if (t === 'invalid' && !this.privileged) this.uninitStack(off, k, size);
      }
      if ((spills === size && isConst(s.spilled.value) && s.spilled.value.varOff.value === 0n) || zeros === size) return scalarReg(ZERO);
      return unknownReg();
    }
    let zeros = 0;
    for (let k = 0; k < size; k++) {
      const t = types[(slot - k) % 8]!;
      if (t === 'zero') zeros++;
      else if (t === 'invalid' && !this.privileged) this.uninitStack(off, k, size);
    }
    return zeros === size ? scalarReg(ZERO) : unknownReg();
  }

  stackReadVar(frame: Frame, minOff: number, maxOff: number): Reg {
    let allZero = true;
    for (let addr = minOff; addr < maxOff; addr++) {
      const slot = -addr - 1;
      const s = this.slotAt(frame, Math.floor(slot / 8));
      const t = s.types[slot % 8]!;
      if (t === 'spill' && s.spilled.type !== 'scalar') {
        reject('INVALID_STACK_ACCESS', `invalid read from stack off ${addr}`, 'A variable-offset read may not reach a saved pointer.');
      }
      if (t === 'invalid' && !this.privileged) this.uninitStack(minOff, addr - minOff, maxOff - minOff);
      if (t !== 'zero') allZero = false;
    }
    return allZero ? scalarReg(ZERO) : unknownReg();
  }

  uninitStack(off: number, k: number, size: number): never {
    return reject('INVALID_STACK_ACCESS', `invalid read from stack off ${off}+${k} size ${size}`,
      `Byte fp${off + k} is read before anything was written there.`);
  }

  condJump(insn: Instruction, cond: Parameters<typeof refineBranch>[0], width: 32 | 64, operand: 'imm' | 'reg',
    pending: { state: PathState; idx: number; from: number }[]): number {
    const i = this.idx;
    const target = i + 1 + insn.offset;
    const dst = this.readReg(insn.dst);
    const src = operand === 'reg' ? this.readReg(insn.src) : scalarReg(immScalar(insn.imm));
    let takenState: PathState | undefined;
    let fallOk = true;
    if (dst.type === 'scalar' && src.type === 'scalar') {
      const { taken, notTaken } = refineBranch(cond, width, dst.value, src.value, operand === 'reg' && insn.src === insn.dst);
      if (taken) {
        takenState = this.forkState();
        const f = takenState.frames[takenState.frames.length - 1]!;
        f.regs[insn.dst] = scalarReg(taken.dst);
        if (operand === 'reg') f.regs[insn.src] = scalarReg(taken.src);
        if (operand === 'reg' && insn.src === insn.dst) f.regs[insn.dst] = scalarReg(taken.dst);
      }
      if (notTaken) {
        this.frame.regs[insn.dst] = scalarReg(notTaken.dst);
        if (operand === 'reg') this.frame.regs[insn.src] = scalarReg(notTaken.src);
        if (operand === 'reg' && insn.src === insn.dst) this.frame.regs[insn.dst] = scalarReg(notTaken.dst);
      } else fallOk = false;
    } else {
      if (operand === 'imm' && isPointer(dst) && insn.imm !== 0 && !this.privileged) {
        reject('POINTER_ARITHMETIC', `R${insn.dst} pointer comparison prohibited`, 'Pointers may only be compared with 0.');
      }
      takenState = this.forkState();
    }
    if (!fallOk) {
      // Only the jump is possible: follow it on this path without pushing.
      this.cur = takenState!;
      this.cur.path = { step: { from: i, to: target }, prev: this.cur.path };
      return target;
    }
    if (takenState) {
      takenState.path = { step: { from: i, to: target }, prev: takenState.path };
      if (takenState.parent) takenState.parent.branches++;
      pending.push({ state: takenState, idx: target, from: i });
      if (pending.length > 8192) {
        reject('COMPLEXITY_LIMIT', 'The sequence of 8193 jumps is too complex.', 'Too many undecided branches are pending at once.');
      }
    }
    return i + 1;
  }

  forkState(): PathState {
    return { frames: this.cur.frames.map(cloneFrame), parent: this.cur.parent, path: this.cur.path };
  }

  helperCall(id: number): void {
    const helper = this.helpers.get(id);
    if (!helper) reject('UNKNOWN_HELPER', `invalid func unknown#${id}`, `No helper with id ${id} is known to this verifier (supply its prototype in the helper table).`);
    const { proto, name } = helper!;
    if (proto.gplOnly && !this.gpl) {
      reject('HELPER_ARGUMENT', 'cannot call GPL-restricted function from non-GPL compatible program', `bpf_${name} may only be called by GPL-compatible programs.`);
    }
    if (proto.programTypes && !proto.programTypes.includes(this.type)) {
      reject('UNKNOWN_HELPER', `program of this type cannot use helper bpf_${name}#${id}`, `bpf_${name} is not available to ${this.type} programs.`);
    }
    proto.args.forEach((kind, a) => this.checkArg(name, a + 1, kind, proto.args[a + 1]));
    for (const r of CALLER_SAVED) this.frame.regs[r] = NOT_INIT;
    if (proto.ret === 'integer') this.writeReg(0, unknownReg());
    else if (proto.ret !== 'void') reject('UNSUPPORTED', `unsupported return type of bpf_${name}`, `Helpers returning ${proto.ret} are not modelled yet.`);
    for (const r of CALLER_SAVED) this.scratched.add(r);
  }

  checkArg(helper: string, r: number, kind: ArgKind, nextKind: ArgKind | undefined): void {
    const reg = this.readReg(r);
    const bad = (expected: string) => reject('HELPER_ARGUMENT', `R${r} type=${typeName(reg)} expected=${expected}`,
      `Argument ${r} of bpf_${helper} must be ${expected}, but R${r} is ${typeName(reg)}.`);
    switch (kind) {
      case 'anything': return;
      case 'ctx': if (reg.type !== 'ptr_to_ctx' || reg.off !== 0) bad('ctx'); return;
      case 'const_size': case 'const_size_or_zero': {
        if (reg.type !== 'scalar') bad('scalar');
        const v = reg.value;
        if (v.smin < 0n) reject('HELPER_ARGUMENT', `R${r} min value is negative, either use unsigned or 'var &= const'`, `The size in R${r} might be negative.`);
        if (v.umin === 0n && kind === 'const_size') reject('HELPER_ARGUMENT', `R${r} invalid zero-sized read`, `The size in R${r} might be zero.`);
        if (v.umax >= 1n << 29n) reject('HELPER_ARGUMENT', `R${r} unbounded memory access, use 'var &= const' or 'if (var < const)'`, `The size in R${r} has no useful upper bound.`);
        return;
      }
      case 'mem': case 'uninit_mem': case 'mem_or_null': {
        if (kind === 'mem_or_null' && reg.type === 'scalar' && isConst(reg.value) && reg.value.varOff.value === 0n) return;
        if (reg.type !== 'ptr_to_stack') bad(MEM_EXPECTED);
        const sizeReg = this.frame.regs[r + 1]!;
        if (nextKind !== 'const_size' && nextKind !== 'const_size_or_zero') return;
        if (sizeReg.type !== 'scalar') return;
        const size = Number(sizeReg.value.umax);
        this.checkStackRange(r, reg, size, kind === 'uninit_mem');
        return;
      }
      default:
        reject('UNSUPPORTED', `unsupported argument kind ${kind}`, `Helper arguments of kind ${kind} are not modelled yet.`);
    }
  }

  /** check_stack_range_initialized for a fixed-offset stack pointer. */
  checkStackRange(r: number, reg: Reg, size: number, uninitOk: boolean): void {
    if (size === 0) return;
    if (!tnumIsConst(reg.value.varOff)) reject('UNSUPPORTED', 'variable stack offset for helper memory', 'Helper memory arguments with variable stack offsets are not modelled yet.');
    const frame = this.cur.frames[reg.frameno]!;
    const start = reg.off + Number(BigInt.asIntN(64, reg.value.varOff.value));
    if (start < -MAX_STACK || start + size > 0) {
      reject('HELPER_ARGUMENT', `invalid ${uninitOk ? 'write to' : 'read from'} stack R${r} off=${start} size=${size}`, `R${r} with size ${size} reaches outside the stack.`);
    }
    this.stackDepth[frame.subprog] = Math.max(this.stackDepth[frame.subprog] ?? 0, -start);
    for (let addr = start; addr < start + size; addr++) {
      const slot = -addr - 1;
      const spi = Math.floor(slot / 8);
      const s = this.slotAt(frame, spi);
      const t = s.types[slot % 8]!;
      if (uninitOk) {
        const types = s.types.map((x) => (x === 'spill' ? 'misc' : x));
        types[slot % 8] = 'misc';
        frame.stack[spi] = { types, spilled: NOT_INIT };
        continue;
      }
      if (t === 'invalid' && !this.privileged) {
        reject('HELPER_ARGUMENT', `invalid read from stack R${r} off ${start}+${addr - start} size ${size}`, `Byte fp${addr} passed to the helper was never written.`);
      }
    }
  }

  localCall(i: number, target: number): number {
    if (this.cur.frames.length >= MAX_CALL_FRAMES) {
      reject('CALL_TOO_DEEP', `the call stack of ${this.cur.frames.length + 1} frames is too deep`,
        `Calling ${target} would need ${this.cur.frames.length + 1} nested frames; at most ${MAX_CALL_FRAMES} are allowed.`);
    }
    const caller = this.frame;
    const subprog = this.cfg.subprogOf[target]!;
    const edges = this.callEdges.get(caller.subprog) ?? new Set<number>();
    edges.add(subprog);
    this.callEdges.set(caller.subprog, edges);
    const callee = newFrame(this.cur.frames.length, i, subprog);
    for (let r = 1; r <= 5; r++) callee.regs[r] = caller.regs[r]!;
    this.cur.frames.push(callee);
    return target;
  }

  /** exit: end the program or return to the caller (prepare_func_exit, check_return_code). */
  exit(): number | undefined {
    const r0 = this.readReg(0);
    if (this.cur.frames.length > 1) {
      if (r0.type === 'ptr_to_stack') {
        reject('RETURN_VALUE', 'cannot return stack pointer to the caller', 'A function may not return a pointer into its own stack frame, which is gone after it returns.');
      }
      if (r0.type !== 'scalar') {
        reject('RETURN_VALUE', `At subprogram exit the register R0 is not a scalar value (${typeName(r0)})`, 'A function called with bpf-to-bpf call must return a number.');
      }
      const callee = this.cur.frames.pop()!;
      const caller = this.frame;
      for (const r of CALLER_SAVED) caller.regs[r] = NOT_INIT;
      caller.regs[0] = r0;
      this.scratched.clear();
      this.scratched.add(0);
      return callee.callsite + 1;
    }
    if (r0.type !== 'scalar' && !this.privileged) {
      reject('RETURN_VALUE', 'R0 leaks addr as return value', 'The program would return a kernel address.');
    }
    return undefined;
  }

  /** check_max_stack_depth: the deepest chain of frames, each rounded up to 32 bytes, fits in 512. */
  checkStackDepth(): VerifierError | undefined {
    const frameSize = (s: number) => Math.ceil(Math.max(this.stackDepth[s] ?? 0, 1) / 32) * 32;
    const deepest = (s: number, seen: Set<number>): [number, number] => {
      let best: [number, number] = [0, 0];
      for (const c of this.callEdges.get(s) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        const [d, n] = deepest(c, seen);
        seen.delete(c);
        if (d > best[0]) best = [d, n];
      }
      return [frameSize(s) + best[0], best[1] + 1];
    };
    const [total, calls] = deepest(0, new Set([0]));
    if (total <= MAX_STACK) return undefined;
    return new VerifierError('STACK_TOO_DEEP', `combined stack size of ${calls} calls is ${total}. Too large`,
      `The chain of ${calls} calls uses ${total} bytes of stack; the limit is ${MAX_STACK}.`, -1);
  }
}

function spillSlot(old: StackSlot, value: Reg, size: number): StackSlot {
  const types = [...old.types];
  for (let k = 7; k > 7 - size; k--) types[k] = 'spill';
  for (let k = 7 - size; k >= 0; k--) if (types[k] !== 'zero' && types[k] !== 'invalid') types[k] = 'misc';
  return { types, spilled: value };
}

function sameReg(a: Reg, b: Reg): boolean {
  if (a === b) return true;
  if (a.type !== b.type) return false;
  if (a.type === 'not_init') return true;
  if (a.off !== b.off || a.frameno !== b.frameno) return false;
  const x = a.value, y = b.value;
  return x === y || (x.varOff.value === y.varOff.value && x.varOff.mask === y.varOff.mask && x.umin === y.umin && x.umax === y.umax
    && x.smin === y.smin && x.smax === y.smax && x.umin32 === y.umin32 && x.umax32 === y.umax32 && x.smin32 === y.smin32 && x.smax32 === y.smax32);
}

/** A tnum as 6.18 prints it in alignment errors: a small constant in decimal, a large one in hex, else `(value; mask)`. */
function tnumText(t: Tnum): string {
  if (!tnumIsConst(t)) return formatTnum(t);
  return t.value <= 0xffffn ? t.value.toString() : `0x${t.value.toString(16)}`;
}

function typeName(r: Reg): string {
  return { not_init: 'inv', scalar: 'scalar', ptr_to_stack: 'fp', ptr_to_ctx: 'ctx', packet: 'pkt', packet_end: 'pkt_end', packet_meta: 'pkt_meta', sock_common_or_null: 'sock_common_or_null' }[r.type];
}


