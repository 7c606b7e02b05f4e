/**
 * The contract every userspace map implements, and the errors maps raise.
 *
 * Keys and values live as bytes in the runtime's AddressSpace, never as JS
 * objects: a program gets a pointer to a value (map_lookup_elem) and reads it
 * with plain loads, and code compiled to WebAssembly does the same. The
 * user-side API copies bytes in and out.
 *
 * Each operation exists twice, because the two callers report failure
 * differently: the user side throws a typed `MapOperationError`, the program
 * side (helpers) returns the kernel's negative errno.
 */
import type { AddressSpace } from '../memory/index.js';

/**
 * The kernel's `enum bpf_map_type`. Objects may name any of them; the
 * userspace runtime implements a subset (see `createMap`), the kernel target all
 * its kernel supports.
 */
export const MAP_TYPE_IDS = {
  unspec: 0, hash: 1, array: 2, prog_array: 3, perf_event_array: 4, percpu_hash: 5, percpu_array: 6,
  stack_trace: 7, cgroup_array: 8, lru_hash: 9, lru_percpu_hash: 10, lpm_trie: 11, array_of_maps: 12,
  hash_of_maps: 13, devmap: 14, sockmap: 15, cpumap: 16, xskmap: 17, sockhash: 18, cgroup_storage: 19,
  reuseport_sockarray: 20, percpu_cgroup_storage: 21, queue: 22, stack: 23, sk_storage: 24, devmap_hash: 25,
  struct_ops: 26, ringbuf: 27, inode_storage: 28, task_storage: 29, bloom_filter: 30, user_ringbuf: 31,
  cgrp_storage: 32, arena: 33,
} as const;
export type MapTypeName = keyof typeof MAP_TYPE_IDS;

/** Map creation flags (`BPF_F_*` of map_flags). */
export const MapFlags = {
  NO_PREALLOC: 1 << 0,
  NO_COMMON_LRU: 1 << 1,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  MMAPABLE: 1 << 10,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
} as const;

/** Flags of update (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`; `BPF_F_LOCK` is 4). */
export const UpdateFlag = { ANY: 0, NOEXIST: 1, EXIST: 2, LOCK: 4 } as const;

/** What creates a map; the same shape the object loader produces and the kernel target takes. */
export interface MapSpec {
  readonly type: MapTypeName;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  readonly name?: string;
  /** bloom_filter: number of hash functions (the kernel's map_extra, default 5). */
  readonly mapExtra?: number;
}

/** Errno values maps use, as the kernel numbers them. */
export const Errno = {
  EPERM: 1, ENOENT: 2, E2BIG: 7, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EINVAL: 22,
  ENOSPC: 28, ENOTSUPP: 524, EOPNOTSUPP: 95,
} as const;
export type ErrnoName = keyof typeof Errno;

/** A map operation refused on the user side: the errno's name, the map and the operation. */
export class MapOperationError extends Error {
  override readonly name = 'MapOperationError';
  readonly errno: number;
  constructor(readonly code: ErrnoName, readonly map: string, readonly operation: string, detail?: string) {
    super(`map ${map}: ${operation} failed with ${code}${detail ? ` (${detail})` : ''}`);
    this.errno = Errno[code];
  }
}

/** A map spec the runtime cannot create (bad sizes, flags or type), as the kernel's EINVAL at create time. */
export class MapSpecError extends Error {
  override readonly name = 'MapSpecError';
  readonly code = 'EINVAL';
  constructor(readonly map: string, reason: string) {
    super(`map ${map}: ${reason}`);
  }
}

/** Where a map lives and which "CPU" (runtime worker) count per-CPU maps have. */
export interface MapContext {
  readonly space: AddressSpace;
  /** Number of workers; per-CPU maps hold this many values per key. Default 1. */
  readonly cpus?: number;
}

/**
 * Operations every map type offers. Keys and values are addresses in the
 * address space on the program side and byte arrays on the user side.
 * A type that does not support an operation throws/returns EINVAL or
 * ENOTSUPP exactly where the kernel does.
 */
export interface BpfMap {
  readonly name: string;
  readonly spec: MapSpec;
  readonly space: AddressSpace;

  // ---- program side: addresses in, kernel results out (0 / negative errno / address) ----
  /** map_lookup_elem: the address of the value for the key at `keyAddress` (this CPU's for per-CPU maps), or 0. */
  lookupAddress(keyAddress: number, cpu: number): number;
  /** map_update_elem: 0 or a negative errno. */
  updateFrom(keyAddress: number, valueAddress: number, flags: number, cpu: number): number;
  /** map_delete_elem: 0 or a negative errno. */
  deleteFrom(keyAddress: number): number;

  // ---- user side: bytes in, bytes out, typed errors ----
  /** The value (all CPUs' slots, each rounded up to 8 bytes, for per-CPU maps), or undefined. */
  lookup(key: Uint8Array): Uint8Array | undefined;
  update(key: Uint8Array, value: Uint8Array, flags?: number): void;
  /** Returns false when the key was absent (the kernel's ENOENT). */
  delete(key: Uint8Array): boolean;
  /** The key after `key` in iteration order, the first with no key, undefined at the end. */
  nextKey(key?: Uint8Array): Uint8Array | undefined;
  /** Bytes of the map's own memory in the address space (for the 1M-entry budget). */
  readonly memoryBytes: number;
  /** Gives its regions back to the address space. */
  free(): void;
}
