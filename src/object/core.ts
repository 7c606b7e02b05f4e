/**
 * CO-RE: rewrite the instructions clang marked with `.BTF.ext` relocations so
 * they fit the target's types, with libbpf's rules — candidates by essential
 * name (`task_struct___old` is a `task_struct`), members matched by name
 * through anonymous structs and unions, bitfields loaded with the smallest
 * fitting width, instructions of failed non-`exists` relocations poisoned.
 */
import { resolveLocalAccess, enumValueOf, type Btf, type BtfType, type CoreRelocationKindName, type IntType } from '../btf/index.js';
import { Class, Mode, Size, make, makeLddw, type Instruction } from '../isa/index.js';
import { ObjectError } from './errors.js';
import type { ProgramCoreRelocation, ProgramSpec } from './spec.js';

/** The helper id libbpf writes into a poisoned instruction (0xbad2310): the verifier refuses it only if reached. */
export const CORE_POISON_HELPER = 0xbad2310;

/** What one relocation came to. */
export interface CoreResult {
  readonly relocation: ProgramCoreRelocation;
  /** C-like spelling of the local access, e.g. `struct task_struct___old.state`. */
  readonly access: string;
  /** The value patched in, or undefined when the instruction was poisoned. */
  readonly value?: bigint;
  /** The target type it matched (undefined when none did). */
  readonly target?: { readonly id: number; readonly name: string };
  /** For a matched non-bitfield field: its size in the target, to resize loads and stores. */
  readonly targetFieldSize?: number;
  /** Why it could not be resolved (when poisoned, or when `exists` is 0). */
  readonly reason?: string;
}

const FIELD_KINDS: ReadonlySet<CoreRelocationKindName> = new Set([
  'field_byte_offset', 'field_byte_size', 'field_exists', 'field_signed', 'field_lshift_u64', 'field_rshift_u64',
]);
const TYPE_KINDS: ReadonlySet<CoreRelocationKindName> = new Set(['type_id_local', 'type_id_target', 'type_exists', 'type_size', 'type_matches']);
const ZERO_WHEN_MISSING: ReadonlySet<CoreRelocationKindName> = new Set(['field_exists', 'type_exists', 'type_matches', 'enumval_exists', 'type_id_target']);

/** `task_struct___old` → `task_struct` (libbpf's essential name: cut at the last `___` between non-underscores). */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_') return name.slice(0, i + 1);
  }
  return name;
}

const essentialIndexes = new WeakMap<Btf, Map<string, number[]>>();
function byEssentialName(btf: Btf, name: string): number[] {
  let index = essentialIndexes.get(btf);
  if (!index) {
    index = new Map();
    for (const t of btf.types) {
      if (!t.name) continue;
      const key = essentialName(t.name);
      const list = index.get(key);
      if (list) list.push(t.id);
      else index.set(key, [t.id]);
    }
    essentialIndexes.set(btf, index);
  }
  return index.get(name) ?? [];
}

function sameKind(a: BtfType, b: BtfType): boolean {
  const family = (t: BtfType) => (t.kind === 'enum64' ? 'enum' : t.kind);
  return family(a) === family(b);
}

function skipModifiers(btf: Btf, id: number): BtfType {
  return btf.resolve(id);
}

/** libbpf's bpf_core_fields_are_compat: shapes, not names, with arrays compared by element. */
function fieldsCompatible(local: Btf, localId: number, target: Btf, targetId: number, depth = 0): boolean {
  const l = skipModifiers(local, localId);
  const t = skipModifiers(target, targetId);
  if ((l.kind === 'struct' || l.kind === 'union' || l.kind === 'fwd') && (t.kind === 'struct' || t.kind === 'union' || t.kind === 'fwd')) return true;
  if (!sameKind(l, t)) return false;
  if (l.kind === 'array' && t.kind === 'array') return depth < 16 && fieldsCompatible(local, l.type, target, t.type, depth + 1);
  return true;
}

interface FieldMatch {
  readonly bitOffset: number;
  /** The member's type id in the target (for sizes and signedness). */
  readonly type: number;
  readonly bitfieldSize: number;
}

/** Finds member `name` in a target composite, looking through anonymous members as C does. */
function findMember(btf: Btf, id: number, name: string, depth = 0): { bitOffset: number; type: number; bitfieldSize: number; localType?: number } | undefined {
  const t = btf.resolve(id);
  if ((t.kind !== 'struct' && t.kind !== 'union') || depth > 32) return undefined;
  for (const m of t.members) {
    if (m.name === name) return { bitOffset: m.bitOffset, type: m.type, bitfieldSize: m.bitfieldSize };
    if (!m.name) {
      const inner = findMember(btf, m.type, name, depth + 1);
      if (inner) return { ...inner, bitOffset: inner.bitOffset + m.bitOffset };
    }
  }
  return undefined;
}

/** Walks the local access path through a target type; undefined (with why) when it does not fit. */
function matchField(local: Btf, relocation: ProgramCoreRelocation, target: Btf, targetRoot: number): FieldMatch | string {
  const access = resolveLocalAccess(local, relocation);
  const [root, ...steps] = access.steps;
  let type = targetRoot;
  let bitOffset = (root?.index ?? 0) * target.sizeof(targetRoot) * 8;
  let bitfieldSize = 0;
  for (const step of steps) {
    if (step.kind === 'member') {
      // Anonymous members only group others; libbpf matches by the named ones.
      if (!step.name) continue;
      const found = findMember(target, type, step.name);
      if (!found) return `${describeType(target, type)} has no member ${step.name}`;
      if (!fieldsCompatible(local, step.type, target, found.type)) {
        return `member ${step.name} is a ${kindOf(local, step.type)} locally but a ${kindOf(target, found.type)} in the target`;
      }
      bitOffset += found.bitOffset;
      type = found.type;
      bitfieldSize = found.bitfieldSize;
    } else {
      const t = target.resolve(type);
      if (t.kind !== 'array') return `${describeType(target, type)} is not an array, so [${step.index}] does not apply`;
      if (t.nelems !== 0 && step.index >= t.nelems) return `index ${step.index} is beyond the target's ${t.nelems} elements`;
      type = t.type;
      bitOffset += step.index * target.sizeof(t.type) * 8;
      bitfieldSize = 0;
    }
  }
  return { bitOffset, type, bitfieldSize };
}

function kindOf(btf: Btf, id: number): string {
  return btf.resolve(id).kind;
}

function describeType(btf: Btf, id: number): string {
  const t = btf.resolve(id);
  return `${t.kind === 'struct' || t.kind === 'union' || t.kind === 'enum' ? `${t.kind} ` : ''}${t.name || '(anonymous)'} [${t.id}]`;
}

/** The value of a field relocation for a matched field (libbpf's bpf_core_calc_field_relo). */
function fieldValue(btf: Btf, kind: CoreRelocationKindName, field: FieldMatch): bigint | string {
  if (kind === 'field_exists') return 1n;
  const memberType = btf.resolve(field.type);
  let byteSize = btf.sizeof(field.type);
  let byteOffset: number;
  const bitSize = field.bitfieldSize || byteSize * 8;
  if (field.bitfieldSize) {
    byteOffset = Math.floor(field.bitOffset / 8 / byteSize) * byteSize;
    while (field.bitOffset + bitSize - byteOffset * 8 > byteSize * 8) {
      if (byteSize >= 8) return 'the bitfield does not fit in 8 bytes';
      byteSize *= 2;
      byteOffset = Math.floor(field.bitOffset / 8 / byteSize) * byteSize;
    }
  } else {
    if (field.bitOffset % 8 !== 0) return 'the field is not byte-aligned';
    byteOffset = field.bitOffset / 8;
  }
  switch (kind) {
    case 'field_byte_offset': return BigInt(byteOffset);
    case 'field_byte_size': return BigInt(byteSize);
    case 'field_signed':
      return (memberType.kind === 'int' && (memberType as IntType).signed) || ((memberType.kind === 'enum' || memberType.kind === 'enum64') && memberType.signed) ? 1n : 0n;
    case 'field_lshift_u64': return BigInt(64 - (field.bitOffset + bitSize - byteOffset * 8));
    case 'field_rshift_u64': return BigInt(64 - bitSize);
    default: return `${kind} is not a field relocation`;
  }
}

/** bpf_core_types_match, in its essentials: same shapes, and every local member or enumerator present in the target. */
function typesMatch(local: Btf, localId: number, target: Btf, targetId: number, depth = 0): boolean {
  if (depth > 16) return false;
  const l = local.resolve(localId);
  const t = target.resolve(targetId);
  if (l.kind === 'void' || t.kind === 'void') return l.kind === t.kind;
  if (!sameKind(l, t)) return (l.kind === 'fwd' || t.kind === 'fwd') && l.name !== '' && essentialName(l.name) === essentialName(t.name);
  if (l.name && essentialName(l.name) !== essentialName(t.name)) return false;
  switch (l.kind) {
    case 'int': return t.kind === 'int' && l.size === t.size && l.signed === t.signed;
    case 'float': return t.kind === 'float' && l.size === t.size;
    case 'enum': case 'enum64': {
      const names = new Set((t as { values: readonly { name: string }[] }).values.map((v) => essentialName(v.name)));
      return l.values.every((v) => names.has(essentialName(v.name)));
    }
    case 'struct': case 'union': {
      const tc = t as typeof l;
      return l.members.every((m) => {
        const found = tc.members.find((x) => x.name === m.name);
        return found !== undefined && found.bitfieldSize === m.bitfieldSize && typesMatch(local, m.type, target, found.type, depth + 1);
      });
    }
    case 'ptr': return typesMatch(local, l.type, target, (t as { type: number }).type, depth + 1);
    case 'array': return t.kind === 'array' && l.nelems === t.nelems && typesMatch(local, l.type, target, t.type, depth + 1);
    case 'func_proto': {
      const tp = t as typeof l;
      return l.params.length === tp.params.length && typesMatch(local, l.returnType, target, tp.returnType, depth + 1)
        && l.params.every((p, i) => typesMatch(local, p.type, target, tp.params[i]!.type, depth + 1));
    }
    default: return true;
  }
}

/** Resolves one relocation: its value, or the reason it has none. */
export function resolveCoreRelocation(local: Btf, relocation: ProgramCoreRelocation, target: Btf): CoreResult {
  const { kind } = relocation;
  const localType = local.type(relocation.typeId);
  const access = relocation.kind.startsWith('enumval')
    ? `enum ${localType.name}::${enumValueOf(local, relocation).name}`
    : FIELD_KINDS.has(kind) ? resolveLocalAccess(local, relocation).text : describeType(local, relocation.typeId);
  if (kind === 'type_id_local') return { relocation, access, value: BigInt(relocation.typeId) };
  if (!localType.name) {
    throw new ObjectError('CORE_RELOCATION', `${kind} on an anonymous ${localType.kind} (access ${relocation.accessString}); CO-RE needs a named type`, {});
  }
  const name = essentialName(localType.name);
  // Against its own BTF (the userspace target) a program's types are exactly themselves.
  const candidates = target === local
    ? [localType]
    : byEssentialName(target, name).map((id) => target.type(id)).filter((t) => sameKind(localType, t));
  const outcomes: { id: number; value: bigint; fieldSize?: number }[] = [];
  const misses: string[] = [];
  for (const candidate of candidates) {
    let value: bigint | string;
    let fieldSize: number | undefined;
    if (FIELD_KINDS.has(kind)) {
      const field = matchField(local, relocation, target, candidate.id);
      value = typeof field === 'string' ? field : fieldValue(target, kind, field);
      if (typeof field !== 'string' && !field.bitfieldSize) fieldSize = target.sizeof(field.type);
    } else if (TYPE_KINDS.has(kind)) {
      if (kind === 'type_matches' && !typesMatch(local, relocation.typeId, target, candidate.id)) value = `${describeType(target, candidate.id)} does not match`;
      else value = kind === 'type_size' ? BigInt(target.sizeof(candidate.id)) : kind === 'type_id_target' ? BigInt(candidate.id) : 1n;
    } else {
      const enumerator = enumValueOf(local, relocation).name;
      const found = (candidate as { values?: readonly { name: string; value: bigint }[] }).values?.find((v) => essentialName(v.name) === essentialName(enumerator));
      value = found ? (kind === 'enumval_exists' ? 1n : found.value) : `${describeType(target, candidate.id)} has no enumerator ${essentialName(enumerator)}`;
    }
    if (typeof value === 'string') misses.push(value);
    else outcomes.push({ id: candidate.id, value, ...(fieldSize !== undefined ? { fieldSize } : {}) });
  }
  if (outcomes.length === 0) {
    const reason = candidates.length === 0
      ? `the target has no ${localType.kind} named ${name}`
      : `no candidate fits: ${misses.join('; ')}`;
    return ZERO_WHEN_MISSING.has(kind) ? { relocation, access, value: 0n, reason } : { relocation, access, reason };
  }
  const distinct = new Set(outcomes.map((o) => o.value));
  if (distinct.size > 1) {
    throw new ObjectError('CORE_RELOCATION', `${kind} of ${access} is ambiguous: ${outcomes.map((o) => `${describeType(target, o.id)} gives ${o.value}`).join(', ')}`, {});
  }
  const chosen = outcomes[0]!;
  return {
    relocation, access, value: chosen.value, target: { id: chosen.id, name: target.type(chosen.id).name },
    ...(chosen.fieldSize !== undefined ? { targetFieldSize: chosen.fieldSize } : {}),
  };
}

const POISON = (): Instruction => make(0x85, 0, 0, 0, CORE_POISON_HELPER);

const SIZE_OF: Record<number, number> = { [Size.B]: 1, [Size.H]: 2, [Size.W]: 4, [Size.DW]: 8 };
const SIZE_CODE: Record<number, number> = { 1: Size.B, 2: Size.H, 4: Size.W, 8: Size.DW };

/**
 * Applies a program's CO-RE relocations against a target BTF.
 * @returns the patched instructions and what each relocation came to.
 * @throws ObjectError CORE_RELOCATION for an ambiguous match or an instruction the relocation cannot patch,
 *   naming the program, the instruction, the kind, the access and the types compared.
 */
export function applyCoreRelocations(program: ProgramSpec, local: Btf, target: Btf): { instructions: Instruction[]; results: CoreResult[] } {
  const instructions = [...program.instructions];
  const results: CoreResult[] = [];
  for (const relocation of program.coreRelocations) {
    const where = { program: program.name, section: program.section, instruction: relocation.index };
    let result: CoreResult;
    try {
      result = resolveCoreRelocation(local, relocation, target);
    } catch (e) {
      if (e instanceof ObjectError) throw new ObjectError('CORE_RELOCATION', e.reason, where);
      throw new ObjectError('CORE_RELOCATION', `${relocation.kind} (access ${relocation.accessString}): ${(e as Error).message}`, where);
    }
    results.push(result);
    const insn = instructions[relocation.index];
    if (!insn) throw new ObjectError('CORE_RELOCATION', `${relocation.kind} points past the program's end`, where);
    if (result.value === undefined) {
      instructions[relocation.index] = POISON();
      if (insn.op.kind === 'lddw') instructions[relocation.index + 1] = POISON();
      continue;
    }
    const patched = patch(insn, result, local, relocation);
    if (typeof patched === 'string') {
      throw new ObjectError('CORE_RELOCATION', `${relocation.kind} of ${result.access} = ${result.value}: ${patched}`, where);
    }
    instructions[relocation.index] = patched[0];
    if (patched[1]) instructions[relocation.index + 1] = patched[1];
  }
  return { instructions, results };
}

function patch(insn: Instruction, result: CoreResult, local: Btf, relocation: ProgramCoreRelocation): [Instruction, Instruction?] | string {
  const value = result.value!;
  const cls = insn.opcode & 0x07;
  if (insn.op.kind === 'lddw') return makeLddw(insn.dst, value, insn.src);
  if (insn.op.kind === 'alu' && insn.op.operand === 'imm') {
    if (value > 0x7fffffffn || value < -0x80000000n) return 'does not fit a 32-bit immediate';
    return [make(insn.opcode, insn.dst, insn.src, insn.offset, Number(value))];
  }
  if (cls === Class.LDX || cls === Class.ST || cls === Class.STX) {
    if (relocation.kind !== 'field_byte_offset') return `a memory instruction takes only field_byte_offset, not ${relocation.kind}`;
    if (value > 0x7fffn) return 'an offset beyond 32767 does not fit the instruction';
    let opcode = insn.opcode;
    // The target's field may be wider or narrower (u32 vs u64): libbpf resizes plain loads and stores to it.
    if (result.target && (insn.opcode & 0xe0) === Mode.MEM) {
      const localSize = fieldByteSize(local, relocation);
      const accessSize = SIZE_OF[insn.opcode & 0x18]!;
      const targetField = result.targetFieldSize;
      if (targetField !== undefined && localSize === accessSize && targetField !== accessSize) {
        const code = SIZE_CODE[targetField];
        if (code === undefined) return `the target field is ${targetField} bytes, which no load can read`;
        opcode = (insn.opcode & ~0x18) | code;
      }
    }
    return [make(opcode, insn.dst, insn.src, Number(value), insn.imm)];
  }
  return `cannot patch opcode 0x${insn.opcode.toString(16)}`;
}

function fieldByteSize(local: Btf, relocation: ProgramCoreRelocation): number | undefined {
  try {
    const a = resolveLocalAccess(local, relocation);
    return local.sizeof(a.type);
  } catch {
    return undefined;
  }
}
