/**
 * Helper prototypes as Linux 6.18 declares them (`bpf_func_proto`), and which
 * program types may call each (the `get_func_proto` of each program type, for
 * a privileged loader). Only the helpers listed here are known; a program
 * calling any other is refused, which is sound.
 *
 * The runtime's HelperTable carries prototypes too, but a few of them are
 * looser than the kernel's (`tail_call` returns nothing in the kernel, so r0
 * is unreadable after it; `skb_store_bytes` is not a socket filter helper);
 * the verifier wants the kernel's exact ones, so it keeps its own. Which
 * program types may call each, and which are GPL-only, was asked of Linux
 * 6.18 itself (testdata/helper-availability.json, checked by helpers.test.ts).
 */
import type { ArgKind, HelperPrototype, ReturnKind } from '../helpers/index.js';
import type { ProgramType } from './context.js';
import type { HelperInfo } from './engine.js';

type Where = 'base' | 'tracing' | 'skb' | 'tc' | 'xdp' | 'tc_xdp' | 'sk' | 'net' | 'none';

interface Entry {
  readonly id: number;
  readonly name: string;
  readonly args: readonly ArgKind[];
  readonly ret: ReturnKind;
  readonly where: Where;
  readonly gpl?: boolean;
  readonly changesPacket?: boolean;
}

const e = (id: number, name: string, where: Where, args: readonly ArgKind[], ret: ReturnKind = 'integer', extra: { gpl?: boolean; changesPacket?: boolean } = {}): Entry =>
  ({ id, name, where, args, ret, ...extra });

const ENTRIES: readonly Entry[] = [
  // bpf_base_func_proto (all program types here; CAP_BPF and CAP_PERFMON held).
  e(1, 'map_lookup_elem', 'base', ['const_map_ptr', 'map_key'], 'map_value_or_null'),
  e(2, 'map_update_elem', 'base', ['const_map_ptr', 'map_key', 'map_value', 'anything']),
  e(3, 'map_delete_elem', 'base', ['const_map_ptr', 'map_key']),
  e(87, 'map_push_elem', 'base', ['const_map_ptr', 'map_value', 'anything']),
  e(88, 'map_pop_elem', 'base', ['const_map_ptr', 'uninit_map_value']),
  e(89, 'map_peek_elem', 'base', ['const_map_ptr', 'uninit_map_value']),
  e(195, 'map_lookup_percpu_elem', 'base', ['const_map_ptr', 'map_key', 'anything'], 'map_value_or_null'),
  e(7, 'get_prandom_u32', 'base', []),
  e(8, 'get_smp_processor_id', 'base', []),
  e(42, 'get_numa_node_id', 'base', []),
  e(12, 'tail_call', 'base', ['ctx', 'const_map_ptr', 'anything'], 'void'),
  e(5, 'ktime_get_ns', 'base', []),
  e(125, 'ktime_get_boot_ns', 'base', []),
  e(160, 'ktime_get_coarse_ns', 'net', []),
  e(118, 'jiffies64', 'base', []),
  e(130, 'ringbuf_output', 'base', ['const_map_ptr', 'mem', 'const_size_or_zero', 'anything']),
  e(131, 'ringbuf_reserve', 'base', ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'], 'alloc_mem_or_null'),
  e(132, 'ringbuf_submit', 'base', ['alloc_mem', 'anything'], 'void'),
  e(133, 'ringbuf_discard', 'base', ['alloc_mem', 'anything'], 'void'),
  e(134, 'ringbuf_query', 'base', ['const_map_ptr', 'anything']),
  e(182, 'strncmp', 'base', ['mem', 'const_size', 'const_str']),
  e(6, 'trace_printk', 'base', ['mem', 'const_size'], 'integer', { gpl: true }),
  e(112, 'probe_read_user', 'base', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(113, 'probe_read_kernel', 'base', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(114, 'probe_read_user_str', 'base', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(115, 'probe_read_kernel_str', 'base', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  // bpf_tracing_func_proto and kprobe/tracepoint extras.
  e(4, 'probe_read', 'tracing', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(45, 'probe_read_str', 'tracing', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(14, 'get_current_pid_tgid', 'base', []),
  e(15, 'get_current_uid_gid', 'base', []),
  e(16, 'get_current_comm', 'base', ['uninit_mem', 'const_size']),
  e(35, 'get_current_task', 'base', [], 'integer', { gpl: true }),
  e(80, 'get_current_cgroup_id', 'base', []),
  e(36, 'probe_write_user', 'none', ['anything', 'mem', 'const_size'], 'integer', { gpl: true }),
  e(22, 'perf_event_read', 'base', ['const_map_ptr', 'anything'], 'integer', { gpl: true }),
  e(27, 'get_stackid', 'tracing', ['ctx', 'const_map_ptr', 'anything'], 'integer', { gpl: true }),
  e(67, 'get_stack', 'tracing', ['ctx', 'uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(109, 'send_signal', 'base', ['anything']),
  e(55, 'perf_event_read_value', 'base', ['const_map_ptr', 'anything', 'uninit_mem', 'const_size'], 'integer', { gpl: true }),
  e(120, 'get_ns_current_pid_tgid', 'base', ['anything', 'anything', 'uninit_mem', 'const_size']),
  e(177, 'trace_vprintk', 'base', ['mem', 'const_size', 'mem_or_null', 'const_size_or_zero'], 'integer', { gpl: true }),
  // perf_event_output takes ctx everywhere it exists (tracing, skb, xdp variants).
  e(25, 'perf_event_output', 'sk', ['ctx', 'const_map_ptr', 'anything', 'mem', 'const_size_or_zero'], 'integer', { gpl: true }),
  // sk_filter_func_proto (socket filters) and everything skb-based.
  e(26, 'skb_load_bytes', 'skb', ['ctx', 'anything', 'uninit_mem', 'const_size']),
  e(68, 'skb_load_bytes_relative', 'skb', ['ctx', 'anything', 'uninit_mem', 'const_size', 'anything']),
  e(46, 'get_socket_cookie', 'skb', ['ctx']),
  e(47, 'get_socket_uid', 'skb', ['ctx']),
  // tc_cls_act_func_proto.
  e(9, 'skb_store_bytes', 'tc', ['ctx', 'anything', 'mem', 'const_size', 'anything'], 'integer', { changesPacket: true }),
  e(10, 'l3_csum_replace', 'tc', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(11, 'l4_csum_replace', 'tc', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(13, 'clone_redirect', 'tc', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(17, 'get_cgroup_classid', 'tc', ['ctx']),
  e(18, 'skb_vlan_push', 'tc', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(19, 'skb_vlan_pop', 'tc', ['ctx'], 'integer', { changesPacket: true }),
  e(20, 'skb_get_tunnel_key', 'tc', ['ctx', 'uninit_mem', 'const_size', 'anything']),
  e(21, 'skb_set_tunnel_key', 'tc', ['ctx', 'mem', 'const_size', 'anything']),
  e(24, 'get_route_realm', 'tc', ['ctx']),
  e(29, 'skb_get_tunnel_opt', 'tc', ['ctx', 'uninit_mem', 'const_size']),
  e(30, 'skb_set_tunnel_opt', 'tc', ['ctx', 'mem', 'const_size']),
  e(31, 'skb_change_proto', 'tc', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(32, 'skb_change_type', 'tc', ['ctx', 'anything']),
  e(34, 'get_hash_recalc', 'tc', ['ctx']),
  e(38, 'skb_change_tail', 'tc', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(39, 'skb_pull_data', 'tc', ['ctx', 'anything'], 'integer', { changesPacket: true }),
  e(40, 'csum_update', 'tc', ['ctx', 'anything']),
  e(41, 'set_hash_invalid', 'tc', ['ctx'], 'void'),
  e(43, 'skb_change_head', 'tc', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(48, 'set_hash', 'tc', ['ctx', 'anything']),
  e(50, 'skb_adjust_room', 'tc', ['ctx', 'anything', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(79, 'skb_cgroup_id', 'tc', ['ctx']),
  e(135, 'csum_level', 'tc', ['ctx', 'anything']),
  e(33, 'skb_under_cgroup', 'tc', ['ctx', 'const_map_ptr', 'anything']),
  e(152, 'redirect_neigh', 'tc', ['anything', 'mem_or_null', 'const_size_or_zero', 'anything']),
  e(155, 'redirect_peer', 'tc', ['anything', 'anything']),
  e(23, 'redirect', 'tc_xdp', ['anything', 'anything']),
  e(28, 'csum_diff', 'tc_xdp', ['mem_or_null', 'const_size_or_zero', 'mem_or_null', 'const_size_or_zero', 'anything']),
  e(69, 'fib_lookup', 'tc_xdp', ['ctx', 'mem', 'const_size', 'anything'], 'integer', { gpl: true }),
  // xdp_func_proto.
  e(44, 'xdp_adjust_head', 'xdp', ['ctx', 'anything'], 'integer', { changesPacket: true }),
  e(54, 'xdp_adjust_meta', 'xdp', ['ctx', 'anything'], 'integer', { changesPacket: true }),
  e(65, 'xdp_adjust_tail', 'xdp', ['ctx', 'anything'], 'integer', { changesPacket: true }),
  e(51, 'redirect_map', 'xdp', ['const_map_ptr', 'anything', 'anything']),
];

const TRACING: readonly ProgramType[] = ['kprobe', 'tracepoint', 'raw_tracepoint'];
const TC: readonly ProgramType[] = ['sched_cls', 'sched_act'];

function allowed(where: Where, type: ProgramType): boolean {
  switch (where) {
    case 'base': return true;
    case 'tracing': return TRACING.includes(type);
    case 'skb': return type === 'socket_filter' || TC.includes(type);
    case 'tc': return TC.includes(type);
    case 'xdp': return type === 'xdp';
    case 'tc_xdp': return type === 'xdp' || TC.includes(type);
    case 'sk': return true;
    case 'net': return type === 'socket_filter' || type === 'xdp' || TC.includes(type);
    // Not available on the machine the table was checked on (kernel lockdown).
    case 'none': return false;
  }
}

/** A helper of {@link KERNEL_HELPERS}: the prototype plus the program types that may call it. */
export interface KernelHelperInfo extends HelperInfo {
  readonly availableTo: (type: ProgramType) => boolean;
}

const BY_ID = new Map<number, KernelHelperInfo>(ENTRIES.map((x) => {
  const proto: HelperPrototype = { args: x.args, ret: x.ret, gplOnly: x.gpl, changesPacket: x.changesPacket };
  return [x.id, { name: x.name, proto, availableTo: (t: ProgramType) => allowed(x.where, t) }];
}));

/**
 * The kernel's prototypes of the helpers this verifier models, for every
 * program type it knows.
 * @example KERNEL_HELPERS.get(1)?.name // 'map_lookup_elem'
 */
export const KERNEL_HELPERS: { get(id: number): KernelHelperInfo | undefined; ids(): number[] } = {
  get: (id) => BY_ID.get(id),
  ids: () => [...BY_ID.keys()].sort((a, b) => a - b),
};
