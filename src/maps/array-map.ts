/**
 * BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY: preallocated slots indexed
 * by a u32 key, each value rounded up to 8 bytes as the kernel lays them out;
 * a per-CPU array keeps one slot per worker for each index.
 */
import type { AddressSpace, Region } from '../memory/index.js';
import { Errno, MapOperationError, MapSpecError, UpdateFlag, type BpfMap, type MapContext, type MapSpec } from './map.js';

const round8 = (n: number) => Math.ceil(n / 8) * 8;

export class ArrayMap implements BpfMap {
  readonly name: string;
  readonly space: AddressSpace;
  readonly cpus: number;
  readonly #region: Region;
  readonly #stride: number;
  readonly #perCpu: boolean;

  constructor(readonly spec: MapSpec, ctx: MapContext) {
    this.name = spec.name ?? spec.type;
    this.space = ctx.space;
    this.#perCpu = spec.type === 'percpu_array';
    this.cpus = this.#perCpu ? ctx.cpus ?? 1 : 1;
    if (spec.type !== 'array' && spec.type !== 'percpu_array') throw new MapSpecError(this.name, `not an array type: ${spec.type}`);
    if (spec.keySize !== 4) throw new MapSpecError(this.name, `array keys are 4-byte indexes, not ${spec.keySize} bytes`);
    if (spec.valueSize < 1 || spec.maxEntries < 1) throw new MapSpecError(this.name, 'value size and max_entries must be at least 1');
    this.#stride = round8(spec.valueSize);
    const bytes = spec.maxEntries * this.#stride * this.cpus;
    if (bytes > 2 ** 31) throw new MapSpecError(this.name, `${bytes} bytes of values do not fit the address space`);
    this.#region = ctx.space.allocate(bytes, { kind: 'map-value', name: `map ${this.name}` });
  }

  get memoryBytes(): number {
    return this.#region.size;
  }

  /** Bytes between consecutive values (value_size rounded up to 8). */
  get stride(): number {
    return this.#stride;
  }

  /** Where index `i`'s value for `cpu` lives. */
  valueAddress(index: number, cpu = 0): number {
    return this.#region.start + (index * this.cpus + (this.#perCpu ? cpu : 0)) * this.#stride;
  }

  #readIndex(keyAddress: number): number | undefined {
    if (!this.space.regionAt(keyAddress, 4)) return undefined;
    return this.space.view.getUint32(keyAddress, true);
  }

  lookupAddress(keyAddress: number, cpu: number): number {
    const i = this.#readIndex(keyAddress);
    return i === undefined || i >= this.spec.maxEntries ? 0 : this.valueAddress(i, cpu);
  }

  updateFrom(keyAddress: number, valueAddress: number, flags: number, cpu: number): number {
    if (flags > UpdateFlag.LOCK || (flags & 3) === 3) return -Errno.EINVAL;
    const i = this.#readIndex(keyAddress);
    if (i === undefined || !this.space.regionAt(valueAddress, this.spec.valueSize)) return -Errno.EFAULT;
    if (i >= this.spec.maxEntries) return -Errno.E2BIG;
    // Every index always exists.
    if ((flags & 3) === UpdateFlag.NOEXIST) return -Errno.EEXIST;
    const to = this.valueAddress(i, cpu);
    this.space.bytes.copyWithin(to, valueAddress, valueAddress + this.spec.valueSize);
    return 0;
  }

  deleteFrom(): number {
    return -Errno.EINVAL;
  }

  #index(key: Uint8Array, operation: string): number {
    if (key.length !== 4) throw new MapOperationError('EINVAL', this.name, operation, `keys are 4 bytes, not ${key.length}`);
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }

  /** The user's view of a value: value_size bytes, or for per-CPU arrays one 8-byte-rounded slot per CPU. */
  get userValueSize(): number {
    return this.#perCpu ? this.#stride * this.cpus : this.spec.valueSize;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const i = this.#index(key, 'lookup');
    if (i >= this.spec.maxEntries) return undefined;
    const at = this.valueAddress(i, 0);
    return this.space.bytes.slice(at, at + this.userValueSize);
  }

  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
    const i = this.#index(key, 'update');
    if (value.length !== this.userValueSize) {
      throw new MapOperationError('EINVAL', this.name, 'update', `values are ${this.userValueSize} bytes${this.#perCpu ? ` (${this.cpus} CPUs × ${this.#stride})` : ''}, not ${value.length}`);
    }
    if (flags > UpdateFlag.LOCK || (flags & 3) === 3) throw new MapOperationError('EINVAL', this.name, 'update', `flags ${flags}`);
    if (i >= this.spec.maxEntries) throw new MapOperationError('E2BIG', this.name, 'update', `index ${i} ≥ max_entries ${this.spec.maxEntries}`);
    if ((flags & 3) === UpdateFlag.NOEXIST) throw new MapOperationError('EEXIST', this.name, 'update', 'array elements always exist');
    if (this.#perCpu) this.space.bytes.set(value, this.valueAddress(i, 0));
    else this.space.bytes.set(value, this.valueAddress(i));
  }

  delete(key: Uint8Array): boolean {
    this.#index(key, 'delete');
    throw new MapOperationError('EINVAL', this.name, 'delete', 'array elements cannot be deleted');
  }

  nextKey(key?: Uint8Array): Uint8Array | undefined {
    const i = key === undefined ? -1 : this.#index(key, 'next key');
    // An index past the end restarts at 0, as the kernel's array_map_get_next_key does.
    const next = i >= this.spec.maxEntries ? 0 : i + 1;
    return next < this.spec.maxEntries ? new Uint8Array(Uint32Array.of(next).buffer) : undefined;
  }

  free(): void {
    this.space.release(this.#region);
  }
}
