// SPDX-License-Identifier: GPL-2.0
// One program per verifier rule, written as a C programmer would meet it:
// each `ok_*` program follows the rule and Linux accepts it, each `bad_*`
// breaks it and Linux refuses it. rules.test.ts loads every program into
// Linux and into tsbpf's verifier and wants the same verdict and message
// (rules-verdicts.json keeps Linux's answers for machines without BPF).
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

struct elem { int cnt; struct bpf_spin_lock lock; int other; };
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 4); __type(key, int); __type(value, struct elem); } locked SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } counters SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } table SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");

/* ---- map values: a lookup may fail ---- */

SEC("tc") int ok_lookup_checked(struct __sk_buff *skb)
{
	__u32 key = skb->len & 7;
	__u64 *v = bpf_map_lookup_elem(&table, &key);
	return v ? (int)*v : 0;
}

SEC("tc") int bad_lookup_unchecked(struct __sk_buff *skb)
{
	__u32 key = skb->len & 7;
	__u64 *v = bpf_map_lookup_elem(&table, &key);
	asm volatile("" : "+r"(v)); /* keep clang from proving anything */
	return (int)*v;
}

SEC("tc") int bad_value_out_of_bounds(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	if (!v)
		return 0;
	__u32 i = skb->len & 3;
	return (int)v[i]; /* the value holds one __u64 */
}

SEC("tc") int ok_value_index_bounded(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	if (!v)
		return 0;
	char *bytes = (char *)v;
	__u32 i = skb->len & 7;
	return bytes[i];
}

/* ---- packets: prove the bounds before reading ---- */

SEC("tc") int ok_packet_checked(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return 0;
	return eth->h_proto;
}

SEC("tc") int bad_packet_unchecked(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	return eth->h_proto;
}

SEC("tc") int bad_packet_off_by_one(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 13 > end)
		return 0;
	return *(__u16 *)(data + 12);
}

/* ---- ring buffer records: submitted or discarded on every path ---- */

SEC("tc") int ok_ringbuf_submit(struct __sk_buff *skb)
{
	__u32 *rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec)
		return 0;
	*rec = skb->len;
	if (skb->len > 100)
		bpf_ringbuf_discard(rec, 0);
	else
		bpf_ringbuf_submit(rec, 0);
	return 0;
}

SEC("tc") int bad_ringbuf_leak(struct __sk_buff *skb)
{
	__u32 *rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec)
		return 0;
	*rec = skb->len;
	if (skb->len > 100)
		return 1; /* leaks the record */
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

SEC("tc") int bad_ringbuf_use_after_submit(struct __sk_buff *skb)
{
	__u32 *rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec)
		return 0;
	bpf_ringbuf_submit(rec, 0);
	asm volatile("" : "+r"(rec));
	return *rec;
}

/* ---- spin locks ---- */

SEC("tc") int ok_spin_lock(struct __sk_buff *skb)
{
	int key = 0;
	struct elem *e = bpf_map_lookup_elem(&locked, &key);
	if (!e)
		return 0;
	bpf_spin_lock(&e->lock);
	e->cnt++;
	bpf_spin_unlock(&e->lock);
	return 0;
}

SEC("tc") int bad_spin_lock_held_at_exit(struct __sk_buff *skb)
{
	int key = 0;
	struct elem *e = bpf_map_lookup_elem(&locked, &key);
	if (!e)
		return 0;
	bpf_spin_lock(&e->lock);
	if (skb->len > 10)
		return 1; /* still holding the lock */
	bpf_spin_unlock(&e->lock);
	return 0;
}

SEC("tc") int bad_spin_lock_helper_call(struct __sk_buff *skb)
{
	int key = 0;
	struct elem *e = bpf_map_lookup_elem(&locked, &key);
	if (!e)
		return 0;
	bpf_spin_lock(&e->lock);
	e->cnt = bpf_get_prandom_u32();
	bpf_spin_unlock(&e->lock);
	return 0;
}

SEC("tc") int bad_spin_unlock_unlocked(struct __sk_buff *skb)
{
	int key = 0;
	struct elem *e = bpf_map_lookup_elem(&locked, &key);
	if (!e)
		return 0;
	bpf_spin_unlock(&e->lock);
	return 0;
}

SEC("tc") int bad_spin_lock_wrong_offset(struct __sk_buff *skb)
{
	int key = 0;
	struct elem *e = bpf_map_lookup_elem(&locked, &key);
	if (!e)
		return 0;
	bpf_spin_lock((struct bpf_spin_lock *)&e->other);
	bpf_spin_unlock((struct bpf_spin_lock *)&e->other);
	return 0;
}

/* ---- callbacks: bpf_loop ---- */

struct loop_ctx { __u32 sum; __u32 limit; };

static long add_index(__u32 index, void *data)
{
	struct loop_ctx *c = data;
	c->sum += index;
	return c->sum > c->limit;
}

SEC("tc") int ok_bpf_loop(struct __sk_buff *skb)
{
	struct loop_ctx c = { .sum = 0, .limit = skb->len };
	bpf_loop(16, add_index, &c, 0);
	return c.sum;
}

static long returns_two(__u32 index, void *data)
{
	return 2;
}

SEC("tc") int bad_bpf_loop_callback_return(struct __sk_buff *skb)
{
	bpf_loop(4, returns_two, 0, 0);
	return 0;
}

static long indexes_stack(__u32 index, void *data)
{
	char buf[16] = {};
	struct loop_ctx *c = data;
	/* c->sum grows by one each iteration; Linux follows each of them */
	return buf[c->sum++ & 31] & 1;
}

SEC("tc") int ok_bpf_loop_bounded_by_nr_loops(struct __sk_buff *skb)
{
	/* 8 iterations: the index stays below 8 */
	struct loop_ctx c = {};
	bpf_loop(8, indexes_stack, &c, 0);
	return 0;
}

SEC("tc") int bad_bpf_loop_index_past_buffer(struct __sk_buff *skb)
{
	/* 32 iterations: the index reaches 31, past the 16-byte buffer and the stack */
	struct loop_ctx c = {};
	bpf_loop(32, indexes_stack, &c, 0);
	return 0;
}

/* ---- functions: static ones are verified inline, global ones on their own ---- */

__noinline int global_sum(__u32 a, __u32 b)
{
	return a + b;
}

SEC("tc") int ok_global_call(struct __sk_buff *skb)
{
	return global_sum(skb->len, 1) & 1;
}

__noinline int global_reads(__u64 *p)
{
	return p ? (int)*p : 0;
}

SEC("tc") int ok_global_pointer_arg(struct __sk_buff *skb)
{
	__u64 v = skb->len;
	return global_reads(&v) & 1;
}

__noinline int global_reads_unchecked(__u64 *p)
{
	return (int)*p; /* global functions must check their pointer arguments */
}

SEC("tc") int bad_global_unchecked_pointer(struct __sk_buff *skb)
{
	__u64 v = skb->len;
	return global_reads_unchecked(&v) & 1;
}

/* ---- open-coded iterators: bpf_for ---- */

SEC("tc") int ok_bpf_for_indexes(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	__u64 sum = 0;
	int i;
	if (!v)
		return 0;
	bpf_for(i, 0, 8)
		sum += ((__u8 *)v)[i]; /* i is in [0, 8): inside the 8-byte value */
	return (int)(sum & 1);
}

SEC("tc") int bad_bpf_for_past_the_value(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	__u64 sum = 0;
	int i;
	if (!v)
		return 0;
	bpf_for(i, 0, 9)
		sum += ((__u8 *)v)[i]; /* the ninth byte is past the value */
	return (int)(sum & 1);
}

SEC("tc") int ok_bpf_repeat(struct __sk_buff *skb)
{
	int n = 0;
	bpf_repeat(1000)
		n += 3;
	return n & 1;
}

/* ---- the stack ---- */

SEC("tc") int ok_uninit_stack_read_privileged(struct __sk_buff *skb)
{
	/* privileged programs may read uninitialised stack: Linux accepts */
	volatile char buf[8];
	return buf[skb->len & 7];
}

char LICENSE[] SEC("license") = "GPL";
