/**
 * BPF_MAP_TYPE_BLOOM_FILTER: push adds a value, peek answers "maybe present"
 * (0) or "certainly absent" (-ENOENT). The number of hash functions is the low
 * 4 bits of map_extra (default 5), the bit array sized for max_entries as the
 * kernel sizes it. The bits differ from the kernel's (other hash), the answers'
 * guarantees do not: no false negatives.
 */
import type { AddressSpace, Region } from '../memory/index.js';
import { Errno, MapOperationError, MapSpecError, type BpfMap, type MapContext, type MapSpec } from './map.js';

export class BloomFilter implements BpfMap {
  readonly name: string;
  readonly space: AddressSpace;
  readonly hashes: number;
  readonly #region: Region;
  readonly #mask: number;

  constructor(readonly spec: MapSpec, ctx: MapContext) {
    this.name = spec.name ?? spec.type;
    this.space = ctx.space;
    if (spec.keySize !== 0) throw new MapSpecError(this.name, `a bloom filter has no key (key_size 0, not ${spec.keySize})`);
    if (spec.valueSize < 1 || spec.maxEntries < 1) throw new MapSpecError(this.name, 'value size and max_entries must be at least 1');
    if ((spec.mapExtra ?? 0) > 15) throw new MapSpecError(this.name, `map_extra ${spec.mapExtra}: the number of hash functions is at most 15`);
    this.hashes = (spec.mapExtra ?? 0) & 15 || 5;
    // The kernel's sizing: max_entries * hashes / ln 2 bits, rounded up to a power of two.
    let bits = 32;
    while (bits < (spec.maxEntries * this.hashes) / Math.LN2) bits *= 2;
    this.#mask = bits - 1;
    this.#region = ctx.space.allocate(bits / 8, { kind: 'map-storage', name: `map ${this.name}` });
  }

  get memoryBytes(): number {
    return this.#region.size;
  }

  /** Bit i of the value: FNV-1a seeded by i, over the value's bytes in memory. */
  #bit(address: number, i: number): number {
    const bytes = this.space.bytes;
    let h = (0x811c9dc5 ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
    for (let k = 0; k < this.spec.valueSize; k++) h = Math.imul(h ^ bytes[address + k]!, 0x01000193);
    h ^= h >>> 15;
    return (Math.imul(h, 0x2c1b3c6d) >>> 0) & this.#mask;
  }

  push(valueAddress: number, flags: number): number {
    if (flags !== 0) return -Errno.EINVAL;
    if (!this.space.regionAt(valueAddress, this.spec.valueSize)) return -Errno.EFAULT;
    const bytes = this.space.bytes;
    for (let i = 0; i < this.hashes; i++) {
      const b = this.#bit(valueAddress, i);
      bytes[this.#region.start + (b >> 3)]! |= 1 << (b & 7);
    }
    return 0;
  }

  peek(valueAddress: number): number {
    if (!this.space.regionAt(valueAddress, this.spec.valueSize)) return -Errno.EFAULT;
    const bytes = this.space.bytes;
    for (let i = 0; i < this.hashes; i++) {
      const b = this.#bit(valueAddress, i);
      if (!(bytes[this.#region.start + (b >> 3)]! & (1 << (b & 7)))) return -Errno.ENOENT;
    }
    return 0;
  }

  pop(): number {
    return -Errno.EOPNOTSUPP;
  }

  #staged<T>(value: Uint8Array, fn: (address: number) => T): T {
    if (value.length !== this.spec.valueSize) throw new MapOperationError('EINVAL', this.name, 'bloom filter', `values are ${this.spec.valueSize} bytes, not ${value.length}`);
    const scratch = this.space.allocate(value.length, { kind: 'scratch' });
    try {
      this.space.bytes.set(value, scratch.start);
      return fn(scratch.start);
    } finally {
      this.space.release(scratch);
    }
  }

  /** User side: add a value. */
  add(value: Uint8Array): void {
    this.#staged(value, (a) => this.push(a, 0));
  }

  /** User side: false when the value was certainly never added. */
  mayContain(value: Uint8Array): boolean {
    return this.#staged(value, (a) => this.peek(a)) === 0;
  }

  lookupAddress(): number {
    return 0;
  }

  updateFrom(_key: number, valueAddress: number, flags: number): number {
    return this.push(valueAddress, flags);
  }

  deleteFrom(): number {
    return -Errno.EOPNOTSUPP;
  }

  lookup(): Uint8Array | undefined {
    throw new MapOperationError('EINVAL', this.name, 'lookup', 'ask a bloom filter with mayContain(value)');
  }

  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    if (key.length !== 0) throw new MapOperationError('EINVAL', this.name, 'update', 'a bloom filter takes no key');
    if (flags !== 0) throw new MapOperationError('EINVAL', this.name, 'update', `flags ${flags}`);
    this.add(value);
  }

  delete(): boolean {
    throw new MapOperationError('EOPNOTSUPP', this.name, 'delete', 'values cannot be removed from a bloom filter');
  }

  nextKey(): Uint8Array | undefined {
    throw new MapOperationError('EINVAL', this.name, 'next key', 'a bloom filter has no keys');
  }

  free(): void {
    this.space.release(this.#region);
  }
}
