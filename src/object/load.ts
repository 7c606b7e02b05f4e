/**
 * ELF object → ObjectSpec, the way libbpf reads what clang emits: programs by
 * section and function symbol, subprograms of `.text` linked in through
 * bpf-to-bpf call relocations, maps from `.maps`, the legacy `maps` section and
 * the global-data sections, externs from `.kconfig` and `.ksyms`.
 */
import { loadBtf, type Btf, type BtfExt, type DatasecType } from '../btf/index.js';
import { BpfRelocation, SectionIndex, SymbolBinding, SymbolType, SymbolVisibility, parseElf, type ElfFile, type Section, type Symbol } from '../elf/index.js';
import { CallSrc, PseudoSrc, checkJumps, decodeProgram, make, makeLddw, type Instruction } from '../isa/index.js';
import { MapFlags } from '../maps/map.js';
import { fixupBtf, type BtfLayout } from './btf-fixup.js';
import { ObjectError } from './errors.js';
import { readBtfMapDefinition, readLegacyMapDefinition } from './map-definitions.js';
import { sectionKind } from './program-types.js';
import type {
  ExternSpec, LinkedFunction, ObjectMapSpec, ObjectSpec, ProgramCoreRelocation, ProgramFuncInfo, ProgramLineInfo,
  ProgramSpec, Reference, StructOpsSpec, VariableSpec,
} from './spec.js';

const EM_BPF = 247;
const EM_NONE = 0;
const SHF_EXECINSTR = 0x4n;
const SHF_ALLOC = 0x2n;
const SHT_PROGBITS = 1;
const SHT_NOBITS = 8;

/** A function symbol of an executable section. */
interface FunctionSymbol {
  readonly name: string;
  readonly section: Section;
  /** First instruction, in slots from the section's start. */
  readonly start: number;
  readonly length: number;
  /** What the kernel sees: non-local and not hidden (libbpf marks hidden functions static in the BTF it loads). */
  readonly global: boolean;
}

/** What the reader knows about the whole file while it links programs. */
interface Context {
  readonly elf: ElfFile;
  readonly btf?: Btf;
  readonly ext?: BtfExt;
  readonly symbols: readonly Symbol[];
  /** Decoded instructions per executable section index. */
  readonly code: Map<number, Instruction[]>;
  /** Function symbols per executable section index, by start. */
  readonly functions: Map<number, FunctionSymbol[]>;
  /** Relocations per executable section index, by instruction slot. */
  readonly relocations: Map<number, Map<number, { symbol: Symbol; type: number }>>;
  readonly mapsBySymbol: Map<string, string>;
  /** Legacy map definitions by section index and offset, for relocations against the section symbol. */
  readonly legacyMapsAt: Map<number, Map<number, string>>;
  readonly dataMapsBySection: Map<number, string>;
  readonly externs: Map<string, ExternSpec>;
  readonly license: string;
}

/**
 * Reads an ELF object into an ObjectSpec.
 * @throws ObjectError, ElfError or BtfError on malformed input, each naming where.
 */
export interface LoadObjectOptions {
  /**
   * Also make each function of `.text` a program of its own (type `unspec`:
   * the caller says which), as PREVAIL and old loaders read objects that
   * predate SEC(); libbpf treats them only as subprograms.
   */
  readonly textFunctionsAsPrograms?: boolean;
  /**
   * Link each program on its own, as a raw loader does: one whose references
   * cannot be resolved is left out and listed in `unlinked` instead of
   * failing the whole object (libbpf fails the object).
   */
  readonly skipUnlinkable?: boolean;
}

export function loadObject(bytes: Uint8Array, options: LoadObjectOptions = {}): ObjectSpec {
  const elf = parseElf(bytes);
  // Old LLVM left e_machine as EM_NONE; libbpf accepts that too.
  if (elf.header.machine !== EM_BPF && elf.header.machine !== EM_NONE) {
    throw new ObjectError('NOT_BPF', `ELF machine ${elf.header.machine} is not BPF (${EM_BPF}); build with clang -target bpf`);
  }
  const { btf, ext } = readBtf(elf, bytes);
  const symbols = elf.symbols();
  const license = cString(elf.section('license')?.data) ?? '';
  const versionSection = elf.section('version');
  const kernelVersion = versionSection && versionSection.data.length >= 4
    ? new DataView(versionSection.data.buffer, versionSection.data.byteOffset, 4).getUint32(0, elf.header.littleEndian)
    : undefined;

  const maps: ObjectMapSpec[] = [];
  const mapsBySymbol = new Map<string, string>();
  const dataMapsBySection = new Map<number, string>();
  readBtfMaps(elf, btf, symbols, maps, mapsBySymbol);
  const legacyMapsAt = readLegacyMaps(elf, symbols, maps, mapsBySymbol);
  const variables = readDataMaps(elf, btf, symbols, maps, dataMapsBySection);
  const externs = readExterns(btf, symbols, maps);

  const code = new Map<number, Instruction[]>();
  const functions = new Map<number, FunctionSymbol[]>();
  for (const section of elf.sections) {
    if ((section.flags & SHF_EXECINSTR) === 0n || section.size === 0) continue;
    code.set(section.index, decodeSection(section));
    functions.set(section.index, functionsOf(section, symbols));
  }
  const relocations = new Map<number, Map<number, { symbol: Symbol; type: number }>>();
  for (const rs of elf.relocationSections()) {
    if (!code.has(rs.target.index)) continue;
    const table = elf.symbols(rs.symbolTable);
    const bySlot = new Map<number, { symbol: Symbol; type: number }>();
    for (const r of rs.entries) {
      const symbol = table[r.symbolIndex];
      if (!symbol || r.offset % 8 !== 0) {
        throw new ObjectError('BAD_RELOCATION', `relocation at byte ${r.offset} ${symbol ? 'is not on an instruction boundary' : `names symbol ${r.symbolIndex}, which does not exist`}`, { section: rs.target.name });
      }
      bySlot.set(r.offset / 8, { symbol, type: r.type });
    }
    relocations.set(rs.target.index, bySlot);
  }

  const ctx: Context = { elf, btf, ext, symbols, code, functions, relocations, mapsBySymbol, legacyMapsAt, dataMapsBySection, externs: new Map(externs.map((e) => [e.name, e])), license };
  const programs: ProgramSpec[] = [];
  const unlinked: { name: string; section: string; error: ObjectError }[] = [];
  const link = (fn: FunctionSymbol, section: string) => {
    try {
      programs.push(linkProgram(ctx, fn));
    } catch (e) {
      if (!options.skipUnlinkable || !(e instanceof ObjectError)) throw e;
      unlinked.push({ name: fn.name, section, error: e });
    }
  };
  const subprograms: ObjectSpec['subprograms'][number][] = [];
  for (const [index, list] of functions) {
    const section = elf.sections[index]!;
    for (const fn of list) {
      if (section.name === '.text') {
        subprograms.push({ name: fn.name, start: fn.start, length: fn.length, global: fn.global });
        if (options.textFunctionsAsPrograms) link(fn, section.name);
      }
      else link(fn, section.name);
    }
  }
  readInitialSlots(elf, symbols, maps, programs);
  const structOps = readStructOps(elf, btf, symbols);
  return {
    programs, maps, ...(structOps.length ? { structOps } : {}), variables, externs, license,
    ...(kernelVersion !== undefined ? { kernelVersion } : {}),
    ...(btf ? { btf, btfBytes: fixupBtf(elf.section('.BTF')!.data, btfLayout(elf, symbols, maps, externs)) } : {}),
    ...(ext ? { btfExt: ext } : {}),
    subprograms,
    ...(unlinked.length ? { unlinked } : {}),
  };
}

/**
 * The object's BTF. As libbpf does, BTF that does not parse is ignored when
 * nothing needs it (no BTF-defined maps, no externs); otherwise its error stands.
 */
function readBtf(elf: ElfFile, bytes: Uint8Array): { btf?: Btf; ext?: BtfExt } {
  if (!elf.section('.BTF')) return {};
  try {
    return loadBtf(bytes);
  } catch (e) {
    if (elf.section('.maps') || elf.section('.kconfig') || elf.section('.ksyms')) throw e;
    return {};
  }
}

/** Section sizes and variable offsets clang left for the linker, from the ELF and the kconfig layout. */
function btfLayout(elf: ElfFile, symbols: readonly Symbol[], maps: readonly ObjectMapSpec[], externs: readonly ExternSpec[]): BtfLayout {
  const sectionSizes = new Map<string, number>();
  const offsets = new Map<string, Map<string, number>>();
  for (const s of elf.sections) {
    if ((s.flags & SHF_ALLOC) === 0n && s.name !== 'license' && s.name !== 'version') continue;
    sectionSizes.set(s.name, s.size);
    const inSection = new Map<string, number>();
    for (const sym of symbols) if (sym.sectionIndex === s.index && sym.type === SymbolType.OBJECT && sym.name) inSection.set(sym.name, sym.value);
    offsets.set(s.name, inSection);
  }
  const kconfig = maps.find((m) => m.origin === 'kconfig');
  if (kconfig) {
    sectionSizes.set('.kconfig', kconfig.valueSize);
    offsets.set('.kconfig', new Map(externs.filter((e) => e.kind === 'kconfig').map((e) => [e.name, e.offset!])));
  }
  const hiddenFunctions = new Set(symbols
    .filter((s) => s.type === SymbolType.FUNC && s.binding !== SymbolBinding.LOCAL && (s.visibility === SymbolVisibility.HIDDEN || s.visibility === SymbolVisibility.INTERNAL))
    .map((s) => s.name));
  return { sectionSizes, offsets, hiddenFunctions };
}

function cString(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes) return undefined;
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end));
}

function decodeSection(section: Section): Instruction[] {
  try {
    return decodeProgram(section.data, { checkJumps: false });
  } catch (e) {
    const err = e as { index?: number; reason?: string; message: string };
    throw new ObjectError('BAD_PROGRAM', err.reason ?? err.message, { section: section.name, ...(err.index !== undefined ? { instruction: err.index } : {}) });
  }
}

function functionsOf(section: Section, symbols: readonly Symbol[]): FunctionSymbol[] {
  const list = symbols
    .filter((s) => s.sectionIndex === section.index && s.type === SymbolType.FUNC)
    .map((s) => {
      if (s.value % 8 !== 0 || s.size % 8 !== 0 || s.value + s.size > section.size) {
        throw new ObjectError('BAD_PROGRAM', `function ${s.name} (offset ${s.value}, size ${s.size}) does not lie on instructions inside the section`, { section: section.name });
      }
      return { name: s.name, section, start: s.value / 8, length: s.size / 8, global: s.binding !== SymbolBinding.LOCAL && s.visibility !== SymbolVisibility.HIDDEN };
    })
    .sort((a, b) => a.start - b.start);
  if (list.length === 0 && section.name !== '.text') {
    // An old-style object: the whole section is one program, named after it.
    list.push({ name: section.name.replace(/[^A-Za-z0-9_]/g, '_'), section, start: 0, length: section.size / 8, global: true });
  }
  return list;
}

// ---------------------------------------------------------------- maps

function readBtfMaps(elf: ElfFile, btf: Btf | undefined, symbols: readonly Symbol[], maps: ObjectMapSpec[], bySymbol: Map<string, string>): void {
  const section = elf.section('.maps');
  if (!section) return;
  if (!btf) throw new ObjectError('BAD_MAP_DEFINITION', 'a .maps section needs BTF (build with -g)', { section: '.maps' });
  const datasec = btf.named('.maps', 'datasec') as DatasecType | undefined;
  if (!datasec) throw new ObjectError('BAD_MAP_DEFINITION', 'the BTF has no .maps DATASEC', { section: '.maps' });
  const varNames = new Map(datasec.vars.map((v) => [btf.type(v.type).name, btf.type(v.type)]));
  for (const sym of symbols.filter((s) => s.sectionIndex === section.index && s.type === SymbolType.OBJECT).sort((a, b) => a.value - b.value)) {
    const v = varNames.get(sym.name);
    if (!v || v.kind !== 'var') throw new ObjectError('BAD_MAP_DEFINITION', 'no BTF variable describes this map', { map: sym.name, section: '.maps' });
    const { spec, valuesOffset } = readBtfMapDefinition(btf, sym.name, v.type);
    maps.push(valuesOffset !== undefined ? { ...spec, valuesOffset, symbolOffset: sym.value } as ObjectMapSpec : spec);
    bySymbol.set(sym.name, sym.name);
  }
}

/** Initial slots of map-in-map and prog arrays: relocations in `.rel.maps` at the `values` member. */
function readInitialSlots(elf: ElfFile, symbols: readonly Symbol[], maps: ObjectMapSpec[], programs: ProgramSpec[]): void {
  const section = elf.section('.maps');
  if (!section) return;
  const relocs = elf.relocationsFor(section);
  if (relocs.length === 0) {
    for (let i = 0; i < maps.length; i++) maps[i] = strip(maps[i]!);
    return;
  }
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i] as ObjectMapSpec & { valuesOffset?: number; symbolOffset?: number };
    if (m.valuesOffset === undefined || m.symbolOffset === undefined) continue;
    const slots = new Map<number, string>();
    const base = m.symbolOffset + m.valuesOffset;
    for (const r of relocs) {
      if (r.offset < base || r.offset >= base + m.maxEntries * 8) continue;
      const slot = (r.offset - base) / 8;
      const target = symbols[r.symbolIndex];
      if (!target) throw new ObjectError('BAD_RELOCATION', `slot ${slot} names symbol ${r.symbolIndex}, which does not exist`, { map: m.name, section: '.maps' });
      if (m.type === 'prog_array' ? !programs.some((p) => p.name === target.name) : !maps.some((x) => x.name === target.name)) {
        throw new ObjectError('BAD_RELOCATION', `slot ${slot} names ${target.name}, which is not a ${m.type === 'prog_array' ? 'program' : 'map'}`, { map: m.name, section: '.maps' });
      }
      slots.set(slot, target.name);
    }
    maps[i] = { ...strip(m), initialSlots: slots };
  }
  for (let i = 0; i < maps.length; i++) maps[i] = strip(maps[i]!);
}

/**
 * struct_ops variables and which program fills each function-pointer member,
 * from the relocations libbpf reads in `.rel.struct_ops` (bpf_object__collect_st_ops_relos).
 */
function readStructOps(elf: ElfFile, btf: Btf | undefined, symbols: readonly Symbol[]): StructOpsSpec[] {
  const out: StructOpsSpec[] = [];
  for (const name of ['.struct_ops', '.struct_ops.link'] as const) {
    const section = elf.section(name);
    const datasec = btf?.named(name, 'datasec') as DatasecType | undefined;
    if (!section || !btf || !datasec) continue;
    const relocs = elf.relocationsFor(section);
    for (const v of datasec.vars) {
      const variable = btf.type(v.type);
      const struct = variable.kind === 'var' ? btf.resolve(variable.type) : undefined;
      // clang leaves DATASEC offsets to the linker; the symbol says where the variable is.
      const sym = symbols.find((x) => x.sectionIndex === section.index && x.type === SymbolType.OBJECT && x.name === variable.name);
      if (!struct || !sym || (struct.kind !== 'struct' && struct.kind !== 'union')) continue;
      const members = new Map<string, string>();
      for (const r of relocs) {
        if (r.offset < sym.value || r.offset >= sym.value + struct.size) continue;
        const member = struct.members.find((m) => m.bitOffset === (r.offset - sym.value) * 8);
        const target = symbols[r.symbolIndex];
        if (member && target?.type === SymbolType.FUNC) members.set(member.name, target.name);
      }
      out.push({ name: variable.name, section: name, typeName: struct.name, members });
    }
  }
  return out;
}

function strip(m: ObjectMapSpec): ObjectMapSpec {
  const { valuesOffset: _v, symbolOffset: _s, ...rest } = m as ObjectMapSpec & { valuesOffset?: number; symbolOffset?: number };
  return rest;
}

/** `struct bpf_map_def`s in `maps`, or one section `maps/NAME` per map as older loaders (iproute2, bcc) read them. */
function readLegacyMaps(elf: ElfFile, symbols: readonly Symbol[], maps: ObjectMapSpec[], bySymbol: Map<string, string>): Map<number, Map<number, string>> {
  const at = new Map<number, Map<number, string>>();
  const legacy: { spec: ObjectMapSpec; bytes: Uint8Array }[] = [];
  for (const section of elf.sections) {
    if (!isLegacyMapSection(section.name)) continue;
    const defs = symbols.filter((s) => s.sectionIndex === section.index && s.type !== SymbolType.SECTION && s.name).sort((a, b) => a.value - b.value);
    if (defs.length === 0) continue;
    const size = section.size / defs.length;
    if (!Number.isInteger(size)) throw new ObjectError('BAD_MAP_DEFINITION', `${section.size} bytes do not divide into ${defs.length} map definitions`, { section: section.name });
    const offsets = new Map<number, string>();
    for (const sym of defs) {
      const bytes = section.data.subarray(sym.value, sym.value + size);
      legacy.push({ spec: readLegacyMapDefinition(bytes, elf.header.littleEndian, sym.name), bytes });
      bySymbol.set(sym.name, sym.name);
      offsets.set(sym.value, sym.name);
    }
    at.set(section.index, offsets);
  }
  // Map-in-map: the sixth field, inner_map_idx, counts definitions in file order (samples/bpf's bpf_load.c).
  for (const { spec, bytes } of legacy) {
    const isOuter = spec.type === 'array_of_maps' || spec.type === 'hash_of_maps';
    const inner = isOuter && bytes.length >= 24 ? legacy[new DataView(bytes.buffer, bytes.byteOffset + 20, 4).getUint32(0, elf.header.littleEndian)] : undefined;
    maps.push(inner && inner.spec !== spec ? { ...spec, innerMap: { ...inner.spec, name: `${spec.name}.inner` } } : spec);
  }
  return at;
}

const isLegacyMapSection = (name: string) => name === 'maps' || name.startsWith('maps/');

/** Is this section global data libbpf turns into an array map? */
function isDataSection(s: Section): boolean {
  if ((s.flags & SHF_ALLOC) === 0n || (s.flags & SHF_EXECINSTR) !== 0n) return false;
  if (s.type !== SHT_PROGBITS && s.type !== SHT_NOBITS) return false;
  return /^\.(data|rodata|bss)(\..+)?$/.test(s.name);
}

function readDataMaps(elf: ElfFile, btf: Btf | undefined, symbols: readonly Symbol[], maps: ObjectMapSpec[], bySection: Map<number, string>): VariableSpec[] {
  const variables: VariableSpec[] = [];
  for (const s of elf.sections) {
    if (!isDataSection(s) || s.size === 0) continue;
    const readOnly = s.name.startsWith('.rodata');
    const datasec = btf?.named(s.name, 'datasec') as DatasecType | undefined;
    maps.push({
      // libbpf describes a global-data map's value by its section's DATASEC, which lets the kernel check spin locks in it.
      ...(datasec ? { valueType: datasec.id } : {}),
      name: s.name,
      type: 'array',
      keySize: 4,
      valueSize: s.size,
      maxEntries: 1,
      flags: MapFlags.MMAPABLE | (readOnly ? MapFlags.RDONLY_PROG : 0),
      pinning: 'none',
      data: s.type === SHT_NOBITS ? new Uint8Array(s.size) : new Uint8Array(s.data),
      origin: 'data',
      section: s.name,
      readOnly,
    });
    bySection.set(s.index, s.name);
    const typeOf = new Map(datasec?.vars.map((v) => [btf!.type(v.type).name, (btf!.type(v.type) as { type: number }).type]) ?? []);
    for (const sym of symbols) {
      if (sym.sectionIndex !== s.index || sym.type !== SymbolType.OBJECT || !sym.name) continue;
      variables.push({ name: sym.name, map: s.name, offset: sym.value, size: sym.size, type: typeOf.get(sym.name) ?? 0, global: sym.binding !== SymbolBinding.LOCAL });
    }
  }
  return variables;
}

/** `.kconfig` externs become a read-only map the target fills; `.ksyms` externs are resolved against the target's symbols. */
function readExterns(btf: Btf | undefined, symbols: readonly Symbol[], maps: ObjectMapSpec[]): ExternSpec[] {
  const undefinedSymbols = symbols.filter((s) => s.sectionIndex === SectionIndex.UNDEF && s.name);
  if (undefinedSymbols.length === 0) return [];
  const weak = new Set(undefinedSymbols.filter((s) => s.binding === SymbolBinding.WEAK).map((s) => s.name));
  const externs: ExternSpec[] = [];
  const kconfig = btf?.named('.kconfig', 'datasec') as DatasecType | undefined;
  if (kconfig && btf) {
    let offset = 0;
    for (const v of kconfig.vars) {
      const variable = btf.type(v.type) as { name: string; type: number };
      const size = btf.sizeof(variable.type);
      const align = Math.min(8, btf.alignof(variable.type));
      offset = Math.ceil(offset / align) * align;
      externs.push({ name: variable.name, kind: 'kconfig', weak: weak.has(variable.name), type: variable.type, offset, size });
      offset += size;
    }
    maps.push({
      name: '.kconfig', type: 'array', keySize: 4, valueSize: Math.max(8, Math.ceil(offset / 8) * 8), maxEntries: 1,
      flags: MapFlags.MMAPABLE | MapFlags.RDONLY_PROG, pinning: 'none', origin: 'kconfig', readOnly: true,
    });
  }
  const ksyms = btf?.named('.ksyms', 'datasec') as DatasecType | undefined;
  const ksymTypes = new Map<string, number>();
  if (ksyms && btf) for (const v of ksyms.vars) ksymTypes.set(btf.type(v.type).name, (btf.type(v.type) as { type: number }).type);
  for (const sym of undefinedSymbols) {
    if (externs.some((e) => e.name === sym.name)) continue;
    const func = btf?.all(sym.name, 'func').find((f) => f.kind === 'func' && f.linkage === 'extern');
    if (func) {
      externs.push({ name: sym.name, kind: 'ksym-func', weak: weak.has(sym.name), type: func.id });
      continue;
    }
    const varType = ksymTypes.get(sym.name);
    const typed = varType !== undefined && btf!.resolve(varType).kind !== 'void';
    externs.push({ name: sym.name, kind: 'ksym-var', weak: weak.has(sym.name), type: typed ? varType! : 0 });
  }
  return externs;
}

// ---------------------------------------------------------------- linking

interface Placed { readonly fn: FunctionSymbol; readonly at: number }

/**
 * Lays out a program: its function first, then each subprogram it reaches
 * (in the order found), rewriting call and function-pointer immediates to the
 * new layout, and turning relocations into References.
 */
function linkProgram(ctx: Context, entry: FunctionSymbol): ProgramSpec {
  const kind = sectionKind(entry.section.name);
  const where = { program: entry.name, section: entry.section.name };
  const placed: Placed[] = [{ fn: entry, at: 0 }];
  const out: Instruction[] = [];
  const references: Reference[] = [];
  const place = (fn: FunctionSymbol): number => {
    const found = placed.find((p) => p.fn === fn);
    if (found) return found.at;
    const at = placed.reduce((end, p) => Math.max(end, p.at + p.fn.length), 0);
    placed.push({ fn, at });
    return at;
  };
  for (let next = 0; next < placed.length; next++) {
    const { fn, at } = placed[next]!;
    const code = ctx.code.get(fn.section.index)!;
    const relocs = ctx.relocations.get(fn.section.index);
    for (let i = 0; i < fn.length; i++) {
      const slot = fn.start + i;
      const pc = at + i;
      const insn = code[slot]!;
      const reloc = relocs?.get(slot);
      const here = { ...where, instruction: slot };
      if (insn.op.kind === 'lddw-tail') {
        out[pc] ??= insn;
        continue;
      }
      if (insn.op.kind === 'call' && reloc?.symbol.sectionIndex === SectionIndex.UNDEF) {
        // clang emits a kfunc call as a local call relocated against the extern.
        const ext = ctx.externs.get(reloc.symbol.name);
        if (!ext || ext.kind !== 'ksym-func') throw new ObjectError('BAD_RELOCATION', `call to ${reloc.symbol.name}, which is extern but not a kfunc declared __ksym`, here);
        out[pc] = make(insn.opcode, insn.dst, CallSrc.KFUNC, insn.offset, 0);
        references.push({ kind: 'kfunc', index: pc, name: ext.name });
        continue;
      }
      if (insn.op.kind === 'call' && insn.src === CallSrc.LOCAL) {
        const target = reloc ? callTarget(ctx, reloc.symbol, insn.imm, here) : { section: fn.section, slot: slot + insn.imm + 1 };
        const callee = functionAt(ctx, target.section, target.slot, here);
        const calleeAt = place(callee);
        out[pc] = make(insn.opcode, insn.dst, insn.src, insn.offset, calleeAt + (target.slot - callee.start) - pc - 1);
        continue;
      }
      if (!reloc) {
        out[pc] = insn;
        continue;
      }
      if (insn.op.kind === 'call') throw new ObjectError('BAD_RELOCATION', `helper call relocated against ${reloc.symbol.name}`, here);
      if (insn.op.kind !== 'lddw') throw new ObjectError('BAD_RELOCATION', `relocation against ${reloc.symbol.name} on an instruction that is neither lddw nor call`, here);
      // Old LLVM (EM_NONE objects) wrote map relocations with type 0.
      const legacy = reloc.type === 0 && ctx.elf.header.machine === EM_NONE;
      if (reloc.type !== BpfRelocation.R_BPF_64_64 && !legacy) throw new ObjectError('BAD_RELOCATION', `lddw relocation of type ${reloc.type}, expected R_BPF_64_64`, here);
      const [first, tail] = relocateLddw(ctx, insn, reloc.symbol, pc, here, references, place);
      out[pc] = first;
      out[pc + 1] = tail;
    }
  }
  const functions: LinkedFunction[] = placed.map((p) => ({ name: p.fn.name, section: p.fn.section.name, start: p.at, length: p.fn.length }));
  try {
    checkJumps(out);
  } catch (e) {
    throw new ObjectError('BAD_PROGRAM', (e as { reason?: string; message: string }).reason ?? (e as Error).message, { ...where, instruction: (e as { index?: number }).index ?? 0 });
  }
  return {
    name: entry.name,
    section: entry.section.name,
    ...(kind ? { kind } : {}),
    type: kind?.type ?? 'unspec',
    ...(kind?.attachType ? { attachType: kind.attachType } : {}),
    attachTo: kind?.attachTo ?? '',
    sleepable: kind?.sleepable ?? false,
    instructions: out,
    entryLength: entry.length,
    functions,
    references,
    ...extInfo(ctx, placed),
    license: ctx.license,
  };
}

function callTarget(ctx: Context, symbol: Symbol, imm: number, here: object): { section: Section; slot: number } {
  const section = ctx.elf.sections[symbol.sectionIndex];
  if (!section || !ctx.code.has(section.index)) {
    throw new ObjectError('BAD_CALL', `call to ${symbol.name || '(unnamed)'}, which is not in an executable section`, here);
  }
  // clang encodes the callee as symbol value + (imm + 1) slots: imm is -1 for a function symbol.
  return { section, slot: symbol.value / 8 + imm + 1 };
}

function functionAt(ctx: Context, section: Section, slot: number, here: object): FunctionSymbol {
  const fn = ctx.functions.get(section.index)?.find((f) => slot >= f.start && slot < f.start + f.length);
  if (!fn) throw new ObjectError('BAD_CALL', `call target ${section.name}+${slot * 8} is not inside any function`, here);
  return fn;
}

function relocateLddw(
  ctx: Context, insn: Instruction, symbol: Symbol, pc: number, here: { program: string; section: string; instruction: number },
  references: Reference[], place: (fn: FunctionSymbol) => number,
): [Instruction, Instruction] {
  const addend = Number(BigInt.asIntN(32, insn.imm64 ?? BigInt(insn.imm)));
  const section = ctx.elf.sections[symbol.sectionIndex];
  if (symbol.sectionIndex === SectionIndex.UNDEF) {
    const ext = ctx.externs.get(symbol.name);
    if (!ext) throw new ObjectError('UNRESOLVED_EXTERN', `${symbol.name} is extern but neither __kconfig nor __ksym`, here);
    if (ext.kind === 'kconfig') {
      references.push({ kind: 'map-value', index: pc, map: '.kconfig', offset: ext.offset! + addend });
      return makeLddw(insn.dst, 0n, PseudoSrc.MAP_VALUE);
    }
    references.push({ kind: 'ksym', index: pc, name: ext.name, typed: ext.type !== 0 });
    return makeLddw(insn.dst, 0n, ext.type !== 0 ? PseudoSrc.BTF_ID : PseudoSrc.IMM64);
  }
  if (section && ctx.code.has(section.index)) {
    const slot = (symbol.value + addend) / 8;
    const fn = functionAt(ctx, section, slot, here);
    const at = place(fn);
    return makeLddw(insn.dst, BigInt(at + (slot - fn.start) - pc - 1), PseudoSrc.FUNC);
  }
  // Relocations against the section symbol (static maps) carry the definition's offset in the addend.
  const mapName = symbol.type === SymbolType.SECTION ? ctx.legacyMapsAt.get(symbol.sectionIndex)?.get(addend) : ctx.mapsBySymbol.get(symbol.name);
  if (mapName && section && (section.name === '.maps' || isLegacyMapSection(section.name))) {
    references.push({ kind: 'map', index: pc, map: mapName });
    return makeLddw(insn.dst, 0n, PseudoSrc.MAP_FD);
  }
  const dataMap = ctx.dataMapsBySection.get(symbol.sectionIndex);
  if (dataMap) {
    // A section symbol carries the offset in the addend; a variable symbol in its value.
    const offset = (symbol.type === SymbolType.SECTION ? 0 : symbol.value) + addend;
    references.push({ kind: 'map-value', index: pc, map: dataMap, offset });
    return makeLddw(insn.dst, 0n, PseudoSrc.MAP_VALUE);
  }
  throw new ObjectError('BAD_RELOCATION', `lddw relocated against ${symbol.name || '(unnamed)'} in section ${section?.name ?? symbol.sectionIndex}, which is neither a map, global data nor a function`, here);
}

/** func_info, line_info and CO-RE relocations of every placed function, renumbered to the linked program. */
function extInfo(ctx: Context, placed: readonly Placed[]): { funcInfo: ProgramFuncInfo[]; lineInfo: ProgramLineInfo[]; coreRelocations: ProgramCoreRelocation[] } {
  const funcInfo: ProgramFuncInfo[] = [];
  const lineInfo: ProgramLineInfo[] = [];
  const coreRelocations: ProgramCoreRelocation[] = [];
  const ext = ctx.ext;
  if (ext) {
    for (const { fn, at } of placed) {
      const inside = (offset: number) => offset / 8 >= fn.start && offset / 8 < fn.start + fn.length;
      const index = (offset: number) => at + offset / 8 - fn.start;
      for (const f of ext.funcInfo.get(fn.section.name) ?? []) if (inside(f.insnOffset)) funcInfo.push({ index: index(f.insnOffset), typeId: f.typeId });
      for (const l of ext.lineInfo.get(fn.section.name) ?? []) {
        if (inside(l.insnOffset)) {
          const { insnOffset, ...rest } = l;
          lineInfo.push({ ...rest, index: index(insnOffset) });
        }
      }
      for (const c of ext.coreRelocations.get(fn.section.name) ?? []) if (inside(c.insnOffset)) coreRelocations.push({ ...c, index: index(c.insnOffset) });
    }
  }
  const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;
  return { funcInfo: funcInfo.sort(byIndex), lineInfo: lineInfo.sort(byIndex), coreRelocations: coreRelocations.sort(byIndex) };
}
