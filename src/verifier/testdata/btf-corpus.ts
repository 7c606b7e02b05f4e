/**
 * Small BTF-typed programs (tp_btf, iter, struct_ops) with Linux's verdicts in
 * btf-verdicts.json beside this file (recorded as root by
 * `node dist/verifier/testdata/record-btf-verdicts.js`). `{struct.field.path}`
 * in a source stands for the member's byte offset in the running kernel's BTF.
 */
import type { Btf } from '../../btf/index.js';

export interface BtfTarget {
  readonly type: 'tracing' | 'struct_ops';
  readonly attachType?: 'trace_raw_tp' | 'trace_iter';
  readonly attachTo: string;
  readonly structOps?: { readonly typeName: string; readonly member: string };
}

export interface BtfCase {
  readonly name: string;
  readonly target: BtfTarget;
  readonly source: string;
}

const tp = (attachTo: string): BtfTarget => ({ type: 'tracing', attachType: 'trace_raw_tp', attachTo });
const iter = (attachTo: string): BtfTarget => ({ type: 'tracing', attachType: 'trace_iter', attachTo });
const ca = (member: string): BtfTarget => ({ type: 'struct_ops', attachTo: '', structOps: { typeName: 'tcp_congestion_ops', member } });
const NEWTASK = tp('task_newtask');
const KFREE = tp('kfree_skb');
const TASK = 'r2 = *(u64 *)(r1 + 0)';
const RET0 = 'r0 = 0\nexit';

export const BTF_CASES: readonly BtfCase[] = [
  // Context arguments (btf_ctx_access).
  { name: 'tp_btf: task argument, read pid', target: NEWTASK, source: `${TASK}\nr0 = *(u32 *)(r2 + {task_struct.pid})\n${RET0}` },
  { name: 'tp_btf: integer argument, narrow read', target: NEWTASK, source: `r2 = *(u32 *)(r1 + 8)\n${RET0}` },
  { name: 'tp_btf: pointer argument, narrow read', target: NEWTASK, source: `r2 = *(u32 *)(r1 + 0)\n${RET0}` },
  { name: 'tp_btf: beyond the last argument', target: NEWTASK, source: `r2 = *(u64 *)(r1 + 16)\n${RET0}` },
  { name: 'tp_btf: misaligned argument', target: KFREE, source: `r2 = *(u32 *)(r1 + 20)\n${RET0}` },
  { name: 'tp_btf: context write', target: NEWTASK, source: `r2 = 0\n*(u64 *)(r1 + 8) = r2\n${RET0}` },
  { name: 'tp_btf: void pointer argument is a number', target: KFREE, source: `r2 = *(u64 *)(r1 + 8)\nr0 = *(u8 *)(r2 + 0)\n${RET0}` },
  { name: 'tp_btf: enum argument, narrow read', target: KFREE, source: `r2 = *(u16 *)(r1 + 16)\n${RET0}` },
  { name: 'tp_btf: maybe-NULL argument without a check', target: KFREE, source: `r2 = *(u64 *)(r1 + 24)\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'tp_btf: maybe-NULL argument after a check', target: KFREE, source: `r2 = *(u64 *)(r1 + 24)\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'tp_btf: returning a pointer', target: NEWTASK, source: `${TASK}\nr0 = r2\nexit` },
  { name: 'tp_btf: any return value', target: NEWTASK, source: 'r0 = 7\nexit' },
  // Walking structs (btf_struct_access).
  { name: 'walk: narrow read inside a member', target: NEWTASK, source: `${TASK}\nr0 = *(u16 *)(r2 + {task_struct.pid} + 1)\n${RET0}` },
  { name: 'walk: sign-extending read', target: NEWTASK, source: `${TASK}\nr0 = *(s16 *)(r2 + {task_struct.pid})\n${RET0}` },
  { name: 'walk: char array read as u64', target: NEWTASK, source: `${TASK}\nr0 = *(u64 *)(r2 + {task_struct.comm})\n${RET0}` },
  { name: 'walk: pointer member, then its field', target: NEWTASK, source: `${TASK}\nr2 = *(u64 *)(r2 + {task_struct.real_parent})\nr0 = *(u32 *)(r2 + {task_struct.pid})\n${RET0}` },
  { name: 'walk: plain pointer member, no NULL check needed', target: NEWTASK, source: `${TASK}\nr2 = *(u64 *)(r2 + {task_struct.mm})\nr0 = *(u64 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: group_leader keeps RCU trust', target: NEWTASK, source: `${TASK}\nr2 = *(u64 *)(r2 + {task_struct.group_leader})\nr2 = *(u64 *)(r2 + {task_struct.cgroups})\nr2 = *(u64 *)(r2 + {css_set.dfl_cgrp})\nr0 = *(u64 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: exe_file of a plain mm needs no check', target: NEWTASK, source: `${TASK}\nr2 = *(u64 *)(r2 + {task_struct.mm})\nr2 = *(u64 *)(r2 + {mm_struct.exe_file})\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: sk_socket of a trusted sock is plain', target: tp('sock_rcvqueue_full'), source: `${TASK}\nr2 = *(u64 *)(r2 + {sock.sk_socket})\nr2 = *(u64 *)(r2 + {socket.sk})\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: exe_file of a trusted mm may be NULL', target: tp('exit_mmap'), source: `${TASK}\nr2 = *(u64 *)(r2 + {mm_struct.exe_file})\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: exe_file of a trusted mm after a check', target: tp('exit_mmap'), source: `${TASK}\nr2 = *(u64 *)(r2 + {mm_struct.exe_file})\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: pointer member read narrow', target: NEWTASK, source: `${TASK}\nr0 = *(u32 *)(r2 + {task_struct.mm})\n${RET0}` },
  { name: 'walk: beyond the struct', target: NEWTASK, source: `${TASK}\nr0 = *(u32 *)(r2 + 0x7ff0)\n${RET0}` },
  { name: 'walk: negative offset', target: NEWTASK, source: `${TASK}\nr2 += -8\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: variable offset', target: NEWTASK, source: `${TASK}\nr3 = *(u64 *)(r1 + 8)\nr3 &= 7\nr2 += r3\nr0 = *(u8 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: moved pointer', target: NEWTASK, source: `${TASK}\nr2 += {task_struct.pid}\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: write through a task', target: NEWTASK, source: `${TASK}\nr3 = 1\n*(u32 *)(r2 + {task_struct.pid}) = r3\n${RET0}` },
  { name: 'walk: union member is untrusted', target: KFREE, source: `${TASK}\nr2 = *(u64 *)(r2 + {sk_buff.dev})\nr0 = *(u32 *)(r2 + {net_device.ifindex})\n${RET0}` },
  { name: 'walk: skb->sk may be NULL', target: KFREE, source: `${TASK}\nr2 = *(u64 *)(r2 + {sk_buff.sk})\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'walk: skb->head is untrusted memory', target: KFREE, source: `${TASK}\nr2 = *(u64 *)(r2 + {sk_buff.head})\nr0 = *(u8 *)(r2 + 100)\n${RET0}` },
  { name: 'walk: write into untrusted memory', target: KFREE, source: `${TASK}\nr2 = *(u64 *)(r2 + {sk_buff.head})\nr3 = 1\n*(u8 *)(r2 + 0) = r3\n${RET0}` },
  // Helpers with BTF pointers.
  { name: 'helper: get_current_task_btf', target: NEWTASK, source: `call 158\nr0 = *(u32 *)(r0 + {task_struct.pid})\n${RET0}` },
  { name: 'helper: get_task_stack of the argument', target: NEWTASK, source: `${TASK}\nr1 = r2\nr2 = r10\nr2 += -64\nr3 = 64\nr4 = 0\ncall 141\n${RET0}` },
  { name: 'helper: get_task_stack of an sk_buff', target: KFREE, source: `${TASK}\nr1 = r2\nr2 = r10\nr2 += -64\nr3 = 64\nr4 = 0\ncall 141\n${RET0}` },
  { name: 'helper: get_task_stack of a number', target: NEWTASK, source: `r1 = 0\nr2 = r10\nr2 += -64\nr3 = 64\nr4 = 0\ncall 141\n${RET0}` },
  { name: 'helper: get_task_stack of a maybe-NULL task', target: iter('task'), source: 'r1 = *(u64 *)(r1 + 8)\nr2 = r10\nr2 += -64\nr3 = 64\nr4 = 0\ncall 141\nr0 = 0\nexit' },
  { name: 'helper: seq_write outside an iterator', target: NEWTASK, source: `r1 = 0\nr2 = r10\nr2 += -8\nr3 = 0\ncall 127\n${RET0}` },
  // Iterators.
  { name: 'iter: task without a NULL check', target: iter('task'), source: `r2 = *(u64 *)(r1 + 8)\nr0 = *(u32 *)(r2 + 0)\n${RET0}` },
  { name: 'iter: task after a NULL check', target: iter('task'), source: `r2 = *(u64 *)(r1 + 8)\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + {task_struct.pid})\n${RET0}` },
  { name: 'iter: seq_write to meta->seq', target: iter('task'), source: 'r6 = *(u64 *)(r1 + 0)\nr1 = *(u64 *)(r6 + 0)\nr2 = 0\n*(u64 *)(r10 - 8) = r2\nr2 = r10\nr2 += -8\nr3 = 8\ncall 127\nr0 = 0\nexit' },
  { name: 'iter: return 1', target: iter('task'), source: 'r0 = 1\nexit' },
  { name: 'iter: return 2', target: iter('task'), source: 'r0 = 2\nexit' },
  { name: 'iter: beyond the arguments', target: iter('task'), source: `r2 = *(u64 *)(r1 + 16)\n${RET0}` },
  // struct_ops (tcp_congestion_ops).
  { name: 'struct_ops: void member need not set R0', target: ca('cong_avoid'), source: 'exit' },
  { name: 'struct_ops: u32 member must set R0', target: ca('ssthresh'), source: 'exit' },
  { name: 'struct_ops: returning a pointer', target: ca('ssthresh'), source: 'r0 = *(u64 *)(r1 + 0)\nexit' },
  { name: 'struct_ops: write snd_cwnd', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u32 *)(r2 + {tcp_sock.snd_cwnd}) = r3\nexit' },
  { name: 'struct_ops: write inside snd_cwnd', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u16 *)(r2 + {tcp_sock.snd_cwnd} + 2) = r3\nexit' },
  { name: 'struct_ops: write past snd_cwnd', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u64 *)(r2 + {tcp_sock.snd_cwnd}) = r3\nexit' },
  { name: 'struct_ops: write icsk_ca_priv', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u32 *)(r2 + {inet_connection_sock.icsk_ca_priv} + 4) = r3\nexit' },
  { name: 'struct_ops: write icsk_ack.pending', target: ca('cwnd_event'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u8 *)(r2 + {inet_connection_sock.icsk_ack.pending}) = r3\nexit' },
  { name: 'struct_ops: write a read-only field', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u32 *)(r2 + {tcp_sock.srtt_us}) = r3\nexit' },
  { name: 'struct_ops: write sock.sk_pacing_rate (u64)', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u64 *)(r2 + {sock.sk_pacing_rate}) = r3\nexit' },
  { name: 'struct_ops: write sock.sk_pacing_status (u32)', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u32 *)(r2 + {sock.sk_pacing_status}) = r3\nexit' },
  { name: 'struct_ops: write tcp_sock.snd_cwnd_cnt (u32)', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u32 *)(r2 + {tcp_sock.snd_cwnd_cnt}) = r3\nexit' },
  { name: 'struct_ops: write tcp_sock.snd_cwnd_stamp (u32)', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u32 *)(r2 + {tcp_sock.snd_cwnd_stamp}) = r3\nexit' },
  { name: 'struct_ops: write tcp_sock.snd_ssthresh (u32)', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u32 *)(r2 + {tcp_sock.snd_ssthresh}) = r3\nexit' },
  { name: 'struct_ops: write tcp_sock.ecn_flags (u8)', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u8 *)(r2 + {tcp_sock.ecn_flags}) = r3\nexit' },
  { name: 'struct_ops: write tcp_sock.app_limited (u32)', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u32 *)(r2 + {tcp_sock.app_limited}) = r3\nexit' },
  { name: 'struct_ops: write tcp_sock.rcv_nxt (u32)', target: ca('cong_avoid'), source: 'r2 = *(u64 *)(r1 + 0)\nr3 = 1\n*(u32 *)(r2 + {tcp_sock.rcv_nxt}) = r3\nexit' },
  { name: 'struct_ops: integer arguments', target: ca('cong_avoid'), source: 'r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 16)\nexit' },
  { name: 'struct_ops: tcp_send_ack', target: ca('cwnd_event'), source: 'r1 = *(u64 *)(r1 + 0)\nr2 = 0\ncall 116\nexit' },
  { name: 'struct_ops: jiffies64', target: ca('cong_avoid'), source: 'call 118\nexit' },
  { name: 'struct_ops: perf_event_output is not for congestion control', target: ca('cong_avoid'), source: 'call 25\nexit' },
  { name: 'struct_ops: setsockopt with the socket', target: ca('init'), source: 'r1 = *(u64 *)(r1 + 0)\nr2 = 0\n*(u64 *)(r10 - 8) = r2\nr2 = 6\nr3 = 13\nr4 = r10\nr4 += -8\nr5 = 8\ncall 49\nexit' },
  { name: 'struct_ops: getsockopt into the stack', target: ca('init'), source: 'r1 = *(u64 *)(r1 + 0)\nr2 = 6\nr3 = 13\nr4 = r10\nr4 += -16\nr5 = 16\ncall 57\nexit' },
  { name: 'struct_ops: setsockopt with the context', target: ca('init'), source: 'r2 = 0\n*(u64 *)(r10 - 8) = r2\nr2 = 6\nr3 = 13\nr4 = r10\nr4 += -8\nr5 = 8\ncall 49\nexit' },
  { name: 'struct_ops: no setsockopt in release', target: ca('release'), source: 'r1 = *(u64 *)(r1 + 0)\nr2 = 0\n*(u64 *)(r10 - 8) = r2\nr2 = 6\nr3 = 13\nr4 = r10\nr4 += -8\nr5 = 8\ncall 49\nexit' },
  // kfuncs (tcp_congestion_ops's own).
  { name: 'kfunc: tcp_slow_start', target: ca('cong_avoid'), source: 'r1 = *(u64 *)(r1 + 0)\nr2 = 1\ncall kfunc({kfunc:tcp_slow_start})\nexit' },
  { name: 'kfunc: number argument given a pointer', target: ca('cong_avoid'), source: 'r1 = *(u64 *)(r1 + 0)\nr2 = r1\ncall kfunc({kfunc:tcp_slow_start})\nexit' },
  { name: 'kfunc: not registered for tp_btf', target: NEWTASK, source: `${TASK}\nr1 = r2\nr2 = 1\ncall kfunc({kfunc:tcp_slow_start})\n${RET0}` },
  { name: 'kfunc: void result leaves R0 unset', target: ca('ssthresh'), source: 'r1 = *(u64 *)(r1 + 0)\nr2 = 1\nr3 = 2\ncall kfunc({kfunc:tcp_reno_cong_avoid})\nexit' },
  { name: 'kfunc: number result', target: ca('ssthresh'), source: 'r1 = *(u64 *)(r1 + 0)\ncall kfunc({kfunc:tcp_reno_undo_cwnd})\nr0 += 1\nexit' },
  { name: 'kfunc: moved pointer', target: ca('cong_avoid'), source: 'r1 = *(u64 *)(r1 + 0)\nr1 += 8\nr2 = 1\ncall kfunc({kfunc:tcp_slow_start})\nexit' },
  { name: 'kfunc: untrusted pointer', target: ca('cong_avoid'), source: 'r6 = *(u64 *)(r1 + 0)\nr1 = *(u64 *)(r6 + 24)\nr2 = 1\ncall kfunc({kfunc:tcp_slow_start})\nexit' },
];

/**
 * Cases Linux refuses that this verifier refuses as not modelled (UNSUPPORTED)
 * rather than with Linux's reason.
 */
export const BTF_UNSUPPORTED: readonly string[] = ['kfunc: moved pointer', 'kfunc: untrusted pointer'];

/** The source with `{struct.member.path}` (plus optional `+ n`) replaced by byte offsets from `btf`. */
export function resolveOffsets(source: string, btf: Btf): string {
  return source.replace(/\{kfunc:([a-z_0-9]+)\}/g, (_m, name: string) => String(btf.all(name, 'func')[0]!.id)).replace(/\{([a-z_0-9]+)\.([a-z_0-9.]+)\}/g, (_m, struct: string, path: string) => {
    let tid = btf.named(struct, 'struct')!.id;
    let off = 0;
    for (const part of path.split('.')) {
      const { bitOffset, member } = btf.memberOffset(tid, part);
      off += bitOffset / 8;
      tid = member.type;
    }
    return String(off);
  }).replace(/\(r(\d+) \+ (\d+) \+ (\d+)\)/g, (_m, r: string, a: string, b: string) => `(r${r} + ${Number(a) + Number(b)})`)
    .replace(/r(\d+) \+= (\d+) \+ (\d+)/g, (_m, r: string, a: string, b: string) => `r${r} += ${Number(a) + Number(b)}`);
}
