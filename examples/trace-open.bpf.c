// SPDX-License-Identifier: GPL-2.0
// Sends one event per openat(2) through a ring buffer: who opened which file, and when.
// The user side prints TIME(s) COMM PID FILE.
#include "vmlinux.h"
#include <tsbpf/bpf_helpers.h>

#define TASK_COMM_LEN 16
#define FILENAME_LEN 256

struct open_event {
	__u64 timestamp_ns;
	__u32 pid;
	char comm[TASK_COMM_LEN];
	char filename[FILENAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int trace_open(struct trace_event_raw_sys_enter *ctx)
{
	struct open_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event)
		return 0;
	event->timestamp_ns = bpf_ktime_get_ns();
	event->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	// openat(dfd, filename, flags, mode): the name is a user pointer.
	const char *filename = (const char *)ctx->args[1];
	if (bpf_probe_read_user_str(event->filename, sizeof(event->filename), filename) < 0)
		event->filename[0] = '\0';
	bpf_ringbuf_submit(event, 0);
	return 0;
}

LICENSE("GPL");
