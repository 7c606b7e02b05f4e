/**
 * bpf(2) from TypeScript through koffi (a well-kept FFI whose npm package
 * ships its native binaries, so nothing is compiled at install time).
 */
import koffi from 'koffi';
import { ERRNO_NAMES, NR_BPF } from './constants.js';

/** A failed system call: the errno, its name, and the command that failed. */
export class SyscallError extends Error {
  override readonly name = 'SyscallError';
  readonly code: string;
  constructor(readonly syscall: string, readonly errno: number) {
    const code = ERRNO_NAMES[errno] ?? `E${errno}`;
    super(`${syscall} failed: ${code} (errno ${errno})`);
    this.code = code;
  }
}

interface Libc {
  syscall: (nr: number, cmd: number, attr: Buffer, size: number) => number | bigint;
  close: (fd: number) => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    syscall: lib.func('long syscall(long nr, int cmd, void *attr, unsigned int size)'),
    close: lib.func('int close(int fd)'),
  };
  return libc;
}

/** The address of a buffer's bytes, for pointers inside bpf_attr. */
export function addressOf(buffer: Uint8Array): bigint {
  return buffer.length === 0 ? 0n : BigInt(koffi.address(buffer));
}

/**
 * Calls bpf(cmd, attr, attr.length).
 * @returns the non-negative result (an fd for the commands that create one).
 * @throws {SyscallError} with the errno.
 */
export function bpf(cmd: number, attr: Buffer, what: string): number {
  const nr = NR_BPF[process.arch];
  if (nr === undefined) throw new SyscallError(`${what}: bpf(2) on ${process.arch}`, 38);
  const result = Number(load().syscall(nr, cmd, attr, attr.length));
  if (result < 0) throw new SyscallError(what, koffi.errno());
  return result;
}

/** close(2). */
export function closeFd(fd: number): void {
  load().close(fd);
}
