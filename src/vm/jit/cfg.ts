/**
 * The control flow of one BPF function, prepared for structured WebAssembly:
 * basic blocks in reverse postorder, dominators, loop headers and merge
 * nodes — what Ramsey's "Beyond Relooper" translation needs — and whether
 * the graph is reducible (if not, the compiler falls back to a dispatch loop).
 */
import type { Instruction } from '../../isa/index.js';

export interface BasicBlock {
  readonly index: number;
  /** First and one-past-last instruction slot. */
  readonly start: number;
  readonly end: number;
  /** Successor block indexes: [taken, fallthrough] for a conditional jump, [target] for ja / fallthrough, [] for exit. */
  readonly successors: number[];
  /** The successor the block falls into past the function's end: execution would fall off. */
  fallsOff: boolean;
  rpo: number;
  idom: number;
  readonly predecessors: number[];
}

export interface FunctionGraph {
  readonly blocks: BasicBlock[];
  /** Blocks reachable from the entry, in reverse postorder (entry first). */
  readonly order: BasicBlock[];
  readonly loopHeaders: ReadonlySet<number>;
  readonly mergeNodes: ReadonlySet<number>;
  /** Dominator-tree children, by block index. */
  readonly children: ReadonlyMap<number, number[]>;
  readonly reducible: boolean;
  /** The block that starts at a slot. */
  readonly blockAt: ReadonlyMap<number, number>;
}

/** Where control goes after a slot's instruction, inside [start, end). */
function targets(insns: readonly Instruction[], i: number): { jump?: number; falls: boolean; ends: boolean } {
  const insn = insns[i]!;
  const op = insn.op;
  if (op.kind === 'exit') return { falls: false, ends: true };
  if (op.kind === 'ja') return { jump: i + (op.wide ? insn.imm : insn.offset) + 1, falls: false, ends: true };
  if (op.kind === 'jump') return { jump: i + insn.offset + 1, falls: true, ends: true };
  return { falls: true, ends: false };
}

/** Builds the graph of the function occupying slots [start, end). */
export function functionGraph(insns: readonly Instruction[], start: number, end: number): FunctionGraph {
  const leaders = new Set<number>([start]);
  for (let i = start; i < end; i++) {
    const insn = insns[i]!;
    if (insn.op.kind === 'lddw-tail') continue;
    const t = targets(insns, i);
    const next = i + (insn.op.kind === 'lddw' ? 2 : 1);
    if (t.jump !== undefined) leaders.add(t.jump);
    if (t.ends && next < end) leaders.add(next);
  }
  const starts = [...leaders].filter((s) => s >= start && s < end).sort((a, b) => a - b);
  const blockAt = new Map(starts.map((s, i) => [s, i]));
  const blocks: BasicBlock[] = starts.map((s, i) => ({
    index: i, start: s, end: starts[i + 1] ?? end, successors: [], fallsOff: false, rpo: -1, idom: -1, predecessors: [],
  }));
  for (const b of blocks) {
    let last = b.start;
    for (let i = b.start; i < b.end; i++) if (insns[i]!.op.kind !== 'lddw-tail') last = i;
    const t = targets(insns, last);
    const add = (slot: number) => {
      const target = blockAt.get(slot);
      if (target === undefined) b.fallsOff = true;
      else b.successors.push(target);
    };
    if (t.jump !== undefined) add(t.jump);
    if (t.falls) add(b.end);
  }
  // Reverse postorder by an iterative depth-first search.
  const order: BasicBlock[] = [];
  const state = new Uint8Array(blocks.length);
  const stack: [number, number][] = [[0, 0]];
  state[0] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const b = blocks[top[0]]!;
    if (top[1] < b.successors.length) {
      const s = b.successors[top[1]++]!;
      if (!state[s]) {
        state[s] = 1;
        stack.push([s, 0]);
      }
    } else {
      stack.pop();
      order.push(b);
    }
  }
  order.reverse();
  order.forEach((b, i) => (b.rpo = i));
  for (const b of order) for (const s of b.successors) blocks[s]!.predecessors.push(b.index);
  // Dominators (Cooper, Harvey and Kennedy), over reverse postorder.
  const entry = order[0]!;
  entry.idom = entry.index;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (blocks[a]!.rpo > blocks[b]!.rpo) a = blocks[a]!.idom;
      while (blocks[b]!.rpo > blocks[a]!.rpo) b = blocks[b]!.idom;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const b of order.slice(1)) {
      let idom = -1;
      for (const p of b.predecessors) if (blocks[p]!.idom !== -1) idom = idom === -1 ? p : intersect(p, idom);
      if (idom !== b.idom) {
        b.idom = idom;
        changed = true;
      }
    }
  }
  const dominates = (a: number, b: number) => {
    for (let x = b; ; x = blocks[x]!.idom) {
      if (x === a) return true;
      if (x === blocks[x]!.idom) return false;
    }
  };
  const loopHeaders = new Set<number>();
  const mergeNodes = new Set<number>();
  let reducible = true;
  for (const b of order) {
    let forward = 0;
    for (const p of b.predecessors) {
      if (blocks[p]!.rpo >= b.rpo) {
        loopHeaders.add(b.index);
        if (!dominates(b.index, p)) reducible = false;
      } else {
        forward++;
      }
    }
    if (forward >= 2) mergeNodes.add(b.index);
  }
  const children = new Map<number, number[]>();
  for (const b of order.slice(1)) {
    const list = children.get(b.idom) ?? [];
    list.push(b.index);
    children.set(b.idom, list);
  }
  return { blocks, order, loopHeaders, mergeNodes, children, reducible, blockAt };
}
