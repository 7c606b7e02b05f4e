/**
 * ObjectSpec: what an ELF object holds, independent of where it will run.
 * The userspace runtime and the kernel target both load one; each fills in
 * the map references (an fd for the kernel, an address for the runtime).
 */
import type { Btf, BtfExt, CoreRelocation, LineInfo } from '../btf/index.js';
import type { Instruction } from '../isa/index.js';
import type { MapTypeName } from '../maps/map.js';
import type { AttachTypeName, ProgramTypeName, SectionKind } from './program-types.js';

/**
 * How a map is pinned: `LIBBPF_PIN_NONE`, `LIBBPF_PIN_BY_NAME`, or a value
 * other loaders define (iproute2's PIN_GLOBAL_NS, Cilium's own), kept in `pinningValue`.
 */
export type Pinning = 'none' | 'by-name' | 'other';

export interface ObjectMapSpec {
  readonly name: string;
  readonly type: MapTypeName;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly numaNode?: number;
  readonly mapExtra?: number;
  readonly pinning: Pinning;
  readonly pinningValue?: number;
  /** BTF ids of the key and value types in the object's BTF, when declared with `__type`. */
  readonly keyType?: number;
  readonly valueType?: number;
  /** Map-in-map: the inner map's definition (its name is `<outer>.inner`). */
  readonly innerMap?: ObjectMapSpec;
  /** Initial value of a global-data map (its section's bytes; zeros for .bss). */
  readonly data?: Uint8Array;
  /**
   * Initial slots of a map-in-map or prog array: index → the name of a map
   * (map-in-map) or a program (prog array).
   */
  readonly initialSlots?: ReadonlyMap<number, string>;
  /** What made it: a BTF `.maps` definition, a legacy `maps` entry, a global-data section, or `.kconfig`. */
  readonly origin: 'btf' | 'legacy' | 'data' | 'kconfig';
  /** For data maps: the ELF section, e.g. `.rodata` or `.data.custom`. */
  readonly section?: string;
  /** Read-only for programs (.rodata and .kconfig: BPF_F_RDONLY_PROG, frozen after initialisation). */
  readonly readOnly: boolean;
}

/** A global variable of a data section, for users and for `inspect`. */
export interface VariableSpec {
  readonly name: string;
  /** The data map (section) that holds it. */
  readonly map: string;
  readonly offset: number;
  readonly size: number;
  /** Its BTF type id (0 when the object has no BTF for it). */
  readonly type: number;
  readonly global: boolean;
}

/** A `.kconfig` or `.ksyms` extern. */
export interface ExternSpec {
  readonly name: string;
  readonly kind: 'kconfig' | 'ksym-var' | 'ksym-func';
  readonly weak: boolean;
  /** BTF type id (of the var or func) in the object's BTF; 0 for typeless ksyms. */
  readonly type: number;
  /** `.kconfig`: offset of the value in the kconfig map. */
  readonly offset?: number;
  readonly size?: number;
}

/**
 * What an instruction refers to and the target must fill in. The instruction
 * itself keeps src set (MAP_FD, MAP_VALUE, BTF_ID, FUNC, KFUNC call) and a zero
 * immediate where the target's number goes.
 */
export type Reference =
  | { readonly kind: 'map'; readonly index: number; readonly map: string }
  | { readonly kind: 'map-value'; readonly index: number; readonly map: string; readonly offset: number }
  | { readonly kind: 'ksym'; readonly index: number; readonly name: string; readonly typed: boolean }
  | { readonly kind: 'kfunc'; readonly index: number; readonly name: string };

/** A CO-RE relocation at an instruction of a linked program. */
export interface ProgramCoreRelocation extends CoreRelocation {
  /** Index of the instruction in the linked program. */
  readonly index: number;
}

export interface ProgramFuncInfo { readonly index: number; readonly typeId: number }
export interface ProgramLineInfo extends Omit<LineInfo, 'insnOffset'> {
  readonly index: number;
}

/** A subprogram linked into a program: where it starts. */
export interface LinkedFunction {
  readonly name: string;
  readonly section: string;
  readonly start: number;
  readonly length: number;
}

export interface ProgramSpec {
  /** The function symbol's name. */
  readonly name: string;
  readonly section: string;
  /** What the section name says (undefined for a section libbpf does not know). */
  readonly kind?: SectionKind;
  readonly type: ProgramTypeName;
  readonly attachType?: AttachTypeName;
  readonly attachTo: string;
  readonly sleepable: boolean;
  /** The program and, after it, every subprogram it calls (bpf-to-bpf calls and callbacks relocated). */
  readonly instructions: readonly Instruction[];
  /** Instructions of the entry function alone (before the subprograms). */
  readonly entryLength: number;
  readonly functions: readonly LinkedFunction[];
  readonly references: readonly Reference[];
  readonly coreRelocations: readonly ProgramCoreRelocation[];
  readonly funcInfo: readonly ProgramFuncInfo[];
  readonly lineInfo: readonly ProgramLineInfo[];
  readonly license: string;
}

/**
 * A struct_ops map of `.struct_ops` or `.struct_ops.link`: a variable of a
 * kernel ops struct (`struct tcp_congestion_ops`) whose function pointers
 * libbpf fills with programs. The verifier needs it to know which member, and
 * so which function prototype, each struct_ops program implements.
 */
export interface StructOpsSpec {
  /** The variable's name, which libbpf gives the map. */
  readonly name: string;
  readonly section: '.struct_ops' | '.struct_ops.link';
  /** The struct's name (`tcp_congestion_ops`), looked up in the kernel's BTF. */
  readonly typeName: string;
  /** Member name → the program (function symbol) that fills it. */
  readonly members: ReadonlyMap<string, string>;
}

export interface ObjectSpec {
  readonly programs: readonly ProgramSpec[];
  /** struct_ops maps, when the object has `.struct_ops` sections. */
  readonly structOps?: readonly StructOpsSpec[];
  readonly maps: readonly ObjectMapSpec[];
  readonly variables: readonly VariableSpec[];
  readonly externs: readonly ExternSpec[];
  readonly license: string;
  /** The `version` section (old kprobe programs), if any. */
  readonly kernelVersion?: number;
  readonly btf?: Btf;
  /** The raw `.BTF` section, for loading into the kernel. */
  readonly btfBytes?: Uint8Array;
  readonly btfExt?: BtfExt;
  /** Functions of `.text` that are not programs, with their instruction count. */
  readonly subprograms: readonly { readonly name: string; readonly start: number; readonly length: number; readonly global: boolean }[];
  /** Programs left out because they could not be linked (only with `skipUnlinkable`). */
  readonly unlinked?: readonly { readonly name: string; readonly section: string; readonly error: Error }[];
}
