/** btf: BPF Type Format: types, `.BTF.ext` records, values shown by type, and BTF dumped as C. */
export { Btf, parseBtf, BTF_MAGIC, POINTER_SIZE } from './btf.js';
export type { ParseBtfOptions } from './btf.js';
export { BtfKind, IntEncoding, TRANSPARENT_KINDS } from './types.js';
export type {
  BtfType,
  BtfKindName,
  VoidType,
  IntType,
  PointerType,
  ArrayType,
  CompositeType,
  Member,
  EnumType,
  EnumValue,
  FwdType,
  RefType,
  FuncType,
  FuncProtoType,
  Param,
  VarType,
  VarSecinfo,
  DatasecType,
  FloatType,
  DeclTagType,
  Linkage,
} from './types.js';
export { parseBtfExt, CoreRelocationKind, CORE_RELOCATION_KIND_NAMES } from './ext.js';
export type { BtfExt, FuncInfo, LineInfo, CoreRelocation, CoreRelocationKindName, PerSection } from './ext.js';
export { dumpC } from './c-dump.js';
export type { DumpCOptions } from './c-dump.js';
export { valueToJson, valueToText } from './value.js';
export type { JsonValue } from './value.js';
export { formatRaw, formatRawType } from './raw.js';
export { loadBtf } from './load.js';
export { BtfError } from './errors.js';
export type { BtfErrorCode, BtfLocation } from './errors.js';
export { resolveLocalAccess, enumValueOf } from './access.js';
export type { AccessStep, LocalAccess } from './access.js';
