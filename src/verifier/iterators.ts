/**
 * Open-coded iterators: the kfunc triples bpf_iter_<kind>_new, _next and
 * _destroy over a `struct bpf_iter_<kind>` kept in stack slots, Linux's
 * bounded loop form beside bpf_loop. What the kernel's BTF says of a triple
 * (the iterator's size, the arguments of new(), what next() yields) is read
 * here; the state they act on lives in the engine (process_iter_arg,
 * process_iter_next_call).
 */
import type { Btf, FuncProtoType } from '../btf/index.js';
import { skipModifiers } from './btf-access.js';

export type IterOp = 'new' | 'next' | 'destroy';

export interface IterKfunc {
  /** `num` for bpf_iter_num_new. */
  readonly kind: string;
  readonly op: IterOp;
}

/**
 * The kinds whose whole contract is modelled: next() yields read-only memory
 * and new() takes numbers. Others (task, css, task_vma, bits…) take or yield
 * kernel objects with rules of their own (RCU sections, trusted arguments).
 */
export const MODELLED_ITERATORS: readonly string[] = ['num'];

/** The iterator kfunc a name denotes (the kernel's KF_ITER_NEW/NEXT/DESTROY naming convention), if any. */
export function iterKfunc(name: string): IterKfunc | undefined {
  const m = /^bpf_iter_(\w+)_(new|next|destroy)$/.exec(name);
  return m ? { kind: m[1]!, op: m[2] as IterOp } : undefined;
}

/** What the verifier needs of one iterator kfunc, from the kernel's BTF. */
export interface IterFacts {
  /** Stack slots the iterator occupies (sizeof(struct bpf_iter_<kind>) / 8). */
  readonly slots: number;
  /** Arguments after the iterator: all numbers for the modelled kinds. */
  readonly scalarArgs: number;
  /** next(): the size of the read-only memory it yields. */
  readonly yieldSize?: number;
}

/** The facts, or why this kernel's BTF does not give them. */
export function iterFacts(btf: Btf, name: string, it: IterKfunc): IterFacts | { readonly unsupported: string } {
  const struct = btf.named(`bpf_iter_${it.kind}`, 'struct');
  const fn = btf.all(name, 'func')[0];
  const proto = fn && fn.kind === 'func' ? btf.type(skipModifiers(btf, fn.type)) : undefined;
  if (!struct || !proto || proto.kind !== 'func_proto') return { unsupported: `${name} is not a function of this kernel` };
  const slots = btf.sizeof(struct.id) / 8;
  const params = (proto as FuncProtoType).params.slice(1);
  for (const p of params) {
    const t = btf.type(skipModifiers(btf, p.type));
    if (t.kind !== 'int' && t.kind !== 'enum' && t.kind !== 'enum64') return { unsupported: `argument ${p.name} of ${name} is not a number` };
  }
  if (it.op !== 'next') return { slots, scalarArgs: params.length };
  const ret = btf.type(skipModifiers(btf, (proto as FuncProtoType).returnType));
  const pointee = ret.kind === 'ptr' ? btf.type(skipModifiers(btf, ret.type)) : undefined;
  if (!pointee || (pointee.kind !== 'int' && pointee.kind !== 'enum')) return { unsupported: `${name} yields something other than numbers` };
  return { slots, scalarArgs: params.length, yieldSize: btf.sizeof(pointee.id) };
}
