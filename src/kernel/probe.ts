/** Whether bpf(2) can be used here, and why not. */
import { encode, make } from '../isa/index.js';
import { Cmd, MapType, type MapTypeName, ProgType, type ProgTypeName } from './constants.js';
import { KernelMap, MapError } from './map.js';
import { KernelProgram, NotPermittedError, VerifierError } from './program.js';
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

const RETURN_ZERO = [make(0xb7, 0, 0, 0, 0), make(0x95, 0, 0, 0, 0)];

/**
 * Whether the running kernel loads programs of `type` (a two-instruction
 * program; types that need an attach target, like tracing, are not probed this way).
 */
export function supportsProgramType(type: Exclude<ProgTypeName, 'tracing'>): boolean {
  try {
    KernelProgram.load({ type, instructions: RETURN_ZERO }).close();
    return true;
  } catch (error) {
    if (error instanceof VerifierError || error instanceof NotPermittedError) return false;
    throw error;
  }
}

/** Whether the running kernel creates maps of `type` (with the smallest valid definition). */
export function supportsMapType(type: Exclude<MapTypeName, 'array_of_maps' | 'hash_of_maps'>): boolean {
  const shapes: Partial<Record<MapTypeName, { keySize: number; valueSize: number; maxEntries: number; flags?: number }>> = {
    ringbuf: { keySize: 0, valueSize: 0, maxEntries: 4096 },
    queue: { keySize: 0, valueSize: 4, maxEntries: 1 },
    stack: { keySize: 0, valueSize: 4, maxEntries: 1 },
    bloom_filter: { keySize: 0, valueSize: 4, maxEntries: 1 },
    lpm_trie: { keySize: 8, valueSize: 4, maxEntries: 1, flags: 1 },
  };
  try {
    KernelMap.create({ type, ...(shapes[type] ?? { keySize: 4, valueSize: 4, maxEntries: 1 }) }).close();
    return true;
  } catch (error) {
    if (error instanceof MapError) return false;
    throw error;
  }
}

/**
 * Whether programs of `type` may call helper `id` here: the verifier names an
 * unknown or forbidden helper before it checks any argument, so any other
 * refusal means the helper exists for this type.
 */
export function supportsHelper(type: Exclude<ProgTypeName, 'tracing'>, id: number): boolean {
  const program = [make(0x85, 0, 0, 0, id), ...RETURN_ZERO];
  try {
    KernelProgram.load({ type, instructions: program, logLevel: 1 }).close();
    return true;
  } catch (error) {
    if (error instanceof VerifierError) return !/invalid func|unknown func|cannot use helper|cannot call|helper call is not allowed/.test(error.log);
    if (error instanceof NotPermittedError) return false;
    throw error;
  }
}

export { MapType, ProgType };
