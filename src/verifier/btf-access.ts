/**
 * What a load through a BTF-typed kernel pointer (the kernel's PTR_TO_BTF_ID)
 * reaches: Linux 6.18's `btf_struct_walk`/`btf_struct_access` (kernel/bpf/btf.c)
 * and the trust rules of `check_ptr_to_btf_access` (kernel/bpf/verifier.c).
 */
import type { Btf, BtfType, CompositeType } from '../btf/index.js';

/** Type flags of a BTF pointer that this verifier tracks (the kernel's PTR_TRUSTED, MEM_RCU, PTR_UNTRUSTED). */
export const BTF_TRUSTED = 1;
export const BTF_RCU = 2;
export const BTF_UNTRUSTED = 4;

/** The pointee of a PTR_TO_BTF_ID register: reg->btf, reg->btf_id and the trust flags of reg->type. */
export interface BtfPointee {
  readonly btf: Btf;
  /** A struct or union id (modifiers skipped). */
  readonly id: number;
  readonly flags: number;
}

export const sameBtfPointee = (a: BtfPointee | undefined, b: BtfPointee | undefined): boolean =>
  a === b || (!!a && !!b && a.btf === b.btf && a.id === b.id && a.flags === b.flags);

/** reg_type_str for PTR_TO_BTF_ID: flag prefixes, `ptr_`, and `or_null_` for maybe-NULL ones. */
export function btfRegTypeStr(flags: number, maybeNull: boolean): string {
  return `${flags & BTF_RCU ? 'rcu_' : ''}${flags & BTF_UNTRUSTED ? 'untrusted_' : ''}${flags & BTF_TRUSTED ? 'trusted_' : ''}ptr_${maybeNull ? 'or_null_' : ''}`;
}

/** btf_type_skip_modifiers: the id after typedefs, qualifiers and type tags. */
export function skipModifiers(btf: Btf, id: number): number {
  for (let n = 0; n < 32; n++) {
    const t = btf.type(id);
    if (t.kind !== 'typedef' && t.kind !== 'volatile' && t.kind !== 'const' && t.kind !== 'restrict' && t.kind !== 'type_tag') return id;
    id = t.type;
  }
  return id;
}

/** btf_type_str: the kind as the kernel's messages name it. */
export function btfKindStr(t: BtfType): string {
  const names: Partial<Record<BtfType['kind'], string>> = {
    void: 'UNKN', int: 'INT', ptr: 'PTR', array: 'ARRAY', struct: 'STRUCT', union: 'UNION', enum: 'ENUM', fwd: 'FWD',
    typedef: 'TYPEDEF', volatile: 'VOLATILE', const: 'CONST', restrict: 'RESTRICT', func: 'FUNC', func_proto: 'FUNC_PROTO',
    var: 'VAR', datasec: 'DATASEC', float: 'FLOAT', decl_tag: 'DECL_TAG', type_tag: 'TYPE_TAG', enum64: 'ENUM64',
  };
  return names[t.kind] ?? 'UNKN';
}

export const isStruct = (t: BtfType): t is CompositeType => t.kind === 'struct' || t.kind === 'union';

/** What lies at off..off+size of a struct (btf_struct_access's result). */
export type WalkResult =
  | { readonly kind: 'scalar' }
  /** WALK_PTR: a pointer member to a struct; `field` names it for the trust lists. */
  | { readonly kind: 'ptr'; readonly id: number; readonly field: string; readonly union: boolean; readonly tag?: string }
  /** WALK_PTR_UNTRUSTED: a pointer to something other than a struct (PTR_TO_MEM | MEM_RDONLY | PTR_UNTRUSTED). */
  | { readonly kind: 'untrusted_mem' }
  | { readonly kind: 'error'; readonly message: string };

/**
 * __btf_resolve_size: the member's type with modifiers and typedefs skipped, its
 * size, and for (possibly nested) arrays the innermost element and the total count.
 */
function resolveSize(btf: Btf, id: number): { t: BtfType; id: number; size: number; elem?: { t: BtfType; id: number }; nelems: number } | undefined {
  let nelems = 1;
  let arrayOuter: { t: BtfType; id: number } | undefined;
  for (let n = 0; n < 64; n++) {
    id = skipModifiers(btf, id);
    const t = btf.type(id);
    if (t.kind === 'array') {
      arrayOuter ??= { t, id };
      nelems *= t.nelems;
      id = t.type;
      continue;
    }
    let size: number;
    if (t.kind === 'ptr') size = 8;
    else if ('size' in t && typeof t.size === 'number') size = t.size;
    else return undefined;
    if (arrayOuter) return { t: arrayOuter.t, id: arrayOuter.id, size: size * nelems, elem: { t, id }, nelems };
    return { t, id, size, nelems };
  }
  return undefined;
}

/**
 * btf_struct_walk: finds what the access off..off+size of struct `id` touches,
 * diving into nested structs and arrays of them.
 */
function walk(btf: Btf, id: number, off: number, size: number, flags: { union: boolean }): WalkResult | { kind: 'struct'; id: number } {
  let t = btf.type(skipModifiers(btf, id));
  for (let guard = 0; guard < 64; guard++) {
    // __btf_name_by_offset names anonymous types "(anon)".
    const tname = t.name || '(anon)';
    if (!isStruct(t)) return { kind: 'error', message: `Type '${tname}' is not a struct` };
    const vlen = t.members.length;
    // Walking unions yields untrusted pointers, except unions of one member (__bpf_md_ptr).
    if (t.kind === 'union' && vlen !== 1) flags.union = true;
    if (off + size > t.size) {
      // A flexible array at the end may be indexed past the struct's size.
      const error = { kind: 'error', message: `access beyond struct ${tname} at off ${off} size ${size}` } as const;
      if (vlen === 0) return error;
      const last = t.members[vlen - 1]!;
      const mtype = btf.type(skipModifiers(btf, last.type));
      if (mtype.kind !== 'array' || mtype.nelems !== 0) return error;
      const moff = Math.floor(last.bitOffset / 8);
      if (off < moff) return error;
      const elem = btf.type(skipModifiers(btf, mtype.type));
      if (elem.kind === 'int') return { kind: 'scalar' };
      if (!isStruct(elem)) return error;
      off = (off - moff) % elem.size;
      t = elem;
      continue;
    }
    let descended = false;
    for (const member of t.members) {
      let moff = Math.floor(member.bitOffset / 8);
      if (off + size <= moff) break;
      if (member.bitfieldSize) {
        const endBit = member.bitOffset + member.bitfieldSize;
        if (off <= moff && Math.ceil(endBit / 8) <= off + size) return { kind: 'scalar' };
        continue;
      }
      if (off < moff) break;
      const resolved = resolveSize(btf, member.type);
      if (!resolved) return { kind: 'error', message: `field ${member.name} doesn't have size` };
      let { t: mtype, id: mid } = resolved;
      let msize = resolved.size;
      const mtrueEnd = moff + msize;
      if (off >= mtrueEnd) continue;
      if (mtype.kind === 'array') {
        if (moff === mtrueEnd) continue;
        msize = msize / resolved.nelems;
        const idx = Math.floor((off - moff) / msize);
        moff += idx * msize;
        mtype = resolved.elem!.t;
        mid = resolved.elem!.id;
      }
      if (isStruct(mtype)) {
        if (off === moff) return { kind: 'struct', id: mid };
        off -= moff;
        t = mtype;
        descended = true;
        break;
      }
      if (mtype.kind === 'ptr') {
        if (msize !== size || off !== moff) {
          return { kind: 'error', message: `cannot access ptr member ${member.name} with moff ${moff} in struct ${tname} with off ${off} size ${size}` };
        }
        const sid = skipModifiers(btf, mtype.type);
        // __user, __percpu and __rcu reach BTF as a type tag right under the pointer.
        const tagged = btf.type(mtype.type);
        const tag = tagged.kind === 'type_tag' && ['user', 'percpu', 'rcu'].includes(tagged.name) ? tagged.name : undefined;
        if (isStruct(btf.type(sid))) return { kind: 'ptr', id: sid, field: member.name, union: flags.union, ...(tag ? { tag } : {}) };
        return { kind: 'untrusted_mem' };
      }
      // An int (or int array, like skb->cb) may be read anywhere inside the member.
      if (off + size > mtrueEnd && !flags.union) {
        return { kind: 'error', message: `access beyond the end of member ${member.name} (mend:${mtrueEnd}) in struct ${tname} with off ${off} size ${size}` };
      }
      return { kind: 'scalar' };
    }
    if (!descended) return { kind: 'error', message: `struct ${tname} doesn't have field at offset ${off}` };
  }
  return { kind: 'error', message: `struct ${t.name} nests too deeply` };
}

/**
 * btf_struct_access for a read of `size` bytes at `off` of struct `id`.
 * @example structAccess(vmlinux, taskStructId, offsetOfPid, 4) // { kind: 'scalar' }
 */
export function structAccess(btf: Btf, id: number, off: number, size: number): WalkResult {
  const flags = { union: false };
  for (let n = 0; n < 64; n++) {
    const r = walk(btf, id, off, size, flags);
    if (r.kind !== 'struct') return r;
    id = r.id;
    off = 0;
  }
  return { kind: 'error', message: 'struct nests too deeply' };
}

/**
 * btf_nested_type_is_trusted: whether `struct <owner>__safe_<suffix>` (which
 * verifier.c's BTF_TYPE_SAFE_* lists leave in the kernel's BTF) has a member
 * `field` pointing to a struct named like `pointee`.
 */
function listed(btf: Btf, owner: string, suffix: string, field: string, pointee: string): boolean {
  const safe = btf.named(`${owner}__safe_${suffix}`, 'struct');
  const m = safe?.members.find((x) => x.name === field);
  if (!m) return false;
  const ptr = btf.type(skipModifiers(btf, m.type));
  return ptr.kind === 'ptr' && btf.type(skipModifiers(btf, ptr.type)).name === pointee;
}

/**
 * The flags of a pointer to struct `pointeeId` loaded from field `field` of a
 * struct reached through a pointer to `baseId` with `baseFlags`
 * (check_ptr_to_btf_access, in a non-sleepable program, which is always inside
 * an RCU read section), and whether it may be NULL.
 */
export function walkedPointerFlags(btf: Btf, baseId: number, baseFlags: number, field: string, viaUnion: boolean, pointeeId?: number, rcuTag = false): { flags: number; maybeNull: boolean } {
  if (baseFlags & BTF_UNTRUSTED || viaUnion) return { flags: BTF_UNTRUSTED, maybeNull: false };
  if (!(baseFlags & (BTF_TRUSTED | BTF_RCU))) return { flags: 0, maybeNull: false };
  const owner = btf.type(baseId).name;
  const pointee = pointeeId === undefined ? undefined : btf.type(pointeeId).name;
  const has = (suffix: string) => (pointee === undefined
    ? !!btf.named(`${owner}__safe_${suffix}`, 'struct')?.members.some((x) => x.name === field)
    : listed(btf, owner, suffix, field, pointee));
  if (has('trusted')) return { flags: BTF_TRUSTED, maybeNull: false };
  if (has('trusted_or_null')) return { flags: BTF_TRUSTED, maybeNull: true };
  if (has('rcu')) return { flags: BTF_RCU, maybeNull: false };
  // __rcu tagged pointers may be NULL.
  if (rcuTag || has('rcu_or_null')) return { flags: BTF_RCU, maybeNull: true };
  return { flags: 0, maybeNull: false };
}

/**
 * btf_struct_ids_match: whether a pointer to `id` moved by `off` points to a
 * `target`, possibly one nested at that offset (or first members at offset 0)
 * when not strict.
 */
export function structIdsMatch(btf: Btf, id: number, off: number, target: number, strict: boolean): boolean {
  if (off === 0 && id === target) return true;
  if (strict) return false;
  for (let n = 0; n < 64; n++) {
    const r = walk(btf, id, off, 1, { union: false });
    if (r.kind !== 'struct') return false;
    if (r.id === target) return true;
    id = r.id;
    off = 0;
  }
  return false;
}

/** A refusal in the engine's terms: code, the kernel's log line(s) and a plain explanation. */
export interface BtfRefusal {
  readonly code: 'INVALID_MEMORY_ACCESS' | 'HELPER_ARGUMENT' | 'UNSUPPORTED';
  readonly kernel: string;
  readonly explanation: string;
}

/** What a load through a BTF pointer gives: a number, or another BTF pointer (maybe NULL). */
export type BtfLoad = { readonly kind: 'scalar' } | { readonly kind: 'untrusted_mem' } | { readonly kind: 'btf'; readonly pointee: BtfPointee; readonly maybeNull: boolean };

/**
 * check_ptr_to_btf_access: an access of `size` bytes at `off` (the register's
 * fixed offset included) through a non-NULL BTF pointer. `writeCheck` is the
 * program type's btf_struct_access for writes (struct_ops), when it has one.
 */
export function btfPointerAccess(p: {
  readonly regno: number; readonly pointee: BtfPointee; readonly off: number; readonly varOffText: string | undefined;
  readonly size: number; readonly write: boolean; readonly atomic: boolean; readonly privileged: boolean; readonly gpl: boolean;
  readonly writeCheck?: (btf: Btf, id: number, off: number, size: number) => string | undefined;
}): BtfLoad | BtfRefusal {
  const { regno, pointee, off, size } = p;
  const { btf, id } = pointee;
  const tname = btf.type(id).name;
  const refuse = (kernel: string, explanation: string): BtfRefusal => ({ code: 'INVALID_MEMORY_ACCESS', kernel, explanation });
  if (p.atomic) return { code: 'UNSUPPORTED', kernel: 'atomic operations on BTF pointers are not modelled', explanation: `Atomic operations on struct ${tname} are not modelled yet.` };
  if (!p.privileged) return refuse(`'struct ${tname}' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN`, 'Reading kernel structs needs CAP_PERFMON.');
  if (!p.gpl) return refuse(`Cannot access kernel 'struct ${tname}' from non-GPL compatible program`, 'Only GPL-compatible programs may read kernel structs.');
  if (off < 0) return refuse(`R${regno} is ptr_${tname} invalid negative access: off=${off}`, `R${regno} was moved before the start of the struct ${tname}.`);
  if (p.varOffText !== undefined) {
    return refuse(`R${regno} is ptr_${tname} invalid variable offset: off=${off}, var_off=${p.varOffText}`, `Fields of struct ${tname} must be reached at a constant offset.`);
  }
  if (p.write) {
    const why = p.writeCheck ? p.writeCheck(btf, id, off, size) : 'only read is supported';
    if (why) return refuse(why, `This program may not write ${size} bytes at offset ${off} of struct ${tname}.`);
    return { kind: 'scalar' };
  }
  const r = structAccess(btf, id, off, size);
  switch (r.kind) {
    case 'scalar': return { kind: 'scalar' };
    case 'error': return refuse(r.message, `A ${size}-byte read at offset ${off} of struct ${tname} does not match its fields.`);
    case 'untrusted_mem': return { kind: 'untrusted_mem' };
    case 'ptr': {
      if (r.tag === 'user' || r.tag === 'percpu') {
        return { code: 'UNSUPPORTED', kernel: `__${r.tag} pointers are not modelled`, explanation: `The ${r.field} member of struct ${tname} is a __${r.tag} pointer, which is not modelled yet.` };
      }
      const { flags, maybeNull } = walkedPointerFlags(btf, id, pointee.flags, r.field, r.union, r.id, r.tag === 'rcu');
      return { kind: 'btf', pointee: { btf, id: r.id, flags }, maybeNull };
    }
  }
}

/**
 * check_reg_type and check_func_arg_reg_off for ARG_PTR_TO_BTF_ID: a non-NULL,
 * not untrusted BTF pointer to `struct` (or to a struct starting with one), at
 * a constant offset. Returns the refusal, or undefined when it fits.
 */
export function checkBtfArg(regno: number, reg: {
  readonly pointee?: BtfPointee; readonly typeStr: string; readonly off: number; readonly varOffZero: boolean;
  /** A socket pointer of the non-BTF kinds (PTR_TO_SOCKET, PTR_TO_SOCK_COMMON…), by its type name. */
  readonly sockPointer?: string;
}, btf: Btf | undefined, struct: string): BtfRefusal | undefined {
  // ARG_PTR_TO_BTF_ID_SOCK_COMMON (btf_id_sock_common_types) also takes the socket pointer kinds, but not RCU pointers.
  const sockCommon = struct === 'sock_common';
  const expected = sockCommon ? 'sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_' : 'ptr_, trusted_ptr_, rcu_ptr_';
  const bad = (): BtfRefusal => ({ code: 'HELPER_ARGUMENT', kernel: `R${regno} type=${reg.typeStr} expected=${expected}`, explanation: `R${regno} must be a pointer to struct ${struct}.` });
  if (sockCommon && reg.sockPointer) {
    // Maybe-NULL sockets are not among the compatible types; the others must be unmoved (check_func_arg_reg_off).
    if (reg.sockPointer.endsWith('_or_null')) return bad();
    if (reg.sockPointer !== 'sock' && reg.sockPointer !== 'sock_common' && reg.sockPointer !== 'tcp_sock') {
      return { code: 'UNSUPPORTED', kernel: `${reg.sockPointer} pointers as ARG_PTR_TO_BTF_ID_SOCK_COMMON are not modelled`, explanation: `Passing a ${reg.sockPointer} pointer where a socket is expected is not modelled yet.` };
    }
    if (reg.off || !reg.varOffZero) return { code: 'UNSUPPORTED', kernel: 'moved socket pointer as ARG_PTR_TO_BTF_ID_SOCK_COMMON', explanation: 'A moved socket pointer passed to a helper is not modelled.' };
    return undefined;
  }
  const p = reg.pointee;
  if (!p || p.flags & BTF_UNTRUSTED || (sockCommon && p.flags & BTF_RCU)) return bad();
  // A BTF pointer brings its own BTF; only the socket kinds above need none.
  btf ??= p.btf;
  const target = btf.named(struct, 'struct');
  if (!target) return { code: 'UNSUPPORTED', kernel: `struct ${struct} is not in the kernel's BTF`, explanation: `struct ${struct} is unknown.` };
  if (p.btf !== btf || !structIdsMatch(btf, p.id, reg.off, target.id, false)) {
    return { code: 'HELPER_ARGUMENT', kernel: `R${regno} is of type ${p.btf.type(p.id).name} but ${struct} is expected`, explanation: `R${regno} points to a struct ${p.btf.type(p.id).name}, not a struct ${struct}.` };
  }
  if (!reg.varOffZero) return { code: 'UNSUPPORTED', kernel: 'variable offset BTF pointer argument', explanation: 'A BTF pointer moved by a variable amount was passed to a helper.' };
  return undefined;
}
