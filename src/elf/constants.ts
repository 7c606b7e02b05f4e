/** Named constants of the ELF64 format used by the reader (System V gABI). */

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;

/** e_ident[EI_CLASS] */
export const ElfClass = { ELF32: 1, ELF64: 2 } as const;
/** e_ident[EI_DATA] */
export const ElfData = { LSB: 1, MSB: 2 } as const;

/** e_machine values worth naming here. */
export const Machine = { NONE: 0, X86_64: 62, AARCH64: 183, BPF: 247 } as const;

/** e_type */
export const ElfType = { NONE: 0, REL: 1, EXEC: 2, DYN: 3, CORE: 4 } as const;

/** sh_type */
export const SectionType = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  HASH: 5,
  DYNAMIC: 6,
  NOTE: 7,
  NOBITS: 8,
  REL: 9,
  DYNSYM: 11,
  SYMTAB_SHNDX: 18,
  LLVM_ADDRSIG: 0x6fff4c03,
} as const;

/** sh_flags bits */
export const SectionFlag = {
  WRITE: 0x1,
  ALLOC: 0x2,
  EXECINSTR: 0x4,
  MERGE: 0x10,
  STRINGS: 0x20,
  INFO_LINK: 0x40,
  GROUP: 0x200,
  TLS: 0x400,
  COMPRESSED: 0x800,
} as const;

/** Special section indexes a symbol's st_shndx may hold. */
export const SectionIndex = {
  UNDEF: 0,
  LORESERVE: 0xff00,
  ABS: 0xfff1,
  COMMON: 0xfff2,
  XINDEX: 0xffff,
} as const;

/** Symbol binding: the high nibble of st_info. */
export const SymbolBinding = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
/** Symbol type: the low nibble of st_info. */
export const SymbolType = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6 } as const;
/** Symbol visibility: the low two bits of st_other. */
export const SymbolVisibility = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;

/** BPF relocation types (r_type) as LLVM emits them. */
export const BpfRelocation = {
  NONE: 0,
  R_BPF_64_64: 1,
  R_BPF_64_ABS64: 2,
  R_BPF_64_ABS32: 3,
  R_BPF_64_NODYLD32: 4,
  R_BPF_64_32: 10,
} as const;

/** Sizes of the ELF64 records. */
export const ELF64_HEADER_SIZE = 64;
export const ELF64_SECTION_HEADER_SIZE = 64;
export const ELF64_SYMBOL_SIZE = 24;
export const ELF64_REL_SIZE = 16;
export const ELF64_RELA_SIZE = 24;
