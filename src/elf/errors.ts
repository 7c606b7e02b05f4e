/**
 * Errors of the ELF reader: every malformed input ends here, with a stable
 * code and the place in the file where the fault was found.
 */

/** Stable codes for the ways an ELF file can be malformed or unsupported. */
export type ElfErrorCode =
  | 'TRUNCATED'
  | 'BAD_MAGIC'
  | 'UNSUPPORTED_CLASS'
  | 'BAD_ENDIANNESS'
  | 'BAD_VERSION'
  | 'BAD_HEADER'
  | 'SECTION_OUT_OF_RANGE'
  | 'BAD_SECTION_INDEX'
  | 'BAD_ENTRY_SIZE'
  | 'BAD_STRING'
  | 'BAD_SYMBOL'
  | 'BAD_RELOCATION'
  | 'BAD_NOTE'
  | 'VALUE_OUT_OF_RANGE'
  | 'NOT_FOUND';

/** Where in the file a fault was found; any part may be unknown. */
export interface ElfLocation {
  /** Byte offset in the file. */
  readonly offset?: number;
  /** Index of the section header involved. */
  readonly section?: number;
  /** Name of that section, when it could be read. */
  readonly sectionName?: string;
}

/**
 * An ELF file that cannot be read.
 *
 * @example
 * try { parseElf(bytes) } catch (e) { if (e instanceof ElfError && e.code === 'TRUNCATED') ... }
 */
export class ElfError extends Error {
  override readonly name = 'ElfError';
  constructor(
    readonly code: ElfErrorCode,
    readonly reason: string,
    readonly location: ElfLocation = {},
  ) {
    super(`${describe(location)}${reason}`);
  }
}

function describe(location: ElfLocation): string {
  const parts: string[] = [];
  if (location.section !== undefined) {
    parts.push(`section ${location.section}${location.sectionName ? ` (${location.sectionName})` : ''}`);
  }
  if (location.offset !== undefined) parts.push(`offset 0x${location.offset.toString(16)}`);
  return parts.length ? `${parts.join(', ')}: ` : '';
}
