/**
 * Path exploration in the manner of Linux 6.18's `do_check`: one path at a
 * time, the other side of each undecided branch pushed on a stack, states
 * remembered at prune points and compared with `states_equal`, a budget of
 * one million processed instructions.
 */
import type { Instruction, AluName } from '../isa/index.js';
import type { Btf } from '../btf/index.js';
import type { HelperPrototype, ArgKind } from '../helpers/index.js';
import {
  type Tnum, aluScalar, endianScalar, immScalar, constScalar, unknownScalar, isConst, refineBranch,
  tnumIsConst, tnumAdd, tnumConst, tnumIsAligned, formatTnum, zeroExtendScalar, signExtendScalar, S64_MIN, S64_MAX,
} from './scalar/index.js';
import { CALLBACK_HELPERS, analyzeControlFlow, type ControlFlow } from './cfg.js';
import { type ProgramType, isBtfProgramType, bpfSockCommonValid, bpfSockValid, bpfTcpSockValid, ctxAccess, defaultAttachType, packetHelperArgs, returnRange, writesPacket } from './context.js';
import { formatKernelInsn } from './disasm.js';
import { VerifierError, type VerifierErrorCode, type PathStep } from './errors.js';
import {
  type Frame, type Reg, type StackSlot, type SlotType, type MapInfo, EMPTY_SLOT, NOT_INIT, IdMap, type ExactLevel, REG_TYPE_NAME, cloneFrame, formatFrame, formatReg, formatSlot,
  isPacket, isPointer, mayBeNull, newFrame, pointerReg, regSafe, regTypeStr, sameIter, sameMap, scalarReg, stackSafe, unknownReg,
} from './state.js';
import { RDONLY_PROG, WRONLY_PROG, checkMapFuncCompatibility, directValueAccess, frozenRead } from './maps.js';
import { BTF_HELPER_STRUCTS, KERNEL_HELPERS } from './helpers.js';
import type { GlobalFunction } from './global-funcs.js';
import { BTF_TRUSTED, btfPointerAccess, checkBtfArg, sameBtfPointee } from './btf-access.js';
import { checkKfuncCall, kfuncIds } from './kfunc.js';
import { type IterKfunc, MODELLED_ITERATORS, iterFacts, iterKfunc } from './iterators.js';
import { type AttachBtf, btfHelperAllowed, btfHelperProto, btfHelperProtoDiffers, btfReturnRange, tcpCaWrite, tracingCtxAccess } from './tracing-context.js';

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
  /** Whether a program type may call it (the kernel's get_func_proto); when absent, `proto.programTypes` decides. */
  readonly availableTo?: (type: ProgramType, expectedAttachType?: number) => boolean;
}

/** What a lddw with a map source refers to: the map and, for a value pointer, the offset into its value. */
export interface MapReference {
  readonly map: MapInfo;
  readonly offset?: number;
}

/** Where helper prototypes come from (a `HelperTable` fits). */
export interface HelperSource {
  get(id: number): HelperInfo | undefined;
}

export interface VerifyOptions {
  readonly programType?: ProgramType;
  /** The expected attach type given at load (enum bpf_attach_type); some program types' fields and return values depend on it. */
  readonly expectedAttachType?: number;
  /** Helper prototypes; {@link KERNEL_HELPERS} (Linux 6.18's, per program type) by default. */
  readonly helpers?: HelperSource;
  /** 0: no log, 1: instructions as processed, 2: plus the registers each one touched. */
  readonly logLevel?: 0 | 1 | 2;
  readonly license?: string;
  /** CAP_BPF+CAP_PERFMON semantics (bounded loops, reading uninitialised stack). Default true. */
  readonly privileged?: boolean;
  /** Processed-instruction budget; the kernel's is {@link COMPLEXITY_LIMIT}. Lower it to bound tools and fuzzing. */
  readonly complexityLimit?: number;
  /** Maps by the number a lddw's immediate holds (its fd, or its index for map_idx sources). */
  readonly maps?: ReadonlyMap<number, MapInfo> | readonly MapInfo[];
  /** The map a lddw at slot `index` refers to; consulted before `maps` (objects leave the immediate 0 and keep a reference instead). */
  readonly resolveMap?: (insn: Instruction, index: number) => MapReference | undefined;
  /** Functions Linux verifies on their own (BTF linkage global; see {@link globalFunctions}). */
  readonly globalFunctions?: readonly GlobalFunction[];
  /** Whether the program comes with BTF func_info (objects built with -g): callbacks need it. */
  readonly funcInfo?: boolean;
  /** tracing, struct_ops and lsm programs: the attach target, whose BTF types the context (tracing-context.ts). */
  readonly attachBtf?: AttachBtf;
  /** The kfunc a call at slot `index` names (objects leave its BTF id to the loader and keep the name). */
  readonly resolveKfunc?: (insn: Instruction, index: number) => string | undefined;
  /** The kernel's BTF, for helpers that return BTF pointers (bpf_get_current_task_btf) in programs without attachBtf. */
  readonly kernelBtf?: Btf;
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

/** A minimal table (four helpers, no program-type limits), for tests that want nothing more. */
export const DEFAULT_HELPERS: ReadonlyMap<number, HelperInfo> = new Map<number, HelperInfo>([
  [5, { name: 'ktime_get_ns', proto: { args: [], ret: 'integer' } }],
  [6, { name: 'trace_printk', proto: { args: ['mem', 'const_size'], ret: 'integer', gplOnly: true } }],
  [7, { name: 'get_prandom_u32', proto: { args: [], ret: 'integer' } }],
  [8, { name: 'get_smp_processor_id', proto: { args: [], ret: 'integer' } }],
]);

/** bpf_call_arg_meta: what earlier arguments of a helper call told about later ones. */
interface CallMeta {
  readonly name: string;
  map?: MapInfo;
  memSize?: number;
  release?: number;
  /** The acquired reference an argument carries (meta->ref_obj_id): a socket cast's result shares it. */
  refObj?: number;
  /** get_constant_map_key's result, −1 when unknown. */
  constKey: number;
  /** The function an ARG_PTR_TO_FUNC argument names (its first slot). */
  callback?: number;
}

/** Helpers whose prototype sets pkt_access: only they may be given packet pointers. */
const PACKET_ACCESS = new Set(['map_lookup_elem', 'map_update_elem', 'map_delete_elem', 'map_push_elem', 'csum_diff',
  'sk_lookup_tcp', 'sk_lookup_udp', 'skc_lookup_tcp', 'tcp_check_syncookie', 'tcp_gen_syncookie']);
/** is_acquire_function: helpers whose result holds a reference the program must give back (ring buffer records apart). */
const ACQUIRE_SOCKET = new Set(['sk_lookup_tcp', 'sk_lookup_udp', 'skc_lookup_tcp']);
/** is_ptr_cast_function: the same socket seen as another type, sharing the argument's reference. */
const SOCKET_CAST = new Set(['sk_fullsock', 'tcp_sock']);
/** Socket pointer kinds as ARG_PTR_TO_SOCK_COMMON takes them (sock_types; xdp_sock is not modelled). */
const SOCK_TYPES = new Set(['sock_common', 'sock', 'tcp_sock']);

interface PathNode { readonly step: PathStep; readonly prev: PathNode | undefined }

/**
 * How the path reached an instruction when not by falling through, and the
 * stack slot it spilled to or filled from (bpf_jmp_history_entry): what
 * precision backtracking needs to walk a path backwards.
 */
interface HistoryEntry {
  readonly idx: number;
  readonly prev: number;
  /** frameno × 64 + slot index of a spill or fill, −1 when none. */
  stack: number;
}

/** The instructions between two remembered states of a path. */
interface Segment {
  readonly frames: Frame[];
  readonly parent: StoredState | undefined;
  /** Slot the segment starts at (first_insn_idx). */
  readonly firstIdx: number;
  readonly history: readonly HistoryEntry[];
}

/** One path's state (bpf_verifier_state). */
interface PathState extends Segment {
  frames: Frame[];
  /** Acquired references (ringbuf records): each must be released on every path (bpf_verifier_state.refs). */
  refs: readonly AcquiredRef[];
  /** The stored state this path descends from, for branch counting and precision marks. */
  parent: StoredState | undefined;
  path: PathNode | undefined;
  firstIdx: number;
  history: HistoryEntry[];
  /** Callback bodies entered on this path (callback_unroll_depth): iterations that look alike are not an infinite loop. */
  callbackUnroll: number;
  /** The bpf_spin_lock held, if any: its map and the id of the map value pointer it was taken through (active_lock_ptr, active_lock_id). */
  lock: SpinLock | undefined;
}

interface SpinLock { readonly map: MapInfo; readonly id: number }

interface AcquiredRef {
  readonly id: number;
  readonly insn: number;
  /** What was acquired, for explanations: a socket (bpf_sk_lookup_*) rather than a ring buffer record. */
  readonly socket?: boolean;
  /** An open-coded iterator (bpf_iter_<kind>_new), by kind. */
  readonly iterator?: string;
}

/** A state remembered at a prune point (bpf_verifier_state_list), and the segment that led to it. */
interface StoredState extends Segment {
  readonly refs: readonly AcquiredRef[];
  /** Paths still being explored from here; while non-zero it cannot prune (it is a loop ancestor). */
  branches: number;
  /** Where it was remembered (insn_idx) and the instruction before (last_insn_idx). */
  readonly idx: number;
  readonly callbackUnroll: number;
  readonly lock: SpinLock | undefined;
  readonly lastIdx: number;
  hits: number;
  misses: number;
}

/** A segment frozen where it was pruned, for precision that reaches it later. */
interface PrunedAt extends Segment { readonly idx: number }

/**
 * One visit of a loop (bpf_scc_visit): from the first state remembered in it
 * until that state's paths are all explored. States pruned meanwhile against
 * loop states whose precision marks may still grow are kept as backedges.
 */
interface LoopVisit {
  entry: StoredState | undefined;
  backedges: { readonly state: PrunedAt; readonly equal: StoredState }[];
}

/** Registers and stack slots per frame whose exact values are wanted (backtrack_state). */
class Backtrack {
  readonly regs = new Uint16Array(MAX_CALL_FRAMES);
  readonly slots: Set<number>[] = Array.from({ length: MAX_CALL_FRAMES }, () => new Set<number>());
  constructor(public frame: number) {}
  empty(): boolean {
    for (let f = 0; f <= this.frame; f++) if (this.regs[f] || this.slots[f]!.size) return false;
    return true;
  }
  has(r: number, f = this.frame): boolean { return (this.regs[f]! & (1 << r)) !== 0; }
  set(r: number, f = this.frame): void { this.regs[f] = this.regs[f]! | (1 << r); }
  clear(r: number, f = this.frame): void { this.regs[f] = this.regs[f]! & ~(1 << r); }
}

/** Backtracking met what it cannot follow (the kernel's -ENOTSUPP): every scalar becomes precise instead. */
class GiveUp {}

const ARG_REGS = 0b111110;
/** BPF_FUNC_spin_unlock: the one helper callable while holding a lock. */
const SPIN_UNLOCK = 94;
/** sizeof(struct bpf_spin_lock). */
const SPIN_LOCK_SIZE = 4;

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
const MEM_TYPES = new Set(['ptr_to_stack', 'packet', 'packet_meta', 'map_value', 'ringbuf_mem', 'mem', 'rdonly_mem', 'map_key']);
/** MAX_PACKET_OFF. */
const MAX_PACKET_OFF = 0xffff;
/** BPF_MAX_VAR_OFF. */
const MAX_VAR_OFF = 1n << 29n;
/** reg->range markers of mark_pkt_end. */
const AT_PKT_END = -1, BEYOND_PKT_END = -2;
/** Pointer types that are never NULL (reg_not_null). */
const NOT_NULL = new Set(['map_value', 'map_ptr', 'ringbuf_mem', 'mem', 'rdonly_mem', 'sock', 'sock_common', 'tcp_sock', 'map_key']);
const ZERO = constScalar(0n);

/**
 * Verifies a program as Linux's verifier would, for the subset this engine
 * models: scalars, stack, the context of socket filter, tc, XDP, kprobe and
 * tracepoint programs, map pointers and values (with NULL checks), packet
 * ranges, ring buffer records (reference tracking), LD_ABS/LD_IND, helper and
 * bpf-to-bpf calls, bounded loops, BTF pointers (tp_btf, iter, struct_ops,
 * fentry/fexit/lsm contexts given `attachBtf`; btf-access.ts) and plain kfuncs
 * (kfunc.ts). What it does not model (other kfuncs, callbacks, spin locks,
 * dynptrs) makes it refuse with code UNSUPPORTED, never accept.
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
  readonly attach: number;
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
  /** env->id_gen. */
  idGen = 0;
  readonly maps: VerifyOptions['maps'];
  readonly resolveMap: VerifyOptions['resolveMap'];
  cur!: PathState;
  idx = 0;
  /** The instruction processed before the current one on this path (env->prev_insn_idx). */
  prevIdx = -1;
  /** The current instruction's history entry, if it has one yet. */
  histEntry: HistoryEntry | undefined;
  /** Loop visits by call chain and loop (env->scc_visits). */
  readonly loopVisits = new Map<string, LoopVisit>();
  /** The register a store writes to the stack, for STACK_ZERO precision; −1 for immediates. */
  valueRegno = -1;
  /** Paths waiting to be explored: the other side of branches, callback entries (env->head). */
  readonly pending: { state: PathState; idx: number; from: number }[] = [];
  readonly globals: readonly GlobalFunction[];
  readonly funcInfo: boolean;
  readonly calledGlobals = new Set<number>();
  readonly verifiedGlobals = new Set<number>();
  /** The global function being verified on its own, if any. */
  entryFunction: GlobalFunction | undefined;
  scratched = new Set<number>();

  readonly attachBtf: AttachBtf | undefined;
  readonly resolveKfunc: VerifyOptions['resolveKfunc'];
  readonly kernelBtf: Btf | undefined;

  constructor(readonly insns: readonly Instruction[], options: VerifyOptions) {
    this.type = options.programType ?? 'socket_filter';
    this.attachBtf = options.attachBtf;
    this.resolveKfunc = options.resolveKfunc;
    this.kernelBtf = options.kernelBtf ?? options.attachBtf?.btf;
    this.attach = options.expectedAttachType ?? defaultAttachType(this.type);
    this.helpers = options.helpers ?? KERNEL_HELPERS;
    this.level = options.logLevel ?? 0;
    this.privileged = options.privileged ?? true;
    this.limit = options.complexityLimit ?? COMPLEXITY_LIMIT;
    this.maps = options.maps;
    this.resolveMap = options.resolveMap;
    this.globals = options.globalFunctions ?? [];
    this.funcInfo = options.funcInfo ?? false;
    this.gpl = ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']
      .includes(options.license ?? 'GPL');
  }

  disasm(i: number): string {
    const insn = this.insns[i];
    if (!insn) return '';
    if (insn.op.kind !== 'call' || insn.op.target !== 'kfunc') return formatKernelInsn(insn, (id) => this.helpers.get(id)?.name);
    const kfunc = this.kfuncName(insn, i);
    // An object leaves the BTF id to the loader: show the one the kernel would get.
    const id = insn.imm || (kfunc && this.kernelBtf ? kfuncIds(this.kernelBtf)(kfunc) : undefined) || 0;
    return formatKernelInsn({ ...insn, imm: id }, undefined, kfunc);
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
    if (isBtfProgramType(this.type) && !this.attachBtf) {
      return this.result(new VerifierError('UNSUPPORTED', `${this.type} programs need their attach target's BTF`, `The context of a ${this.type} program is typed by what it attaches to; pass attachBtf.`, -1));
    }
    const argCount = (id: number) => this.helpers.get(id)?.proto.args.length ?? 5;
    const cfg = analyzeControlFlow(this.insns, argCount, (slot) => iterKfunc(this.kfuncName(this.insns[slot]!, slot) ?? '')?.op === 'next');
    if ('code' in cfg) {
      return this.result(new VerifierError(cfg.code, cfg.kernel, cfg.explanation, cfg.insn, cfg.insn >= 0 ? this.disasm(cfg.insn) : ''));
    }
    this.cfg = cfg;
    const main = newFrame(0, -1, 0);
    main.regs[1] = pointerReg('ptr_to_ctx');
    this.cur = { frames: [main], refs: [], parent: undefined, path: undefined, firstIdx: 0, history: [], callbackUnroll: 0, lock: undefined };
    try {
      this.explore();
      this.verifyGlobalFunctions();
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      const path: PathStep[] = [];
      for (let n = this.cur.path; n; n = n.prev) path.unshift(n.step);
      const state = this.cur.frames.map((f) => formatFrame(f)).join(' | ');
      // Some faults take the kernel several lines (the access, then the rule); the last one is the verdict.
      const lines = e.kernel.split('\n');
      const kernel = lines.pop()!;
      this.log.push(...lines);
      const explanation = lines.length ? `${e.explanation} (${lines.join('; ')})` : e.explanation;
      return this.result(new VerifierError(e.code, kernel, explanation, this.idx, this.disasm(this.idx), state, path));
    }
    const stackError = this.checkStackDepth();
    return this.result(stackError);
  }

  get frame(): Frame { return this.cur.frames[this.cur.frames.length - 1]!; }

  /** The global function starting at `slot`, if that is one. */
  globalAt(slot: number): GlobalFunction | undefined {
    return this.globals.find((g) => g.start === slot);
  }

  /**
   * do_check_subprogs: each global function a verified path called is then
   * verified on its own, from the state its prototype describes, until no
   * new one is called.
   */
  verifyGlobalFunctions(): void {
    for (let again = true; again;) {
      again = false;
      for (const fn of [...this.globals].sort((a, b) => a.start - b.start)) {
        if (!this.calledGlobals.has(fn.start) || this.verifiedGlobals.has(fn.start)) continue;
        this.verifiedGlobals.add(fn.start);
        again = true;
        const frame = newFrame(0, -1, this.cfg.subprogOf[fn.start]!);
        fn.args.forEach((arg, a) => {
          frame.regs[a + 1] = arg.kind === 'scalar' ? unknownReg() : arg.kind === 'ctx' ? pointerReg('ptr_to_ctx')
            : { ...pointerReg('mem_or_null'), memSize: arg.size, id: ++this.idGen };
        });
        this.entryFunction = fn;
        this.explored.clear();
        this.loopVisits.clear();
        this.cur = { frames: [frame], refs: [], parent: undefined, path: undefined, firstIdx: fn.start, history: [], callbackUnroll: 0, lock: undefined };
        this.idx = fn.start;
        this.prevIdx = -1;
        this.explore();
      }
    }
    this.entryFunction = undefined;
  }

  /** btf_check_subprog_call: the arguments fit the global function's prototype; it is assumed to work. */
  globalCall(i: number, fn: GlobalFunction): number {
    const subprog = this.cfg.subprogOf[fn.start]!;
    if (fn.unsupported) reject('UNSUPPORTED', `global function ${fn.name} is not modelled: ${fn.unsupported}`, `The prototype of ${fn.name} is outside what the verifier models.`);
    const invalid = `Caller passes invalid args into func#${subprog} ('${fn.name}')`;
    if (this.cur.lock) reject('SPIN_LOCK', 'global function calls are not allowed while holding a lock,\nuse static function instead', `${fn.name} is verified on its own, without the lock; call a static function instead.`);
    fn.args.forEach((arg, a) => {
      const r = a + 1;
      const reg = this.readReg(r);
      if (arg.kind === 'scalar' && reg.type !== 'scalar') reject('HELPER_ARGUMENT', `R${r} is not a scalar\n${invalid}`, `Argument ${r} of ${fn.name} must be a number.`);
      if (arg.kind === 'ctx' && reg.type !== 'ptr_to_ctx') reject('HELPER_ARGUMENT', `arg#${a} expects pointer to ctx\n${invalid}`, `Argument ${r} of ${fn.name} must be the context pointer.`);
      if (arg.kind !== 'mem' || (reg.type === 'scalar' && isConst(reg.value) && reg.value.varOff.value === 0n)) return;
      // check_mem_reg: the function may read and write all of it (NULL is allowed: the function must check).
      const asValue = mayBeNull(reg) ? { ...reg, type: reg.type.replace('_or_null', '') as Reg['type'] } : reg;
      try {
        this.helperMem(r, asValue, arg.size, false, true);
        this.helperMem(r, asValue, arg.size, true, true);
      } catch (e) {
        if (e instanceof Reject) throw new Reject(e.code, `${e.kernel}\n${invalid}`, e.explanation);
        throw e;
      }
    });
    // A global function that may change the packet leaves the caller's packet pointers stale.
    if (this.changesPacket(subprog, new Set())) {
      this.forEachReg(this.cur, (r) => (isPacket(r) || r.type === 'packet_end' ? (this.privileged ? unknownReg() : NOT_INIT) : r));
    }
    this.calledGlobals.add(fn.start);
    const edges = this.callEdges.get(this.frame.subprog) ?? new Set<number>();
    edges.add(subprog);
    this.callEdges.set(this.frame.subprog, edges);
    for (const r of CALLER_SAVED) this.frame.regs[r] = NOT_INIT;
    this.writeReg(0, unknownReg());
    return i + 1;
  }

  /** Whether a subprogram, or one it calls, calls a helper that changes the packet. */
  changesPacket(subprog: number, seen: Set<number>): boolean {
    if (seen.has(subprog)) return false;
    seen.add(subprog);
    const start = this.cfg.subprogStarts[subprog]!;
    const end = this.cfg.subprogStarts[subprog + 1] ?? this.insns.length;
    for (let i = start; i < end; i++) {
      const op = this.insns[i]!.op;
      if (op.kind !== 'call') continue;
      if (op.target === 'helper' && this.helpers.get(this.insns[i]!.imm)?.proto.changesPacket) return true;
      if (op.target === 'local' && this.changesPacket(this.cfg.subprogOf[i + 1 + this.insns[i]!.imm]!, seen)) return true;
    }
    return false;
  }

  /** do_check: follow the current path; on its end, pop the next pushed one. */
  explore(): void {
    const pending = this.pending;
    let printState = this.level > 0;
    for (;;) {
      if (++this.processed > this.limit) {
        reject('COMPLEXITY_LIMIT', `BPF program is too large. Processed ${this.processed} insn`,
          `Exploring every path took more than ${this.limit} instruction steps; the program is too complex to verify (a loop the verifier cannot prove bounded does this).`);
      }
      let pathEnded = false;
      this.histEntry = undefined;
      if (this.cfg.prunePoints.has(this.idx) && this.isStateVisited()) {
        if (this.level > 0) this.log.push(`${this.idx}: safe`);
        pathEnded = true;
      } else {
        if (this.cfg.jmpPoints.has(this.idx)) this.pushHistory();
        if (this.level > 1 && printState) this.log.push(`${this.idx}: ${this.stateLine()}`);
        printState = false;
        this.scratched.clear();
        const before = this.idx;
        const next = this.step(pending);
        if (this.level > 0) this.logInsn(before);
        if (next === undefined) pathEnded = true;
        else {
          this.prevIdx = before;
          this.idx = next;
        }
      }
      if (!pathEnded) continue;
      this.endPath();
      const popped = pending.pop();
      if (!popped) return;
      this.cur = popped.state;
      this.idx = popped.idx;
      this.prevIdx = popped.from;
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
      this.maybeExitLoop(s);
    }
  }

  /** push_jmp_history: note how the path reached the current instruction. */
  pushHistory(): HistoryEntry {
    const entry: HistoryEntry = { idx: this.idx, prev: this.prevIdx, stack: -1 };
    this.cur.history.push(entry);
    this.histEntry = entry;
    return entry;
  }

  /** A spill to or fill from a stack slot, for backtracking through it. */
  noteStackAccess(frameno: number, spi: number): void {
    (this.histEntry ?? this.pushHistory()).stack = frameno * 64 + spi;
  }

  // ---- precision (mark_chain_precision and friends) ----

  /**
   * compute_scc_callchain + scc_visit_lookup: the visit of the loop the state
   * is in, named by the outermost frame whose current slot lies in a loop
   * and the call sites that lead there.
   */
  loopKey(frames: readonly Frame[], idx: number): string | undefined {
    const sites: number[] = [];
    for (let f = 0; f < frames.length; f++) {
      const at = f === frames.length - 1 ? idx : frames[f + 1]!.callsite;
      const scc = this.cfg.scc[at]!;
      if (scc) return `${sites.join(',')}:${scc}`;
      sites.push(at);
    }
    return undefined;
  }

  loopVisitOf(frames: readonly Frame[], idx: number): LoopVisit | undefined {
    const key = this.loopKey(frames, idx);
    return key === undefined ? undefined : this.loopVisits.get(key);
  }

  /** maybe_enter_scc: the first state remembered in a loop opens a visit of it. */
  maybeEnterLoop(state: StoredState): void {
    const key = this.loopKey(state.frames, state.idx);
    if (key === undefined) return;
    let visit = this.loopVisits.get(key);
    if (!visit) this.loopVisits.set(key, visit = { entry: undefined, backedges: [] });
    visit.entry ??= state;
  }

  /** maybe_exit_scc: every path from the visit's first state is explored, so the precision its backedges need is final. */
  maybeExitLoop(state: StoredState): void {
    const visit = this.loopVisitOf(state.frames, state.idx);
    if (!visit || visit.entry !== state) return;
    visit.entry = undefined;
    // propagate_backedges: to a fixed point, within the kernel's 64 rounds.
    for (let round = 0; ; round++) {
      if (round > 64) {
        for (const b of visit.backedges) this.markAllPrecise(b.state);
        break;
      }
      let changed = false;
      for (const b of visit.backedges) changed = this.propagatePrecision(b.equal, b.state) || changed;
      if (!changed) break;
    }
    visit.backedges = [];
  }

  /** propagate_precision: the scalars precise in `old` must be precise along the path that was pruned against it. */
  propagatePrecision(old: StoredState, at: PrunedAt): boolean {
    const bt = new Backtrack(at.frames.length - 1);
    for (let fr = old.frames.length - 1; fr >= 0; fr--) {
      const f = old.frames[fr]!;
      for (let r = 0; r < 10; r++) if (f.regs[r]!.type === 'scalar' && f.regs[r]!.precise) bt.set(r, fr);
      f.stack.forEach((slot, spi) => {
        if (slot && slot.types[7] === 'spill' && slot.spilled.type === 'scalar' && slot.spilled.precise) bt.slots[fr]!.add(spi);
      });
    }
    return this.chainPrecision(at, bt);
  }

  /** mark_chain_precision: the current instruction relies on the exact value of scalar register `r`. */
  markPrecise(r: number): void {
    if (!this.privileged || r < 0 || this.frame.regs[r]!.type !== 'scalar') return;
    const bt = new Backtrack(this.cur.frames.length - 1);
    bt.set(r);
    this.chainPrecision({ ...this.cur, idx: this.idx }, bt);
  }

  /** The same for a scalar spilled to a stack slot (get_constant_map_key's batch marking). */
  markSlotPrecise(frameno: number, spi: number): void {
    if (!this.privileged) return;
    const bt = new Backtrack(this.cur.frames.length - 1);
    bt.slots[frameno]!.add(spi);
    this.chainPrecision({ ...this.cur, idx: this.idx }, bt);
  }

  /**
   * __mark_chain_precision: walk the path backwards from `start`, through the
   * segments of its remembered ancestors, following what each wanted value
   * was computed from, and mark it precise in every ancestor it lives in.
   * Returns whether a mark was added.
   */
  chainPrecision(start: PrunedAt, bt: Backtrack): boolean {
    if (bt.empty()) return false;
    let changed = false;
    let st: Segment = start;
    let firstIdx = start.firstIdx;
    let lastIdx = start.idx;
    let subseq = -1;
    let skipFirst = true;
    try {
      for (;;) {
        let history = st.history.length;
        for (let i = lastIdx; i >= 0;) {
          if (skipFirst) skipFirst = false;
          else {
            const top = history > 0 ? st.history[history - 1]! : undefined;
            this.backtrackInsn(i, subseq, top && top.idx === i ? top : undefined, bt);
          }
          if (bt.empty()) return changed;
          subseq = i;
          // get_prev_insn_idx
          if (i === firstIdx && (history === 0 || (history === 1 && st.history[0]!.idx === i))) break;
          const top = history > 0 ? st.history[history - 1]! : undefined;
          if (top && top.idx === i) { i = top.prev; history--; } else i--;
          if (i < 0) throw new GiveUp();
        }
        const parent: StoredState | undefined = st.parent;
        if (!parent) break;
        st = parent;
        for (let fr = bt.frame; fr >= 0; fr--) {
          const frame = parent.frames[fr];
          if (!frame) throw new GiveUp();
          for (let r = 0; r < 10; r++) {
            if (!bt.has(r, fr)) continue;
            const reg = frame.regs[r]!;
            if (reg.type !== 'scalar' || reg.precise) bt.clear(r, fr);
            else { frame.regs[r] = { ...reg, precise: true }; changed = true; }
          }
          for (const spi of [...bt.slots[fr]!]) {
            const slot = frame.stack[spi];
            if (!slot || slot.types[7] !== 'spill' || slot.spilled.type !== 'scalar' || slot.spilled.precise) bt.slots[fr]!.delete(spi);
            else { frame.stack[spi] = { types: slot.types, spilled: { ...slot.spilled, precise: true } }; changed = true; }
          }
        }
        if (bt.empty()) return changed;
        subseq = firstIdx;
        lastIdx = parent.lastIdx;
        firstIdx = parent.firstIdx;
      }
    } catch (e) {
      if (!(e instanceof GiveUp)) throw e;
      this.markAllPrecise(start);
      return true;
    }
    // Something was not found (a stack access through a copied pointer…): be conservative.
    this.markAllPrecise(start);
    return true;
  }

  /** mark_all_scalars_precise: every scalar of every ancestor state becomes precise. */
  markAllPrecise(start: Segment): void {
    for (let st = start.parent; st; st = st.parent) {
      for (const frame of st.frames) {
        for (let r = 0; r < 10; r++) {
          const reg = frame.regs[r]!;
          if (reg.type === 'scalar' && !reg.precise) frame.regs[r] = { ...reg, precise: true };
        }
        frame.stack.forEach((slot, spi) => {
          if (slot && slot.types[7] === 'spill' && slot.spilled.type === 'scalar' && !slot.spilled.precise) {
            frame.stack[spi] = { types: slot.types, spilled: { ...slot.spilled, precise: true } };
          }
        });
      }
    }
  }

  /**
   * backtrack_insn: which values before instruction `i` the wanted values
   * after it came from. `subseq` is the instruction that followed it on the
   * path; `entry` its history entry, if any.
   */
  backtrackInsn(i: number, subseq: number, entry: HistoryEntry | undefined, bt: Backtrack): void {
    const insn = this.insns[i]!;
    const op = insn.op;
    const dst = insn.dst;
    const src = insn.src;
    switch (op.kind) {
      case 'alu':
        if (!bt.has(dst) || op.name === 'neg') return;
        if (op.name === 'mov' || op.name.startsWith('movsx')) {
          bt.clear(dst);
          if (op.operand === 'reg' && src !== 10) bt.set(src);
        } else if (op.operand === 'reg' && src !== 10) bt.set(src);
        return;
      case 'endian': case 'ja': case 'lddw-tail':
        return;
      case 'lddw':
        bt.clear(dst);
        return;
      case 'load':
        if (!bt.has(dst)) return;
        bt.clear(dst);
        // Only a fill from the stack carries the value further back; other memory is what it is.
        if (entry && entry.stack >= 0) bt.slots[entry.stack >> 6]!.add(entry.stack & 63);
        return;
      case 'store': {
        if (bt.has(dst)) throw new GiveUp();
        if (!entry || entry.stack < 0) return;
        const fr = entry.stack >> 6, spi = entry.stack & 63;
        if (!bt.slots[fr]!.has(spi)) return;
        bt.slots[fr]!.delete(spi);
        if (op.operand === 'reg') bt.set(src);
        return;
      }
      case 'atomic':
        // Read-modify-write of a wanted value: not followed, as the kernel does not either.
        if (bt.has(dst) || bt.has(src) || bt.has(0) || (entry && entry.stack >= 0 && bt.slots[entry.stack >> 6]!.has(entry.stack & 63))) throw new GiveUp();
        return;
      case 'packet-load':
        if (bt.has(0)) throw new GiveUp();
        return;
      case 'jump':
        if (op.operand === 'reg' && (bt.has(dst) || bt.has(src))) { bt.set(dst); bt.set(src); }
        return;
      case 'call':
        if (op.target === 'local') {
          // Reached from the callee's first instruction: its arguments came from the caller's r1–r5.
          if ((bt.regs[bt.frame]! & ~ARG_REGS) || bt.slots[bt.frame]!.size || bt.frame === 0) throw new GiveUp();
          const args = bt.regs[bt.frame]!;
          bt.regs[bt.frame] = 0;
          bt.frame--;
          bt.regs[bt.frame] = bt.regs[bt.frame]! | args;
          return;
        }
        if (op.target === 'helper' && CALLBACK_HELPERS.has(insn.imm) && i !== subseq - 1) {
          // Reached from a callback's first instruction: its r1–r5 were set by the helper, not passed on from the caller.
          if ((bt.regs[bt.frame]! & ~ARG_REGS) || bt.slots[bt.frame]!.size || bt.frame === 0) throw new GiveUp();
          bt.regs[bt.frame] = 0;
          bt.frame--;
          return;
        }
        bt.clear(0);
        // A kfunc that names no kernel function is refused later; backtracking stays conservative, as Linux's does.
        if (bt.regs[bt.frame]! & ARG_REGS || (op.target === 'kfunc' && this.kfuncName(insn, i) === undefined)) throw new GiveUp();
        return;
      case 'exit': {
        // A callback returns to the helper call, which set the callee's r1–r5 itself.
        const after = subseq >= 0 ? this.insns[subseq] : undefined;
        if (after && after.op.kind === 'call' && after.op.target === 'helper' && CALLBACK_HELPERS.has(after.imm)) bt.regs[bt.frame] = bt.regs[bt.frame]! & ~ARG_REGS;
        // Walking back into a callee from its return: r0 is what it returned.
        const r0 = subseq - 1 >= 0 && this.insns[subseq - 1]!.op.kind === 'call' && (this.insns[subseq - 1]!.op as { target: string }).target === 'local' && bt.has(0);
        if (bt.regs[bt.frame]! & ARG_REGS || bt.frame + 1 >= MAX_CALL_FRAMES) throw new GiveUp();
        bt.clear(0);
        bt.frame++;
        bt.regs[bt.frame] = 0;
        bt.slots[bt.frame]!.clear();
        if (r0) bt.set(0);
        return;
      }
      default:
        throw new GiveUp();
    }
  }

  /** is_state_visited: prune when a finished stored state covers this one, else maybe remember it. */
  isStateVisited(): boolean {
    const idx = this.idx;
    const list = this.explored.get(idx) ?? [];
    // A long history is checkpointed regardless (the kernel bounds jmp_history so).
    // So is every call of a helper that calls back, where the callback's iterations must converge.
    const checkpoint = this.cfg.forceCheckpoints.has(idx);
    const iterNext = checkpoint && this.cfg.iterNext.has(idx);
    const callsBack = checkpoint && !iterNext;
    const force = checkpoint || this.cur.history.length > 40;
    // Otherwise remember states only every 2 jumps and 8 instructions (the kernel's heuristic).
    let addNew = force || (this.jmpsProcessed - this.prevJmps >= 2 && this.processed - this.prevInsns >= 8);
    for (let n = 0; n < list.length; n++) {
      const old = list[n]!;
      let hit = false;
      let loop = false;
      if (old.branches > 0 && callsBack) {
        // Another round of the callback that ends within an earlier one adds nothing: the iterations converged.
        hit = this.statesEqual(old.frames, old.refs, 'range_within', old.lock);
        loop = hit;
      } else if (old.branches > 0 && iterNext) {
        // The same for an iterator's next(), while it may still yield; iterations of different depth are no infinite loop.
        hit = this.statesEqual(old.frames, old.refs, 'range_within', old.lock) && this.iterAtR1()?.state === 'active';
        loop = hit;
      } else if (old.branches > 0) {
        // A state still being explored (a loop ancestor): identical means the loop makes no progress.
        if (this.statesExact(old)) {
          reject('INFINITE_LOOP', `infinite loop detected at insn ${idx}`,
            `The loop through instruction ${idx} comes back in exactly the state it left, so it never ends.`);
        }
        if (!force && this.jmpsProcessed - this.prevJmps < 20 && this.processed - this.prevInsns < 100) addNew = false;
      } else {
        // Inside a loop still being explored, precision marks may grow: compare every scalar then.
        const visit = this.loopVisitOf(old.frames, old.idx);
        loop = visit !== undefined && visit.backedges.length > 0;
        hit = this.statesEqual(old.frames, old.refs, loop ? 'range_within' : 'not_exact', old.lock);
      }
      if (hit) {
        old.hits++;
        if (this.cfg.jmpPoints.has(idx)) this.pushHistory();
        const here: PrunedAt = { frames: this.cur.frames, parent: this.cur.parent, firstIdx: this.cur.firstIdx, history: [...this.cur.history], idx };
        // What the old state's continuation relied on, this path relied on too.
        this.propagatePrecision(old, here);
        // Marks the old state gains later must reach this path too: keep it as a backedge of the loop.
        if (loop) this.loopVisitOf(old.frames, old.idx)?.backedges.push({ state: { ...here, frames: this.cur.frames.map(cloneFrame) }, equal: old });
        return true;
      }
      if (addNew) old.misses++;
      // Evict states that keep failing to prune (the kernel keeps n = 3; 64 for callback calls still iterating).
      const keep = checkpoint && old.branches > 0 ? 64 : 3;
      if (old.misses > old.hits * keep + keep) { list.splice(n, 1); n--; this.liveStates--; }
    }
    if (!addNew) return false;
    this.prevJmps = this.jmpsProcessed;
    this.prevInsns = this.processed;
    const frames = this.cur.frames.map(cloneFrame);
    const stored: StoredState = {
      frames, refs: this.cur.refs, branches: 1, parent: this.cur.parent, hits: 0, misses: 0,
      idx, lastIdx: this.prevIdx, firstIdx: this.cur.firstIdx, history: this.cur.history, callbackUnroll: this.cur.callbackUnroll, lock: this.cur.lock,
    };
    list.unshift(stored);
    this.explored.set(idx, list);
    this.maybeEnterLoop(stored);
    this.cur.parent = stored;
    this.cur.firstIdx = idx;
    this.cur.history = [];
    this.totalStates++;
    this.liveStates++;
    this.peakStates = Math.max(this.peakStates, this.liveStates);
    this.maxStatesPerInsn = Math.max(this.maxStatesPerInsn, list.length);
    return false;
  }

  /** The iterator R1 points to (the first argument of an iterator kfunc), if any. */
  iterAtR1() {
    const r1 = this.frame.regs[1]!;
    if (r1.type !== 'ptr_to_stack' || !tnumIsConst(r1.value.varOff)) return undefined;
    const off = r1.off + Number(BigInt.asIntN(64, r1.value.varOff.value));
    return off < 0 ? this.cur.frames[r1.frameno]?.stack[slotIndex(off)]?.iter : undefined;
  }

  /** states_equal(EXACT) on live registers and the whole stack: the infinite-loop check. */
  statesExact(stored: StoredState): boolean {
    const old = stored.frames;
    const cur = this.cur.frames;
    if (old.length !== cur.length || stored.callbackUnroll !== this.cur.callbackUnroll || !sameRefs(stored.refs, this.cur.refs)) return false;
    if (stored.lock !== this.cur.lock && (!stored.lock || !this.cur.lock || stored.lock.id !== this.cur.lock.id || !sameMap(stored.lock.map, this.cur.lock.map))) return false;
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
        if (!sameReg(a.spilled, b.spilled) || !sameIter(a.iter, b.iter)) return false;
      }
    }
    return true;
  }

  statesEqual(old: Frame[], oldRefs: readonly AcquiredRef[], exact: ExactLevel, oldLock: SpinLock | undefined): boolean {
    const cur = this.cur.frames;
    if (old.length !== cur.length) return false;
    const ids = new IdMap();
    // refsafe: the same references, matched through the same id map as the registers, and the same lock held.
    if (oldRefs.length !== this.cur.refs.length) return false;
    for (let k = 0; k < oldRefs.length; k++) if (!ids.check(oldRefs[k]!.id, this.cur.refs[k]!.id)) return false;
    const curLock = this.cur.lock;
    if ((oldLock === undefined) !== (curLock === undefined)) return false;
    if (oldLock && curLock && (!sameMap(oldLock.map, curLock.map) || !ids.check(oldLock.id, curLock.id))) return false;
    for (let i = 0; i < old.length; i++) {
      const o = old[i]!;
      const c = cur[i]!;
      if (o.callsite !== c.callsite) return false;
      // func_states_equal: an old state further into a callback's iterations does not cover an earlier one.
      if ((o.callbackDepth ?? 0) > (c.callbackDepth ?? 0)) return false;
      const at = i === old.length - 1 ? this.idx : cur[i + 1]!.callsite;
      const live = this.cfg.liveBefore[at]!;
      for (let r = 0; r < 10; r++) {
        if (!(live & (1 << r))) continue;
        if (!regSafe(o.regs[r]!, c.regs[r]!, ids, exact)) return false;
      }
      if (!stackSafe(o, c, this.privileged, ids, exact)) return false;
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
        if (op.pseudo === 'imm64') {
          this.writeReg(insn.dst, scalarReg(constScalar(insn.imm64 ?? BigInt(insn.imm))));
        } else if (op.pseudo === 'map_fd' || op.pseudo === 'map_idx' || op.pseudo === 'map_value' || op.pseudo === 'map_idx_value') {
          this.writeReg(insn.dst, this.mapLddw(insn, i, op.pseudo === 'map_value' || op.pseudo === 'map_idx_value'));
        } else if (op.pseudo === 'func') {
          // Linux needs the program's BTF func_info to know what a callback is.
          if (!this.funcInfo) reject('MISSING_BTF', 'missing btf func_info', 'A function address (a callback) needs the program\'s BTF func_info; load the object with its BTF.');
          this.writeReg(insn.dst, { ...pointerReg('func'), callback: i + 1 + insn.imm });
        } else {
          reject('UNSUPPORTED', `unsupported lddw src ${insn.src}`, `lddw with pseudo source "${op.pseudo}" (BTF ids, functions) is not modelled yet.`);
        }
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
        this.valueRegno = op.operand === 'reg' ? insn.src : -1;
        this.memAccess(insn.dst, base, insn.offset, op.size, 'write', value ?? scalarReg(immScalar(insn.imm)), op.operand === 'imm');
        return i + 1;
      }
      case 'atomic': {
        const src = this.readReg(insn.src);
        const base = this.readReg(insn.dst);
        if (isPointer(src) && !this.privileged) reject('INVALID_MEMORY_ACCESS', `R${insn.src} leaks addr into mem`, 'An atomic operation may not store a pointer.');
        if (op.name === 'cmpxchg') this.readReg(0);
        if (base.type === 'ptr_to_ctx' || isPacket(base) || base.type === 'sock_common_or_null' || base.type === 'sock' || base.type === 'sock_common' || base.type === 'tcp_sock') {
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
        if (this.cur.lock && (op.target === 'kfunc' || (op.target === 'helper' && insn.imm !== SPIN_UNLOCK))) {
          reject('SPIN_LOCK', 'function calls are not allowed while holding a lock', 'Between bpf_spin_lock and bpf_spin_unlock a program may call only bpf_spin_unlock (and its own static functions).');
        }
        if (op.target === 'helper') { this.helperCall(insn.imm); return i + 1; }
        if (op.target === 'local') return this.localCall(i, i + 1 + insn.imm);
        this.kfuncCall(insn, i);
        return i + 1;
      case 'callx':
        return reject('UNSUPPORTED', `unknown opcode ${insn.opcode.toString(16)}`, 'Indirect calls (callx) are not allowed.');
      case 'exit':
        this.jmpsProcessed++;
        return this.exit();
      case 'packet-load':
        this.ldAbs(insn, op.mode);
        return i + 1;
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
    // The pointer's bounds come from the number's: it must be precise.
    if (isPointer(dst)) { if (insn.op.kind === 'alu' && insn.op.operand === 'reg') this.markPrecise(insn.src); } else this.markPrecise(d);
    if (width === 32) {
      if (name === 'sub' && this.privileged) { this.writeReg(d, unknownReg()); return; }
      reject('POINTER_ARITHMETIC', `R${d} 32-bit pointer arithmetic prohibited`, 'Pointers can only be moved with 64-bit add and sub.');
    }
    if (mayBeNull(ptr)) {
      reject('POINTER_ARITHMETIC', `R${d} pointer arithmetic on ${typeName(ptr)} prohibited, null-check it first`, 'A pointer that may be NULL must be checked before arithmetic.');
    }
    const knownZeroAdd = name === 'add' && isConst(off.value) && off.value.varOff.value === 0n;
    if (ptr.type === 'packet_end' || ptr.type === 'sock' || ptr.type === 'sock_common' || ptr.type === 'tcp_sock' || (ptr.type === 'map_ptr' && !knownZeroAdd)) {
      reject('POINTER_ARITHMETIC', `R${d} pointer arithmetic on ${typeName(ptr)} prohibited`, `A ${typeName(ptr)} pointer may not be moved.`);
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
    if (name === 'sub' && ptr.type === 'ptr_to_stack') {
      // Linux refuses every subtraction from a stack pointer, constant or not (JITs may not handle it); add a negative number instead.
      reject('POINTER_ARITHMETIC', `R${d} subtraction from stack pointer prohibited`, 'A stack pointer may not be moved with sub; add a negative number instead.');
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
    // A packet pointer moved by an unknown amount starts a new family with nothing proven yet.
    this.writeReg(d, isPacket(ptr) ? { ...ptr, value: moved, id: ++this.idGen, range: 0 } : { ...ptr, value: moved });
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
      if (this.attachBtf) return this.btfCtxAccess(off, size, kind);
      const field = ctxAccess(this.type, off, size, kind === 'write', this.attach);
      if (field === undefined) {
        reject('INVALID_CTX_ACCESS', `invalid bpf_context access off=${off} size=${size}`,
          `A ${this.type} program may not ${kind} ${size} byte${size > 1 ? 's' : ''} of its context at offset ${off}.`);
      }
      if (kind === 'write') return NOT_INIT;
      if (field === 'scalar') return unknownReg();
      // A maybe-NULL pointer gets an id so that its NULL check applies to its copies.
      if (field === 'sock_common_or_null' || field === 'sock_or_null') return { ...pointerReg(field), id: ++this.idGen };
      return pointerReg(field!);
    }
    if (base.type === 'sock' || base.type === 'sock_common' || base.type === 'tcp_sock') return this.sockAccess(regno, base, off, size, kind);
    if (base.type === 'ptr_to_btf_id') return this.btfAccess(regno, base, off, size, kind, strictAlign);
    if (base.type === 'rdonly_untrusted_mem') {
      // Untrusted memory is read with fault-tolerant loads, so no bounds apply; it is never written.
      if (kind === 'write') reject('INVALID_MEMORY_ACCESS', `R${regno} cannot write into rdonly_untrusted_mem`, `R${regno} points to kernel memory a program may only read.`);
      return unknownReg();
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
    if (isPacket(base)) return this.packetAccess(regno, base, off, size, kind, value);
    if (base.type === 'map_value') return this.mapValueAccess(regno, base, off, size, kind, value, strictAlign);
    if (base.type === 'map_key') {
      if (kind === 'write') reject('INVALID_MEMORY_ACCESS', `write to change key R${regno} not allowed`, 'A map key handed to a callback is read-only.');
      this.memRegion(regno, base, base.off + off, size, base.map!.keySize, false);
      return unknownReg();
    }
    if (base.type === 'rdonly_mem' && kind === 'write') reject('INVALID_MEMORY_ACCESS', `R${regno} cannot write into rdonly_mem`, `R${regno} points to memory a program may only read.`);
    if (base.type === 'ringbuf_mem' || base.type === 'mem' || base.type === 'rdonly_mem') {
      if (kind === 'write' && value && isPointer(value) && !this.privileged) reject('INVALID_MEMORY_ACCESS', `R${regno} leaks addr into mem`, 'A pointer may not be stored into helper memory.');
      this.memRegion(regno, base, base.off + off, size, base.memSize ?? 0, false);
      return kind === 'read' ? unknownReg() : NOT_INIT;
    }
    const name = typeName(base);
    return reject('INVALID_MEMORY_ACCESS', `R${regno} invalid mem access '${name}'`,
      mayBeNull(base)
        ? `R${regno} may be NULL here; compare it with 0 before dereferencing it.`
        : `R${regno} is a ${name} pointer, which cannot be dereferenced here.`);
  }

  /** check_kfunc_call (kfunc.ts): plain kfuncs with numbers and trusted struct pointers. */
  kfuncCall(insn: Instruction, i: number): void {
    const name = this.kfuncName(insn, i);
    if (!name || !this.kernelBtf) reject('UNSUPPORTED', 'kfunc calls are not supported', 'Calls to kernel functions (kfuncs) need the kernel\'s BTF and the function\'s name.');
    const iter = iterKfunc(name!);
    if (iter) return this.iterCall(iter, name!, i);
    const r = checkKfuncCall(this.kernelBtf!, name!, this.attachBtf, this.gpl, (n) => {
      const reg = this.readReg(n);
      const zero = tnumIsConst(reg.value.varOff) && reg.value.varOff.value === 0n && reg.off === 0;
      return reg.type === 'scalar' ? { type: 'scalar', maybeNull: false, offZero: true }
        : reg.btf ? { type: 'btf', pointee: reg.btf, maybeNull: reg.type === 'ptr_to_btf_id_or_null', offZero: zero }
        : { type: 'other', maybeNull: mayBeNull(reg), offZero: zero };
    });
    if ('code' in r) reject(r.code, r.kernel, r.explanation);
    this.clobberCallerSaved();
    if ('ret' in r && r.ret === 'scalar') this.writeReg(0, unknownReg());
  }

  /** The kernel function a kfunc call names: from the object's relocation, else its BTF id in the running kernel. */
  kfuncName(insn: Instruction, i: number): string | undefined {
    return this.resolveKfunc?.(insn, i) ?? (this.kernelBtf && insn.imm > 0 && insn.imm < this.kernelBtf.count && insn.offset === 0 ? this.kernelBtf.type(insn.imm).name : undefined);
  }

  /**
   * process_iter_arg and process_iter_next_call: new() turns uninitialized
   * slots into an active iterator holding a reference; next() either yields
   * (a new path into the loop body, one level deeper) or is drained (this
   * path, R0 = NULL); destroy() gives the reference back.
   */
  iterCall(it: IterKfunc, name: string, i: number): void {
    if (!MODELLED_ITERATORS.includes(it.kind)) reject('UNSUPPORTED', `kfunc ${name} is not modelled`, `Open-coded iterators other than ${MODELLED_ITERATORS.map((k) => `bpf_iter_${k}`).join(', ')} are not modelled yet.`);
    const facts = iterFacts(this.kernelBtf!, name, it);
    if ('unsupported' in facts) return reject('UNSUPPORTED', `kfunc ${name} is not modelled`, `${facts.unsupported[0]!.toUpperCase()}${facts.unsupported.slice(1)}.`);
    if (!this.gpl) reject('HELPER_ARGUMENT', 'cannot call kernel function from non-GPL compatible program', 'Only GPL-compatible programs may call kernel functions.');
    const type = `iter_${it.kind}`;
    const reg = this.readReg(1);
    if (reg.type !== 'ptr_to_stack') reject('HELPER_ARGUMENT', 'arg#0 expected pointer to an iterator on stack', `The first argument of ${name} must point to a struct bpf_iter_${it.kind} on the stack.`);
    const frame = this.cur.frames[reg.frameno]!;
    // iter_get_spi: a constant, slot-aligned place (slots past the stack in use read as empty).
    const where = (expected: string): number => {
      const why = (line: string): never => reject('HELPER_ARGUMENT', `${line}\n${expected}`, `The iterator must sit at a constant, 8-byte aligned place on the stack.`);
      if (!tnumIsConst(reg.value.varOff)) why('iter has to be at a constant offset');
      const off = reg.off + Number(BigInt.asIntN(64, reg.value.varOff.value));
      if (off % 8 || slotIndex(off) + 1 < facts.slots) why(`cannot pass in iter at an offset=${off}`);
      return slotIndex(off);
    };
    if (it.op === 'new') {
      const expected = `expected uninitialized ${type} as arg #0`;
      const spi = where(expected);
      for (let k = 0; k < facts.slots; k++) {
        if (this.slotAt(frame, spi - k).types.includes('iter')) reject('HELPER_ARGUMENT', expected, `The iterator at R1 is already initialized; destroy it before calling ${name} again.`);
      }
      for (let k = 0; k < facts.slots; k++) this.stackAccess(1, reg, k * 8, 8, 'write', unknownReg(), false);
      const id = ++this.idGen;
      for (let k = 0; k < facts.slots; k++) {
        frame.stack[spi - k] = { types: Array<SlotType>(8).fill('iter'), spilled: NOT_INIT, iter: { kind: it.kind, state: 'active', depth: 0, refId: k === 0 ? id : 0 } };
        this.scratched.add(100 + spi - k);
      }
      this.cur.refs = [...this.cur.refs, { id, insn: i, iterator: it.kind }];
      for (let a = 2; a < 2 + facts.scalarArgs; a++) {
        if (this.readReg(a).type !== 'scalar') reject('HELPER_ARGUMENT', `R${a} is not a scalar`, `Argument ${a} of ${name} is a number.`);
      }
      this.clobberCallerSaved();
      this.writeReg(0, unknownReg());
      return;
    }
    // is_iter_reg_valid_init: every slot holds this kind of iterator, the first one its reference.
    const expected = `expected an initialized ${type} as arg #0`;
    const spi = where(expected);
    const notInit = () => reject('HELPER_ARGUMENT', expected, `R1 does not point to an initialized struct bpf_iter_${it.kind}: call bpf_iter_${it.kind}_new on it first (and not after destroy).`);
    for (let k = 0; k < facts.slots; k++) {
      const slot = this.slotAt(frame, spi - k);
      if (!slot.iter || slot.iter.kind !== it.kind || (k === 0) !== (slot.iter.refId !== 0) || slot.types.some((t) => t !== 'iter')) notInit();
    }
    const main = frame.stack[spi]!.iter!;
    if (it.op === 'destroy') {
      this.releaseReference(main.refId);
      for (let k = 0; k < facts.slots; k++) frame.stack[spi - k] = EMPTY_SLOT;
      this.clobberCallerSaved();
      return;
    }
    this.clobberCallerSaved();
    const yielded: Reg = { ...pointerReg('rdonly_mem'), memSize: facts.yieldSize, id: ++this.idGen, refId: main.refId };
    if (main.state === 'active') {
      // The iteration that yields: checked from the state remembered here, one level deeper.
      const queued = this.forkState();
      const qFrame = queued.frames[reg.frameno]!;
      qFrame.stack[spi] = { ...qFrame.stack[spi]!, iter: { ...main, depth: main.depth + 1 } };
      const prev = this.previousVisit(i);
      if (prev) widenImprecise(prev.frames, queued.frames);
      queued.frames[queued.frames.length - 1]!.regs[0] = yielded;
      if (queued.parent) queued.parent.branches++;
      this.pending.push({ state: queued, idx: i + 1, from: i });
    }
    // This path: the iterator is drained and next() returned NULL.
    frame.stack[spi] = { ...frame.stack[spi]!, iter: { ...main, state: 'drained' } };
    this.scratched.add(100 + spi);
    this.writeReg(0, scalarReg(ZERO));
  }

  /** find_prev_entry: the state remembered at `idx` on an earlier visit along this path (skipping the one just remembered). */
  previousVisit(idx: number): StoredState | undefined {
    const cur = this.cur.frames;
    for (let s = this.cur.parent?.parent; s; s = s.parent) {
      if (s.idx === idx && s.frames.length === cur.length && s.frames.every((f, k) => f.callsite === cur[k]!.callsite)) return s;
    }
    return undefined;
  }

  clobberCallerSaved(): void {
    for (const r of CALLER_SAVED) {
      this.frame.regs[r] = NOT_INIT;
      this.scratched.add(r);
    }
  }

  /** btf_ctx_access (tracing-context.ts): the arguments of a BTF-typed program. */
  btfCtxAccess(off: number, size: number, kind: 'read' | 'write'): Reg {
    const r = tracingCtxAccess(this.attachBtf!, off, size, kind === 'write');
    if (r.kind === 'unsupported') return reject('UNSUPPORTED', r.why, `${r.why[0]!.toUpperCase()}${r.why.slice(1)}.`);
    if (r.kind === 'invalid') {
      return reject('INVALID_CTX_ACCESS', r.lines.join('\n'), `A ${this.attachBtf!.kind} program on ${this.attachBtf!.name} may not ${kind} ${size} byte${size > 1 ? 's' : ''} of its context at offset ${off}.`);
    }
    if (r.kind === 'scalar') return unknownReg();
    const reg: Reg = { ...pointerReg(r.maybeNull ? 'ptr_to_btf_id_or_null' : 'ptr_to_btf_id'), btf: { btf: this.attachBtf!.btf, id: r.id, flags: r.flags } };
    return r.maybeNull ? { ...reg, id: ++this.idGen } : reg;
  }

  /** check_ptr_to_btf_access (btf-access.ts): fields of a kernel struct. */
  btfAccess(regno: number, base: Reg, off: number, size: number, kind: 'read' | 'write', atomic: boolean): Reg {
    const varOff = base.value.varOff;
    const r = btfPointerAccess({
      regno, pointee: base.btf!, off: base.off + off, size, write: kind === 'write', atomic, privileged: this.privileged, gpl: this.gpl,
      varOffText: tnumIsConst(varOff) && varOff.value === 0n ? undefined : formatTnum(varOff),
      ...(this.attachBtf?.structOps === 'tcp_congestion_ops' ? { writeCheck: tcpCaWrite } : {}),
    });
    if ('code' in r) return reject(r.code, r.kernel, r.explanation);
    if (kind === 'write') return NOT_INIT;
    if (r.kind === 'scalar') return unknownReg();
    if (r.kind === 'untrusted_mem') return { ...pointerReg('rdonly_untrusted_mem'), memSize: 0 };
    const reg: Reg = { ...pointerReg(r.maybeNull ? 'ptr_to_btf_id_or_null' : 'ptr_to_btf_id'), btf: r.pointee };
    return r.maybeNull ? { ...reg, id: ++this.idGen } : reg;
  }

  /** check_sock_access: struct bpf_sock fields, read-only (pointer arithmetic on sockets is prohibited, so the offset is the instruction's). */
  sockAccess(regno: number, base: Reg, off: number, size: number, kind: 'read' | 'write'): Reg {
    const name = typeName(base);
    if (kind === 'write') reject('INVALID_MEMORY_ACCESS', `R${regno} cannot write into ${name}`, `A ${name} pointer gives read-only access to the socket.`);
    const valid = base.type === 'sock' ? bpfSockValid(off, size) : base.type === 'tcp_sock' ? bpfTcpSockValid(off, size) : bpfSockCommonValid(off, size);
    if (!valid) reject('INVALID_MEMORY_ACCESS', `R${regno} invalid ${name} access off=${off} size=${size}`, `Bytes ${off}..${off + size - 1} of a ${name} are not a field a program may read that way.`);
    return unknownReg();
  }

  /** check_packet_access: the fixed offset must lie inside the range proven by comparing with data_end. */
  packetAccess(regno: number, base: Reg, insnOff: number, size: number, kind: 'read' | 'write', value: Reg | undefined): Reg {
    if (kind === 'write' && !writesPacket(this.type)) reject('INVALID_MEMORY_ACCESS', 'cannot write into packet', `A ${this.type} program may not write packet data directly.`);
    if (kind === 'write' && value && isPointer(value) && !this.privileged) reject('INVALID_MEMORY_ACCESS', `R${regno} leaks addr into packet`, 'A pointer may not be stored into the packet.');
    this.packetRange(regno, base, base.off + insnOff, size, false);
    return kind === 'read' ? unknownReg() : NOT_INIT;
  }

  packetRange(regno: number, base: Reg, off: number, size: number, zeroOk: boolean): void {
    if (base.value.smin < 0n) {
      reject('INVALID_MEMORY_ACCESS', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`, `The variable offset added to R${regno} might be negative.`);
    }
    const range = base.range ?? 0;
    if (range >= 0 && off >= 0 && (size > 0 || (size === 0 && zeroOk)) && off + size <= range) return;
    const detail = range < 0 ? '' : `invalid access to packet, off=${off} size=${size}, R${regno}(id=${base.id ?? 0},off=${off},r=${range})\n`;
    reject('INVALID_MEMORY_ACCESS', `${detail}R${regno} offset is outside of the packet`,
      range <= 0
        ? `R${regno} reaches packet bytes before any comparison with data_end proved them present.`
        : `Bytes ${off}..${off + size - 1} past R${regno} are not within the ${range} bytes proven present by comparing with data_end.`);
  }

  /** check_map_access_type and check_map_access. */
  mapValueAccess(regno: number, base: Reg, insnOff: number, size: number, kind: 'read' | 'write', value: Reg | undefined, strictAlign: boolean): Reg {
    const map = base.map!;
    if (kind === 'write' && value && isPointer(value) && !this.privileged) reject('INVALID_MEMORY_ACCESS', `R${regno} leaks addr into map`, 'A pointer may not be stored into a map value.');
    const off = base.off + insnOff;
    if (strictAlign && size > 1 && !tnumIsAligned(tnumAdd(base.value.varOff, tnumConst(BigInt.asUintN(64, BigInt(off)))), size)) {
      reject('INVALID_MEMORY_ACCESS', `misaligned value access off ${tnumText(base.value.varOff)}+${base.off}+${insnOff} size ${size}`, `An atomic access to a map value must be ${size}-byte aligned.`);
    }
    if (kind === 'write' && map.flags & RDONLY_PROG) {
      reject('INVALID_MEMORY_ACCESS', `write into map forbidden, value_size=${map.valueSize} off=${off} size=${size}`, 'The map is read-only for programs.');
    }
    if (kind === 'read' && map.flags & WRONLY_PROG) {
      reject('INVALID_MEMORY_ACCESS', `read from map forbidden, value_size=${map.valueSize} off=${off} size=${size}`, 'The map is write-only for programs.');
    }
    this.memRegion(regno, base, off, size, map.valueSize, false);
    const lock = map.btf?.spinLock;
    if (lock !== undefined && base.value.smin + BigInt(off) < BigInt(lock + SPIN_LOCK_SIZE) && BigInt(lock) < base.value.umax + BigInt(off + size)) {
      reject('SPIN_LOCK', 'bpf_spin_lock cannot be accessed directly by load/store', `Bytes ${lock}–${lock + SPIN_LOCK_SIZE - 1} of ${map.name ?? 'the map'}'s value are its lock: only bpf_spin_lock and bpf_spin_unlock may touch them.`);
    }
    if (kind === 'write') return NOT_INIT;
    if (tnumIsConst(base.value.varOff)) {
      const known = frozenRead(map, off + Number(base.value.varOff.value), size, false);
      if (known !== undefined) return scalarReg(constScalar(known));
    }
    return unknownReg();
  }

  /** check_mem_region_access: every offset the variable part allows must stay inside `memSize`. */
  memRegion(regno: number, reg: Reg, off: number, size: number, memSize: number, zeroOk: boolean): void {
    const v = reg.value;
    const what = reg.type === 'map_value'
      ? (o: bigint) => `invalid access to map value, value_size=${memSize} off=${o} size=${size}`
      : (o: bigint) => `invalid access to memory, mem_size=${memSize} off=${o} size=${size}`;
    const inside = (o: bigint) => o >= 0n && (size > 0 || (size === 0 && zeroOk)) && o + BigInt(size) <= BigInt(memSize);
    const lo = v.smin + BigInt(off);
    if (v.smin < 0n && (v.smin === S64_MIN || lo !== BigInt.asIntN(32, lo) || lo < 0n)) {
      reject('INVALID_MEMORY_ACCESS', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`, `The offset into the ${typeName(reg)} through R${regno} might be negative.`);
    }
    if (!inside(lo)) {
      reject('INVALID_MEMORY_ACCESS', `${what(lo)}\nR${regno} min value is outside of the allowed memory range`,
        `A ${size}-byte access at offset ${lo} does not fit in the ${memSize} bytes of the ${typeName(reg)}.`);
    }
    if (v.umax >= MAX_VAR_OFF) {
      reject('INVALID_MEMORY_ACCESS', `R${regno} unbounded memory access, make sure to bounds check any such access`, `The offset added to R${regno} has no useful upper bound; compare it with a constant first.`);
    }
    const hi = v.umax + BigInt(off);
    if (!inside(hi)) {
      reject('INVALID_MEMORY_ACCESS', `${what(hi)}\nR${regno} max value is outside of the allowed memory range`,
        `At its largest offset (${hi}) the ${size}-byte access does not fit in the ${memSize} bytes of the ${typeName(reg)}.`);
    }
  }

  /** resolve_pseudo_ldimm64 for map sources. */
  mapLddw(insn: Instruction, i: number, isValue: boolean): Reg {
    const ref = this.resolveMap?.(insn, i) ?? this.mapByNumber(insn.imm);
    if (!ref) reject('INVALID_MAP', `fd ${insn.imm} is not pointing to valid bpf_map`, `The lddw at ${i} names map ${insn.imm}, which the verifier was not given.`);
    const map = ref!.map;
    if (!isValue) return { ...pointerReg('map_ptr'), map };
    const off = ref!.offset ?? Number(BigInt.asUintN(32, (insn.imm64 ?? 0n) >> 32n));
    if (off >= Number(MAX_VAR_OFF)) reject('INVALID_MAP', `direct value offset of ${off} is not allowed`, 'The offset into the map value is absurdly large.');
    if (!directValueAccess(map)) reject('INVALID_MAP', 'no direct value access support for this map type', `Only single-element arrays (global data) can be addressed directly; ${map.name ?? 'this map'} is a ${map.type}.`);
    if (off >= map.valueSize) reject('INVALID_MAP', `invalid access to map value pointer, value_size=${map.valueSize} off=${off}`, `Offset ${off} lies past the ${map.valueSize}-byte value.`);
    return { ...pointerReg('map_value', off), map };
  }

  mapByNumber(n: number): MapReference | undefined {
    const maps = this.maps;
    if (!maps) return undefined;
    const map = Array.isArray(maps) ? (maps as readonly MapInfo[])[n] : (maps as ReadonlyMap<number, MapInfo>).get(n);
    return map ? { map } : undefined;
  }

  /** check_ld_abs: legacy skb loads, with the context in R6; they clobber R1–R5 and leave a number in R0. */
  ldAbs(insn: Instruction, mode: string): void {
    if (this.cur.lock) reject('SPIN_LOCK', 'BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region', 'LD_ABS and LD_IND may fail and leave the program, so they are not allowed while a lock is held.');
    if (this.type !== 'socket_filter' && this.type !== 'sched_cls' && this.type !== 'sched_act') {
      reject('UNSUPPORTED', 'BPF_LD_[ABS|IND] instructions not allowed for this program type', `A ${this.type} program has no skb to load from.`);
    }
    if (this.cfg.subprogOf.some((s) => s > 0)) {
      reject('UNSUPPORTED', 'LD_ABS is not allowed in subprogs without BTF', 'Legacy packet loads cannot be mixed with bpf-to-bpf calls without BTF.');
    }
    const r6 = this.readReg(6);
    // A legacy load may end the program when the packet is short, leaking what is held.
    this.checkReferenceLeak('BPF_LD_[ABS|IND]');
    if (mode === 'ind') this.readReg(insn.src);
    if (r6.type !== 'ptr_to_ctx') reject('HELPER_ARGUMENT', 'at the time of BPF_LD_ABS|IND R6 != pointer to skb', 'Legacy packet loads read the skb through R6, which must hold the context.');
    this.zeroOffset(6, r6);
    for (const r of CALLER_SAVED) this.frame.regs[r] = NOT_INIT;
    this.writeReg(0, unknownReg());
    for (const r of CALLER_SAVED) this.scratched.add(r);
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
      this.noteStackAccess(frame.frameno, spi);
    } else if (isPointer(value)) {
      if (size !== 8) reject('INVALID_STACK_ACCESS', 'invalid size of register spill', 'A pointer can only be saved on the stack as a whole aligned 8 bytes.');
      frame.stack[spi] = spillSlot(old, value, 8);
      this.noteStackAccess(frame.frameno, spi);
    } else {
      const types = scrubbed(old.types);
      const zero = value.type === 'scalar' && isConst(value.value) && value.value.varOff.value === 0n;
      // STACK_ZERO stands for the register's exact value.
      if (zero) this.markPrecise(this.valueRegno);
      const t: SlotType = zero ? 'zero' : 'misc';
      for (let k = 0; k < size; k++) types[(slot - k) % 8] = t;
      frame.stack[spi] = { types, spilled: NOT_INIT };
    }
    void isImmStore;
    this.scratched.add(100 + spi);
  }

  stackWriteVar(frame: Frame, minOff: number, maxOff: number, value: Reg): void {
    const zero = value.type === 'scalar' && isConst(value.value) && value.value.varOff.value === 0n;
    let zeroUsed = false;
    for (let addr = minOff; addr < maxOff; addr++) {
      const slot = -addr - 1;
      const spi = Math.floor(slot / 8);
      const old = this.slotAt(frame, spi);
      const types = scrubbed(old.types);
      const k = slot % 8;
      if (zero && types[k] === 'zero') zeroUsed = true;
      types[k] = zero && types[k] === 'zero' ? 'zero' : 'misc';
      frame.stack[spi] = { types, spilled: NOT_INIT };
    }
    if (zeroUsed) this.markPrecise(this.valueRegno);
  }

  /** check_stack_read_fixed_off. */
  stackReadFixed(frame: Frame, off: number, size: number): Reg {
    const slot = -off - 1;
    const spi = Math.floor(slot / 8);
    const s = this.slotAt(frame, spi);
    const types = s.types;
    if (types[7] === 'spill') {
      this.noteStackAccess(frame.frameno, spi);
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
      else if ((t === 'invalid' && !this.privileged) || t === 'iter') this.uninitStack(off, k, size);
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
      if ((t === 'invalid' && !this.privileged) || t === 'iter') this.uninitStack(minOff, addr - minOff, maxOff - minOff);
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
      if (!taken || !notTaken) {
        // The branch was decided by the values: they must not be generalised when pruning.
        this.markPrecise(insn.dst);
        if (operand === 'reg') this.markPrecise(insn.src);
      }
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
      const decided = pointerBranchTaken(dst, src, cond, width);
      if (decided !== -1) {
        if (dst.type === 'scalar') this.markPrecise(insn.dst);
        if (operand === 'reg' && src.type === 'scalar') this.markPrecise(insn.src);
      }
      if (decided === 0) return i + 1;
      if (decided === 1) {
        this.cur.path = { step: { from: i, to: target }, prev: this.cur.path };
        return target;
      }
      takenState = this.forkState();
      if (width === 64 && operand === 'imm' && insn.imm === 0 && (cond === 'jeq' || cond === 'jne') && mayBeNull(dst)) {
        // The fall-through of `== 0` is the non-NULL side, and the other way round for `!= 0`.
        this.markPtrOrNull(this.cur, dst, cond === 'jne');
        this.markPtrOrNull(takenState, dst, cond === 'jeq');
      } else if (operand === 'reg' && width === 64) {
        this.matchPacketPointers(cond, insn.dst, insn.src, dst, src, this.cur, takenState);
      }
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

  /** mark_ptr_or_null_regs: every copy of the checked pointer (same id, any frame, spilled or not) becomes NULL or not-NULL. */
  markPtrOrNull(state: PathState, checked: Reg, isNull: boolean): void {
    const id = checked.id ?? 0;
    if (!id) return;
    if (isNull && checked.refId === id) state.refs = state.refs.filter((r) => r.id !== id);
    this.forEachReg(state, (r) => {
      if (!mayBeNull(r) || r.id !== id) return r;
      if (isNull) return scalarReg(ZERO);
      // mark_ptr_not_null_reg: a found element of a map-in-map is the inner map.
      if (r.type === 'map_value_or_null' && r.map?.innerMap) return { ...pointerReg('map_ptr'), map: r.map.innerMap };
      const type = r.type === 'map_value_or_null' ? 'map_value' : r.type === 'map_ptr_or_null' ? 'map_ptr' : r.type === 'ringbuf_mem_or_null' ? 'ringbuf_mem' : r.type === 'mem_or_null' ? 'mem'
        : r.type === 'sock_or_null' ? 'sock' : r.type === 'sock_common_or_null' ? 'sock_common' : r.type === 'tcp_sock_or_null' ? 'tcp_sock'
        : r.type === 'ptr_to_btf_id_or_null' ? 'ptr_to_btf_id' : undefined;
      if (!type) return r;
      // A value that may hold a lock keeps its id: which lookup it came from names the lock (reg_may_point_to_spin_lock).
      return { ...r, type, id: type === 'map_value' && r.map?.btf?.spinLock !== undefined ? r.id : 0 };
    });
  }

  /** bpf_for_each_reg_in_vstate: rewrites registers and spilled registers of every frame. */
  forEachReg(state: PathState, f: (r: Reg) => Reg): void {
    for (const frame of state.frames) {
      for (let r = 0; r < frame.regs.length; r++) frame.regs[r] = f(frame.regs[r]!);
      for (let spi = 0; spi < frame.stack.length; spi++) {
        const slot = frame.stack[spi];
        if (!slot || slot.types[7] !== 'spill' || slot.spilled.type === 'not_init') continue;
        const next = f(slot.spilled);
        if (next !== slot.spilled) frame.stack[spi] = { types: slot.types, spilled: next };
      }
    }
  }

  /** try_match_pkt_pointers: which side of `pkt' <op> pkt_end` proves how many bytes. */
  matchPacketPointers(cond: Parameters<typeof refineBranch>[0], dstNo: number, srcNo: number, dst: Reg, src: Reg, fall: PathState, taken: PathState): void {
    const dataVsEnd = (a: Reg, b: Reg) => (a.type === 'packet' && b.type === 'packet_end') || (a.type === 'packet_meta' && isInitPacket(b));
    let good: [PathState, Reg, boolean] | undefined;
    let end: [PathState, number, boolean] | undefined;
    const forward = dataVsEnd(dst, src);
    const backward = dataVsEnd(src, dst);
    if (!forward && !backward) return;
    // With the pointer on the left: the state where `pkt' <= end` (closed) or `pkt' < end` (open) holds.
    switch (cond) {
      case 'jgt':
        if (forward) { good = [fall, dst, false]; end = [taken, dstNo, true]; } else { good = [taken, src, true]; end = [fall, srcNo, false]; }
        break;
      case 'jlt':
        if (forward) { good = [taken, dst, true]; end = [fall, dstNo, false]; } else { good = [fall, src, false]; end = [taken, srcNo, true]; }
        break;
      case 'jge':
        if (forward) { good = [fall, dst, true]; end = [taken, dstNo, false]; } else { good = [taken, src, false]; end = [fall, srcNo, true]; }
        break;
      case 'jle':
        if (forward) { good = [taken, dst, false]; end = [fall, dstNo, true]; } else { good = [fall, src, true]; end = [taken, srcNo, false]; }
        break;
      default: return;
    }
    this.findGoodPacketPointers(good[0], good[1], good[2]);
    const [state, regno, open] = end;
    const frame = state.frames[state.frames.length - 1]!;
    const reg = frame.regs[regno]!;
    if (reg.type === 'packet') frame.regs[regno] = { ...reg, range: open ? BEYOND_PKT_END : AT_PKT_END };
  }

  /** find_good_pkt_pointers: every pointer of the same family gets the proven range. */
  findGoodPacketPointers(state: PathState, reg: Reg, rightOpen: boolean): void {
    if (reg.off < 0 || (reg.off === 0 && rightOpen)) return;
    if (reg.value.umax > BigInt(MAX_PACKET_OFF) || reg.value.umax + BigInt(reg.off) > BigInt(MAX_PACKET_OFF)) return;
    // `pkt' < end` proves the byte at pkt' too (observed on 6.18: off 8 gives r=9).
    const range = rightOpen ? reg.off + 1 : reg.off;
    const id = reg.id ?? 0;
    this.forEachReg(state, (r) => (r.type === reg.type && (r.id ?? 0) === id ? { ...r, range: Math.max(r.range ?? 0, range) } : r));
  }

  forkState(): PathState {
    return {
      frames: this.cur.frames.map(cloneFrame), refs: this.cur.refs, parent: this.cur.parent, path: this.cur.path,
      firstIdx: this.cur.firstIdx, history: [...this.cur.history], callbackUnroll: this.cur.callbackUnroll, lock: this.cur.lock,
    };
  }

  helperCall(id: number): void {
    const helper = this.helpers.get(id);
    if (!helper) reject('UNKNOWN_HELPER', `invalid func unknown#${id}`, `No helper with id ${id} is known to this verifier (supply its prototype in the helper table).`);
    const { name } = helper!;
    // Some helpers take other arguments in BTF-typed programs (tcp_ca's setsockopt takes the BTF socket).
    const proto = btfHelperProto(this.attachBtf, id) ?? helper!.proto;
    const available = (helper!.availableTo ? helper!.availableTo(this.type, this.attach) : !proto.programTypes || proto.programTypes.includes(this.type)) && btfHelperAllowed(this.attachBtf, name, id);
    if (!available) {
      reject('UNKNOWN_HELPER', `program of this type cannot use helper bpf_${name}#${id}`, `bpf_${name} is not available to ${this.type} programs.`);
    }
    if (btfHelperProtoDiffers(this.attachBtf, id) || (name === 'sk_assign' && this.type === 'sk_lookup')) reject('UNSUPPORTED', `the ${this.type} prototype of bpf_${name} is not modelled`, `bpf_${name} takes different arguments in ${this.type} programs, which is not modelled yet.`);
    if (proto.gplOnly && !this.gpl) {
      reject('HELPER_ARGUMENT', 'cannot call GPL-restricted function from non-GPL compatible program', `bpf_${name} may only be called by GPL-compatible programs.`);
    }
    const meta: CallMeta = { name, constKey: -1 };
    proto.args.forEach((kind, a) => this.checkArg(meta, a + 1, kind, proto.args[a - 1], proto.args[a + 1]));
    if (meta.map) {
      const incompatible = checkMapFuncCompatibility(meta.map, name, id);
      if (incompatible) reject('HELPER_ARGUMENT', incompatible, `bpf_${name} cannot be used with the ${meta.map.type} map ${meta.map.name ?? ''}.`);
      if (meta.map.flags & RDONLY_PROG && ['map_delete_elem', 'map_update_elem', 'map_push_elem', 'map_pop_elem'].includes(name)) {
        reject('HELPER_ARGUMENT', 'write into map forbidden', `bpf_${name} would change ${meta.map.name ?? 'a map'}, which is read-only for programs.`);
      }
    }
    if (CALLBACK_HELPERS.has(id)) {
      if (name !== 'loop' && name !== 'for_each_map_elem') reject('UNSUPPORTED', `callbacks of bpf_${name} are not modelled`, `What bpf_${name} passes its callback is not modelled yet.`);
      const ctxArg = this.frame.regs[3]!;
      if (name === 'loop') {
        // Linux stops iterating after as many rounds as r1 may ask for, so r1 must be precise.
        this.markPrecise(1);
        const nrLoops = this.frame.regs[1]!;
        if ((this.frame.callbackDepth ?? 0) >= Number(nrLoops.type === 'scalar' ? (nrLoops.value.umax > 0xffffffffn ? 0xffffffffn : nrLoops.value.umax) : 0xffffffffn)) {
          this.frame.callbackDepth = 0;
          meta.callback = undefined;
        }
      }
      // set_loop_callback_state: (u32 index, void *ctx); set_map_elem_callback_state: (map, key, value, ctx).
      const args = name === 'loop' ? [unknownReg(), ctxArg]
        : [{ ...pointerReg('map_ptr'), map: meta.map }, { ...pointerReg('map_key'), map: meta.map }, { ...pointerReg('map_value'), map: meta.map }, ctxArg];
      if (meta.callback !== undefined) this.pushCallback(this.idx, meta.callback, args);
    }
    if (name === 'tail_call') {
      this.checkReferenceLeak('tail_call');
      // record_func_key: a constant index in range names the program called.
      const key = this.frame.regs[3]!;
      if (meta.map && key.type === 'scalar' && isConst(key.value) && key.value.varOff.value < BigInt(meta.map.maxEntries)) this.markPrecise(3);
    }
    if ((ACQUIRE_SOCKET.has(name) || name === 'sk_release') && this.cur.frames.some((f) => f.inCallback)) {
      // Which references a callback may acquire or give back (callback_ref) is not modelled.
      reject('UNSUPPORTED', `bpf_${name} in a callback is not modelled`, `Acquiring or releasing a socket inside a callback of bpf_loop or bpf_for_each_map_elem is not modelled yet.`);
    }
    if (meta.release !== undefined) this.releaseReference(meta.release);
    for (const r of CALLER_SAVED) this.frame.regs[r] = NOT_INIT;
    switch (proto.ret) {
      case 'integer': this.writeReg(0, unknownReg()); break;
      case 'void': break;
      case 'map_value':
        this.writeReg(0, { ...pointerReg('map_value'), map: meta.map });
        break;
      case 'map_value_or_null': {
        const map = meta.map!;
        if (['xskmap', 'sockmap', 'sockhash', 'devmap', 'devmap_hash'].includes(map.type) || ((map.type === 'array_of_maps' || map.type === 'hash_of_maps') && !map.innerMap)) {
          reject('UNSUPPORTED', `lookups in ${map.type} maps are not modelled`, `What bpf_${name} returns for a ${map.type} map is not modelled yet.`);
        }
        // Constant in-bounds keys of arrays always find their element (6.14's elided nullness).
        const always = name === 'map_lookup_elem' && (map.type === 'array' || map.type === 'percpu_array') && meta.constKey >= 0 && meta.constKey < map.maxEntries;
        this.writeReg(0, always ? { ...pointerReg('map_value'), map } : { ...pointerReg('map_value_or_null'), map, id: ++this.idGen });
        break;
      }
      case 'alloc_mem_or_null': {
        ++this.idGen;
        const ref = ++this.idGen;
        this.cur.refs = [...this.cur.refs, { id: ref, insn: this.idx }];
        this.writeReg(0, { ...pointerReg('ringbuf_mem_or_null'), memSize: meta.memSize ?? 0, id: ref, refId: ref });
        break;
      }
      case 'sock_or_null': case 'sock_common_or_null': case 'tcp_sock_or_null': {
        // A maybe-NULL result gets an id for its NULL check; a lookup then acquires a reference, whose id replaces it.
        const id = ++this.idGen;
        if (ACQUIRE_SOCKET.has(name)) {
          const ref = ++this.idGen;
          this.cur.refs = [...this.cur.refs, { id: ref, insn: this.idx, socket: true }];
          this.writeReg(0, { ...pointerReg(proto.ret), id: ref, refId: ref });
        } else {
          // A cast (sk_fullsock, tcp_sock) is the argument's socket: released with it. get_listener_sock's needs no release.
          const refId = SOCKET_CAST.has(name) ? meta.refObj : undefined;
          this.writeReg(0, { ...pointerReg(proto.ret), id, ...(refId ? { refId } : {}) });
        }
        break;
      }
      case 'btf_id': {
        // RET_PTR_TO_BTF_ID_TRUSTED: a trusted, non-NULL kernel struct.
        const struct = BTF_HELPER_STRUCTS[name]?.ret;
        const btf = this.kernelBtf;
        const t = struct && btf?.named(struct, 'struct');
        if (!t || !btf) return reject('UNSUPPORTED', `unsupported return type of bpf_${name}`, `bpf_${name} returns a kernel struct; verify needs the kernel's BTF (attachBtf or kernelBtf) for it.`);
        this.writeReg(0, { ...pointerReg('ptr_to_btf_id'), btf: { btf, id: t.id, flags: BTF_TRUSTED } });
        break;
      }
      default:
        reject('UNSUPPORTED', `unsupported return type of bpf_${name}`, `Helpers returning ${proto.ret} are not modelled yet.`);
    }
    for (const r of CALLER_SAVED) this.scratched.add(r);
    if (proto.changesPacket) {
      // clear_all_pkt_pointers: the packet may have moved; every pointer into it is stale.
      this.forEachReg(this.cur, (r) => (isPacket(r) || r.type === 'packet_end' ? (this.privileged ? unknownReg() : NOT_INIT) : r));
    }
  }

  /** release_reference: the record is gone, and so is every pointer to it. */
  releaseReference(id: number): void {
    this.cur.refs = this.cur.refs.filter((r) => r.id !== id);
    this.forEachReg(this.cur, (r) => (r.refId === id ? (this.privileged ? unknownReg() : NOT_INIT) : r));
  }

  /** check_reference_leak, as check_resource_leak words it for `what`. */
  checkReferenceLeak(what: string): void {
    if (!this.cur.refs.length) return;
    const lines = this.cur.refs.map((r) => `Unreleased reference id=${r.id} alloc_insn=${r.insn}`);
    const first = this.cur.refs[0]!;
    reject('UNRELEASED_REFERENCE', [...lines, `${what} would lead to reference leak`].join('\n'), first.socket
      ? `The socket looked up at instruction ${first.insn} is not given back with bpf_sk_release on this path.`
      : first.iterator ? `The iterator created at instruction ${first.insn} is not destroyed with bpf_iter_${first.iterator}_destroy on this path.`
      : `The ring buffer record reserved at instruction ${first.insn} is neither submitted nor discarded on this path.`);
  }

  /** check_func_arg for one argument register. */
  checkArg(meta: CallMeta, r: number, kind: ArgKind, prevKind: ArgKind | undefined, next: ArgKind | undefined): void {
    const helper = meta.name;
    const reg = this.readReg(r);
    const bad = (expected: string) => reject('HELPER_ARGUMENT', `R${r} type=${typeName(reg)} expected=${expected}`,
      `Argument ${r} of bpf_${helper} must be ${expected}, but R${r} is ${typeName(reg)}.`);
    const isNull = reg.type === 'scalar' && isConst(reg.value) && reg.value.varOff.value === 0n;
    if (kind === 'anything' || kind === 'int') {
      if (isPointer(reg) && !this.privileged) reject('HELPER_ARGUMENT', `R${r} leaks addr into helper function`, 'A pointer may not be passed as a number.');
      return;
    }
    if (isPacket(reg) && (!PACKET_ACCESS.has(helper) || !packetHelperArgs(this.type))) {
      reject('HELPER_ARGUMENT', 'helper access to the packet is not allowed', `bpf_${helper} may not be given a pointer into the packet.`);
    }
    if (((reg.type === 'ptr_to_btf_id' || reg.type === 'ptr_to_btf_id_or_null') && kind !== 'btf_id') || reg.type === 'rdonly_untrusted_mem') {
      // Trusted BTF pointers may stand for memory, sockets and more; only ARG_PTR_TO_BTF_ID is modelled.
      reject('UNSUPPORTED', `R${r} BTF pointer as ${kind} argument of bpf_${helper}`, `Passing a BTF pointer as a ${kind} argument is not modelled yet.`);
    }
    if (reg.refId && isPointer(reg)) {
      // The kernel notes the reference after the type checks; a pointer of the wrong type is refused either way.
      if (meta.refObj) reject('HELPER_ARGUMENT', `more than one arg with ref_obj_id R${r} ${reg.refId} ${meta.refObj}`, `bpf_${helper} may be given at most one pointer to an acquired object.`);
      meta.refObj = reg.refId;
    }
    switch (kind) {
      case 'btf_id': case 'release_btf_id': {
        const struct = BTF_HELPER_STRUCTS[helper]?.[r];
        if (!struct) return reject('UNSUPPORTED', `unsupported argument kind btf_id of bpf_${helper}`, `Argument ${r} of bpf_${helper} takes a kernel struct not described here.`);
        const why = checkBtfArg(r, {
          ...(reg.type === 'ptr_to_btf_id' && reg.btf ? { pointee: reg.btf } : {}), typeStr: typeName(reg), off: reg.off,
          ...(reg.type.startsWith('sock') || reg.type.includes('tcp_sock') || reg.type.includes('xdp_sock') ? { sockPointer: reg.type } : {}),
          varOffZero: tnumIsConst(reg.value.varOff) && reg.value.varOff.value === 0n,
        }, reg.btf?.btf ?? this.kernelBtf, struct);
        if (why) reject(why.code, why.kernel, why.explanation);
        if (kind === 'release_btf_id') {
          // check_func_arg_reg_off for OBJ_RELEASE, then the reference itself.
          if (reg.off) reject('HELPER_ARGUMENT', `R${r} must have zero offset when passed to release func or trusted arg to kfunc`, `Give back the object through the pointer that acquired it, unmoved.`);
          if (!reg.refId) reject('HELPER_ARGUMENT', `R${r} must be referenced when passed to release function`, `R${r} is a ${typeName(reg)} bpf_${helper} did not acquire (a lookup's result is; the context's socket is not), so there is nothing to give back.`);
          meta.release = reg.refId;
        }
        return;
      }
      case 'sock_common':
        // ARG_PTR_TO_SOCK_COMMON (sock_types): any socket kind, checked for NULL first.
        if (!SOCK_TYPES.has(reg.type)) bad('sock_common, sock, tcp_sock, xdp_sock');
        this.zeroOffset(r, reg);
        return;
      case 'ctx_or_null': case 'ctx':
        // ARG_PTR_TO_CTX_OR_NULL takes NULL too; anything else must be the context.
        if (kind === 'ctx_or_null' && isNull) return;
        if (reg.type !== 'ptr_to_ctx') bad('ctx');
        this.zeroOffset(r, reg);
        return;
      case 'const_map_ptr':
        if (reg.type !== 'map_ptr') bad('map_ptr');
        this.zeroOffset(r, reg);
        meta.map = reg.map;
        return;
      case 'map_key': case 'map_value': case 'uninit_map_value': {
        // ARG_PTR_TO_MAP_VALUE_OR_NULL: bpf_sk_storage_get may be given no initial value.
        if (kind === 'map_value' && isNull && helper === 'sk_storage_get') return;
        if (!MEM_TYPES.has(reg.type)) bad(MEM_EXPECTED);
        const map = meta.map;
        if (!map) return reject('HELPER_ARGUMENT', `invalid map_ptr to access map->${kind === 'map_key' ? 'key' : 'value'}`, 'The map argument must come first.');
        const size = kind === 'map_key' ? map.keySize : map.valueSize;
        this.helperMem(r, reg, size, kind === 'uninit_map_value', false);
        if (kind === 'map_key' && this.privileged && (map.type === 'array' || map.type === 'percpu_array')) meta.constKey = this.constantMapKey(reg, size);
        return;
      }
      case 'mem': case 'uninit_mem': case 'mem_or_null':
        if (next !== 'const_size' && next !== 'const_size_or_zero') {
          // check_arg_pair_ok: a memory argument comes with its size; fixed-size memory arguments are not modelled.
          reject('UNSUPPORTED', `memory argument ${r} of bpf_${helper} has no size argument`, `The prototype of bpf_${helper} gives argument ${r} no size; fixed-size memory arguments are not modelled yet.`);
        }
        if (kind === 'mem_or_null' && isNull) return;
        if (!MEM_TYPES.has(reg.type)) bad(MEM_EXPECTED);
        // Checked together with the size that follows it.
        return;
      case 'const_size': case 'const_size_or_zero': {
        if (prevKind !== 'mem' && prevKind !== 'uninit_mem' && prevKind !== 'mem_or_null') {
          reject('UNSUPPORTED', `size argument ${r} of bpf_${helper} follows no memory argument`, `The prototype of bpf_${helper} pairs argument ${r} with no memory; the kernel would refuse such a prototype.`);
        }
        if (reg.type !== 'scalar') bad('scalar');
        const v = reg.value;
        const zeroOk = kind === 'const_size_or_zero';
        if (v.smin < 0n) reject('HELPER_ARGUMENT', `R${r} min value is negative, either use unsigned or 'var &= const'`, `The size in R${r} might be negative.`);
        if (v.umin === 0n && !zeroOk) reject('HELPER_ARGUMENT', `R${r} invalid zero-sized read: u64=[${v.umin},${v.umax}]`, `The size in R${r} might be zero.`);
        if (v.umax >= MAX_VAR_OFF) reject('HELPER_ARGUMENT', `R${r} unbounded memory access, use 'var &= const' or 'if (var < const)'`, `The size in R${r} has no useful upper bound.`);
        // Unprivileged, a variable size cannot say which bytes the helper fills, so the memory must be initialised.
        this.helperMem(r - 1, this.frame.regs[r - 1]!, Number(v.umax), prevKind === 'uninit_mem' && (isConst(v) || this.privileged), zeroOk);
        this.markPrecise(r);
        return;
      }
      case 'const_alloc_size_or_zero':
        if (reg.type !== 'scalar') bad('scalar');
        if (!isConst(reg.value)) reject('HELPER_ARGUMENT', `R${r} is not a known constant'`, 'The size of a ring buffer record must be a constant.');
        meta.memSize = Number(reg.value.varOff.value);
        this.markPrecise(r);
        return;
      case 'alloc_mem':
        if (reg.type !== 'ringbuf_mem') bad('ringbuf_mem');
        if (reg.off) reject('HELPER_ARGUMENT', `R${r} must have zero offset when passed to release func or trusted arg to kfunc`, 'Submit or discard the record through the pointer ringbuf_reserve returned, unmoved.');
        this.zeroOffset(r, reg);
        if (!reg.refId) reject('HELPER_ARGUMENT', `R${r} must be referenced when passed to release function`, 'Only a reserved record can be submitted or discarded.');
        meta.release = reg.refId;
        return;
      case 'const_str':
        this.constString(r, reg);
        return;
      case 'spin_lock':
        if (reg.type !== 'map_value') bad('map_value, ptr_');
        this.spinLock(r, reg, helper === 'spin_lock');
        return;
      case 'func':
        if (reg.type !== 'func') bad('func');
        this.zeroOffset(r, reg);
        meta.callback = reg.callback;
        return;
      case 'stack_or_null':
        if (isNull) return;
        if (reg.type !== 'ptr_to_stack') bad('fp');
        return;
      default:
        reject('UNSUPPORTED', `unsupported argument kind ${kind}`, `Helper arguments of kind ${kind} are not modelled yet.`);
    }
  }

  /** __check_ptr_off_reg without a fixed offset allowed. */
  zeroOffset(r: number, reg: Reg): void {
    if (reg.off) reject('HELPER_ARGUMENT', `dereference of modified ${typeName(reg)} ptr R${r} off=${reg.off} disallowed`, `R${r} must be passed unmoved.`);
    if (!tnumIsConst(reg.value.varOff) || reg.value.varOff.value !== 0n) {
      reject('HELPER_ARGUMENT', `variable ${typeName(reg)} access var_off=${tnumText(reg.value.varOff)} disallowed`, `R${r} must be passed unmoved.`);
    }
  }

  /** check_helper_mem_access: `size` bytes behind a helper's memory argument. */
  helperMem(r: number, reg: Reg, size: number, uninit: boolean, zeroOk: boolean): void {
    switch (reg.type) {
      case 'packet': case 'packet_meta':
        this.packetRange(r, reg, reg.off, size, zeroOk);
        return;
      case 'map_value': {
        const map = reg.map!;
        if (uninit && map.flags & RDONLY_PROG) reject('HELPER_ARGUMENT', `write into map forbidden, value_size=${map.valueSize} off=${reg.off} size=${size}`, 'The map is read-only for programs.');
        this.memRegion(r, reg, reg.off, size, map.valueSize, zeroOk);
        return;
      }
      case 'map_key':
        if (uninit) reject('HELPER_ARGUMENT', `R${r} cannot write into map_key`, 'A map key handed to a callback is read-only.');
        this.memRegion(r, reg, reg.off, size, reg.map!.keySize, zeroOk);
        return;
      case 'rdonly_mem':
        if (uninit) reject('HELPER_ARGUMENT', `R${r} cannot write into rdonly_mem`, `R${r} points to memory a program may only read, and the helper would write to it.`);
        this.memRegion(r, reg, reg.off, size, reg.memSize ?? 0, zeroOk);
        return;
      case 'ringbuf_mem': case 'mem':
        this.memRegion(r, reg, reg.off, size, reg.memSize ?? 0, zeroOk);
        return;
      case 'ptr_to_stack':
        if (size === 0 && !zeroOk) reject('HELPER_ARGUMENT', 'invalid zero-sized read', 'The helper would access zero bytes of stack.');
        this.checkStackRange(r, reg, size, uninit);
        return;
      default:
        if (zeroOk && size === 0 && reg.type === 'scalar' && isConst(reg.value) && reg.value.varOff.value === 0n) return;
        reject('HELPER_ARGUMENT', `R${r} type=${typeName(reg)} expected=fp`, `R${r} must point to memory.`);
    }
  }

  /** get_constant_map_key: a key that is a known number on the stack. */
  constantMapKey(reg: Reg, keySize: number): number {
    if (reg.type !== 'ptr_to_stack' || !tnumIsConst(reg.value.varOff)) return -1;
    const at = reg.off + Number(BigInt.asIntN(64, reg.value.varOff.value));
    const slot = -at - 1;
    const s = this.slotAt(this.cur.frames[reg.frameno]!, Math.floor(slot / 8));
    const k0 = slot % 8;
    let zeros = 0;
    for (let k = k0; k >= 0 && s.types[k] === 'zero'; k--) zeros++;
    if (zeros >= keySize) return 0;
    if (s.types[7] !== 'spill' || s.spilled.type !== 'scalar') return -1;
    let spill = 0;
    for (let k = k0; k >= 0 && s.types[k] === 'spill'; k--) spill++;
    if (spill !== keySize || !tnumIsConst(s.spilled.value.varOff)) return -1;
    // The lookup's result will rely on this constant.
    this.markSlotPrecise(reg.frameno, Math.floor(slot / 8));
    const v = s.spilled.value.varOff.value;
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
  }

  /** check_reg_const_str: a NUL-terminated string in a frozen read-only map. */
  constString(r: number, reg: Reg): void {
    if (reg.type !== 'map_value') reject('HELPER_ARGUMENT', `R${r} type=${typeName(reg)} expected=map_value`, `R${r} must point to a constant string in a read-only map.`);
    const map = reg.map!;
    if (!(map.flags & RDONLY_PROG) || !map.frozenData) reject('HELPER_ARGUMENT', `R${r} does not point to a readonly map'`, `R${r} must point into a frozen read-only map (.rodata).`);
    if (!tnumIsConst(reg.value.varOff)) reject('HELPER_ARGUMENT', `R${r} is not a constant address'`, `R${r} must point to a fixed place in the map.`);
    if (!directValueAccess(map)) reject('HELPER_ARGUMENT', 'no direct value access support for this map type', 'Constant strings live in single-element arrays.');
    this.memRegion(r, reg, reg.off, map.valueSize - reg.off, map.valueSize, false);
    const start = reg.off + Number(reg.value.varOff.value);
    if (!map.frozenData!.subarray(start, map.valueSize).includes(0)) reject('HELPER_ARGUMENT', 'string is not zero-terminated', `The string at offset ${start} of ${map.name ?? 'the map'} has no terminating NUL.`);
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
      if (t === 'iter' && !uninitOk) {
        reject('HELPER_ARGUMENT', `invalid read from stack R${r} off ${start}+${addr - start} size ${size}`, `Byte fp${addr} belongs to an iterator, which only iterator kfuncs may touch.`);
      }
      if (uninitOk) {
        const types = scrubbed(s.types);
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
    const global = this.globalAt(target);
    if (global) return this.globalCall(i, global);
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
    if (this.cur.frames.length === 1 && this.cur.lock) {
      reject('SPIN_LOCK', 'BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region', 'The program ends while holding a lock; release it with bpf_spin_unlock on every path.');
    }
    if (this.cur.frames.length === 1) this.checkReferenceLeak('BPF_EXIT instruction in main prog');
    if (this.cur.frames.length === 1 && this.entryFunction) {
      // A global function verified on its own returns to callers that only assume a number.
      const r0 = this.readReg(0);
      if (r0.type !== 'scalar') reject('RETURN_VALUE', `At subprogram exit the register R0 is not a scalar value (${typeName(r0)})`, `Global function ${this.entryFunction.name} must return a number.`);
      return undefined;
    }
    // A struct_ops member or LSM hook returning void: R0 is not looked at, not even for being set.
    if (this.cur.frames.length === 1 && this.attachBtf && btfReturnRange(this.attachBtf) === 'void') return undefined;
    const r0 = this.readReg(0);
    if (this.cur.frames.length > 1) {
      if (r0.type === 'ptr_to_stack') {
        reject('RETURN_VALUE', 'cannot return stack pointer to the caller', 'A function may not return a pointer into its own stack frame, which is gone after it returns.');
      }
      if (this.frame.inCallback) return this.callbackExit(r0);
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
    this.checkReturnRange(r0);
    return undefined;
  }

  /** check_return_code: hooks whose return value the kernel acts on bound it (smin/smax, as retval_range_within compares). */
  checkReturnRange(r0: Reg): void {
    const btfRange = this.attachBtf && btfReturnRange(this.attachBtf);
    if (btfRange === 'unsupported') reject('UNSUPPORTED', `return values of ${this.attachBtf!.kind} programs on ${this.attachBtf!.name} are not modelled`, 'The range this hook may return is not modelled yet.');
    const range = btfRange ? (btfRange === 'any' || btfRange === 'void' ? undefined : btfRange) : returnRange(this.type, this.attach);
    if (!range) return;
    // The verdict depends on R0's exact value (mark_chain_precision in check_return_code).
    this.markPrecise(0);
    r0 = this.frame.regs[0]!;
    if (r0.type !== 'scalar') {
      reject('RETURN_VALUE', `At program exit the register R0 is not a known value (${typeName(r0)})`, `A ${this.type} program must return a number in [${range[0]}, ${range[1]}].`);
    }
    const { smin, smax } = r0.value;
    if (smin >= BigInt(range[0]) && smax <= BigInt(range[1])) return;
    // verbose_invalid_scalar prints only the bounds that say something.
    const bounds = `${smin > S64_MIN ? ` smin=${smin}` : ''}${smax < S64_MAX ? ` smax=${smax}` : ''}` || ' unknown scalar value';
    reject('RETURN_VALUE', `At program exit the register R0 has${bounds} should have been in [${range[0]}, ${range[1]}]`,
      `A ${this.type} program must return a number in [${range[0]}, ${range[1]}], and R0 may hold another one here.`);
  }

  /**
   * push_callback_call: the helper will call `callback` an unknown number of
   * times. The path goes on after the call (no call at all); a new path
   * enters the callback from the state before the call, and returns to the
   * call itself, which runs again until the states there converge.
   */
  pushCallback(i: number, callback: number, args: readonly Reg[]): void {
    if (this.cur.frames.length >= MAX_CALL_FRAMES) {
      reject('CALL_TOO_DEEP', `the call stack of ${this.cur.frames.length + 1} frames is too deep`, `The callback would need ${this.cur.frames.length + 1} nested frames; at most ${MAX_CALL_FRAMES} are allowed.`);
    }
    const subprog = this.cfg.subprogOf[callback]!;
    const edges = this.callEdges.get(this.frame.subprog) ?? new Set<number>();
    edges.add(subprog);
    this.callEdges.set(this.frame.subprog, edges);
    const state = this.forkState();
    state.callbackUnroll++;
    const caller = state.frames[state.frames.length - 1]!;
    caller.callbackDepth = (caller.callbackDepth ?? 0) + 1;
    this.frame.callbackDepth = 0;
    const frame: Frame = { ...newFrame(state.frames.length, i, subprog), inCallback: true };
    args.forEach((reg, a) => { frame.regs[a + 1] = reg; });
    state.frames.push(frame);
    if (state.parent) state.parent.branches++;
    this.pending.push({ state, idx: callback, from: i });
  }

  /** prepare_func_exit for a callback: R0 in [0, 1], then back to the helper call that called it. */
  callbackExit(r0: Reg): number {
    if (r0.type !== 'scalar') reject('RETURN_VALUE', 'R0 not a scalar value', 'A callback must return a number.');
    this.markPrecise(0);
    const v = this.frame.regs[0]!.value;
    if (v.smin < 0n || v.smax > 1n) {
      const bounds = `${v.smin > S64_MIN ? ` smin=${v.smin}` : ''}${v.smax < S64_MAX ? ` smax=${v.smax}` : ''}` || ' unknown scalar value';
      reject('RETURN_VALUE', `At callback return the register R0 has${bounds} should have been in [0, 1]`, 'A bpf_loop callback returns 0 to go on or 1 to stop.');
    }
    const callee = this.cur.frames.pop()!;
    // widen_imprecise_scalars: numbers no decision relied on are forgotten, so the iterations converge.
    const prev = this.explored.get(callee.callsite)?.find((old) => old.frames.length === this.cur.frames.length && old.frames.every((f, k) => f.callsite === this.cur.frames[k]!.callsite));
    if (prev) widenImprecise(prev.frames, this.cur.frames);
    this.scratched.clear();
    return callee.callsite;
  }

  /** process_spin_lock: take or release the lock in the map value `reg` points to. */
  spinLock(r: number, reg: Reg, lock: boolean): void {
    if (!tnumIsConst(reg.value.varOff)) reject('SPIN_LOCK', `R${r} doesn't have constant offset. bpf_spin_lock has to be at the constant offset`, 'The lock must be reached at a fixed offset.');
    const map = reg.map!;
    if (!map.btf) reject('SPIN_LOCK', `map '${map.name ?? ''}' has to have BTF in order to use bpf_spin_lock`, 'Linux finds the lock through the map\'s BTF; load the map with its BTF.');
    if (map.btf!.spinLock === undefined) reject('SPIN_LOCK', `map '${map.name ?? ''}' has no valid bpf_spin_lock`, 'The map\'s value type has no struct bpf_spin_lock.');
    const off = reg.off + Number(BigInt.asIntN(64, reg.value.varOff.value));
    if (off !== map.btf!.spinLock) reject('SPIN_LOCK', `off ${off} doesn't point to 'struct bpf_spin_lock' that is at ${map.btf!.spinLock}`, 'The pointer must point at the lock itself.');
    if (lock) {
      if (this.cur.lock) reject('SPIN_LOCK', 'Locking two bpf_spin_locks are not allowed', 'Only one lock may be held at a time.');
      this.cur.lock = { map, id: reg.id ?? 0 };
      return;
    }
    if (!this.cur.lock) reject('SPIN_LOCK', 'bpf_spin_unlock without taking a lock', 'No lock is held here.');
    if (!sameMap(this.cur.lock!.map, map) || this.cur.lock!.id !== (reg.id ?? 0)) reject('SPIN_LOCK', 'bpf_spin_unlock of different lock', 'The lock released is not the one taken.');
    this.cur.lock = undefined;
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

/** __get_spi: the stack slot holding the byte at frame offset `off` (truncating, as C divides). */
const slotIndex = (off: number) => Math.trunc((-off - 1) / 8);

/** widen_imprecise_scalars: numbers that differ from an earlier iteration and that no decision relied on are forgotten, so iterations converge. */
function widenImprecise(prev: readonly Frame[], frames: Frame[]): void {
  prev.forEach((old, fr) => {
    const cur = frames[fr]!;
    const widen = (o: Reg, c: Reg) => (o.type === 'scalar' && c.type === 'scalar' && !o.precise && !c.precise && !sameReg(o, c) ? unknownReg() : c);
    for (let r = 0; r < 10; r++) cur.regs[r] = widen(old.regs[r]!, cur.regs[r]!);
    for (let spi = 0; spi < Math.min(old.stack.length, cur.stack.length); spi++) {
      const o = old.stack[spi], c = cur.stack[spi];
      if (!o || !c || o.types[7] !== 'spill' || c.types[7] !== 'spill') continue;
      const w = widen(o.spilled, c.spilled);
      if (w !== c.spilled) cur.stack[spi] = { types: c.types, spilled: w };
    }
  });
}

/** scrub_special_slot: a write into part of a spilled register or an iterator leaves plain data in its other bytes. */
const scrubbed = (types: readonly SlotType[]): SlotType[] =>
  types.some((t) => t === 'iter') ? types.map((t) => (t === 'invalid' ? t : 'misc')) : types.map((t) => (t === 'spill' ? 'misc' : t));

function spillSlot(old: StackSlot, value: Reg, size: number): StackSlot {
  const types = [...old.types];
  for (let k = 7; k > 7 - size; k--) types[k] = 'spill';
  for (let k = 7 - size; k >= 0; k--) if (types[k] !== 'zero' && types[k] !== 'invalid') types[k] = 'misc';
  return { types, spilled: value };
}

/** reg_is_init_pkt_pointer: the untouched data pointer. */
function isInitPacket(r: Reg): boolean {
  return r.type === 'packet' && !r.id && r.off === 0 && tnumIsConst(r.value.varOff) && r.value.varOff.value === 0n;
}

/** is_branch_taken for pointers: 1 taken, 0 not taken, −1 unknown. */
function pointerBranchTaken(dst: Reg, src: Reg, cond: string, width: 32 | 64): number {
  const anyPacket = (r: Reg) => isPacket(r) || r.type === 'packet_end';
  if (width === 64 && anyPacket(dst) && anyPacket(src)) {
    // is_pkt_ptr_branch_taken: after mark_pkt_end, a pointer known to be at or beyond data_end.
    let pkt: Reg, op = cond;
    if (src.type === 'packet_end') pkt = dst;
    else if (dst.type === 'packet_end') { pkt = src; op = FLIP[cond] ?? cond; } else return -1;
    const range = pkt.range ?? 0;
    if (range >= 0) return -1;
    if ((op === 'jle' || op === 'jgt') && range === BEYOND_PKT_END) return op === 'jgt' ? 1 : 0;
    if ((op === 'jlt' || op === 'jge') && (range === BEYOND_PKT_END || range === AT_PKT_END)) return op === 'jge' ? 1 : 0;
    return -1;
  }
  let ptr = dst, other = src, op = cond;
  if (!isConstReg(other, width)) { ptr = src; other = dst; op = FLIP[cond] ?? cond; }
  if (!isConstReg(other, width) || !isPointer(ptr) || !NOT_NULL.has(ptr.type)) return -1;
  const v = width === 32 ? other.value.varOff.value & 0xffffffffn : other.value.varOff.value;
  if (v !== 0n) return -1;
  return op === 'jeq' ? 0 : op === 'jne' ? 1 : -1;
}

const FLIP: Record<string, string> = { jgt: 'jlt', jlt: 'jgt', jge: 'jle', jle: 'jge', jsgt: 'jslt', jslt: 'jsgt', jsge: 'jsle', jsle: 'jsge', jeq: 'jeq', jne: 'jne', jset: 'jset' };

function isConstReg(r: Reg, width: 32 | 64): boolean {
  if (r.type !== 'scalar') return false;
  if (width === 64) return tnumIsConst(r.value.varOff);
  return (r.value.varOff.mask & 0xffffffffn) === 0n;
}

function sameRefs(a: readonly AcquiredRef[], b: readonly AcquiredRef[]): boolean {
  return a.length === b.length && a.every((r, k) => r.id === b[k]!.id);
}

function sameReg(a: Reg, b: Reg): boolean {
  if (a === b) return true;
  if (a.type !== b.type) return false;
  if (a.type === 'not_init') return true;
  if (a.off !== b.off || a.frameno !== b.frameno || !sameMap(a.map, b.map) || (a.id ?? 0) !== (b.id ?? 0) || (a.refId ?? 0) !== (b.refId ?? 0)
    || (a.range ?? 0) !== (b.range ?? 0) || a.memSize !== b.memSize || !sameBtfPointee(a.btf, b.btf)) return false;
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
  return r.btf ? regTypeStr(r) : REG_TYPE_NAME[r.type];
}


