/**
 * `.BTF.ext`: per-section function info, line info and CO-RE relocations of
 * a BPF object. Names inside refer to the strings of the object's `.BTF`.
 */
import { byteOrder, type Btf } from './btf.js';
import { BtfError } from './errors.js';

/** The kinds of CO-RE relocation (`enum bpf_core_relo_kind`). */
export const CoreRelocationKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;

/** Names of the relocation kinds, indexed by their number. */
export const CORE_RELOCATION_KIND_NAMES = [
  'field_byte_offset',
  'field_byte_size',
  'field_exists',
  'field_signed',
  'field_lshift_u64',
  'field_rshift_u64',
  'type_id_local',
  'type_id_target',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
] as const;
export type CoreRelocationKindName = (typeof CORE_RELOCATION_KIND_NAMES)[number];

/** A function's BTF type at an instruction. */
export interface FuncInfo {
  /** Byte offset of the instruction in its section (divide by 8 for its index). */
  readonly insnOffset: number;
  readonly typeId: number;
}

/** The source position of an instruction. */
export interface LineInfo {
  readonly insnOffset: number;
  readonly fileName: string;
  /** The source line's text. */
  readonly line: string;
  readonly lineNumber: number;
  readonly column: number;
  /** Offsets of the two strings in the BTF string section, as the kernel's bpf_line_info wants them. */
  readonly fileNameOffset: number;
  readonly lineOffset: number;
}

/** A CO-RE relocation: an instruction whose immediate or offset depends on the target kernel's types. */
export interface CoreRelocation {
  readonly insnOffset: number;
  /** The local (program's) type the access starts from. */
  readonly typeId: number;
  /** The raw access string, e.g. "0:1:2". */
  readonly accessString: string;
  /** The access string as indexes: first an array index on the root, then member/element indexes. */
  readonly accessor: readonly number[];
  readonly kind: CoreRelocationKindName;
}

/** Records of one kind grouped by the ELF section they apply to. */
export type PerSection<T> = ReadonlyMap<string, readonly T[]>;

/** A parsed `.BTF.ext`. */
export interface BtfExt {
  readonly funcInfo: PerSection<FuncInfo>;
  readonly lineInfo: PerSection<LineInfo>;
  readonly coreRelocations: PerSection<CoreRelocation>;
}

const MIN_HEADER = 24;
const CORE_HEADER = 32;

/**
 * Parses a `.BTF.ext` section against the object's `.BTF`.
 *
 * @throws BtfError on malformed data (bad header, sections out of range, record sizes too small,
 *   string offsets outside the BTF strings, unknown relocation kinds).
 * @example
 * const ext = parseBtfExt(elf.section('.BTF.ext')!.data, btf);
 * for (const [section, relos] of ext.coreRelocations) ...
 */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  const le = byteOrder(bytes);
  if (bytes.length < MIN_HEADER) throw new BtfError('TRUNCATED', `${bytes.length} bytes cannot hold a .BTF.ext header`, { offset: 0 });
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint8(2) !== 1) throw new BtfError('BAD_VERSION', `.BTF.ext version ${v.getUint8(2)}, expected 1`, { offset: 2 });
  const headerLength = v.getUint32(4, le);
  if (headerLength < MIN_HEADER || headerLength > bytes.length) {
    throw new BtfError('BAD_HEADER', `header length ${headerLength} is not within ${MIN_HEADER}..${bytes.length}`, { offset: 4 });
  }
  const str = (offset: number, at: number) => {
    try {
      return btf.string(offset);
    } catch (e) {
      throw new BtfError('BAD_STRING', `string offset ${offset} is not in the .BTF strings`, { offset: at });
    }
  };
  const read = <T>(field: number, minRecord: number, decode: (at: number) => T) => {
    const out = new Map<string, T[]>();
    if (field + 8 > headerLength) return out;
    const off = v.getUint32(field, le);
    const len = v.getUint32(field + 4, le);
    if (len === 0) return out;
    const start = headerLength + off;
    const end = start + len;
    if (end > bytes.length) throw new BtfError('SECTION_OUT_OF_RANGE', `info at ${off}+${len} runs past ${bytes.length} bytes`, { offset: field });
    if (len < 4) throw new BtfError('TRUNCATED', 'info has no record size', { offset: start });
    const recordSize = v.getUint32(start, le);
    if (recordSize < minRecord || recordSize > len) {
      throw new BtfError('BAD_RECORD_SIZE', `record size ${recordSize}, expected at least ${minRecord}`, { offset: start });
    }
    let at = start + 4;
    while (at < end) {
      if (at + 8 > end) throw new BtfError('TRUNCATED', 'section info header runs past its info', { offset: at });
      const section = str(v.getUint32(at, le), at);
      const count = v.getUint32(at + 4, le);
      at += 8;
      if (count * recordSize > end - at) {
        throw new BtfError('TRUNCATED', `${count} records of ${recordSize} bytes for ${section} run past the info`, { offset: at });
      }
      const list = out.get(section) ?? [];
      for (let i = 0; i < count; i++, at += recordSize) list.push(decode(at));
      out.set(section, list);
    }
    return out;
  };
  const funcInfo = read<FuncInfo>(8, 8, (at) => ({ insnOffset: v.getUint32(at, le), typeId: v.getUint32(at + 4, le) }));
  const lineInfo = read<LineInfo>(16, 16, (at) => {
    const lineCol = v.getUint32(at + 12, le);
    return {
      insnOffset: v.getUint32(at, le),
      fileName: str(v.getUint32(at + 4, le), at + 4),
      line: str(v.getUint32(at + 8, le), at + 8),
      fileNameOffset: v.getUint32(at + 4, le),
      lineOffset: v.getUint32(at + 8, le),
      lineNumber: lineCol >>> 10,
      column: lineCol & 0x3ff,
    };
  });
  const coreRelocations =
    headerLength >= CORE_HEADER
      ? read<CoreRelocation>(24, 16, (at) => {
          const kindNumber = v.getUint32(at + 12, le);
          const kind = CORE_RELOCATION_KIND_NAMES[kindNumber];
          if (!kind) throw new BtfError('BAD_KIND', `unknown CO-RE relocation kind ${kindNumber}`, { offset: at + 12 });
          const accessString = str(v.getUint32(at + 8, le), at + 8);
          return { insnOffset: v.getUint32(at, le), typeId: v.getUint32(at + 4, le), accessString, accessor: parseAccessString(accessString, at + 8), kind };
        })
      : new Map<string, CoreRelocation[]>();
  return { funcInfo, lineInfo, coreRelocations };
}

function parseAccessString(text: string, at: number): number[] {
  if (!/^\d+(:\d+)*$/.test(text)) throw new BtfError('BAD_ACCESS_STRING', `access string "${text}" is not colon-separated indexes`, { offset: at });
  return text.split(':').map(Number);
}
