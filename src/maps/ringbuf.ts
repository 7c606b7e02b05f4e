/**
 * BPF_MAP_TYPE_RINGBUF: one multi-producer, single-consumer ring shared by
 * every program and the user, laid out in the address space as the kernel's
 * kernel/bpf/ringbuf.c lays out `struct bpf_ringbuf`:
 *
 *   page 0            bookkeeping (unused here; keeps the kernel's page offsets)
 *   page 1            consumer_pos (u64), the only page the consumer writes
 *   page 2            producer_pos (u64), pending_pos (u64)
 *   page 3 …          data (max_entries bytes), then the same size again as a mirror
 *
 * The kernel maps the data pages twice in a row so that a record crossing the
 * end of the ring is contiguous for both the program and the consumer. A
 * WebAssembly memory cannot alias pages, so the mirror is real memory: a
 * program writes a wrapping sample straight through into the mirror, and the
 * commit copies the part past the end back to the start of the ring. Until
 * the record is consumed nobody else can own those bytes, so the mirror stays
 * a faithful copy and the consumer can read every record contiguously too.
 *
 * Each record starts with an 8-byte header: u32 len (with BUSY_BIT while
 * reserved and DISCARD_BIT once discarded) and u32 pg_off, the page distance
 * from the header back to the start of the map, which is how the kernel finds
 * the ring from a bare sample pointer in submit/discard.
 */
import type { AddressSpace, Region } from '../memory/index.js';
import {
  Errno, MapFlags, MapOperationError, MapSpecError, type BpfMap, type MapContext, type MapSpec,
} from './map.js';

export const BPF_RINGBUF_BUSY_BIT = 0x8000_0000;
export const BPF_RINGBUF_DISCARD_BIT = 0x4000_0000;
export const BPF_RINGBUF_HDR_SZ = 8;

/** Flags of bpf_ringbuf_submit/discard/output. */
export const RingbufFlag = { NO_WAKEUP: 1, FORCE_WAKEUP: 2 } as const;

/** What bpf_ringbuf_query reports. */
export const RingbufQuery = { AVAIL_DATA: 0, RING_SIZE: 1, CONS_POS: 2, PROD_POS: 3 } as const;

const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12;
/** Pages before the data: bookkeeping, consumer page, producer page (the kernel's RINGBUF_POS_PAGES + 1). */
const META_PAGES = 3;
const CONSUMER_POS_OFFSET = 1 * PAGE_SIZE;
const PRODUCER_POS_OFFSET = 2 * PAGE_SIZE;
const PENDING_POS_OFFSET = PRODUCER_POS_OFFSET + 8;
/** The kernel's RINGBUF_MAX_RECORD_SZ: a length must leave the two flag bits free. */
const MAX_RECORD_SIZE = Math.floor(0xffff_ffff / 4);
/** The kernel's RINGBUF_MAX_DATA_SZ on 64-bit: pg_off is a u32 of pages. */
const MAX_DATA_SIZE = 0xffff_ffff;

/**
 * A program passed bpf_ringbuf_submit/discard a pointer that is not a live
 * reservation of this ring (never reserved, already committed, or not the
 * start of a sample). The verifier rejects such programs, so reaching this
 * means the program ran unverified.
 */
export class RingBufferSampleError extends Error {
  override readonly name = 'RingBufferSampleError';
  readonly code = 'INVALID_SAMPLE';
  constructor(readonly map: string, readonly address: number, reason: string) {
    super(`map ${map}: sample at 0x${address.toString(16)} ${reason}`);
  }
}

/** What `consume` hands over: the sample's bytes, a view valid only during the callback (as libbpf's). */
export type RingBufferCallback = (data: Uint8Array) => void | number;

export interface RecordsOptions {
  /** Ends the iteration (without an error) when aborted. */
  readonly signal?: AbortSignal;
}

/** Rounds a header + sample length up to the 8-byte record granularity. */
function recordLength(len: number): number {
  return (((len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) >>> 0) + BPF_RINGBUF_HDR_SZ + 7) & ~7;
}

/** Live ring buffers of each address space by base address, for `RingBuffer.fromSample`. */
const registry = new WeakMap<AddressSpace, Map<number, RingBuffer>>();

export class RingBuffer implements BpfMap {
  readonly name: string;
  readonly spec: MapSpec;
  readonly space: AddressSpace;
  /** Reservations that failed for lack of space (bpf_ringbuf_reserve NULL, bpf_ringbuf_output -EAGAIN). */
  dropped = 0;

  readonly #region: Region;
  readonly #size: number;
  /** Data offsets of records reserved and not yet committed, to catch double or bogus commits. */
  readonly #live = new Set<number>();
  #waiters: Array<() => void> = [];
  #freed = false;

  constructor(spec: MapSpec, ctx: MapContext) {
    this.name = spec.name ?? 'ringbuf';
    const size = spec.maxEntries;
    const flags = spec.flags ?? 0;
    if (spec.type !== 'ringbuf') throw new MapSpecError(this.name, `type ${spec.type} is not ringbuf`);
    if ((flags & ~MapFlags.NUMA_NODE) !== 0) throw new MapSpecError(this.name, `flags 0x${flags.toString(16)} are not valid for a ring buffer`);
    if (spec.keySize !== 0 || spec.valueSize !== 0) throw new MapSpecError(this.name, 'a ring buffer has key size 0 and value size 0');
    if (!Number.isInteger(size) || size <= 0 || !Number.isInteger(Math.log2(size)) || size % PAGE_SIZE !== 0) {
      throw new MapSpecError(this.name, `max_entries ${size} is not a power of 2 and a multiple of ${PAGE_SIZE}`);
    }
    if (size > MAX_DATA_SIZE) throw new MapSpecError(this.name, `max_entries ${size} is too big (E2BIG)`);
    this.spec = spec;
    this.space = ctx.space;
    this.#size = size;
    this.#region = ctx.space.allocate(META_PAGES * PAGE_SIZE + 2 * size, {
      kind: 'ringbuf', name: this.name, align: PAGE_SIZE,
    });
    let rings = registry.get(ctx.space);
    if (rings === undefined) registry.set(ctx.space, rings = new Map());
    rings.set(this.#region.start, this);
  }

  /**
   * The ring a sample belongs to, found as the kernel's submit/discard find
   * it: from the header's pg_off back to the map's first page. For helpers,
   * which get a bare sample pointer.
   * @throws {RingBufferSampleError} when no ring buffer of `space` is there.
   */
  static fromSample(space: AddressSpace, sampleAddress: number): RingBuffer {
    const hdr = sampleAddress - BPF_RINGBUF_HDR_SZ;
    const rings = registry.get(space);
    if (rings !== undefined && Number.isInteger(hdr) && space.regionAt(hdr, BPF_RINGBUF_HDR_SZ)?.kind === 'ringbuf') {
      const pgOff = space.view.getUint32(hdr + 4, true);
      const base = hdr - (hdr % PAGE_SIZE) - pgOff * PAGE_SIZE;
      const rb = rings.get(base);
      if (rb !== undefined) return rb;
    }
    throw new RingBufferSampleError('?', sampleAddress, 'is not in any ring buffer');
  }

  /** Address of the map's first page; pg_off counts pages from here. */
  get baseAddress(): number { return this.#region.start; }
  /** Address of the u64 consumer position (the user's to advance). */
  get consumerPosAddress(): number { return this.#region.start + CONSUMER_POS_OFFSET; }
  /** Address of the u64 producer position. */
  get producerPosAddress(): number { return this.#region.start + PRODUCER_POS_OFFSET; }
  /** Address of the first data byte; the data is followed by its mirror. */
  get dataAddress(): number { return this.#region.start + META_PAGES * PAGE_SIZE; }
  /** Data size in bytes (max_entries). */
  get size(): number { return this.#size; }
  get memoryBytes(): number { return this.#region.size; }

  get #consumerPos(): number { return Number(this.space.view.getBigUint64(this.consumerPosAddress, true)); }
  set #consumerPos(pos: number) { this.space.view.setBigUint64(this.consumerPosAddress, BigInt(pos), true); }
  get #producerPos(): number { return Number(this.space.view.getBigUint64(this.producerPosAddress, true)); }
  set #producerPos(pos: number) { this.space.view.setBigUint64(this.producerPosAddress, BigInt(pos), true); }
  get #pendingPos(): number { return Number(this.space.view.getBigUint64(this.#region.start + PENDING_POS_OFFSET, true)); }
  set #pendingPos(pos: number) { this.space.view.setBigUint64(this.#region.start + PENDING_POS_OFFSET, BigInt(pos), true); }

  #checkLive(): void {
    if (this.#freed) throw new MapOperationError('EINVAL', this.name, 'use', 'the map was freed');
  }

  // ---- program side ----

  /**
   * bpf_ringbuf_reserve: the address of `size` writable bytes, or 0 when the
   * flags are non-zero or the ring has no room (counted in `dropped`).
   */
  reserve(requested: number | bigint, flags: number | bigint): number {
    this.#checkLive();
    if (BigInt(flags) !== 0n) return 0;
    if (typeof requested === 'number' && (!Number.isInteger(requested) || requested < 0)) return 0;
    const wide = BigInt.asUintN(64, BigInt(requested));
    const size = wide > BigInt(MAX_RECORD_SIZE) ? Infinity : Number(wide);
    const mask = this.#size - 1;
    const len = (size + BPF_RINGBUF_HDR_SZ + 7) & ~7;
    if (size > MAX_RECORD_SIZE || len > this.#size) {
      this.dropped++;
      return 0;
    }
    const view = this.space.view;
    const data = this.dataAddress;
    const consPos = this.#consumerPos;
    const prodPos = this.#producerPos;
    const newProdPos = prodPos + len;

    // Committed records behind the oldest busy one no longer pin space; walking
    // them lazily here is how the kernel keeps a stuck reservation from letting
    // the producer lap it.
    let pendPos = this.#pendingPos;
    while (pendPos < prodPos) {
      const hdrLen = view.getUint32(data + (pendPos % this.#size), true);
      if ((hdrLen & BPF_RINGBUF_BUSY_BIT) !== 0) break;
      pendPos += recordLength(hdrLen);
    }
    this.#pendingPos = pendPos;

    const used = newProdPos - consPos;
    // A consumer position ahead of the producer is garbage the user wrote; the
    // kernel's unsigned subtraction treats it as a full ring, and so do we.
    if (used < 0 || used > mask || newProdPos - pendPos > mask) {
      this.dropped++;
      return 0;
    }
    const offset = prodPos % this.#size;
    const hdr = data + offset;
    view.setUint32(hdr, (size | BPF_RINGBUF_BUSY_BIT) >>> 0, true);
    view.setUint32(hdr + 4, (hdr - this.#region.start) >>> PAGE_SHIFT, true);
    this.#producerPos = newProdPos;
    this.#live.add(offset);
    return hdr + BPF_RINGBUF_HDR_SZ;
  }

  /** bpf_ringbuf_submit: makes a reserved sample visible to the consumer. Flags are not checked, as in the kernel. */
  submit(sampleAddress: number, flags: number | bigint = 0): void {
    this.#commit(sampleAddress, flags, false);
  }

  /** bpf_ringbuf_discard: releases a reservation; the consumer skips it. */
  discard(sampleAddress: number, flags: number | bigint = 0): void {
    this.#commit(sampleAddress, flags, true);
  }

  /** bpf_ringbuf_output: copies `size` bytes at `dataAddress` into a new record; 0, -EINVAL or -EAGAIN. */
  output(dataAddress: number, requested: number | bigint, flags: number | bigint): number {
    this.#checkLive();
    const f = BigInt(flags);
    if ((f & ~BigInt(RingbufFlag.NO_WAKEUP | RingbufFlag.FORCE_WAKEUP)) !== 0n) return -Errno.EINVAL;
    const wide = BigInt.asUintN(64, BigInt(requested));
    if (wide > BigInt(MAX_RECORD_SIZE)) {
      this.dropped++;
      return -Errno.EAGAIN;
    }
    const size = Number(wide);
    if (size > 0 && this.space.regionAt(dataAddress, size) === undefined) return -Errno.EFAULT;
    const sample = this.reserve(size, 0);
    if (sample === 0) return -Errno.EAGAIN;
    const bytes = this.space.bytes;
    bytes.copyWithin(sample, dataAddress, dataAddress + size);
    this.#commit(sample, f, false);
    return 0;
  }

  /** bpf_ringbuf_query; an unknown flag yields 0, as in the kernel (it has no error return). */
  query(flag: number | bigint): bigint {
    this.#checkLive();
    switch (BigInt(flag)) {
      case BigInt(RingbufQuery.AVAIL_DATA): return BigInt(this.#producerPos - this.#consumerPos);
      case BigInt(RingbufQuery.RING_SIZE): return BigInt(this.#size);
      case BigInt(RingbufQuery.CONS_POS): return BigInt(this.#consumerPos);
      case BigInt(RingbufQuery.PROD_POS): return BigInt(this.#producerPos);
      default: return 0n;
    }
  }

  #commit(sampleAddress: number, flags: number | bigint, discard: boolean): void {
    this.#checkLive();
    const op = discard ? 'bpf_ringbuf_discard' : 'bpf_ringbuf_submit';
    const data = this.dataAddress;
    const hdr = sampleAddress - BPF_RINGBUF_HDR_SZ;
    const offset = hdr - data;
    if (!Number.isInteger(sampleAddress) || offset < 0 || offset >= this.#size || !this.#live.has(offset)) {
      throw new RingBufferSampleError(this.name, sampleAddress, `is not a live reservation (${op})`);
    }
    const view = this.space.view;
    const len = view.getUint32(hdr, true);
    if ((len & BPF_RINGBUF_BUSY_BIT) === 0) {
      // Only a program scribbling over its own header gets here.
      throw new RingBufferSampleError(this.name, sampleAddress, `has a header without the busy bit (${op})`);
    }
    this.#live.delete(offset);
    const size = (len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) >>> 0;
    const end = offset + BPF_RINGBUF_HDR_SZ + size;
    if (!discard && end > this.#size) {
      // The sample ran into the mirror: bring the wrapped tail home.
      this.space.bytes.copyWithin(data, data + this.#size, data + end);
    }
    const newLen = ((len ^ BPF_RINGBUF_BUSY_BIT) | (discard ? BPF_RINGBUF_DISCARD_BIT : 0)) >>> 0;
    view.setUint32(hdr, newLen, true);

    // The kernel wakes the consumer only when it is parked exactly on this
    // record (it would otherwise be woken by, or already draining past, an
    // earlier one), unless the program asks otherwise.
    const f = BigInt(flags);
    const consOffset = this.#consumerPos % this.#size;
    if ((f & BigInt(RingbufFlag.FORCE_WAKEUP)) !== 0n
      || (consOffset === offset && (f & BigInt(RingbufFlag.NO_WAKEUP)) === 0n)) {
      this.#wake();
    }
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  // ---- consumer side ----

  /**
   * Hands committed records to `callback` in ring order and advances the
   * consumer position past each, as libbpf's ring_buffer__consume: stops at
   * the first record still reserved (later ones wait behind it), skips
   * discarded ones. A callback returning a negative number stops at once and
   * that number is returned (libbpf's behaviour); a positive one also stops
   * (after its record), and the count is returned. At most `limit` records.
   */
  consume(callback: RingBufferCallback, limit = Infinity): number {
    this.#checkLive();
    let count = 0;
    while (count < limit) {
      const next = this.#next();
      if (next === undefined) break;
      const { sample, size, consPos } = next;
      if (sample < 0) { this.#consumerPos = consPos; continue; }
      const view = this.space.bytes.subarray(sample, sample + size);
      const result = callback(view);
      this.#consumerPos = consPos;
      count++;
      if (typeof result === 'number' && result !== 0) return result < 0 ? result : count;
    }
    return count;
  }

  /**
   * The next record at the consumer position, without consuming it: its
   * sample address (-1 when discarded), size, and the consumer position just
   * past it. Undefined when the ring is empty or the next record is busy.
   */
  #next(): { sample: number; size: number; consPos: number } | undefined {
    const consPos = this.#consumerPos;
    const prodPos = this.#producerPos;
    if (consPos >= prodPos) return undefined;
    const hdr = this.dataAddress + (consPos % this.#size);
    const len = this.space.view.getUint32(hdr, true);
    if ((len & BPF_RINGBUF_BUSY_BIT) !== 0) return undefined;
    const size = (len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) >>> 0;
    const discarded = (len & BPF_RINGBUF_DISCARD_BIT) !== 0;
    return { sample: discarded ? -1 : hdr + BPF_RINGBUF_HDR_SZ, size, consPos: consPos + recordLength(len) };
  }

  /** Bytes between consumer and producer (busy records included), as BPF_RB_AVAIL_DATA. */
  get availableBytes(): number {
    return this.#producerPos - this.#consumerPos;
  }

  /**
   * Yields each record (a copy) as it is committed, waiting for the kernel's
   * wakeup rather than polling. Records submitted with BPF_RB_NO_WAKEUP are
   * delivered with the next wakeup, as with epoll on a real ring. Ends when
   * the signal aborts or the map is freed.
   */
  async *records(options: RecordsOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const { signal } = options;
    while (!this.#freed && !signal?.aborted) {
      const next = this.#next();
      if (next !== undefined) {
        const copy = next.sample < 0 ? undefined : this.space.bytes.slice(next.sample, next.sample + next.size);
        this.#consumerPos = next.consPos;
        if (copy !== undefined) yield copy;
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

  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    return this.records();
  }

  // ---- BpfMap element operations: a ring buffer has none ----
  // The verifier only lets ringbuf maps reach the ringbuf helpers, so the
  // program side answers as the kernel's map ops would if called anyway.

  lookupAddress(_keyAddress: number, _cpu: number): number { return 0; }
  updateFrom(_keyAddress: number, _valueAddress: number, _flags: number, _cpu: number): number { return -Errno.ENOTSUPP; }
  deleteFrom(_keyAddress: number): number { return -Errno.ENOTSUPP; }

  // The syscall copies a key only when key_size is non-zero and refuses any
  // key pointer otherwise (EINVAL); with no key it reaches the map's op,
  // which answers ENOTSUPP. An empty array stands for "no key" here.
  lookup(key: Uint8Array): Uint8Array | undefined {
    throw this.#elementError(key, 'lookup');
  }
  update(key: Uint8Array, _value: Uint8Array, _flags?: number): void {
    throw this.#elementError(key, 'update');
  }
  delete(key: Uint8Array): boolean {
    throw this.#elementError(key, 'delete');
  }
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    throw this.#elementError(key, 'nextKey');
  }

  #elementError(key: Uint8Array | undefined, operation: string): MapOperationError {
    if (key !== undefined && key.length > 0) {
      return new MapOperationError('EINVAL', this.name, operation, 'a ring buffer takes no key');
    }
    return new MapOperationError('ENOTSUPP', this.name, operation, 'a ring buffer has no elements');
  }

  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.space.release(this.#region);
    registry.get(this.space)?.delete(this.#region.start);
    this.#wake();
  }
}
