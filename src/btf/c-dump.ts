/**
 * BTF dumped as a C header, in the manner of libbpf's btf_dump: types in
 * dependency order, structs and unions forward-declared when they are used
 * before their definition (through pointers), anonymous nested types inline,
 * explicit padding and `packed` where the recorded layout needs them, and
 * `___N` suffixes when distinct types share a name.
 */
import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import type { BtfType, CompositeType, EnumType, RefType } from './types.js';

/** Options of `dumpC`. */
export interface DumpCOptions {
  /** Include guard name; bpftool uses `__VMLINUX_H__`. Default `__VMLINUX_H__`. */
  readonly guard?: string;
  /** Wrap records in `preserve_access_index` like bpftool's vmlinux.h (default true). */
  readonly preserveAccessIndex?: boolean;
}

const enum State { Unvisited, Visiting, Ordered }

/**
 * Renders all types of a BTF as a C header that clang accepts.
 *
 * @example
 * writeFileSync('vmlinux.h', dumpC(parseBtf(readFileSync('/sys/kernel/btf/vmlinux'))));
 */
export function dumpC(btf: Btf, options: DumpCOptions = {}): string {
  return new CDumper(btf).dump(options);
}

class CDumper {
  private readonly state: State[];
  private readonly order: number[] = [];
  private readonly referenced: Uint8Array;
  private readonly names = new Map<number, string>();
  private readonly enumeratorNames = new Map<string, string>();
  /** Tag names (struct/union) already declared or defined in the output. */
  private readonly declared = new Set<string>();
  /** Declarations a definition needs before it: forward declarations and early typedefs. */
  private pendingLines: string[] = [];
  private nesting = 0;
  /** Lines left to write: forged BTF can nest anonymous records so the text grows exponentially. */
  private budget: number;
  private readonly emittedTypedefs = new Set<number>();

  constructor(private readonly btf: Btf) {
    this.state = new Array<State>(btf.count).fill(State.Unvisited);
    this.referenced = new Uint8Array(btf.count);
    let components = 0;
    for (const t of btf.types) components += 'members' in t ? t.members.length : 'values' in t ? t.values.length : 'params' in t ? t.params.length : 1;
    this.budget = 4 * components + 1_000_000;
    this.markReferenced();
    this.assignNames();
  }

  dump(options: DumpCOptions): string {
    const guard = options.guard ?? '__VMLINUX_H__';
    const preserve = options.preserveAccessIndex ?? true;
    for (let id = 1; id < this.btf.count; id++) this.orderType(id, false, 0);
    const out: string[] = [`#ifndef ${guard}`, `#define ${guard}`, ''];
    if (preserve) {
      out.push('#ifndef BPF_NO_PRESERVE_ACCESS_INDEX', '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)', '#endif', '');
    }
    for (const id of this.order) {
      const text = this.emitTopLevel(id);
      if (this.pendingLines.length) {
        out.push(...this.pendingLines, '');
        this.pendingLines = [];
      }
      if (text) out.push(text, '');
    }
    if (preserve) out.push('#ifndef BPF_NO_PRESERVE_ACCESS_INDEX', '#pragma clang attribute pop', '#endif', '');
    out.push(`#endif /* ${guard} */`, '');
    return out.join('\n');
  }

  private markReferenced(): void {
    const mark = (id: number) => (this.referenced[id] = 1);
    for (const t of this.btf.types) {
      switch (t.kind) {
        case 'ptr': case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag':
        case 'array':
          mark(t.type);
          break;
        case 'struct': case 'union':
          for (const m of t.members) mark(m.type);
          break;
        case 'func_proto':
          mark(t.returnType);
          for (const p of t.params) mark(p.type);
          break;
        default:
          break;
      }
    }
  }

  private assignNames(): void {
    const tags = new Map<string, number>();
    const ordinary = new Map<string, number>();
    const next = (space: Map<string, number>, name: string) => {
      const n = (space.get(name) ?? 0) + 1;
      space.set(name, n);
      return n === 1 ? name : `${name}___${n}`;
    };
    for (const t of this.btf.types) {
      if (!t.name) continue;
      switch (t.kind) {
        case 'struct': case 'union': case 'enum': case 'enum64':
          this.names.set(t.id, next(tags, t.name));
          break;
        case 'typedef':
          this.names.set(t.id, next(ordinary, t.name));
          break;
        case 'fwd':
          this.names.set(t.id, t.name);
          break;
        default:
          break;
      }
    }
    // Enumerators live in the ordinary namespace; a repeated one gets a suffix.
    for (const t of this.btf.types) {
      if (t.kind !== 'enum' && t.kind !== 'enum64') continue;
      for (const v of t.values) {
        if (!this.enumeratorNames.has(`${t.id}:${v.name}`)) this.enumeratorNames.set(`${t.id}:${v.name}`, next(ordinary, v.name));
      }
    }
  }

  private nameOf(t: BtfType): string {
    return this.names.get(t.id) ?? t.name;
  }

  /** Puts `id` and what it needs fully defined before it into `order`. */
  private orderType(id: number, throughPointer: boolean, depth: number): void {
    if (depth > 4096) throw new BtfError('TYPE_LOOP', 'type graph too deep to order', { typeId: id });
    const t = this.btf.type(id);
    switch (t.kind) {
      case 'void': case 'int': case 'float': case 'func': case 'var': case 'datasec': case 'decl_tag':
        return;
      case 'ptr':
        return this.orderType(t.type, true, depth + 1);
      case 'array':
        return this.orderType(t.type, throughPointer, depth + 1);
      case 'volatile': case 'const': case 'restrict': case 'type_tag':
        return this.orderType(t.type, throughPointer, depth + 1);
      case 'func_proto':
        this.orderType(t.returnType, throughPointer, depth + 1);
        for (const p of t.params) this.orderType(p.type, throughPointer, depth + 1);
        return;
      case 'struct': case 'union': {
        // A named record used through a pointer only needs a declaration, which emission adds.
        if (t.name && throughPointer) return;
        if (this.state[id] !== State.Unvisited) return;
        this.state[id] = State.Visiting;
        for (const m of t.members) this.orderType(m.type, false, depth + 1);
        if (t.name) this.order.push(id);
        this.state[id] = State.Ordered;
        return;
      }
      case 'enum': case 'enum64':
        if (this.state[id] !== State.Unvisited) return;
        this.state[id] = State.Ordered;
        // Anonymous enums used by a member or typedef are written inline there.
        if (t.name || !this.referenced[id]) this.order.push(id);
        return;
      case 'fwd':
        if (this.state[id] !== State.Unvisited) return;
        this.state[id] = State.Ordered;
        this.order.push(id);
        return;
      case 'typedef':
        if (this.state[id] !== State.Unvisited) return;
        this.state[id] = State.Visiting;
        this.orderType(t.type, throughPointer, depth + 1);
        this.order.push(id);
        this.state[id] = State.Ordered;
        return;
    }
  }

  private emitTopLevel(id: number): string {
    const t = this.btf.type(id);
    switch (t.kind) {
      case 'struct': case 'union': {
        // Declared from here on, so a self-reference inside needs no forward declaration.
        this.declared.add(`${t.kind} ${this.nameOf(t)}`);
        return `${this.compositeDefinition(t, 0)};`;
      }
      case 'enum': case 'enum64':
        return `${this.enumDefinition(t, 0)};`;
      case 'fwd': {
        const key = `${t.fwdKind} ${this.nameOf(t)}`;
        if (this.declared.has(key)) return '';
        this.declared.add(key);
        return `${key};`;
      }
      case 'typedef':
        return this.typedefDefinition(t);
      default:
        return '';
    }
  }

  private typedefDefinition(t: RefType): string {
    if (this.emittedTypedefs.has(t.id)) return '';
    this.emittedTypedefs.add(t.id);
    // The compiler defines this one itself; redefining it is an error.
    if (t.name === '__builtin_va_list') return '';
    return `typedef ${this.declaration(t.type, this.nameOf(t), 0)};`;
  }

  private spend(lines: number): void {
    this.budget -= lines;
    if (this.budget < 0) throw new BtfError('TOO_LARGE', 'the C text would be far larger than the BTF (nested anonymous types or huge padding)');
  }

  private indent(level: number): string {
    return '\t'.repeat(level);
  }

  private compositeDefinition(t: CompositeType, level: number): string {
    const packed = t.kind === 'struct' && this.isPacked(t);
    const lines: string[] = [];
    let offset = 0;
    let previousBitfield = false;
    for (const m of t.members) {
      const align = packed ? 1 : this.safeAlign(m.type);
      const inBitfield = previousBitfield && m.bitfieldSize !== 0;
      this.spend(1);
      if (t.kind === 'struct') this.padding(lines, offset, m.bitOffset, align, inBitfield, level + 1);
      let decl = `${this.indent(level + 1)}${this.declaration(m.type, m.name, level + 1)}`;
      if (m.bitfieldSize) {
        decl += `: ${m.bitfieldSize}`;
        offset = m.bitOffset + m.bitfieldSize;
        previousBitfield = true;
      } else {
        offset = m.bitOffset + this.safeSize(m.type) * 8;
        previousBitfield = false;
      }
      lines.push(`${decl};`);
    }
    if (t.kind === 'struct') this.padding(lines, offset, t.size * 8, this.safeAlign(t.id), false, level + 1);
    const head = t.name ? `${t.kind} ${this.nameOf(t)}` : t.kind;
    const body = lines.length ? `{\n${lines.join('\n')}\n${this.indent(level)}}` : '{}';
    return `${head} ${body}${packed ? ' __attribute__((packed))' : ''}`;
  }

  private isPacked(t: CompositeType): boolean {
    const align = this.safeAlign(t.id);
    if (align > 1) return false;
    // Alignment 1 is natural when every member is byte-aligned and 1-aligned.
    return t.members.some((m) => m.bitfieldSize === 0 && this.safeAlign(m.type) > 1) || this.naturalAlign(t) > 1;
  }

  private naturalAlign(t: CompositeType): number {
    let max = 1;
    for (const m of t.members) max = Math.max(max, this.safeAlign(m.type));
    return max;
  }

  private safeAlign(id: number): number {
    try {
      return this.btf.alignof(id);
    } catch {
      return 1;
    }
  }

  private safeSize(id: number): number {
    try {
      return this.btf.sizeof(id);
    } catch {
      return 0;
    }
  }

  /** Explicit padding so the compiler places the next member at the recorded offset (libbpf's algorithm). */
  private padding(lines: string[], current: number, next: number, nextAlign: number, inBitfield: boolean, level: number): void {
    if (current >= next) return;
    const pads: Array<[string, number]> = [['long', 64], ['int', 32], ['short', 16], ['char', 8]];
    let padBits = 8;
    let padType = 'char';
    let aligned = current;
    for (const [name, bits] of pads) {
      padBits = bits;
      padType = name;
      aligned = Math.ceil(current / bits) * bits;
      if (aligned <= next) break;
    }
    if (aligned > current && aligned <= next) {
      const roundedToNext = Math.ceil(current / (nextAlign * 8)) * nextAlign * 8;
      if (inBitfield || (aligned === next && roundedToNext !== aligned) || (aligned !== next && next - aligned <= aligned - current)) {
        lines.push(`${this.indent(level)}${padType}: ${inBitfield ? aligned - current : 0};`);
      }
      current = aligned;
    }
    while (current !== next) {
      this.spend(1);
      const bits = Math.min(next - current, padBits);
      if (bits === padBits) {
        lines.push(`${this.indent(level)}${padType}: ${padBits};`);
        current += bits;
        continue;
      }
      for (let i = pads.length - 1; i >= 0; i--) {
        const [name, size] = pads[i]!;
        if (size < bits) continue;
        lines.push(`${this.indent(level)}${name}: ${bits};`);
        current += bits;
        break;
      }
    }
  }

  private enumDefinition(t: EnumType, level: number): string {
    const head = t.name ? `enum ${this.nameOf(t)}` : 'enum';
    this.spend(t.values.length);
    const values = t.values.map((v) => `${this.indent(level + 1)}${this.enumeratorNames.get(`${t.id}:${v.name}`) ?? v.name} = ${this.literal(v.value)},`);
    const body = values.length ? ` {\n${values.join('\n')}\n${this.indent(level)}}` : '';
    return `${head}${body}${this.enumMode(t)}`;
  }

  /** Enumerator values outside int need a suffix so the literal itself has a type that holds them. */
  private literal(value: bigint): string {
    if (value > 0x7fffffffffffffffn) return `${value}ULL`;
    if (value > 0xffffffffn || value < -0x80000000n) return `${value}LL`;
    return `${value}`;
  }

  /** Forces the recorded size of an enum whose values alone would give another size. */
  private enumMode(t: EnumType): string {
    const fitsInt = t.values.every((v) => v.value >= -0x80000000n && v.value <= 0xffffffffn);
    switch (t.size) {
      case 1: return ' __attribute__((mode(byte)))';
      case 2: return ' __attribute__((mode(HI)))';
      case 8: return fitsInt ? ' __attribute__((mode(word)))' : '';
      default: return '';
    }
  }

  /** A reference to a named record: declare it first when it is not yet known. */
  private recordReference(keyword: 'struct' | 'union', name: string): string {
    const key = `${keyword} ${name}`;
    if (!this.declared.has(key)) {
      this.declared.add(key);
      this.pendingLines.push(`${key};`);
    }
    return key;
  }

  /** The C declaration of `inner` (a declarator, possibly empty) with type `id`. */
  private declaration(id: number, inner: string, level: number, depth = 0): string {
    // Nesting counts across inline definitions too, so a record that contains itself cannot recurse forever.
    if (++this.nesting > 512) throw new BtfError('TYPE_LOOP', 'declaration nests too deeply (a type contains itself?)', { typeId: id });
    try {
      return this.declarationOf(id, inner, level, depth);
    } finally {
      this.nesting--;
    }
  }

  private declarationOf(id: number, inner: string, level: number, depth: number): string {
    const t = this.btf.type(id);
    const join = (base: string) => (inner ? `${base} ${inner}` : base);
    const wrap = () => (inner.startsWith('*') || inner.startsWith('__attribute__') ? `(${inner})` : inner);
    switch (t.kind) {
      case 'void':
        return join('void');
      case 'int': case 'float':
        return join(t.name);
      case 'struct': case 'union':
        return join(t.name ? this.recordReference(t.kind, this.nameOf(t)) : this.compositeDefinition(t, level));
      case 'enum': case 'enum64':
        return join(t.name ? `enum ${this.nameOf(t)}` : this.enumDefinition(t, level));
      case 'fwd':
        return join(this.recordReference(t.fwdKind, this.nameOf(t)));
      case 'typedef':
        // A typedef used before its turn (a pointer cycle through it) is defined right before the user.
        if (!this.emittedTypedefs.has(t.id)) {
          const text = this.typedefDefinition(t);
          if (text) this.pendingLines.push(text);
        }
        return join(this.nameOf(t));
      case 'ptr':
        return this.declaration(t.type, `*${inner}`, level, depth + 1);
      case 'const': case 'volatile': case 'restrict': {
        const underlying = this.skipQualifiers(t.type);
        if (underlying.kind === 'ptr') return this.declaration(t.type, inner ? `${t.kind} ${inner}` : t.kind, level, depth + 1);
        // Qualifiers over arrays apply to the elements, which is where C puts them; once is enough.
        if (underlying.kind === 'array' && this.elementQualified(underlying.type, t.kind)) return this.declaration(t.type, inner, level, depth + 1);
        return `${t.kind} ${this.declaration(t.type, inner, level, depth + 1)}`;
      }
      case 'type_tag':
        return this.declaration(t.type, `__attribute__((btf_type_tag("${t.name}")))${inner ? ` ${inner}` : ''}`, level, depth + 1);
      case 'array':
        return this.declaration(t.type, `${wrap()}[${t.nelems}]`, level, depth + 1);
      case 'func_proto': {
        this.spend(t.params.length);
        const params = t.params.map((p) => this.declaration(p.type, p.name, level, depth + 1));
        if (t.variadic) params.push('...');
        return this.declaration(t.returnType, `${wrap()}(${params.length ? params.join(', ') : 'void'})`, level, depth + 1);
      }
      default:
        throw new BtfError('BAD_KIND', `a ${t.kind} cannot be used as a C type`, { typeId: id });
    }
  }

  private elementQualified(id: number, qualifier: string): boolean {
    let t = this.btf.type(id);
    for (let n = 0; n < 64; n++) {
      if (t.kind === qualifier) return true;
      if (t.kind !== 'array' && t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict' && t.kind !== 'type_tag') return false;
      t = this.btf.type(t.type);
    }
    return false;
  }

  private skipQualifiers(id: number): BtfType {
    let t = this.btf.type(id);
    for (let n = 0; n < 64 && (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag'); n++) t = this.btf.type(t.type);
    return t;
  }
}
