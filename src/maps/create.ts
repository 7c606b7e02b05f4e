/**
 * One factory for every map type the userspace runtime implements, checking
 * the spec as the kernel's map_alloc_check does.
 */
import { ArrayMap } from './array-map.js';
import { BloomFilter } from './bloom-filter.js';
import { HashMap } from './hash-map.js';
import { LpmTrie } from './lpm-trie-map.js';
import { MapSpecError, type BpfMap, type MapContext, type MapSpec, type MapTypeName } from './map.js';
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

/**
 * Creates a map in the context's address space.
 * @throws MapSpecError for a type the runtime lacks or a spec the kernel would refuse.
 */
export function createMap(spec: MapSpec, ctx: CreateMapContext): BpfMap {
  const name = spec.name ?? spec.type;
  const factory = FACTORIES[spec.type];
  if (!factory) throw new MapSpecError(name, `map type ${spec.type} is not implemented in the userspace runtime (it has ${USERSPACE_MAP_TYPES.join(', ')})`);
  if (!Number.isInteger(spec.keySize) || !Number.isInteger(spec.valueSize) || !Number.isInteger(spec.maxEntries) || spec.keySize < 0 || spec.valueSize < 0 || spec.maxEntries < 0) {
    throw new MapSpecError(name, 'key size, value size and max_entries must be non-negative integers');
  }
  return factory(spec, ctx);
}
