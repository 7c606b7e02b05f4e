/** elf: a reader of ELF64 objects (sections, symbols, relocations, notes) over the input bytes. */
export { ElfFile, parseElf, readCString } from './file.js';
export type { ElfHeader, Section, Symbol, Relocation, RelocationSection, Note } from './file.js';
export { ElfError } from './errors.js';
export type { ElfErrorCode, ElfLocation } from './errors.js';
export {
  ElfClass,
  ElfData,
  ElfType,
  Machine,
  SectionType,
  SectionFlag,
  SectionIndex,
  SymbolBinding,
  SymbolType,
  SymbolVisibility,
  BpfRelocation,
} from './constants.js';
