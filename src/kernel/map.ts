/** Maps in the kernel: BPF_MAP_CREATE and the element commands. */
import { readFileSync } from 'node:fs';
import { Cmd, MapType, type MapTypeName, PERCPU_MAP_TYPES, UpdateFlags } from './constants.js';
import { FileDescriptor } from './fd.js';
import { openPinned, pin } from './pin.js';
import { SyscallError, addressOf, bpf } from './syscall.js';

/** A map operation the kernel refused: the errno's name, the map and the operation. */
export class MapError extends Error {
  override readonly name = 'MapError';
  constructor(readonly code: string, readonly errno: number, readonly map: string, readonly operation: string) {
    super(`map ${map}: ${operation} failed with ${code}`);
  }
}

export interface MapSpec {
  readonly type: MapTypeName;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  readonly name?: string;
  /** Map-in-map: a map of the kind the slots will hold. */
  readonly innerMapFd?: number;
  readonly numaNode?: number;
  /** bloom_filter: number of hash functions. */
  readonly mapExtra?: number;
  /** BTF for the key and value (needed for spin locks, timers and pretty printing). */
  readonly btf?: { readonly fd: number; readonly keyType: number; readonly valueType: number };
}

let possible: number | undefined;

/** CPUs the kernel may bring up (`/sys/devices/system/cpu/possible`, e.g. `0-3`): the count per-CPU values have. */
export function possibleCpus(): number {
  if (possible !== undefined) return possible;
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  possible = Math.max(...text.split(',').map((part) => Number(part.split('-').at(-1)))) + 1;
  return possible;
}

export interface MapInfo {
  readonly type: number;
  readonly id: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly name: string;
}

/** A map in the kernel. */
export class KernelMap {
  readonly fd: FileDescriptor;
  readonly name: string;
  /**
   * Bytes of a value as the user sees it: value_size, or for per-CPU maps
   * round_up(value_size, 8) × possible CPUs, one slot per CPU.
   */
  readonly userValueSize: number;

  private constructor(fd: FileDescriptor, readonly spec: MapSpec) {
    this.fd = fd;
    this.name = spec.name ?? spec.type;
    this.userValueSize = PERCPU_MAP_TYPES.has(spec.type) ? Math.ceil(spec.valueSize / 8) * 8 * possibleCpus() : spec.valueSize;
  }

  /** A map already in the kernel, by fd (from a pin, say); its spec is read back from the kernel. */
  static fromFd(fd: number, name?: string): KernelMap {
    const holder = new FileDescriptor(fd);
    const info = mapInfo(holder, name ?? 'map');
    const type = (Object.keys(MapType) as MapTypeName[]).find((k) => MapType[k] === info.type);
    if (!type) {
      holder.close();
      throw new MapError('EINVAL', 22, info.name, `open (unsupported map type ${info.type})`);
    }
    return new KernelMap(holder, { type, keySize: info.keySize, valueSize: info.valueSize, maxEntries: info.maxEntries, flags: info.flags, name: name ?? info.name });
  }

  /** Makes the map read-only for user space from now on (BPF_MAP_FREEZE), as libbpf does with .rodata. */
  freeze(): void {
    const attr = Buffer.alloc(4);
    attr.writeUInt32LE(this.fd.value, 0);
    call(Cmd.MAP_FREEZE, attr, this.name, 'freeze');
  }

  /** Pins the map in bpffs at `path`; it outlives this process until the path is removed. */
  pin(path: string): void {
    pin(this.fd, path);
  }

  /** A new handle on a map by its id (BPF_MAP_GET_FD_BY_ID). */
  static fromId(id: number): KernelMap {
    const attr = Buffer.alloc(12);
    attr.writeUInt32LE(id, 0);
    return KernelMap.fromFd(call(Cmd.MAP_GET_FD_BY_ID, attr, `#${id}`, 'get by id'));
  }

  /** Opens the map pinned at `path`. */
  static openPinned(path: string): KernelMap {
    return KernelMap.fromFd(openPinned(path));
  }

  /** What the kernel says of this map (BPF_OBJ_GET_INFO_BY_FD). */
  info(): MapInfo {
    return mapInfo(this.fd, this.name);
  }

  /** @throws {MapError} when the kernel refuses the definition. */
  static create(spec: MapSpec): KernelMap {
    const attr = Buffer.alloc(72);
    attr.writeUInt32LE(MapType[spec.type], 0);
    attr.writeUInt32LE(spec.keySize, 4);
    attr.writeUInt32LE(spec.valueSize, 8);
    attr.writeUInt32LE(spec.maxEntries, 12);
    attr.writeUInt32LE(spec.flags ?? 0, 16);
    attr.writeUInt32LE(spec.innerMapFd ?? 0, 20);
    attr.writeUInt32LE(spec.numaNode ?? 0, 24);
    Buffer.from((spec.name ?? '').slice(0, 15), 'latin1').copy(attr, 28);
    if (spec.btf) {
      attr.writeUInt32LE(spec.btf.fd, 48);
      attr.writeUInt32LE(spec.btf.keyType, 52);
      attr.writeUInt32LE(spec.btf.valueType, 56);
    }
    attr.writeBigUInt64LE(BigInt(spec.mapExtra ?? 0), 64);
    const name = spec.name ?? spec.type;
    return new KernelMap(new FileDescriptor(call(Cmd.MAP_CREATE, attr, name, 'create')), spec);
  }

  /** The value of `key`, or undefined when there is none. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    return this.#read(Cmd.MAP_LOOKUP_ELEM, key, this.userValueSize, 'lookup');
  }

  /** Removes and returns the value of `key` (for queues and stacks, no key: the next element). */
  lookupAndDelete(key?: Uint8Array): Uint8Array | undefined {
    return this.#read(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, key, this.userValueSize, 'lookup and delete');
  }

  /** Values of a per-CPU map, one per possible CPU. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | undefined {
    const all = this.lookup(key);
    if (!all) return undefined;
    const stride = Math.ceil(this.spec.valueSize / 8) * 8;
    return Array.from({ length: all.length / stride }, (_, cpu) => all.slice(cpu * stride, cpu * stride + this.spec.valueSize));
  }

  /**
   * Updates many elements in one call (BPF_MAP_UPDATE_BATCH).
   * @returns how many the kernel updated.
   */
  updateBatch(keys: readonly Uint8Array[], values: readonly Uint8Array[], flags: keyof typeof UpdateFlags = 'ANY'): number {
    if (keys.length !== values.length) throw new MapError('EINVAL', 22, this.name, `update batch of ${keys.length} keys and ${values.length} values`);
    const keyBytes = Buffer.concat(keys.map((k) => this.#sized(k, this.spec.keySize, 'key')));
    const valueBytes = Buffer.concat(values.map((v) => this.#sized(v, this.userValueSize, 'value')));
    return this.#batch(Cmd.MAP_UPDATE_BATCH, keyBytes, valueBytes, keys.length, UpdateFlags[flags], 'update batch').count;
  }

  /** Every element, read in batches (BPF_MAP_LOOKUP_BATCH). */
  lookupBatch(batchSize = 64): Array<[Uint8Array, Uint8Array]> {
    const out: Array<[Uint8Array, Uint8Array]> = [];
    const inBatch = Buffer.alloc(Math.max(this.spec.keySize, 8));
    const outBatch = Buffer.alloc(inBatch.length);
    let first = true;
    for (;;) {
      const keys = Buffer.alloc(this.spec.keySize * batchSize);
      const values = Buffer.alloc(this.userValueSize * batchSize);
      let count: number;
      let done = false;
      try {
        count = this.#batch(Cmd.MAP_LOOKUP_BATCH, keys, values, batchSize, 0, 'lookup batch', first ? undefined : inBatch, outBatch).count;
      } catch (error) {
        if (!(error instanceof BatchEnd)) throw error;
        count = error.count;
        done = true;
      }
      for (let i = 0; i < count; i++) {
        out.push([
          new Uint8Array(keys.subarray(i * this.spec.keySize, (i + 1) * this.spec.keySize)),
          new Uint8Array(values.subarray(i * this.userValueSize, (i + 1) * this.userValueSize)),
        ]);
      }
      if (done) return out;
      outBatch.copy(inBatch);
      first = false;
    }
  }

  /** Deletes many keys in one call (BPF_MAP_DELETE_BATCH); returns how many were deleted. */
  deleteBatch(keys: readonly Uint8Array[]): number {
    const keyBytes = Buffer.concat(keys.map((k) => this.#sized(k, this.spec.keySize, 'key')));
    return this.#batch(Cmd.MAP_DELETE_BATCH, keyBytes, undefined, keys.length, 0, 'delete batch').count;
  }

  /** @throws {MapError} EEXIST (NOEXIST), ENOENT (EXIST), E2BIG (full). */
  update(key: Uint8Array, value: Uint8Array, flags: keyof typeof UpdateFlags = 'ANY'): void {
    this.#elem(Cmd.MAP_UPDATE_ELEM, key, this.#sized(value, this.userValueSize, 'value'), UpdateFlags[flags], 'update');
  }

  /** @throws {MapError} ENOENT when the key is absent. */
  delete(key: Uint8Array): void {
    this.#elem(Cmd.MAP_DELETE_ELEM, key, undefined, 0, 'delete');
  }

  /** The key after `key` (the first key when undefined), or undefined at the end. */
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    return this.#read(Cmd.MAP_GET_NEXT_KEY, key, this.spec.keySize, 'get next key');
  }

  close(): void {
    this.fd.close();
  }

  /** A command that fills `size` bytes, where ENOENT means "nothing there". */
  #read(cmd: number, key: Uint8Array | undefined, size: number, operation: string): Uint8Array | undefined {
    const out = Buffer.alloc(size);
    try {
      this.#elem(cmd, key, out, 0, operation);
    } catch (error) {
      if (error instanceof MapError && error.code === 'ENOENT') return undefined;
      throw error;
    }
    return new Uint8Array(out);
  }

  #batch(cmd: number, keys: Buffer, values: Buffer | undefined, count: number, elemFlags: number, operation: string, inBatch?: Buffer, outBatch?: Buffer): { count: number } {
    const attr = Buffer.alloc(56);
    attr.writeBigUInt64LE(inBatch ? addressOf(inBatch) : 0n, 0);
    attr.writeBigUInt64LE(outBatch ? addressOf(outBatch) : 0n, 8);
    attr.writeBigUInt64LE(addressOf(keys), 16);
    attr.writeBigUInt64LE(values ? addressOf(values) : 0n, 24);
    attr.writeUInt32LE(count, 32);
    attr.writeUInt32LE(this.fd.value, 36);
    attr.writeBigUInt64LE(BigInt(elemFlags), 40);
    try {
      call(cmd, attr, this.name, operation);
    } catch (error) {
      // A lookup batch ends with ENOENT, having filled `count` elements.
      if (error instanceof MapError && error.code === 'ENOENT' && cmd === Cmd.MAP_LOOKUP_BATCH) throw new BatchEnd(attr.readUInt32LE(32));
      throw error;
    }
    return { count: attr.readUInt32LE(32) };
  }

  #sized(bytes: Uint8Array, size: number, what: string): Buffer {
    if (bytes.length !== size) throw new MapError('EINVAL', 22, this.name, `${what} of ${bytes.length} bytes (expected ${size})`);
    return Buffer.from(bytes);
  }

  #elem(cmd: number, key: Uint8Array | undefined, value: Buffer | undefined, flags: number, operation: string): void {
    const keyBuffer = key ? this.#sized(key, this.spec.keySize, 'key') : undefined;
    const attr = Buffer.alloc(32);
    attr.writeUInt32LE(this.fd.value, 0);
    attr.writeBigUInt64LE(keyBuffer ? addressOf(keyBuffer) : 0n, 8);
    attr.writeBigUInt64LE(value ? addressOf(value) : 0n, 16);
    attr.writeBigUInt64LE(BigInt(flags), 24);
    call(cmd, attr, this.name, operation);
  }
}

/** The last batch of a lookup: the kernel filled `count` elements and has no more. */
class BatchEnd {
  constructor(readonly count: number) {}
}

function mapInfo(fd: FileDescriptor, name: string): MapInfo {
  const info = Buffer.alloc(96);
  const attr = Buffer.alloc(16);
  attr.writeUInt32LE(fd.value, 0);
  attr.writeUInt32LE(info.length, 4);
  attr.writeBigUInt64LE(addressOf(info), 8);
  call(Cmd.OBJ_GET_INFO_BY_FD, attr, name, 'get info');
  const nameEnd = info.indexOf(0, 24);
  return {
    type: info.readUInt32LE(0), id: info.readUInt32LE(4), keySize: info.readUInt32LE(8), valueSize: info.readUInt32LE(12),
    maxEntries: info.readUInt32LE(16), flags: info.readUInt32LE(20),
    name: info.subarray(24, nameEnd < 0 || nameEnd > 40 ? 40 : nameEnd).toString('latin1'),
  };
}

function call(cmd: number, attr: Buffer, map: string, operation: string): number {
  try {
    return bpf(cmd, attr, `${operation} on map ${map}`);
  } catch (error) {
    if (error instanceof SyscallError) throw new MapError(error.code, error.errno, map, operation);
    throw error;
  }
}
