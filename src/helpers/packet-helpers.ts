/**
 * Helpers that touch packets: XDP head/tail/metadata adjustment, skb byte
 * loads and stores, and redirects — with the bounds and errors of
 * net/core/filter.c, against frames laid out in the address space.
 */
import { helperId } from '../isa/index.js';
import type { Region } from '../memory/index.js';
import type { BpfMap } from '../maps/map.js';
import { Errno } from '../maps/map.js';
import type { HelperDefinition, HelperEnv } from './table.js';

/** The kernel's sizeof(struct xdp_frame), kept free at the frame's start; and the tailroom test-run leaves. */
const XDP_FRAME_SIZE = 40;
const XDP_TAILROOM = 320;
const ETH_HLEN = 14;
/** xdp_md and __sk_buff offsets of the packet pointers. */
const XDP = { data: 0, data_end: 4, data_meta: 8 } as const;
const SKB = { len: 0, data: 76, data_end: 80 } as const;
const XDP_ACTION = { ABORTED: 0, REDIRECT: 4 } as const;
const TC_ACT = { SHOT: 2, REDIRECT: 7 } as const;
const BPF_F_INGRESS = 1;

export interface PacketHelperEnv extends HelperEnv {
  /** The running program's type (redirect answers differ between XDP and tc). */
  readonly programType?: string;
  /** XDP: the frame region and the xdp_md region. */
  readonly xdp?: { readonly frame: Region; readonly ctx: Region };
  /** Where a program asked its packet to go (set by the redirect helpers). */
  redirect?: { ifindex: number; flags: number; map?: string };
  /** The map at an address (redirect_map). */
  mapAt(address: number): BpfMap | undefined;
}

const neg = (errno: number) => BigInt.asUintN(64, BigInt(-errno));
const s32 = (v: bigint) => Number(BigInt.asIntN(32, v));

const def = <Env extends PacketHelperEnv>(name: string, proto: HelperDefinition['proto'], impl: HelperDefinition<Env>['impl']): HelperDefinition<Env> => {
  const id = helperId(name);
  if (id === undefined) throw new Error(`no helper named ${name}`);
  return { id, name, proto, impl };
};

function xdpPointers(env: PacketHelperEnv) {
  const x = env.xdp;
  if (!x) return undefined;
  const v = env.space.view;
  const at = (field: number) => v.getUint32(x.ctx.start + field, true);
  return {
    data: at(XDP.data), end: at(XDP.data_end), meta: at(XDP.data_meta),
    set: (field: number, value: number) => env.space.view.setUint32(x.ctx.start + field, value, true),
    frameEnd: x.frame.start + XDP_FRAME_SIZE, hardEnd: x.frame.start + x.frame.size - XDP_TAILROOM,
  };
}

/** skb data as the program sees it: [data, data_end) from its __sk_buff. */
function skbData(env: PacketHelperEnv, ctx: bigint): { data: number; end: number } | undefined {
  if (ctx > 0xffffffffn || !env.space.regionAt(Number(ctx), 84)) return undefined;
  const v = env.space.view;
  return { data: v.getUint32(Number(ctx) + SKB.data, true), end: v.getUint32(Number(ctx) + SKB.data_end, true) };
}

export function packetHelpers<Env extends PacketHelperEnv>(): HelperDefinition<Env>[] {
  return [
    def<Env>('xdp_adjust_head', { args: ['ctx', 'int'], ret: 'integer', programTypes: ['xdp'], changesPacket: true }, (env, _ctx, delta) => {
      const p = xdpPointers(env);
      if (!p) return neg(Errno.EINVAL);
      const offset = s32(delta);
      const metalen = p.data - p.meta;
      const data = p.data + offset;
      if (data < p.frameEnd + metalen || data > p.end - ETH_HLEN) return neg(Errno.EINVAL);
      if (metalen) env.space.bytes.copyWithin(p.meta + offset, p.meta, p.meta + metalen);
      p.set(XDP.data_meta, p.meta + offset);
      p.set(XDP.data, data);
      return 0n;
    }),
    def<Env>('xdp_adjust_tail', { args: ['ctx', 'int'], ret: 'integer', programTypes: ['xdp'], changesPacket: true }, (env, _ctx, delta) => {
      const p = xdpPointers(env);
      if (!p) return neg(Errno.EINVAL);
      const end = p.end + s32(delta);
      if (end > p.hardEnd || end < p.data + ETH_HLEN) return neg(Errno.EINVAL);
      // Growing exposes bytes the program never wrote: the kernel zeroes them.
      if (end > p.end) env.space.bytes.fill(0, p.end, end);
      p.set(XDP.data_end, end);
      return 0n;
    }),
    def<Env>('xdp_adjust_meta', { args: ['ctx', 'int'], ret: 'integer', programTypes: ['xdp'], changesPacket: true }, (env, _ctx, delta) => {
      const p = xdpPointers(env);
      if (!p) return neg(Errno.EINVAL);
      const meta = p.meta + s32(delta);
      const metalen = p.data - meta;
      if (meta < p.frameEnd || meta > p.data) return neg(Errno.EINVAL);
      // Metadata is 4-byte aligned and at most 255 bytes (Linux 6.x; it was 32 before).
      if ((metalen & 3) !== 0 || metalen > 255) return neg(Errno.EACCES);
      p.set(XDP.data_meta, meta);
      return 0n;
    }),
    def<Env>('skb_load_bytes', { args: ['ctx', 'anything', 'uninit_mem', 'const_size'], ret: 'integer' }, (env, ctx, offset, to, len) => {
      const skb = skbData(env, ctx);
      const n = Number(BigInt.asUintN(32, len));
      const dst = to <= 0xffffffffn && env.space.regionAt(Number(to), Math.max(1, n)) ? Number(to) : -1;
      const fail = () => {
        if (dst >= 0) env.space.bytes.fill(0, dst, dst + n);
        return neg(Errno.EFAULT);
      };
      if (!skb || dst < 0 || offset > 0xffffn || n === 0) return fail();
      const from = skb.data + Number(offset);
      if (from + n > skb.end) return fail();
      env.space.bytes.copyWithin(dst, from, from + n);
      return 0n;
    }),
    def<Env>('skb_store_bytes', { args: ['ctx', 'anything', 'mem', 'const_size', 'anything'], ret: 'integer', changesPacket: true, programTypes: ['sched_cls', 'sched_act', 'lwt_xmit', 'sk_skb'] }, (env, ctx, offset, from, len, flags) => {
      if (flags & ~3n) return neg(Errno.EINVAL); // BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH
      const skb = skbData(env, ctx);
      const n = Number(BigInt.asUintN(32, len));
      if (!skb || offset > 0x7fffffffn) return neg(Errno.EFAULT);
      const to = skb.data + Number(offset);
      if (to + n > skb.end || from > 0xffffffffn || !env.space.regionAt(Number(from), Math.max(1, n))) return neg(Errno.EFAULT);
      env.space.bytes.copyWithin(to, Number(from), Number(from) + n);
      return 0n;
    }),
    def<Env>('redirect', { args: ['anything', 'anything'], ret: 'integer' }, (env, ifindex, flags) => {
      if (env.programType === 'xdp') {
        if (flags !== 0n) return BigInt(XDP_ACTION.ABORTED);
        env.redirect = { ifindex: Number(BigInt.asUintN(32, ifindex)), flags: 0 };
        return BigInt(XDP_ACTION.REDIRECT);
      }
      if (flags & ~BigInt(BPF_F_INGRESS)) return BigInt(TC_ACT.SHOT);
      env.redirect = { ifindex: Number(BigInt.asUintN(32, ifindex)), flags: Number(flags) };
      return BigInt(TC_ACT.REDIRECT);
    }),
    def<Env>('redirect_map', { args: ['const_map_ptr', 'anything', 'anything'], ret: 'integer' }, (env, map, key, flags) => {
      // The low bits of flags are the action when the key has no target (BPF_F_ACTION_MASK).
      const fallback = BigInt(Number(flags & 3n));
      const m = map <= 0xffffffffn ? env.mapAt(Number(map)) : undefined;
      if (!m || key > 0xffffffffn) return fallback;
      const k = new Uint8Array(Uint32Array.of(Number(key)).buffer).subarray(0, m.spec.keySize);
      if (m.spec.keySize !== 4 || m.lookup(k) === undefined) return fallback;
      env.redirect = { ifindex: Number(key), flags: Number(flags), map: m.name };
      return BigInt(XDP_ACTION.REDIRECT);
    }),
  ];
}
