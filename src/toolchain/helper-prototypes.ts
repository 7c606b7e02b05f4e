/**
 * C prototypes of the kernel helpers tsbpf's BPF header declares. The
 * kernel's BTF carries the helper ids (`enum bpf_func_id`) but not their
 * signatures, so the signatures live here; the ids are the kernel's stable
 * ABI and are checked against the running kernel's BTF by the tests.
 *
 * Types are those of vmlinux.h (`__u64`, `struct __sk_buff`, ...), which a
 * BPF program includes before tsbpf's header.
 */

/** One helper as C sees it. */
export interface HelperPrototype {
  /** Name without the `bpf_` prefix, as in `enum bpf_func_id` (`BPF_FUNC_<name>`). */
  readonly name: string;
  /** The kernel's helper id. */
  readonly id: number;
  /** C return type. */
  readonly returns: string;
  /** C parameter list, `void` when there is none. */
  readonly params: string;
}

const p = (id: number, name: string, returns: string, params: string): HelperPrototype => ({ id, name, returns, params });

/** Every helper the header declares, by id. */
export const HELPER_PROTOTYPES: readonly HelperPrototype[] = [
  p(1, 'map_lookup_elem', 'void *', 'void *map, const void *key'),
  p(2, 'map_update_elem', 'long', 'void *map, const void *key, const void *value, __u64 flags'),
  p(3, 'map_delete_elem', 'long', 'void *map, const void *key'),
  p(4, 'probe_read', 'long', 'void *dst, __u32 size, const void *unsafe_ptr'),
  p(5, 'ktime_get_ns', '__u64', 'void'),
  p(6, 'trace_printk', 'long', 'const char *fmt, __u32 fmt_size, ...'),
  p(7, 'get_prandom_u32', '__u32', 'void'),
  p(8, 'get_smp_processor_id', '__u32', 'void'),
  p(9, 'skb_store_bytes', 'long', 'struct __sk_buff *skb, __u32 offset, const void *from, __u32 len, __u64 flags'),
  p(10, 'l3_csum_replace', 'long', 'struct __sk_buff *skb, __u32 offset, __u64 from, __u64 to, __u64 size'),
  p(11, 'l4_csum_replace', 'long', 'struct __sk_buff *skb, __u32 offset, __u64 from, __u64 to, __u64 flags'),
  p(12, 'tail_call', 'long', 'void *ctx, void *prog_array_map, __u32 index'),
  p(13, 'clone_redirect', 'long', 'struct __sk_buff *skb, __u32 ifindex, __u64 flags'),
  p(14, 'get_current_pid_tgid', '__u64', 'void'),
  p(15, 'get_current_uid_gid', '__u64', 'void'),
  p(16, 'get_current_comm', 'long', 'void *buf, __u32 size_of_buf'),
  p(17, 'get_cgroup_classid', '__u32', 'struct __sk_buff *skb'),
  p(22, 'perf_event_read', '__u64', 'void *map, __u64 flags'),
  p(23, 'redirect', 'long', '__u32 ifindex, __u64 flags'),
  p(25, 'perf_event_output', 'long', 'void *ctx, void *map, __u64 flags, void *data, __u64 size'),
  p(26, 'skb_load_bytes', 'long', 'const void *skb, __u32 offset, void *to, __u32 len'),
  p(27, 'get_stackid', 'long', 'void *ctx, void *map, __u64 flags'),
  p(28, 'csum_diff', '__s64', '__be32 *from, __u32 from_size, __be32 *to, __u32 to_size, __wsum seed'),
  p(34, 'get_hash_recalc', '__u32', 'struct __sk_buff *skb'),
  p(35, 'get_current_task', '__u64', 'void'),
  p(36, 'probe_write_user', 'long', 'void *dst, const void *src, __u32 len'),
  p(38, 'skb_change_tail', 'long', 'struct __sk_buff *skb, __u32 len, __u64 flags'),
  p(39, 'skb_pull_data', 'long', 'struct __sk_buff *skb, __u32 len'),
  p(42, 'get_numa_node_id', 'long', 'void'),
  p(44, 'xdp_adjust_head', 'long', 'struct xdp_md *xdp_md, int delta'),
  p(45, 'probe_read_str', 'long', 'void *dst, __u32 size, const void *unsafe_ptr'),
  p(46, 'get_socket_cookie', '__u64', 'void *ctx'),
  p(51, 'redirect_map', 'long', 'void *map, __u64 key, __u64 flags'),
  p(54, 'xdp_adjust_meta', 'long', 'struct xdp_md *xdp_md, int delta'),
  p(60, 'msg_redirect_map', 'long', 'struct sk_msg_md *msg, void *map, __u32 key, __u64 flags'),
  p(61, 'msg_apply_bytes', 'long', 'struct sk_msg_md *msg, __u32 bytes'),
  p(65, 'xdp_adjust_tail', 'long', 'struct xdp_md *xdp_md, int delta'),
  p(67, 'get_stack', 'long', 'void *ctx, void *buf, __u32 size, __u64 flags'),
  p(68, 'skb_load_bytes_relative', 'long', 'const void *skb, __u32 offset, void *to, __u32 len, __u32 start_header'),
  p(80, 'get_current_cgroup_id', '__u64', 'void'),
  p(87, 'map_push_elem', 'long', 'void *map, const void *value, __u64 flags'),
  p(88, 'map_pop_elem', 'long', 'void *map, void *value'),
  p(89, 'map_peek_elem', 'long', 'void *map, void *value'),
  p(93, 'spin_lock', 'long', 'struct bpf_spin_lock *lock'),
  p(94, 'spin_unlock', 'long', 'struct bpf_spin_lock *lock'),
  p(105, 'strtol', 'long', 'const char *buf, unsigned long buf_len, __u64 flags, long *res'),
  p(106, 'strtoul', 'long', 'const char *buf, unsigned long buf_len, __u64 flags, unsigned long *res'),
  p(107, 'sk_storage_get', 'void *', 'void *map, void *sk, void *value, __u64 flags'),
  p(109, 'send_signal', 'long', '__u32 sig'),
  p(112, 'probe_read_user', 'long', 'void *dst, __u32 size, const void *unsafe_ptr'),
  p(113, 'probe_read_kernel', 'long', 'void *dst, __u32 size, const void *unsafe_ptr'),
  p(114, 'probe_read_user_str', 'long', 'void *dst, __u32 size, const void *unsafe_ptr'),
  p(115, 'probe_read_kernel_str', 'long', 'void *dst, __u32 size, const void *unsafe_ptr'),
  p(118, 'jiffies64', '__u64', 'void'),
  p(120, 'get_ns_current_pid_tgid', 'long', '__u64 dev, __u64 ino, struct bpf_pidns_info *nsdata, __u32 size'),
  p(125, 'ktime_get_boot_ns', '__u64', 'void'),
  p(126, 'seq_printf', 'long', 'struct seq_file *m, const char *fmt, __u32 fmt_size, const void *data, __u32 data_len'),
  p(127, 'seq_write', 'long', 'struct seq_file *m, const void *data, __u32 len'),
  p(130, 'ringbuf_output', 'long', 'void *ringbuf, void *data, __u64 size, __u64 flags'),
  p(131, 'ringbuf_reserve', 'void *', 'void *ringbuf, __u64 size, __u64 flags'),
  p(132, 'ringbuf_submit', 'void', 'void *data, __u64 flags'),
  p(133, 'ringbuf_discard', 'void', 'void *data, __u64 flags'),
  p(134, 'ringbuf_query', '__u64', 'void *ringbuf, __u64 flags'),
  p(141, 'get_task_stack', 'long', 'struct task_struct *task, void *buf, __u32 size, __u64 flags'),
  p(147, 'd_path', 'long', 'struct path *path, char *buf, __u32 sz'),
  p(148, 'copy_from_user', 'long', 'void *dst, __u32 size, const void *user_ptr'),
  p(153, 'per_cpu_ptr', 'void *', 'const void *percpu_ptr, __u32 cpu'),
  p(154, 'this_cpu_ptr', 'void *', 'const void *percpu_ptr'),
  p(156, 'task_storage_get', 'void *', 'void *map, struct task_struct *task, void *value, __u64 flags'),
  p(157, 'task_storage_delete', 'long', 'void *map, struct task_struct *task'),
  p(158, 'get_current_task_btf', 'struct task_struct *', 'void'),
  p(160, 'ktime_get_coarse_ns', '__u64', 'void'),
  p(164, 'for_each_map_elem', 'long', 'void *map, void *callback_fn, void *callback_ctx, __u64 flags'),
  p(165, 'snprintf', 'long', 'char *str, __u32 str_size, const char *fmt, __u64 *data, __u32 data_len'),
  p(169, 'timer_init', 'long', 'struct bpf_timer *timer, void *map, __u64 flags'),
  p(170, 'timer_set_callback', 'long', 'struct bpf_timer *timer, void *callback_fn'),
  p(171, 'timer_start', 'long', 'struct bpf_timer *timer, __u64 nsecs, __u64 flags'),
  p(172, 'timer_cancel', 'long', 'struct bpf_timer *timer'),
  p(173, 'get_func_ip', '__u64', 'void *ctx'),
  p(174, 'get_attach_cookie', '__u64', 'void *ctx'),
  p(177, 'trace_vprintk', 'long', 'const char *fmt, __u32 fmt_size, const void *data, __u32 data_len'),
  p(181, 'loop', 'long', '__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags'),
  p(182, 'strncmp', 'long', 'const char *s1, __u32 s1_sz, const char *s2'),
  p(183, 'get_func_arg', 'long', 'void *ctx, __u32 n, __u64 *value'),
  p(184, 'get_func_ret', 'long', 'void *ctx, __u64 *value'),
  p(185, 'get_func_arg_cnt', 'long', 'void *ctx'),
  p(188, 'xdp_get_buff_len', '__u64', 'struct xdp_md *xdp_md'),
  p(189, 'xdp_load_bytes', 'long', 'struct xdp_md *xdp_md, __u32 offset, void *buf, __u32 len'),
  p(190, 'xdp_store_bytes', 'long', 'struct xdp_md *xdp_md, __u32 offset, void *buf, __u32 len'),
  p(194, 'kptr_xchg', 'void *', 'void *dst, void *ptr'),
  p(195, 'map_lookup_percpu_elem', 'void *', 'void *map, const void *key, __u32 cpu'),
  p(208, 'ktime_get_tai_ns', '__u64', 'void'),
];
