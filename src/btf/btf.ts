/**
 * A BTF blob parsed into typed records: header, type section and string
 * section, with name lookup and size/alignment resolution. Split BTF (module
 * BTF over a base such as vmlinux) continues the base's type ids and strings.
 */
import { BtfError, type BtfLocation } from './errors.js';
import {
  BtfKind,
  LINKAGES,
  TRANSPARENT_KINDS,
  type BtfType,
  type EnumValue,
  type Linkage,
  type Member,
  type Param,
  type VarSecinfo,
} from './types.js';

export const BTF_MAGIC = 0xeb9f;
const HEADER_SIZE = 24;
const TYPE_HEADER_SIZE = 12;
/** The size of a pointer on the BPF target. */
export const POINTER_SIZE = 8;
/** How many qualifiers/typedefs a chain may hold before we call it a loop. */
const MAX_CHAIN = 64;

/** Options of `parseBtf`. */
export interface ParseBtfOptions {
  /** The base BTF when parsing split BTF (e.g. a module's BTF over vmlinux). */
  readonly base?: Btf;
}

/**
 * Parsed BTF.
 *
 * @example
 * const btf = parseBtf(readFileSync('/sys/kernel/btf/vmlinux'));
 * const task = btf.named('task_struct', 'struct');
 */
export class Btf {
  /** All types, indexed by id; `types[0]` is void. Includes the base's types for split BTF. */
  readonly types: readonly BtfType[];
  private nameIndex?: Map<string, number[]>;
  private readonly alignments = new Map<number, number>();

  constructor(
    types: BtfType[],
    private readonly strings: StringTable,
    readonly littleEndian: boolean,
    readonly base?: Btf,
  ) {
    this.types = types;
  }

  /** Number of type ids, void included. */
  get count(): number {
    return this.types.length;
  }

  /**
   * The type with this id.
   * @throws BtfError BAD_TYPE_ID
   */
  type(id: number): BtfType {
    const t = this.types[id];
    if (!t) throw new BtfError('BAD_TYPE_ID', `type id ${id} is out of range (0..${this.types.length - 1})`, { typeId: id });
    return t;
  }

  /** A string of the string section (offsets of split BTF continue the base's). */
  string(offset: number): string {
    return this.strings.get(offset, {});
  }

  /** Every type with this name (optionally of one kind), in id order. */
  all(name: string, kind?: BtfType['kind']): BtfType[] {
    if (!this.nameIndex) {
      this.nameIndex = new Map();
      for (const t of this.types) {
        if (!t.name) continue;
        const list = this.nameIndex.get(t.name);
        if (list) list.push(t.id);
        else this.nameIndex.set(t.name, [t.id]);
      }
    }
    const ids = this.nameIndex.get(name) ?? [];
    return ids.map((id) => this.types[id]!).filter((t) => kind === undefined || t.kind === kind);
  }

  /** The first type with this name (and kind), or undefined. */
  named<K extends BtfType['kind']>(name: string, kind?: K): (BtfType & { kind: K }) | undefined {
    return this.all(name, kind)[0] as (BtfType & { kind: K }) | undefined;
  }

  /**
   * Follows typedefs, qualifiers and type tags to the underlying type.
   * @throws BtfError TYPE_LOOP, BAD_TYPE_ID
   */
  resolve(id: number): BtfType {
    let t = this.type(id);
    for (let n = 0; TRANSPARENT_KINDS.has(t.kind); n++) {
      if (n > MAX_CHAIN) throw new BtfError('TYPE_LOOP', 'typedef/qualifier chain does not end', { typeId: id });
      t = this.type((t as { type: number }).type);
    }
    return t;
  }

  /**
   * The size in bytes of a type, through typedefs, qualifiers and arrays.
   * @throws BtfError NO_SIZE for void, functions and forward declarations.
   */
  sizeof(id: number): number {
    let t = this.type(id);
    let multiplier = 1;
    for (let n = 0; ; n++) {
      if (n > MAX_CHAIN) throw new BtfError('TYPE_LOOP', 'type chain does not end', { typeId: id });
      switch (t.kind) {
        case 'int':
        case 'float':
        case 'struct':
        case 'union':
        case 'enum':
        case 'enum64':
        case 'datasec':
          return multiplier * t.size;
        case 'ptr':
          return multiplier * POINTER_SIZE;
        case 'array':
          multiplier *= t.nelems;
          t = this.type(t.type);
          continue;
        case 'typedef':
        case 'volatile':
        case 'const':
        case 'restrict':
        case 'type_tag':
        case 'var':
          t = this.type(t.type);
          continue;
        default:
          throw new BtfError('NO_SIZE', `a ${t.kind} has no size`, { typeId: id });
      }
    }
  }

  /**
   * The natural alignment of a type in bytes, as the compiler laid it out:
   * 1 for a struct whose member offsets show it was packed.
   * @throws BtfError NO_SIZE for types without a size.
   */
  alignof(id: number, depth = 0): number {
    if (depth > MAX_CHAIN) throw new BtfError('TYPE_LOOP', 'type chain does not end', { typeId: id });
    // Memoised: records sharing member types would otherwise cost exponential time.
    const known = this.alignments.get(id);
    if (known !== undefined) return known;
    const align = this.computeAlign(id, depth);
    this.alignments.set(id, align);
    return align;
  }

  private computeAlign(id: number, depth: number): number {
    const t = this.resolve(id);
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'enum':
      case 'enum64':
        return Math.max(1, Math.min(t.size, POINTER_SIZE));
      case 'ptr':
        return POINTER_SIZE;
      case 'array':
        return this.alignof(t.type, depth + 1);
      case 'struct':
      case 'union': {
        let max = 1;
        for (const m of t.members) {
          const align = this.alignof(m.type, depth + 1);
          max = Math.max(max, align);
          if (m.bitfieldSize === 0 && m.bitOffset % (8 * align) !== 0) return 1;
        }
        return t.size % max === 0 ? max : 1;
      }
      default:
        throw new BtfError('NO_SIZE', `a ${t.kind} has no alignment`, { typeId: id });
    }
  }

  /**
   * The byte offset of a member (by name, searching anonymous nested members too).
   * @throws BtfError NOT_FOUND
   */
  memberOffset(id: number, name: string): { bitOffset: number; member: Member } {
    const found = this.findMember(id, name, 0, 0);
    if (!found) throw new BtfError('NOT_FOUND', `no member ${name}`, { typeId: id });
    return found;
  }

  private findMember(id: number, name: string, base: number, depth: number): { bitOffset: number; member: Member } | undefined {
    if (depth > MAX_CHAIN) return undefined;
    const t = this.resolve(id);
    if (t.kind !== 'struct' && t.kind !== 'union') return undefined;
    for (const m of t.members) {
      if (m.name === name) return { bitOffset: base + m.bitOffset, member: m };
      if (!m.name) {
        const inner = this.findMember(m.type, name, base + m.bitOffset, depth + 1);
        if (inner) return inner;
      }
    }
    return undefined;
  }
}

/** The string section, decoded lazily, continuing a base's offsets for split BTF. */
export class StringTable {
  private readonly cache = new Map<number, string>();
  private static readonly decoder = new TextDecoder('utf-8');
  constructor(
    private readonly bytes: Uint8Array,
    private readonly start: number,
    private readonly base?: StringTable,
    private readonly fileOffset = 0,
  ) {}

  get length(): number {
    return this.start + this.bytes.length;
  }

  /** @throws BtfError BAD_STRING */
  get(offset: number, where: BtfLocation): string {
    if (offset < this.start) {
      if (this.base) return this.base.get(offset, where);
      throw new BtfError('BAD_STRING', `string offset ${offset} is outside the string section`, where);
    }
    const cached = this.cache.get(offset);
    if (cached !== undefined) return cached;
    const local = offset - this.start;
    if (local >= this.bytes.length) {
      throw new BtfError('BAD_STRING', `string offset ${offset} is past the string section of ${this.length} bytes`, where);
    }
    const end = this.bytes.indexOf(0, local);
    if (end < 0) throw new BtfError('BAD_STRING', `string at offset ${offset} is not NUL-terminated`, { ...where, offset: this.fileOffset + local });
    const s = StringTable.decoder.decode(this.bytes.subarray(local, end));
    this.cache.set(offset, s);
    return s;
  }
}

/** Reads the byte order from a BTF (or .BTF.ext) magic, which is 0xeB9F in the file's order. */
export function byteOrder(bytes: Uint8Array): boolean {
  if (bytes.length < 2) throw new BtfError('TRUNCATED', `${bytes.length} bytes cannot hold a BTF magic`, { offset: 0 });
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint16(0, true) === BTF_MAGIC) return true;
  if (v.getUint16(0, false) === BTF_MAGIC) return false;
  throw new BtfError('BAD_MAGIC', `bad magic 0x${v.getUint16(0, true).toString(16)}, expected 0xeb9f`, { offset: 0 });
}

/**
 * Parses a BTF blob (the contents of /sys/kernel/btf/* or an object's `.BTF` section).
 *
 * @throws BtfError on malformed data; never allocates more than the input justifies.
 * @example
 * const btf = parseBtf(elf.section('.BTF')!.data);
 */
export function parseBtf(bytes: Uint8Array, options: ParseBtfOptions = {}): Btf {
  const le = byteOrder(bytes);
  if (bytes.length < HEADER_SIZE) throw new BtfError('TRUNCATED', `${bytes.length} bytes cannot hold a BTF header`, { offset: 0 });
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint8(2);
  if (version !== 1) throw new BtfError('BAD_VERSION', `BTF version ${version}, expected 1`, { offset: 2 });
  const headerLength = v.getUint32(4, le);
  if (headerLength < HEADER_SIZE || headerLength > bytes.length) {
    throw new BtfError('BAD_HEADER', `header length ${headerLength} is not within ${HEADER_SIZE}..${bytes.length}`, { offset: 4 });
  }
  const section = (field: number, name: string) => {
    const off = v.getUint32(field, le);
    const len = v.getUint32(field + 4, le);
    const start = headerLength + off;
    if (start + len > bytes.length) {
      throw new BtfError('SECTION_OUT_OF_RANGE', `${name} section (${off}+${len}) runs past the end of ${bytes.length} bytes`, { offset: field });
    }
    return { start, end: start + len };
  };
  const typeSection = section(8, 'type');
  const stringSection = section(16, 'string');
  const base = options.base;
  const stringBytes = bytes.subarray(stringSection.start, stringSection.end);
  if (!base && stringBytes.length > 0 && stringBytes[0] !== 0) {
    throw new BtfError('BAD_STRING', 'string section does not start with an empty string', { offset: stringSection.start });
  }
  const strings = new StringTable(stringBytes, base ? base['strings'].length : 0, base?.['strings'], stringSection.start);
  const types: BtfType[] = base ? [...base.types] : [{ kind: 'void', id: 0, name: '' }];
  let at = typeSection.start;
  const end = typeSection.end;
  while (at < end) {
    const id = types.length;
    const where = { offset: at, typeId: id };
    if (at + TYPE_HEADER_SIZE > end) throw new BtfError('TRUNCATED', 'type header runs past the type section', where);
    const nameOff = v.getUint32(at, le);
    const info = v.getUint32(at + 4, le);
    const sizeOrType = v.getUint32(at + 8, le);
    const vlen = info & 0xffff;
    const kind = (info >>> 24) & 0x1f;
    const kindFlag = info >>> 31 === 1;
    const name = strings.get(nameOff, where);
    at += TYPE_HEADER_SIZE;
    // Every record size is checked against the section before any loop runs over vlen.
    const need = (bytesNeeded: number) => {
      if (at + bytesNeeded > end) {
        throw new BtfError('TRUNCATED', `kind ${kind} needs ${bytesNeeded} more bytes, the type section has ${end - at}`, where);
      }
    };
    const linkage = (value: number): Linkage => {
      const l = LINKAGES[value];
      if (!l) throw new BtfError('BAD_KIND', `unknown linkage ${value}`, where);
      return l;
    };
    let t: BtfType;
    switch (kind) {
      case BtfKind.INT: {
        need(4);
        const data = v.getUint32(at, le);
        at += 4;
        const encoding = (data >>> 24) & 0xf;
        t = { kind: 'int', id, name, size: sizeOrType, signed: (encoding & 1) !== 0, char: (encoding & 2) !== 0, bool: (encoding & 4) !== 0, offset: (data >>> 16) & 0xff, bits: data & 0xff };
        break;
      }
      case BtfKind.PTR:
        t = { kind: 'ptr', id, name, type: sizeOrType };
        break;
      case BtfKind.ARRAY:
        need(12);
        t = { kind: 'array', id, name, type: v.getUint32(at, le), indexType: v.getUint32(at + 4, le), nelems: v.getUint32(at + 8, le) };
        at += 12;
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        need(vlen * 12);
        const members: Member[] = [];
        for (let i = 0; i < vlen; i++, at += 12) {
          const offset = v.getUint32(at + 8, le);
          members.push({
            name: strings.get(v.getUint32(at, le), where),
            type: v.getUint32(at + 4, le),
            bitOffset: kindFlag ? offset & 0xffffff : offset,
            bitfieldSize: kindFlag ? offset >>> 24 : 0,
          });
        }
        t = { kind: kind === BtfKind.STRUCT ? 'struct' : 'union', id, name, size: sizeOrType, members };
        break;
      }
      case BtfKind.ENUM: {
        need(vlen * 8);
        const values: EnumValue[] = [];
        for (let i = 0; i < vlen; i++, at += 8) {
          const raw = kindFlag ? BigInt(v.getInt32(at + 4, le)) : BigInt(v.getUint32(at + 4, le));
          values.push({ name: strings.get(v.getUint32(at, le), where), value: raw });
        }
        t = { kind: 'enum', id, name, size: sizeOrType, signed: kindFlag, values };
        break;
      }
      case BtfKind.ENUM64: {
        need(vlen * 12);
        const values: EnumValue[] = [];
        for (let i = 0; i < vlen; i++, at += 12) {
          const raw = (BigInt(v.getUint32(at + 8, le)) << 32n) | BigInt(v.getUint32(at + 4, le));
          values.push({ name: strings.get(v.getUint32(at, le), where), value: kindFlag ? BigInt.asIntN(64, raw) : raw });
        }
        t = { kind: 'enum64', id, name, size: sizeOrType, signed: kindFlag, values };
        break;
      }
      case BtfKind.FWD:
        t = { kind: 'fwd', id, name, fwdKind: kindFlag ? 'union' : 'struct' };
        break;
      case BtfKind.TYPEDEF:
        t = { kind: 'typedef', id, name, type: sizeOrType };
        break;
      case BtfKind.VOLATILE:
        t = { kind: 'volatile', id, name, type: sizeOrType };
        break;
      case BtfKind.CONST:
        t = { kind: 'const', id, name, type: sizeOrType };
        break;
      case BtfKind.RESTRICT:
        t = { kind: 'restrict', id, name, type: sizeOrType };
        break;
      case BtfKind.TYPE_TAG:
        t = { kind: 'type_tag', id, name, type: sizeOrType };
        break;
      case BtfKind.FUNC:
        t = { kind: 'func', id, name, type: sizeOrType, linkage: linkage(vlen) };
        break;
      case BtfKind.FUNC_PROTO: {
        need(vlen * 8);
        const params: Param[] = [];
        let variadic = false;
        for (let i = 0; i < vlen; i++, at += 8) {
          const p = { name: strings.get(v.getUint32(at, le), where), type: v.getUint32(at + 4, le) };
          if (i === vlen - 1 && p.type === 0 && p.name === '') variadic = true;
          else params.push(p);
        }
        t = { kind: 'func_proto', id, name, returnType: sizeOrType, params, variadic };
        break;
      }
      case BtfKind.VAR:
        need(4);
        t = { kind: 'var', id, name, type: sizeOrType, linkage: linkage(v.getUint32(at, le)) };
        at += 4;
        break;
      case BtfKind.DATASEC: {
        need(vlen * 12);
        const vars: VarSecinfo[] = [];
        for (let i = 0; i < vlen; i++, at += 12) {
          vars.push({ type: v.getUint32(at, le), offset: v.getUint32(at + 4, le), size: v.getUint32(at + 8, le) });
        }
        t = { kind: 'datasec', id, name, size: sizeOrType, vars };
        break;
      }
      case BtfKind.FLOAT:
        t = { kind: 'float', id, name, size: sizeOrType };
        break;
      case BtfKind.DECL_TAG:
        need(4);
        t = { kind: 'decl_tag', id, name, type: sizeOrType, componentIdx: v.getInt32(at, le) };
        at += 4;
        break;
      default:
        throw new BtfError('BAD_KIND', `unknown kind ${kind}`, where);
    }
    types.push(t);
  }
  validateReferences(types, base ? base.types.length : 1);
  return new Btf(types, strings, le, base);
}

/** Every type id a type refers to must exist, so later walks never index past the table. */
function validateReferences(types: BtfType[], first: number): void {
  const check = (t: BtfType, ref: number) => {
    if (ref >= types.length) {
      throw new BtfError('BAD_TYPE_ID', `refers to type ${ref}, but only ${types.length} types exist`, { typeId: t.id });
    }
  };
  for (let id = first; id < types.length; id++) {
    const t = types[id]!;
    switch (t.kind) {
      case 'ptr':
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
      case 'func':
      case 'var':
      case 'decl_tag':
        check(t, t.type);
        break;
      case 'array':
        check(t, t.type);
        check(t, t.indexType);
        break;
      case 'struct':
      case 'union':
        for (const m of t.members) check(t, m.type);
        break;
      case 'func_proto':
        check(t, t.returnType);
        for (const p of t.params) check(t, p.type);
        break;
      case 'datasec':
        for (const s of t.vars) check(t, s.type);
        break;
      default:
        break;
    }
  }
}
