/**
 * Numbers of the bpf(2) ABI, from the kernel's include/uapi/linux/bpf.h.
 * One table, so a reader checks them against the header in one place.
 */

/** `enum bpf_cmd` */
export const Cmd = {
  MAP_CREATE: 0, MAP_LOOKUP_ELEM: 1, MAP_UPDATE_ELEM: 2, MAP_DELETE_ELEM: 3, MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5, OBJ_PIN: 6, OBJ_GET: 7, PROG_TEST_RUN: 10, PROG_GET_FD_BY_ID: 13, MAP_GET_FD_BY_ID: 14,
  OBJ_GET_INFO_BY_FD: 15, BTF_LOAD: 18,
  MAP_LOOKUP_AND_DELETE_ELEM: 21, MAP_LOOKUP_BATCH: 24, MAP_LOOKUP_AND_DELETE_BATCH: 25, MAP_UPDATE_BATCH: 26,
  MAP_DELETE_BATCH: 27, MAP_FREEZE: 22, RAW_TRACEPOINT_OPEN: 17, LINK_CREATE: 28,
} as const;

/** Map types whose values are per CPU (the user sees one value per possible CPU, each rounded up to 8 bytes). */
export const PERCPU_MAP_TYPES: ReadonlySet<string> = new Set(['percpu_hash', 'percpu_array', 'lru_percpu_hash']);


/** `enum bpf_prog_type` and `enum bpf_attach_type`: one table, shared with the object loader. */
export { ProgramType as ProgType, AttachType } from '../object/program-types.js';
export type { ProgramTypeName as ProgTypeName, AttachTypeName } from '../object/program-types.js';

/** `enum bpf_map_type`: one table, shared with the userspace maps. */
export { MAP_TYPE_IDS as MapType } from '../maps/map.js';
export type { MapTypeName } from '../maps/map.js';

/** Flags of map_update_elem. */
export const UpdateFlags = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;

/** `__NR_bpf` per architecture. */
export const NR_BPF: Partial<Record<NodeJS.Architecture, number>> = { x64: 321, arm64: 280 };

/** Errno values tsbpf names in its errors. */
export const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 4: 'EINTR', 7: 'E2BIG', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES',
  14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 22: 'EINVAL', 28: 'ENOSPC', 38: 'ENOSYS', 95: 'EOPNOTSUPP',
  524: 'ENOTSUPP',
};
