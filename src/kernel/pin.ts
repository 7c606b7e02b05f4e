/**
 * Pinning in bpffs: an object stays in the kernel after its last fd closes,
 * under a path of /sys/fs/bpf, until the path is removed.
 */
import { existsSync, readFileSync } from 'node:fs';
import koffi from 'koffi';
import { Cmd } from './constants.js';
import { FileDescriptor } from './fd.js';
import { SyscallError, addressOf, bpf } from './syscall.js';

export const BPFFS = '/sys/fs/bpf';

/** Mounts bpffs at /sys/fs/bpf when it is not mounted (root only). */
export function ensureBpffs(): void {
  const mounts = readFileSync('/proc/mounts', 'utf8');
  if (mounts.split('\n').some((line) => line.split(' ')[1] === BPFFS && line.split(' ')[2] === 'bpf')) return;
  if (!existsSync(BPFFS)) throw new SyscallError(`mount bpffs: ${BPFFS} does not exist`, 2);
  const mount = koffi.load('libc.so.6').func('int mount(const char *source, const char *target, const char *type, unsigned long flags, const void *data)');
  if (mount('bpf', BPFFS, 'bpf', 0, null) !== 0) throw new SyscallError(`mount bpffs at ${BPFFS}`, koffi.errno());
}

/** BPF_OBJ_PIN: pins the object behind `fd` at `path` (inside bpffs). */
export function pin(fd: FileDescriptor, path: string): void {
  ensureBpffs();
  const pathname = Buffer.from(`${path}\0`);
  const attr = Buffer.alloc(16);
  attr.writeBigUInt64LE(addressOf(pathname), 0);
  attr.writeUInt32LE(fd.value, 8);
  bpf(Cmd.OBJ_PIN, attr, `pin ${path}`);
}

/** BPF_OBJ_GET: a new fd for the object pinned at `path`. */
export function openPinned(path: string): number {
  const pathname = Buffer.from(`${path}\0`);
  const attr = Buffer.alloc(16);
  attr.writeBigUInt64LE(addressOf(pathname), 0);
  return bpf(Cmd.OBJ_GET, attr, `open pinned ${path}`);
}
