// Every macro of bpf_core_read.h, including a nine-level chained read.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>
#include <tsbpf/bpf_core_read.h>

struct task_struct___flavor {
	int pid;
} __attribute__((preserve_access_index));

SEC("tp_btf/sched_switch")
int core_macros(__u64 *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 sum = 0;
	sum += bpf_core_field_exists(task->pid);
	sum += bpf_core_field_exists(struct task_struct___flavor, pid);
	sum += bpf_core_field_size(task->comm);
	sum += bpf_core_field_size(struct task_struct, comm);
	sum += bpf_core_field_offset(task->tgid);
	sum += bpf_core_field_offset(struct task_struct, tgid);
	sum += bpf_core_type_exists(struct task_struct___flavor);
	sum += bpf_core_type_size(struct task_struct);
	sum += bpf_core_type_matches(struct task_struct___flavor);
	sum += bpf_core_type_id_local(struct task_struct___flavor);
	sum += bpf_core_type_id_kernel(struct task_struct);
	sum += bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_ARRAY);
	sum += bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_HASH);
	sum += BPF_CORE_READ(task, pid);
	sum += BPF_CORE_READ(task, real_parent, real_parent, real_parent, real_parent,
			     real_parent, real_parent, real_parent, real_parent, pid);
	sum += BPF_CORE_READ_USER(task, pid);
	int pid;
	BPF_CORE_READ_INTO(&pid, task, group_leader, pid);
	char comm[16];
	BPF_CORE_READ_STR_INTO(&comm, task, comm);
	BPF_CORE_READ_STR_INTO(&comm, task, group_leader, comm);
	struct sock *sk = 0;
	bpf_core_read(&sk, sizeof(sk), &task->files);
	sum += BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
	sum += BPF_CORE_READ_BITFIELD(task, in_execve);
	sum += pid + comm[0] + (sk != 0);
	return sum & 1;
}

LICENSE("GPL");
