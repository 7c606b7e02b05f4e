/**
 * Calls to kernel functions (kfuncs) from BTF, as Linux 6.18's
 * check_kfunc_call does it, for the plain kfuncs modelled here: no
 * KF_ACQUIRE/KF_RELEASE/KF_RET_NULL flags, arguments that are numbers or
 * trusted pointers to structs, a number or nothing returned. Which program
 * kinds may call each was asked of Linux (btf-helper-availability.ts).
 */
import type { Btf, FuncProtoType } from '../btf/index.js';
import { BTF_HELPER_AVAILABILITY } from './btf-helper-availability.js';
import { BTF_TRUSTED, type BtfPointee, type BtfRefusal, isStruct, skipModifiers, structIdsMatch } from './btf-access.js';
import type { AttachBtf } from './tracing-context.js';

/**
 * Kfuncs whose BTF_ID_FLAGS carry no flags (bpf_tcp_ca_check_kfunc_ids), so
 * their BTF prototype says all the verifier checks.
 */
export const PLAIN_KFUNCS: readonly string[] = ['tcp_reno_ssthresh', 'tcp_reno_cong_avoid', 'tcp_reno_undo_cwnd', 'tcp_slow_start', 'tcp_cong_avoid_ai'];

/** Kernel functions by name, numbered as `btf` (the kernel's) numbers them: for assembling `call NAME`. */
export const kfuncIds = (btf: Btf) => (name: string): number | undefined => btf.all(name, 'func')[0]?.id;

/** What a register passed to a kfunc is, as far as these checks look. */
export interface KfuncArgReg {
  readonly type: 'scalar' | 'btf' | 'other';
  readonly pointee?: BtfPointee;
  readonly maybeNull: boolean;
  readonly offZero: boolean;
}

/** The kfunc's return: nothing (R0 unreadable) or a number. */
export type KfuncResult = { readonly ret: 'void' | 'scalar' } | BtfRefusal;

const unsupported = (kernel: string, explanation: string): BtfRefusal => ({ code: 'UNSUPPORTED', kernel, explanation });

/**
 * check_kfunc_call for a plain kfunc: availability, GPL, the arguments
 * (`reg(r)` gives R1–R5) and the return.
 */
export function checkKfuncCall(btf: Btf, name: string, attach: AttachBtf | undefined, gpl: boolean, reg: (r: number) => KfuncArgReg): KfuncResult {
  if (!PLAIN_KFUNCS.includes(name)) return unsupported(`kfunc ${name} is not modelled`, `Calls to the kernel function ${name} are not modelled yet.`);
  const fn = btf.all(name, 'func')[0];
  const proto = fn && fn.kind === 'func' ? btf.type(skipModifiers(btf, fn.type)) : undefined;
  if (!proto || proto.kind !== 'func_proto') return unsupported(`kernel function ${name} is not in the kernel's BTF`, `${name} is not a function of this kernel.`);
  const allowed = attach?.kind === 'struct_ops' ? BTF_HELPER_AVAILABILITY.kfuncs.tcp_ca
    : attach?.kind === 'iter' ? BTF_HELPER_AVAILABILITY.kfuncs.iter : attach ? BTF_HELPER_AVAILABILITY.kfuncs.tracing : [];
  if (!allowed.includes(name)) {
    return attach ? { code: 'HELPER_ARGUMENT', kernel: `calling kernel function ${name} is not allowed`, explanation: `${name} is not registered for this program type.` }
      : unsupported(`kfunc availability for this program type is not modelled`, `Which program types may call ${name} is only known for BTF-typed programs.`);
  }
  if (!gpl) return { code: 'HELPER_ARGUMENT', kernel: 'cannot call kernel function from non-GPL compatible program', explanation: 'Only GPL-compatible programs may call kernel functions.' };
  return checkArgs(btf, name, proto, reg);
}

function checkArgs(btf: Btf, name: string, proto: FuncProtoType, reg: (r: number) => KfuncArgReg): KfuncResult {
  if (proto.params.length > 5 || proto.variadic) return unsupported(`kfunc ${name} has too many arguments`, `${name} takes arguments this verifier does not model.`);
  for (let i = 0; i < proto.params.length; i++) {
    const p = proto.params[i]!;
    const r = i + 1;
    // Suffixes (__sz, __k, __ign, __nullable…) change how the kernel reads an argument; not modelled.
    if (p.name.includes('__')) return unsupported(`kfunc ${name} argument ${p.name}`, `Annotated kfunc arguments are not modelled yet.`);
    const t = btf.type(skipModifiers(btf, p.type));
    const a = reg(r);
    if (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64') {
      if (a.type !== 'scalar') return { code: 'HELPER_ARGUMENT', kernel: `R${r} is not a scalar`, explanation: `Argument ${r} of ${name} is a number.` };
      continue;
    }
    const target = t.kind === 'ptr' ? btf.type(skipModifiers(btf, t.type)) : undefined;
    if (!target || !isStruct(target)) return unsupported(`kfunc ${name} argument ${p.name} kind`, `Argument ${p.name} of ${name} is neither a number nor a struct pointer.`);
    // Only unmoved, non-NULL, trusted pointers of a matching struct are taken as proven; anything else is left to Linux.
    if (a.type !== 'btf' || !a.pointee || a.maybeNull || !a.offZero || !(a.pointee.flags & BTF_TRUSTED) || a.pointee.btf !== btf
      || !structIdsMatch(btf, a.pointee.id, 0, target.id, false)) {
      return unsupported(`R${r} as argument ${p.name} of kfunc ${name}`, `Argument ${r} of ${name} is not an unmoved trusted pointer to struct ${target.name}; such arguments are not modelled yet.`);
    }
  }
  const ret = btf.type(skipModifiers(btf, proto.returnType));
  if (ret.kind === 'void') return { ret: 'void' };
  if (ret.kind === 'int' || ret.kind === 'enum' || ret.kind === 'enum64') return { ret: 'scalar' };
  return unsupported(`kfunc ${name} return type`, `${name} returns something other than a number.`);
}
