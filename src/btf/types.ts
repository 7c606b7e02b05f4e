/** BTF types as typed records: a discriminated union on `kind`. */

/** The numeric kinds of the BTF format (`BTF_KIND_*`). */
export const BtfKind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** Bits of an int type's encoding. */
export const IntEncoding = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;

/** Linkage of a function or variable. */
export type Linkage = 'static' | 'global' | 'extern';
export const LINKAGES: readonly Linkage[] = ['static', 'global', 'extern'];

interface Base {
  /** Type id: 0 is void; ids of split BTF continue after their base. */
  readonly id: number;
  /** Name, '' when anonymous. */
  readonly name: string;
}

export interface VoidType extends Base { readonly kind: 'void' }
export interface IntType extends Base {
  readonly kind: 'int';
  readonly size: number;
  readonly signed: boolean;
  readonly char: boolean;
  readonly bool: boolean;
  /** Bit offset of the value inside its storage (old-style bitfields). */
  readonly offset: number;
  readonly bits: number;
}
export interface PointerType extends Base { readonly kind: 'ptr'; readonly type: number }
export interface ArrayType extends Base {
  readonly kind: 'array';
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}
export interface Member {
  readonly name: string;
  readonly type: number;
  /** Offset of the member from the start of the struct, in bits. */
  readonly bitOffset: number;
  /** Width of a bitfield in bits, 0 when the member is not a bitfield. */
  readonly bitfieldSize: number;
}
export interface CompositeType extends Base {
  readonly kind: 'struct' | 'union';
  readonly size: number;
  readonly members: readonly Member[];
}
export interface EnumValue { readonly name: string; readonly value: bigint }
export interface EnumType extends Base {
  readonly kind: 'enum' | 'enum64';
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly EnumValue[];
}
export interface FwdType extends Base { readonly kind: 'fwd'; readonly fwdKind: 'struct' | 'union' }
/** typedef, the three qualifiers, and type tags: a name or attribute over another type. */
export interface RefType extends Base {
  readonly kind: 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag';
  readonly type: number;
}
export interface FuncType extends Base { readonly kind: 'func'; readonly type: number; readonly linkage: Linkage }
export interface Param { readonly name: string; readonly type: number }
export interface FuncProtoType extends Base {
  readonly kind: 'func_proto';
  readonly returnType: number;
  /** Parameters without the trailing variadic marker. */
  readonly params: readonly Param[];
  readonly variadic: boolean;
}
export interface VarType extends Base { readonly kind: 'var'; readonly type: number; readonly linkage: Linkage }
export interface VarSecinfo { readonly type: number; readonly offset: number; readonly size: number }
export interface DatasecType extends Base { readonly kind: 'datasec'; readonly size: number; readonly vars: readonly VarSecinfo[] }
export interface FloatType extends Base { readonly kind: 'float'; readonly size: number }
export interface DeclTagType extends Base {
  readonly kind: 'decl_tag';
  readonly type: number;
  /** -1 when the tag is on the type itself, else the member or parameter index. */
  readonly componentIdx: number;
}

/** Any BTF type. */
export type BtfType =
  | VoidType
  | IntType
  | PointerType
  | ArrayType
  | CompositeType
  | EnumType
  | FwdType
  | RefType
  | FuncType
  | FuncProtoType
  | VarType
  | DatasecType
  | FloatType
  | DeclTagType;

export type BtfKindName = BtfType['kind'];

/** Kinds that only qualify or name another type; `resolve` skips them. */
export const TRANSPARENT_KINDS: ReadonlySet<BtfKindName> = new Set(['typedef', 'volatile', 'const', 'restrict', 'type_tag']);
