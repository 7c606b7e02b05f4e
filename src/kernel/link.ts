/**
 * Attaching programs in Linux: tracepoints (perf_event_open + a BPF link),
 * raw tracepoints and tp_btf (BPF_RAW_TRACEPOINT_OPEN). Kinds this kernel
 * cannot do (no kprobes; fentry/fexit refused at load) fail with the reason
 * and the alternative.
 */
import { constants, existsSync, openSync, readFileSync } from 'node:fs';
import koffi from 'koffi';
import { Cmd } from './constants.js';
import { FileDescriptor } from './fd.js';
import type { KernelProgram } from './program.js';
import { SymbolType, parseElf } from '../elf/index.js';
import { SyscallError, addressOf, bpf } from './syscall.js';

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
const PERF_TYPE_TRACEPOINT = 2;
const PERF_SAMPLE_RAW = 1 << 10;
const PERF_FLAG_FD_CLOEXEC = 8;
const PERF_EVENT_IOC_ENABLE = 0x2400;
const PERF_EVENT_IOC_DISABLE = 0x2401;
const BPF_PERF_EVENT = 41;
const NR_PERF_EVENT_OPEN: Partial<Record<NodeJS.Architecture, number>> = { x64: 298, arm64: 241 };

export class AttachError extends Error {
  override readonly name = 'AttachError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface Libc {
  perfEventOpen: (nr: number, attr: Buffer, pid: number, cpu: number, group: number, flags: number) => number;
  ioctl: (fd: number, request: number, arg: number) => number;
}
let libc: Libc | undefined;
function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    perfEventOpen: lib.func('long syscall(long nr, void *attr, int pid, int cpu, int group_fd, unsigned long flags)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, unsigned long arg)'),
  };
  return libc;
}

/** The directory tracefs is mounted on; mounted at /sys/kernel/tracing first when it is not (root only). */
export function tracefs(): string {
  let dir = TRACEFS.find((d) => existsSync(`${d}/events`));
  if (!dir && existsSync(TRACEFS[0]!)) {
    const mount = koffi.load('libc.so.6').func('int mount(const char *source, const char *target, const char *type, unsigned long flags, const void *data)');
    if (mount('tracefs', TRACEFS[0]!, 'tracefs', 0, null) === 0) dir = TRACEFS[0];
  }
  if (!dir) throw new AttachError('NO_TRACEFS', 'tracefs is not mounted and could not be (mount -t tracefs nodev /sys/kernel/tracing as root)');
  return dir;
}

/** An attachment; close() detaches. */
export class KernelLink {
  constructor(readonly target: string, readonly fds: readonly FileDescriptor[]) {}

  close(): void {
    for (const fd of this.fds) fd.close();
  }
}

/**
 * Attaches a tracepoint program to `category/name` (e.g. `syscalls/sys_enter_openat`).
 * @throws AttachError when the tracepoint does not exist; SyscallError from the kernel.
 */
export function attachTracepoint(program: KernelProgram, category: string, name: string): KernelLink {
  const idFile = `${tracefs()}/events/${category}/${name}/id`;
  if (!existsSync(idFile)) throw new AttachError('NO_TRACEPOINT', `no tracepoint ${category}/${name} (see ${tracefs()}/available_events)`);
  const id = Number(readFileSync(idFile, 'utf8').trim());
  const attr = Buffer.alloc(128);
  attr.writeUInt32LE(PERF_TYPE_TRACEPOINT, 0);
  attr.writeUInt32LE(attr.length, 4);
  attr.writeBigUInt64LE(BigInt(id), 8);
  attr.writeBigUInt64LE(1n, 16); // sample_period
  attr.writeBigUInt64LE(BigInt(PERF_SAMPLE_RAW), 24);
  attr.writeUInt32LE(1, 48); // wakeup_events
  const nr = NR_PERF_EVENT_OPEN[process.arch];
  if (nr === undefined) throw new AttachError('UNSUPPORTED_ARCH', `perf_event_open on ${process.arch}`);
  const pfd = Number(load().perfEventOpen(nr, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC));
  if (pfd < 0) throw new SyscallError(`perf_event_open(tracepoint ${category}/${name})`, koffi.errno());
  return linkPerfEvent(program, pfd, `tracepoint/${category}/${name}`);
}

/** Attaches a raw_tracepoint program to `name`, or a tp_btf/tracing program to the target it was loaded for (name omitted). */
export function attachRawTracepoint(program: KernelProgram, name?: string): KernelLink {
  const nameBuffer = name === undefined ? undefined : Buffer.from(`${name}\0`, 'latin1');
  const attr = Buffer.alloc(16);
  attr.writeBigUInt64LE(nameBuffer ? addressOf(nameBuffer) : 0n, 0);
  attr.writeUInt32LE(program.fd.value, 8);
  const fd = bpf(Cmd.RAW_TRACEPOINT_OPEN, attr, `BPF_RAW_TRACEPOINT_OPEN(${name ?? program.name})`);
  return new KernelLink(name === undefined ? `tp_btf ${program.name}` : `raw_tracepoint/${name}`, [new FileDescriptor(fd)]);
}

/**
 * The file offset of a function symbol in an ELF binary or library, as uprobes
 * want it: the symbol's address translated through the section holding it.
 */
export function symbolFileOffset(binary: string, symbol: string): number {
  const elf = parseElf(readFileSync(binary));
  const tables = elf.sections.filter((s) => s.name === '.dynsym' || s.name === '.symtab');
  for (const table of tables) {
    for (const sym of elf.symbols(table)) {
      if (sym.name !== symbol && !sym.name.startsWith(`${symbol}@`)) continue;
      if (sym.type !== SymbolType.FUNC && sym.type !== 10 /* STT_GNU_IFUNC */) continue;
      const section = elf.sections[sym.sectionIndex];
      if (!section || section.index === 0) continue;
      return sym.value - Number(section.addr) + section.offset;
    }
  }
  throw new AttachError('NO_SYMBOL', `no function ${symbol} in ${binary}`);
}

/**
 * Attaches a kprobe-type program to a function of a user binary or library
 * (uprobe), or to its return (uretprobe). `pid` -1 (the default) probes every
 * process that maps the file.
 */
export function attachUprobe(program: KernelProgram, binary: string, target: string | number, options: { retprobe?: boolean; pid?: number } = {}): KernelLink {
  const typeFile = '/sys/bus/event_source/devices/uprobe/type';
  if (!existsSync(typeFile)) throw new AttachError('NOT_SUPPORTED', 'this kernel has no uprobe event source');
  const type = Number(readFileSync(typeFile, 'utf8').trim());
  const offset = typeof target === 'number' ? target : symbolFileOffset(binary, target);
  const path = Buffer.from(`${binary}\0`);
  const attr = Buffer.alloc(128);
  attr.writeUInt32LE(type, 0);
  attr.writeUInt32LE(attr.length, 4);
  attr.writeBigUInt64LE(options.retprobe ? 1n : 0n, 8); // config bit 0: retprobe
  attr.writeBigUInt64LE(1n, 16);
  attr.writeBigUInt64LE(addressOf(path), 56); // config1: path
  attr.writeBigUInt64LE(BigInt(offset), 64); // config2: offset
  const nr = NR_PERF_EVENT_OPEN[process.arch];
  if (nr === undefined) throw new AttachError('UNSUPPORTED_ARCH', `perf_event_open on ${process.arch}`);
  const pid = options.pid ?? -1;
  const pfd = Number(load().perfEventOpen(nr, attr, pid, pid === -1 ? 0 : -1, -1, PERF_FLAG_FD_CLOEXEC));
  if (pfd < 0) throw new SyscallError(`perf_event_open(uprobe ${binary}:${target})`, koffi.errno());
  return linkPerfEvent(program, pfd, `${options.retprobe ? 'uretprobe' : 'uprobe'}/${binary}:${target}`);
}

/** A BPF link from a program to an open perf event, enabled. */
function linkPerfEvent(program: KernelProgram, pfd: number, target: string): KernelLink {
  const perf = new FileDescriptor(pfd);
  try {
    const link = Buffer.alloc(32);
    link.writeUInt32LE(program.fd.value, 0);
    link.writeUInt32LE(pfd, 4);
    link.writeUInt32LE(BPF_PERF_EVENT, 8);
    const linkFd = new FileDescriptor(bpf(Cmd.LINK_CREATE, link, `BPF_LINK_CREATE(${target})`));
    if (load().ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
      linkFd.close();
      throw new SyscallError('ioctl(PERF_EVENT_IOC_ENABLE)', koffi.errno());
    }
    return new KernelLink(target, [linkFd, perf]);
  } catch (e) {
    load().ioctl(pfd, PERF_EVENT_IOC_DISABLE, 0);
    perf.close();
    throw e;
  }
}

const ATTACH = { xdp: 37, tcx_ingress: 46, tcx_egress: 47, cgroup_inet_ingress: 0, cgroup_inet_egress: 1 } as const;

/** BPF_LINK_CREATE for links whose target is an ifindex or an fd. */
function linkCreate(program: KernelProgram, target: number, attachType: number, flags: number, what: string): KernelLink {
  const attr = Buffer.alloc(48);
  attr.writeUInt32LE(program.fd.value, 0);
  attr.writeUInt32LE(target, 4);
  attr.writeUInt32LE(attachType, 8);
  attr.writeUInt32LE(flags, 12);
  return new KernelLink(what, [new FileDescriptor(bpf(Cmd.LINK_CREATE, attr, `BPF_LINK_CREATE(${what})`))]);
}

/** The index of a network interface, from sysfs. */
export function interfaceIndex(name: string): number {
  const file = `/sys/class/net/${name}/ifindex`;
  if (!existsSync(file)) throw new AttachError('NO_INTERFACE', `no network interface ${name} in this network namespace`);
  return Number(readFileSync(file, 'utf8').trim());
}

/** XDP on an interface (native mode where the driver has it, `generic` to force the skb path). */
export function attachXdp(program: KernelProgram, iface: string | number, options: { mode?: 'native' | 'generic' } = {}): KernelLink {
  const ifindex = typeof iface === 'number' ? iface : interfaceIndex(iface);
  const XDP_FLAGS_SKB_MODE = 2;
  return linkCreate(program, ifindex, ATTACH.xdp, options.mode === 'generic' ? XDP_FLAGS_SKB_MODE : 0, `xdp on ${iface}`);
}

/** A tc program on an interface's ingress or egress through tcx (Linux ≥ 6.6). */
export function attachTcx(program: KernelProgram, iface: string | number, direction: 'ingress' | 'egress'): KernelLink {
  const ifindex = typeof iface === 'number' ? iface : interfaceIndex(iface);
  return linkCreate(program, ifindex, direction === 'ingress' ? ATTACH.tcx_ingress : ATTACH.tcx_egress, 0, `tcx ${direction} on ${iface}`);
}

/** A cgroup_skb program on a cgroup (a directory of a cgroup v2 hierarchy). */
export function attachCgroupSkb(program: KernelProgram, cgroupPath: string, direction: 'ingress' | 'egress'): KernelLink {
  let fd: number;
  try {
    fd = openSync(cgroupPath, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    throw new AttachError('NO_CGROUP', `cannot open cgroup ${cgroupPath}: ${(e as Error).message}`);
  }
  const cgroup = new FileDescriptor(fd);
  try {
    const link = linkCreate(program, fd, direction === 'ingress' ? ATTACH.cgroup_inet_ingress : ATTACH.cgroup_inet_egress, 0, `cgroup_skb/${direction} on ${cgroupPath}`);
    return new KernelLink(link.target, [...link.fds, cgroup]);
  } catch (e) {
    cgroup.close();
    throw e;
  }
}

/**
 * A perf_event program sampling CPU time: one perf event per CPU (software
 * cpu-clock at `frequency` Hz), each linked to the program.
 */
export function attachPerfEvent(program: KernelProgram, options: { frequency?: number; cpus?: readonly number[] } = {}): KernelLink {
  const PERF_TYPE_SOFTWARE = 1;
  const PERF_COUNT_SW_CPU_CLOCK = 0;
  const FREQ = 1n << 10n; // attr.freq
  const nr = NR_PERF_EVENT_OPEN[process.arch];
  if (nr === undefined) throw new AttachError('UNSUPPORTED_ARCH', `perf_event_open on ${process.arch}`);
  const cpus = options.cpus ?? onlineCpus();
  const fds: FileDescriptor[] = [];
  try {
    for (const cpu of cpus) {
      const attr = Buffer.alloc(128);
      attr.writeUInt32LE(PERF_TYPE_SOFTWARE, 0);
      attr.writeUInt32LE(attr.length, 4);
      attr.writeBigUInt64LE(BigInt(PERF_COUNT_SW_CPU_CLOCK), 8);
      attr.writeBigUInt64LE(BigInt(options.frequency ?? 99), 16); // sample_freq
      attr.writeBigUInt64LE(FREQ, 40);
      const pfd = Number(load().perfEventOpen(nr, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
      if (pfd < 0) throw new SyscallError(`perf_event_open(cpu-clock on CPU ${cpu})`, koffi.errno());
      const link = linkPerfEvent(program, pfd, `perf_event cpu ${cpu}`);
      fds.push(...link.fds);
    }
  } catch (e) {
    for (const fd of fds) fd.close();
    throw e;
  }
  return new KernelLink(`perf_event cpu-clock on ${cpus.length} CPUs`, fds);
}

/** CPUs online now (`/sys/devices/system/cpu/online`, e.g. `0-3`). */
export function onlineCpus(): number[] {
  const text = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
  return text.split(',').flatMap((part) => {
    const [from, to = from] = part.split('-').map(Number);
    return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
  });
}

/** kprobes: this kernel is built without them; say so and name what works instead. */
export function attachKprobe(_program: KernelProgram, symbol: string): never {
  if (!existsSync(`${tracefs()}/kprobe_events`)) {
    throw new AttachError('NOT_SUPPORTED', `kprobe on ${symbol}: this kernel has no kprobes (CONFIG_KPROBES is off); attach a tracepoint, raw_tp or tp_btf program instead`);
  }
  throw new AttachError('NOT_IMPLEMENTED', `kprobe on ${symbol}: kprobe links are not implemented in tsbpf yet`);
}

/** Attaches a program by its section name, as libbpf's auto-attach does. */
export function attachBySection(program: KernelProgram, section: string): KernelLink {
  let m = /^(?:tracepoint|tp)\/([^/]+)\/(.+)$/.exec(section);
  if (m) return attachTracepoint(program, m[1]!, m[2]!);
  m = /^(?:raw_tracepoint|raw_tp)\/(.+)$/.exec(section);
  if (m) return attachRawTracepoint(program, m[1]!);
  if (section.startsWith('tp_btf/')) return attachRawTracepoint(program);
  m = /^u(ret)?probe\/(.+):([^:+]+)$/.exec(section);
  if (m) return attachUprobe(program, m[2]!, m[3]!, { retprobe: m[1] === 'ret' });
  m = /^k(?:ret)?probe\/(.+)$/.exec(section);
  if (m) attachKprobe(program, m[1]!);
  if (/^f(?:entry|exit|mod_ret)(\.s)?\//.test(section)) {
    throw new AttachError('NOT_PERMITTED', `${section}: fentry/fexit programs are refused by this kernel at load (EPERM); use a tracepoint, raw_tp or tp_btf program`);
  }
  throw new AttachError('NOT_IMPLEMENTED', `attaching section ${section} is not implemented in tsbpf yet (tracepoint, raw_tp and tp_btf are)`);
}
