// SPDX-License-Identifier: GPL-2.0
// Prints a line to the trace pipe each time a process opens a file.
//   tsbpf build examples/hello.bpf.c -o hello.bpf.o
//   cat /sys/kernel/tracing/trace_pipe
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_openat")
int hello(void *ctx)
{
	bpf_printk("Hello, World!");
	return 0;
}

LICENSE("GPL");
