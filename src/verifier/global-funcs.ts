/**
 * Global functions. Linux verifies a function whose BTF linkage is global on
 * its own, once, against its BTF prototype, rather than again at every call
 * (`btf_prepare_func_args`); a call only checks that the arguments fit the
 * prototype (`btf_check_subprog_call`). Static functions, and global ones
 * libbpf loads as static (hidden visibility), are verified inline.
 */
import type { Btf, BtfType } from '../btf/index.js';

/** What a global function's argument is, from its BTF type. */
export type GlobalArg =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'ctx' }
  /** PTR_TO_MEM | PTR_MAYBE_NULL of the pointee's size. */
  | { readonly kind: 'mem'; readonly size: number };

export interface GlobalFunction {
  /** First instruction, in slots of the linked program. */
  readonly start: number;
  readonly name: string;
  readonly args: readonly GlobalArg[];
  /** Why the prototype is outside the model (the kernel may accept it; the engine refuses a call to it). */
  readonly unsupported?: string;
}

/** MAX_BPF_FUNC_REG_ARGS. */
const MAX_ARGS = 5;

/**
 * The struct (or typedef) a program type's context pointer names in BTF, as
 * `btf_get_prog_ctx_type` compares them (by name only).
 */
const CTX_TYPE_NAMES: Readonly<Record<string, readonly string[]>> = {
  socket_filter: ['__sk_buff'], sched_cls: ['__sk_buff'], sched_act: ['__sk_buff'], cgroup_skb: ['__sk_buff'],
  sk_skb: ['__sk_buff'], lwt_in: ['__sk_buff'], lwt_out: ['__sk_buff'], lwt_xmit: ['__sk_buff'], lwt_seg6local: ['__sk_buff'],
  xdp: ['xdp_md'], kprobe: ['bpf_user_pt_regs_t', 'pt_regs'], perf_event: ['bpf_perf_event_data'],
  raw_tracepoint: ['bpf_raw_tracepoint_args'], sock_ops: ['bpf_sock_ops'], cgroup_sock: ['bpf_sock'],
  cgroup_sock_addr: ['bpf_sock_addr'], sk_msg: ['sk_msg_md'], sk_lookup: ['bpf_sk_lookup'],
};

/**
 * The global functions of a linked program, from the object's BTF and the
 * program's func_info records.
 * @param funcInfo `ProgramSpec.funcInfo`: which BTF FUNC starts at which slot
 * @param loadedStatic functions libbpf loads as static although their BTF says global (hidden visibility)
 */
export function globalFunctions(
  btf: Btf, funcInfo: readonly { readonly index: number; readonly typeId: number }[], programType: string, loadedStatic: ReadonlySet<string> = new Set(),
): GlobalFunction[] {
  const out: GlobalFunction[] = [];
  for (const { index, typeId } of funcInfo) {
    if (index === 0) continue; // the program itself
    const func = btf.type(typeId);
    if (func.kind !== 'func' || func.linkage !== 'global' || loadedStatic.has(func.name)) continue;
    out.push({ start: index, name: func.name, ...prototype(btf, func.type, programType) });
  }
  return out;
}

function prototype(btf: Btf, protoId: number, programType: string): { args: GlobalArg[]; unsupported?: string } {
  const proto = btf.type(protoId);
  if (proto.kind !== 'func_proto') return { args: [], unsupported: 'its BTF type is not a function prototype' };
  const ret = btf.resolve(proto.returnType);
  if (ret.kind !== 'int' && ret.kind !== 'enum' && ret.kind !== 'enum64' && ret.kind !== 'void') {
    return { args: [], unsupported: `it returns ${ret.kind}, not a scalar` };
  }
  if (proto.params.length > MAX_ARGS) return { args: [], unsupported: `it takes ${proto.params.length} > ${MAX_ARGS} arguments` };
  const args: GlobalArg[] = [];
  for (const [i, p] of proto.params.entries()) {
    const t = btf.resolve(p.type);
    if (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64') { args.push({ kind: 'scalar' }); continue; }
    if (t.kind !== 'ptr') return { args, unsupported: `argument ${i + 1} is a ${t.kind}` };
    if ((CTX_TYPE_NAMES[programType] ?? []).includes(pointeeName(btf, t.type))) { args.push({ kind: 'ctx' }); continue; }
    let size: number;
    try {
      size = btf.sizeof(t.type);
    } catch {
      return { args, unsupported: `argument ${i + 1} points to a type of unknown size` };
    }
    args.push({ kind: 'mem', size });
  }
  return { args };
}

/** The first name met through typedefs and qualifiers: a typedef's own name counts (bpf_user_pt_regs_t). */
function pointeeName(btf: Btf, id: number): string {
  for (let n = 0; n < 32; n++) {
    const t: BtfType = btf.type(id);
    if (t.name) return t.name;
    if (!('type' in t) || t.kind === 'ptr') return '';
    id = t.type;
  }
  return '';
}
