/** Raised when the scalar domain is asked for an operation the ISA does not have. */
export class ScalarOperationError extends Error {
  /** Stable code for callers and tests. */
  readonly code = 'SCALAR_BAD_OPERATION';
  override readonly name = 'ScalarOperationError';
}
