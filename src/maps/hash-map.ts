/**
 * BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH.
 *
 * Keys and values sit in one preallocated region of the address space, an
 * element per slot: the key (rounded up to 8 bytes) then the value (one
 * 8-byte-rounded copy per CPU for per-CPU maps), so a program's pointer to a
 * value stays valid while the element lives. The index — buckets, chains,
 * free list and LRU order — is typed arrays on the JS side: 16 bytes per
 * element, so a million 8-byte keys and values take 32 MB in all.
 */
import type { AddressSpace, Region } from '../memory/index.js';
import { Errno, MapOperationError, MapSpecError, UpdateFlag, type BpfMap, type MapContext, type MapSpec } from './map.js';

const round8 = (n: number) => Math.ceil(n / 8) * 8;
const NONE = -1;
const HASH_TYPES = new Set(['hash', 'percpu_hash', 'lru_hash', 'lru_percpu_hash']);

export class HashMap implements BpfMap {
  readonly name: string;
  readonly space: AddressSpace;
  readonly cpus: number;
  readonly #region: Region;
  readonly #keyStride: number;
  readonly #valueStride: number;
  readonly #slotSize: number;
  readonly #perCpu: boolean;
  readonly #lru: boolean;
  /**
   * The chains live in the address space too (first slot per bucket, next slot,
   * each slot's hash), so compiled programs can walk them without calling out.
   */
  readonly #index: Region;
  readonly #bucketCount: number;
  #indexBuffer: ArrayBufferLike | undefined;
  #buckets!: Int32Array;
  #next!: Int32Array;
  #hashes!: Uint32Array;
  /** LRU order, most recent first (doubly linked). */
  readonly #newer: Int32Array;
  readonly #older: Int32Array;
  #mostRecent = NONE;
  #leastRecent = NONE;
  /** Free slots, as a stack. */
  readonly #free: Int32Array;
  #freeCount: number;
  #count = 0;
  readonly #scratchKey: Region;

  constructor(readonly spec: MapSpec, ctx: MapContext) {
    this.name = spec.name ?? spec.type;
    this.space = ctx.space;
    if (!HASH_TYPES.has(spec.type)) throw new MapSpecError(this.name, `not a hash type: ${spec.type}`);
    if (spec.keySize < 1 || spec.valueSize < 1 || spec.maxEntries < 1) throw new MapSpecError(this.name, 'key size, value size and max_entries must be at least 1');
    if (spec.keySize > 512) throw new MapSpecError(this.name, `keys of ${spec.keySize} bytes exceed the kernel's 512`);
    this.#perCpu = spec.type === 'percpu_hash' || spec.type === 'lru_percpu_hash';
    this.#lru = spec.type.startsWith('lru');
    if (this.#lru && (spec.flags ?? 0) & 1) throw new MapSpecError(this.name, 'an LRU map cannot be BPF_F_NO_PREALLOC');
    this.cpus = this.#perCpu ? ctx.cpus ?? 1 : 1;
    this.#keyStride = round8(spec.keySize);
    this.#valueStride = round8(spec.valueSize);
    this.#slotSize = this.#keyStride + this.#valueStride * this.cpus;
    const n = spec.maxEntries;
    if (n * this.#slotSize > 2 ** 31) throw new MapSpecError(this.name, `${n} elements of ${this.#slotSize} bytes do not fit the address space`);
    this.#region = ctx.space.allocate(n * this.#slotSize, { kind: 'map-value', name: `map ${this.name}` });
    this.#scratchKey = ctx.space.allocate(this.#keyStride, { kind: 'map-key', name: `map ${this.name} key` });
    let buckets = 1;
    while (buckets < n) buckets *= 2;
    this.#bucketCount = buckets;
    this.#index = ctx.space.allocate((buckets + 2 * n) * 4, { kind: 'map-storage', name: `map ${this.name} index`, writable: false });
    this.#views();
    this.#buckets.fill(NONE);
    this.#next.fill(NONE);
    this.#newer = this.#lru ? new Int32Array(n).fill(NONE) : new Int32Array(0);
    this.#older = this.#lru ? new Int32Array(n).fill(NONE) : new Int32Array(0);
    this.#free = new Int32Array(n);
    for (let i = 0; i < n; i++) this.#free[i] = n - 1 - i;
    this.#freeCount = n;
  }

  /** Typed views of the index, remade when the memory grew (growth detaches the old buffer). */
  #views(): void {
    const buffer = this.space.bytes.buffer;
    if (buffer === this.#indexBuffer) return;
    this.#indexBuffer = buffer;
    const at = this.#index.start;
    const n = this.spec.maxEntries;
    this.#buckets = new Int32Array(buffer, at, this.#bucketCount);
    this.#next = new Int32Array(buffer, at + this.#bucketCount * 4, n);
    this.#hashes = new Uint32Array(buffer, at + (this.#bucketCount + n) * 4, n);
  }

  /** Where everything is, for a JIT that inlines lookups of a plain hash map (undefined for per-CPU and LRU maps). */
  get layout(): { readonly buckets: number; readonly bucketMask: number; readonly next: number; readonly hashes: number; readonly slots: number; readonly slotSize: number; readonly keySize: number; readonly keyStride: number } | undefined {
    if (this.#perCpu || this.#lru) return undefined;
    const n = this.spec.maxEntries;
    return {
      buckets: this.#index.start, bucketMask: this.#bucketCount - 1, next: this.#index.start + this.#bucketCount * 4,
      hashes: this.#index.start + (this.#bucketCount + n) * 4, slots: this.#region.start, slotSize: this.#slotSize,
      keySize: this.spec.keySize, keyStride: this.#keyStride,
    };
  }

  get memoryBytes(): number {
    const index = this.#newer.byteLength + this.#older.byteLength + this.#free.byteLength;
    return this.#region.size + this.#scratchKey.size + this.#index.size + index;
  }

  /** Elements in the map. */
  get size(): number {
    return this.#count;
  }

  #keyAt(slot: number): number {
    return this.#region.start + slot * this.#slotSize;
  }

  #valueAt(slot: number, cpu: number): number {
    return this.#keyAt(slot) + this.#keyStride + (this.#perCpu ? cpu : 0) * this.#valueStride;
  }

  /** FNV-1a over the key's bytes in memory. */
  #hash(address: number): number {
    const bytes = this.space.bytes;
    let h = 0x811c9dc5;
    for (let i = 0; i < this.spec.keySize; i++) h = Math.imul(h ^ bytes[address + i]!, 0x01000193);
    return h >>> 0;
  }

  #equal(slot: number, address: number): boolean {
    const bytes = this.space.bytes;
    const at = this.#keyAt(slot);
    for (let i = 0; i < this.spec.keySize; i++) if (bytes[at + i] !== bytes[address + i]) return false;
    return true;
  }

  /** The slot holding the key at `address`, or NONE. */
  #find(address: number, hash: number): number {
    for (let s = this.#buckets[hash & (this.#buckets.length - 1)]!; s !== NONE; s = this.#next[s]!) {
      if (this.#hashes[s] === hash && this.#equal(s, address)) return s;
    }
    return NONE;
  }

  #touch(slot: number): void {
    if (!this.#lru || this.#mostRecent === slot) return;
    this.#unlink(slot);
    this.#older[slot] = this.#mostRecent;
    this.#newer[slot] = NONE;
    if (this.#mostRecent !== NONE) this.#newer[this.#mostRecent] = slot;
    this.#mostRecent = slot;
    if (this.#leastRecent === NONE) this.#leastRecent = slot;
  }

  #unlink(slot: number): void {
    const newer = this.#newer[slot]!;
    const older = this.#older[slot]!;
    if (newer !== NONE) this.#older[newer] = older;
    else if (this.#mostRecent === slot) this.#mostRecent = older;
    if (older !== NONE) this.#newer[older] = newer;
    else if (this.#leastRecent === slot) this.#leastRecent = newer;
    this.#newer[slot] = NONE;
    this.#older[slot] = NONE;
  }

  #remove(slot: number): void {
    const bucket = this.#hashes[slot]! & (this.#buckets.length - 1);
    if (this.#buckets[bucket] === slot) this.#buckets[bucket] = this.#next[slot]!;
    else {
      let s = this.#buckets[bucket]!;
      while (this.#next[s] !== slot) s = this.#next[s]!;
      this.#next[s] = this.#next[slot]!;
    }
    this.#next[slot] = NONE;
    if (this.#lru) this.#unlink(slot);
    this.#free[this.#freeCount++] = slot;
    this.#count--;
  }

  /** A new slot for a key, evicting the least recently used element of a full LRU map. */
  #allocate(address: number, hash: number): number {
    if (this.#freeCount === 0) {
      if (!this.#lru || this.#leastRecent === NONE) return NONE;
      this.#remove(this.#leastRecent);
    }
    const slot = this.#free[--this.#freeCount]!;
    this.space.bytes.copyWithin(this.#keyAt(slot), address, address + this.spec.keySize);
    this.#hashes[slot] = hash;
    const bucket = hash & (this.#buckets.length - 1);
    this.#next[slot] = this.#buckets[bucket]!;
    this.#buckets[bucket] = slot;
    this.#count++;
    this.#touch(slot);
    return slot;
  }

  lookupAddress(keyAddress: number, cpu: number): number {
    this.#views();
    if (!this.space.regionAt(keyAddress, this.spec.keySize)) return 0;
    const slot = this.#find(keyAddress, this.#hash(keyAddress));
    if (slot === NONE) return 0;
    this.#touch(slot);
    return this.#valueAt(slot, cpu);
  }

  /** The shared insert of both sides: 0 or a negative errno; `write` fills the value(s). */
  #upsert(keyAddress: number, flags: number, write: (slot: number, fresh: boolean) => void): number {
    if (flags > UpdateFlag.LOCK || (flags & 3) === 3) return -Errno.EINVAL;
    const hash = this.#hash(keyAddress);
    let slot = this.#find(keyAddress, hash);
    const mode = flags & 3;
    if (slot !== NONE && mode === UpdateFlag.NOEXIST) return -Errno.EEXIST;
    if (slot === NONE && mode === UpdateFlag.EXIST) return -Errno.ENOENT;
    const fresh = slot === NONE;
    if (fresh) {
      slot = this.#allocate(keyAddress, hash);
      if (slot === NONE) return -Errno.E2BIG;
    } else {
      this.#touch(slot);
    }
    write(slot, fresh);
    return 0;
  }

  updateFrom(keyAddress: number, valueAddress: number, flags: number, cpu: number): number {
    this.#views();
    if (!this.space.regionAt(keyAddress, this.spec.keySize) || !this.space.regionAt(valueAddress, this.spec.valueSize)) return -Errno.EFAULT;
    return this.#upsert(keyAddress, flags, (slot, fresh) => {
      // A new per-CPU element starts at zero on the other CPUs, as in the kernel.
      if (fresh && this.#perCpu) this.space.bytes.fill(0, this.#valueAt(slot, 0), this.#valueAt(slot, 0) + this.#valueStride * this.cpus);
      const to = this.#valueAt(slot, cpu);
      this.space.bytes.copyWithin(to, valueAddress, valueAddress + this.spec.valueSize);
    });
  }

  deleteFrom(keyAddress: number): number {
    this.#views();
    if (!this.space.regionAt(keyAddress, this.spec.keySize)) return -Errno.EFAULT;
    const slot = this.#find(keyAddress, this.#hash(keyAddress));
    if (slot === NONE) return -Errno.ENOENT;
    this.#remove(slot);
    return 0;
  }

  /** What the user passes and gets as a value. */
  get userValueSize(): number {
    return this.#perCpu ? this.#valueStride * this.cpus : this.spec.valueSize;
  }

  #stage(key: Uint8Array, operation: string): number {
    if (key.length !== this.spec.keySize) throw new MapOperationError('EINVAL', this.name, operation, `keys are ${this.spec.keySize} bytes, not ${key.length}`);
    this.space.bytes.set(key, this.#scratchKey.start);
    return this.#scratchKey.start;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.#views();
    const at = this.#stage(key, 'lookup');
    const slot = this.#find(at, this.#hash(at));
    if (slot === NONE) return undefined;
    const value = this.#valueAt(slot, 0);
    return this.space.bytes.slice(value, value + this.userValueSize);
  }

  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
    this.#views();
    const at = this.#stage(key, 'update');
    if (value.length !== this.userValueSize) {
      throw new MapOperationError('EINVAL', this.name, 'update', `values are ${this.userValueSize} bytes${this.#perCpu ? ` (${this.cpus} CPUs × ${this.#valueStride})` : ''}, not ${value.length}`);
    }
    const result = this.#upsert(at, flags, (slot) => this.space.bytes.set(value, this.#valueAt(slot, 0)));
    if (result === -Errno.EINVAL) throw new MapOperationError('EINVAL', this.name, 'update', `flags ${flags}`);
    if (result === -Errno.EEXIST) throw new MapOperationError('EEXIST', this.name, 'update', 'BPF_NOEXIST and the key exists');
    if (result === -Errno.ENOENT) throw new MapOperationError('ENOENT', this.name, 'update', 'BPF_EXIST and the key does not exist');
    if (result === -Errno.E2BIG) throw new MapOperationError('E2BIG', this.name, 'update', `the map is full (${this.spec.maxEntries} elements)`);
  }

  delete(key: Uint8Array): boolean {
    this.#views();
    const at = this.#stage(key, 'delete');
    const slot = this.#find(at, this.#hash(at));
    if (slot === NONE) return false;
    this.#remove(slot);
    return true;
  }

  /** Iteration: bucket by bucket, along each chain; an unknown key restarts at the first, as the kernel's htab does. */
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    this.#views();
    let bucket = 0;
    let slot = NONE;
    if (key !== undefined) {
      const at = this.#stage(key, 'next key');
      const hash = this.#hash(at);
      const found = this.#find(at, hash);
      if (found !== NONE) {
        slot = this.#next[found]!;
        bucket = (hash & (this.#buckets.length - 1)) + 1;
      }
    }
    while (slot === NONE && bucket < this.#buckets.length) slot = this.#buckets[bucket++]!;
    if (slot === NONE) return undefined;
    const at = this.#keyAt(slot);
    return this.space.bytes.slice(at, at + this.spec.keySize);
  }

  /** Keys from least to most recently used (LRU maps), for tests and inspection. */
  lruOrder(): Uint8Array[] {
    this.#views();
    const out: Uint8Array[] = [];
    for (let s = this.#leastRecent; s !== NONE; s = this.#newer[s]!) out.push(this.space.bytes.slice(this.#keyAt(s), this.#keyAt(s) + this.spec.keySize));
    return out;
  }

  free(): void {
    this.space.release(this.#region);
    this.space.release(this.#index);
    this.space.release(this.#scratchKey);
  }
}
