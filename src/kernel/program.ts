/**
 * Programs in the kernel: BPF_PROG_LOAD with the verifier's log, and
 * BPF_PROG_TEST_RUN.
 */
import { type Instruction, encode } from '../isa/index.js';
import { Cmd, ProgType, type ProgTypeName } from './constants.js';
import type { KernelBtf } from './btf.js';
import { FileDescriptor } from './fd.js';
import { SyscallError, addressOf, bpf } from './syscall.js';

/** How many of the log's last lines a VerifierError message shows. */
const SHOWN_LINES = 6;

/**
 * The kernel refused a program. `log` is the verifier's whole log; the
 * message shows its last lines, which say why, and how many were left out.
 */
export class VerifierError extends Error {
  override readonly name = 'VerifierError';
  readonly code: string;
  constructor(readonly program: string, readonly errno: number, errnoName: string, readonly log: string) {
    const lines = log.trimEnd().split('\n').filter((l) => l !== '');
    const shown = lines.slice(-SHOWN_LINES);
    const omitted = lines.length - shown.length;
    const text = lines.length === 0 ? ' (the kernel wrote no log)' : `:\n${omitted > 0 ? `\t(${omitted} line${omitted === 1 ? '' : 's'} omitted)\n` : ''}${shown.map((l) => `\t${l}`).join('\n')}`;
    super(`program ${program}: load failed with ${errnoName}${text}`);
    this.code = errnoName;
  }
}

/** The kernel does not allow this kind of program here (EPERM with an empty log, as fentry on this kernel). */
export class NotPermittedError extends Error {
  override readonly name = 'NotPermittedError';
  readonly code = 'EPERM';
}

export interface LoadOptions {
  readonly type: ProgTypeName;
  readonly instructions: readonly Instruction[];
  readonly license?: string;
  readonly name?: string;
  /** Verifier log level: 0 (only on failure, at level 1), 1 or 2. */
  readonly logLevel?: 0 | 1 | 2;
  /** Initial log buffer size; it grows when the kernel says the log did not fit (ENOSPC). */
  readonly logSize?: number;
  readonly expectedAttachType?: number;
  readonly attachBtfId?: number;
  /** prog_flags: BPF_F_SLEEPABLE (1 << 4) and friends. */
  readonly flags?: number;
  /** kern_version: only old kernels check it, for kprobes. */
  readonly kernelVersion?: number;
  /** The program's BTF, for func_info and line_info. */
  readonly btf?: KernelBtf;
  /** One record per function: its first instruction (slot) and its BTF FUNC type id. */
  readonly funcInfo?: ReadonlyArray<{ readonly insn: number; readonly typeId: number }>;
  /** Source lines: instruction slot, offsets into the BTF strings of the file name and the line's text, line and column. */
  readonly lineInfo?: ReadonlyArray<{ readonly insn: number; readonly fileName: number; readonly lineText: number; readonly line: number; readonly column: number }>;
}

export interface TestRunOptions {
  readonly data?: Uint8Array;
  /** Room for the data the program leaves (default: input size + 256). */
  readonly dataOutSize?: number;
  readonly ctx?: Uint8Array;
  readonly ctxOutSize?: number;
  readonly repeat?: number;
}

export interface TestRunResult {
  readonly retval: number;
  readonly data: Uint8Array;
  readonly ctx: Uint8Array;
  /** Mean time per run, in ns, as the kernel measured it. */
  readonly durationNs: number;
}

const MAX_LOG = 1 << 30;

/** func_info and line_info records as the kernel reads them (8 and 16 bytes). */
function infoRecords(options: LoadOptions): { func: Buffer; line: Buffer } {
  const func = Buffer.alloc(8 * (options.funcInfo?.length ?? 0));
  options.funcInfo?.forEach((f, i) => {
    func.writeUInt32LE(f.insn, i * 8);
    func.writeUInt32LE(f.typeId, i * 8 + 4);
  });
  const line = Buffer.alloc(16 * (options.lineInfo?.length ?? 0));
  options.lineInfo?.forEach((l, i) => {
    line.writeUInt32LE(l.insn, i * 16);
    line.writeUInt32LE(l.fileName, i * 16 + 4);
    line.writeUInt32LE(l.lineText, i * 16 + 8);
    line.writeUInt32LE(((l.line << 10) | (l.column & 0x3ff)) >>> 0, i * 16 + 12);
  });
  return { func, line };
}

function loadAttr(options: LoadOptions, insns: Buffer, license: Buffer, log: Buffer, logLevel: number, info: { func: Buffer; line: Buffer }): Buffer {
  const attr = Buffer.alloc(144);
  attr.writeUInt32LE(ProgType[options.type], 0);
  attr.writeUInt32LE(insns.length / 8, 4);
  attr.writeBigUInt64LE(addressOf(insns), 8);
  attr.writeBigUInt64LE(addressOf(license), 16);
  attr.writeUInt32LE(logLevel, 24);
  attr.writeUInt32LE(logLevel ? log.length : 0, 28);
  attr.writeBigUInt64LE(logLevel ? addressOf(log) : 0n, 32);
  attr.writeUInt32LE(options.kernelVersion ?? 0, 40);
  attr.writeUInt32LE(options.flags ?? 0, 44);
  Buffer.from((options.name ?? '').slice(0, 15), 'latin1').copy(attr, 48);
  attr.writeUInt32LE(options.expectedAttachType ?? 0, 68);
  attr.writeUInt32LE(options.attachBtfId ?? 0, 108);
  if (options.btf) {
    attr.writeUInt32LE(options.btf.fd.value, 72);
    if (info.func.length) {
      attr.writeUInt32LE(8, 76);
      attr.writeBigUInt64LE(addressOf(info.func), 80);
      attr.writeUInt32LE(info.func.length / 8, 88);
    }
    if (info.line.length) {
      attr.writeUInt32LE(16, 92);
      attr.writeBigUInt64LE(addressOf(info.line), 96);
      attr.writeUInt32LE(info.line.length / 16, 104);
    }
  }
  return attr;
}

/** A program loaded in the kernel. */
export class KernelProgram {
  readonly fd: FileDescriptor;
  /** The verifier's log, when one was asked for. */
  readonly log: string;

  private constructor(fd: number, readonly type: ProgTypeName, readonly name: string, log: string) {
    this.fd = new FileDescriptor(fd);
    this.log = log;
  }

  /**
   * Loads a program; the kernel verifies it and JIT-compiles it.
   * @throws {VerifierError} with the verifier's log when the kernel refuses it.
   * @throws {NotPermittedError} when the kernel does not allow the program type here.
   */
  static load(options: LoadOptions): KernelProgram {
    const insns = Buffer.from(encode(options.instructions));
    const license = Buffer.from(`${options.license ?? 'GPL'}\0`, 'latin1');
    const name = options.name ?? '';
    const info = infoRecords(options);
    let logLevel = options.logLevel ?? 0;
    let size = options.logSize ?? 1 << 16;
    for (;;) {
      const log = Buffer.alloc(logLevel ? size : 0);
      try {
        const fd = bpf(Cmd.PROG_LOAD, loadAttr(options, insns, license, log, logLevel, info), `BPF_PROG_LOAD ${name || options.type}`);
        return new KernelProgram(fd, options.type, name, logText(log));
      } catch (error) {
        if (!(error instanceof SyscallError)) throw error;
        if (error.code === 'ENOSPC' && logLevel && size < MAX_LOG) {
          size *= 4;
          continue;
        }
        // Without a log the reason is unknown: load again, asking for one.
        if (logLevel === 0 && error.code !== 'EPERM') {
          logLevel = 1;
          continue;
        }
        const text = logText(log);
        if (error.code === 'EPERM' && text.trim() === '') {
          throw new NotPermittedError(`program ${name || options.type}: the kernel does not permit loading ${options.type} programs here (EPERM with an empty verifier log${options.type === 'tracing' ? '; fentry/fexit need a kernel that allows them — use a tracepoint, raw_tp or tp_btf program instead' : ''})`);
        }
        throw new VerifierError(name || options.type, error.errno, error.code, text);
      }
    }
  }

  /** What the kernel says of this program (BPF_OBJ_GET_INFO_BY_FD): its id, tag and name. */
  info(): { type: number; id: number; tag: string; name: string } {
    const info = Buffer.alloc(256);
    const attr = Buffer.alloc(16);
    attr.writeUInt32LE(this.fd.value, 0);
    attr.writeUInt32LE(info.length, 4);
    attr.writeBigUInt64LE(addressOf(info), 8);
    bpf(Cmd.OBJ_GET_INFO_BY_FD, attr, `get info of program ${this.name || this.type}`);
    const end = info.indexOf(0, 64);
    return {
      type: info.readUInt32LE(0), id: info.readUInt32LE(4), tag: info.subarray(8, 16).toString('hex'),
      name: info.subarray(64, end < 0 || end > 80 ? 80 : end).toString('latin1'),
    };
  }

  /** BPF_PROG_TEST_RUN: runs the program on `data` (and `ctx`) in the kernel. */
  testRun(options: TestRunOptions = {}): TestRunResult {
    const data = Buffer.from(options.data ?? new Uint8Array(0));
    const dataOut = Buffer.alloc(options.dataOutSize ?? data.length + 256);
    const ctx = Buffer.from(options.ctx ?? new Uint8Array(0));
    const ctxOut = Buffer.alloc(options.ctxOutSize ?? (ctx.length ? ctx.length : 0));
    const attr = Buffer.alloc(80);
    attr.writeUInt32LE(this.fd.value, 0);
    attr.writeUInt32LE(data.length, 8);
    attr.writeUInt32LE(dataOut.length, 12);
    attr.writeBigUInt64LE(addressOf(data), 16);
    attr.writeBigUInt64LE(addressOf(dataOut), 24);
    attr.writeUInt32LE(options.repeat ?? 1, 32);
    attr.writeUInt32LE(ctx.length, 40);
    attr.writeUInt32LE(ctxOut.length, 44);
    attr.writeBigUInt64LE(addressOf(ctx), 48);
    attr.writeBigUInt64LE(addressOf(ctxOut), 56);
    bpf(Cmd.PROG_TEST_RUN, attr, `BPF_PROG_TEST_RUN ${this.name || this.type}`);
    return {
      retval: attr.readUInt32LE(4),
      data: new Uint8Array(dataOut.subarray(0, Math.min(attr.readUInt32LE(12), dataOut.length))),
      ctx: new Uint8Array(ctxOut.subarray(0, Math.min(attr.readUInt32LE(44), ctxOut.length))),
      durationNs: attr.readUInt32LE(36),
    };
  }

  /** A new handle on a loaded program by its id (BPF_PROG_GET_FD_BY_ID). */
  static fromId(id: number, type: ProgTypeName): KernelProgram {
    const attr = Buffer.alloc(12);
    attr.writeUInt32LE(id, 0);
    return new KernelProgram(bpf(Cmd.PROG_GET_FD_BY_ID, attr, `get program ${id} by id`), type, '', '');
  }

  close(): void {
    this.fd.close();
  }
}

function logText(log: Buffer): string {
  const end = log.indexOf(0);
  return log.subarray(0, end < 0 ? log.length : end).toString('utf8');
}
