/**
 * Map facts the verifier needs: which helpers accept which map types (Linux
 * 6.18's check_map_func_compatibility), which maps allow direct value access,
 * and what a read-only map's frozen contents say.
 */
import { MAP_TYPE_IDS } from '../maps/map.js';
import type { MapInfo } from './state.js';

/** BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG. */
export const RDONLY_PROG = 1 << 7;
export const WRONLY_PROG = 1 << 8;

export const mapTypeId = (type: string): number => (MAP_TYPE_IDS as Record<string, number>)[type] ?? -1;

/** Map types whose only helpers are the listed ones (the map side of the kernel's check). */
const MAP_ONLY: Record<string, readonly string[]> = {
  prog_array: ['tail_call'],
  perf_event_array: ['perf_event_read', 'perf_event_output', 'perf_event_read_value', 'skb_output', 'xdp_output'],
  ringbuf: ['ringbuf_output', 'ringbuf_reserve', 'ringbuf_query', 'ringbuf_reserve_dynptr', 'ringbuf_submit_dynptr', 'ringbuf_discard_dynptr'],
  user_ringbuf: ['user_ringbuf_drain'],
  stack_trace: ['get_stackid'],
  cgroup_array: ['skb_under_cgroup', 'current_task_under_cgroup'],
  cgroup_storage: ['get_local_storage'],
  percpu_cgroup_storage: ['get_local_storage'],
  devmap: ['redirect_map', 'map_lookup_elem'],
  devmap_hash: ['redirect_map', 'map_lookup_elem'],
  cpumap: ['redirect_map'],
  xskmap: ['redirect_map', 'map_lookup_elem'],
  array_of_maps: ['map_lookup_elem'],
  hash_of_maps: ['map_lookup_elem'],
  sockmap: ['sk_redirect_map', 'sock_map_update', 'msg_redirect_map', 'sk_select_reuseport', 'map_lookup_elem', 'map_update_elem', 'map_delete_elem'],
  sockhash: ['sk_redirect_hash', 'sock_hash_update', 'msg_redirect_hash', 'sk_select_reuseport', 'map_lookup_elem', 'map_update_elem', 'map_delete_elem'],
  reuseport_sockarray: ['sk_select_reuseport'],
  queue: ['map_peek_elem', 'map_pop_elem', 'map_push_elem'],
  stack: ['map_peek_elem', 'map_pop_elem', 'map_push_elem'],
  sk_storage: ['sk_storage_get', 'sk_storage_delete', 'kptr_xchg'],
  inode_storage: ['inode_storage_get', 'inode_storage_delete', 'kptr_xchg'],
  task_storage: ['task_storage_get', 'task_storage_delete', 'kptr_xchg'],
  cgrp_storage: ['cgrp_storage_get', 'cgrp_storage_delete', 'kptr_xchg'],
  bloom_filter: ['map_peek_elem', 'map_push_elem'],
  struct_ops: [],
  arena: [],
};

/** Helpers that only take the listed map types (the function side). */
const FUNC_ONLY: Record<string, readonly string[]> = {
  tail_call: ['prog_array'],
  perf_event_read: ['perf_event_array'],
  perf_event_output: ['perf_event_array'],
  perf_event_read_value: ['perf_event_array'],
  ringbuf_output: ['ringbuf'],
  ringbuf_reserve: ['ringbuf'],
  ringbuf_query: ['ringbuf'],
  get_stackid: ['stack_trace'],
  current_task_under_cgroup: ['cgroup_array'],
  skb_under_cgroup: ['cgroup_array'],
  redirect_map: ['devmap', 'devmap_hash', 'cpumap', 'xskmap'],
  map_peek_elem: ['queue', 'stack', 'bloom_filter'],
  map_push_elem: ['queue', 'stack', 'bloom_filter'],
  map_pop_elem: ['queue', 'stack'],
  map_lookup_percpu_elem: ['percpu_array', 'percpu_hash', 'lru_percpu_hash'],
  for_each_map_elem: ['hash', 'lru_hash', 'array', 'percpu_hash', 'lru_percpu_hash', 'percpu_array'],
};

/**
 * The kernel's message when `helper` may not be given `map`, or undefined.
 * @example checkMapFuncCompatibility({ type: 'hash', … }, 'tail_call', 12) // 'expected prog array map for tail call'
 */
export function checkMapFuncCompatibility(map: MapInfo, helper: string, id: number): string | undefined {
  if (helper === 'tail_call' && map.type !== 'prog_array') return 'expected prog array map for tail call';
  const mapSide = MAP_ONLY[map.type];
  const funcSide = FUNC_ONLY[helper];
  // Unknown map types are refused outright: the kernel may restrict them in ways not written down here.
  if ((mapSide && !mapSide.includes(helper)) || (funcSide && !funcSide.includes(map.type)) || mapTypeId(map.type) < 0) {
    return `cannot pass map_type ${mapTypeId(map.type)} into func bpf_${helper}#${id}`;
  }
  return undefined;
}

/** map_direct_value_addr exists: single-element arrays (global data). */
export const directValueAccess = (map: MapInfo): boolean => map.type === 'array' && map.maxEntries === 1;

/**
 * bpf_map_direct_read: `size` bytes at `off` of a frozen read-only map, little-endian,
 * or undefined when the map's contents are not known.
 */
export function frozenRead(map: MapInfo, off: number, size: number, signed: boolean): bigint | undefined {
  const data = map.frozenData;
  if (!data || !(map.flags & RDONLY_PROG) || !directValueAccess(map) || off < 0 || off + size > data.length) return undefined;
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(data[off + k]!);
  return signed ? BigInt.asUintN(64, BigInt.asIntN(size * 8, v)) : v;
}
