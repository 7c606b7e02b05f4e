/**
 * Whole-program checks before path exploration, as the kernel's
 * `check_subprogs` and `check_cfg` do them, plus the facts exploration needs:
 * subprogram boundaries, prune points and the registers live before each
 * instruction (the kernel's `compute_live_registers`, 6.15+).
 */
import type { Instruction } from '../isa/index.js';
import { branchTarget } from '../isa/index.js';

/** Facts about the program's shape. */
export interface ControlFlow {
  /** Start slots of the subprograms, ascending; the first is 0. */
  readonly subprogStarts: readonly number[];
  /** Subprogram index of each slot. */
  readonly subprogOf: readonly number[];
  readonly prunePoints: ReadonlySet<number>;
  /** Slots reached other than by falling through (jump targets, call returns, callee starts): the kernel records how it got there. */
  readonly jmpPoints: ReadonlySet<number>;
  /** Calls of helpers that call back (bpf_loop…) and of iterators' next(): a state is always remembered there. */
  readonly forceCheckpoints: ReadonlySet<number>;
  /** Calls of an open-coded iterator's next() (bpf_iter_num_next…), where its loop's iterations converge. */
  readonly iterNext: ReadonlySet<number>;
  /** Bitmask of r0–r9 read before written on some path from each slot. */
  readonly liveBefore: readonly number[];
  /**
   * The loop each slot belongs to: a strongly connected component of its
   * function's control flow with a cycle, numbered from 1; 0 outside loops
   * (the kernel's `insn_aux_data.scc`).
   */
  readonly scc: readonly number[];
}

/** A shape fault: kernel message, plain explanation, slot. */
export interface CfgFault {
  readonly code: 'JUMP_OUT_OF_RANGE' | 'JUMP_INTO_LDDW' | 'FALL_OFF_END' | 'UNREACHABLE' | 'EMPTY_PROGRAM' | 'TOO_LARGE';
  readonly kernel: string;
  readonly explanation: string;
  readonly insn: number;
}

/** Privileged programs may hold up to a million instructions (BPF_COMPLEXITY_LIMIT_INSNS). */
export const MAX_PROGRAM_INSNS = 1_000_000;

/** Helpers that call a program function back synchronously: for_each_map_elem, find_vma, loop, user_ringbuf_drain. */
export const CALLBACK_HELPERS: ReadonlySet<number> = new Set([164, 180, 181, 209]);

const isJump = (i: Instruction) => i.op.kind === 'jump' || i.op.kind === 'ja';

/** Successor slots of one instruction within its function (calls fall through). */
function successors(insns: readonly Instruction[], t: number): number[] {
  const insn = insns[t]!;
  const op = insn.op;
  if (op.kind === 'exit') return [];
  if (op.kind === 'ja') return [branchTarget(insn, t)!];
  const next = t + (op.kind === 'lddw' ? 2 : 1);
  if (op.kind === 'jump') return [next, branchTarget(insn, t)!];
  return [next];
}

/** Registers an instruction reads and writes, as bitmasks over r0–r10. */
function useDef(insn: Instruction, argCount: (id: number) => number): [number, number] {
  const bit = (r: number) => 1 << r;
  const op = insn.op;
  const CALLER_SAVED = 0x3f;
  switch (op.kind) {
    case 'alu':
      if (op.name === 'mov' || op.name.startsWith('movsx')) return [op.operand === 'reg' ? bit(insn.src) : 0, bit(insn.dst)];
      return [bit(insn.dst) | (op.operand === 'reg' ? bit(insn.src) : 0), bit(insn.dst)];
    case 'endian': return [bit(insn.dst), bit(insn.dst)];
    case 'jump': return [bit(insn.dst) | (op.operand === 'reg' ? bit(insn.src) : 0), 0];
    case 'load': return [bit(insn.src), bit(insn.dst)];
    case 'store': return [bit(insn.dst) | (op.operand === 'reg' ? bit(insn.src) : 0), 0];
    case 'atomic': {
      const use = bit(insn.dst) | bit(insn.src) | (op.name === 'cmpxchg' ? 1 : 0);
      const def = op.name === 'cmpxchg' ? 1 : op.fetch ? bit(insn.src) : 0;
      return [use, def];
    }
    case 'lddw': return [0, bit(insn.dst)];
    case 'call':
      if (op.target === 'helper') return [((1 << (argCount(insn.imm) + 1)) - 1) & ~1, CALLER_SAVED];
      return [CALLER_SAVED & ~1, CALLER_SAVED];
    case 'callx': return [bit(insn.dst) | (CALLER_SAVED & ~1), CALLER_SAVED];
    case 'exit': return [1, 0];
    case 'packet-load': return [bit(6) | (op.mode === 'ind' ? bit(insn.src) : 0), CALLER_SAVED];
    default: return [0, 0];
  }
}

/**
 * Checks the program's shape and computes subprograms, prune points and
 * register liveness.
 *
 * @returns the facts, or the first fault in the kernel's order.
 */
export function analyzeControlFlow(
  insns: readonly Instruction[], argCount: (helperId: number) => number, isIterNext: (kfuncSlot: number) => boolean = () => false,
): ControlFlow | CfgFault {
  const len = insns.length;
  if (len === 0) return { code: 'EMPTY_PROGRAM', kernel: 'program has no instructions', explanation: 'The program is empty.', insn: -1 };
  if (len > MAX_PROGRAM_INSNS) {
    return { code: 'TOO_LARGE', kernel: `program too large (${len} insns)`, explanation: `The program has ${len} instructions; the limit is ${MAX_PROGRAM_INSNS}.`, insn: -1 };
  }
  // Subprograms start at 0, at every local call target and every function a lddw names (add_subprog_and_kfunc).
  const starts = new Set<number>([0]);
  for (let i = 0; i < len; i++) {
    const insn = insns[i]!;
    if ((insn.op.kind === 'call' && insn.op.target === 'local') || (insn.op.kind === 'lddw' && insn.op.pseudo === 'func')) {
      const target = branchTarget(insn, i)!;
      if (target < 0 || target >= len) {
        return { code: 'JUMP_OUT_OF_RANGE', kernel: 'call to invalid destination', explanation: `The call at ${i} targets instruction ${target}, outside the program.`, insn: i };
      }
      starts.add(target);
    }
  }
  const subprogStarts = [...starts].sort((a, b) => a - b);
  const subprogOf: number[] = new Array(len);
  for (let s = 0; s < subprogStarts.length; s++) {
    const end = subprogStarts[s + 1] ?? len;
    for (let i = subprogStarts[s]!; i < end; i++) subprogOf[i] = s;
  }
  // check_subprogs: jumps stay inside their subprogram; each ends in exit or goto.
  for (let s = 0; s < subprogStarts.length; s++) {
    const start = subprogStarts[s]!;
    const end = subprogStarts[s + 1] ?? len;
    for (let i = start; i < end; i++) {
      const insn = insns[i]!;
      if (isJump(insn)) {
        const target = branchTarget(insn, i)!;
        if (target < start || target >= end) {
          return {
            code: 'JUMP_OUT_OF_RANGE', kernel: `jump out of range from insn ${i} to ${target}`,
            explanation: `The jump at ${i} goes to ${target}, outside its function (instructions ${start}–${end - 1}).`, insn: i,
          };
        }
      }
      if (i === end - 1 && insn.op.kind !== 'exit' && insn.op.kind !== 'ja') {
        const last = insn.op.kind === 'lddw-tail' ? i - 1 : i;
        return {
          code: 'FALL_OFF_END', kernel: 'last insn is not an exit or jmp',
          explanation: `Execution can run past the end of the function at ${last}: its last instruction must be exit or an unconditional jump.`, insn: last,
        };
      }
    }
  }
  // check_cfg: depth-first from 0, calls descending into their callees.
  const prunePoints = new Set<number>();
  const jmpPoints = new Set<number>();
  const forceCheckpoints = new Set<number>();
  const iterNext = new Set<number>();
  const seen = new Uint8Array(len);
  const stack = [0];
  seen[0] = 1;
  const visit = (from: number, to: number): CfgFault | undefined => {
    if (to < 0 || to >= len) {
      return { code: 'JUMP_OUT_OF_RANGE', kernel: `jump out of range from insn ${from} to ${to}`, explanation: `Instruction ${from} continues at ${to}, outside the program.`, insn: from };
    }
    if (insns[to]!.op.kind === 'lddw-tail') {
      return { code: 'JUMP_INTO_LDDW', kernel: `jump into the middle of ldimm64 insn ${to - 1}`, explanation: `Instruction ${from} jumps to ${to}, the second half of the 16-byte lddw at ${to - 1}.`, insn: from };
    }
    if (!seen[to]) { seen[to] = 1; stack.push(to); }
    return undefined;
  };
  while (stack.length) {
    const t = stack.pop()!;
    const insn = insns[t]!;
    const op = insn.op;
    if (op.kind === 'jump') {
      prunePoints.add(t);
      const target = branchTarget(insn, t)!;
      prunePoints.add(target);
      jmpPoints.add(target);
    } else if (op.kind === 'ja') {
      prunePoints.add(branchTarget(insn, t)!);
      jmpPoints.add(branchTarget(insn, t)!);
    } else if (op.kind === 'lddw' && op.pseudo === 'func') {
      // A callback: reachable through the helper that will call it (visit_func_call_insn).
      prunePoints.add(t);
      prunePoints.add(t + 2);
      jmpPoints.add(t + 2);
      const target = branchTarget(insn, t)!;
      jmpPoints.add(target);
      const fault = visit(t, target);
      if (fault) return fault;
    } else if (op.kind === 'call') {
      prunePoints.add(t + 1);
      jmpPoints.add(t + 1);
      if (op.target === 'helper' && CALLBACK_HELPERS.has(insn.imm)) {
        // The callback returns to the call itself, which is verified again until the states converge.
        prunePoints.add(t);
        jmpPoints.add(t);
        forceCheckpoints.add(t);
      }
      if (op.target === 'kfunc' && isIterNext(t)) {
        prunePoints.add(t);
        forceCheckpoints.add(t);
        iterNext.add(t);
      }
      if (op.target === 'local') {
        prunePoints.add(t);
        const target = branchTarget(insn, t)!;
        prunePoints.add(target);
        jmpPoints.add(target);
        const fault = visit(t, target);
        if (fault) return fault;
      }
    }
    for (const next of successors(insns, t)) {
      const fault = visit(t, next);
      if (fault) return fault;
    }
  }
  for (let i = 0; i < len; i++) {
    if (!seen[i] && insns[i]!.op.kind !== 'lddw-tail') {
      return { code: 'UNREACHABLE', kernel: `unreachable insn ${i}`, explanation: `Instruction ${i} can never run: no path from the start reaches it.`, insn: i };
    }
  }
  return { subprogStarts, subprogOf, prunePoints, jmpPoints, forceCheckpoints, iterNext, liveBefore: liveness(insns, argCount), scc: loops(insns) };
}

/** Backward dataflow: registers read before written on some path (r10 excluded). */
function liveness(insns: readonly Instruction[], argCount: (id: number) => number): number[] {
  const len = insns.length;
  const live = new Array<number>(len).fill(0);
  const ud = insns.map((i) => useDef(i, argCount));
  const succ = insns.map((_, t) => (insns[t]!.op.kind === 'lddw-tail' ? [] : successors(insns, t).filter((s) => s >= 0 && s < len)));
  let changed = true;
  while (changed) {
    changed = false;
    for (let t = len - 1; t >= 0; t--) {
      if (insns[t]!.op.kind === 'lddw-tail') continue;
      let out = 0;
      for (const s of succ[t]!) out |= live[s]!;
      const [use, def] = ud[t]!;
      const inn = ((out & ~def) | use) & 0x3ff;
      if (inn !== live[t]) { live[t] = inn; changed = true; }
    }
  }
  return live;
}

/** Tarjan's algorithm, iteratively, over the intraprocedural graph: slots in cyclic components get the component's number. */
function loops(insns: readonly Instruction[]): number[] {
  const len = insns.length;
  const succ = (t: number) => (insns[t]!.op.kind === 'lddw-tail' ? [] : successors(insns, t).filter((s) => s >= 0 && s < len));
  const index = new Int32Array(len).fill(-1);
  const low = new Int32Array(len);
  const onStack = new Uint8Array(len);
  const scc = new Array<number>(len).fill(0);
  const stack: number[] = [];
  let next = 0;
  let count = 0;
  for (let root = 0; root < len; root++) {
    if (index[root] !== -1 || insns[root]!.op.kind === 'lddw-tail') continue;
    const work: [number, number[], number][] = [[root, succ(root), 0]];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length) {
      const top = work[work.length - 1]!;
      const [v, out] = top;
      if (top[2] < out.length) {
        const w = out[top[2]++]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, succ(w), 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] !== index[v]) continue;
      const members: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = 0;
        members.push(w);
      } while (w !== v);
      // A call that calls back loops through its callback (compute_scc): it is a loop of its own.
      const callsBack = insns[v]!.op.kind === 'call' && (insns[v]!.op as { target: string }).target === 'helper' && CALLBACK_HELPERS.has(insns[v]!.imm);
      if (members.length > 1 || out.includes(v) || callsBack) {
        count++;
        for (const m of members) scc[m] = count;
      }
    }
  }
  return scc;
}
