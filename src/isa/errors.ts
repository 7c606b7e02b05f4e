/**
 * Errors of the instruction set: a malformed encoding, always with the index of
 * the instruction slot at fault.
 */

/** Stable codes for the ways an encoding can be malformed. */
export type DecodeErrorCode =
  | 'TRUNCATED'
  | 'UNKNOWN_OPCODE'
  | 'BAD_REGISTER'
  | 'RESERVED_FIELD'
  | 'BAD_IMMEDIATE'
  | 'BAD_OFFSET'
  | 'TRUNCATED_LDDW'
  | 'BAD_LDDW_TAIL'
  | 'JUMP_OUT_OF_RANGE'
  | 'JUMP_INTO_LDDW'
  | 'EMPTY_PROGRAM';

/**
 * A byte sequence that is not a valid BPF program.
 *
 * `index` is the instruction slot (8-byte unit) where decoding failed;
 * `reason` says what was wrong in plain words.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    readonly index: number,
    readonly reason: string,
  ) {
    super(`instruction ${index}: ${reason}`);
  }
}
