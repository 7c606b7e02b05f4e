/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: an array of u32 "perf event fds", one per
 * CPU, each owning a perf ring buffer the user maps and reads; programs write
 * samples with bpf_perf_event_output.
 *
 * There are no perf events here, so a reader plays libbpf's perf_buffer: it
 * opens one PERF_COUNT_SW_BPF_OUTPUT "event" per CPU (a buffer with an id that
 * stands in for its fd), installs it at index = cpu, and reads the records.
 * Each buffer is laid out as the kernel's perf mmap: a metadata page (struct
 * perf_event_mmap_page, of which data_head, data_tail, data_offset and
 * data_size at their real offsets are kept) followed by 2^n data pages. The
 * ring is not double-mapped, so records wrap byte by byte, as in perf.
 *
 * Records are perf's: PERF_RECORD_SAMPLE with sample_type PERF_SAMPLE_RAW
 * (header, u32 size, data padded so the record is 8-byte aligned), and
 * PERF_RECORD_LOST { header, u64 id, u64 lost } emitted before the next
 * sample that fits after some were dropped.
 */
import type { AddressSpace, Region } from '../memory/index.js';
import {
  Errno, MapFlags, MapOperationError, MapSpecError, UpdateFlag, type BpfMap, type MapContext, type MapSpec,
} from './map.js';

/** Low 32 bits of bpf_perf_event_output's flags: the array index. */
export const BPF_F_INDEX_MASK = 0xffff_ffffn;
/** The index meaning "the CPU the program runs on". */
export const BPF_F_CURRENT_CPU = 0xffff_ffffn;
/** Perf record types (enum perf_event_type). */
export const PERF_RECORD_LOST = 2;
export const PERF_RECORD_SAMPLE = 9;

const PAGE_SIZE = 4096;
/** Offsets in struct perf_event_mmap_page. */
const DATA_HEAD = 1024;
const DATA_TAIL = 1032;
const DATA_OFFSET = 1040;
const DATA_SIZE = 1048;
const HEADER_SIZE = 8;
const LOST_RECORD_SIZE = 24;
/** perf_event_header.size is a u16. */
const MAX_RECORD_SIZE = 0xffff & ~7;
/** Flags the kernel accepts at create for this type (array flags, PRESERVE_ELEMS; no MMAPABLE/INNER_MAP). */
const BPF_F_PRESERVE_ELEMS = 1 << 11;
const CREATE_FLAGS = MapFlags.NUMA_NODE | MapFlags.RDONLY | MapFlags.WRONLY | BPF_F_PRESERVE_ELEMS;

export type PerfSampleCallback = (cpu: number, data: Uint8Array) => void;
export type PerfLostCallback = (cpu: number, count: number) => void;

/** An event the async iterator yields: a sample, or a lost-samples notice, per CPU, in ring order. */
export type PerfEvent =
  | { readonly type: 'sample'; readonly cpu: number; readonly data: Uint8Array }
  | { readonly type: 'lost'; readonly cpu: number; readonly count: number };

export interface OpenReaderOptions {
  /** Data pages per CPU, a power of 2 (libbpf's page_cnt); default 8. */
  readonly pageCount?: number;
}

let nextBufferId = 1000;

/** One CPU's BPF output "event": a perf ring in the address space. */
export class PerfBuffer {
  /** Stands in for the perf event's fd: the value stored in the array. */
  readonly id = nextBufferId++;
  /** Samples dropped because the ring was full (the event's lost_samples). */
  lostTotal = 0;
  /** Dropped and not yet reported by a PERF_RECORD_LOST (the ring's `lost`). */
  lostPending = 0;
  closed = false;

  constructor(
    readonly space: AddressSpace,
    readonly cpu: number,
    readonly region: Region,
    readonly dataSize: number,
  ) {
    const view = space.view;
    view.setBigUint64(region.start + DATA_OFFSET, BigInt(PAGE_SIZE), true);
    view.setBigUint64(region.start + DATA_SIZE, BigInt(dataSize), true);
  }

  get metaAddress(): number { return this.region.start; }
  get dataAddress(): number { return this.region.start + PAGE_SIZE; }
  get head(): number { return Number(this.space.view.getBigUint64(this.region.start + DATA_HEAD, true)); }
  set head(v: number) { this.space.view.setBigUint64(this.region.start + DATA_HEAD, BigInt(v), true); }
  get tail(): number { return Number(this.space.view.getBigUint64(this.region.start + DATA_TAIL, true)); }
  set tail(v: number) { this.space.view.setBigUint64(this.region.start + DATA_TAIL, BigInt(v), true); }

  /** Copies into the ring at position `pos`, wrapping. */
  #put(pos: number, src: Uint8Array): void {
    const bytes = this.space.bytes;
    const offset = pos % this.dataSize;
    const first = Math.min(src.length, this.dataSize - offset);
    bytes.set(src.subarray(0, first), this.dataAddress + offset);
    if (first < src.length) bytes.set(src.subarray(first), this.dataAddress);
  }

  /** Copies out of the ring at position `pos`, wrapping; a view when it does not wrap. */
  get(pos: number, length: number): Uint8Array {
    const bytes = this.space.bytes;
    const offset = pos % this.dataSize;
    const start = this.dataAddress + offset;
    if (offset + length <= this.dataSize) return bytes.subarray(start, start + length);
    const out = new Uint8Array(length);
    const first = this.dataSize - offset;
    out.set(bytes.subarray(start, start + first));
    out.set(bytes.subarray(this.dataAddress, this.dataAddress + length - first), first);
    return out;
  }

  /** perf_output_begin + the sample, or -ENOSPC with the sample counted as lost. */
  write(sample: Uint8Array): number {
    const rawSize = ((sample.length + 4 + 7) & ~7) - 4;
    const recordSize = HEADER_SIZE + 4 + rawSize;
    const total = recordSize + (this.lostPending > 0 ? LOST_RECORD_SIZE : 0);
    let head = this.head;
    const tail = this.tail;
    // CIRC_SPACE: the kernel keeps one byte free so head == tail means empty.
    const space = (((tail - (head + 1)) % this.dataSize) + this.dataSize) % this.dataSize;
    if (space < total) {
      this.lostPending++;
      this.lostTotal++;
      return -Errno.ENOSPC;
    }
    if (this.lostPending > 0) {
      const lost = new Uint8Array(LOST_RECORD_SIZE);
      const v = new DataView(lost.buffer);
      v.setUint32(0, PERF_RECORD_LOST, true);
      v.setUint16(6, LOST_RECORD_SIZE, true);
      v.setBigUint64(8, BigInt(this.id), true);
      v.setBigUint64(16, BigInt(this.lostPending), true);
      this.#put(head, lost);
      head += LOST_RECORD_SIZE;
      this.lostPending = 0;
    }
    // The kernel skips the padding, leaving stale bytes; zeroing it keeps output deterministic.
    const record = new Uint8Array(recordSize);
    const v = new DataView(record.buffer);
    v.setUint32(0, PERF_RECORD_SAMPLE, true);
    v.setUint16(6, recordSize, true);
    v.setUint32(8, rawSize, true);
    record.set(sample, 12);
    this.#put(head, record);
    this.head = head + recordSize;
    return 0;
  }
}

/** The user's side of a perf event array: one buffer per CPU, as libbpf's perf_buffer. */
export class PerfReader {
  readonly buffers: readonly PerfBuffer[];
  #waiters: Array<() => void> = [];

  constructor(readonly map: PerfEventArray, buffers: PerfBuffer[]) {
    this.buffers = buffers;
  }

  /** The buffer of a CPU, if this reader has one for it. */
  buffer(cpu: number): PerfBuffer | undefined {
    return this.buffers.find((b) => b.cpu === cpu);
  }

  /** Samples of `cpu` dropped because its ring was full, reported or not. */
  lost(cpu: number): number {
    return this.buffer(cpu)?.lostTotal ?? 0;
  }

  /**
   * Reads every record of every CPU's ring, CPU by CPU, each in ring order:
   * samples go to `onSample` (the raw data, padded to perf's 8-byte record
   * alignment as libbpf hands it over; a view valid during the call),
   * PERF_RECORD_LOST to `onLost`. Returns the number of samples.
   */
  read(onSample: PerfSampleCallback, onLost?: PerfLostCallback): number {
    let samples = 0;
    for (const buffer of this.buffers) {
      if (buffer.closed) continue;
      let tail = buffer.tail;
      const head = buffer.head;
      while (tail < head) {
        const header = buffer.get(tail, HEADER_SIZE);
        const hv = new DataView(header.buffer, header.byteOffset, HEADER_SIZE);
        const type = hv.getUint32(0, true);
        const size = hv.getUint16(6, true);
        if (size < HEADER_SIZE) break; // a corrupt ring (the user wrote data_tail); stop rather than spin
        const record = buffer.get(tail, size);
        const rv = new DataView(record.buffer, record.byteOffset, size);
        if (type === PERF_RECORD_SAMPLE) {
          const rawSize = rv.getUint32(8, true);
          samples++;
          onSample(buffer.cpu, record.subarray(12, 12 + rawSize));
        } else if (type === PERF_RECORD_LOST) {
          onLost?.(buffer.cpu, Number(rv.getBigUint64(16, true)));
        }
        tail += size;
        buffer.tail = tail;
      }
    }
    return samples;
  }

  /**
   * Yields samples (copies) and lost notices as they arrive, woken by each
   * output (libbpf's wakeup_events = 1), never polling. Ends when the signal
   * aborts or the reader is closed.
   */
  async *records(options: { readonly signal?: AbortSignal } = {}): AsyncGenerator<PerfEvent, void, undefined> {
    const { signal } = options;
    while (!signal?.aborted && this.buffers.some((b) => !b.closed)) {
      const batch: PerfEvent[] = [];
      this.read(
        (cpu, data) => batch.push({ type: 'sample', cpu, data: data.slice() }),
        (cpu, count) => batch.push({ type: 'lost', cpu, count }),
      );
      if (batch.length > 0) {
        yield* batch;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.#waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** @internal Called by the map after a sample lands in one of this reader's buffers. */
  wake(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Removes this reader's entries from the map and gives its memory back (perf_buffer__free). */
  close(): void {
    if (this.buffers.every((b) => b.closed)) return;
    this.map.detach(this);
    this.wake();
  }
}

export class PerfEventArray implements BpfMap {
  readonly name: string;
  readonly spec: MapSpec;
  readonly space: AddressSpace;
  readonly cpus: number;
  /** Index → installed buffer (the kernel's array of perf event pointers). */
  readonly #entries = new Map<number, PerfBuffer>();
  /** Open buffers by id: what a user update may install, as an open perf fd. */
  readonly #buffers = new Map<number, { buffer: PerfBuffer; reader: PerfReader }>();
  #freed = false;

  constructor(spec: MapSpec, ctx: MapContext) {
    this.name = spec.name ?? 'perf_event_array';
    this.cpus = ctx.cpus ?? 1;
    const flags = spec.flags ?? 0;
    if (spec.type !== 'perf_event_array') throw new MapSpecError(this.name, `type ${spec.type} is not perf_event_array`);
    if (spec.keySize !== 4) throw new MapSpecError(this.name, `key size ${spec.keySize} is not 4`);
    if (spec.valueSize !== 4) throw new MapSpecError(this.name, `value size ${spec.valueSize} is not 4`);
    if ((flags & ~CREATE_FLAGS) !== 0) throw new MapSpecError(this.name, `flags 0x${flags.toString(16)} are not valid for a perf event array`);
    if ((flags & MapFlags.RDONLY) && (flags & MapFlags.WRONLY)) throw new MapSpecError(this.name, 'RDONLY and WRONLY together');
    // libbpf sizes a perf event array with max_entries 0 to the CPU count before creating it.
    const maxEntries = spec.maxEntries === 0 ? this.cpus : spec.maxEntries;
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 0xffff_ffff) {
      throw new MapSpecError(this.name, `max_entries ${spec.maxEntries} is not valid`);
    }
    this.spec = maxEntries === spec.maxEntries ? spec : { ...spec, maxEntries };
    this.space = ctx.space;
  }

  get memoryBytes(): number {
    let n = 0;
    for (const { buffer } of this.#buffers.values()) n += buffer.region.size;
    return n;
  }

  #checkLive(): void {
    if (this.#freed) throw new MapOperationError('EINVAL', this.name, 'use', 'the map was freed');
  }

  /**
   * Opens a buffer of `pageCount` data pages for each CPU (up to max_entries)
   * and installs it at index = cpu. A second reader takes the entries over;
   * the first keeps what it already holds.
   */
  openReader(options: OpenReaderOptions = {}): PerfReader {
    this.#checkLive();
    const pageCount = options.pageCount ?? 8;
    if (!Number.isInteger(pageCount) || pageCount < 1 || (pageCount & (pageCount - 1)) !== 0) {
      throw new MapOperationError('EINVAL', this.name, 'openReader', `page count ${pageCount} is not a power of 2`);
    }
    const dataSize = pageCount * PAGE_SIZE;
    const count = Math.min(this.cpus, this.spec.maxEntries);
    const buffers: PerfBuffer[] = [];
    for (let cpu = 0; cpu < count; cpu++) {
      const region = this.space.allocate(PAGE_SIZE + dataSize, { kind: 'ringbuf', name: `${this.name} cpu ${cpu}`, align: PAGE_SIZE });
      buffers.push(new PerfBuffer(this.space, cpu, region, dataSize));
    }
    const reader = new PerfReader(this, buffers);
    for (const buffer of buffers) {
      this.#buffers.set(buffer.id, { buffer, reader });
      this.#entries.set(buffer.cpu, buffer);
    }
    return reader;
  }

  /** @internal Undoes openReader: entries still pointing at the reader's buffers are cleared, memory released. */
  detach(reader: PerfReader): void {
    for (const buffer of reader.buffers) {
      if (buffer.closed) continue;
      buffer.closed = true;
      for (const [i, b] of this.#entries) if (b === buffer) this.#entries.delete(i);
      this.#buffers.delete(buffer.id);
      this.space.release(buffer.region);
    }
  }

  // ---- program side ----

  /**
   * bpf_perf_event_output from a program running on `cpu`: 0, or -EINVAL (bad
   * flags), -E2BIG (index past max_entries, or a record perf cannot size),
   * -ENOENT (no event at the index), -EOPNOTSUPP (the event is another CPU's),
   * -ENOSPC (ring full; the sample is counted as lost), -EFAULT (bad data).
   */
  output(cpu: number, flags: number | bigint, dataAddress: number, requested: number | bigint): number {
    this.#checkLive();
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus) throw new RangeError(`cpu ${cpu} is not one of ${this.cpus}`);
    const f = BigInt.asUintN(64, BigInt(flags));
    if ((f & ~BPF_F_INDEX_MASK) !== 0n) return -Errno.EINVAL;
    let index = f & BPF_F_INDEX_MASK;
    if (index === BPF_F_CURRENT_CPU) index = BigInt(cpu);
    if (index >= BigInt(this.spec.maxEntries)) return -Errno.E2BIG;
    const buffer = this.#entries.get(Number(index));
    if (buffer === undefined) return -Errno.ENOENT;
    if (buffer.cpu !== cpu) return -Errno.EOPNOTSUPP;
    if (typeof requested === 'number' && (!Number.isInteger(requested) || requested < 0)) return -Errno.EINVAL;
    const wide = BigInt.asUintN(64, BigInt(requested));
    if (wide > BigInt(MAX_RECORD_SIZE)) return -Errno.E2BIG;
    const size = Number(wide);
    if (size > 0 && this.space.regionAt(dataAddress, size) === undefined) return -Errno.EFAULT;
    // The kernel would truncate header.size (a u16) and corrupt the stream; refusing is the honest equivalent.
    if (HEADER_SIZE + ((size + 4 + 7) & ~7) > MAX_RECORD_SIZE) return -Errno.E2BIG;
    const result = buffer.write(this.space.bytes.slice(dataAddress, dataAddress + size));
    if (result === 0) this.#buffers.get(buffer.id)?.reader.wake();
    return result;
  }

  // ---- element operations: u32 index → u32 event id ----

  #index(key: Uint8Array, operation: string): number {
    if (key.length !== 4) throw new MapOperationError('EINVAL', this.name, operation, `key of ${key.length} bytes, expected 4`);
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }

  /** The syscall has no way to read a perf event array's entries back (no map_fd_sys_lookup_elem). */
  lookup(key: Uint8Array): Uint8Array | undefined {
    this.#checkLive();
    this.#index(key, 'lookup');
    throw new MapOperationError('ENOTSUPP', this.name, 'lookup', 'perf event array entries cannot be read');
  }

  /** Installs the buffer whose id (its "fd") is `value` at the index, as bpf_map_update_elem with a perf fd. */
  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
    this.#checkLive();
    const index = this.#index(key, 'update');
    if (value.length !== 4) throw new MapOperationError('EINVAL', this.name, 'update', `value of ${value.length} bytes, expected 4`);
    if (flags !== UpdateFlag.ANY) throw new MapOperationError('EINVAL', this.name, 'update', 'only BPF_ANY is allowed');
    if (index >= this.spec.maxEntries) throw new MapOperationError('E2BIG', this.name, 'update', `index ${index}`);
    const id = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
    const entry = this.#buffers.get(id);
    // The kernel answers EBADF for an fd that is not a perf event; the contract's errno list has no EBADF.
    if (entry === undefined) throw new MapOperationError('EINVAL', this.name, 'update', `${id} is not an open perf buffer (EBADF)`);
    this.#entries.set(index, entry.buffer);
  }

  delete(key: Uint8Array): boolean {
    this.#checkLive();
    const result = this.#deleteIndex(this.#index(key, 'delete'));
    if (result === -Errno.E2BIG) throw new MapOperationError('E2BIG', this.name, 'delete', 'index past max_entries');
    return result === 0;
  }

  #deleteIndex(index: number): number {
    if (index >= this.spec.maxEntries) return -Errno.E2BIG;
    return this.#entries.delete(index) ? 0 : -Errno.ENOENT;
  }

  /** As array_map_get_next_key: no key or an index out of range → 0; the last → end. */
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    this.#checkLive();
    const index = key === undefined ? this.spec.maxEntries : this.#index(key, 'nextKey');
    let next: number;
    if (index >= this.spec.maxEntries) next = 0;
    else if (index === this.spec.maxEntries - 1) return undefined;
    else next = index + 1;
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, next, true);
    return out;
  }

  // The verifier keeps programs to the perf helpers on this map; answered as the kernel's ops would.
  lookupAddress(_keyAddress: number, _cpu: number): number { return 0; }
  updateFrom(_keyAddress: number, _valueAddress: number, _flags: number, _cpu: number): number { return -Errno.EOPNOTSUPP; }
  deleteFrom(keyAddress: number): number {
    if (this.space.regionAt(keyAddress, 4) === undefined) return -Errno.EFAULT;
    return this.#deleteIndex(this.space.view.getUint32(keyAddress, true));
  }

  free(): void {
    if (this.#freed) return;
    const readers = new Set([...this.#buffers.values()].map((e) => e.reader));
    for (const reader of readers) reader.close();
    this.#entries.clear();
    this.#freed = true;
  }
}
