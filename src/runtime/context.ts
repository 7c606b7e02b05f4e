/**
 * Program contexts as the kernel lays them out for BPF_PROG_TEST_RUN: the
 * `__sk_buff` of socket filters and tc, the `xdp_md` of XDP, the u64 argument
 * array of raw tracepoints and tracing programs, and the plain memory
 * convention of the conformance suite.
 *
 * The kernel's 32-bit `data`/`data_end` fields are rewritten to real pointers
 * by its verifier; here the address space is 32-bit, so the fields simply hold
 * the packet's addresses and direct packet access works as written.
 */
import type { AddressSpace, Region } from '../memory/index.js';
import type { ProgramTypeName } from '../object/index.js';

/** The kernel's headroom before an XDP frame (XDP_PACKET_HEADROOM) and the tailroom test-run leaves (skb_shared_info). */
export const XDP_HEADROOM = 256;
export const XDP_TAILROOM = 320;
const PAGE = 4096;

/** Bytes of `struct __sk_buff` in Linux 6.x and the offsets tsbpf fills. */
export const SK_BUFF = {
  size: 192, len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24,
  vlan_proto: 28, priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb: 48, hash: 68, tc_classid: 72,
  data: 76, data_end: 80, napi_id: 84, family: 88, data_meta: 140, tstamp: 152, wire_len: 160, gso_segs: 164,
  gso_size: 176, hwtstamp: 184,
} as const;

/** `struct xdp_md`. */
export const XDP_MD = { size: 24, data: 0, data_end: 4, data_meta: 8, ingress_ifindex: 12, rx_queue_index: 16, egress_ifindex: 20 } as const;

export class ContextError extends Error {
  override readonly name = 'ContextError';
  readonly code = 'EINVAL';
}

export interface ContextInput {
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
}

/** A context built for one run: what r1 is, the regions the program may touch, and how to read the results back. */
export interface BuiltContext {
  readonly registers: readonly bigint[];
  readonly regions: readonly Region[];
  /** The packet as the program left it (after head/tail adjustments), and the context bytes. */
  finish(): { data?: Uint8Array; ctx?: Uint8Array };
  release(): void;
  /** XDP only: the frame, for bpf_xdp_adjust_head/tail/meta. */
  readonly xdp?: XdpFrame;
}

/** An XDP frame: one region with headroom, data and tailroom; xdp_md's pointers move inside it. */
export interface XdpFrame {
  readonly frame: Region;
  readonly ctx: Region;
}

/** The program types whose context tsbpf lays out; others run with the plain memory convention. */
export type ContextKind = 'skb' | 'xdp' | 'args' | 'memory';

export function contextKind(type: ProgramTypeName): ContextKind {
  switch (type) {
    case 'socket_filter': case 'sched_cls': case 'sched_act': case 'cgroup_skb': case 'lwt_in': case 'lwt_out': case 'lwt_xmit':
      return 'skb';
    case 'xdp': return 'xdp';
    case 'raw_tracepoint': case 'raw_tracepoint_writable': case 'tracing': return 'args';
    default: return 'memory';
  }
}

const ETH_HLEN = 14;

/**
 * Lays out a context in the address space.
 * @throws ContextError for inputs the kernel's test-run refuses (a packet shorter than an Ethernet header, a frame bigger than a page, ctx bytes the type does not take).
 */
export function buildContext(space: AddressSpace, type: ProgramTypeName, input: ContextInput): BuiltContext {
  const kind = contextKind(type);
  const owned: Region[] = [];
  const release = () => {
    for (const r of owned.splice(0)) space.release(r);
  };
  try {
    switch (kind) {
      case 'memory': {
        const data = input.data ?? input.ctx;
        if (!data || data.length === 0) return { registers: [0n, 0n, 0n], regions: [], finish: () => ({}), release };
        const region = space.allocate(data.length, { kind: 'input', name: 'input memory' });
        owned.push(region);
        space.bytes.set(data, region.start);
        return {
          registers: [0n, BigInt(region.start), BigInt(data.length)], regions: [region], release,
          finish: () => ({ data: space.bytes.slice(region.start, region.start + region.size) }),
        };
      }
      case 'args': {
        const ctx = input.ctx ?? new Uint8Array(0);
        if (ctx.length % 8 !== 0) throw new ContextError(`a ${type} context is an array of u64 arguments; ${ctx.length} bytes is not a multiple of 8`);
        if (input.data?.length) throw new ContextError(`${type} programs take no packet data, only ctx`);
        if (ctx.length === 0) return { registers: [0n, 0n], regions: [], finish: () => ({}), release };
        const region = space.allocate(ctx.length, { kind: 'ctx', name: `${type} arguments`, writable: false });
        owned.push(region);
        space.bytes.set(ctx, region.start);
        return { registers: [0n, BigInt(region.start)], regions: [region], release, finish: () => ({ ctx: Uint8Array.from(ctx) }) };
      }
      case 'xdp': return xdpContext(space, type, input, owned, release);
      case 'skb': return skbContext(space, type, input, owned, release);
    }
  } catch (e) {
    release();
    throw e;
  }
}

function xdpContext(space: AddressSpace, type: ProgramTypeName, input: ContextInput, owned: Region[], release: () => void): BuiltContext {
  const data = input.data ?? new Uint8Array(0);
  if (data.length > PAGE - XDP_HEADROOM - XDP_TAILROOM) {
    throw new ContextError(`an XDP test-run packet holds at most ${PAGE - XDP_HEADROOM - XDP_TAILROOM} bytes, not ${data.length}`);
  }
  const frame = space.allocate(PAGE, { kind: 'packet', name: 'xdp frame' });
  owned.push(frame);
  const ctx = space.allocate(XDP_MD.size, { kind: 'ctx', name: 'xdp_md', writable: false });
  owned.push(ctx);
  const start = frame.start + XDP_HEADROOM;
  space.bytes.set(data, start);
  const v = space.view;
  if (input.ctx) {
    if (input.ctx.length > XDP_MD.size) throw new ContextError(`xdp_md is ${XDP_MD.size} bytes, not ${input.ctx.length}`);
    space.bytes.set(input.ctx, ctx.start);
    // As the kernel: data, data_end and data_meta come from the packet, not from ctx_in.
    if (v.getUint32(ctx.start + XDP_MD.data, true) || v.getUint32(ctx.start + XDP_MD.data_meta, true)) {
      throw new ContextError('ctx_in may not set xdp_md data or data_meta');
    }
  }
  v.setUint32(ctx.start + XDP_MD.data, start, true);
  v.setUint32(ctx.start + XDP_MD.data_end, start + data.length, true);
  v.setUint32(ctx.start + XDP_MD.data_meta, start, true);
  return {
    registers: [0n, BigInt(ctx.start)],
    regions: [frame, ctx],
    release,
    xdp: { frame, ctx },
    finish: () => {
      const view = space.view;
      // As the kernel's test-run: the data out starts at the metadata.
      const from = view.getUint32(ctx.start + XDP_MD.data_meta, true);
      const to = view.getUint32(ctx.start + XDP_MD.data_end, true);
      const out = space.bytes.slice(ctx.start, ctx.start + XDP_MD.size);
      // The kernel reports ctx_out with data fields cleared.
      new DataView(out.buffer).setUint32(XDP_MD.data, 0, true);
      new DataView(out.buffer).setUint32(XDP_MD.data_end, 0, true);
      new DataView(out.buffer).setUint32(XDP_MD.data_meta, 0, true);
      return { data: space.bytes.slice(from, to), ctx: out };
    },
  };
}

/** Fields a test-run may set in `__sk_buff` (the kernel's convert___skb_to_skb); all else must be zero. */
const SKB_SETTABLE: readonly [number, number][] = [
  [SK_BUFF.mark, 4], [SK_BUFF.priority, 4], [SK_BUFF.ingress_ifindex, 4], [SK_BUFF.ifindex, 4], [SK_BUFF.cb, 20],
  [SK_BUFF.tstamp, 8], [SK_BUFF.wire_len, 4], [SK_BUFF.gso_segs, 4], [SK_BUFF.gso_size, 4], [SK_BUFF.hwtstamp, 8],
];

function skbContext(space: AddressSpace, type: ProgramTypeName, input: ContextInput, owned: Region[], release: () => void): BuiltContext {
  const data = input.data ?? new Uint8Array(0);
  if (data.length < ETH_HLEN) throw new ContextError(`a ${type} test-run needs at least an Ethernet header (${ETH_HLEN} bytes), got ${data.length}`);
  const packet = space.allocate(data.length, { kind: 'packet', name: 'skb data' });
  owned.push(packet);
  space.bytes.set(data, packet.start);
  const ctx = space.allocate(SK_BUFF.size, { kind: 'ctx', name: '__sk_buff' });
  owned.push(ctx);
  if (input.ctx) {
    if (input.ctx.length > SK_BUFF.size) throw new ContextError(`__sk_buff is ${SK_BUFF.size} bytes, not ${input.ctx.length}`);
    const padded = new Uint8Array(SK_BUFF.size);
    padded.set(input.ctx);
    for (let i = 0; i < SK_BUFF.size; i++) {
      if (padded[i] && !SKB_SETTABLE.some(([at, n]) => i >= at && i < at + n)) {
        throw new ContextError(`ctx_in sets __sk_buff byte ${i}, which a test-run may not set`);
      }
    }
    space.bytes.set(padded, ctx.start);
  }
  // Socket filters see the packet from the network header (the kernel pulls the Ethernet header off);
  // tc and the other L2 types from the Ethernet header.
  const l2 = type === 'sched_cls' || type === 'sched_act';
  const start = packet.start + (l2 ? 0 : ETH_HLEN);
  const v = space.view;
  const protocol = (data[12]! << 8) | data[13]!;
  v.setUint32(ctx.start + SK_BUFF.len, packet.start + data.length - start, true);
  v.setUint32(ctx.start + SK_BUFF.protocol, ((protocol & 0xff) << 8) | (protocol >> 8), true); // __be16 in memory order
  v.setUint32(ctx.start + SK_BUFF.pkt_type, packetType(data), true);
  v.setUint32(ctx.start + SK_BUFF.data, start, true);
  v.setUint32(ctx.start + SK_BUFF.data_end, packet.start + data.length, true);
  v.setUint32(ctx.start + SK_BUFF.data_meta, start, true);
  if (!v.getUint32(ctx.start + SK_BUFF.ifindex, true)) v.setUint32(ctx.start + SK_BUFF.ifindex, 1, true);
  if (!v.getUint32(ctx.start + SK_BUFF.wire_len, true)) v.setUint32(ctx.start + SK_BUFF.wire_len, data.length, true);
  if (!v.getUint32(ctx.start + SK_BUFF.gso_segs, true)) v.setUint32(ctx.start + SK_BUFF.gso_segs, 1, true);
  return {
    registers: [0n, BigInt(ctx.start)],
    regions: [packet, ctx],
    release,
    finish: () => {
      const out = space.bytes.slice(ctx.start, ctx.start + SK_BUFF.size);
      // ctx_out carries back only the fields a test-run takes in.
      const kept = new Uint8Array(SK_BUFF.size);
      for (const [at, n] of SKB_SETTABLE) kept.set(out.subarray(at, at + n), at);
      const data = space.bytes.slice(packet.start, packet.start + packet.size);
      // The kernel hands back an L3 program's packet with the Ethernet header it pulled off zeroed.
      if (!l2) data.fill(0, 0, ETH_HLEN);
      return { data, ctx: kept };
    },
  };
}

/** eth_type_trans on the loopback device (address 00:00:00:00:00:00). */
function packetType(data: Uint8Array): number {
  const dest = data.subarray(0, 6);
  if (dest.every((b) => b === 0xff)) return 1; // PACKET_BROADCAST
  if (dest[0]! & 1) return 2; // PACKET_MULTICAST
  return dest.every((b) => b === 0) ? 0 : 3; // PACKET_HOST : PACKET_OTHERHOST
}
