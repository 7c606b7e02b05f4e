/**
 * The reference interpreter: exact RFC 9669 semantics on an AddressSpace.
 *
 * Representation (chosen by measurement, see src/bench/representation.ts): each
 * 64-bit register is a pair of int32 halves in two Int32Arrays, so add, logic,
 * shifts, compares, loads and stores never allocate; 64-bit mul uses 16-bit
 * partial products, and only 64-bit div/mod with operands beyond int32/uint32
 * fall back to BigInt. Immediates live in the same arrays: slot 11 + i holds
 * instruction i's immediate (sign-extended, or the full lddw value), so an
 * immediate operand is just another "register" and every operation has one
 * case for both operand kinds.
 *
 * The program is decoded once into parallel typed arrays indexed by slot:
 * a dense opcode, dst, the operand slot, and `aux` (jump target, memory
 * offset or helper id).
 */
import { type HelperEnv, HelperTable, ProgramExit } from '../../helpers/index.js';
import {
  type Instruction, DecodeError, FRAME_POINTER, REGISTER_COUNT, STACK_SIZE, checkJumps,
} from '../../isa/index.js';
import { AddressSpace, type Region } from '../../memory/index.js';
import {
  BudgetExceededError, CallDepthError, MemoryAccessError, PcOutOfRangeError, UnknownHelperError,
  UnsupportedInstructionError, describeInstruction,
} from './errors.js';
import { type EngineOptions, type Executable, MAX_CALL_FRAMES, type RunOptions, type RunResult } from './types.js';

/** Dense operation codes of the decoded form. */
const enum Op {
  ADD64, SUB64, MUL64, DIV64, SDIV64, OR64, AND64, LSH64, RSH64, NEG64, MOD64, SMOD64, XOR64, MOV64,
  MOVSX8_64, MOVSX16_64, MOVSX32_64, ARSH64,
  ADD32, SUB32, MUL32, DIV32, SDIV32, OR32, AND32, LSH32, RSH32, NEG32, MOD32, SMOD32, XOR32, MOV32,
  MOVSX8_32, MOVSX16_32, ARSH32,
  LE16, LE32, LE64, BE16, BE32, BE64,
  JA,
  JEQ64, JGT64, JGE64, JSET64, JNE64, JSGT64, JSGE64, JLT64, JLE64, JSLT64, JSLE64,
  JEQ32, JGT32, JGE32, JSET32, JNE32, JSGT32, JSGE32, JLT32, JLE32, JSLT32, JSLE32,
  CALL_HELPER, CALL_LOCAL, CALL_KFUNC, CALLX, EXIT,
  LDXB, LDXH, LDXW, LDXDW, LDXSB, LDXSH, LDXSW,
  STB, STH, STW, STDW,
  ATOMIC32, ATOMIC64,
  LDDW, LDDW_TAIL,
  LDABS_B, LDABS_H, LDABS_W, LDIND_B, LDIND_H, LDIND_W,
  /** Sentinel after the last slot. */
  FELL_OFF,
}

const ALU64: Record<string, Op> = {
  add: Op.ADD64, sub: Op.SUB64, mul: Op.MUL64, div: Op.DIV64, sdiv: Op.SDIV64, or: Op.OR64, and: Op.AND64,
  lsh: Op.LSH64, rsh: Op.RSH64, neg: Op.NEG64, mod: Op.MOD64, smod: Op.SMOD64, xor: Op.XOR64, mov: Op.MOV64,
  movsx8: Op.MOVSX8_64, movsx16: Op.MOVSX16_64, movsx32: Op.MOVSX32_64, arsh: Op.ARSH64,
};
const ALU32: Record<string, Op> = {
  add: Op.ADD32, sub: Op.SUB32, mul: Op.MUL32, div: Op.DIV32, sdiv: Op.SDIV32, or: Op.OR32, and: Op.AND32,
  lsh: Op.LSH32, rsh: Op.RSH32, neg: Op.NEG32, mod: Op.MOD32, smod: Op.SMOD32, xor: Op.XOR32, mov: Op.MOV32,
  movsx8: Op.MOVSX8_32, movsx16: Op.MOVSX16_32, arsh: Op.ARSH32,
};
const JUMP64: Record<string, Op> = {
  jeq: Op.JEQ64, jgt: Op.JGT64, jge: Op.JGE64, jset: Op.JSET64, jne: Op.JNE64, jsgt: Op.JSGT64,
  jsge: Op.JSGE64, jlt: Op.JLT64, jle: Op.JLE64, jslt: Op.JSLT64, jsle: Op.JSLE64,
};
const JUMP32: Record<string, Op> = {
  jeq: Op.JEQ32, jgt: Op.JGT32, jge: Op.JGE32, jset: Op.JSET32, jne: Op.JNE32, jsgt: Op.JSGT32,
  jsge: Op.JSGE32, jlt: Op.JLT32, jle: Op.JLE32, jslt: Op.JSLT32, jsle: Op.JSLE32,
};
const LOADS: Record<number, Op> = { 1: Op.LDXB, 2: Op.LDXH, 4: Op.LDXW, 8: Op.LDXDW };
const SIGNED_LOADS: Record<number, Op> = { 1: Op.LDXSB, 2: Op.LDXSH, 4: Op.LDXSW };
const STORES: Record<number, Op> = { 1: Op.STB, 2: Op.STH, 4: Op.STW, 8: Op.STDW };
const PACKET_LOADS: Record<string, Op> = {
  abs1: Op.LDABS_B, abs2: Op.LDABS_H, abs4: Op.LDABS_W, ind1: Op.LDIND_B, ind2: Op.LDIND_H, ind4: Op.LDIND_W,
};
/** Atomic operation codes kept in `aux2` (the STX|ATOMIC immediate without its fetch bit). */
const ATOMIC_CODES: Record<string, number> = { add: 0x00, or: 0x40, and: 0x50, xor: 0xa0, xchg: 0xe0, cmpxchg: 0xf0 };

const TWO32 = 4294967296;
/** Bytes of one frame's stack region. */
const FRAME_BYTES = STACK_SIZE;
/** Registers saved across a local call: r6–r9 and r10. */
const SAVED_FIRST = 6;

function swap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

function toBig(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function setBig(L: Int32Array, H: Int32Array, d: number, v: bigint): void {
  L[d] = Number(BigInt.asIntN(32, v));
  H[d] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Unsigned a > b on (hi, lo) pairs. */
function ugt(ah: number, al: number, bh: number, bl: number): boolean {
  return ah !== bh ? (ah >>> 0) > (bh >>> 0) : (al >>> 0) > (bl >>> 0);
}

/** Signed a > b on (hi, lo) pairs. */
function sgt(ah: number, al: number, bh: number, bl: number): boolean {
  return ah !== bh ? ah > bh : (al >>> 0) > (bl >>> 0);
}

/** The decoded program, shared by all runs. */
interface Decoded {
  readonly length: number;
  readonly code: Uint8Array;
  readonly dst: Uint8Array;
  /** Operand slot: a register number, or 11 + index for an immediate. */
  readonly src: Int32Array;
  /** Jump/call target, memory offset, helper id or atomic code. */
  readonly aux: Int32Array;
  /** Second auxiliary: atomic operation code and fetch flag. */
  readonly aux2: Int32Array;
  /** Initial register file: zeros for r0–r10, then the immediates. */
  readonly constLo: Int32Array;
  readonly constHi: Int32Array;
}

/** Arrays a run works in. */
interface Scratch {
  /** Register file (low and high halves): r0–r10, then the immediates. */
  readonly L: Int32Array;
  readonly H: Int32Array;
  /** r6–r10 of each caller, 5 per live call. */
  readonly savedLo: Int32Array;
  readonly savedHi: Int32Array;
  /**
   * The last range a read and a write hit: [readStart, readEnd, writeStart,
   * writeEnd]. Most programs touch one region at a time, so a hit skips the
   * search; it is cleared whenever the set of accessible ranges may shrink.
   */
  readonly hit: Float64Array;
}

function newScratch(d: Decoded): Scratch {
  return {
    L: new Int32Array(d.constLo.length), H: new Int32Array(d.constHi.length),
    savedLo: new Int32Array(MAX_CALL_FRAMES * 5), savedHi: new Int32Array(MAX_CALL_FRAMES * 5),
    hit: new Float64Array(4),
  };
}

/** Per-run memory state. */
interface Memory {
  view: DataView;
  /** Accessible ranges, three numbers each: start, end, writable (1/0). Frames first. */
  ranges: number[];
  /** Frames currently live (their ranges are the first 3 * depth entries). */
  depth: number;
  /** Index in `ranges` where non-stack ranges start. */
  readonly othersAt: number;
}

/**
 * Runs BPF programs instruction by instruction.
 *
 * Memory a program can touch: its input memory, its stack frames, the regions
 * the caller names, and nothing else; anything else stops it with a
 * {@link MemoryAccessError}. After a helper call r1–r5 keep the values they had
 * before it (the kernel makes them unreadable, so no valid program can tell).
 *
 * @example
 * const vm = new Interpreter(assemble('mov %r0, 42\nexit'));
 * vm.run().r0; // 42n
 */
export class Interpreter<Env extends HelperEnv = HelperEnv> implements Executable<Env> {
  readonly program: readonly Instruction[];
  readonly space: AddressSpace;
  readonly helpers: HelperTable<Env>;
  readonly #decoded: Decoded;
  /** Per-run arrays kept for the next run; taken while running, so a nested run gets its own. */
  #spare: Scratch | undefined;

  /**
   * Prepares a slot-indexed program.
   *
   * @throws {DecodeError} EMPTY_PROGRAM, or a jump that leaves the program or lands in a lddw.
   * @throws {UnsupportedInstructionError} for a pseudo lddw without `resolveLddw`.
   */
  constructor(program: readonly Instruction[], options: EngineOptions<Env> = {}) {
    if (program.length === 0) throw new DecodeError('EMPTY_PROGRAM', 0, 'program has no instructions');
    checkJumps(program);
    this.program = program;
    this.space = options.space ?? new AddressSpace();
    this.helpers = options.helpers ?? new HelperTable<Env>();
    this.#decoded = decode(program, options);
  }

  /**
   * Runs the program once.
   *
   * @throws {MemoryAccessError} on an access outside the accessible regions.
   * @throws {BudgetExceededError} when `budget` instructions ran without exit.
   * @throws {CallDepthError} on a call chain deeper than 8 frames.
   * @throws {UnknownHelperError} for a helper id the table lacks.
   * @throws {UnsupportedInstructionError} for kfunc calls and packet loads without a packet.
   */
  run(options: RunOptions<Env> = {}): RunResult {
    if (options.entry !== undefined && (!Number.isInteger(options.entry) || options.entry < 0 || options.entry >= this.#decoded.length)) {
      throw new RangeError(`entry ${options.entry} is outside the program (0..${this.#decoded.length - 1})`);
    }
    const space = this.space;
    const owned: Region[] = [];
    const d = this.#decoded;
    const scratch = this.#spare ?? newScratch(d);
    this.#spare = undefined;
    try {
      const ranges: number[] = [];
      const frame0 = space.allocate(FRAME_BYTES, { kind: 'stack', name: 'stack frame 0' });
      owned.push(frame0);
      ranges.push(frame0.start, frame0.start + FRAME_BYTES, 1);
      for (let i = 1; i < MAX_CALL_FRAMES; i++) ranges.push(0, 0, 0);
      const othersAt = ranges.length;
      let input: Region | undefined;
      if (options.memory !== undefined && options.memory.length > 0) {
        input = space.allocate(options.memory.length, { kind: 'input', name: 'input memory' });
        owned.push(input);
        space.bytes.set(options.memory, input.start);
        ranges.push(input.start, input.start + input.size, 1);
      }
      let packet: Region | undefined;
      if (options.packet !== undefined && options.packet.length > 0) {
        packet = space.allocate(options.packet.length, { kind: 'packet', name: 'packet', writable: false });
        owned.push(packet);
        space.bytes.set(options.packet, packet.start);
        ranges.push(packet.start, packet.start + packet.size, 0);
      }
      for (const r of options.regions ?? []) ranges.push(r.start, r.start + r.size, r.writable ? 1 : 0);
      const mem: Memory = { view: space.view, ranges, depth: 1, othersAt };

      const { L, H } = scratch;
      L.set(d.constLo);
      H.set(d.constHi);
      scratch.hit.fill(0);
      if (input) L[1] = input.start, L[2] = input.size;
      L[FRAME_POINTER] = frame0.start + FRAME_BYTES;
      options.registers?.forEach((value, i) => {
        if (value !== undefined && i < FRAME_POINTER) setBig(L, H, i, value);
      });
      const env = options.env ?? ({ space, cpu: 0 } as HelperEnv as Env);
      const executed = this.#execute(d, scratch, mem, options, env, owned, packet);
      const result: RunResult = { r0: toBig(H[0]!, L[0]!), executed };
      if (input) return { ...result, memory: space.bytes.slice(input.start, input.start + input.size) };
      return result;
    } finally {
      for (const r of owned) space.release(r);
      this.#spare = scratch;
    }
  }

  #execute(
    d: Decoded, scratch: Scratch, mem: Memory, options: RunOptions<Env>, env: Env,
    owned: Region[], packet: Region | undefined,
  ): number {
    const { code, dst, src, aux } = d;
    const { L, H, savedLo, savedHi, hit } = scratch;
    const budget = options.budget ?? Infinity;
    const kinds = options.regionKinds ?? [];
    const space = this.space;
    const helpers = this.helpers;
    /** Return pcs of the live calls; their saved r6–r10 are in savedLo/savedHi, 5 per call. */
    const returnPc: number[] = [];
    let view = mem.view;
    let executed = 0;
    let pc = options.entry ?? 0;

    const remember = (a: number, start: number, end: number, write: boolean): number => {
      const k = write ? 2 : 0;
      hit[k] = start, hit[k + 1] = end;
      return a;
    };
    const fault = (at: number, base: number, size: number, write: boolean, reason?: string): never => {
      const address = BigInt.asUintN(64, toBig(H[base]!, L[base]!) + BigInt(aux[at]!));
      throw new MemoryAccessError(at, address, size, write ? 'write' : 'read',
        describeInstruction(this.program[at]!), reason);
    };
    /** The address of a memory operand, checked; `base` is the register holding the pointer. */
    const address = (at: number, base: number, size: number, write: boolean): number => {
      const a = H[base]! * TWO32 + (L[base]! >>> 0) + aux[at]!;
      const r = mem.ranges;
      const frames = mem.depth * 3;
      for (let i = 0; i < frames; i += 3) {
        if (a >= r[i]! && a + size <= r[i + 1]!) return remember(a, r[i]!, r[i + 1]!, write);
      }
      for (let i = mem.othersAt; i < r.length; i += 3) {
        if (a >= r[i]! && a + size <= r[i + 1]!) {
          if (write && r[i + 2] === 0) fault(at, base, size, write, 'read-only region');
          return remember(a, r[i]!, r[i + 1]!, write);
        }
      }
      if (kinds.length > 0 && a >= 0 && a < TWO32) {
        const region = space.regionAt(a, size);
        if (region !== undefined && kinds.includes(region.kind)) {
          if (write && !region.writable) fault(at, base, size, write, `read-only ${region.kind} region`);
          view = space.view;
          return a;
        }
      }
      return fault(at, base, size, write);
    };
    const callHelper = (at: number, id: bigint): boolean => {
      const helper = id <= 0xffffffffn ? helpers.get(Number(id)) : undefined;
      if (helper === undefined) throw new UnknownHelperError(at, id);
      let r0: bigint;
      try {
        r0 = helper.impl(env, toBig(H[1]!, L[1]!), toBig(H[2]!, L[2]!), toBig(H[3]!, L[3]!),
          toBig(H[4]!, L[4]!), toBig(H[5]!, L[5]!));
      } catch (error) {
        if (!(error instanceof ProgramExit)) throw error;
        setBig(L, H, 0, BigInt.asUintN(64, error.r0));
        return true;
      }
      setBig(L, H, 0, BigInt.asUintN(64, r0));
      view = space.view; // a helper may have grown the memory
      hit.fill(0); // … or released a region
      return false;
    };
    /** Kernel semantics: a legacy packet load out of bounds ends the program with r0 = 0. */
    const packetLoad = (at: number, size: number, indirect: boolean): boolean => {
      if (packet === undefined) {
        throw new UnsupportedInstructionError(at, describeInstruction(this.program[at]!),
          'legacy packet load needs a packet (run option `packet`)');
      }
      const offset = (indirect ? L[src[at]!]! : 0) + aux[at]!;
      if (offset < 0 || offset + size > packet.size) {
        L[0] = 0, H[0] = 0;
        return true;
      }
      const a = packet.start + offset;
      L[0] = size === 1 ? view.getUint8(a) : size === 2 ? view.getUint16(a, false) : view.getInt32(a, false);
      H[0] = 0;
      return false;
    };

    for (;;) {
      if (++executed > budget) throw new BudgetExceededError(pc, budget);
      const i = pc++;
      const r = dst[i]!;
      const s = src[i]!;
      switch (code[i]) {
        case Op.ADD64: {
          const lo = (L[r]! >>> 0) + (L[s]! >>> 0);
          L[r] = lo | 0;
          H[r] = (H[r]! + H[s]! + (lo > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case Op.SUB64: {
          const lo = (L[r]! >>> 0) - (L[s]! >>> 0);
          L[r] = lo | 0;
          H[r] = (H[r]! - H[s]! - (lo < 0 ? 1 : 0)) | 0;
          break;
        }
        case Op.MUL64: {
          const a = L[r]! >>> 0, b = L[s]! >>> 0;
          const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
          const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
          const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
          const high = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
          H[r] = (high + Math.imul(L[r]!, H[s]!) + Math.imul(H[r]!, L[s]!)) | 0;
          L[r] = ((mid & 0xffff) << 16) | (p00 & 0xffff);
          break;
        }
        case Op.DIV64:
          if (H[r] === 0 && H[s] === 0) {
            const b = L[s]! >>> 0;
            L[r] = b === 0 ? 0 : Math.floor((L[r]! >>> 0) / b) | 0;
          } else {
            const b = toBig(H[s]!, L[s]!);
            setBig(L, H, r, b === 0n ? 0n : toBig(H[r]!, L[r]!) / b);
          }
          break;
        case Op.MOD64:
          if (H[r] === 0 && H[s] === 0) {
            const b = L[s]! >>> 0;
            if (b !== 0) L[r] = ((L[r]! >>> 0) % b) | 0;
          } else {
            const b = toBig(H[s]!, L[s]!);
            if (b !== 0n) setBig(L, H, r, toBig(H[r]!, L[r]!) % b);
          }
          break;
        case Op.SDIV64:
          if (H[r] === L[r]! >> 31 && H[s] === L[s]! >> 31) {
            const b = L[s]!;
            const q = b === 0 ? 0 : Math.trunc(L[r]! / b);
            L[r] = q | 0;
            H[r] = q < 0 ? -1 : 0;
          } else {
            const b = BigInt.asIntN(64, toBig(H[s]!, L[s]!));
            setBig(L, H, r, b === 0n ? 0n : BigInt.asIntN(64, toBig(H[r]!, L[r]!)) / b);
          }
          break;
        case Op.SMOD64:
          if (H[r] === L[r]! >> 31 && H[s] === L[s]! >> 31) {
            const b = L[s]!;
            if (b !== 0) {
              const m = L[r]! % b;
              L[r] = m | 0;
              H[r] = m < 0 ? -1 : 0;
            }
          } else {
            const b = BigInt.asIntN(64, toBig(H[s]!, L[s]!));
            if (b !== 0n) setBig(L, H, r, BigInt.asIntN(64, toBig(H[r]!, L[r]!)) % b);
          }
          break;
        case Op.OR64: L[r] = L[r]! | L[s]!; H[r] = H[r]! | H[s]!; break;
        case Op.AND64: L[r] = L[r]! & L[s]!; H[r] = H[r]! & H[s]!; break;
        case Op.XOR64: L[r] = L[r]! ^ L[s]!; H[r] = H[r]! ^ H[s]!; break;
        case Op.LSH64: {
          const n = L[s]! & 63;
          if (n >= 32) H[r] = L[r]! << (n - 32), L[r] = 0;
          else if (n !== 0) H[r] = (H[r]! << n) | (L[r]! >>> (32 - n)), L[r] = L[r]! << n;
          break;
        }
        case Op.RSH64: {
          const n = L[s]! & 63;
          if (n >= 32) L[r] = H[r]! >>> (n - 32), H[r] = 0;
          else if (n !== 0) L[r] = (L[r]! >>> n) | (H[r]! << (32 - n)), H[r] = H[r]! >>> n;
          break;
        }
        case Op.ARSH64: {
          const n = L[s]! & 63;
          if (n >= 32) L[r] = H[r]! >> (n - 32), H[r] = H[r]! >> 31;
          else if (n !== 0) L[r] = (L[r]! >>> n) | (H[r]! << (32 - n)), H[r] = H[r]! >> n;
          break;
        }
        case Op.NEG64: {
          const lo = L[r]!;
          L[r] = -lo | 0;
          H[r] = (~H[r]! + (lo === 0 ? 1 : 0)) | 0;
          break;
        }
        case Op.MOV64: L[r] = L[s]!; H[r] = H[s]!; break;
        case Op.MOVSX8_64: { const v = (L[s]! << 24) >> 24; L[r] = v; H[r] = v >> 31; break; }
        case Op.MOVSX16_64: { const v = (L[s]! << 16) >> 16; L[r] = v; H[r] = v >> 31; break; }
        case Op.MOVSX32_64: { const v = L[s]!; L[r] = v; H[r] = v >> 31; break; }

        case Op.ADD32: L[r] = (L[r]! + L[s]!) | 0; H[r] = 0; break;
        case Op.SUB32: L[r] = (L[r]! - L[s]!) | 0; H[r] = 0; break;
        case Op.MUL32: L[r] = Math.imul(L[r]!, L[s]!); H[r] = 0; break;
        case Op.DIV32: {
          const b = L[s]! >>> 0;
          L[r] = b === 0 ? 0 : Math.floor((L[r]! >>> 0) / b) | 0;
          H[r] = 0;
          break;
        }
        case Op.MOD32: {
          const b = L[s]! >>> 0;
          if (b !== 0) L[r] = ((L[r]! >>> 0) % b) | 0;
          H[r] = 0;
          break;
        }
        case Op.SDIV32: {
          const a = L[r]!, b = L[s]!;
          L[r] = b === 0 ? 0 : (a === -0x80000000 && b === -1) ? a : Math.trunc(a / b) | 0;
          H[r] = 0;
          break;
        }
        case Op.SMOD32: {
          const b = L[s]!;
          if (b !== 0) L[r] = (L[r]! % b) | 0;
          H[r] = 0;
          break;
        }
        case Op.OR32: L[r] = L[r]! | L[s]!; H[r] = 0; break;
        case Op.AND32: L[r] = L[r]! & L[s]!; H[r] = 0; break;
        case Op.XOR32: L[r] = L[r]! ^ L[s]!; H[r] = 0; break;
        case Op.LSH32: L[r] = L[r]! << (L[s]! & 31); H[r] = 0; break;
        case Op.RSH32: L[r] = L[r]! >>> (L[s]! & 31); H[r] = 0; break;
        case Op.ARSH32: L[r] = L[r]! >> (L[s]! & 31); H[r] = 0; break;
        case Op.NEG32: L[r] = -L[r]! | 0; H[r] = 0; break;
        case Op.MOV32: L[r] = L[s]!; H[r] = 0; break;
        case Op.MOVSX8_32: L[r] = (L[s]! << 24) >> 24; H[r] = 0; break;
        case Op.MOVSX16_32: L[r] = (L[s]! << 16) >> 16; H[r] = 0; break;

        case Op.LE16: L[r] = L[r]! & 0xffff; H[r] = 0; break;
        case Op.LE32: H[r] = 0; break;
        case Op.LE64: break;
        case Op.BE16: { const v = L[r]!; L[r] = ((v & 0xff) << 8) | ((v >>> 8) & 0xff); H[r] = 0; break; }
        case Op.BE32: L[r] = swap32(L[r]!); H[r] = 0; break;
        case Op.BE64: { const lo = L[r]!; L[r] = swap32(H[r]!); H[r] = swap32(lo); break; }

        case Op.JA: pc = aux[i]!; break;
        case Op.JEQ64: if (L[r] === L[s] && H[r] === H[s]) pc = aux[i]!; break;
        case Op.JNE64: if (L[r] !== L[s] || H[r] !== H[s]) pc = aux[i]!; break;
        case Op.JSET64: if ((L[r]! & L[s]!) !== 0 || (H[r]! & H[s]!) !== 0) pc = aux[i]!; break;
        case Op.JGT64: if (ugt(H[r]!, L[r]!, H[s]!, L[s]!)) pc = aux[i]!; break;
        case Op.JGE64: if (!ugt(H[s]!, L[s]!, H[r]!, L[r]!)) pc = aux[i]!; break;
        case Op.JLT64: if (ugt(H[s]!, L[s]!, H[r]!, L[r]!)) pc = aux[i]!; break;
        case Op.JLE64: if (!ugt(H[r]!, L[r]!, H[s]!, L[s]!)) pc = aux[i]!; break;
        case Op.JSGT64: if (sgt(H[r]!, L[r]!, H[s]!, L[s]!)) pc = aux[i]!; break;
        case Op.JSGE64: if (!sgt(H[s]!, L[s]!, H[r]!, L[r]!)) pc = aux[i]!; break;
        case Op.JSLT64: if (sgt(H[s]!, L[s]!, H[r]!, L[r]!)) pc = aux[i]!; break;
        case Op.JSLE64: if (!sgt(H[r]!, L[r]!, H[s]!, L[s]!)) pc = aux[i]!; break;
        case Op.JEQ32: if (L[r] === L[s]) pc = aux[i]!; break;
        case Op.JNE32: if (L[r] !== L[s]) pc = aux[i]!; break;
        case Op.JSET32: if ((L[r]! & L[s]!) !== 0) pc = aux[i]!; break;
        case Op.JGT32: if ((L[r]! >>> 0) > (L[s]! >>> 0)) pc = aux[i]!; break;
        case Op.JGE32: if ((L[r]! >>> 0) >= (L[s]! >>> 0)) pc = aux[i]!; break;
        case Op.JLT32: if ((L[r]! >>> 0) < (L[s]! >>> 0)) pc = aux[i]!; break;
        case Op.JLE32: if ((L[r]! >>> 0) <= (L[s]! >>> 0)) pc = aux[i]!; break;
        case Op.JSGT32: if (L[r]! > L[s]!) pc = aux[i]!; break;
        case Op.JSGE32: if (L[r]! >= L[s]!) pc = aux[i]!; break;
        case Op.JSLT32: if (L[r]! < L[s]!) pc = aux[i]!; break;
        case Op.JSLE32: if (L[r]! <= L[s]!) pc = aux[i]!; break;

        case Op.CALL_HELPER:
          if (callHelper(i, BigInt(aux[i]! >>> 0))) return executed;
          break;
        case Op.CALLX:
          if (callHelper(i, toBig(H[r]!, L[r]!))) return executed;
          break;
        case Op.CALL_LOCAL: {
          const depth = returnPc.length + 1;
          if (depth >= MAX_CALL_FRAMES) throw new CallDepthError(i, MAX_CALL_FRAMES);
          const base = (depth - 1) * 5;
          for (let k = 0; k < 5; k++) savedLo[base + k] = L[SAVED_FIRST + k]!, savedHi[base + k] = H[SAVED_FIRST + k]!;
          returnPc.push(pc);
          const at = depth * 3;
          if (mem.ranges[at + 1] === 0) {
            const frame = space.allocate(FRAME_BYTES, { kind: 'stack', name: `stack frame ${depth}` });
            owned.push(frame);
            mem.ranges[at] = frame.start, mem.ranges[at + 1] = frame.start + FRAME_BYTES, mem.ranges[at + 2] = 1;
            view = space.view;
          } else {
            new Uint8Array(view.buffer, mem.ranges[at]!, FRAME_BYTES).fill(0);
          }
          mem.depth = depth + 1;
          L[FRAME_POINTER] = mem.ranges[at + 1]!;
          H[FRAME_POINTER] = 0;
          pc = aux[i]!;
          break;
        }
        case Op.EXIT: {
          const back = returnPc.pop();
          if (back === undefined) return executed;
          mem.depth--;
          hit.fill(0); // the callee's frame is gone
          const base = (mem.depth - 1) * 5;
          for (let k = 0; k < 5; k++) L[SAVED_FIRST + k] = savedLo[base + k]!, H[SAVED_FIRST + k] = savedHi[base + k]!;
          pc = back;
          break;
        }
        case Op.CALL_KFUNC:
          throw new UnsupportedInstructionError(i, describeInstruction(this.program[i]!),
            'kfunc calls need a runtime that resolves BTF ids');

        // Memory: the cached range inline (measured: ~20% on load-heavy code), else the search.
        case Op.LDXB: {
          let a = H[s]! * TWO32 + (L[s]! >>> 0) + aux[i]!;
          if (!(a >= hit[0]! && a + 1 <= hit[1]!)) a = address(i, s, 1, false);
          L[r] = view.getUint8(a); H[r] = 0;
          break;
        }
        case Op.LDXH: {
          let a = H[s]! * TWO32 + (L[s]! >>> 0) + aux[i]!;
          if (!(a >= hit[0]! && a + 2 <= hit[1]!)) a = address(i, s, 2, false);
          L[r] = view.getUint16(a, true); H[r] = 0;
          break;
        }
        case Op.LDXW: {
          let a = H[s]! * TWO32 + (L[s]! >>> 0) + aux[i]!;
          if (!(a >= hit[0]! && a + 4 <= hit[1]!)) a = address(i, s, 4, false);
          L[r] = view.getInt32(a, true); H[r] = 0;
          break;
        }
        case Op.LDXDW: {
          let a = H[s]! * TWO32 + (L[s]! >>> 0) + aux[i]!;
          if (!(a >= hit[0]! && a + 8 <= hit[1]!)) a = address(i, s, 8, false);
          L[r] = view.getInt32(a, true); H[r] = view.getInt32(a + 4, true);
          break;
        }
        case Op.LDXSB: {
          let a = H[s]! * TWO32 + (L[s]! >>> 0) + aux[i]!;
          if (!(a >= hit[0]! && a + 1 <= hit[1]!)) a = address(i, s, 1, false);
          const v = view.getInt8(a); L[r] = v; H[r] = v >> 31;
          break;
        }
        case Op.LDXSH: {
          let a = H[s]! * TWO32 + (L[s]! >>> 0) + aux[i]!;
          if (!(a >= hit[0]! && a + 2 <= hit[1]!)) a = address(i, s, 2, false);
          const v = view.getInt16(a, true); L[r] = v; H[r] = v >> 31;
          break;
        }
        case Op.LDXSW: {
          let a = H[s]! * TWO32 + (L[s]! >>> 0) + aux[i]!;
          if (!(a >= hit[0]! && a + 4 <= hit[1]!)) a = address(i, s, 4, false);
          const v = view.getInt32(a, true); L[r] = v; H[r] = v >> 31;
          break;
        }
        case Op.STB: {
          let a = H[r]! * TWO32 + (L[r]! >>> 0) + aux[i]!;
          if (!(a >= hit[2]! && a + 1 <= hit[3]!)) a = address(i, r, 1, true);
          view.setUint8(a, L[s]! & 0xff);
          break;
        }
        case Op.STH: {
          let a = H[r]! * TWO32 + (L[r]! >>> 0) + aux[i]!;
          if (!(a >= hit[2]! && a + 2 <= hit[3]!)) a = address(i, r, 2, true);
          view.setUint16(a, L[s]! & 0xffff, true);
          break;
        }
        case Op.STW: {
          let a = H[r]! * TWO32 + (L[r]! >>> 0) + aux[i]!;
          if (!(a >= hit[2]! && a + 4 <= hit[3]!)) a = address(i, r, 4, true);
          view.setInt32(a, L[s]!, true);
          break;
        }
        case Op.STDW: {
          let a = H[r]! * TWO32 + (L[r]! >>> 0) + aux[i]!;
          if (!(a >= hit[2]! && a + 8 <= hit[3]!)) a = address(i, r, 8, true);
          view.setInt32(a, L[s]!, true); view.setInt32(a + 4, H[s]!, true);
          break;
        }
        case Op.ATOMIC32:
        case Op.ATOMIC64: {
          const size = code[i] === Op.ATOMIC32 ? 4 : 8;
          atomic(view, address(i, r, size, true), size, d.aux2[i]!, s, L, H);
          break;
        }

        case Op.LDDW: L[r] = L[s]!; H[r] = H[s]!; pc++; break;
        case Op.LDABS_B: if (packetLoad(i, 1, false)) return executed; break;
        case Op.LDABS_H: if (packetLoad(i, 2, false)) return executed; break;
        case Op.LDABS_W: if (packetLoad(i, 4, false)) return executed; break;
        case Op.LDIND_B: if (packetLoad(i, 1, true)) return executed; break;
        case Op.LDIND_H: if (packetLoad(i, 2, true)) return executed; break;
        case Op.LDIND_W: if (packetLoad(i, 4, true)) return executed; break;
        case Op.LDDW_TAIL:
          throw new UnsupportedInstructionError(i, 'lddw second slot', 'execution reached the second half of a lddw');
        default:
          throw new PcOutOfRangeError(i, d.length);
      }
    }
  }
}

/** Read-modify-write at `a`; `op` is the atomic code with bit 0 = fetch. */
function atomic(view: DataView, a: number, size: 4 | 8, op: number, s: number, L: Int32Array, H: Int32Array): void {
  const wide = size === 8;
  const old = wide
    ? toBig(view.getInt32(a + 4, true), view.getInt32(a, true))
    : BigInt(view.getUint32(a, true));
  const operand = wide ? toBig(H[s]!, L[s]!) : BigInt(L[s]! >>> 0);
  const kind = op & ~1;
  let value: bigint;
  switch (kind) {
    case ATOMIC_CODES.add: value = old + operand; break;
    case ATOMIC_CODES.or: value = old | operand; break;
    case ATOMIC_CODES.and: value = old & operand; break;
    case ATOMIC_CODES.xor: value = old ^ operand; break;
    case ATOMIC_CODES.xchg: value = operand; break;
    default: { // cmpxchg: r0 gets the old value; the store happens only on a match
      const expected = wide ? toBig(H[0]!, L[0]!) : BigInt(L[0]! >>> 0);
      value = old === expected ? operand : old;
      setBig(L, H, 0, old);
      break;
    }
  }
  value = BigInt.asUintN(size * 8, value);
  if (wide) {
    view.setInt32(a, Number(BigInt.asIntN(32, value)), true);
    view.setInt32(a + 4, Number(BigInt.asIntN(32, value >> 32n)), true);
  } else {
    view.setUint32(a, Number(value), true);
  }
  if ((op & 1) !== 0 && kind !== ATOMIC_CODES.cmpxchg) setBig(L, H, s, old);
}

function decode<Env extends HelperEnv>(program: readonly Instruction[], options: EngineOptions<Env>): Decoded {
  const n = program.length;
  const code = new Uint8Array(n + 1);
  const dst = new Uint8Array(n + 1);
  const src = new Int32Array(n + 1);
  const aux = new Int32Array(n + 1);
  const aux2 = new Int32Array(n + 1);
  const constLo = new Int32Array(REGISTER_COUNT + n);
  const constHi = new Int32Array(REGISTER_COUNT + n);
  code[n] = Op.FELL_OFF;
  const immediate = (i: number, value: bigint): number => {
    setBig(constLo, constHi, REGISTER_COUNT + i, value);
    return REGISTER_COUNT + i;
  };
  program.forEach((insn, i) => {
    const op = insn.op;
    dst[i] = insn.dst;
    src[i] = insn.src;
    switch (op.kind) {
      case 'alu':
        code[i] = (op.width === 64 ? ALU64 : ALU32)[op.name]!;
        if (op.operand === 'imm') src[i] = immediate(i, BigInt(insn.imm));
        break;
      case 'endian':
        code[i] = op.order === 'le'
          ? (op.bits === 16 ? Op.LE16 : op.bits === 32 ? Op.LE32 : Op.LE64)
          : (op.bits === 16 ? Op.BE16 : op.bits === 32 ? Op.BE32 : Op.BE64);
        break;
      case 'ja':
        code[i] = Op.JA;
        aux[i] = i + 1 + (op.wide ? insn.imm : insn.offset);
        break;
      case 'jump':
        code[i] = (op.width === 64 ? JUMP64 : JUMP32)[op.condition]!;
        if (op.operand === 'imm') src[i] = immediate(i, BigInt(insn.imm));
        aux[i] = i + 1 + insn.offset;
        break;
      case 'call':
        code[i] = op.target === 'helper' ? Op.CALL_HELPER : op.target === 'local' ? Op.CALL_LOCAL : Op.CALL_KFUNC;
        aux[i] = op.target === 'local' ? i + 1 + insn.imm : insn.imm;
        break;
      case 'callx': code[i] = Op.CALLX; break;
      case 'exit': code[i] = Op.EXIT; break;
      case 'load':
        code[i] = (op.signed ? SIGNED_LOADS : LOADS)[op.size]!;
        aux[i] = insn.offset;
        break;
      case 'store':
        code[i] = STORES[op.size]!;
        aux[i] = insn.offset;
        if (op.operand === 'imm') src[i] = immediate(i, BigInt(insn.imm));
        break;
      case 'atomic':
        code[i] = op.size === 4 ? Op.ATOMIC32 : Op.ATOMIC64;
        aux[i] = insn.offset;
        aux2[i] = ATOMIC_CODES[op.name]! | (op.fetch ? 1 : 0);
        break;
      case 'lddw': {
        code[i] = Op.LDDW;
        let value: bigint;
        if (op.pseudo === 'imm64') {
          const tail = program[i + 1];
          if (tail?.op.kind !== 'lddw-tail') {
            throw new DecodeError('TRUNCATED_LDDW', i, 'lddw needs a second slot');
          }
          value = insn.imm64 ?? ((BigInt(tail.imm >>> 0) << 32n) | BigInt(insn.imm >>> 0));
        } else if (options.resolveLddw) {
          value = BigInt.asUintN(64, options.resolveLddw(insn, i));
        } else {
          throw new UnsupportedInstructionError(i, describeInstruction(insn),
            `lddw with pseudo source ${op.pseudo} needs a runtime to resolve it`);
        }
        src[i] = immediate(i, value);
        break;
      }
      case 'lddw-tail': code[i] = Op.LDDW_TAIL; break;
      case 'packet-load':
        code[i] = PACKET_LOADS[`${op.mode}${op.size}`]!;
        aux[i] = insn.imm;
        break;
    }
  });
  return { length: n, code, dst, src, aux, aux2, constLo, constHi };
}

/**
 * Prepares and runs a program once.
 *
 * @example interpret(program, { memory: new Uint8Array([1, 2]) }).r0
 */
export function interpret<Env extends HelperEnv = HelperEnv>(
  program: readonly Instruction[], options: EngineOptions<Env> & RunOptions<Env> = {},
): RunResult {
  return new Interpreter(program, options).run(options);
}
