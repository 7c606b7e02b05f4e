/**
 * The context of BTF-typed programs (tracing: fentry, fexit, fmod_ret,
 * tp_btf, iter; struct_ops; lsm): an array of u64 arguments whose types come
 * from the attach target's BTF, as Linux 6.18's `btf_ctx_access`
 * (kernel/bpf/btf.c) reads them, and what such programs may return
 * (`check_return_code`).
 */
import type { Btf, BtfType, FuncProtoType } from '../btf/index.js';
import type { HelperPrototype } from '../helpers/index.js';
import { BTF_TRUSTED, btfKindStr, isStruct, skipModifiers } from './btf-access.js';
import { RAW_TP_ARGS } from './raw-tp-args.js';
import { BTF_HELPER_AVAILABILITY } from './btf-helper-availability.js';

/** Which BTF-typed program: the attach type of a tracing program, or the program type. */
export type AttachKind = 'fentry' | 'fexit' | 'fmod_ret' | 'tp_btf' | 'iter' | 'struct_ops' | 'lsm';

/** What `verify` needs to know of a BTF-typed program's attach target (prog->aux->attach_func_proto and friends). */
export interface AttachBtf {
  /** The kernel's BTF (vmlinux), in which `proto` and every BTF pointer's type live. */
  readonly btf: Btf;
  readonly kind: AttachKind;
  /** attach_func_name, as messages show it: the function, the tracepoint, the struct_ops member. */
  readonly name: string;
  /** The FUNC_PROTO describing the context's arguments. */
  readonly proto: FuncProtoType;
  /** Context arguments the kernel types itself (bpf_iter_reg's ctx_arg_info): offset → pointee and whether it may be NULL. */
  readonly ctxArgs?: ReadonlyMap<number, { readonly id: number; readonly maybeNull: boolean }>;
  /** struct_ops: the ops struct (`tcp_congestion_ops`). */
  readonly structOps?: string;
  /** tp_btf: which arguments may be NULL (bit 4·i) or hold an error pointer (bit 4·i+1), per raw_tp_null_args. */
  readonly rawTpMask?: number;
}

/** What a context load gives, or the kernel's log lines when it refuses. */
export type TracingCtxResult =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'btf'; readonly id: number; readonly flags: number; readonly maybeNull: boolean }
  | { readonly kind: 'invalid'; readonly lines: readonly string[] }
  | { readonly kind: 'unsupported'; readonly why: string };

let zeroMasks: Set<string> | undefined;
/** The recorded raw_tp_null_args mask of a vmlinux tracepoint, undefined when it was not recorded. */
function rawTpMask(tp: string): number | undefined {
  const mask = RAW_TP_ARGS.masks[tp];
  if (mask !== undefined) return mask;
  zeroMasks ??= new Set(RAW_TP_ARGS.plain.split(' '));
  return zeroMasks.has(tp) ? 0 : undefined;
}

/** MAX_BPF_FUNC_ARGS. */
const MAX_ARGS = 12;

/** Iterator targets whose ctx_arg_info is modelled: bpf_iter__X offsets the kernel marks PTR_TO_BTF_ID_OR_NULL. */
const ITER_CTX: Record<string, readonly { off: number; struct: string }[]> = {
  task: [{ off: 8, struct: 'task_struct' }],
};

/** struct_ops types whose helpers and write rules are modelled. */
const STRUCT_OPS = new Set(['tcp_congestion_ops']);


/**
 * Finds the attach target of a program in the kernel's BTF, as
 * bpf_check_attach_target does; a string says why it cannot be modelled.
 */
export function resolveAttachBtf(btf: Btf, target: {
  readonly type: string; readonly attachType?: string; readonly attachTo: string; readonly sleepable?: boolean;
  /** struct_ops: the ops struct and the member the program fills. */
  readonly structOps?: { readonly typeName: string; readonly member: string };
}): AttachBtf | string {
  if (target.sleepable) return 'sleepable programs are not modelled';
  const protoOf = (id: number | undefined): FuncProtoType | undefined => {
    if (id === undefined) return undefined;
    const t = btf.type(skipModifiers(btf, id));
    return t.kind === 'func_proto' ? t : undefined;
  };
  const funcProto = (name: string) => {
    const f = btf.all(name, 'func')[0];
    return f && f.kind === 'func' ? protoOf(f.type) : undefined;
  };
  if (target.type === 'struct_ops') {
    if (!target.structOps) return 'struct_ops program not found in any .struct_ops map';
    const { typeName, member } = target.structOps;
    if (!STRUCT_OPS.has(typeName)) return `struct_ops ${typeName} is not modelled`;
    const st = btf.named(typeName, 'struct');
    const m = st?.members.find((x) => x.name === member);
    const ptr = m ? btf.type(skipModifiers(btf, m.type)) : undefined;
    const proto = ptr?.kind === 'ptr' ? protoOf(ptr.type) : undefined;
    if (!proto) return `${typeName}.${member} is not a function pointer in the kernel's BTF`;
    return { btf, kind: 'struct_ops', name: member, proto, structOps: typeName };
  }
  if (target.type === 'lsm') {
    if (target.attachType !== 'lsm_mac') return `lsm attach type ${target.attachType} is not modelled`;
    const proto = funcProto(`bpf_lsm_${target.attachTo}`);
    return proto ? { btf, kind: 'lsm', name: `bpf_lsm_${target.attachTo}`, proto } : `LSM hook ${target.attachTo} is not in the kernel's BTF`;
  }
  if (target.type !== 'tracing') return `program type ${target.type} has no BTF context`;
  switch (target.attachType) {
    case 'trace_raw_tp': {
      const td = btf.named(`btf_trace_${target.attachTo}`, 'typedef');
      const ptr = td ? btf.type(skipModifiers(btf, td.type)) : undefined;
      const proto = ptr?.kind === 'ptr' ? protoOf(ptr.type) : undefined;
      if (!proto || !proto.params.length) return `tracepoint ${target.attachTo} is not in the kernel's BTF`;
      // Which arguments may be NULL was asked of the kernel for every tracepoint it had (raw-tp-null-args.json).
      const mask = rawTpMask(target.attachTo);
      if (mask === undefined) return `the NULL-ness of tracepoint ${target.attachTo}'s arguments was not recorded`;
      return { btf, kind: 'tp_btf', name: target.attachTo, proto, rawTpMask: mask };
    }
    case 'trace_fentry': case 'trace_fexit': case 'modify_return': {
      const proto = funcProto(target.attachTo);
      if (!proto) return `function ${target.attachTo} is not in the kernel's BTF`;
      const kind = target.attachType === 'trace_fentry' ? 'fentry' : target.attachType === 'trace_fexit' ? 'fexit' : 'fmod_ret';
      return { btf, kind, name: target.attachTo, proto };
    }
    case 'trace_iter': {
      const args = ITER_CTX[target.attachTo];
      const proto = funcProto(`bpf_iter_${target.attachTo}`);
      if (!args || !proto) return `iterator ${target.attachTo} is not modelled`;
      const ctxArgs = new Map<number, { id: number; maybeNull: boolean }>();
      for (const a of args) {
        const s = btf.named(a.struct, 'struct');
        if (!s) return `struct ${a.struct} is not in the kernel's BTF`;
        ctxArgs.set(a.off, { id: s.id, maybeNull: true });
      }
      return { btf, kind: 'iter', name: `bpf_iter_${target.attachTo}`, proto, ctxArgs };
    }
    default:
      return `tracing attach type ${target.attachType ?? '(none)'} is not modelled`;
  }
}

const isSmallInt = (t: BtfType) => t.kind === 'int' && t.size <= 8;
const isAnyEnum = (t: BtfType) => t.kind === 'enum' || t.kind === 'enum64';

/** btf_ctx_arg_idx: which argument the byte offset falls in (struct arguments may span slots). */
function argIndex(btf: Btf, proto: FuncProtoType, off: number): number {
  let offset = 0;
  const slot = (id: number) => {
    const t = btf.type(skipModifiers(btf, id));
    return t.kind === 'ptr' ? 8 : Math.ceil(('size' in t && typeof t.size === 'number' ? t.size : 0) / 8) * 8;
  };
  for (let i = 0; i < proto.params.length; i++) {
    offset += slot(proto.params[i]!.type);
    if (off < offset) return i;
  }
  offset += slot(proto.returnType);
  return off < offset ? proto.params.length : proto.params.length + 1;
}

/**
 * prog_args_trusted: whose pointer arguments are PTR_TRUSTED. LSM hooks are,
 * except a few (bpf_lsm_is_trusted); trusting them all is the cautious side,
 * as only pointers walked from trusted ones may be NULL.
 */
const argsTrusted = (a: AttachBtf) => a.kind === 'tp_btf' || a.kind === 'iter' || a.kind === 'struct_ops' || a.kind === 'lsm';

/**
 * bpf_tracing_btf_ctx_access: what loading `size` bytes at `off` of the
 * context gives.
 * @example tracingCtxAccess(taskNewtask, 0, 8, false) // { kind: 'btf', id: <task_struct>, flags: BTF_TRUSTED, maybeNull: false }
 */
export function tracingCtxAccess(a: AttachBtf, off: number, size: number, write: boolean): TracingCtxResult {
  const invalid = (...lines: string[]): TracingCtxResult => ({ kind: 'invalid', lines: [...lines, `invalid bpf_context access off=${off} size=${size}`] });
  if (off < 0 || off >= 8 * MAX_ARGS || write || off % size !== 0) return invalid();
  const { btf, proto, name } = a;
  if (off % 8) return invalid(`func '${name}' offset ${off} is not multiple of 8`);
  let arg = argIndex(btf, proto, off);
  let params = proto.params;
  if (a.kind === 'tp_btf') {
    // The first argument of btf_trace_X is the tracepoint's `void *__data`, which the program does not see.
    params = params.slice(1);
  }
  const nrArgs = params.length;
  if (arg > nrArgs) return invalid(`func '${name}' doesn't have ${arg + 1}-th argument`);
  let t: BtfType;
  if (arg === nrArgs) {
    switch (a.kind) {
      case 'lsm': case 'fexit':
        t = btf.type(proto.returnType);
        break;
      case 'fmod_ret': {
        t = btf.type(skipModifiers(btf, proto.returnType));
        if (!isSmallInt(t)) return invalid(`ret type ${btfKindStr(t)} not allowed for fmod_ret`);
        break;
      }
      default:
        return invalid(`func '${name}' doesn't have ${arg + 1}-th argument`);
    }
    // The LSM return value slot has a range the kernel narrows it to; not modelled.
    if (a.kind === 'lsm') return { kind: 'unsupported', why: 'the return value slot of LSM programs is not modelled' };
  } else {
    t = btf.type(params[arg]!.type);
  }
  t = btf.type(skipModifiers(btf, t.id));
  if (isSmallInt(t) || isAnyEnum(t) || isStruct(t)) return { kind: 'scalar' };
  if (t.kind !== 'ptr') {
    return invalid(`func '${name}' arg${arg} '${t.name}' has type ${btfKindStr(t)}. Only pointer access is allowed`);
  }
  if (size !== 8) return invalid(`func '${name}' size ${size} must be 8`);
  const pointee = btf.type(skipModifiers(btf, t.type));
  // A pointer to void or an int is a number to the verifier: nothing to walk.
  if (pointee.kind === 'void' || pointee.kind === 'int') return { kind: 'scalar' };
  const fixed = a.ctxArgs?.get(off);
  if (fixed) return { kind: 'btf', id: fixed.id, flags: BTF_TRUSTED, maybeNull: fixed.maybeNull };
  let maybeNull = arg < nrArgs && params[arg]!.name.endsWith('__nullable');
  if (a.kind === 'tp_btf') {
    const nibble = Math.floor((a.rawTpMask ?? 0) / 16 ** arg) % 16;
    if (nibble & 1) maybeNull = true;
    if (nibble & 2) {
      if (!isStruct(pointee)) return invalid(`func '${name}' arg${arg} type ${btfKindStr(pointee)} is not a struct`);
      // An argument that may hold an error code is a number to the program.
      return { kind: 'scalar' };
    }
  }
  if (!isStruct(pointee)) return invalid(`func '${name}' arg${arg} type ${btfKindStr(pointee)} is not a struct`);
  const tag = btf.type(t.type);
  if (tag.kind === 'type_tag' && (tag.name === 'user' || tag.name === 'percpu')) return { kind: 'unsupported', why: `__${tag.name} pointer arguments are not modelled` };
  let id = pointee.id;
  if (a.structOps === 'tcp_congestion_ops' && pointee.name === 'sock') {
    // bpf_tcp_ca_is_valid_access: a congestion control's socket is a tcp_sock.
    id = btf.named('tcp_sock', 'struct')?.id ?? id;
  }
  return { kind: 'btf', id, flags: argsTrusted(a) ? BTF_TRUSTED : 0, maybeNull };
}

/**
 * check_return_code for BTF-typed programs: the range R0 must be in at exit,
 * 'any' when unchecked, 'void' when R0 is not even read (void struct_ops
 * members and LSM hooks), 'unsupported' when not modelled.
 */
export function btfReturnRange(a: AttachBtf): readonly [number, number] | 'any' | 'void' | 'unsupported' {
  const returnsVoid = a.proto.returnType === 0;
  switch (a.kind) {
    case 'struct_ops': return returnsVoid ? 'void' : 'any';
    case 'lsm': return returnsVoid ? 'void' : 'unsupported';
    case 'fentry': case 'fexit': return [0, 0];
    case 'iter': return [0, 1];
    case 'tp_btf': case 'fmod_ret': return 'any';
  }
}

/**
 * Whether a BTF-typed program may call helper `id` (its get_func_proto gives
 * one), as recorded from Linux (btf-helper-availability.ts).
 */
export function btfHelperAllowed(a: AttachBtf | undefined, helper: string, id: number): boolean {
  if (!a) return true;
  const list = a.kind === 'iter' ? BTF_HELPER_AVAILABILITY.iter : a.kind === 'struct_ops' ? BTF_HELPER_AVAILABILITY.tcp_ca : BTF_HELPER_AVAILABILITY.tracing;
  // bpf_tcp_ca_get_func_proto keeps setsockopt from the release member.
  if (a.kind === 'struct_ops' && a.name === 'release' && helper === 'setsockopt') return false;
  return list.includes(id);
}

/**
 * Helpers whose prototype for BTF-typed programs differs from the one
 * KERNEL_HELPERS models and is not given by btfHelperProto (tracing's
 * get_socket_cookie takes a BTF socket, not the context); calls to them are not modelled.
 */
export const btfHelperProtoDiffers = (a: AttachBtf | undefined, id: number): boolean =>
  !!a && (id === 46 || ((id === 49 || id === 57) && a.kind !== 'struct_ops'));

/**
 * bpf_tcp_ca_get_func_proto's own prototypes: bpf_sk_setsockopt_proto and
 * bpf_sk_getsockopt_proto take the socket as ARG_PTR_TO_BTF_ID_SOCK_COMMON
 * (its struct in BTF_HELPER_STRUCTS), not the context.
 */
export function btfHelperProto(a: AttachBtf | undefined, id: number): HelperPrototype | undefined {
  if (a?.kind !== 'struct_ops') return undefined;
  if (id === 49) return { args: ['btf_id', 'anything', 'anything', 'mem', 'const_size'], ret: 'integer' };
  if (id === 57) return { args: ['btf_id', 'anything', 'anything', 'uninit_mem', 'const_size'], ret: 'integer' };
  return undefined;
}

/**
 * tcp_congestion_ops's btf_struct_access for writes (bpf_tcp_ca_btf_struct_access):
 * only a few fields of the tcp_sock. Returns the kernel's message when refused.
 */
export function tcpCaWrite(btf: Btf, id: number, off: number, size: number): string | undefined {
  if (btf.type(id).name !== 'tcp_sock') return 'only read is supported';
  const field = (struct: string, path: string): [number, number] | undefined => {
    try {
      let tid = btf.named(struct, 'struct')!.id;
      let start = 0;
      let size = 0;
      for (const part of path.split('.')) {
        const { bitOffset, member } = btf.memberOffset(tid, part);
        start += bitOffset / 8;
        tid = member.type;
        size = btf.sizeof(member.type);
      }
      return [start, start + size];
    } catch {
      return undefined;
    }
  };
  const ranges = [
    field('sock', 'sk_pacing_rate'), field('sock', 'sk_pacing_status'), field('tcp_sock', 'snd_cwnd'), field('tcp_sock', 'snd_cwnd_cnt'),
    field('tcp_sock', 'snd_cwnd_stamp'), field('tcp_sock', 'snd_ssthresh'), field('tcp_sock', 'ecn_flags'), field('tcp_sock', 'app_limited'),
  ];
  // icsk_ack.pending too (bpf_dctcp.o writes it and Linux accepts it).
  ranges.push(field('inet_connection_sock', 'icsk_ack.pending'));
  const priv = field('inet_connection_sock', 'icsk_ca_priv');
  let end: number | undefined;
  if (priv && off >= priv[0] && off < priv[1]) end = priv[1];
  else end = ranges.find((r) => r && r[0] === off)?.[1];
  if (end === undefined) return `no write support to tcp_sock at off ${off}`;
  if (off + size > end) return `write access at off ${off} with size ${size} beyond the member of tcp_sock ended at ${end}`;
  return undefined;
}
