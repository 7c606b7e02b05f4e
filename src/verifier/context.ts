/**
 * Which context fields a program type may read or write, by offset and size,
 * as Linux 6.18's `*_is_valid_access` functions decide (net/core/filter.c,
 * kernel/trace/bpf_trace.c, kernel/bpf/cgroup.c), what a read yields, and
 * which values a program may return (check_return_code). Some types decide
 * by the expected attach type the program was loaded with.
 *
 * Verdicts for every offset and size were asked of the running kernel
 * (testdata/ctx-access.json, checked by context.test.ts).
 */
import { AttachType } from '../object/program-types.js';

/** Program types the verifier knows the context of. */
export type ProgramType =
  | 'socket_filter' | 'xdp' | 'sched_cls' | 'sched_act' | 'kprobe' | 'tracepoint' | 'raw_tracepoint'
  | 'cgroup_skb' | 'cgroup_sock' | 'sock_ops' | 'cgroup_sock_addr' | 'perf_event' | 'sk_skb'
  | 'lwt_in' | 'lwt_out' | 'lwt_xmit' | 'sk_msg' | 'sk_lookup' | 'cgroup_device' | 'cgroup_sysctl' | 'cgroup_sockopt'
  | BtfProgramType;

/**
 * Program types whose context is typed by the attach target's BTF
 * (tracing-context.ts); verify() needs `attachBtf` for them. Kept out of
 * PROGRAM_TYPES, whose contexts are fixed.
 */
export type BtfProgramType = 'tracing' | 'struct_ops' | 'lsm';
export const BTF_PROGRAM_TYPES: readonly BtfProgramType[] = ['tracing', 'struct_ops', 'lsm'];
export const isBtfProgramType = (type: string): type is BtfProgramType => BTF_PROGRAM_TYPES.includes(type as BtfProgramType);

export const PROGRAM_TYPES: readonly ProgramType[] = [
  'socket_filter', 'xdp', 'sched_cls', 'sched_act', 'kprobe', 'tracepoint', 'raw_tracepoint',
  'cgroup_skb', 'cgroup_sock', 'sock_ops', 'cgroup_sock_addr', 'perf_event', 'sk_skb',
  'lwt_in', 'lwt_out', 'lwt_xmit', 'sk_msg', 'sk_lookup', 'cgroup_device', 'cgroup_sysctl', 'cgroup_sockopt',
];

/**
 * What loading a context field gives: a number, a packet pointer, or a socket
 * pointer (PTR_TO_SOCKET, PTR_TO_SOCK_COMMON, maybe NULL).
 */
export type CtxFieldKind = 'scalar' | 'packet' | 'packet_end' | 'packet_meta' | 'sock_common_or_null' | 'sock' | 'sock_or_null';

const U16 = 2;
const U32 = 4;
const U64 = 8;
const within = (off: number, start: number, end: number) => off >= start && off < end;
/** bpf_ctx_narrow_access_ok: a power-of-two load no wider than the field (the caller checked alignment). */
const narrowOk = (size: number, fieldSize: number) => size <= fieldSize && (size & (size - 1)) === 0;
/** bpf_ctx_wide_access_ok: an aligned 8-byte access inside an array of u32s. */
const wideOk = (off: number, size: number, start: number, end: number) => size === U64 && off >= start && off + U64 <= end && off % U64 === 0;

// struct __sk_buff offsets (include/uapi/linux/bpf.h).
const SKB = {
  mark: 8, queueMapping: 12, priority: 32, tcIndex: 44,
  cb0: 48, cbEnd: 68, tcClassid: 72, data: 76, dataEnd: 80, family: 88, remoteIp4: 92, localIp4: 96,
  remoteIp6: 100, localIp6: 116, localPortEnd: 140, dataMeta: 140, flowKeys: 144, tstamp: 152, wireLen: 160,
  sk: 168, tstampType: 180, hwtstamp: 184, size: 192,
} as const;

/** bpf_skb_is_valid_access: what every __sk_buff program type shares. */
function skbValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (off < 0 || off >= SKB.size || off % size !== 0) return undefined;
  if (within(off, SKB.cb0, SKB.cbEnd)) return off + size > SKB.cbEnd ? undefined : 'scalar';
  if (within(off, SKB.remoteIp6, SKB.localIp6 + 16) || within(off, SKB.remoteIp4, SKB.localIp4 + 4)
    || within(off, SKB.data, SKB.dataEnd + 4) || within(off, SKB.dataMeta, SKB.dataMeta + 4)) {
    return size === U32 ? 'scalar' : undefined;
  }
  if (within(off, SKB.flowKeys, SKB.flowKeys + 8)) return undefined;
  if (within(off, SKB.hwtstamp, SKB.hwtstamp + 8)) return !write && size === 8 ? 'scalar' : undefined;
  if (within(off, SKB.tstamp, SKB.tstamp + 8)) return size === 8 ? 'scalar' : undefined;
  if (within(off, SKB.sk, SKB.sk + 8)) return off === SKB.sk && !write && size === 8 ? 'sock_common_or_null' : undefined;
  if (off >= SKB.tstampType && off < SKB.hwtstamp) return undefined; // tstamp_type and padding
  if (write) return size === U32 ? 'scalar' : undefined;
  return narrowOk(size, U32) ? 'scalar' : undefined;
}

/** The packet pointers of the __sk_buff types that have them. */
function skbPacket(off: number, kind: CtxFieldKind | undefined): CtxFieldKind | undefined {
  if (kind === undefined) return undefined;
  if (within(off, SKB.data, SKB.data + 4)) return 'packet';
  if (within(off, SKB.dataEnd, SKB.dataEnd + 4)) return 'packet_end';
  if (within(off, SKB.dataMeta, SKB.dataMeta + 4)) return 'packet_meta';
  return kind;
}

function socketFilterValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (within(off, SKB.tcClassid, SKB.tcClassid + 4) || within(off, SKB.data, SKB.dataEnd + 4)
    || within(off, SKB.dataMeta, SKB.dataMeta + 4) || within(off, SKB.family, SKB.localPortEnd)
    || within(off, SKB.tstamp, SKB.tstamp + 8) || within(off, SKB.wireLen, SKB.wireLen + 4)
    || within(off, SKB.hwtstamp, SKB.hwtstamp + 8)) return undefined;
  if (write && !within(off, SKB.cb0, SKB.cbEnd)) return undefined;
  return skbValid(off, size, write);
}

/** tc_cls_act_is_valid_access: tc programs see the packet and may write a few fields. */
function tcValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (write) {
    const writable = within(off, SKB.mark, SKB.mark + 4) || within(off, SKB.tcIndex, SKB.tcIndex + 4) || within(off, SKB.priority, SKB.priority + 4)
      || within(off, SKB.tcClassid, SKB.tcClassid + 4) || within(off, SKB.cb0, SKB.cbEnd) || within(off, SKB.tstamp, SKB.tstamp + 8)
      || within(off, SKB.queueMapping, SKB.queueMapping + 4);
    if (!writable) return undefined;
  }
  if (within(off, SKB.family, SKB.localPortEnd)) return undefined;
  // tc programs may read tstamp_type (a u8), which bpf_skb_is_valid_access hides from everyone else.
  if (off === SKB.tstampType) return !write && size === 1 ? 'scalar' : undefined;
  return skbPacket(off, skbValid(off, size, write));
}

/** cg_skb_is_valid_access (CAP_BPF held, CAP_SYS_ADMIN too for tstamp writes). */
function cgroupSkbValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (within(off, SKB.tcClassid, SKB.tcClassid + 4) || within(off, SKB.dataMeta, SKB.dataMeta + 4) || within(off, SKB.wireLen, SKB.wireLen + 4)) return undefined;
  if (write && !(within(off, SKB.mark, SKB.mark + 4) || within(off, SKB.priority, SKB.priority + 4) || within(off, SKB.cb0, SKB.cbEnd)
    || within(off, SKB.tstamp, SKB.tstamp + 8))) return undefined;
  return skbPacket(off, skbValid(off, size, write));
}

/** sk_skb_is_valid_access: no mark, no meta data, no timestamps. */
function skSkbValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (within(off, SKB.tcClassid, SKB.tcClassid + 4) || within(off, SKB.dataMeta, SKB.dataMeta + 4) || within(off, SKB.tstamp, SKB.tstamp + 8)
    || within(off, SKB.wireLen, SKB.wireLen + 4) || within(off, SKB.hwtstamp, SKB.hwtstamp + 8)) return undefined;
  if (write && !(within(off, SKB.tcIndex, SKB.tcIndex + 4) || within(off, SKB.priority, SKB.priority + 4))) return undefined;
  if (within(off, SKB.mark, SKB.mark + 4)) return undefined;
  return skbPacket(off, skbValid(off, size, write));
}

/** lwt_is_valid_access: like tc, without the socket addresses. */
function lwtValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (within(off, SKB.tcClassid, SKB.tcClassid + 4) || within(off, SKB.family, SKB.localPortEnd) || within(off, SKB.dataMeta, SKB.dataMeta + 4)
    || within(off, SKB.tstamp, SKB.tstamp + 8) || within(off, SKB.wireLen, SKB.wireLen + 4) || within(off, SKB.hwtstamp, SKB.hwtstamp + 8)) return undefined;
  if (write && !(within(off, SKB.mark, SKB.mark + 4) || within(off, SKB.priority, SKB.priority + 4) || within(off, SKB.cb0, SKB.cbEnd))) return undefined;
  return skbPacket(off, skbValid(off, size, write));
}

/** sizeof(struct pt_regs) on x86-64. */
const PT_REGS_SIZE = 168;
/** PERF_MAX_TRACE_SIZE. */
const PERF_MAX_TRACE_SIZE = 8192;
/** MAX_BPF_FUNC_ARGS u64 arguments of a raw tracepoint. */
const RAW_TP_SIZE = 8 * 12;

function tracingValid(type: ProgramType, off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (write || off % size !== 0) return undefined;
  if (type === 'kprobe') return off >= 0 && off + size <= PT_REGS_SIZE ? 'scalar' : undefined;
  // tp_prog_is_valid_access compares the int offset with sizeof(void *), unsigned: negative offsets pass.
  if (type === 'tracepoint') return (off < 0 || off >= 8) && off < PERF_MAX_TRACE_SIZE ? 'scalar' : undefined;
  return off >= 0 && off < RAW_TP_SIZE ? 'scalar' : undefined;
}

// struct bpf_perf_event_data: pt_regs, then u64 sample_period and u64 addr.
const PERF_SAMPLE_PERIOD = PT_REGS_SIZE;
const PERF_EVENT_DATA_SIZE = PT_REGS_SIZE + 16;

/** pe_prog_is_valid_access: the registers as whole longs; sample_period and addr also narrowly. */
function perfEventValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (off < 0 || off >= PERF_EVENT_DATA_SIZE || write || off % size !== 0) return undefined;
  if (off >= PERF_SAMPLE_PERIOD) return narrowOk(size, U64) ? 'scalar' : undefined;
  return size === U64 ? 'scalar' : undefined;
}

// struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex.
const XDP_MD_SIZE = 24;
const XDP_EGRESS_IFINDEX = 20;

function xdpValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (off === XDP_EGRESS_IFINDEX || write) return undefined; // egress_ifindex is for devmap programs only
  if (off < 0 || off >= XDP_MD_SIZE || off % size !== 0 || size !== U32) return undefined;
  return off === 0 ? 'packet' : off === 4 ? 'packet_end' : off === 8 ? 'packet_meta' : 'scalar';
}

// struct bpf_sock_ops.
const SOCK_OPS = { reply: 4, skTxhash: 164, bytesReceived: 168, bytesAckedEnd: 184, sk: 184, skbData: 192, skbDataEnd: 200, skbTcpFlags: 212, skbHwtstamp: 216, size: 224 } as const;

/** sock_ops_is_valid_access: u32 fields read whole; only reply and sk_txhash written. */
function sockOpsValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (off < 0 || off >= SOCK_OPS.size || off % size !== 0) return undefined;
  if (write) return (off === SOCK_OPS.reply || off === SOCK_OPS.skTxhash) && size === U32 ? 'scalar' : undefined;
  if (within(off, SOCK_OPS.bytesReceived, SOCK_OPS.bytesAckedEnd)) return size === U64 ? 'scalar' : undefined;
  // The 8-byte fields are reached whole only, at their start.
  const whole = (start: number, kind: CtxFieldKind) => (off === start && size === U64 ? kind : undefined);
  if (within(off, SOCK_OPS.sk, SOCK_OPS.sk + 8)) return whole(SOCK_OPS.sk, 'sock_or_null');
  if (within(off, SOCK_OPS.skbData, SOCK_OPS.skbData + 8)) return whole(SOCK_OPS.skbData, 'packet');
  if (within(off, SOCK_OPS.skbDataEnd, SOCK_OPS.skbDataEnd + 8)) return whole(SOCK_OPS.skbDataEnd, 'packet_end');
  if (off === SOCK_OPS.skbTcpFlags) return narrowOk(size, U32) ? 'scalar' : undefined;
  if (within(off, SOCK_OPS.skbHwtstamp, SOCK_OPS.skbHwtstamp + 8)) return whole(SOCK_OPS.skbHwtstamp, 'scalar');
  return size === U32 ? 'scalar' : undefined;
}

// struct bpf_sock (also what a PTR_TO_SOCKET points to).
const SOCK = {
  boundDevIf: 0, family: 4, type: 8, protocol: 12, mark: 16, priority: 20, srcIp4: 24, srcIp6: 28, srcPort: 44,
  dstPort: 48, dstPortEnd: 50, dstIp4: 52, dstIp6: 56, state: 72, rxQueueMapping: 76, size: 80,
} as const;

/** bpf_sock_is_valid_access: reads of struct bpf_sock (writes are decided by the caller). */
export function bpfSockValid(off: number, size: number): boolean {
  if (off < 0 || off >= SOCK.size || off % size !== 0) return false;
  if (off === SOCK.state || off === SOCK.family || off === SOCK.type || off === SOCK.protocol || off === SOCK.srcPort
    || off === SOCK.rxQueueMapping || within(off, SOCK.srcIp4, SOCK.srcIp4 + 4) || within(off, SOCK.srcIp6, SOCK.srcIp6 + 16)
    || within(off, SOCK.dstIp4, SOCK.dstIp4 + 4) || within(off, SOCK.dstIp6, SOCK.dstIp6 + 16)) return narrowOk(size, U32);
  if (within(off, SOCK.dstPort, SOCK.dstPortEnd)) return narrowOk(size, size === U32 ? U32 : U16);
  if (within(off, SOCK.dstPortEnd, SOCK.dstIp4)) return false;
  return size === U32;
}

/** bpf_sock_common_is_valid_access: a sock_common has no type, protocol, mark or priority. */
export function bpfSockCommonValid(off: number, size: number): boolean {
  if (within(off, SOCK.type, SOCK.priority + 4)) return false;
  return bpfSockValid(off, size);
}

// struct bpf_tcp_sock: u32 fields up to icsk_retransmits, but for two u64 byte counters.
const TCP_SOCK = { bytesReceived: 80, bytesAcked: 88, end: 112 } as const;

/** bpf_tcp_sock_is_valid_access: whole, aligned fields only (no narrow reads), read-only. */
export function bpfTcpSockValid(off: number, size: number): boolean {
  if (off < 0 || off >= TCP_SOCK.end || off % size !== 0) return false;
  if (off === TCP_SOCK.bytesReceived || off === TCP_SOCK.bytesAcked) return size === 8;
  return size === U32;
}

/** sock_filter_is_valid_access (cgroup_sock): which fields depend on the hook. */
function cgroupSockValid(off: number, size: number, write: boolean, attach: number): CtxFieldKind | undefined {
  if (!bpfSockValid(off, size)) return undefined;
  const create = attach === AttachType.cgroup_inet_sock_create || attach === AttachType.cgroup_inet_sock_release;
  if (off === SOCK.boundDevIf || off === SOCK.mark || off === SOCK.priority) return create ? 'scalar' : undefined;
  let readable = true;
  if (within(off, SOCK.srcIp4, SOCK.srcIp4 + 4)) readable = attach === AttachType.cgroup_inet4_post_bind;
  else if (within(off, SOCK.srcIp6, SOCK.srcIp6 + 16)) readable = attach === AttachType.cgroup_inet6_post_bind;
  else if (within(off, SOCK.srcPort, SOCK.srcPort + 4)) readable = attach === AttachType.cgroup_inet4_post_bind || attach === AttachType.cgroup_inet6_post_bind;
  return readable && !write ? 'scalar' : undefined;
}

// struct bpf_sock_addr.
const SOCK_ADDR = { userIp4: 4, userIp6: 8, userPort: 24, msgSrcIp4: 40, msgSrcIp6: 44, padding: 60, sk: 64, size: 72 } as const;
const INET4_ADDR_HOOKS: readonly number[] = [AttachType.cgroup_inet4_bind, AttachType.cgroup_inet4_connect, AttachType.cgroup_inet4_getpeername,
  AttachType.cgroup_inet4_getsockname, AttachType.cgroup_udp4_sendmsg, AttachType.cgroup_udp4_recvmsg];
const INET6_ADDR_HOOKS: readonly number[] = [AttachType.cgroup_inet6_bind, AttachType.cgroup_inet6_connect, AttachType.cgroup_inet6_getpeername,
  AttachType.cgroup_inet6_getsockname, AttachType.cgroup_udp6_sendmsg, AttachType.cgroup_udp6_recvmsg];

/** sock_addr_is_valid_access: the address fields of the hook's family, read narrowly and written whole (or 8 bytes of an IPv6 address). */
function sockAddrValid(off: number, size: number, write: boolean, attach: number): CtxFieldKind | undefined {
  if (off < 0 || off >= SOCK_ADDR.size || off % size !== 0) return undefined;
  const ip4 = within(off, SOCK_ADDR.userIp4, SOCK_ADDR.userIp4 + 4);
  const ip6 = within(off, SOCK_ADDR.userIp6, SOCK_ADDR.userIp6 + 16);
  const src4 = within(off, SOCK_ADDR.msgSrcIp4, SOCK_ADDR.msgSrcIp4 + 4);
  const src6 = within(off, SOCK_ADDR.msgSrcIp6, SOCK_ADDR.msgSrcIp6 + 16);
  if (ip4 && !INET4_ADDR_HOOKS.includes(attach)) return undefined;
  if (ip6 && !INET6_ADDR_HOOKS.includes(attach)) return undefined;
  if (src4 && attach !== AttachType.cgroup_udp4_sendmsg) return undefined;
  if (src6 && attach !== AttachType.cgroup_udp6_sendmsg) return undefined;
  if (ip4 || ip6 || src4 || src6 || within(off, SOCK_ADDR.userPort, SOCK_ADDR.userPort + 4)) {
    if (wideOk(off, size, SOCK_ADDR.userIp6, SOCK_ADDR.userIp6 + 16) || wideOk(off, size, SOCK_ADDR.msgSrcIp6, SOCK_ADDR.msgSrcIp6 + 16)) return 'scalar';
    return (write ? size === U32 : narrowOk(size, U32)) ? 'scalar' : undefined;
  }
  if (off === SOCK_ADDR.sk) return !write && size === U64 ? 'sock' : undefined;
  // The padding before sk, and sk's upper half, are no fields.
  return !write && size === U32 && off < SOCK_ADDR.padding ? 'scalar' : undefined;
}

// struct sk_msg_md.
const SK_MSG = { data: 0, dataEnd: 8, family: 16, sizeEnd: 72, sk: 72 } as const;

/** sk_msg_is_valid_access: read-only; 8-byte pointers, whole u32 fields. */
function skMsgValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (write || off % size !== 0) return undefined;
  if (off === SK_MSG.data) return size === U64 ? 'packet' : undefined;
  if (off === SK_MSG.dataEnd) return size === U64 ? 'packet_end' : undefined;
  if (off === SK_MSG.sk) return size === U64 ? 'sock' : undefined;
  return within(off, SK_MSG.family, SK_MSG.sizeEnd) && size === U32 ? 'scalar' : undefined;
}

// struct bpf_sk_lookup.
const SK_LOOKUP = { sk: 0, family: 8, remotePort: 36, remotePortEnd: 38, localIp4: 40, ingressIfindexEnd: 68, size: 72 } as const;

/** sk_lookup_is_valid_access: read-only; remote_port is a be16 (or a whole u32 for compatibility). */
function skLookupValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (off < 0 || off >= SK_LOOKUP.size || off % size !== 0 || write) return undefined;
  if (off === SK_LOOKUP.sk) return size === U64 ? 'sock_or_null' : undefined;
  if (within(off, SK_LOOKUP.remotePort, SK_LOOKUP.remotePortEnd)) return size === U32 || narrowOk(size, U16) ? 'scalar' : undefined;
  if (within(off, SK_LOOKUP.remotePortEnd, SK_LOOKUP.localIp4)) return narrowOk(size, U16) ? 'scalar' : undefined;
  return within(off, SK_LOOKUP.family, SK_LOOKUP.ingressIfindexEnd) && narrowOk(size, U32) ? 'scalar' : undefined;
}

/** cgroup_dev_is_valid_access: struct bpf_cgroup_dev_ctx, read-only; access_type narrowly. */
function cgroupDeviceValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  const DEV_CTX_SIZE = 12;
  if (write || off < 0 || off + size > DEV_CTX_SIZE || off % size !== 0) return undefined;
  return (off < U32 ? narrowOk(size, U32) : size === U32) ? 'scalar' : undefined;
}

/** sysctl_is_valid_access: struct bpf_sysctl { write; file_pos }, only file_pos written (whole). */
function sysctlValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  const SYSCTL_SIZE = 8;
  const FILE_POS = 4;
  if (off < 0 || off + size > SYSCTL_SIZE || off % size !== 0) return undefined;
  if (off < FILE_POS) return !write && narrowOk(size, U32) ? 'scalar' : undefined;
  return (write ? size === U32 : narrowOk(size, U32)) ? 'scalar' : undefined;
}

// struct bpf_sockopt.
const SOCKOPT = { sk: 0, optval: 8, optvalEnd: 16, level: 24, optname: 28, optlen: 32, retval: 36, size: 40 } as const;

/** cg_sockopt_is_valid_access: getsockopt hooks own retval, setsockopt hooks level and optname. */
function sockoptValid(off: number, size: number, write: boolean, attach: number): CtxFieldKind | undefined {
  if (off < 0 || off >= SOCKOPT.size || off % size !== 0) return undefined;
  const get = attach === AttachType.cgroup_getsockopt;
  if (write) {
    if (off === SOCKOPT.retval) return size === U32 && get ? 'scalar' : undefined;
    if (off === SOCKOPT.optname || off === SOCKOPT.level) return size === U32 && attach === AttachType.cgroup_setsockopt ? 'scalar' : undefined;
    return off === SOCKOPT.optlen && size === U32 ? 'scalar' : undefined;
  }
  if (within(off, SOCKOPT.sk, SOCKOPT.sk + 8)) return size === U64 ? 'sock' : undefined;
  if (within(off, SOCKOPT.optval, SOCKOPT.optval + 8)) return size === U64 ? 'packet' : undefined;
  if (within(off, SOCKOPT.optvalEnd, SOCKOPT.optvalEnd + 8)) return size === U64 ? 'packet_end' : undefined;
  if (off === SOCKOPT.retval) return size === U32 && get ? 'scalar' : undefined;
  return size === U32 ? 'scalar' : undefined;
}

/**
 * The expected attach type the kernel uses when a program is loaded without
 * one: cgroup_sock falls back to sock_create (bpf_prog_load_fixup_attach_type),
 * the other types see 0. Types that cannot load without one (sock_addr,
 * sk_lookup, sockopt) get their most common hook here.
 */
export function defaultAttachType(type: ProgramType): number {
  switch (type) {
    case 'cgroup_sock': return AttachType.cgroup_inet_sock_create;
    case 'cgroup_sock_addr': return AttachType.cgroup_inet4_connect;
    case 'sk_lookup': return AttachType.sk_lookup;
    case 'cgroup_sockopt': return AttachType.cgroup_getsockopt;
    default: return 0;
  }
}

/** Bytes of the context the kernel may let a program reach (sizeof the ctx struct; tracepoints allow more). */
export const CTX_SIZE: Record<ProgramType, number> = {
  socket_filter: SKB.size, xdp: XDP_MD_SIZE, sched_cls: SKB.size, sched_act: SKB.size, kprobe: PT_REGS_SIZE,
  tracepoint: PERF_MAX_TRACE_SIZE, raw_tracepoint: RAW_TP_SIZE, cgroup_skb: SKB.size, cgroup_sock: SOCK.size,
  sock_ops: SOCK_OPS.size, cgroup_sock_addr: SOCK_ADDR.size, perf_event: PERF_EVENT_DATA_SIZE, sk_skb: SKB.size,
  lwt_in: SKB.size, lwt_out: SKB.size, lwt_xmit: SKB.size, sk_msg: 80, sk_lookup: SK_LOOKUP.size, cgroup_device: 12,
  cgroup_sysctl: 8, cgroup_sockopt: SOCKOPT.size,
  // MAX_BPF_FUNC_ARGS u64 arguments.
  tracing: RAW_TP_SIZE, struct_ops: RAW_TP_SIZE, lsm: RAW_TP_SIZE,
};

/**
 * What a context access yields, or undefined when the program type (and the
 * expected attach type, for the types that look at it) forbids it.
 * @example ctxAccess('xdp', 12, 4, false) // 'scalar' (ingress_ifindex)
 * @example ctxAccess('cgroup_sock_addr', 4, 4, true, AttachType.cgroup_inet4_connect) // 'scalar' (user_ip4)
 */
export function ctxAccess(type: ProgramType, off: number, size: number, write: boolean, attach = defaultAttachType(type)): CtxFieldKind | undefined {
  switch (type) {
    case 'xdp': return xdpValid(off, size, write);
    case 'socket_filter': return socketFilterValid(off, size, write);
    case 'sched_cls': case 'sched_act': return tcValid(off, size, write);
    case 'cgroup_skb': return cgroupSkbValid(off, size, write);
    case 'sk_skb': return skSkbValid(off, size, write);
    case 'lwt_in': case 'lwt_out': case 'lwt_xmit': return lwtValid(off, size, write);
    case 'sock_ops': return sockOpsValid(off, size, write);
    case 'cgroup_sock': return cgroupSockValid(off, size, write, attach);
    case 'cgroup_sock_addr': return sockAddrValid(off, size, write, attach);
    case 'sk_msg': return skMsgValid(off, size, write);
    case 'sk_lookup': return skLookupValid(off, size, write);
    case 'perf_event': return perfEventValid(off, size, write);
    case 'cgroup_device': return cgroupDeviceValid(off, size, write);
    case 'cgroup_sysctl': return sysctlValid(off, size, write);
    case 'cgroup_sockopt': return sockoptValid(off, size, write, attach);
    default: return tracingValid(type, off, size, write);
  }
}

/** Program types whose packet pointers may be written through (may_access_direct_pkt_data). */
export const writesPacket = (type: ProgramType) => ['xdp', 'sched_cls', 'sched_act', 'lwt_xmit', 'sk_skb', 'sk_msg', 'cgroup_sockopt'].includes(type);

/**
 * Whether packet pointers may be passed to the helpers that take them
 * (may_access_direct_pkt_data with a call's meta): sock_ops may read its
 * packet directly but not hand it to helpers.
 */
export const packetHelperArgs = (type: ProgramType) => type !== 'sock_ops';

/** SK_DROP and SK_PASS. */
const SK_PASS = 1;

/**
 * The values R0 may hold at program exit (check_return_code), or undefined
 * when the kernel does not look at it.
 * @example returnRange('cgroup_skb', AttachType.cgroup_inet_egress) // [0, 3]
 */
export function returnRange(type: ProgramType, attach = defaultAttachType(type)): readonly [number, number] | undefined {
  switch (type) {
    case 'cgroup_sock_addr':
      // recvmsg and get*name hooks may only rewrite the address, not refuse.
      if ([AttachType.cgroup_udp4_recvmsg, AttachType.cgroup_udp6_recvmsg, AttachType.cgroup_inet4_getpeername, AttachType.cgroup_inet6_getpeername,
        AttachType.cgroup_inet4_getsockname, AttachType.cgroup_inet6_getsockname].includes(attach as never)) return [1, 1];
      // Bind hooks may also ask to skip the port's capability check (bit 1).
      if (attach === AttachType.cgroup_inet4_bind || attach === AttachType.cgroup_inet6_bind) return [0, 3];
      return [0, 1];
    // Egress programs may also return congestion notification (bit 1).
    case 'cgroup_skb': return attach === AttachType.cgroup_inet_egress ? [0, 3] : [0, 1];
    case 'cgroup_sock': case 'sock_ops': case 'cgroup_device': case 'cgroup_sysctl': case 'cgroup_sockopt': return [0, 1];
    case 'sk_lookup': return [0, SK_PASS];
    default: return undefined;
  }
}

/** The kernel's numeric program type (enum bpf_prog_type). */
export const PROGRAM_TYPE_ID: Record<ProgramType, number> = {
  socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6, perf_event: 7, cgroup_skb: 8, cgroup_sock: 9,
  lwt_in: 10, lwt_out: 11, lwt_xmit: 12, sock_ops: 13, sk_skb: 14, cgroup_device: 15, sk_msg: 16, raw_tracepoint: 17,
  cgroup_sock_addr: 18, cgroup_sysctl: 23, cgroup_sockopt: 25, tracing: 26, struct_ops: 27, lsm: 29, sk_lookup: 30,
};
