// Every macro of bpf_tracing.h.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>
#include <tsbpf/bpf_tracing.h>

SEC("fentry/do_unlinkat")
int BPF_PROG(fentry_args, int dfd, struct filename *name)
{
	return dfd;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(no_args)
{
	return 0;
}

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(kprobe_args, int dfd, const char *filename, struct open_how *how)
{
	return dfd + (PT_REGS_PARM4(ctx) != 0) + (PT_REGS_PARM5(ctx) != 0) + (PT_REGS_PARM6(ctx) != 0) +
	       (PT_REGS_RET(ctx) != 0) + (PT_REGS_FP(ctx) != 0) + (PT_REGS_SP(ctx) != 0) + (PT_REGS_IP(ctx) != 0) +
	       (PT_REGS_PARM4_SYSCALL(ctx) != 0);
}

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(kretprobe_rc, long ret)
{
	return ret < 0 || PT_REGS_RC(ctx) == 0;
}

SEC("uprobe")
int BPF_UPROBE(uprobe_args, const char *line, int len)
{
	return len + (PT_REGS_PARM1(ctx) != 0) + (PT_REGS_PARM2(ctx) != 0) + (PT_REGS_PARM3(ctx) != 0);
}

SEC("uretprobe")
int BPF_URETPROBE(uretprobe_rc, long ret)
{
	return ret == 0;
}

LICENSE("GPL");
