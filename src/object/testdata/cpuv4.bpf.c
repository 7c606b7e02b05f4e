// SPDX-License-Identifier: GPL-2.0
// Built with -mcpu=v4: sign-extending loads and moves, bswap, signed div and
// mod, as clang emits them for plain C. (gotol needs a jump longer than
// 32767 instructions, which no fixture has.)
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} out SEC(".maps");

SEC("socket")
int cpu_v4(struct __sk_buff *skb)
{
	__u32 key = 0;
	__s64 *result = bpf_map_lookup_elem(&out, &key);
	if (!result)
		return 0;
	__s8 narrow = (__s8)skb->len;          /* movsx */
	__s16 half = (__s16)skb->protocol;
	__s64 wide = narrow * 1000 + half;
	__s64 quotient = wide / -7;            /* sdiv */
	__s64 remainder = wide % -7;           /* smod */
	__u32 swapped = __builtin_bswap32(skb->mark); /* bswap32 */
	*result = quotient + remainder + swapped + __builtin_bswap64(wide);
	volatile __s8 *bytes = (volatile __s8 *)result;
	__s64 signed_byte = bytes[3];          /* ldsx */
	return signed_byte > 0;
}

LICENSE("GPL");
