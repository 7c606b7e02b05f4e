/**
 * BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO): keyless maps of
 * values, pushed and popped by copy. As in the kernel, BPF_EXIST on a full map
 * overwrites the oldest value instead of failing.
 */
import type { AddressSpace, Region } from '../memory/index.js';
import { Errno, MapOperationError, MapSpecError, UpdateFlag, type BpfMap, type MapContext, type MapSpec } from './map.js';

export class QueueMap implements BpfMap {
  readonly name: string;
  readonly space: AddressSpace;
  readonly #region: Region;
  readonly #stride: number;
  readonly #lifo: boolean;
  /** Ring positions: `tail` is the oldest value, `head` where the next goes. */
  #head = 0;
  #tail = 0;
  #count = 0;

  constructor(readonly spec: MapSpec, ctx: MapContext) {
    this.name = spec.name ?? spec.type;
    this.space = ctx.space;
    if (spec.type !== 'queue' && spec.type !== 'stack') throw new MapSpecError(this.name, `not a queue or stack: ${spec.type}`);
    if (spec.keySize !== 0) throw new MapSpecError(this.name, `${spec.type} maps have no key (key_size 0, not ${spec.keySize})`);
    if (spec.valueSize < 1 || spec.maxEntries < 1) throw new MapSpecError(this.name, 'value size and max_entries must be at least 1');
    this.#lifo = spec.type === 'stack';
    this.#stride = Math.ceil(spec.valueSize / 8) * 8;
    this.#region = ctx.space.allocate(spec.maxEntries * this.#stride, { kind: 'map-storage', name: `map ${this.name}` });
  }

  get memoryBytes(): number {
    return this.#region.size;
  }

  get size(): number {
    return this.#count;
  }

  #slot(i: number): number {
    return this.#region.start + i * this.#stride;
  }

  /** Where the value to pop or peek is. */
  #front(): number {
    return this.#lifo ? (this.#head + this.spec.maxEntries - 1) % this.spec.maxEntries : this.#tail;
  }

  #pushFrom(read: (to: number) => void, flags: number): number {
    if (flags !== 0 && flags !== UpdateFlag.EXIST) return -Errno.EINVAL;
    if (this.#count === this.spec.maxEntries) {
      if (flags !== UpdateFlag.EXIST) return -Errno.E2BIG;
      this.#tail = (this.#tail + 1) % this.spec.maxEntries;
      this.#count--;
    }
    read(this.#slot(this.#head));
    this.#head = (this.#head + 1) % this.spec.maxEntries;
    this.#count++;
    return 0;
  }

  #take(remove: boolean, write: (from: number) => void): number {
    if (this.#count === 0) return -Errno.ENOENT;
    const at = this.#front();
    write(this.#slot(at));
    if (remove) {
      if (this.#lifo) this.#head = at;
      else this.#tail = (this.#tail + 1) % this.spec.maxEntries;
      this.#count--;
    }
    return 0;
  }

  // ---- program side (bpf_map_push_elem / pop / peek)
  push(valueAddress: number, flags: number): number {
    if (!this.space.regionAt(valueAddress, this.spec.valueSize)) return -Errno.EFAULT;
    return this.#pushFrom((to) => this.space.bytes.copyWithin(to, valueAddress, valueAddress + this.spec.valueSize), flags);
  }

  pop(valueAddress: number): number {
    if (!this.space.regionAt(valueAddress, this.spec.valueSize)) return -Errno.EFAULT;
    return this.#take(true, (from) => this.space.bytes.copyWithin(valueAddress, from, from + this.spec.valueSize));
  }

  peek(valueAddress: number): number {
    if (!this.space.regionAt(valueAddress, this.spec.valueSize)) return -Errno.EFAULT;
    return this.#take(false, (from) => this.space.bytes.copyWithin(valueAddress, from, from + this.spec.valueSize));
  }

  lookupAddress(): number {
    return 0; // the verifier lets programs only push, pop and peek
  }

  updateFrom(_key: number, valueAddress: number, flags: number): number {
    return this.push(valueAddress, flags);
  }

  deleteFrom(): number {
    return -Errno.EINVAL;
  }

  // ---- user side: BPF_MAP_UPDATE_ELEM pushes, LOOKUP peeks, LOOKUP_AND_DELETE pops
  pushValue(value: Uint8Array, flags = 0): void {
    if (value.length !== this.spec.valueSize) throw new MapOperationError('EINVAL', this.name, 'push', `values are ${this.spec.valueSize} bytes, not ${value.length}`);
    const result = this.#pushFrom((to) => this.space.bytes.set(value, to), flags);
    if (result === -Errno.EINVAL) throw new MapOperationError('EINVAL', this.name, 'push', `flags ${flags}`);
    if (result === -Errno.E2BIG) throw new MapOperationError('E2BIG', this.name, 'push', 'the map is full (BPF_EXIST overwrites the oldest)');
  }

  popValue(): Uint8Array | undefined {
    let out: Uint8Array | undefined;
    this.#take(true, (from) => (out = this.space.bytes.slice(from, from + this.spec.valueSize)));
    return out;
  }

  peekValue(): Uint8Array | undefined {
    let out: Uint8Array | undefined;
    this.#take(false, (from) => (out = this.space.bytes.slice(from, from + this.spec.valueSize)));
    return out;
  }

  #noKey(key: Uint8Array, operation: string): void {
    if (key.length !== 0) throw new MapOperationError('EINVAL', this.name, operation, `${this.spec.type} maps take no key`);
  }

  lookup(key: Uint8Array = new Uint8Array(0)): Uint8Array | undefined {
    this.#noKey(key, 'lookup');
    return this.peekValue();
  }

  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.#noKey(key, 'update');
    this.pushValue(value, flags);
  }

  delete(): boolean {
    throw new MapOperationError('EINVAL', this.name, 'delete', `${this.spec.type} maps are popped, not deleted from`);
  }

  nextKey(): Uint8Array | undefined {
    throw new MapOperationError('EINVAL', this.name, 'next key', `${this.spec.type} maps have no keys`);
  }

  free(): void {
    this.space.release(this.#region);
  }
}
