/**
 * One factory for every map type the userspace runtime implements, checking
 * the spec as the kernel's map_create and each type's map_alloc_check do, so a
 * spec the kernel refuses is refused here too, before any memory is taken.
 */
import { ArrayMap } from './array-map.js';
import { BloomFilter } from './bloom-filter.js';
import { HashMap } from './hash-map.js';
import { LpmTrie } from './lpm-trie-map.js';
import { MapFlags, MapSpecError, type BpfMap, type ErrnoName, type MapContext, type MapSpec, type MapTypeName } from './map.js';
import { PerfEventArray } from './perf-event-array.js';
import { QueueMap } from './queue-map.js';
import { RingBuffer } from './ringbuf.js';
import { SlotMap, type SlotResolver } from './slot-maps.js';

export interface CreateMapContext extends MapContext {
  /** Prog arrays and maps of maps: how ids become programs and maps. */
  readonly resolver?: SlotResolver;
  /** Maps of maps: the definition inner maps must match. */
  readonly innerMap?: MapSpec;
}

type Factory = (spec: MapSpec, ctx: CreateMapContext) => BpfMap;

const slots: Factory = (spec, ctx) => new SlotMap(spec, { ...ctx, resolver: ctx.resolver ?? {} });

const FACTORIES: Partial<Record<MapTypeName, Factory>> = {
  array: (spec, ctx) => new ArrayMap(spec, ctx),
  percpu_array: (spec, ctx) => new ArrayMap(spec, ctx),
  hash: (spec, ctx) => new HashMap(spec, ctx),
  percpu_hash: (spec, ctx) => new HashMap(spec, ctx),
  lru_hash: (spec, ctx) => new HashMap(spec, ctx),
  lru_percpu_hash: (spec, ctx) => new HashMap(spec, ctx),
  lpm_trie: (spec, ctx) => new LpmTrie(spec, ctx),
  queue: (spec, ctx) => new QueueMap(spec, ctx),
  stack: (spec, ctx) => new QueueMap(spec, ctx),
  bloom_filter: (spec, ctx) => new BloomFilter(spec, ctx),
  ringbuf: (spec, ctx) => new RingBuffer(spec, ctx),
  perf_event_array: (spec, ctx) => new PerfEventArray(spec, ctx),
  prog_array: slots,
  array_of_maps: slots,
  hash_of_maps: slots,
};

/** Map types the userspace runtime can create. */
export const USERSPACE_MAP_TYPES: readonly MapTypeName[] = Object.keys(FACTORIES) as MapTypeName[];

/** Creation flags `MapFlags` does not name; the kernel's values. */
const ZERO_SEED = 1 << 6;
const PRESERVE_ELEMS = 1 << 11;
const INNER_MAP = 1 << 12;
const ACCESS = MapFlags.RDONLY | MapFlags.WRONLY | MapFlags.RDONLY_PROG | MapFlags.WRONLY_PROG;

/**
 * The kernel's limits that depend on its allocators, at their x86-64 values:
 * KMALLOC_MAX_SIZE (4 MiB pages of order 10), PCPU_MIN_UNIT_SIZE, and the
 * headers htab and LPM elements carry before the key.
 */
const KMALLOC_MAX_SIZE = 4 << 20;
const PCPU_MIN_UNIT_SIZE = 32 << 10;
const HTAB_ELEM_HEADER = 48;
const LPM_NODE_HEADER = 32;
const LPM_DATA_SIZE_MAX = 256;

/** Each type's *_CREATE_FLAG_MASK. */
const ALLOWED_FLAGS: Partial<Record<MapTypeName, number>> = {
  array: MapFlags.NUMA_NODE | MapFlags.MMAPABLE | ACCESS | PRESERVE_ELEMS | INNER_MAP,
  percpu_array: MapFlags.NUMA_NODE | MapFlags.MMAPABLE | ACCESS | PRESERVE_ELEMS | INNER_MAP,
  perf_event_array: MapFlags.NUMA_NODE | MapFlags.MMAPABLE | ACCESS | PRESERVE_ELEMS | INNER_MAP,
  prog_array: MapFlags.NUMA_NODE | MapFlags.MMAPABLE | ACCESS | PRESERVE_ELEMS | INNER_MAP,
  array_of_maps: MapFlags.NUMA_NODE | MapFlags.MMAPABLE | ACCESS | PRESERVE_ELEMS | INNER_MAP,
  hash: MapFlags.NO_PREALLOC | MapFlags.NO_COMMON_LRU | MapFlags.NUMA_NODE | ACCESS | ZERO_SEED,
  percpu_hash: MapFlags.NO_PREALLOC | MapFlags.NO_COMMON_LRU | MapFlags.NUMA_NODE | ACCESS | ZERO_SEED,
  lru_hash: MapFlags.NO_PREALLOC | MapFlags.NO_COMMON_LRU | MapFlags.NUMA_NODE | ACCESS | ZERO_SEED,
  lru_percpu_hash: MapFlags.NO_PREALLOC | MapFlags.NO_COMMON_LRU | MapFlags.NUMA_NODE | ACCESS | ZERO_SEED,
  hash_of_maps: MapFlags.NO_PREALLOC | MapFlags.NO_COMMON_LRU | MapFlags.NUMA_NODE | ACCESS | ZERO_SEED,
  lpm_trie: MapFlags.NO_PREALLOC | MapFlags.NUMA_NODE | ACCESS,
  queue: MapFlags.NUMA_NODE | ACCESS,
  stack: MapFlags.NUMA_NODE | ACCESS,
  bloom_filter: MapFlags.NUMA_NODE | ZERO_SEED | ACCESS,
  ringbuf: MapFlags.NUMA_NODE,
};

const HASH_FAMILY = new Set<MapTypeName>(['hash', 'percpu_hash', 'lru_hash', 'lru_percpu_hash', 'hash_of_maps']);
const ARRAY_FAMILY = new Set<MapTypeName>(['array', 'percpu_array', 'perf_event_array', 'prog_array', 'array_of_maps']);
const round8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * A refused spec. The error is always a MapSpecError (EINVAL); where the
 * kernel answers with another errno the message says which.
 */
function refuse(name: string, reason: string, kernelCode: ErrnoName = 'EINVAL'): never {
  throw new MapSpecError(name, kernelCode === 'EINVAL' ? reason : `${reason} (the kernel's ${kernelCode})`);
}

/**
 * The kernel's map_create and map_alloc_check rules for a spec, without
 * creating anything. Types not implemented here get the generic checks only.
 * @throws MapSpecError naming the rule the spec breaks.
 */
export function checkMapSpec(spec: MapSpec): void {
  const name = spec.name ?? spec.type;
  const { type, keySize, valueSize, maxEntries } = spec;
  const flags = spec.flags ?? 0;
  const mapExtra = spec.mapExtra ?? 0;
  for (const [field, n] of [['key size', keySize], ['value size', valueSize], ['max_entries', maxEntries], ['map_flags', flags], ['map_extra', mapExtra]] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) refuse(name, `${field} ${n} is not a u32`);
  }
  // map_create: both directions of an access restriction at once mean nothing.
  if ((flags & MapFlags.RDONLY) && (flags & MapFlags.WRONLY)) refuse(name, 'BPF_F_RDONLY and BPF_F_WRONLY together');
  if ((flags & MapFlags.RDONLY_PROG) && (flags & MapFlags.WRONLY_PROG)) refuse(name, 'BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together');
  if (mapExtra !== 0 && type !== 'bloom_filter' && type !== 'arena') refuse(name, `map_extra ${mapExtra} is only for bloom filters and arenas`);

  const allowed = ALLOWED_FLAGS[type];
  if (allowed !== undefined && (flags & ~allowed) !== 0) {
    refuse(name, `map_flags 0x${(flags & ~allowed).toString(16)} are not valid for ${type} (allowed: 0x${allowed.toString(16)})`);
  }
  const percpu = type === 'percpu_array' || type === 'percpu_hash' || type === 'lru_percpu_hash';
  const numa = (flags & MapFlags.NUMA_NODE) !== 0;

  if (ARRAY_FAMILY.has(type)) {
    if (maxEntries === 0 || keySize !== 4 || valueSize === 0) refuse(name, `${type} needs a 4-byte key, a value and max_entries > 0 (got key ${keySize}, value ${valueSize}, max_entries ${maxEntries})`);
    // fd_array_map_alloc_check: slots hold ids the kernel resolves, never bytes a program may restrict.
    if (type !== 'array' && type !== 'percpu_array') {
      if (valueSize !== 4) refuse(name, `${type} values are 4-byte ids, not ${valueSize} bytes`);
      if (flags & (MapFlags.RDONLY_PROG | MapFlags.WRONLY_PROG)) refuse(name, `${type} cannot restrict program access`);
    }
    if (percpu && numa) refuse(name, 'a per-CPU array cannot be bound to a NUMA node');
    if (type !== 'array' && (flags & (MapFlags.MMAPABLE | INNER_MAP))) refuse(name, 'only plain arrays can be BPF_F_MMAPABLE or BPF_F_INNER_MAP');
    if (type !== 'perf_event_array' && (flags & PRESERVE_ELEMS)) refuse(name, 'only perf event arrays can be BPF_F_PRESERVE_ELEMS');
    if (valueSize > 0x7fff_ffff) refuse(name, `value size ${valueSize} overflows`, 'E2BIG');
    if (percpu && round8(valueSize) > PCPU_MIN_UNIT_SIZE) refuse(name, `per-CPU values are at most ${PCPU_MIN_UNIT_SIZE} bytes`, 'E2BIG');
  } else if (HASH_FAMILY.has(type)) {
    const lru = type === 'lru_hash' || type === 'lru_percpu_hash';
    if (!lru && (flags & MapFlags.NO_COMMON_LRU)) refuse(name, 'BPF_F_NO_COMMON_LRU is only for LRU maps');
    if (lru && (flags & MapFlags.NO_PREALLOC)) refuse(name, 'an LRU map cannot be BPF_F_NO_PREALLOC', 'ENOTSUPP');
    if (numa && (percpu || (flags & MapFlags.NO_COMMON_LRU))) refuse(name, 'a per-CPU map or per-CPU LRU cannot be bound to a NUMA node');
    if (maxEntries === 0 || keySize === 0 || valueSize === 0) refuse(name, `${type} needs a key, a value and max_entries > 0 (got key ${keySize}, value ${valueSize}, max_entries ${maxEntries})`);
    if (type === 'hash_of_maps' && valueSize !== 4) refuse(name, `hash_of_maps values are 4-byte ids, not ${valueSize} bytes`);
    if (keySize + valueSize >= KMALLOC_MAX_SIZE - HTAB_ELEM_HEADER) refuse(name, `key and value of ${keySize + valueSize} bytes do not fit one kmalloc`, 'E2BIG');
    if (percpu && round8(valueSize) > PCPU_MIN_UNIT_SIZE) refuse(name, `per-CPU values are at most ${PCPU_MIN_UNIT_SIZE} bytes`, 'E2BIG');
  } else if (type === 'lpm_trie') {
    if (!(flags & MapFlags.NO_PREALLOC)) refuse(name, 'an LPM trie must be created with BPF_F_NO_PREALLOC');
    if (maxEntries === 0) refuse(name, 'max_entries must be above 0');
    if (keySize < 4 + 1 || keySize > 4 + LPM_DATA_SIZE_MAX) refuse(name, `an LPM key is a u32 prefix length and 1 to ${LPM_DATA_SIZE_MAX} bytes of data, so key_size ${keySize} is not`);
    if (valueSize < 1 || valueSize > KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - LPM_NODE_HEADER) refuse(name, `value size ${valueSize} is out of range`);
  } else if (type === 'queue' || type === 'stack') {
    if (maxEntries === 0 || keySize !== 0 || valueSize === 0) refuse(name, `${type} needs key size 0, a value and max_entries > 0 (got key ${keySize}, value ${valueSize}, max_entries ${maxEntries})`);
    if (valueSize > KMALLOC_MAX_SIZE) refuse(name, `value size ${valueSize} exceeds one kmalloc`, 'E2BIG');
  } else if (type === 'bloom_filter') {
    if (keySize !== 0 || valueSize === 0 || maxEntries === 0) refuse(name, `a bloom filter needs key size 0, a value and max_entries > 0 (got key ${keySize}, value ${valueSize}, max_entries ${maxEntries})`);
    if (mapExtra & ~0xf) refuse(name, `map_extra ${mapExtra}: the number of hash functions is at most 15`);
    if (valueSize > KMALLOC_MAX_SIZE) refuse(name, `value size ${valueSize} exceeds one kmalloc`, 'E2BIG');
  }
}

/**
 * Creates a map in the context's address space.
 * @throws MapSpecError for a type the runtime lacks or a spec the kernel would refuse.
 */
export function createMap(spec: MapSpec, ctx: CreateMapContext): BpfMap {
  const name = spec.name ?? spec.type;
  const factory = FACTORIES[spec.type];
  if (!factory) throw new MapSpecError(name, `map type ${spec.type} is not implemented in the userspace runtime (it has ${USERSPACE_MAP_TYPES.join(', ')})`);
  checkMapSpec(spec);
  return factory(spec, ctx);
}
