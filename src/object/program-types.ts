/**
 * Program types and attach types (the kernel's `enum bpf_prog_type` and
 * `enum bpf_attach_type`), and libbpf's section-name conventions that map an
 * ELF section to them. Both targets read these tables: the kernel needs the
 * numbers, the userspace runtime the names.
 */

/** `enum bpf_prog_type` */
export const ProgramType = {
  unspec: 0, socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6, perf_event: 7,
  cgroup_skb: 8, cgroup_sock: 9, lwt_in: 10, lwt_out: 11, lwt_xmit: 12, sock_ops: 13, sk_skb: 14,
  cgroup_device: 15, sk_msg: 16, raw_tracepoint: 17, cgroup_sock_addr: 18, lwt_seg6local: 19, lirc_mode2: 20,
  sk_reuseport: 21, flow_dissector: 22, cgroup_sysctl: 23, raw_tracepoint_writable: 24, cgroup_sockopt: 25,
  tracing: 26, struct_ops: 27, ext: 28, lsm: 29, sk_lookup: 30, syscall: 31, netfilter: 32,
} as const;
export type ProgramTypeName = keyof typeof ProgramType;

/** `enum bpf_attach_type` */
export const AttachType = {
  cgroup_inet_ingress: 0, cgroup_inet_egress: 1, cgroup_inet_sock_create: 2, cgroup_sock_ops: 3,
  sk_skb_stream_parser: 4, sk_skb_stream_verdict: 5, cgroup_device: 6, sk_msg_verdict: 7, cgroup_inet4_bind: 8,
  cgroup_inet6_bind: 9, cgroup_inet4_connect: 10, cgroup_inet6_connect: 11, cgroup_inet4_post_bind: 12,
  cgroup_inet6_post_bind: 13, cgroup_udp4_sendmsg: 14, cgroup_udp6_sendmsg: 15, lirc_mode2: 16,
  flow_dissector: 17, cgroup_sysctl: 18, cgroup_udp4_recvmsg: 19, cgroup_udp6_recvmsg: 20,
  cgroup_getsockopt: 21, cgroup_setsockopt: 22, trace_raw_tp: 23, trace_fentry: 24, trace_fexit: 25,
  modify_return: 26, lsm_mac: 27, trace_iter: 28, cgroup_inet4_getpeername: 29, cgroup_inet6_getpeername: 30,
  cgroup_inet4_getsockname: 31, cgroup_inet6_getsockname: 32, xdp_devmap: 33, cgroup_inet_sock_release: 34,
  xdp_cpumap: 35, sk_lookup: 36, xdp: 37, sk_skb_verdict: 38, sk_reuseport_select: 39,
  sk_reuseport_select_or_migrate: 40, perf_event: 41, trace_kprobe_multi: 42, lsm_cgroup: 43, struct_ops: 44,
  netfilter: 45, tcx_ingress: 46, tcx_egress: 47, trace_uprobe_multi: 48,
} as const;
export type AttachTypeName = keyof typeof AttachType;

/** What a section name says about its programs. */
export interface SectionKind {
  readonly type: ProgramTypeName;
  /** The attach type the section implies (used to attach, and at load when `attachTypeAtLoad`). */
  readonly attachType?: AttachTypeName;
  /** Whether the kernel must be given the attach type at load (expected_attach_type). */
  readonly attachTypeAtLoad: boolean;
  /** What follows the prefix: `syscalls/sys_enter_openat`, `do_unlinkat`, … ('' when none). */
  readonly attachTo: string;
  /** Sleepable variants (`fentry.s/`, `lsm.s/`, `uprobe.s`…). */
  readonly sleepable: boolean;
  /** The section-name prefix that matched, as libbpf spells it. */
  readonly prefix: string;
}

interface Rule {
  readonly prefix: string;
  readonly type: ProgramTypeName;
  readonly attachType?: AttachTypeName;
  /** `exact`: the name must equal the prefix; `plus`: prefix, optionally followed by `/target`; `any`: prefix then anything. */
  readonly match: 'exact' | 'plus' | 'any';
  /** Whether the kernel must be told the attach type at load (libbpf's SEC_ATTACH_BTF / SEC_EXP_ATTACH_OPT). */
  readonly expectAttach?: boolean;
  readonly sleepable?: boolean;
}

const r = (prefix: string, type: ProgramTypeName, match: Rule['match'], attachType?: AttachTypeName, expectAttach = false, sleepable = false): Rule =>
  ({ prefix, type, match, ...(attachType ? { attachType } : {}), expectAttach, sleepable });

/** libbpf's `section_defs`, in its order: the first rule that matches wins. */
const RULES: readonly Rule[] = [
  r('socket', 'socket_filter', 'plus'),
  r('sk_reuseport/migrate', 'sk_reuseport', 'exact', 'sk_reuseport_select_or_migrate', true),
  r('sk_reuseport', 'sk_reuseport', 'exact', 'sk_reuseport_select', true),
  r('kprobe', 'kprobe', 'plus'),
  r('uprobe', 'kprobe', 'plus'),
  r('uprobe.s', 'kprobe', 'plus', undefined, false, true),
  r('kretprobe', 'kprobe', 'plus'),
  r('uretprobe', 'kprobe', 'plus'),
  r('uretprobe.s', 'kprobe', 'plus', undefined, false, true),
  r('kprobe.multi', 'kprobe', 'plus', 'trace_kprobe_multi', true),
  r('kretprobe.multi', 'kprobe', 'plus', 'trace_kprobe_multi', true),
  r('uprobe.multi', 'kprobe', 'plus', 'trace_uprobe_multi', true),
  r('uretprobe.multi', 'kprobe', 'plus', 'trace_uprobe_multi', true),
  r('uprobe.multi.s', 'kprobe', 'plus', 'trace_uprobe_multi', true, true),
  r('uretprobe.multi.s', 'kprobe', 'plus', 'trace_uprobe_multi', true, true),
  r('ksyscall', 'kprobe', 'plus'),
  r('kretsyscall', 'kprobe', 'plus'),
  r('usdt', 'kprobe', 'plus'),
  r('usdt.s', 'kprobe', 'plus', undefined, false, true),
  r('tc/ingress', 'sched_cls', 'exact', 'tcx_ingress'),
  r('tc/egress', 'sched_cls', 'exact', 'tcx_egress'),
  r('tcx/ingress', 'sched_cls', 'exact', 'tcx_ingress'),
  r('tcx/egress', 'sched_cls', 'exact', 'tcx_egress'),
  r('tc', 'sched_cls', 'plus'),
  r('classifier', 'sched_cls', 'plus'),
  r('action', 'sched_act', 'plus'),
  r('tracepoint', 'tracepoint', 'plus'),
  r('tp', 'tracepoint', 'plus'),
  r('raw_tracepoint', 'raw_tracepoint', 'plus'),
  r('raw_tp', 'raw_tracepoint', 'plus'),
  r('raw_tracepoint.w', 'raw_tracepoint_writable', 'plus'),
  r('raw_tp.w', 'raw_tracepoint_writable', 'plus'),
  r('tp_btf', 'tracing', 'plus', 'trace_raw_tp', true),
  r('fentry', 'tracing', 'plus', 'trace_fentry', true),
  r('fmod_ret', 'tracing', 'plus', 'modify_return', true),
  r('fexit', 'tracing', 'plus', 'trace_fexit', true),
  r('fentry.s', 'tracing', 'plus', 'trace_fentry', true, true),
  r('fmod_ret.s', 'tracing', 'plus', 'modify_return', true, true),
  r('fexit.s', 'tracing', 'plus', 'trace_fexit', true, true),
  r('freplace', 'ext', 'plus', undefined, true),
  r('lsm', 'lsm', 'plus', 'lsm_mac', true),
  r('lsm.s', 'lsm', 'plus', 'lsm_mac', true, true),
  r('lsm_cgroup', 'lsm', 'plus', 'lsm_cgroup', true),
  r('iter', 'tracing', 'plus', 'trace_iter', true),
  r('iter.s', 'tracing', 'plus', 'trace_iter', true, true),
  r('syscall', 'syscall', 'exact', undefined, false, true),
  r('xdp.frags/devmap', 'xdp', 'exact', 'xdp_devmap', true),
  r('xdp/devmap', 'xdp', 'exact', 'xdp_devmap', true),
  r('xdp.frags/cpumap', 'xdp', 'exact', 'xdp_cpumap', true),
  r('xdp/cpumap', 'xdp', 'exact', 'xdp_cpumap', true),
  r('xdp.frags', 'xdp', 'exact', 'xdp', true),
  r('xdp', 'xdp', 'plus', 'xdp', true),
  r('perf_event', 'perf_event', 'plus'),
  r('lwt_in', 'lwt_in', 'plus'),
  r('lwt_out', 'lwt_out', 'plus'),
  r('lwt_xmit', 'lwt_xmit', 'plus'),
  r('lwt_seg6local', 'lwt_seg6local', 'plus'),
  r('sockops', 'sock_ops', 'plus', 'cgroup_sock_ops', true),
  r('sk_skb/stream_parser', 'sk_skb', 'plus', 'sk_skb_stream_parser', true),
  r('sk_skb/stream_verdict', 'sk_skb', 'plus', 'sk_skb_stream_verdict', true),
  r('sk_skb/verdict', 'sk_skb', 'plus', 'sk_skb_verdict', true),
  r('sk_skb', 'sk_skb', 'plus'),
  r('sk_msg', 'sk_msg', 'plus', 'sk_msg_verdict', true),
  r('lirc_mode2', 'lirc_mode2', 'plus', 'lirc_mode2', true),
  r('flow_dissector', 'flow_dissector', 'plus', 'flow_dissector', true),
  r('cgroup_skb/ingress', 'cgroup_skb', 'plus', 'cgroup_inet_ingress', true),
  r('cgroup_skb/egress', 'cgroup_skb', 'plus', 'cgroup_inet_egress', true),
  r('cgroup/skb', 'cgroup_skb', 'plus'),
  r('cgroup/sock_create', 'cgroup_sock', 'plus', 'cgroup_inet_sock_create', true),
  r('cgroup/sock_release', 'cgroup_sock', 'plus', 'cgroup_inet_sock_release', true),
  r('cgroup/sock', 'cgroup_sock', 'plus', 'cgroup_inet_sock_create', true),
  r('cgroup/post_bind4', 'cgroup_sock', 'plus', 'cgroup_inet4_post_bind', true),
  r('cgroup/post_bind6', 'cgroup_sock', 'plus', 'cgroup_inet6_post_bind', true),
  r('cgroup/bind4', 'cgroup_sock_addr', 'plus', 'cgroup_inet4_bind', true),
  r('cgroup/bind6', 'cgroup_sock_addr', 'plus', 'cgroup_inet6_bind', true),
  r('cgroup/connect4', 'cgroup_sock_addr', 'plus', 'cgroup_inet4_connect', true),
  r('cgroup/connect6', 'cgroup_sock_addr', 'plus', 'cgroup_inet6_connect', true),
  r('cgroup/sendmsg4', 'cgroup_sock_addr', 'plus', 'cgroup_udp4_sendmsg', true),
  r('cgroup/sendmsg6', 'cgroup_sock_addr', 'plus', 'cgroup_udp6_sendmsg', true),
  r('cgroup/recvmsg4', 'cgroup_sock_addr', 'plus', 'cgroup_udp4_recvmsg', true),
  r('cgroup/recvmsg6', 'cgroup_sock_addr', 'plus', 'cgroup_udp6_recvmsg', true),
  r('cgroup/getpeername4', 'cgroup_sock_addr', 'plus', 'cgroup_inet4_getpeername', true),
  r('cgroup/getpeername6', 'cgroup_sock_addr', 'plus', 'cgroup_inet6_getpeername', true),
  r('cgroup/getsockname4', 'cgroup_sock_addr', 'plus', 'cgroup_inet4_getsockname', true),
  r('cgroup/getsockname6', 'cgroup_sock_addr', 'plus', 'cgroup_inet6_getsockname', true),
  r('cgroup/sysctl', 'cgroup_sysctl', 'plus', 'cgroup_sysctl', true),
  r('cgroup/getsockopt', 'cgroup_sockopt', 'plus', 'cgroup_getsockopt', true),
  r('cgroup/setsockopt', 'cgroup_sockopt', 'plus', 'cgroup_setsockopt', true),
  r('cgroup/dev', 'cgroup_device', 'plus', 'cgroup_device', true),
  r('struct_ops', 'struct_ops', 'plus'),
  r('struct_ops.s', 'struct_ops', 'plus', undefined, false, true),
  r('sk_lookup', 'sk_lookup', 'plus', 'sk_lookup', true),
  r('netfilter', 'netfilter', 'plus', 'netfilter', true),
];

function matches(rule: Rule, section: string): string | undefined {
  if (rule.match === 'exact') return section === rule.prefix ? '' : undefined;
  if (section === rule.prefix) return '';
  if (rule.match === 'plus') return section.startsWith(`${rule.prefix}/`) ? section.slice(rule.prefix.length + 1) : undefined;
  return section.startsWith(rule.prefix) ? section.slice(rule.prefix.length) : undefined;
}

/**
 * What libbpf makes of a program's section name, or undefined for a section
 * it does not know (the program then needs its type set by hand).
 */
export function sectionKind(section: string): SectionKind | undefined {
  for (const rule of RULES) {
    const rest = matches(rule, section);
    if (rest === undefined) continue;
    return {
      type: rule.type,
      ...(rule.attachType ? { attachType: rule.attachType } : {}),
      attachTypeAtLoad: rule.expectAttach ?? false,
      attachTo: rest,
      sleepable: rule.sleepable ?? false,
      prefix: rule.prefix,
    };
  }
  return undefined;
}
