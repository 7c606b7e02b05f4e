/**
 * The shape of a CLI command: each lives in its own module under cli/ and is
 * loaded only when asked for, so `tsbpf asm` never pays for the kernel FFI.
 */

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  readonly stdout: { write(text: string | Uint8Array): unknown };
  readonly stderr: { write(text: string | Uint8Array): unknown };
}

/** A command gets its arguments (after its name) and returns the exit code. */
export type Command = (args: string[], io: Io) => Promise<number>;

/** An error the CLI prints as one line, without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs node:util's parseArgs, turning its errors (unknown option, missing value) into usage errors. */
export function parseOptions<T>(parse: () => T, usage: string): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}
