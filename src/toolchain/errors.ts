/** Why a build failed, as a stable code callers can test. */
export type ToolchainErrorCode =
  /** No clang on PATH (or TSBPF_CLANG points at nothing runnable). */
  | 'CLANG_NOT_FOUND'
  /** clang ran and exited non-zero; `diagnostics` holds its output. */
  | 'COMPILE_FAILED'
  /** No vmlinux.h could be produced (no kernel BTF, or the chosen producer is missing or failed). */
  | 'VMLINUX_UNAVAILABLE'
  /** An option has a value the toolchain does not accept. */
  | 'BAD_OPTION';

/** A failure of the C toolchain, with the file it concerns and, for compile errors, clang's diagnostics. */
export class ToolchainError extends Error {
  override readonly name = 'ToolchainError';
  constructor(
    readonly code: ToolchainErrorCode,
    message: string,
    readonly details: { readonly file?: string; readonly diagnostics?: string; readonly exitCode?: number; readonly cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}
