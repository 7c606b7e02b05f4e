/** BTF from either kind of file: raw BTF (like /sys/kernel/btf/vmlinux) or an ELF object's `.BTF`. */
import { parseElf } from '../elf/index.js';
import { BTF_MAGIC, parseBtf, type Btf, type ParseBtfOptions } from './btf.js';
import { parseBtfExt, type BtfExt } from './ext.js';
import { BtfError } from './errors.js';

/**
 * Reads BTF from raw BTF bytes or from an ELF object, with its `.BTF.ext` when the object has one.
 * @throws BtfError (NOT_FOUND when an ELF has no `.BTF`), ElfError for a malformed ELF.
 */
export function loadBtf(bytes: Uint8Array, options: ParseBtfOptions = {}): { btf: Btf; ext?: BtfExt } {
  const magic = bytes.length >= 2 ? bytes[0]! | (bytes[1]! << 8) : 0;
  if (magic === BTF_MAGIC || (bytes[0] === 0xeb && bytes[1] === 0x9f)) return { btf: parseBtf(bytes, options) };
  if (bytes[0] !== 0x7f) throw new BtfError('BAD_MAGIC', 'neither raw BTF nor an ELF object', { offset: 0 });
  const elf = parseElf(bytes);
  const section = elf.section('.BTF');
  if (!section) throw new BtfError('NOT_FOUND', 'the ELF object has no .BTF section');
  const btf = parseBtf(section.data, options);
  const extSection = elf.section('.BTF.ext');
  return extSection ? { btf, ext: parseBtfExt(extSection.data, btf) } : { btf };
}


