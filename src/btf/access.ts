/**
 * The meaning of a CO-RE relocation's access string in the program's own
 * (local) BTF: which members and elements it walks and at what offset it
 * lands. The object loader matches this path against the target kernel's BTF.
 */
import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import type { CoreRelocation } from './ext.js';

/** One step of an access path. */
export type AccessStep =
  | { readonly kind: 'index'; readonly index: number; readonly type: number }
  | { readonly kind: 'member'; readonly index: number; readonly name: string; readonly type: number; readonly bitfieldSize: number };

/** Where a field access lands in the local types. */
export interface LocalAccess {
  readonly steps: readonly AccessStep[];
  /** Bit offset from the root pointer (including the first array index). */
  readonly bitOffset: number;
  /** The type accessed (of the last step). */
  readonly type: number;
  /** C-like spelling, e.g. `struct node[0].either.bytes[2]`. */
  readonly text: string;
}

/**
 * Walks a field relocation's accessor through the local BTF. For type-based
 * kinds the accessor is just `[0]`; for enum-value kinds use `enumValueOf`.
 *
 * @throws BtfError BAD_ACCESS_STRING when an index leaves the type it walks.
 */
export function resolveLocalAccess(btf: Btf, relocation: Pick<CoreRelocation, 'typeId' | 'accessor'>): LocalAccess {
  const [first = 0, ...rest] = relocation.accessor;
  const root = btf.type(relocation.typeId);
  const where = { typeId: relocation.typeId };
  let type = relocation.typeId;
  let bitOffset = first * btf.sizeof(type) * 8;
  const steps: AccessStep[] = [{ kind: 'index', index: first, type }];
  let text = `${root.kind === 'struct' || root.kind === 'union' || root.kind === 'enum' ? `${root.kind} ` : ''}${root.name || '(anon)'}${first ? `[${first}]` : ''}`;
  for (const index of rest) {
    const t = btf.resolve(type);
    if (t.kind === 'struct' || t.kind === 'union') {
      const m = t.members[index];
      if (!m) throw new BtfError('BAD_ACCESS_STRING', `member ${index} of a ${t.kind} with ${t.members.length} members`, where);
      steps.push({ kind: 'member', index, name: m.name, type: m.type, bitfieldSize: m.bitfieldSize });
      bitOffset += m.bitOffset;
      type = m.type;
      text += m.name ? `.${m.name}` : `.<anon ${index}>`;
    } else if (t.kind === 'array') {
      if (index >= t.nelems && t.nelems !== 0) throw new BtfError('BAD_ACCESS_STRING', `element ${index} of an array of ${t.nelems}`, where);
      steps.push({ kind: 'index', index, type: t.type });
      bitOffset += index * btf.sizeof(t.type) * 8;
      type = t.type;
      text += `[${index}]`;
    } else {
      throw new BtfError('BAD_ACCESS_STRING', `cannot index into a ${t.kind}`, where);
    }
  }
  return { steps, bitOffset, type, text };
}

/**
 * The enumerator an enum-value relocation names.
 * @throws BtfError BAD_ACCESS_STRING
 */
export function enumValueOf(btf: Btf, relocation: Pick<CoreRelocation, 'typeId' | 'accessor'>): { name: string; value: bigint } {
  const t = btf.resolve(relocation.typeId);
  const index = relocation.accessor[0] ?? -1;
  if ((t.kind !== 'enum' && t.kind !== 'enum64') || !t.values[index]) {
    throw new BtfError('BAD_ACCESS_STRING', `no enumerator ${index} in a ${t.kind}`, { typeId: relocation.typeId });
  }
  return t.values[index]!;
}
