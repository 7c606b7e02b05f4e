/**
 * Which context fields a program type may read or write, by offset and size,
 * as Linux 6.18's `sk_filter_is_valid_access`/`bpf_skb_is_valid_access` and
 * `xdp_is_valid_access` decide, and what a read yields.
 */

/** Program types the verifier knows the context of. */
export type ProgramType = 'socket_filter' | 'xdp' | 'sched_cls' | 'sched_act' | 'kprobe' | 'tracepoint' | 'raw_tracepoint';

export const PROGRAM_TYPES: readonly ProgramType[] = ['socket_filter', 'xdp', 'sched_cls', 'sched_act', 'kprobe', 'tracepoint', 'raw_tracepoint'];

/** What loading a context field gives. */
export type CtxFieldKind = 'scalar' | 'packet' | 'packet_end' | 'packet_meta' | 'sock_common_or_null';

const U32 = 4;
// struct __sk_buff offsets (include/uapi/linux/bpf.h).
const SKB = {
  cb0: 48, cbEnd: 68, tcClassid: 72, data: 76, dataEnd: 80, family: 88, remoteIp4: 92, localIp4: 96,
  remoteIp6: 100, localIp6: 116, localPortEnd: 140, dataMeta: 140, flowKeys: 144, tstamp: 152, wireLen: 160,
  sk: 168, tstampType: 180, hwtstamp: 184, size: 192,
} as const;

const within = (off: number, start: number, end: number) => off >= start && off < end;

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
  if (off === SKB.sk) return !write && size === 8 ? 'sock_common_or_null' : undefined;
  if (off >= SKB.tstampType && off < SKB.hwtstamp) return undefined; // tstamp_type and padding
  if (write) return size === U32 ? 'scalar' : undefined;
  return size <= U32 && (size & (size - 1)) === 0 ? 'scalar' : undefined;
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
    const writable = within(off, 8, 12) /* mark */ || within(off, 44, 48) /* tc_index */ || within(off, 32, 36) /* priority */
      || within(off, SKB.tcClassid, SKB.tcClassid + 4) || within(off, SKB.cb0, SKB.cbEnd) || within(off, SKB.tstamp, SKB.tstamp + 8)
      || within(off, 12, 16) /* queue_mapping */;
    if (!writable) return undefined;
  }
  if (within(off, SKB.family, SKB.localPortEnd)) return undefined;
  const kind = skbValid(off, size, write);
  if (kind === undefined) return undefined;
  if (within(off, SKB.data, SKB.data + 4)) return 'packet';
  if (within(off, SKB.dataEnd, SKB.dataEnd + 4)) return 'packet_end';
  if (within(off, SKB.dataMeta, SKB.dataMeta + 4)) return 'packet_meta';
  return kind;
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
  if (type === 'tracepoint') return off >= 8 && off < PERF_MAX_TRACE_SIZE ? 'scalar' : undefined;
  return off >= 0 && off < RAW_TP_SIZE ? 'scalar' : undefined;
}

// struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex.
const XDP_MD_SIZE = 24;
const XDP_EGRESS_IFINDEX = 20;

function xdpValid(off: number, size: number, write: boolean): CtxFieldKind | undefined {
  if (off === XDP_EGRESS_IFINDEX || write) return undefined; // egress_ifindex is for devmap programs only
  if (off < 0 || off >= XDP_MD_SIZE || off % size !== 0 || size !== U32) return undefined;
  return off === 0 ? 'packet' : off === 4 ? 'packet_end' : off === 8 ? 'packet_meta' : 'scalar';
}

/**
 * What a context access yields, or undefined when the program type forbids it.
 * @example ctxAccess('xdp', 12, 4, false) // 'scalar' (ingress_ifindex)
 */
export function ctxAccess(type: ProgramType, off: number, size: number, write: boolean): CtxFieldKind | undefined {
  switch (type) {
    case 'xdp': return xdpValid(off, size, write);
    case 'socket_filter': return socketFilterValid(off, size, write);
    case 'sched_cls': case 'sched_act': return tcValid(off, size, write);
    default: return tracingValid(type, off, size, write);
  }
}

/** Program types whose packet pointers may be written through (may_access_direct_pkt_data). */
export const writesPacket = (type: ProgramType) => type === 'xdp' || type === 'sched_cls' || type === 'sched_act';

/** The kernel's numeric program type (enum bpf_prog_type). */
export const PROGRAM_TYPE_ID: Record<ProgramType, number> = {
  socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6, raw_tracepoint: 17,
};
