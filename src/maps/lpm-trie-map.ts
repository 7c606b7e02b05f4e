/**
 * BPF_MAP_TYPE_LPM_TRIE: keys are a u32 prefix length and the address bytes
 * (network order); a lookup finds the longest stored prefix that covers the
 * key. Values sit in the address space; the index is one JS map per prefix
 * length, so a lookup costs one probe per length, longest first.
 */
import type { AddressSpace, Region } from '../memory/index.js';
import { Errno, MapFlags, MapOperationError, MapSpecError, UpdateFlag, type BpfMap, type MapContext, type MapSpec } from './map.js';

const round8 = (n: number) => Math.ceil(n / 8) * 8;

export class LpmTrie implements BpfMap {
  readonly name: string;
  readonly space: AddressSpace;
  readonly #region: Region;
  readonly #bits: number;
  readonly #slotSize: number;
  readonly #keyStride: number;
  /** prefix length → masked address (hex) → slot */
  readonly #byLength = new Map<number, Map<string, number>>();
  readonly #free: number[] = [];
  #count = 0;

  constructor(readonly spec: MapSpec, ctx: MapContext) {
    this.name = spec.name ?? spec.type;
    this.space = ctx.space;
    const dataSize = spec.keySize - 4;
    if (dataSize < 1 || dataSize > 256) throw new MapSpecError(this.name, `an LPM key is a u32 prefix length and 1 to 256 bytes of data; key_size ${spec.keySize} is not`);
    if (!((spec.flags ?? 0) & MapFlags.NO_PREALLOC)) throw new MapSpecError(this.name, 'an LPM trie must be created with BPF_F_NO_PREALLOC');
    if (spec.valueSize < 1 || spec.maxEntries < 1) throw new MapSpecError(this.name, 'value size and max_entries must be at least 1');
    this.#bits = dataSize * 8;
    this.#keyStride = round8(spec.keySize);
    this.#slotSize = this.#keyStride + round8(spec.valueSize);
    this.#region = ctx.space.allocate(spec.maxEntries * this.#slotSize, { kind: 'map-value', name: `map ${this.name}` });
    for (let i = spec.maxEntries - 1; i >= 0; i--) this.#free.push(i);
  }

  get memoryBytes(): number {
    return this.#region.size;
  }

  get size(): number {
    return this.#count;
  }

  /** The key's prefix length and its data masked to that length, as an index key. */
  #parse(key: Uint8Array): { length: number; masked: string } {
    const length = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
    const data = key.slice(4);
    const bits = Math.min(length, this.#bits);
    for (let i = 0; i < data.length; i++) {
      const keep = Math.max(0, Math.min(8, bits - i * 8));
      data[i]! &= (0xff << (8 - keep)) & 0xff;
    }
    return { length, masked: Buffer.from(data).toString('hex') };
  }

  #read(address: number): Uint8Array | undefined {
    return this.space.regionAt(address, this.spec.keySize) ? this.space.bytes.slice(address, address + this.spec.keySize) : undefined;
  }

  #valueAt(slot: number): number {
    return this.#region.start + slot * this.#slotSize + this.#keyStride;
  }

  /** Longest match: stored prefixes no longer than the key's own length, longest first. */
  #match(key: Uint8Array): number | undefined {
    const limit = Math.min(new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true), this.#bits);
    const probe = Uint8Array.from(key);
    for (let length = limit; length >= 0; length--) {
      const table = this.#byLength.get(length);
      if (!table) continue;
      new DataView(probe.buffer).setUint32(0, length, true);
      const slot = table.get(this.#parse(probe).masked);
      if (slot !== undefined) return slot;
    }
    return undefined;
  }

  #insert(key: Uint8Array, flags: number, write: (valueAddress: number) => void): number {
    if (flags < 0 || flags > UpdateFlag.EXIST) return -Errno.EINVAL;
    const { length, masked } = this.#parse(key);
    if (length > this.#bits) return -Errno.EINVAL;
    const table = this.#byLength.get(length) ?? new Map<string, number>();
    let slot = table.get(masked);
    if (slot !== undefined && flags === UpdateFlag.NOEXIST) return -Errno.EEXIST;
    if (slot === undefined && flags === UpdateFlag.EXIST) return -Errno.ENOENT;
    if (slot === undefined) {
      // A full trie refuses new prefixes with ENOSPC, not E2BIG.
      if (this.#free.length === 0) return -Errno.ENOSPC;
      slot = this.#free.pop()!;
      const keyAt = this.#region.start + slot * this.#slotSize;
      this.space.bytes.set(key, keyAt);
      new DataView(this.space.memory.buffer).setUint32(keyAt, length, true);
      table.set(masked, slot);
      this.#byLength.set(length, table);
      this.#count++;
    }
    write(this.#valueAt(slot));
    return 0;
  }

  #remove(key: Uint8Array): number {
    const { length, masked } = this.#parse(key);
    const table = this.#byLength.get(length);
    const slot = table?.get(masked);
    if (slot === undefined) return -Errno.ENOENT;
    table!.delete(masked);
    if (table!.size === 0) this.#byLength.delete(length);
    this.#free.push(slot);
    this.#count--;
    return 0;
  }

  lookupAddress(keyAddress: number): number {
    const key = this.#read(keyAddress);
    const slot = key && this.#match(key);
    return slot === undefined || !key ? 0 : this.#valueAt(slot);
  }

  updateFrom(keyAddress: number, valueAddress: number, flags: number): number {
    const key = this.#read(keyAddress);
    if (!key || !this.space.regionAt(valueAddress, this.spec.valueSize)) return -Errno.EFAULT;
    return this.#insert(key, flags, (to) => this.space.bytes.copyWithin(to, valueAddress, valueAddress + this.spec.valueSize));
  }

  deleteFrom(keyAddress: number): number {
    const key = this.#read(keyAddress);
    return key ? this.#remove(key) : -Errno.EFAULT;
  }

  #check(key: Uint8Array, operation: string): void {
    if (key.length !== this.spec.keySize) throw new MapOperationError('EINVAL', this.name, operation, `keys are ${this.spec.keySize} bytes (prefix length + data), not ${key.length}`);
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.#check(key, 'lookup');
    const slot = this.#match(key);
    return slot === undefined ? undefined : this.space.bytes.slice(this.#valueAt(slot), this.#valueAt(slot) + this.spec.valueSize);
  }

  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
    this.#check(key, 'update');
    if (value.length !== this.spec.valueSize) throw new MapOperationError('EINVAL', this.name, 'update', `values are ${this.spec.valueSize} bytes, not ${value.length}`);
    const result = this.#insert(key, flags, (to) => this.space.bytes.set(value, to));
    const codes: Record<number, 'EINVAL' | 'EEXIST' | 'ENOENT' | 'ENOSPC'> = { [-Errno.EINVAL]: 'EINVAL', [-Errno.EEXIST]: 'EEXIST', [-Errno.ENOENT]: 'ENOENT', [-Errno.ENOSPC]: 'ENOSPC' };
    if (result !== 0) throw new MapOperationError(codes[result]!, this.name, 'update');
  }

  delete(key: Uint8Array): boolean {
    this.#check(key, 'delete');
    return this.#remove(key) === 0;
  }

  /** Stored prefixes, longest first then by address; an unknown key restarts at the first. */
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    const all: Uint8Array[] = [];
    for (const length of [...this.#byLength.keys()].sort((a, b) => b - a)) {
      for (const slot of [...this.#byLength.get(length)!.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s)) {
        const at = this.#region.start + slot * this.#slotSize;
        all.push(this.space.bytes.slice(at, at + this.spec.keySize));
      }
    }
    if (key === undefined) return all[0];
    const hex = Buffer.from(key).toString('hex');
    const at = all.findIndex((k) => Buffer.from(k).toString('hex') === hex);
    return at < 0 ? all[0] : all[at + 1];
  }

  free(): void {
    this.space.release(this.#region);
  }
}
