/**
 * Maps whose values are other objects of the runtime: prog arrays (tail-call
 * targets) and maps of maps. The user side stores ids (the kernel takes fds
 * there); programs never read the values as bytes — they pass a prog array to
 * bpf_tail_call, and a lookup in a map of maps gives the inner map itself — so
 * the slots live in JS, and only keys are read from the address space.
 */
import type { AddressSpace } from '../memory/index.js';
import { Errno, MapOperationError, MapSpecError, UpdateFlag, type BpfMap, type MapContext, type MapSpec } from './map.js';

/** What slot maps need from the runtime: whether an id names a program / a compatible map, and a map's address. */
export interface SlotResolver {
  /** For prog arrays: the program with this id exists. */
  programExists?(id: number): boolean;
  /** For maps of maps: why the map with this id cannot be an inner map here (undefined when it can). */
  checkInnerMap?(id: number, template: MapSpec | undefined): string | undefined;
  /** For maps of maps: the descriptor address of the map with this id (0 when gone). */
  mapAddress?(id: number): number;
}

export interface SlotMapContext extends MapContext {
  readonly resolver: SlotResolver;
  /** Maps of maps: the definition every inner map must match. */
  readonly innerMap?: MapSpec;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

/** Shared by prog_array, array_of_maps and hash_of_maps: keys to ids. */
export class SlotMap implements BpfMap {
  readonly name: string;
  readonly space: AddressSpace;
  readonly memoryBytes = 0;
  readonly #slots = new Map<string, number>();
  readonly #resolver: SlotResolver;
  readonly #indexed: boolean;
  readonly innerMap?: MapSpec;

  constructor(readonly spec: MapSpec, ctx: SlotMapContext) {
    this.name = spec.name ?? spec.type;
    this.space = ctx.space;
    this.#resolver = ctx.resolver;
    this.#indexed = spec.type !== 'hash_of_maps';
    if (spec.type !== 'prog_array' && spec.type !== 'array_of_maps' && spec.type !== 'hash_of_maps') {
      throw new MapSpecError(this.name, `a slot map is a prog_array, array_of_maps or hash_of_maps, not ${spec.type}`);
    }
    if (spec.valueSize !== 4) throw new MapSpecError(this.name, `${spec.type} values are 4-byte ids, not ${spec.valueSize} bytes`);
    if (this.#indexed && spec.keySize !== 4) throw new MapSpecError(this.name, `${spec.type} keys are 4-byte indexes, not ${spec.keySize} bytes`);
    if (spec.keySize < 1 || spec.maxEntries < 1) throw new MapSpecError(this.name, 'key size and max_entries must be at least 1');
    if (spec.type !== 'prog_array') {
      if (!ctx.innerMap) throw new MapSpecError(this.name, `${spec.type} needs an inner map definition`);
      this.innerMap = ctx.innerMap;
    }
  }

  #key(key: Uint8Array, operation: string): string {
    if (key.length !== this.spec.keySize) throw new MapOperationError('EINVAL', this.name, operation, `keys are ${this.spec.keySize} bytes, not ${key.length}`);
    return hex(key);
  }

  #index(key: string): number {
    return new DataView(fromHex(key).buffer).getUint32(0, true);
  }

  #readKey(address: number): string | undefined {
    if (!this.space.regionAt(address, this.spec.keySize)) return undefined;
    return hex(this.space.bytes.slice(address, address + this.spec.keySize));
  }

  /** The id in a slot, for the runtime (tail calls). */
  idAt(key: Uint8Array | number): number | undefined {
    const k = typeof key === 'number' ? hex(new Uint8Array(Uint32Array.of(key).buffer)) : hex(key);
    return this.#slots.get(k);
  }

  lookupAddress(keyAddress: number): number {
    if (this.spec.type === 'prog_array') return 0; // programs cannot look into prog arrays
    const key = this.#readKey(keyAddress);
    const id = key === undefined ? undefined : this.#slots.get(key);
    return id === undefined ? 0 : this.#resolver.mapAddress?.(id) ?? 0;
  }

  updateFrom(): number {
    // The verifier lets programs change neither prog arrays nor maps of maps.
    return -Errno.EINVAL;
  }

  deleteFrom(keyAddress: number): number {
    if (this.spec.type === 'prog_array') return -Errno.EINVAL;
    const key = this.#readKey(keyAddress);
    if (key === undefined) return -Errno.EFAULT;
    return this.#slots.delete(key) ? 0 : -Errno.ENOENT;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const id = this.#slots.get(this.#key(key, 'lookup'));
    return id === undefined ? undefined : new Uint8Array(Uint32Array.of(id).buffer);
  }

  update(key: Uint8Array, value: Uint8Array, flags: number = UpdateFlag.ANY): void {
    const k = this.#key(key, 'update');
    if (value.length !== 4) throw new MapOperationError('EINVAL', this.name, 'update', `values are 4-byte ids, not ${value.length} bytes`);
    if (flags > UpdateFlag.EXIST) throw new MapOperationError('EINVAL', this.name, 'update', `flags ${flags}`);
    const id = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
    if (this.#indexed) {
      if (this.#index(k) >= this.spec.maxEntries) throw new MapOperationError('E2BIG', this.name, 'update', `index ${this.#index(k)} ≥ max_entries ${this.spec.maxEntries}`);
      // Array slots always exist, so BPF_NOEXIST can never succeed.
      if (flags === UpdateFlag.NOEXIST) throw new MapOperationError('EEXIST', this.name, 'update');
    } else {
      const present = this.#slots.has(k);
      if (flags === UpdateFlag.NOEXIST && present) throw new MapOperationError('EEXIST', this.name, 'update');
      if (flags === UpdateFlag.EXIST && !present) throw new MapOperationError('ENOENT', this.name, 'update');
      if (!present && this.#slots.size >= this.spec.maxEntries) throw new MapOperationError('E2BIG', this.name, 'update', 'the map is full');
    }
    if (this.spec.type === 'prog_array') {
      if (!this.#resolver.programExists?.(id)) throw new MapOperationError('EBADF', this.name, 'update', `no program with id ${id}`);
    } else {
      const why = this.#resolver.checkInnerMap?.(id, this.innerMap);
      if (why) throw new MapOperationError('EINVAL', this.name, 'update', why);
    }
    this.#slots.set(k, id);
  }

  delete(key: Uint8Array): boolean {
    return this.#slots.delete(this.#key(key, 'delete'));
  }

  nextKey(key?: Uint8Array): Uint8Array | undefined {
    if (this.#indexed) {
      const next = key === undefined ? 0 : new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true) + 1;
      return next < this.spec.maxEntries ? new Uint8Array(Uint32Array.of(next).buffer) : undefined;
    }
    const keys = [...this.#slots.keys()];
    const at = key === undefined ? -1 : keys.indexOf(hex(key));
    const next = keys[at + 1];
    return next === undefined ? undefined : fromHex(next);
  }

  free(): void {
    this.#slots.clear();
  }
}
