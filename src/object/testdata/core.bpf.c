// SPDX-License-Identifier: GPL-2.0
// CO-RE relocations of every kind: field byte offset, byte size, exists,
// signed, lshift and rshift (bitfields), type id local and target, type
// exists, size and matches, enumerator exists and value, against kernel
// types and local ___flavor definitions the kernel does not have.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>
#include <tsbpf/bpf_core_read.h>
#include <tsbpf/bpf_tracing.h>

// A flavor of task_struct: matched to the kernel's by the name before ___.
struct task_struct___old {
	long state;     /* renamed to __state in 5.14 */
	int pid;
} __attribute__((preserve_access_index));

struct task_struct___new {
	unsigned int __state;
	int pid;
} __attribute__((preserve_access_index));

// A type the kernel does not have, to make exists relocations return 0.
struct tsbpf_not_in_kernel {
	int missing;
} __attribute__((preserve_access_index));

enum tsbpf_local_enum { TSBPF_LOCAL_ONE = 1 };

// A local copy of the kernel's enum, flavored, for enumerator relocations.
enum bpf_map_type___local {
	BPF_MAP_TYPE_RINGBUF___local = 27,
};

struct core_results {
	__u64 values[24];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct core_results);
} results SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(core_fields, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 key = 0;
	struct core_results *out = bpf_map_lookup_elem(&results, &key);
	if (!out)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();

	/* field byte offset, byte size, exists */
	out->values[0] = bpf_core_field_offset(task->pid);
	out->values[1] = bpf_core_field_size(task->comm);
	out->values[2] = bpf_core_field_exists(struct task_struct___old, state);
	out->values[3] = bpf_core_field_exists(((struct task_struct___new *)task)->__state);
	out->values[4] = bpf_core_field_offset(struct task_struct, tgid);

	/* bitfields: signed, lshift, rshift, through the bitfield readers */
	struct sock *sk = (struct sock *)BPF_CORE_READ(task, files); /* any pointer; only the relocation matters */
	out->values[5] = __builtin_preserve_field_info(((struct sock *)sk)->sk_protocol, BPF_FIELD_SIGNED);
	out->values[6] = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_userlocks);
	out->values[7] = __builtin_preserve_field_info(((struct sock *)sk)->sk_userlocks, BPF_FIELD_LSHIFT_U64);
	out->values[8] = __builtin_preserve_field_info(((struct sock *)sk)->sk_userlocks, BPF_FIELD_RSHIFT_U64);

	/* type id local and target, type exists, size, matches */
	out->values[9] = bpf_core_type_id_local(struct task_struct);
	out->values[10] = bpf_core_type_id_kernel(struct task_struct);
	out->values[11] = bpf_core_type_exists(struct tsbpf_not_in_kernel);
	out->values[12] = bpf_core_type_size(struct task_struct);
	out->values[13] = bpf_core_type_matches(struct task_struct___new);
	out->values[14] = bpf_core_type_exists(struct task_struct___old);

	/* enumerator exists and value */
	out->values[15] = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	out->values[16] = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	out->values[17] = bpf_core_enum_value_exists(enum bpf_map_type___local, BPF_MAP_TYPE_RINGBUF___local);

	/* chained reads and strings */
	out->values[18] = BPF_CORE_READ(task, real_parent, tgid);
	out->values[19] = BPF_CORE_READ(task, real_parent, real_parent, mm, start_code);
	char comm[16];
	BPF_CORE_READ_STR_INTO(&comm, task, real_parent, comm);
	out->values[20] = comm[0];
	int ppid = 0;
	BPF_CORE_READ_INTO(&ppid, task, real_parent, pid);
	out->values[21] = ppid;
	if (bpf_core_field_exists(struct task_struct___new, __state))
		out->values[22] = BPF_CORE_READ((struct task_struct___new *)task, __state);
	else
		out->values[22] = BPF_CORE_READ((struct task_struct___old *)task, state);
	out->values[23] = next->pid + prev->pid;
	return 0;
}

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(core_kprobe, int dfd, const char *filename)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 key = 0;
	struct core_results *out = bpf_map_lookup_elem(&results, &key);
	if (!out)
		return 0;
	out->values[0] = BPF_CORE_READ(task, mm, mmap_base);
	out->values[1] = BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
	char user_start[8] = {};
	bpf_core_read_user_str(user_start, sizeof(user_start), filename);
	out->values[2] = user_start[0] + PT_REGS_PARM3(ctx);
	return 0;
}

LICENSE("GPL");
