/**
 * The abstract machine state of one path: the kernel's `bpf_verifier_state`
 * (call frames), `bpf_func_state` (registers and stack of a frame) and
 * `bpf_reg_state`.
 */
import { type Scalar, constScalar, formatScalar, formatScalarRanges, tnumIsConst, formatTnum, unknownScalar, scalarWithin } from './scalar/index.js';
import { type BtfPointee, btfRegTypeStr, sameBtfPointee } from './btf-access.js';

/**
 * What a register holds. Pointer kinds carry a fixed offset `off` and a
 * variable part `value` (a scalar, constant 0 when the offset is fixed); a
 * scalar keeps its bounds in `value`. New pointer kinds (map values, map
 * pointers, memory, BTF objects) join this union with their own fields.
 */
export type RegType =
  | 'not_init' | 'scalar' | 'ptr_to_stack' | 'ptr_to_ctx'
  | 'packet' | 'packet_end' | 'packet_meta' | 'sock_common_or_null' | 'sock_common' | 'sock' | 'sock_or_null'
  /** PTR_TO_TCP_SOCK: a socket read as struct bpf_tcp_sock (bpf_tcp_sock's result). */
  | 'tcp_sock' | 'tcp_sock_or_null'
  | 'map_ptr' | 'map_ptr_or_null' | 'map_value' | 'map_value_or_null' | 'ringbuf_mem' | 'ringbuf_mem_or_null'
  /** PTR_TO_BTF_ID: a kernel struct typed by BTF (`btf` says which, and its trust flags). */
  | 'ptr_to_btf_id' | 'ptr_to_btf_id_or_null'
  /** PTR_TO_MEM | MEM_RDONLY | PTR_UNTRUSTED: what a BTF pointer to a non-struct yields; read through fault-tolerant loads. */
  | 'rdonly_untrusted_mem'
  /** PTR_TO_MEM | MEM_RDONLY of `memSize` bytes: what an open-coded iterator's next() hands out. */
  | 'rdonly_mem'
  /** PTR_TO_MEM of `memSize` bytes: a global function's pointer argument (maybe NULL until checked). */
  | 'mem' | 'mem_or_null'
  /** PTR_TO_FUNC: a function of the program (`callback` is its first slot), for helpers that call back. */
  | 'func'
  /** PTR_TO_MAP_KEY: a key of `map`, read-only (bpf_for_each_map_elem's callbacks get one). */
  | 'map_key';

/** What the verifier knows of a map: the kernel's `struct bpf_map` fields it reads. */
export interface MapInfo {
  readonly name?: string;
  /** A `MapTypeName` of src/maps ('hash', 'array', 'ringbuf', …). */
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /**
   * Frozen contents of a read-only (BPF_F_RDONLY_PROG) array: the kernel reads
   * constant-offset loads from it as known numbers (.rodata).
   */
  readonly frozenData?: Uint8Array;
  /** Map-in-map: what a lookup returns a pointer to. */
  readonly innerMap?: MapInfo;
  /**
   * The map's BTF, when it was created with some (btf_record): where its
   * value holds a `struct bpf_spin_lock`, if it does.
   */
  readonly btf?: { readonly spinLock?: number };
}

export interface Reg {
  readonly type: RegType;
  readonly value: Scalar;
  readonly off: number;
  /** For stack pointers: the call frame whose stack it points into. */
  readonly frameno: number;
  /** Map pointers and map values: the map. */
  readonly map?: MapInfo;
  /** Shared by copies of one maybe-NULL pointer or one packet pointer (the kernel's reg->id); 0 when none. */
  readonly id?: number;
  /** The acquired reference this pointer belongs to (reg->ref_obj_id). */
  readonly refId?: number;
  /** Packet pointers: bytes proven readable from the pointer's variable base (reg->range; −1/−2 mark "at/beyond end"). */
  readonly range?: number;
  /** Helper memory: its size (reg->mem_size). */
  readonly memSize?: number;
  /** BTF pointers: the struct pointed to and the trust flags (reg->btf, reg->btf_id, PTR_TRUSTED/MEM_RCU/PTR_UNTRUSTED). */
  readonly btf?: BtfPointee;
  /**
   * Scalars of remembered states: whether some path from there relied on
   * this exact value (reg->precise). Only such scalars must match when a later
   * state is compared with the remembered one; set by precision backtracking.
   */
  readonly precise?: boolean;
  /** Function pointers: the function's first slot. */
  readonly callback?: number;
}

const ZERO = constScalar(0n);
export const NOT_INIT: Reg = { type: 'not_init', value: ZERO, off: 0, frameno: 0 };
export const scalarReg = (value: Scalar): Reg => ({ type: 'scalar', value, off: 0, frameno: 0 });
export const unknownReg = (): Reg => scalarReg(unknownScalar());
export const pointerReg = (type: RegType, off = 0, frameno = 0): Reg => ({ type, value: ZERO, off, frameno });
export const isPointer = (r: Reg) => r.type !== 'scalar' && r.type !== 'not_init';
/** type_may_be_null. */
export const mayBeNull = (r: Reg) => r.type.endsWith('_or_null');
export const isPacket = (r: Reg) => r.type === 'packet' || r.type === 'packet_meta';

/** The kernel's reg_type_str, for messages. */
export const REG_TYPE_NAME: Record<RegType, string> = {
  not_init: 'inv', scalar: 'scalar', ptr_to_stack: 'fp', ptr_to_ctx: 'ctx', packet: 'pkt', packet_end: 'pkt_end',
  packet_meta: 'pkt_meta', sock_common_or_null: 'sock_common_or_null', sock_common: 'sock_common', sock: 'sock', sock_or_null: 'sock_or_null',
  tcp_sock: 'tcp_sock', tcp_sock_or_null: 'tcp_sock_or_null', map_ptr: 'map_ptr', map_ptr_or_null: 'map_ptr_or_null',
  map_value: 'map_value', map_value_or_null: 'map_value_or_null', ringbuf_mem: 'ringbuf_mem', ringbuf_mem_or_null: 'ringbuf_mem_or_null',
  ptr_to_btf_id: 'ptr_', ptr_to_btf_id_or_null: 'ptr_or_null_', rdonly_untrusted_mem: 'rdonly_untrusted_mem', rdonly_mem: 'rdonly_mem',
  mem: 'mem', mem_or_null: 'mem_or_null', func: 'func', map_key: 'map_key',
};

/** reg_type_str: REG_TYPE_NAME, with the flag prefixes of BTF pointers (`trusted_ptr_or_null_`). */
export const regTypeStr = (r: Reg): string =>
  r.btf ? btfRegTypeStr(r.btf.flags, r.type === 'ptr_to_btf_id_or_null') : REG_TYPE_NAME[r.type];

/** Per-byte stack contents (the kernel's STACK_INVALID, STACK_MISC, STACK_ZERO, STACK_SPILL, STACK_ITER). */
export type SlotType = 'invalid' | 'misc' | 'zero' | 'spill' | 'iter';
const SLOT_CHAR: Record<SlotType, string> = { invalid: '?', misc: 'm', zero: '0', spill: 'r', iter: 'i' };

/**
 * An open-coded iterator living in stack slots (bpf_iter_num…): its kind
 * (`num` for struct bpf_iter_num), whether next() may still yield, how many
 * next() calls deep this path is, and the reference it holds until
 * destroy(). Only the iterator's first (highest) slot carries the reference.
 */
export interface IterSlot {
  readonly kind: string;
  readonly state: 'active' | 'drained';
  readonly depth: number;
  readonly refId: number;
}

/** One 8-byte stack slot; `types[i]` is the kernel's `slot_type[i]` (byte at -(spi*8) - 1 - i... i.e. index 7 is the lowest address). */
export interface StackSlot {
  readonly types: readonly SlotType[];
  readonly spilled: Reg;
  /** Set when every byte is 'iter'. */
  readonly iter?: IterSlot;
}

export const EMPTY_SLOT: StackSlot = { types: Array<SlotType>(8).fill('invalid'), spilled: NOT_INIT };

export interface Frame {
  readonly regs: Reg[];
  /** Slots by index (spi): slot 0 covers fp-8..fp-1. */
  readonly stack: StackSlot[];
  /** Slot of the call that created this frame (-1 for the main frame). */
  readonly callsite: number;
  readonly frameno: number;
  readonly subprog: number;
  /** A callback's frame (in_callback_fn): it returns to the helper call that called it, which runs again. */
  readonly inCallback?: boolean;
  /** Callback iterations entered from this frame since it last went on past the call (callback_depth). */
  callbackDepth?: number;
}

export function newFrame(frameno: number, callsite: number, subprog: number): Frame {
  const regs = Array<Reg>(11).fill(NOT_INIT);
  regs[10] = pointerReg('ptr_to_stack', 0, frameno);
  return { regs, stack: [], callsite, frameno, subprog };
}

export const cloneFrame = (f: Frame): Frame => ({ ...f, regs: [...f.regs], stack: [...f.stack] });

/** A register as the kernel's log prints it (`R1=ctx()` without the name). */
export function formatReg(r: Reg): string {
  switch (r.type) {
    case 'not_init': return 'inv';
    case 'scalar': return formatScalar(r.value);
    case 'ptr_to_stack': {
      if (tnumIsConst(r.value.varOff)) return `fp${r.off + Number(BigInt.asIntN(64, r.value.varOff.value))}`;
      return `fp(${pointerExtras(r)})`;
    }
    default:
      // BTF pointers name their struct: `trusted_ptr_task_struct()`.
      if (r.btf) return `${regTypeStr(r)}${r.btf.btf.type(r.btf.id).name}(${pointerExtras(r)})`;
      return `${REG_TYPE_NAME[r.type]}(${pointerExtras(r)})`;
  }
}

/** print_reg_state's order: id, ref_obj_id, map, off, range, size, variable part. */
function pointerExtras(r: Reg): string {
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.refId) parts.push(`ref_obj_id=${r.refId}`);
  if (r.map) {
    if (r.map.name) parts.push(`map=${r.map.name.slice(0, 15)}`);
    parts.push(`ks=${r.map.keySize},vs=${r.map.valueSize}`);
  }
  if (r.off) parts.push(`off=${r.off}`);
  if (r.type === 'packet' || r.type === 'packet_meta' || r.type === 'packet_end') parts.push(`r=${r.range ?? 0}`);
  if (r.memSize !== undefined) parts.push(`sz=${r.memSize}`);
  if (!tnumIsConst(r.value.varOff)) {
    const ranges = formatScalarRanges(r.value);
    if (ranges) parts.push(ranges);
    parts.push(`var_off=${formatTnum(r.value.varOff)}`);
  }
  return parts.join(',');
}

/** A stack slot as the log prints it: the spilled register, or one character per byte. */
export function formatSlot(slot: StackSlot): string {
  if (slot.types.every((t) => t === 'spill')) return formatReg(slot.spilled);
  if (slot.iter) return `iter_${slot.iter.kind}(ref_id=${slot.iter.refId},state=${slot.iter.state},depth=${slot.iter.depth})`;
  return slot.types.map((t) => SLOT_CHAR[t]).join('');
}

/** All initialised registers and stack slots of a frame, as the log's state lines. */
export function formatFrame(f: Frame): string {
  const parts: string[] = [];
  f.regs.forEach((r, i) => { if (r.type !== 'not_init') parts.push(`R${i}=${formatReg(r)}`); });
  f.stack.forEach((s, spi) => {
    // An iterator prints once, from the slot holding its reference.
    if (s && s.types.some((t) => t !== 'invalid') && s.iter?.refId !== 0) parts.push(`fp-${(spi + 1) * 8}=${formatSlot(s)}`);
  });
  return parts.join(' ');
}

/**
 * How strictly states are compared (the kernel's `enum exact_level`):
 * `not_exact` lets an imprecise scalar of the old state stand for any
 * scalar; `range_within` treats every scalar as precise (for loop states
 * whose precision marks are not final yet).
 */
export type ExactLevel = 'not_exact' | 'range_within';

/** Whether every concrete state `cur` stands for is also one `old` stands for (the kernel's `regsafe`). */
export function regSafe(old: Reg, cur: Reg, ids: IdMap, exact: ExactLevel = 'range_within'): boolean {
  if (old.type === 'not_init') return true;
  if (old.type !== cur.type) return false;
  if (old.type === 'scalar') return (!old.precise && exact === 'not_exact') || scalarWithin(old.value, cur.value);
  if (!sameMap(old.map, cur.map) || old.memSize !== cur.memSize || !sameBtfPointee(old.btf, cur.btf)) return false;
  if (old.type === 'packet' || old.type === 'packet_meta') {
    // Any access proven safe with the old range stays safe with a larger one.
    if ((old.range ?? 0) > (cur.range ?? 0)) return false;
    // The at/beyond-end markers decided branches; Linux lets a plain range stand in for them, this engine wants the same marker.
    if (((old.range ?? 0) < 0 || (cur.range ?? 0) < 0) && old.range !== cur.range) return false;
  } else if ((old.range ?? 0) !== (cur.range ?? 0)) return false;
  return old.off === cur.off && old.frameno === cur.frameno && ids.check(old.id ?? 0, cur.id ?? 0)
    && ids.check(old.refId ?? 0, cur.refId ?? 0) && scalarWithin(old.value, cur.value);
}

/**
 * Whether two map descriptions are interchangeable for the verifier: it reads
 * only these properties, so two descriptions of one map (callers may build a
 * fresh object per lddw) compare equal.
 */
export function sameMap(a: MapInfo | undefined, b: MapInfo | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.type === b.type && a.keySize === b.keySize && a.valueSize === b.valueSize && a.maxEntries === b.maxEntries
    && a.flags === b.flags && a.name === b.name && a.frozenData === b.frozenData && sameMap(a.innerMap, b.innerMap)
    && a.btf?.spinLock === b.btf?.spinLock && (a.btf === undefined) === (b.btf === undefined);
}

/**
 * check_ids: ids in the old state must map one-to-one onto ids in the current
 * one, so registers that share a NULL check or a packet range in one state
 * share it in the other.
 */
export class IdMap {
  readonly #oldToCur = new Map<number, number>();
  readonly #curToOld = new Map<number, number>();
  check(old: number, cur: number): boolean {
    if ((old === 0) !== (cur === 0)) return false;
    if (old === 0) return true;
    const c = this.#oldToCur.get(old);
    if (c !== undefined) return c === cur;
    if (this.#curToOld.has(cur)) return false;
    this.#oldToCur.set(old, cur);
    this.#curToOld.set(cur, old);
    return true;
  }
}

/** A full 8-byte spill (is_spilled_reg64: the lowest byte is part of the spill). */
export const isFullSpill = (slot: StackSlot) => slot.types[0] === 'spill';

const UNBOUND = unknownReg();

/** scalar_reg_for_stack: a slot that reads back as one scalar (a 64-bit scalar spill, or eight bytes of anything). */
function scalarForSlot(slot: StackSlot, allowUninit: boolean): Reg | undefined {
  if (isFullSpill(slot) && slot.spilled.type === 'scalar') return slot.spilled;
  if (slot.types.every((t) => t === 'misc' || (allowUninit && t === 'invalid'))) return UNBOUND;
  return undefined;
}

/** The kernel's `stacksafe` with `allow_uninit_stack` (privileged): misc and invalid bytes of `old` match anything. */
export function stackSafe(old: Frame, cur: Frame, allowUninit: boolean, ids: IdMap, exact: ExactLevel = 'range_within'): boolean {
  for (let spi = 0; spi < old.stack.length; spi++) {
    const o = old.stack[spi];
    if (!o) continue;
    const c = cur.stack[spi] ?? EMPTY_SLOT;
    // A spilled scalar and eight bytes of unknown data read back alike.
    const os = scalarForSlot(o, allowUninit);
    const cs = os && scalarForSlot(c, allowUninit);
    if (os && cs) {
      if (!regSafe(os, cs, ids, exact)) return false;
      continue;
    }
    for (let i = 0; i < 8; i++) {
      const t = o.types[i]!;
      if (t === 'invalid' || (allowUninit && t === 'misc')) continue;
      if (t !== c.types[i]) return false;
    }
    if (o.types[7] === 'spill' && !regSafe(o.spilled, c.spilled, ids, exact)) return false;
    if (o.iter && !iterSafe(o.iter, c.iter, ids)) return false;
  }
  return true;
}

/** An iterator covers another of the same kind and state; depth is ignored so that its iterations can converge. */
function iterSafe(old: IterSlot, cur: IterSlot | undefined, ids: IdMap): boolean {
  return cur !== undefined && old.kind === cur.kind && old.state === cur.state && ids.check(old.refId, cur.refId);
}

/** Identical iterators, depth included (iter_active_depths_differ keeps deeper iterations from looking like an infinite loop). */
export const sameIter = (a: IterSlot | undefined, b: IterSlot | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.kind === b.kind && a.state === b.state && a.depth === b.depth && a.refId === b.refId);
