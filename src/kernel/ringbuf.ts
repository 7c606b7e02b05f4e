/**
 * Reading a BPF ring buffer map of the kernel: its consumer page mapped
 * read-write, its producer page and data (mapped twice, so records never
 * wrap) read-only, as libbpf's ring_buffer does. Records are handed over in
 * order; the consumer position is advanced after each.
 */
import { Worker } from 'node:worker_threads';
import koffi from 'koffi';
import type { KernelMap } from './map.js';
import { SyscallError } from './syscall.js';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const BUSY = 0x8000_0000;
const DISCARD = 0x4000_0000;
const HEADER = 8;
const PAGE = 4096;

interface Mman {
  mmap: (addr: null, length: number, prot: number, flags: number, fd: number, offset: number) => unknown;
  munmap: (addr: unknown, length: number) => number;
}
let mman: Mman | undefined;
function load(): Mman {
  if (mman) return mman;
  const lib = koffi.load('libc.so.6');
  mman = {
    mmap: lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)'),
    munmap: lib.func('int munmap(void *addr, size_t length)'),
  };
  return mman;
}

function map(length: number, prot: number, fd: number, offset: number): { pointer: unknown; bytes: ArrayBuffer } {
  const pointer = load().mmap(null, length, prot, MAP_SHARED, fd, offset);
  if (koffi.address(pointer) === -1n || koffi.address(pointer) === 0xffff_ffff_ffff_ffffn) throw new SyscallError('mmap(ring buffer)', koffi.errno());
  return { pointer, bytes: koffi.view(pointer, length) };
}

export class KernelRingBuffer {
  readonly size: number;
  readonly #consumer: { pointer: unknown; bytes: ArrayBuffer };
  readonly #producer: { pointer: unknown; bytes: ArrayBuffer };
  readonly #consumerView: DataView;
  readonly #producerView: DataView;
  readonly #data: Uint8Array;
  #closed = false;

  constructor(readonly map: KernelMap) {
    if (map.spec.type !== 'ringbuf') throw new TypeError(`map ${map.name} is a ${map.spec.type}, not a ringbuf`);
    this.size = map.spec.maxEntries;
    this.#consumer = mapPages(PAGE, PROT_READ | PROT_WRITE, map.fd.value, 0);
    this.#producer = mapPages(PAGE + 2 * this.size, PROT_READ, map.fd.value, PAGE);
    this.#consumerView = new DataView(this.#consumer.bytes);
    this.#producerView = new DataView(this.#producer.bytes);
    this.#data = new Uint8Array(this.#producer.bytes, PAGE);
  }

  /**
   * Hands every committed record to `callback` (a copy), in order; a busy
   * record stops the pass. A callback returning a non-zero number stops early.
   * @returns how many records were consumed.
   */
  consume(callback: (data: Uint8Array) => void | number): number {
    if (this.#closed) return 0;
    let consumer = this.#consumerView.getBigUint64(0, true);
    const producer = this.#producerView.getBigUint64(0, true);
    const mask = BigInt(this.size - 1);
    let count = 0;
    while (consumer < producer) {
      const at = Number(consumer & mask);
      const header = this.#data[at]! | (this.#data[at + 1]! << 8) | (this.#data[at + 2]! << 16) | (this.#data[at + 3]! << 24);
      const word = header >>> 0;
      if (word & BUSY) break;
      const length = word & ~(BUSY | DISCARD);
      consumer += BigInt(Math.ceil((length + HEADER) / 8) * 8);
      if (!(word & DISCARD)) {
        const record = this.#data.slice(at + HEADER, at + HEADER + length);
        count++;
        const stop = callback(record);
        this.#consumerView.setBigUint64(0, consumer, true);
        if (typeof stop === 'number' && stop !== 0) return count;
      } else {
        this.#consumerView.setBigUint64(0, consumer, true);
      }
    }
    return count;
  }

  /**
   * Records as they come, until the signal aborts or close(). A worker thread
   * sleeps in epoll_wait on the map and wakes this reader when the kernel
   * signals data, as libbpf's ring_buffer__poll does; nothing polls.
   */
  async *records(options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    const state = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(new URL('./epoll-worker.js', import.meta.url), { workerData: { fd: this.map.fd.value, state: state.buffer } });
    let wake: (() => void) | undefined;
    let signalled = false;
    const onReady = () => {
      signalled = true;
      wake?.();
    };
    const onAbort = () => wake?.();
    worker.on('message', onReady);
    options.signal?.addEventListener('abort', onAbort);
    try {
      while (!this.#closed && !options.signal?.aborted) {
        const batch: Uint8Array[] = [];
        this.consume((r) => void batch.push(r));
        Atomics.store(state, 1, 1);
        Atomics.notify(state, 1);
        yield* batch;
        if (batch.length === 0 && !signalled) await new Promise<void>((resolve) => (wake = resolve));
        signalled = false;
        wake = undefined;
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 1);
      await worker.terminate();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    load().munmap(this.#consumer.pointer, PAGE);
    load().munmap(this.#producer.pointer, PAGE + 2 * this.size);
  }
}

function mapPages(length: number, prot: number, fd: number, offset: number) {
  return map(length, prot, fd, offset);
}
