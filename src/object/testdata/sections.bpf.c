// SPDX-License-Identifier: GPL-2.0
// Programs in many section kinds, several per section, sharing subprograms
// in .text (static __noinline and global functions) and using callbacks for
// bpf_loop and bpf_for_each_map_elem.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>
#include <tsbpf/bpf_tracing.h>

// Traffic-control verdicts are #defines in the kernel's uapi headers, so BTF does not carry them.
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

// A static subprogram called from several programs: a bpf-to-bpf call each time.
static __noinline __u64 mix(__u64 a, __u64 b)
{
	return (a * 31) ^ (b + 7);
}

// A global function: the kernel verifies it once, on its own, from its BTF prototype.
__noinline int clamp_len(int len)
{
	if (len < 0)
		return 0;
	return len > 1500 ? 1500 : len;
}

static __noinline void bump(__u32 slot)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &slot);
	if (value)
		__sync_fetch_and_add(value, 1);
}

struct loop_state {
	__u64 sum;
};

static long add_index(__u32 index, void *ctx)
{
	struct loop_state *state = ctx;
	state->sum += index;
	return 0;
}

static long sum_values(struct bpf_map *map, __u32 *key, __u64 *value, void *ctx)
{
	struct loop_state *state = ctx;
	state->sum += *value;
	return 0;
}

SEC("socket")
int socket_first(struct __sk_buff *skb)
{
	return clamp_len(skb->len);
}

SEC("socket")
int socket_second(struct __sk_buff *skb)
{
	return mix(skb->len, skb->protocol) & 0xffff;
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	bump(0);
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop_short(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	return data + 14 > data_end ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	bump(1);
	return clamp_len(skb->len) ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("classifier")
int classifier_legacy(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tracepoint_openat(struct trace_event_raw_sys_enter *ctx)
{
	struct loop_state state = {};
	bpf_loop(16, add_index, &state, 0);
	bump(2);
	return state.sum == 120 ? 0 : 1;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tracepoint_openat_again(struct trace_event_raw_sys_enter *ctx)
{
	struct loop_state state = {};
	bpf_for_each_map_elem(&counters, sum_values, &state, 0);
	return mix(state.sum, ctx->id) == 0;
}

SEC("tp/sched/sched_process_exec")
int tp_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	bump(3);
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_tp_enter(struct bpf_raw_tracepoint_args *ctx)
{
	return mix(ctx->args[1], 0) == 1;
}

SEC("raw_tracepoint/sys_exit")
int raw_tp_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return prev->pid == next->pid;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(fentry_unlinkat, int dfd, struct filename *name)
{
	bump(4);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(fexit_unlinkat, int dfd, struct filename *name, long ret)
{
	return ret == 0;
}

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(kprobe_openat2, int dfd, const char *filename)
{
	bump(5);
	return dfd == -100;
}

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(kretprobe_openat2, long ret)
{
	return ret < 0;
}

SEC("uprobe")
int BPF_UPROBE(uprobe_any, void *first)
{
	return first != 0;
}

SEC("uretprobe")
int BPF_URETPROBE(uretprobe_any, long ret)
{
	return ret == 0;
}

SEC("cgroup_skb/ingress")
int cgroup_ingress(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/egress")
int cgroup_egress(struct __sk_buff *skb)
{
	return clamp_len(skb->len) > 0;
}

SEC("sk_msg")
int sk_msg_pass(struct sk_msg_md *msg)
{
	return SK_PASS;
}

SEC("lsm/file_open")
int BPF_PROG(lsm_file_open, struct file *file)
{
	return 0;
}

SEC("iter/task")
int iter_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	__u64 pid = task->pid;
	bpf_seq_write(ctx->meta->seq, &pid, sizeof(pid));
	return 0;
}

LICENSE("GPL");
