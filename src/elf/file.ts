/**
 * An ELF64 reader over a byte array: header, section headers, names, symbol
 * tables, REL/RELA relocations and notes. Section data are views into the
 * input (no copies), and every size read from the file is checked against the
 * input length before it is used to index or allocate.
 */
import {
  ELF64_HEADER_SIZE,
  ELF64_REL_SIZE,
  ELF64_RELA_SIZE,
  ELF64_SECTION_HEADER_SIZE,
  ELF64_SYMBOL_SIZE,
  ELF_MAGIC,
  ElfClass,
  ElfData,
  SectionIndex,
  SectionType,
} from './constants.js';
import { ElfError, type ElfLocation } from './errors.js';

/** The fields of the ELF header that a reader of objects needs. */
export interface ElfHeader {
  readonly littleEndian: boolean;
  readonly osabi: number;
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly entry: bigint;
  readonly flags: number;
  readonly sectionHeaderOffset: number;
  readonly sectionHeaderCount: number;
  readonly sectionNameTableIndex: number;
}

/** One section: its header fields and a view of its bytes. */
export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: number;
  /** sh_size; for NOBITS sections this is the size in memory, and `data` is empty. */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** The section's bytes (a view into the input). Empty for NULL and NOBITS. */
  readonly data: Uint8Array;
}

/** One symbol table entry. */
export interface Symbol {
  /** Index in its symbol table (0 is the null symbol). */
  readonly index: number;
  readonly name: string;
  /** st_value: for relocatable objects, the offset within its section. */
  readonly value: number;
  readonly size: number;
  /** High nibble of st_info: see `SymbolBinding`. */
  readonly binding: number;
  /** Low nibble of st_info: see `SymbolType`. */
  readonly type: number;
  /** Low two bits of st_other: see `SymbolVisibility`. */
  readonly visibility: number;
  /** st_shndx, or the extended index when it is SHN_XINDEX; see `SectionIndex` for special values. */
  readonly sectionIndex: number;
}

/** One relocation entry, REL or RELA. */
export interface Relocation {
  /** r_offset: byte offset in the target section. */
  readonly offset: number;
  /** Index into the symbol table named by the relocation section's sh_link. */
  readonly symbolIndex: number;
  /** r_type: for BPF see `BpfRelocation`. */
  readonly type: number;
  /** r_addend for RELA; undefined for REL (the addend is in the target bytes). */
  readonly addend?: bigint;
}

/** A relocation section together with the section it applies to. */
export interface RelocationSection {
  readonly section: Section;
  readonly target: Section;
  readonly symbolTable: Section;
  readonly entries: readonly Relocation[];
}

/** One entry of a SHT_NOTE section. */
export interface Note {
  readonly name: string;
  readonly type: number;
  readonly desc: Uint8Array;
}

/**
 * A parsed ELF64 file. Header, section headers and section names are checked
 * at construction; symbols, relocations and notes are read and checked on first
 * use.
 *
 * @throws ElfError on any malformed input.
 * @example
 * const elf = parseElf(readFileSync('prog.o'));
 * for (const sym of elf.symbols()) console.log(sym.name, elf.sections[sym.sectionIndex]?.name);
 */
export class ElfFile {
  readonly header: ElfHeader;
  readonly sections: readonly Section[];
  private readonly view: DataView;
  private readonly le: boolean;
  private readonly symbolCache = new Map<number, readonly Symbol[]>();
  private readonly byName = new Map<string, Section>();
  private relocationCache?: readonly RelocationSection[];

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.le = readIdent(bytes);
    this.header = this.readHeader();
    this.sections = this.readSections();
    for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
  }

  /** The first section with this name, or undefined. */
  section(name: string): Section | undefined {
    return this.byName.get(name);
  }

  /** Sections with this name (ELF allows duplicates). */
  sectionsNamed(name: string): Section[] {
    return this.sections.filter((s) => s.name === name);
  }

  /**
   * Reads a NUL-terminated string from a string table section.
   * @throws ElfError BAD_STRING when the offset is outside the table or the string is unterminated.
   */
  string(tableIndex: number, offset: number): string {
    const table = this.sectionAt(tableIndex, {});
    return readCString(table.data, offset, { section: table.index, sectionName: table.name });
  }

  /** The symbol table (SHT_SYMTAB), or undefined when the file has none. */
  symbolTable(): Section | undefined {
    return this.sections.find((s) => s.type === SectionType.SYMTAB);
  }

  /**
   * The symbols of a symbol table section (the SHT_SYMTAB by default), null symbol included.
   * @throws ElfError BAD_ENTRY_SIZE, BAD_SYMBOL, BAD_STRING, BAD_SECTION_INDEX.
   */
  symbols(table: Section | undefined = this.symbolTable()): readonly Symbol[] {
    if (!table) return [];
    const cached = this.symbolCache.get(table.index);
    if (cached) return cached;
    const where = { section: table.index, sectionName: table.name };
    if (table.type !== SectionType.SYMTAB && table.type !== SectionType.DYNSYM) {
      throw new ElfError('BAD_SYMBOL', `section type ${table.type} is not a symbol table`, where);
    }
    if (table.entsize !== ELF64_SYMBOL_SIZE) {
      throw new ElfError('BAD_ENTRY_SIZE', `symbol entry size ${table.entsize}, expected ${ELF64_SYMBOL_SIZE}`, where);
    }
    if (table.size % ELF64_SYMBOL_SIZE !== 0) {
      throw new ElfError('BAD_ENTRY_SIZE', `symbol table size ${table.size} is not a multiple of ${ELF64_SYMBOL_SIZE}`, where);
    }
    const strings = this.sectionAt(table.link, where);
    if (strings.type !== SectionType.STRTAB) {
      throw new ElfError('BAD_SECTION_INDEX', `sh_link ${table.link} is not a string table`, where);
    }
    const shndxTable = this.sections.find((s) => s.type === SectionType.SYMTAB_SHNDX && s.link === table.index);
    const count = table.size / ELF64_SYMBOL_SIZE;
    const out: Symbol[] = [];
    for (let i = 0; i < count; i++) {
      const at = table.offset + i * ELF64_SYMBOL_SIZE;
      const v = this.view;
      const nameOffset = v.getUint32(at, this.le);
      const info = v.getUint8(at + 4);
      const other = v.getUint8(at + 5);
      let sectionIndex = v.getUint16(at + 6, this.le);
      const value = this.safe(v.getBigUint64(at + 8, this.le), 'st_value', { ...where, offset: at + 8 });
      const size = this.safe(v.getBigUint64(at + 16, this.le), 'st_size', { ...where, offset: at + 16 });
      if (sectionIndex === SectionIndex.XINDEX && shndxTable) {
        if ((i + 1) * 4 > shndxTable.data.length) {
          throw new ElfError('BAD_SYMBOL', `symbol ${i} has no extended section index`, where);
        }
        sectionIndex = new DataView(shndxTable.data.buffer, shndxTable.data.byteOffset).getUint32(i * 4, this.le);
      }
      const name = readCString(strings.data, nameOffset, { section: strings.index, sectionName: strings.name, offset: at });
      out.push({ index: i, name, value, size, binding: info >> 4, type: info & 0xf, visibility: other & 3, sectionIndex });
    }
    this.symbolCache.set(table.index, out);
    return out;
  }

  /**
   * Every REL and RELA section, paired with its target section and symbol table.
   * Relocation sections whose target is not a real section (sh_info 0) are skipped.
   * @throws ElfError when a relocation section is malformed.
   */
  relocationSections(): readonly RelocationSection[] {
    if (this.relocationCache) return this.relocationCache;
    const out: RelocationSection[] = [];
    for (const s of this.sections) {
      if (s.type !== SectionType.REL && s.type !== SectionType.RELA) continue;
      if (s.info === 0) continue;
      out.push(this.relocationSection(s));
    }
    this.relocationCache = out;
    return out;
  }

  /**
   * The relocations that apply to a section (from every REL/RELA section whose
   * sh_info names it), in file order.
   */
  relocationsFor(target: Section | number): Relocation[] {
    const index = typeof target === 'number' ? target : target.index;
    return this.relocationSections()
      .filter((r) => r.target.index === index)
      .flatMap((r) => r.entries);
  }

  /**
   * Reads one REL or RELA section.
   * @throws ElfError BAD_RELOCATION, BAD_ENTRY_SIZE, BAD_SECTION_INDEX.
   */
  relocationSection(section: Section): RelocationSection {
    const where = { section: section.index, sectionName: section.name };
    const rela = section.type === SectionType.RELA;
    if (!rela && section.type !== SectionType.REL) {
      throw new ElfError('BAD_RELOCATION', `section type ${section.type} is not REL or RELA`, where);
    }
    const entry = rela ? ELF64_RELA_SIZE : ELF64_REL_SIZE;
    if (section.entsize !== entry && section.entsize !== 0) {
      throw new ElfError('BAD_ENTRY_SIZE', `relocation entry size ${section.entsize}, expected ${entry}`, where);
    }
    if (section.size % entry !== 0) {
      throw new ElfError('BAD_ENTRY_SIZE', `relocation section size ${section.size} is not a multiple of ${entry}`, where);
    }
    const target = this.sectionAt(section.info, where);
    const symbolTable = this.sectionAt(section.link, where);
    if (symbolTable.type !== SectionType.SYMTAB && symbolTable.type !== SectionType.DYNSYM) {
      throw new ElfError('BAD_SECTION_INDEX', `sh_link ${section.link} is not a symbol table`, where);
    }
    const symbolCount = Math.floor(symbolTable.size / ELF64_SYMBOL_SIZE);
    const entries: Relocation[] = [];
    for (let at = section.offset; at < section.offset + section.size; at += entry) {
      const offset = this.safe(this.view.getBigUint64(at, this.le), 'r_offset', { ...where, offset: at });
      const info = this.view.getBigUint64(at + 8, this.le);
      const symbolIndex = Number(info >> 32n);
      const type = Number(info & 0xffffffffn);
      if (symbolIndex >= symbolCount) {
        throw new ElfError('BAD_RELOCATION', `symbol index ${symbolIndex} outside a table of ${symbolCount}`, { ...where, offset: at });
      }
      if (target.type !== SectionType.NOBITS && offset >= target.size && target.size > 0) {
        throw new ElfError('BAD_RELOCATION', `offset 0x${offset.toString(16)} outside target section ${target.name} of ${target.size} bytes`, { ...where, offset: at });
      }
      entries.push(rela ? { offset, symbolIndex, type, addend: this.view.getBigInt64(at + 16, this.le) } : { offset, symbolIndex, type });
    }
    return { section, target, symbolTable, entries };
  }

  /**
   * The entries of a SHT_NOTE section.
   * @throws ElfError BAD_NOTE when an entry runs past the section.
   */
  notes(section: Section): Note[] {
    const where = { section: section.index, sectionName: section.name };
    const data = section.data;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const out: Note[] = [];
    const align4 = (n: number) => (n + 3) & ~3;
    let at = 0;
    while (at < data.length) {
      if (at + 12 > data.length) throw new ElfError('BAD_NOTE', 'truncated note header', { ...where, offset: section.offset + at });
      const nameSize = dv.getUint32(at, this.le);
      const descSize = dv.getUint32(at + 4, this.le);
      const type = dv.getUint32(at + 8, this.le);
      const nameAt = at + 12;
      const descAt = nameAt + align4(nameSize);
      const end = descAt + align4(descSize);
      if (descAt + descSize > data.length || nameAt + nameSize > data.length) {
        throw new ElfError('BAD_NOTE', 'note runs past the end of its section', { ...where, offset: section.offset + at });
      }
      const nameBytes = data.subarray(nameAt, nameAt + nameSize);
      const nul = nameBytes.indexOf(0);
      out.push({ name: decodeText(nul >= 0 ? nameBytes.subarray(0, nul) : nameBytes), type, desc: data.subarray(descAt, descAt + descSize) });
      at = Math.max(end, at + 12);
    }
    return out;
  }

  private sectionAt(index: number, where: ElfLocation): Section {
    const s = this.sections[index];
    if (index === 0 || !s) {
      throw new ElfError('BAD_SECTION_INDEX', `section index ${index} is out of range (1..${this.sections.length - 1})`, where);
    }
    return s;
  }

  private safe(value: bigint, field: string, where: ElfLocation): number {
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ElfError('VALUE_OUT_OF_RANGE', `${field} 0x${value.toString(16)} is too large`, where);
    }
    return Number(value);
  }

  private readHeader(): ElfHeader {
    const v = this.view;
    const le = this.le;
    if (this.bytes.length < ELF64_HEADER_SIZE) {
      throw new ElfError('TRUNCATED', `file of ${this.bytes.length} bytes is shorter than the ELF64 header`, { offset: 0 });
    }
    const version = v.getUint32(20, le);
    if (version !== 1) throw new ElfError('BAD_VERSION', `e_version ${version}, expected 1`, { offset: 20 });
    const headerSize = v.getUint16(52, le);
    if (headerSize < ELF64_HEADER_SIZE) {
      throw new ElfError('BAD_HEADER', `e_ehsize ${headerSize} is smaller than ${ELF64_HEADER_SIZE}`, { offset: 52 });
    }
    const sectionHeaderOffset = this.safe(v.getBigUint64(40, le), 'e_shoff', { offset: 40 });
    const entrySize = v.getUint16(58, le);
    let count = v.getUint16(60, le);
    let nameIndex = v.getUint16(62, le);
    if (sectionHeaderOffset !== 0) {
      if (entrySize < ELF64_SECTION_HEADER_SIZE) {
        throw new ElfError('BAD_ENTRY_SIZE', `e_shentsize ${entrySize}, expected at least ${ELF64_SECTION_HEADER_SIZE}`, { offset: 58 });
      }
      if (sectionHeaderOffset + ELF64_SECTION_HEADER_SIZE > this.bytes.length) {
        throw new ElfError('SECTION_OUT_OF_RANGE', `section header table at 0x${sectionHeaderOffset.toString(16)} is past the end of the file`, { offset: 40 });
      }
      // Counts too large for the 16-bit header fields live in section header 0.
      if (count === 0) count = this.safe(v.getBigUint64(sectionHeaderOffset + 32, le), 'sh_size of section 0', { offset: sectionHeaderOffset + 32 });
      if (nameIndex === SectionIndex.XINDEX) nameIndex = v.getUint32(sectionHeaderOffset + 40, le);
      if (sectionHeaderOffset + count * entrySize > this.bytes.length) {
        throw new ElfError('SECTION_OUT_OF_RANGE', `${count} section headers of ${entrySize} bytes at 0x${sectionHeaderOffset.toString(16)} run past the end of the file (${this.bytes.length} bytes)`, { offset: 60 });
      }
    } else {
      count = 0;
    }
    return {
      littleEndian: le,
      osabi: this.bytes[7]!,
      type: v.getUint16(16, le),
      machine: v.getUint16(18, le),
      version,
      entry: v.getBigUint64(24, le),
      flags: v.getUint32(48, le),
      sectionHeaderOffset,
      sectionHeaderCount: count,
      sectionNameTableIndex: nameIndex,
    };
  }

  private readSections(): Section[] {
    const { sectionHeaderOffset: base, sectionHeaderCount: count, sectionNameTableIndex: nameIndex } = this.header;
    const entrySize = this.view.getUint16(58, this.le);
    const raw: Array<Omit<Section, 'name'> & { nameOffset: number }> = [];
    for (let i = 0; i < count; i++) {
      const at = base + i * entrySize;
      const v = this.view;
      const le = this.le;
      const where = { section: i, offset: at };
      const type = v.getUint32(at + 4, le);
      const offset = this.safe(v.getBigUint64(at + 24, le), 'sh_offset', where);
      const size = this.safe(v.getBigUint64(at + 32, le), 'sh_size', where);
      const hasBytes = type !== SectionType.NOBITS && type !== SectionType.NULL;
      if (hasBytes && offset + size > this.bytes.length) {
        throw new ElfError('SECTION_OUT_OF_RANGE', `data at 0x${offset.toString(16)} of ${size} bytes runs past the end of the file (${this.bytes.length} bytes)`, where);
      }
      raw.push({
        index: i,
        nameOffset: v.getUint32(at, le),
        type,
        flags: v.getBigUint64(at + 8, le),
        addr: v.getBigUint64(at + 16, le),
        offset,
        size,
        link: v.getUint32(at + 40, le),
        info: v.getUint32(at + 44, le),
        addralign: this.safe(v.getBigUint64(at + 48, le), 'sh_addralign', where),
        entsize: this.safe(v.getBigUint64(at + 56, le), 'sh_entsize', where),
        data: hasBytes ? this.bytes.subarray(offset, offset + size) : new Uint8Array(0),
      });
    }
    if (count === 0) return [];
    const names = raw[nameIndex];
    if (nameIndex === 0 || !names) {
      throw new ElfError('BAD_SECTION_INDEX', `e_shstrndx ${nameIndex} is out of range (1..${count - 1})`, { offset: 62 });
    }
    if (names.type !== SectionType.STRTAB) {
      throw new ElfError('BAD_SECTION_INDEX', `e_shstrndx ${nameIndex} is not a string table`, { section: nameIndex });
    }
    return raw.map(({ nameOffset, ...s }) => ({
      ...s,
      name: readCString(names.data, nameOffset, { section: s.index, offset: base + s.index * entrySize }),
    }));
  }
}

/**
 * Parses an ELF64 file (either byte order).
 * @throws ElfError on malformed input, UNSUPPORTED_CLASS for ELF32.
 */
export function parseElf(bytes: Uint8Array): ElfFile {
  return new ElfFile(bytes);
}

function readIdent(bytes: Uint8Array): boolean {
  if (bytes.length < 16) throw new ElfError('TRUNCATED', `file of ${bytes.length} bytes is shorter than e_ident`, { offset: 0 });
  for (let i = 0; i < ELF_MAGIC.length; i++) {
    if (bytes[i] !== ELF_MAGIC[i]) throw new ElfError('BAD_MAGIC', 'not an ELF file (bad magic)', { offset: i });
  }
  const cls = bytes[4];
  if (cls === ElfClass.ELF32) throw new ElfError('UNSUPPORTED_CLASS', 'ELF32 files are not supported (BPF objects are ELF64)', { offset: 4 });
  if (cls !== ElfClass.ELF64) throw new ElfError('UNSUPPORTED_CLASS', `unknown ELF class ${cls}`, { offset: 4 });
  const data = bytes[5];
  if (data !== ElfData.LSB && data !== ElfData.MSB) throw new ElfError('BAD_ENDIANNESS', `unknown byte order ${data}`, { offset: 5 });
  return data === ElfData.LSB;
}

/**
 * Reads a NUL-terminated string at `offset` of a string table.
 * @throws ElfError BAD_STRING
 */
export function readCString(table: Uint8Array, offset: number, where: ElfLocation): string {
  if (offset >= table.length) {
    if (offset === 0 && table.length === 0) return '';
    throw new ElfError('BAD_STRING', `string offset ${offset} is outside a table of ${table.length} bytes`, where);
  }
  const end = table.indexOf(0, offset);
  if (end < 0) throw new ElfError('BAD_STRING', `string at offset ${offset} is not NUL-terminated`, where);
  return decodeText(table.subarray(offset, end));
}

const decoder = new TextDecoder('utf-8');
function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
