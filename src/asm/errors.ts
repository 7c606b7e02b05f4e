/** Errors of the assembler, always with the line and column of the fault. */

export type AsmErrorCode =
  | 'SYNTAX'
  | 'UNKNOWN_MNEMONIC'
  | 'BAD_REGISTER'
  | 'IMMEDIATE_RANGE'
  | 'OFFSET_RANGE'
  | 'UNDEFINED_LABEL'
  | 'DUPLICATE_LABEL'
  | 'UNKNOWN_HELPER'
  | 'INVALID_INSTRUCTION'
  | 'JUMP_OUT_OF_RANGE';

/**
 * Source text that does not assemble.
 *
 * `line` and `column` are 1-based; `expected` says what the assembler was
 * looking for where it stopped.
 */
export class AsmError extends Error {
  override readonly name = 'AsmError';
  constructor(
    readonly code: AsmErrorCode,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
  }
}
