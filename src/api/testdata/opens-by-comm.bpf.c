// SPDX-License-Identifier: GPL-2.0
// Counts file opens per command name, and a log2 histogram of the name
// lengths: maps whose keys and values the facade decodes from BTF; each
// name's length also goes out through a perf event array.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

struct comm_key { char comm[16]; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct comm_key);
	__type(value, __u64);
} opens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} name_lengths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} name_events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int count_opens(struct trace_event_raw_sys_enter *ctx)
{
	struct comm_key key = {};
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	__u64 one = 1, *count = bpf_map_lookup_elem(&opens, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&opens, &key, &one, BPF_NOEXIST);

	char name[64];
	long len = bpf_probe_read_user_str(name, sizeof(name), (const char *)ctx->args[1]);
	__u32 slot = 0;
	for (int i = 0; i < 6; i++)
		if (len >> i)
			slot = i + 1;
	__u64 *bucket = bpf_map_lookup_elem(&name_lengths, &slot);
	if (bucket)
		__sync_fetch_and_add(bucket, 1);
	__u32 length = len;
	bpf_perf_event_output(ctx, &name_events, BPF_F_CURRENT_CPU, &length, sizeof(length));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
