// SPDX-License-Identifier: GPL-2.0
// The pre-BTF way of declaring maps: struct bpf_map_def records in a section
// named "maps", read by size and offset with no type information, plus a
// "version" section as old kprobe objects carried.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

// libbpf's legacy layout: five u32 fields, 20 bytes per map.
struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 16,
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 64,
	.map_flags = BPF_F_NO_PREALLOC,
};

SEC("socket")
int legacy_socket(struct __sk_buff *skb)
{
	__u32 key = skb->protocol & 15;
	__u64 *count = bpf_map_lookup_elem(&legacy_counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	__u32 len = skb->len;
	bpf_map_update_elem(&legacy_hash, &key, &len, BPF_ANY);
	return 0;
}

LICENSE("GPL");
__u32 _version SEC("version") = 0x060c00;
