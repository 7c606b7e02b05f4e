/**
 * Errors that stop a running program. Every one carries a stable `code` and
 * the instruction slot (`index`) at fault, so a caller can point at the line.
 */
import type { Instruction } from '../../isa/index.js';

/** Stable codes of the ways execution can stop abnormally. */
export type VmErrorCode =
  | 'MEMORY_ACCESS'
  | 'BUDGET_EXCEEDED'
  | 'CALL_DEPTH_EXCEEDED'
  | 'UNKNOWN_HELPER'
  | 'UNSUPPORTED_INSTRUCTION'
  | 'PC_OUT_OF_RANGE';

/** Short text for an instruction in messages: its operation and opcode byte. */
export function describeInstruction(insn: Instruction): string {
  const op = insn.op;
  let name: string;
  switch (op.kind) {
    case 'alu': name = `${op.name}${op.width === 32 ? '32' : ''} (${op.operand})`; break;
    case 'endian': name = `${op.order}${op.bits}`; break;
    case 'jump': name = `${op.condition}${op.width === 32 ? '32' : ''} (${op.operand})`; break;
    case 'call': name = `call ${op.target} ${insn.imm}`; break;
    case 'load': name = `ldx${op.signed ? 's' : ''} ${op.size} bytes`; break;
    case 'store': name = `st${op.operand === 'reg' ? 'x' : ''} ${op.size} bytes`; break;
    case 'atomic': name = `atomic ${op.fetch ? 'fetch ' : ''}${op.name} ${op.size} bytes`; break;
    case 'lddw': name = `lddw ${op.pseudo}`; break;
    case 'packet-load': name = `ld${op.mode} ${op.size} bytes`; break;
    default: name = op.kind;
  }
  return `${name}, opcode 0x${insn.opcode.toString(16).padStart(2, '0')}`;
}

/** Base class of every execution error: a stable `code` and the slot `index`. */
export class VmError extends Error {
  override readonly name: string = 'VmError';
  constructor(
    readonly code: VmErrorCode,
    /** Instruction slot at fault (-1 when not tied to one). */
    readonly index: number,
    message: string,
  ) {
    super(index >= 0 ? `instruction ${index}: ${message}` : message);
  }
}

/** A load or store outside every region the program may touch, or a write to a read-only one. */
export class MemoryAccessError extends VmError {
  override readonly name = 'MemoryAccessError';
  constructor(
    index: number,
    /** Unsigned 64-bit address of the first byte accessed. */
    readonly address: bigint,
    readonly size: number,
    readonly access: 'read' | 'write',
    readonly instruction: string,
    reason = 'outside every accessible region',
  ) {
    super('MEMORY_ACCESS', index,
      `invalid ${access} of ${size} byte${size === 1 ? '' : 's'} at 0x${address.toString(16)} (${reason}) [${instruction}]`);
  }
}

/** The program ran more instructions than its budget allows. */
export class BudgetExceededError extends VmError {
  override readonly name = 'BudgetExceededError';
  constructor(index: number, readonly budget: number) {
    super('BUDGET_EXCEEDED', index, `instruction budget of ${budget} exhausted`);
  }
}

/** A bpf-to-bpf call would exceed the frame limit. */
export class CallDepthError extends VmError {
  override readonly name = 'CallDepthError';
  constructor(index: number, readonly limit: number) {
    super('CALL_DEPTH_EXCEEDED', index, `call would exceed ${limit} stack frames`);
  }
}

/** A call names a helper id the table does not have. */
export class UnknownHelperError extends VmError {
  override readonly name = 'UnknownHelperError';
  constructor(index: number, readonly helperId: bigint) {
    super('UNKNOWN_HELPER', index, `unknown helper ${helperId}`);
  }
}

/**
 * An instruction this run cannot execute: a pseudo lddw without a resolver, a
 * kfunc call, a legacy packet load without a packet, a jump into a lddw tail.
 */
export class UnsupportedInstructionError extends VmError {
  override readonly name = 'UnsupportedInstructionError';
  constructor(index: number, readonly instruction: string, reason: string) {
    super('UNSUPPORTED_INSTRUCTION', index, `${reason} [${instruction}]`);
  }
}

/** Execution ran past the last slot without an exit. */
export class PcOutOfRangeError extends VmError {
  override readonly name = 'PcOutOfRangeError';
  constructor(index: number, readonly length: number) {
    super('PC_OUT_OF_RANGE', index, `execution left the program (${length} slots) without exit`);
  }
}
