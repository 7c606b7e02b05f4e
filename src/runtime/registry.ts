/**
 * The maps and programs of a runtime, by name, by id and by address.
 *
 * A program holds a map as an address: each map gets a small read-only
 * descriptor region in the address space, and helpers turn that address back
 * into the map. Programs get ids too, which prog arrays store as values.
 */
import type { AddressSpace, Region } from '../memory/index.js';
import type { BpfMap } from '../maps/map.js';

export class UnknownMapError extends Error {
  override readonly name = 'UnknownMapError';
  readonly code = 'UNKNOWN_MAP';
  constructor(readonly map: string, known: readonly string[]) {
    super(`no map named ${map}${known.length ? ` (maps: ${known.join(', ')})` : ' (the runtime has no maps)'}`);
  }
}

interface Entry {
  readonly map: BpfMap;
  readonly id: number;
  readonly descriptor: Region;
}

export class MapRegistry {
  #byName = new Map<string, Entry>();
  #byAddress = new Map<number, Entry>();
  #byId = new Map<number, Entry>();
  #nextId = 1;

  constructor(private readonly space: AddressSpace) {}

  /** Registers a map and gives it an id and a descriptor address. */
  add(map: BpfMap): { id: number; address: number } {
    if (this.#byName.has(map.name)) throw new Error(`a map named ${map.name} already exists in this runtime`);
    // 8 bytes holding the id: enough to be a distinct, valid, read-only address.
    const descriptor = this.space.allocate(8, { kind: 'map-storage', name: `map ${map.name}`, writable: false });
    const id = this.#nextId++;
    this.space.view.setUint32(descriptor.start, id, true);
    const entry = { map, id, descriptor };
    this.#byName.set(map.name, entry);
    this.#byAddress.set(descriptor.start, entry);
    this.#byId.set(id, entry);
    return { id, address: descriptor.start };
  }

  /** @throws UnknownMapError naming the maps there are. */
  get(name: string): BpfMap {
    const entry = this.#byName.get(name);
    if (!entry) throw new UnknownMapError(name, [...this.#byName.keys()]);
    return entry.map;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  at(address: number): BpfMap | undefined {
    return this.#byAddress.get(address)?.map;
  }

  byId(id: number): BpfMap | undefined {
    return this.#byId.get(id)?.map;
  }

  idOf(map: BpfMap): number {
    return this.#entry(map).id;
  }

  addressOf(map: BpfMap): number {
    return this.#entry(map).descriptor.start;
  }

  #entry(map: BpfMap): Entry {
    const entry = this.#byName.get(map.name);
    if (!entry || entry.map !== map) throw new UnknownMapError(map.name, [...this.#byName.keys()]);
    return entry;
  }

  [Symbol.iterator](): IterableIterator<BpfMap> {
    return [...this.#byName.values()].map((e) => e.map)[Symbol.iterator]();
  }

  /** Frees a map and its descriptor. */
  remove(map: BpfMap): void {
    const entry = this.#entry(map);
    this.#byName.delete(map.name);
    this.#byAddress.delete(entry.descriptor.start);
    this.#byId.delete(entry.id);
    this.space.release(entry.descriptor);
    map.free();
  }
}
