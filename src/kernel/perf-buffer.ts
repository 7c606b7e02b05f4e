/**
 * Reading a perf event array as libbpf's perf_buffer does: one
 * PERF_COUNT_SW_BPF_OUTPUT event per CPU with an mmapped ring, its fd stored
 * in the map at that CPU's index; bpf_perf_event_output writes samples there.
 * Lost-sample records are counted and reported per CPU.
 */
import koffi from 'koffi';
import { FileDescriptor } from './fd.js';
import { onlineCpus } from './link.js';
import type { KernelMap } from './map.js';
import type { PerfEvent } from '../maps/index.js';
import { SyscallError } from './syscall.js';

const PAGE = 4096;
const PERF_TYPE_SOFTWARE = 1;
const PERF_COUNT_SW_BPF_OUTPUT = 10;
const PERF_SAMPLE_RAW = 1 << 10;
const PERF_FLAG_FD_CLOEXEC = 8;
const PERF_EVENT_IOC_ENABLE = 0x2400;
const PERF_RECORD_LOST = 2;
const PERF_RECORD_SAMPLE = 9;
/** Offsets of data_head and data_tail in the ring's first page (struct perf_event_mmap_page). */
const DATA_HEAD = 1024;
const DATA_TAIL = 1032;
const NR_PERF_EVENT_OPEN: Partial<Record<NodeJS.Architecture, number>> = { x64: 298, arm64: 241 };

interface Libc {
  perfEventOpen: (nr: number, attr: Buffer, pid: number, cpu: number, group: number, flags: number) => number;
  ioctl: (fd: number, request: number, arg: number) => number;
  mmap: (addr: null, length: number, prot: number, flags: number, fd: number, offset: number) => unknown;
  munmap: (addr: unknown, length: number) => number;
}
let libc: Libc | undefined;
function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    perfEventOpen: lib.func('long syscall(long nr, void *attr, int pid, int cpu, int group_fd, unsigned long flags)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, unsigned long arg)'),
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)'),
    munmap: lib.func('int munmap(void *addr, size_t length)'),
  };
  return libc;
}

interface CpuRing {
  readonly cpu: number;
  readonly fd: FileDescriptor;
  readonly pointer: unknown;
  readonly meta: DataView;
  readonly data: Uint8Array;
  lost: number;
}

export class KernelPerfBuffer {
  readonly #rings: CpuRing[] = [];
  readonly #length: number;
  #closed = false;

  /** Opens a ring of `pageCount` pages (a power of two) on each online CPU and stores its fd in `map`. */
  constructor(readonly map: KernelMap, options: { pageCount?: number } = {}) {
    if (map.spec.type !== 'perf_event_array') throw new TypeError(`map ${map.name} is a ${map.spec.type}, not a perf_event_array`);
    const pages = options.pageCount ?? 8;
    if (pages < 1 || (pages & (pages - 1)) !== 0) throw new RangeError(`pageCount ${pages} is not a power of two`);
    this.#length = (pages + 1) * PAGE;
    const nr = NR_PERF_EVENT_OPEN[process.arch];
    if (nr === undefined) throw new SyscallError(`perf_event_open on ${process.arch}`, 38);
    try {
      for (const cpu of onlineCpus().filter((c) => c < map.spec.maxEntries)) {
        const attr = Buffer.alloc(128);
        attr.writeUInt32LE(PERF_TYPE_SOFTWARE, 0);
        attr.writeUInt32LE(attr.length, 4);
        attr.writeBigUInt64LE(BigInt(PERF_COUNT_SW_BPF_OUTPUT), 8);
        attr.writeBigUInt64LE(1n, 16);
        attr.writeBigUInt64LE(BigInt(PERF_SAMPLE_RAW), 24);
        attr.writeUInt32LE(1, 48); // wakeup_events
        const pfd = Number(load().perfEventOpen(nr, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
        if (pfd < 0) throw new SyscallError(`perf_event_open(bpf-output on CPU ${cpu})`, koffi.errno());
        const fd = new FileDescriptor(pfd);
        const pointer = load().mmap(null, this.#length, 3 /* read | write */, 1 /* shared */, pfd, 0);
        if (koffi.address(pointer) === 0xffff_ffff_ffff_ffffn) {
          fd.close();
          throw new SyscallError(`mmap(perf ring on CPU ${cpu})`, koffi.errno());
        }
        const bytes = koffi.view(pointer, this.#length);
        this.#rings.push({ cpu, fd, pointer, meta: new DataView(bytes, 0, PAGE), data: new Uint8Array(bytes, PAGE), lost: 0 });
        load().ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0);
        map.update(new Uint8Array(Uint32Array.of(cpu).buffer), new Uint8Array(Uint32Array.of(pfd).buffer));
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /**
   * Hands every sample to `onSample(cpu, data)` and lost counts to `onLost(cpu, n)`, ring by ring.
   * @returns the number of samples.
   */
  read(onSample: (cpu: number, data: Uint8Array) => void, onLost?: (cpu: number, count: number) => void): number {
    let samples = 0;
    if (this.#closed) return 0;
    for (const ring of this.#rings) {
      const size = ring.data.length;
      const head = ring.meta.getBigUint64(DATA_HEAD, true);
      let tail = ring.meta.getBigUint64(DATA_TAIL, true);
      while (tail < head) {
        const at = Number(tail % BigInt(size));
        const bytes = (from: number, n: number) => {
          const out = new Uint8Array(n);
          for (let i = 0; i < n; i++) out[i] = ring.data[(from + i) % size]!;
          return out;
        };
        const header = new DataView(bytes(at, 8).buffer);
        const type = header.getUint32(0, true);
        const length = header.getUint16(6, true);
        if (length < 8) break;
        if (type === PERF_RECORD_SAMPLE) {
          const raw = new DataView(bytes(at + 8, 4).buffer).getUint32(0, true);
          onSample(ring.cpu, bytes(at + 12, raw));
          samples++;
        } else if (type === PERF_RECORD_LOST) {
          const lost = Number(new DataView(bytes(at + 16, 8).buffer).getBigUint64(0, true));
          ring.lost += lost;
          onLost?.(ring.cpu, lost);
        }
        tail += BigInt(length);
      }
      ring.meta.setBigUint64(DATA_TAIL, tail, true);
    }
    return samples;
  }

  /** Samples and lost-sample notices as they come (the userspace reader's shape), polled every `intervalMs` (default 10) until the signal aborts or close(). */
  async *records(options: { signal?: AbortSignal; intervalMs?: number } = {}): AsyncGenerator<PerfEvent> {
    while (!this.#closed && !options.signal?.aborted) {
      const batch: PerfEvent[] = [];
      this.read((cpu, data) => void batch.push({ type: 'sample', cpu, data }), (cpu, count) => void batch.push({ type: 'lost', cpu, count }));
      yield* batch;
      if (batch.length === 0) await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
    }
  }

  /** Samples lost on a CPU so far (the kernel's PERF_RECORD_LOST counts, once read). */
  lost(cpu: number): number {
    return this.#rings.find((r) => r.cpu === cpu)?.lost ?? 0;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ring of this.#rings) {
      load().munmap(ring.pointer, this.#length);
      ring.fd.close();
    }
  }
}
