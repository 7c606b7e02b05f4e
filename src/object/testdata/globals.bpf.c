// SPDX-License-Identifier: GPL-2.0
// Global data in every section the loader turns into an array map (.data,
// .rodata, .bss, .data.custom, .rodata.str1.1 string literals), externs
// resolved at load (.kconfig, .ksyms, typed and typeless), license and version.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

__u64 opens = 5;                            /* .data */
const volatile __u32 threshold = 10;        /* .rodata: constant to the verifier, settable before load */
const volatile char prefix[8] = "tsbpf";    /* .rodata */
__u64 last_pid;                             /* .bss */
__u32 seen[4];                              /* .bss */
__u32 custom_counter SEC(".data.custom") = 42;
const char custom_banner[] SEC(".rodata.custom") = "custom";

extern int LINUX_KERNEL_VERSION __kconfig;
extern unsigned int CONFIG_HZ __kconfig __weak;
extern bool CONFIG_BPF_SYSCALL __kconfig;

extern const void _stext __ksym;            /* typeless: an address from kallsyms */
/* typed: kernel functions (kfuncs) by BTF id; ksym-percpu.bpf.c has a typed variable */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

static __noinline int starts_with_etc(const char *name)
{
	/* The literal lands in .rodata.str1.1. */
	return bpf_strncmp(name, 5, "/etc/") == 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int count_opens(struct trace_event_raw_sys_enter *ctx)
{
	char name[16] = {};
	bpf_probe_read_user_str(name, sizeof(name), (const char *)ctx->args[1]);
	opens++;
	last_pid = bpf_get_current_pid_tgid() >> 32;
	seen[last_pid & 3] = custom_counter;
	if (opens > threshold && starts_with_etc(name))
		bpf_printk("%s: %d opens of /etc, kernel %d HZ %u", prefix, opens, LINUX_KERNEL_VERSION, CONFIG_HZ);
	return 0;
}

SEC("tp_btf/sched_switch")
int on_switch(__u64 *ctx)
{
	struct task_struct *task = bpf_task_from_pid(last_pid);
	if (!task)
		return 0;
	if (CONFIG_BPF_SYSCALL && task->prio > threshold)
		bpf_printk("pid %d text at %lx %s", task->pid, (unsigned long)&_stext, custom_banner);
	bpf_task_release(task);
	return 0;
}

LICENSE("Dual MIT/GPL");
__u32 _version SEC("version") = 1;
