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
import { type ProgramType, defaultAttachType } from './context.js';
import { AttachType } from '../object/program-types.js';
import type { HelperInfo } from './engine.js';

/**
 * Which program types get a helper from their get_func_proto, as groups the
 * kernel's proto functions share (bpf_base_func_proto, tc_cls_act_func_proto,
 * lwt_*_func_proto, sock_ops_func_proto, …); WHERE lists them.
 */
type Where =
  | 'base' | 'tracing' | 'tc' | 'tc_lwt_xmit' | 'skb_write' | 'tc_lwt' | 'skb' | 'pull' | 'tc_sk_skb' | 'redirect' | 'csum_diff'
  | 'tc_xdp' | 'xdp' | 'skb_relative' | 'tc_cgroup_skb' | 'socket_cookie' | 'socket_uid' | 'net' | 'netns_cookie'
  | 'sockopt' | 'sock_ops' | 'bind' | 'sk_skb' | 'sk_msg' | 'perf_event' | 'sysctl' | 'sk_storage' | 'sk_storage_delete' | 'none'
  /** tracing_prog_func_proto: BPF_PROG_TYPE_TRACING and LSM only; `iter` further needs an iterator (see btfHelperAllowed). */
  | 'tracing_prog' | 'iter'
  /** bpf_tcp_ca_get_func_proto: tcp_congestion_ops struct_ops programs. */
  | 'tcp_ca'
  /** cgroup_common_func_proto: cgroup hooks have a cgroup's local storage. */
  | 'cgroup_storage'
  /** The socket lookups (bpf_sk_lookup_tcp…): tc, xdp, cgroup_skb, sk_skb and cgroup_sock_addr each have a variant of the same prototype. */
  | 'sk_lookup' | 'sk_release'
  /** tc_cls_act_func_proto and cg_skb_func_proto: socket casts and ECN. */
  | 'tc_cgroup_skb_sock' | 'tcp_sock'
  /** tc and XDP: SYN cookies. */
  | 'syncookie' | 'sk_assign';

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
  e(81, 'get_local_storage', 'cgroup_storage', ['const_map_ptr', 'anything'], 'map_value'),
  e(181, 'loop', 'base', ['anything', 'func', 'stack_or_null', 'anything']),
  e(164, 'for_each_map_elem', 'base', ['const_map_ptr', 'func', 'stack_or_null', 'anything']),
  e(182, 'strncmp', 'base', ['mem', 'const_size', 'const_str']),
  e(6, 'trace_printk', 'base', ['mem', 'const_size'], 'integer', { gpl: true }),
  e(112, 'probe_read_user', 'base', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(113, 'probe_read_kernel', 'base', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(114, 'probe_read_user_str', 'base', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(115, 'probe_read_kernel_str', 'base', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  // bpf_tracing_func_proto and kprobe/tracepoint extras.
  e(4, 'probe_read', 'tracing', ['uninit_mem', 'const_size_or_zero', 'anything'], 'integer', { gpl: true }),
  e(174, 'get_attach_cookie', 'tracing', ['ctx']),
  e(37, 'current_task_under_cgroup', 'base', ['const_map_ptr', 'anything']),
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
  e(25, 'perf_event_output', 'base', ['ctx', 'const_map_ptr', 'anything', 'mem', 'const_size_or_zero'], 'integer', { gpl: true }),
  // sk_filter_func_proto (socket filters) and everything skb-based.
  e(26, 'skb_load_bytes', 'skb', ['ctx', 'anything', 'uninit_mem', 'const_size']),
  e(68, 'skb_load_bytes_relative', 'skb_relative', ['ctx', 'anything', 'uninit_mem', 'const_size', 'anything']),
  e(46, 'get_socket_cookie', 'socket_cookie', ['ctx']),
  e(47, 'get_socket_uid', 'socket_uid', ['ctx']),
  // tc_cls_act_func_proto.
  e(9, 'skb_store_bytes', 'skb_write', ['ctx', 'anything', 'mem', 'const_size', 'anything'], 'integer', { changesPacket: true }),
  e(10, 'l3_csum_replace', 'tc_lwt_xmit', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(11, 'l4_csum_replace', 'tc_lwt_xmit', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(13, 'clone_redirect', 'tc_lwt_xmit', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  // Outside tc and lwt the kernel's prototype takes no argument; requiring the context there is stricter, never looser.
  e(17, 'get_cgroup_classid', 'base', ['ctx']),
  e(18, 'skb_vlan_push', 'tc', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(19, 'skb_vlan_pop', 'tc', ['ctx'], 'integer', { changesPacket: true }),
  e(20, 'skb_get_tunnel_key', 'tc_lwt_xmit', ['ctx', 'uninit_mem', 'const_size', 'anything']),
  e(21, 'skb_set_tunnel_key', 'tc_lwt_xmit', ['ctx', 'mem', 'const_size', 'anything']),
  e(24, 'get_route_realm', 'tc_lwt', ['ctx']),
  e(29, 'skb_get_tunnel_opt', 'tc_lwt_xmit', ['ctx', 'uninit_mem', 'const_size']),
  e(30, 'skb_set_tunnel_opt', 'tc_lwt_xmit', ['ctx', 'mem', 'const_size']),
  e(31, 'skb_change_proto', 'tc', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(32, 'skb_change_type', 'tc', ['ctx', 'anything']),
  e(34, 'get_hash_recalc', 'tc_lwt', ['ctx']),
  e(38, 'skb_change_tail', 'skb_write', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(39, 'skb_pull_data', 'pull', ['ctx', 'anything'], 'integer', { changesPacket: true }),
  e(40, 'csum_update', 'tc_lwt_xmit', ['ctx', 'anything']),
  e(41, 'set_hash_invalid', 'tc_lwt_xmit', ['ctx'], 'void'),
  e(43, 'skb_change_head', 'skb_write', ['ctx', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(48, 'set_hash', 'tc', ['ctx', 'anything']),
  e(50, 'skb_adjust_room', 'tc_sk_skb', ['ctx', 'anything', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(79, 'skb_cgroup_id', 'tc_cgroup_skb', ['ctx']),
  e(135, 'csum_level', 'tc_lwt_xmit', ['ctx', 'anything']),
  e(33, 'skb_under_cgroup', 'tc_lwt', ['ctx', 'const_map_ptr', 'anything']),
  e(152, 'redirect_neigh', 'tc', ['anything', 'mem_or_null', 'const_size_or_zero', 'anything']),
  e(155, 'redirect_peer', 'tc', ['anything', 'anything']),
  e(23, 'redirect', 'redirect', ['anything', 'anything']),
  e(28, 'csum_diff', 'csum_diff', ['mem_or_null', 'const_size_or_zero', 'mem_or_null', 'const_size_or_zero', 'anything']),
  e(69, 'fib_lookup', 'tc_xdp', ['ctx', 'mem', 'const_size', 'anything'], 'integer', { gpl: true }),
  // xdp_func_proto.
  e(44, 'xdp_adjust_head', 'xdp', ['ctx', 'anything'], 'integer', { changesPacket: true }),
  e(54, 'xdp_adjust_meta', 'xdp', ['ctx', 'anything'], 'integer', { changesPacket: true }),
  e(65, 'xdp_adjust_tail', 'xdp', ['ctx', 'anything'], 'integer', { changesPacket: true }),
  e(51, 'redirect_map', 'xdp', ['const_map_ptr', 'anything', 'anything']),
  // Socket-level program types (sock_ops_func_proto, sock_addr_func_proto, sk_skb_func_proto, sk_msg_func_proto, …).
  e(49, 'setsockopt', 'sockopt', ['ctx', 'anything', 'anything', 'mem', 'const_size']),
  e(57, 'getsockopt', 'sockopt', ['ctx', 'anything', 'anything', 'uninit_mem', 'const_size']),
  e(59, 'sock_ops_cb_flags_set', 'sock_ops', ['ctx', 'anything']),
  e(53, 'sock_map_update', 'sock_ops', ['ctx', 'const_map_ptr', 'map_key', 'anything']),
  e(70, 'sock_hash_update', 'sock_ops', ['ctx', 'const_map_ptr', 'map_key', 'anything']),
  e(64, 'bind', 'bind', ['ctx', 'mem', 'const_size']),
  e(52, 'sk_redirect_map', 'sk_skb', ['ctx', 'const_map_ptr', 'anything', 'anything']),
  e(72, 'sk_redirect_hash', 'sk_skb', ['ctx', 'const_map_ptr', 'map_key', 'anything']),
  e(60, 'msg_redirect_map', 'sk_msg', ['ctx', 'const_map_ptr', 'anything', 'anything']),
  e(71, 'msg_redirect_hash', 'sk_msg', ['ctx', 'const_map_ptr', 'map_key', 'anything']),
  e(61, 'msg_apply_bytes', 'sk_msg', ['ctx', 'anything']),
  e(62, 'msg_cork_bytes', 'sk_msg', ['ctx', 'anything']),
  e(63, 'msg_pull_data', 'sk_msg', ['ctx', 'anything', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(90, 'msg_push_data', 'sk_msg', ['ctx', 'anything', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(91, 'msg_pop_data', 'sk_msg', ['ctx', 'anything', 'anything', 'anything'], 'integer', { changesPacket: true }),
  e(83, 'skb_ancestor_cgroup_id', 'tc_cgroup_skb', ['ctx', 'anything']),
  e(122, 'get_netns_cookie', 'netns_cookie', ['ctx_or_null']),
  e(123, 'get_current_ancestor_cgroup_id', 'base', ['anything']),
  // The socket is ARG_PTR_TO_BTF_ID_SOCK_COMMON and the value ARG_PTR_TO_MAP_VALUE_OR_NULL; the engine refuses the socket argument as unsupported.
  e(107, 'sk_storage_get', 'sk_storage', ['const_map_ptr', 'btf_id', 'map_value', 'anything'], 'map_value_or_null'),
  e(108, 'sk_storage_delete', 'sk_storage_delete', ['const_map_ptr', 'btf_id']),
  // Sockets. The tuple's size may be zero since 6.9 (the lookup then finds nothing). The lookups acquire a reference (is_acquire_function) that bpf_sk_release gives back; the casts
  // (is_ptr_cast_function) return the same socket, sharing its reference. The engine knows which by name.
  e(84, 'sk_lookup_tcp', 'sk_lookup', ['ctx', 'mem', 'const_size_or_zero', 'anything', 'anything'], 'sock_or_null'),
  e(85, 'sk_lookup_udp', 'sk_lookup', ['ctx', 'mem', 'const_size_or_zero', 'anything', 'anything'], 'sock_or_null'),
  e(99, 'skc_lookup_tcp', 'sk_lookup', ['ctx', 'mem', 'const_size_or_zero', 'anything', 'anything'], 'sock_common_or_null'),
  e(86, 'sk_release', 'sk_release', ['release_btf_id']),
  e(95, 'sk_fullsock', 'tc_cgroup_skb_sock', ['sock_common'], 'sock_or_null'),
  e(96, 'tcp_sock', 'tcp_sock', ['sock_common'], 'tcp_sock_or_null'),
  e(98, 'get_listener_sock', 'tc_cgroup_skb_sock', ['sock_common'], 'sock_or_null'),
  e(97, 'skb_ecn_set_ce', 'tc_cgroup_skb_sock', ['ctx']),
  e(100, 'tcp_check_syncookie', 'syncookie', ['btf_id', 'mem', 'const_size', 'mem', 'const_size'], 'integer', { gpl: true }),
  e(110, 'tcp_gen_syncookie', 'syncookie', ['btf_id', 'mem', 'const_size', 'mem', 'const_size'], 'integer', { gpl: true }),
  // sk_lookup programs have their own bpf_sk_assign (a maybe-NULL socket argument): the engine refuses it as not modelled.
  e(124, 'sk_assign', 'sk_assign', ['ctx', 'btf_id', 'anything']),
  e(93, 'spin_lock', 'base', ['spin_lock'], 'void'),
  e(94, 'spin_unlock', 'base', ['spin_lock'], 'void'),
  // pe_prog_func_proto.
  e(56, 'perf_prog_read_value', 'perf_event', ['ctx', 'uninit_mem', 'const_size'], 'integer', { gpl: true }),
  // sysctl_func_proto.
  e(101, 'sysctl_get_name', 'sysctl', ['ctx', 'uninit_mem', 'const_size', 'anything']),
  e(102, 'sysctl_get_current_value', 'sysctl', ['ctx', 'uninit_mem', 'const_size']),
  e(103, 'sysctl_get_new_value', 'sysctl', ['ctx', 'uninit_mem', 'const_size']),
  e(104, 'sysctl_set_new_value', 'sysctl', ['ctx', 'mem', 'const_size']),
  // BTF pointers (their structs are in BTF_HELPER_STRUCTS).
  e(158, 'get_current_task_btf', 'base', [], 'btf_id', { gpl: true }),
  e(141, 'get_task_stack', 'base', ['btf_id', 'uninit_mem', 'const_size_or_zero', 'anything']),
  e(127, 'seq_write', 'iter', ['btf_id', 'mem', 'const_size_or_zero'], 'integer', { gpl: true }),
  e(111, 'skb_output', 'tracing_prog', ['btf_id', 'const_map_ptr', 'anything', 'mem', 'const_size_or_zero'], 'integer', { gpl: true }),
  e(116, 'tcp_send_ack', 'tcp_ca', ['btf_id', 'anything']),
];

/**
 * The structs of helpers' ARG_PTR_TO_BTF_ID arguments (by argument number,
 * from 1) and RET_PTR_TO_BTF_ID results (`ret`), from their bpf_func_proto's
 * arg*_btf_id and ret_btf_id. Results are trusted (RET_PTR_TO_BTF_ID_TRUSTED).
 */
export const BTF_HELPER_STRUCTS: Readonly<Record<string, Readonly<Partial<Record<number | 'ret', string>>>>> = {
  get_current_task_btf: { ret: 'task_struct' },
  get_task_stack: { 1: 'task_struct' },
  seq_write: { 1: 'seq_file' },
  skb_output: { 1: 'sk_buff' },
  tcp_send_ack: { 1: 'tcp_sock' },
  // ARG_PTR_TO_BTF_ID_SOCK_COMMON (checkBtfArg knows its own rules).
  sk_storage_get: { 2: 'sock_common' },
  sk_storage_delete: { 2: 'sock_common' },
  setsockopt: { 1: 'sock_common' },
  sk_release: { 1: 'sock_common' },
  tcp_check_syncookie: { 1: 'sock_common' },
  tcp_gen_syncookie: { 1: 'sock_common' },
  sk_assign: { 2: 'sock_common' },
  getsockopt: { 1: 'sock_common' },
};

const TC: readonly ProgramType[] = ['sched_cls', 'sched_act'];
const LWT: readonly ProgramType[] = ['lwt_in', 'lwt_out', 'lwt_xmit'];
/** The program types of fixed context in each group (testdata/helper-availability.json says the same). */
const WHERE: Record<Exclude<Where, 'base'>, readonly ProgramType[]> = {
  tracing: ['kprobe', 'tracepoint', 'raw_tracepoint', 'perf_event'],
  tc: TC,
  tc_lwt_xmit: [...TC, 'lwt_xmit'],
  skb_write: [...TC, 'sk_skb', 'lwt_xmit'],
  tc_lwt: [...TC, ...LWT],
  skb: ['socket_filter', ...TC, 'cgroup_skb', 'sk_skb', ...LWT],
  pull: [...TC, 'sk_skb', ...LWT],
  tc_sk_skb: [...TC, 'sk_skb'],
  redirect: ['xdp', ...TC, 'lwt_xmit'],
  csum_diff: ['xdp', ...TC, ...LWT],
  tc_xdp: ['xdp', ...TC],
  xdp: ['xdp'],
  skb_relative: ['socket_filter', ...TC, 'cgroup_skb'],
  tc_cgroup_skb: [...TC, 'cgroup_skb'],
  socket_cookie: ['socket_filter', ...TC, 'cgroup_skb', 'cgroup_sock', 'sock_ops', 'cgroup_sock_addr', 'sk_skb'],
  socket_uid: ['socket_filter', ...TC, 'cgroup_skb', 'sk_skb'],
  // bpf_sk_base_func_proto's users, less the tracing-like, device and sockopt hooks.
  net: ['socket_filter', 'xdp', ...TC, 'cgroup_skb', 'cgroup_sock', 'sock_ops', 'cgroup_sock_addr', 'sk_skb', ...LWT, 'sk_msg', 'sk_lookup', 'cgroup_sysctl'],
  netns_cookie: ['socket_filter', ...TC, 'cgroup_skb', 'cgroup_sock', 'sock_ops', 'cgroup_sock_addr', 'sk_msg', 'cgroup_sockopt'],
  // cgroup_sockopt's setsockopt/getsockopt take a socket, not the context: another prototype under the same id, not modelled.
  sockopt: ['sock_ops', 'cgroup_sock_addr'],
  sock_ops: ['sock_ops'],
  bind: ['cgroup_sock_addr'],
  sk_skb: ['sk_skb'],
  sk_msg: ['sk_msg'],
  perf_event: ['perf_event'],
  sysctl: ['cgroup_sysctl'],
  cgroup_storage: ['cgroup_skb', 'cgroup_sock', 'sock_ops', 'cgroup_sock_addr', 'cgroup_device', 'cgroup_sysctl', 'cgroup_sockopt'],
  sk_storage: [...TC, 'cgroup_skb', 'cgroup_sock', 'sock_ops', 'cgroup_sock_addr', 'sk_msg', 'cgroup_sockopt'],
  sk_storage_delete: [...TC, 'cgroup_skb', 'sock_ops', 'cgroup_sock_addr', 'sk_msg', 'cgroup_sockopt'],
  sk_lookup: [...TC, 'xdp', 'cgroup_skb', 'cgroup_sock_addr', 'sk_skb'],
  sk_release: [...TC, 'xdp', 'cgroup_skb', 'cgroup_sock_addr', 'sk_skb', 'sk_lookup'],
  tc_cgroup_skb_sock: [...TC, 'cgroup_skb'],
  tcp_sock: [...TC, 'cgroup_skb', 'sock_ops', 'cgroup_sockopt'],
  syncookie: [...TC, 'xdp'],
  sk_assign: [...TC, 'sk_lookup'],
  // Not available on the machine the table was checked on (kernel lockdown).
  none: [],
  tracing_prog: [], iter: [], tcp_ca: [],
};

/** sock_addr_func_proto gives bpf_bind to connect hooks only. */
const BIND_HOOKS: readonly number[] = [AttachType.cgroup_inet4_connect, AttachType.cgroup_inet6_connect];

function allowed(where: Where, type: ProgramType, attach: number): boolean {
  // BTF-typed programs: what Linux was asked (btf-helper-availability.ts) decides, in the engine (btfHelperAllowed).
  if (type === 'tracing' || type === 'lsm' || type === 'struct_ops') return true;
  if (where === 'base') return true;
  if (where === 'bind' && !BIND_HOOKS.includes(attach)) return false;
  return WHERE[where].includes(type);
}

/** A helper of {@link KERNEL_HELPERS}: the prototype plus the program types that may call it. */
export interface KernelHelperInfo extends HelperInfo {
  readonly availableTo: (type: ProgramType, attach?: number) => boolean;
}

const BY_ID = new Map<number, KernelHelperInfo>(ENTRIES.map((x) => {
  const proto: HelperPrototype = { args: x.args, ret: x.ret, gplOnly: x.gpl, changesPacket: x.changesPacket };
  return [x.id, { name: x.name, proto, availableTo: (t: ProgramType, attach = defaultAttachType(t)) => allowed(x.where, t, attach) }];
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
