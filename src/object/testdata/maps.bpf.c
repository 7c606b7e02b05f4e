// SPDX-License-Identifier: GPL-2.0
// BTF-defined maps (.maps) of many types, with the attributes the loader
// reads from BTF: key/value types or sizes, flags, pinning, NUMA node,
// map_extra, inner maps and initial values for program and map arrays.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

struct value {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct value);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct value);
} percpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} lru_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__uint(key_size, 8);
	__uint(value_size, 8);
} percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__type(key, __u64);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lru_pinned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH); /* per-CPU maps refuse a NUMA node */
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u32);
	__uint(numa_node, 0);
	__uint(map_flags, BPF_F_NUMA_NODE);
} lru_numa SEC(".maps");

struct ipv4_lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__type(key, struct ipv4_lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ringbuf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 32);
	__type(value, __u32);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 32);
	__type(value, __u64);
} stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 100);
	__type(value, __u32);
	__uint(map_extra, 3); /* number of hash functions */
} bloom SEC(".maps");

// Inner maps for the map-in-map definitions, and initial members.
struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer_array SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer_hash SEC(".maps") = {
	.values = { [1] = &inner_b },
};

// An inner map defined inline, anonymous, with no initial members.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 8);
		__type(key, __u32);
		__type(value, __u64);
	});
} outer_anonymous SEC(".maps");

int tail_target(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(struct __sk_buff *));
} jump_table SEC(".maps") = {
	.values = { [0] = &tail_target, [3] = &tail_target },
};

SEC("socket")
int tail_target(struct __sk_buff *skb)
{
	return 1;
}

SEC("socket")
int use_maps(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct value *v = bpf_map_lookup_elem(&array, &key);
	if (v) {
		v->packets++;
		v->bytes += skb->len;
	}
	__u64 one = 1;
	bpf_map_update_elem(&hash, &key, &one, BPF_ANY);
	bpf_map_delete_elem(&hash, &key);
	bpf_map_lookup_elem(&percpu_array, &key);
	__u64 k64 = skb->len;
	bpf_map_update_elem(&lru_pinned, &k64, &one, BPF_NOEXIST);
	bpf_map_lookup_elem(&lru_numa, &key);
	bpf_map_lookup_elem(&lru_percpu, &key);
	struct ipv4_lpm_key lpm_key = { .prefixlen = 32, .addr = skb->ifindex };
	bpf_map_lookup_elem(&lpm, &lpm_key);
	bpf_map_push_elem(&queue, &key, BPF_EXIST);
	bpf_map_pop_elem(&queue, &key);
	bpf_map_push_elem(&stack, &one, 0);
	bpf_map_peek_elem(&stack, &one);
	bpf_map_push_elem(&bloom, &key, 0);
	bpf_map_peek_elem(&bloom, &key);
	bpf_ringbuf_output(&ringbuf, &key, sizeof(key), 0);
	bpf_perf_event_output(skb, &perf_events, BPF_F_CURRENT_CPU, &key, sizeof(key));
	void *inner = bpf_map_lookup_elem(&outer_array, &key);
	if (inner)
		bpf_map_lookup_elem(inner, &key);
	inner = bpf_map_lookup_elem(&outer_hash, &key);
	if (inner)
		bpf_map_lookup_elem(inner, &key);
	inner = bpf_map_lookup_elem(&outer_anonymous, &key);
	if (inner)
		bpf_map_delete_elem(inner, &key);
	bpf_map_lookup_elem(&percpu_hash, &k64);
	bpf_tail_call(skb, &jump_table, 0);
	return 0;
}

LICENSE("GPL");
