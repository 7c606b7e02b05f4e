/** Maps in the kernel: BPF_MAP_CREATE and the element commands. */
import { Cmd, MapType, type MapTypeName, UpdateFlags } from './constants.js';
import { FileDescriptor } from './fd.js';
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
}

/** A map in the kernel. */
export class KernelMap {
  readonly fd: FileDescriptor;
  readonly name: string;

  private constructor(fd: number, readonly spec: MapSpec) {
    this.fd = new FileDescriptor(fd);
    this.name = spec.name ?? spec.type;
  }

  /** @throws {MapError} when the kernel refuses the definition. */
  static create(spec: MapSpec): KernelMap {
    const attr = Buffer.alloc(72);
    attr.writeUInt32LE(MapType[spec.type], 0);
    attr.writeUInt32LE(spec.keySize, 4);
    attr.writeUInt32LE(spec.valueSize, 8);
    attr.writeUInt32LE(spec.maxEntries, 12);
    attr.writeUInt32LE(spec.flags ?? 0, 16);
    Buffer.from((spec.name ?? '').slice(0, 15), 'latin1').copy(attr, 28);
    const name = spec.name ?? spec.type;
    return new KernelMap(call(Cmd.MAP_CREATE, attr, name, 'create'), spec);
  }

  /** The value of `key`, or undefined when there is none. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    return this.#read(Cmd.MAP_LOOKUP_ELEM, key, this.spec.valueSize, 'lookup');
  }

  /** @throws {MapError} EEXIST (NOEXIST), ENOENT (EXIST), E2BIG (full). */
  update(key: Uint8Array, value: Uint8Array, flags: keyof typeof UpdateFlags = 'ANY'): void {
    this.#elem(Cmd.MAP_UPDATE_ELEM, key, this.#sized(value, this.spec.valueSize, 'value'), UpdateFlags[flags], 'update');
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

function call(cmd: number, attr: Buffer, map: string, operation: string): number {
  try {
    return bpf(cmd, attr, `${operation} on map ${map}`);
  } catch (error) {
    if (error instanceof SyscallError) throw new MapError(error.code, error.errno, map, operation);
    throw error;
  }
}
