/** Whether bpf(2) can be used here, and why not. */
import { encode, make } from '../isa/index.js';
import { Cmd, ProgType } from './constants.js';
import { closeFd, addressOf, bpf, SyscallError } from './syscall.js';

export interface Permission {
  readonly permitted: boolean;
  /** Why not, in words, when it is not. */
  readonly reason?: string;
}

let cached: Permission | undefined;

/** Loads the smallest socket filter (`r0 = 0; exit`) once to see whether bpf(2) works. */
export function bpfPermission(): Permission {
  if (cached) return cached;
  try {
    const insns = Buffer.from(encode([make(0xb7, 0, 0, 0, 0), make(0x95, 0, 0, 0, 0)]));
    const license = Buffer.from('GPL\0');
    const attr = Buffer.alloc(144);
    attr.writeUInt32LE(ProgType.socket_filter, 0);
    attr.writeUInt32LE(2, 4);
    attr.writeBigUInt64LE(addressOf(insns), 8);
    attr.writeBigUInt64LE(addressOf(license), 16);
    closeFd(bpf(Cmd.PROG_LOAD, attr, 'probe'));
    cached = { permitted: true };
  } catch (error) {
    const code = error instanceof SyscallError ? error.code : (error as Error).message;
    const why: Record<string, string> = {
      EPERM: `bpf(2) is not permitted (EPERM): run as root or with CAP_BPF${process.getuid?.() === 0 ? '; even root is refused here, so the kernel forbids it' : ''}`,
      ENOSYS: 'bpf(2) does not exist on this kernel (ENOSYS)',
    };
    cached = { permitted: false, reason: why[code] ?? `bpf(2) failed: ${code}` };
  }
  return cached;
}
