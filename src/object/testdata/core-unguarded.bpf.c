// SPDX-License-Identifier: GPL-2.0
// A CO-RE read the kernel cannot satisfy, left unguarded: libbpf poisons the
// instruction and the verifier then refuses it, which tsbpf must explain in
// terms of the relocation rather than as a call to an unknown function.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>
#include <tsbpf/bpf_core_read.h>
#include <tsbpf/bpf_tracing.h>

struct task_struct___old {
	long state; /* renamed to __state in 5.14: this kernel has no `state` */
} __attribute__((preserve_access_index));

SEC("tp_btf/sched_switch")
int BPF_PROG(read_old_state, bool preempt, struct task_struct *prev)
{
	struct task_struct___old *old = (void *)prev;
	return BPF_CORE_READ(old, state) != 0;
}

char LICENSE[] SEC("license") = "GPL";
