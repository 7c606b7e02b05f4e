/** Why the verifier refused a program. */
export type VerifierErrorCode =
  | 'EMPTY_PROGRAM' | 'JUMP_OUT_OF_RANGE' | 'JUMP_INTO_LDDW' | 'FALL_OFF_END' | 'UNREACHABLE' | 'TOO_LARGE'
  | 'UNINIT_REGISTER' | 'FRAME_POINTER_WRITE' | 'INVALID_MEMORY_ACCESS' | 'INVALID_STACK_ACCESS'
  | 'INVALID_CTX_ACCESS' | 'POINTER_ARITHMETIC' | 'UNKNOWN_HELPER' | 'HELPER_ARGUMENT' | 'CALL_TOO_DEEP'
  | 'STACK_TOO_DEEP' | 'RETURN_VALUE' | 'INFINITE_LOOP' | 'COMPLEXITY_LIMIT' | 'DIVISION' | 'INVALID_MAP' | 'UNRELEASED_REFERENCE' | 'MISSING_BTF' | 'SPIN_LOCK' | 'UNSUPPORTED';

/** One branch on the path to a fault: the jump at `from` went to `to`. */
export interface PathStep {
  readonly from: number;
  readonly to: number;
}

/**
 * The verifier refused the program. `message` states the broken rule in a
 * sentence; `kernelMessage` is the line Linux would print for it; the
 * instruction, its disassembly, the state there and the path leading to it
 * locate the fault.
 */
/** Where an instruction came from in the C source (BTF line info). */
export interface SourceLine {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

export class VerifierError extends Error {
  override readonly name = 'VerifierError';
  /** The C line of the faulting instruction, when the program came with BTF line info. */
  source?: SourceLine;
  constructor(
    readonly code: VerifierErrorCode,
    /** The kernel's wording, e.g. `R2 !read_ok`. */
    readonly kernelMessage: string,
    /** The rule in plain words. */
    readonly explanation: string,
    /** Instruction slot, or -1 for whole-program faults. */
    readonly insn: number,
    readonly disassembly = '',
    /** Register and stack state at the fault, kernel-log style. */
    readonly state = '',
    readonly path: readonly PathStep[] = [],
  ) {
    super(VerifierError.describe(code, kernelMessage, explanation, insn, disassembly, state, path));
  }

  /** Records the C line of the faulting instruction and shows it in the message. */
  locate(source: SourceLine): this {
    this.source = source;
    this.message += `\n  source: ${source.file}:${source.line}:${source.column}: ${source.text.trim()}`;
    return this;
  }

  private static describe(
    code: string, kernel: string, explanation: string, insn: number, disasm: string, state: string, path: readonly PathStep[],
  ): string {
    const lines = [`${explanation} [${code}] (kernel: "${kernel}")`];
    if (insn >= 0) lines.push(`  at ${insn}: ${disasm}`);
    if (state) lines.push(`  state: ${state}`);
    if (path.length) lines.push(`  path: ${path.map((s) => `${s.from}->${s.to}`).join(', ')}`);
    return lines.join('\n');
  }
}
