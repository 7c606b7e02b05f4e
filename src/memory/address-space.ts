/**
 * The address space every program of a runtime sees: one WebAssembly.Memory.
 *
 * Stacks, contexts, packets, map values, ring buffers and global data are
 * byte ranges (regions) in it, and a BPF pointer is simply an address in it.
 * The interpreter checks each access against the live regions; code compiled
 * to WebAssembly reads and writes the same memory directly, so a value written
 * by one program is seen by another and by the user.
 *
 * The first 64 KiB are never handed out, so address 0 (and any small integer
 * a buggy program dereferences) is never valid.
 */

/** What a region holds; used in error messages and by the verifier's pointer types. */
export type RegionKind =
  | 'stack' | 'ctx' | 'packet' | 'input' | 'map-value' | 'map-key' | 'map-storage'
  | 'ringbuf' | 'global' | 'scratch';

/** A live allocation. */
export interface Region {
  readonly start: number;
  readonly size: number;
  readonly kind: RegionKind;
  readonly writable: boolean;
  /** Who owns it, for messages: a map name, "stack frame 2", … */
  readonly name: string;
}

export interface AddressSpaceOptions {
  /** Initial size in 64 KiB pages (default 16 = 1 MiB). */
  readonly initialPages?: number;
  /** Upper bound in pages (default 65536 = 4 GiB; shared memories default to 16384 = 1 GiB). */
  readonly maximumPages?: number;
  /** Back it by a SharedArrayBuffer so worker threads can run programs on the same maps. */
  readonly shared?: boolean;
}

export interface AllocateOptions {
  readonly kind: RegionKind;
  readonly name?: string;
  /** Power-of-two alignment of the start (default 8). */
  readonly align?: number;
  readonly writable?: boolean;
}

/** Thrown when the address space cannot grow to fit an allocation. */
export class OutOfMemoryError extends Error {
  override readonly name = 'OutOfMemoryError';
  readonly code = 'OUT_OF_MEMORY';
  constructor(readonly requested: number) {
    super(`address space cannot fit ${requested} more bytes`);
  }
}

const PAGE = 65536;
/** Addresses below this are never allocated. */
export const GUARD_SIZE = PAGE;

interface FreeBlock { start: number; size: number }

/** One WebAssembly.Memory, carved into regions by a first-fit allocator. */
export class AddressSpace {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  #buffer: ArrayBuffer | SharedArrayBuffer;
  #bytes: Uint8Array;
  #view: DataView;
  /** Live regions sorted by start. */
  #regions: Region[] = [];
  /** Free blocks sorted by start, coalesced. */
  #free: FreeBlock[] = [];
  /** Set when this space grew the memory (a shared buffer is not detached by growth). */
  #grown = false;
  /** End of the highest block ever handed out or freed. */
  #top = GUARD_SIZE;

  constructor(options: AddressSpaceOptions = {}) {
    this.shared = options.shared ?? false;
    const maximum = options.maximumPages ?? (this.shared ? 16384 : 65536);
    this.memory = new WebAssembly.Memory({
      initial: options.initialPages ?? 16,
      maximum,
      ...(this.shared ? { shared: true } : {}),
    } as WebAssembly.MemoryDescriptor);
    this.#buffer = this.memory.buffer;
    this.#bytes = new Uint8Array(this.#buffer);
    this.#view = new DataView(this.#buffer);
  }

  /** The bytes of the whole memory (refreshed after growth). */
  get bytes(): Uint8Array {
    // Growing detaches the old buffer (length 0); reading `memory.buffer` on every access would cost more.
    if (this.#bytes.byteLength === 0 || this.#grown) this.#refresh();
    return this.#bytes;
  }

  /** A DataView over the whole memory (refreshed after growth). */
  get view(): DataView {
    if (this.#bytes.byteLength === 0 || this.#grown) this.#refresh();
    return this.#view;
  }

  /** Current size in bytes. */
  get size(): number {
    return this.memory.buffer.byteLength;
  }

  #refresh(): void {
    this.#grown = false;
    this.#buffer = this.memory.buffer;
    this.#bytes = new Uint8Array(this.#buffer);
    this.#view = new DataView(this.#buffer);
  }

  /**
   * Allocates a zero-filled region.
   * @throws {OutOfMemoryError} when the memory cannot grow enough.
   * @throws {RangeError} for a size below 1 or an alignment that is not a power of two.
   */
  allocate(size: number, options: AllocateOptions): Region {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`cannot allocate ${size} bytes`);
    const align = options.align ?? 8;
    if (align < 1 || (align & (align - 1)) !== 0) throw new RangeError(`alignment ${align} is not a power of two`);
    const start = this.#take(size, align);
    const region: Region = {
      start, size, kind: options.kind, writable: options.writable ?? true, name: options.name ?? options.kind,
    };
    this.bytes.fill(0, start, start + size);
    this.#insertRegion(region);
    return region;
  }

  /** Returns a region's bytes to the allocator. Releasing twice is an error. */
  release(region: Region): void {
    const i = this.#indexOf(region.start);
    if (i < 0 || this.#regions[i] !== region) throw new Error(`region at 0x${region.start.toString(16)} is not live`);
    this.#regions.splice(i, 1);
    this.#give({ start: region.start, size: region.size });
  }

  /** The live region that contains all of [address, address + size), if any. */
  regionAt(address: number, size = 1): Region | undefined {
    const regions = this.#regions;
    let lo = 0;
    let hi = regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = regions[mid]!;
      if (address < r.start) hi = mid - 1;
      else if (address >= r.start + r.size) lo = mid + 1;
      else return address + size <= r.start + r.size ? r : undefined;
    }
    return undefined;
  }

  /** All live regions, in address order. */
  regions(): readonly Region[] {
    return this.#regions;
  }

  /** A view of a region's bytes (valid until the memory grows). */
  slice(region: Region): Uint8Array {
    return this.bytes.subarray(region.start, region.start + region.size);
  }

  #indexOf(start: number): number {
    let lo = 0;
    let hi = this.#regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.#regions[mid]!.start;
      if (s === start) return mid;
      if (s < start) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  #insertRegion(region: Region): void {
    let lo = 0;
    let hi = this.#regions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#regions[mid]!.start < region.start) lo = mid + 1;
      else hi = mid;
    }
    this.#regions.splice(lo, 0, region);
  }

  #take(size: number, align: number): number {
    for (let i = 0; i < this.#free.length; i++) {
      const block = this.#free[i]!;
      const start = (block.start + align - 1) & ~(align - 1);
      const end = start + size;
      if (end > block.start + block.size) continue;
      const rest: FreeBlock[] = [];
      if (start > block.start) rest.push({ start: block.start, size: start - block.start });
      if (end < block.start + block.size) rest.push({ start: end, size: block.start + block.size - end });
      this.#free.splice(i, 1, ...rest);
      return start;
    }
    const start = Math.ceil(this.#top / align) * align;
    const end = start + size;
    if (end > this.size) {
      const pages = Math.ceil((end - this.size) / PAGE);
      try {
        this.memory.grow(pages);
        this.#grown = true;
      } catch {
        throw new OutOfMemoryError(size);
      }
    }
    if (start > this.#top) this.#give({ start: this.#top, size: start - this.#top });
    this.#top = end;
    return start;
  }

  #give(block: FreeBlock): void {
    const free = this.#free;
    let i = 0;
    while (i < free.length && free[i]!.start < block.start) i++;
    free.splice(i, 0, block);
    // Coalesce with the neighbours.
    if (i + 1 < free.length && block.start + block.size === free[i + 1]!.start) {
      block.size += free[i + 1]!.size;
      free.splice(i + 1, 1);
    }
    if (i > 0 && free[i - 1]!.start + free[i - 1]!.size === block.start) {
      free[i - 1]!.size += block.size;
      free.splice(i, 1);
    }
  }
}
