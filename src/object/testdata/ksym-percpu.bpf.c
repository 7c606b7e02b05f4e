// SPDX-License-Identifier: GPL-2.0
// A typed ksym naming a per-CPU kernel variable: the loader finds its BTF id
// in vmlinux and the kernel needs its address from kallsyms, so loading needs
// CONFIG_KALLSYMS_ALL (without it the kernel answers ENOENT).
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

extern const struct rq runqueues __ksym;

SEC("tp_btf/sched_switch")
int runqueue_depth(__u64 *ctx)
{
	const struct rq *rq = bpf_this_cpu_ptr(&runqueues);
	return rq->nr_running > 4;
}

LICENSE("GPL");
