// SPDX-License-Identifier: GPL-2.0
// Programs that use every map type and the common helpers, test-run both in
// Linux and in tsbpf's runtime: the retval, the packet and the maps afterwards
// must be equal. Each program is a socket filter or XDP, the two types the
// kernel test-runs with a packet.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>
#include <tsbpf/bpf_endian.h>

#define ETH_P_IP 0x0800

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 16); __type(key, __u16); __type(value, __u64); } by_proto SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } counters SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, __u64); } bytes SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } recent SEC(".maps");
struct lpm_key { __u32 prefixlen; __u32 addr; };
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 16); __type(key, struct lpm_key); __type(value, __u32); __uint(map_flags, BPF_F_NO_PREALLOC); } routes SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 4); __type(value, __u32); } fifo SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 4); __type(value, __u32); } lifo SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 64); __type(value, __u32); } seen SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, __u32); } jumps SEC(".maps");

__u64 packets = 0;          /* .bss */
__u32 last_len = 7;         /* .data */
const volatile __u32 bias = 3; /* .rodata */

static __always_inline int ip_of(void *data, void *end, __u32 *daddr)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	*daddr = ip->daddr;
	return 0;
}

SEC("socket")
int count_protocols(struct __sk_buff *skb)
{
	__u16 proto = bpf_ntohs(skb->protocol);
	__u64 one = 1, *count = bpf_map_lookup_elem(&by_proto, &proto);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&by_proto, &proto, &one, BPF_NOEXIST);
	__u32 i = skb->len & 7;
	__u64 *c = bpf_map_lookup_elem(&counters, &i);
	if (c)
		*c += skb->len;
	__u32 zero = 0;
	__u64 *b = bpf_map_lookup_elem(&bytes, &zero);
	if (b)
		*b += skb->len + bias;
	packets++;
	last_len = skb->len;
	return count ? *count : 1;
}

SEC("xdp")
int route(struct xdp_md *ctx)
{
	__u32 daddr;
	if (ip_of((void *)(long)ctx->data, (void *)(long)ctx->data_end, &daddr))
		return XDP_PASS;
	struct lpm_key key = { .prefixlen = 32, .addr = daddr };
	__u32 *hop = bpf_map_lookup_elem(&routes, &key);
	__u32 seen_before = bpf_map_peek_elem(&seen, &daddr) == 0;
	bpf_map_push_elem(&seen, &daddr, 0);
	bpf_map_update_elem(&recent, &daddr, &daddr, BPF_ANY);
	return (hop ? *hop : 100) + seen_before * 1000;
}

SEC("socket")
int queues(struct __sk_buff *skb)
{
	__u32 v = skb->len, out = 0, sum = 0;
	bpf_map_push_elem(&fifo, &v, BPF_EXIST);
	bpf_map_push_elem(&lifo, &v, 0);
	v += 1;
	bpf_map_push_elem(&fifo, &v, BPF_EXIST);
	bpf_map_push_elem(&lifo, &v, 0);
	if (bpf_map_pop_elem(&fifo, &out) == 0)
		sum += out;
	if (bpf_map_peek_elem(&lifo, &out) == 0)
		sum += out * 10;
	return sum;
}

struct loop_ctx { __u64 sum; __u32 stop_at; };

static long add_index(__u32 index, void *data)
{
	struct loop_ctx *c = data;
	c->sum += index;
	return index == c->stop_at;
}

static long add_value(struct bpf_map *map, __u32 *key, __u64 *value, void *data)
{
	struct loop_ctx *c = data;
	c->sum += *value + *key;
	return 0;
}

SEC("socket")
int loops(struct __sk_buff *skb)
{
	struct loop_ctx c = { .sum = 0, .stop_at = skb->len & 15 };
	long n = bpf_loop(20, add_index, &c, 0);
	bpf_for_each_map_elem(&counters, add_value, &c, 0);
	return c.sum * 100 + n;
}

SEC("xdp")
int events_out(struct xdp_md *ctx)
{
	__u64 len = ctx->data_end - ctx->data;
	bpf_ringbuf_output(&events, &len, sizeof(len), 0);
	__u64 *slot = bpf_ringbuf_reserve(&events, 16, 0);
	if (!slot)
		return XDP_ABORTED;
	slot[0] = len * 2;
	slot[1] = 0;
	bpf_ringbuf_submit(slot, 0);
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
}

SEC("xdp")
int encapsulate(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -4))
		return XDP_ABORTED;
	__u8 *data = (void *)(long)ctx->data;
	if ((void *)(data + 4 + 14) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	__builtin_memmove(data, data + 4, 12);
	data[12] = 0x81; data[13] = 0x00; data[14] = 0x00; data[15] = 0x2a;
	if (bpf_xdp_adjust_tail(ctx, -2))
		return XDP_ABORTED;
	return XDP_TX;
}

SEC("socket")
int tail_target(struct __sk_buff *skb)
{
	return 4242;
}

SEC("socket")
int jumper(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jumps, skb->len & 1);
	return 17;
}

char LICENSE[] SEC("license") = "GPL";
