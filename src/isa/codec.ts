/**
 * Bytes ⇄ instructions. The wire format is 8-byte little-endian slots:
 * opcode (8 bits), dst (low 4 bits of byte 1), src (high 4 bits), offset
 * (signed 16), imm (signed 32). A lddw takes two slots; the second has only an imm.
 */
import { DecodeError } from './errors.js';
import {
  type Instruction, type Operation, LDDW_TAIL, branchTarget, classify, isMalformation,
} from './instruction.js';
import { SLOT_SIZE } from './opcodes.js';

/**
 * Builds one instruction from its fields, normalising the operation.
 *
 * @throws {DecodeError} (index -1) when the fields are not an instruction.
 * @example make(0xb7, 0, 0, 0, 42) // r0 = 42
 */
export function make(opcode: number, dst: number, src: number, offset: number, imm: number, index = -1): Instruction {
  const op = classify(opcode, dst, src, offset, imm);
  if (isMalformation(op)) throw new DecodeError(op.code, index, op.reason);
  return { opcode, dst, src, offset, imm, op };
}

/**
 * Builds a lddw pair: `dst = imm64` with a pseudo source.
 * For map_value and map_idx_value the high word is the offset into the value.
 */
export function makeLddw(dst: number, imm64: bigint, src = 0): [Instruction, Instruction] {
  const value = BigInt.asUintN(64, imm64);
  const lo = Number(BigInt.asIntN(32, value));
  const hi = Number(BigInt.asIntN(32, value >> 32n));
  const first = make(0x18, dst, src, 0, lo);
  return [{ ...first, imm64: value }, lddwTail(hi)];
}

/** The second slot of a lddw whose high immediate word is `hi` (signed 32-bit). */
export function lddwTail(hi: number): Instruction {
  return { opcode: 0, dst: 0, src: 0, offset: 0, imm: hi | 0, op: LDDW_TAIL };
}

/** Writes one slot. */
function writeSlot(view: DataView, at: number, insn: Instruction): void {
  view.setUint8(at, insn.opcode);
  view.setUint8(at + 1, (insn.dst & 0x0f) | ((insn.src & 0x0f) << 4));
  view.setInt16(at + 2, insn.offset, true);
  view.setInt32(at + 4, insn.imm, true);
}

/** Encodes slot-indexed instructions to bytes (8 per slot). */
export function encode(insns: readonly Instruction[]): Uint8Array {
  const out = new Uint8Array(insns.length * SLOT_SIZE);
  const view = new DataView(out.buffer);
  insns.forEach((insn, i) => writeSlot(view, i * SLOT_SIZE, insn));
  return out;
}

export interface DecodeOptions {
  /** Check jump targets against the program (default true). Off for fragments. */
  readonly checkJumps?: boolean;
}

/**
 * Decodes a whole program into slot-indexed instructions.
 *
 * Checks every encoding, that each lddw has its second slot, and (unless
 * `checkJumps` is false) that every jump and local call lands inside the
 * program and not on the second half of a lddw.
 *
 * @throws {DecodeError} naming the slot and the reason.
 */
export function decodeProgram(bytes: Uint8Array, options: DecodeOptions = {}): Instruction[] {
  if (bytes.length % SLOT_SIZE !== 0) {
    throw new DecodeError('TRUNCATED', Math.floor(bytes.length / SLOT_SIZE),
      `program is ${bytes.length} bytes, not a multiple of ${SLOT_SIZE}`);
  }
  const count = bytes.length / SLOT_SIZE;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const insns: Instruction[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * SLOT_SIZE;
    const opcode = view.getUint8(at);
    const regs = view.getUint8(at + 1);
    const dst = regs & 0x0f;
    const src = regs >> 4;
    const offset = view.getInt16(at + 2, true);
    const imm = view.getInt32(at + 4, true);
    const op: Operation | ReturnType<typeof classify> = classify(opcode, dst, src, offset, imm);
    if (isMalformation(op)) throw new DecodeError(op.code, i, op.reason);
    if (op.kind !== 'lddw') {
      insns.push({ opcode, dst, src, offset, imm, op });
      continue;
    }
    if (i + 1 >= count) throw new DecodeError('TRUNCATED_LDDW', i, 'lddw needs a second slot, but the program ends');
    const t = at + SLOT_SIZE;
    const tailOpcode = view.getUint8(t);
    const tailRegs = view.getUint8(t + 1);
    const tailOffset = view.getInt16(t + 2, true);
    if (tailOpcode !== 0 || tailRegs !== 0 || tailOffset !== 0) {
      throw new DecodeError('BAD_LDDW_TAIL', i + 1,
        `second slot of lddw must have opcode, registers and offset 0 (found opcode 0x${tailOpcode.toString(16)})`);
    }
    const hi = view.getInt32(t + 4, true);
    const imm64 = (BigInt(hi >>> 0) << 32n) | BigInt(imm >>> 0);
    insns.push({ opcode, dst, src, offset, imm, imm64, op }, lddwTail(hi));
    i++;
  }
  if (options.checkJumps ?? true) checkJumps(insns);
  return insns;
}

/**
 * Checks that every jump, local call and function reference of a slot-indexed
 * program lands inside it and not in the middle of a lddw.
 *
 * @throws {DecodeError} JUMP_OUT_OF_RANGE or JUMP_INTO_LDDW.
 */
export function checkJumps(insns: readonly Instruction[]): void {
  insns.forEach((insn, i) => {
    const target = branchTarget(insn, i);
    if (target === undefined) return;
    if (target < 0 || target >= insns.length) {
      throw new DecodeError('JUMP_OUT_OF_RANGE', i,
        `${insn.op.kind === 'call' ? 'call' : 'jump'} to ${target} is outside the program (0–${insns.length - 1})`);
    }
    if (insns[target]!.op.kind === 'lddw-tail') {
      throw new DecodeError('JUMP_INTO_LDDW', i, `jump to ${target} lands in the second half of a lddw`);
    }
  });
}
