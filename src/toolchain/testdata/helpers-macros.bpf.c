// Every macro of bpf_helpers.h, and a spread of the generated helper declarations.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__type(value, __u64);
	__ulong(map_extra, 5);
} bloom SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} inner_one SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = { .values = { &inner_one } };

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} queue SEC(".maps");

struct timer_value {
	struct bpf_timer timer;
	struct bpf_spin_lock lock;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct timer_value);
} timers SEC(".maps");

extern int LINUX_KERNEL_VERSION __kconfig;
extern const void _stext __ksym;

__hidden int hidden_counter;

__weak int weak_default(int x)
{
	return x + 1;
}

static __always_inline int twice(int x)
{
	return 2 * x;
}

static int on_timer(void *map, __u32 *key, struct timer_value *value)
{
	return 0;
}

static long step(__u32 index, void *ctx)
{
	return index > 3;
}

SEC("tp/syscalls/sys_enter_openat")
int every_helper(struct trace_event_raw_sys_enter *ctx)
{
	__u32 key = 0, value = 1;
	char comm[16];
	char buf[32] = "123";
	long number = 0;
	unsigned long unumber = 0;

	bpf_printk("no arguments");
	bpf_printk("one %d", 1);
	bpf_printk("three %d %d %d", 1, 2, 3);
	bpf_printk("four %d %d %d %d", 1, 2, 3, 4);
	bpf_printk("six %d %d %d %d %d %s", 1, 2, 3, 4, 5, comm);
	bpf_map_push_elem(&queue, &value, 0);
	bpf_map_peek_elem(&queue, &value);
	bpf_map_pop_elem(&queue, &value);
	__u64 item = 7;
	bpf_map_push_elem(&bloom, &item, 0);
	void *map = bpf_map_lookup_elem(&outer, &key);
	if (map)
		bpf_map_lookup_percpu_elem(map, &key, 0);
	bpf_get_current_comm(comm, sizeof(comm));
	bpf_probe_read(buf, 4, (void *)ctx->args[1]);
	bpf_probe_read_kernel(buf, 4, &_stext);
	bpf_probe_read_user(buf, 4, (void *)ctx->args[1]);
	bpf_probe_read_str(buf, 4, (void *)ctx->args[1]);
	bpf_probe_read_kernel_str(buf, 4, (void *)ctx->args[1]);
	bpf_probe_read_user_str(buf, 4, (void *)ctx->args[1]);
	__u64 t = bpf_ktime_get_ns() + bpf_ktime_get_boot_ns() + bpf_ktime_get_coarse_ns() + bpf_jiffies64();
	t += bpf_get_prandom_u32() + bpf_get_smp_processor_id() + bpf_get_numa_node_id();
	t += bpf_get_current_pid_tgid() + bpf_get_current_uid_gid() + bpf_get_current_task();
	struct task_struct *task = bpf_get_current_task_btf();
	t += task != 0;
	__u64 args[2] = { t, LINUX_KERNEL_VERSION };
	bpf_snprintf(buf, sizeof(buf), "%llu %llu", args, sizeof(args));
	bpf_strtol(buf, sizeof(buf), 0, &number);
	bpf_strtoul(buf, sizeof(buf), 0, &unumber);
	t += bpf_strncmp(buf, sizeof(buf), "123");
	bpf_loop(8, step, 0, 0);
	bpf_ringbuf_output(&rb, &t, sizeof(t), 0);
	__u64 *slot = bpf_ringbuf_reserve(&rb, sizeof(__u64), 0);
	if (slot) {
		*slot = t;
		if (t & 1)
			bpf_ringbuf_submit(slot, BPF_RB_NO_WAKEUP);
		else
			bpf_ringbuf_discard(slot, 0);
	}
	t += bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	struct timer_value *tv = bpf_map_lookup_elem(&timers, &key);
	if (tv) {
		bpf_spin_lock(&tv->lock);
		tv->count++;
		bpf_spin_unlock(&tv->lock);
		bpf_timer_init(&tv->timer, &timers, 1 /* CLOCK_MONOTONIC */);
		bpf_timer_set_callback(&tv->timer, on_timer);
		bpf_timer_start(&tv->timer, 1000, 0);
		bpf_timer_cancel(&tv->timer);
	}
	hidden_counter += twice(weak_default((int)t));
	return 0;
}

SEC("xdp")
int xdp_helpers(struct xdp_md *ctx)
{
	bpf_xdp_adjust_head(ctx, 0);
	bpf_xdp_adjust_meta(ctx, 0);
	bpf_xdp_adjust_tail(ctx, 0);
	return bpf_redirect_map(&outer, 0, XDP_PASS);
}

SEC("tc")
int tc_helpers(struct __sk_buff *skb)
{
	__u8 bytes[4];
	__be32 from[1] = { 0 }, to[1] = { 1 };
	bpf_skb_load_bytes(skb, 0, bytes, sizeof(bytes));
	bpf_skb_store_bytes(skb, 0, bytes, sizeof(bytes), 0);
	bpf_csum_diff(from, sizeof(from), to, sizeof(to), 0);
	char stack[64];
	bpf_get_stack(skb, stack, sizeof(stack), 0);
	bpf_perf_event_output(skb, &rb, BPF_F_CURRENT_CPU, bytes, sizeof(bytes));
	bpf_tail_call(skb, &outer, 0);
	return bpf_redirect(1, 0);
}

LICENSE("GPL");
