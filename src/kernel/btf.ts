/** BTF in the kernel (BPF_BTF_LOAD): type information that programs and maps refer to by fd. */
import { Cmd } from './constants.js';
import { FileDescriptor } from './fd.js';
import { SyscallError, addressOf, bpf } from './syscall.js';

/** The kernel refused a BTF blob; `log` says why. */
export class BtfLoadError extends Error {
  override readonly name = 'BtfLoadError';
  constructor(readonly code: string, readonly log: string) {
    super(`BTF load failed with ${code}${log.trim() ? `:\n\t${log.trim().split('\n').slice(-4).join('\n\t')}` : ''}`);
  }
}

/** BTF loaded into the kernel. */
export class KernelBtf {
  private constructor(readonly fd: FileDescriptor) {}

  /** @throws {BtfLoadError} with the kernel's BTF log. */
  static load(bytes: Uint8Array): KernelBtf {
    const btf = Buffer.from(bytes);
    // The kernel's BTF log lists every type, so a log is asked for only to explain a refusal.
    const attempt = (log?: Buffer) => {
      const attr = Buffer.alloc(32);
      attr.writeBigUInt64LE(addressOf(btf), 0);
      attr.writeUInt32LE(btf.length, 16);
      if (log) {
        attr.writeBigUInt64LE(addressOf(log), 8);
        attr.writeUInt32LE(log.length, 20);
        attr.writeUInt32LE(1, 24);
      }
      return new KernelBtf(new FileDescriptor(bpf(Cmd.BTF_LOAD, attr, 'BPF_BTF_LOAD')));
    };
    try {
      return attempt();
    } catch (error) {
      if (!(error instanceof SyscallError)) throw error;
      const log = Buffer.alloc(Math.min(1 << 26, Math.max(1 << 16, bytes.length * 64)));
      try {
        return attempt(log);
      } catch (again) {
        if (!(again instanceof SyscallError)) throw again;
        const end = log.indexOf(0);
        throw new BtfLoadError(error.code, log.subarray(0, end < 0 ? log.length : end).toString('utf8'));
      }
    }
  }

  close(): void {
    this.fd.close();
  }
}
