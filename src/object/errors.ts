/**
 * Errors of the object loader. Each names where the fault is: the section,
 * the program and the instruction, so a user can find it in
 * `llvm-objdump -dr` output.
 */

export type ObjectErrorCode =
  | 'NOT_BPF'
  | 'BAD_PROGRAM'
  | 'BAD_RELOCATION'
  | 'BAD_MAP_DEFINITION'
  | 'UNKNOWN_SYMBOL'
  | 'UNKNOWN_SECTION'
  | 'BAD_CALL'
  | 'UNRESOLVED_EXTERN'
  | 'CORE_RELOCATION';

export interface ObjectLocation {
  readonly section?: string;
  readonly program?: string;
  /** Instruction index within the section (or the program, once linked). */
  readonly instruction?: number;
  readonly map?: string;
}

export class ObjectError extends Error {
  override readonly name = 'ObjectError';
  constructor(readonly code: ObjectErrorCode, readonly reason: string, readonly location: ObjectLocation = {}) {
    super(`${describe(location)}${reason}`);
  }
}

function describe(l: ObjectLocation): string {
  const parts = [
    l.program !== undefined ? `program ${l.program}` : '',
    l.map !== undefined ? `map ${l.map}` : '',
    l.section !== undefined ? `section ${l.section}` : '',
    l.instruction !== undefined ? `instruction ${l.instruction}` : '',
  ].filter(Boolean);
  return parts.length ? `${parts.join(', ')}: ` : '';
}
