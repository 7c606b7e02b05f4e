/**
 * The opcode byte of RFC 9669, field by field.
 *
 * ```
 *   7 6 5 4 3 2 1 0
 *  +-------+-+-----+
 *  |  op   |s|class|   ALU, ALU64, JMP, JMP32   (s = source: K imm / X reg)
 *  +-------+-+-----+
 *  | mode|sz |class|   LD, LDX, ST, STX
 *  +-----+---+-----+
 * ```
 *
 * Every constant is the value of its field already shifted into place, so an
 * opcode is the bitwise OR of a class, a source or size, and an operation or mode.
 */

/** Instruction class: the low three bits. */
export const Class = {
  /** Non-standard loads: lddw (imm64) and the legacy packet loads LD_ABS / LD_IND. */
  LD: 0x00,
  /** `dst = *(size *)(src + off)` */
  LDX: 0x01,
  /** `*(size *)(dst + off) = imm` */
  ST: 0x02,
  /** `*(size *)(dst + off) = src`, and the atomics. */
  STX: 0x03,
  /** 32-bit arithmetic; results are zero-extended to 64 bits. */
  ALU: 0x04,
  /** 64-bit jumps, calls and exit. */
  JMP: 0x05,
  /** 32-bit jumps: compare the low halves of the operands. */
  JMP32: 0x06,
  /** 64-bit arithmetic. */
  ALU64: 0x07,
} as const;
export type Class = (typeof Class)[keyof typeof Class];

/** Operand source of ALU and JMP instructions (bit 3). */
export const Source = {
  /** The 32-bit immediate, sign-extended to 64 bits. */
  K: 0x00,
  /** The src register. */
  X: 0x08,
} as const;
export type Source = (typeof Source)[keyof typeof Source];

/** Arithmetic operations (bits 4–7 of ALU and ALU64 opcodes). */
export const AluOp = {
  /** `dst += src` */
  ADD: 0x00,
  /** `dst -= src` */
  SUB: 0x10,
  /** `dst *= src` */
  MUL: 0x20,
  /** `dst = src ? dst / src : 0` (unsigned; off=1: signed) */
  DIV: 0x30,
  /** `dst |= src` */
  OR: 0x40,
  /** `dst &= src` */
  AND: 0x50,
  /** `dst <<= (src & mask)` */
  LSH: 0x60,
  /** `dst >>= (src & mask)` (logical) */
  RSH: 0x70,
  /** `dst = -dst` */
  NEG: 0x80,
  /** `dst = src ? dst % src : dst` (unsigned; off=1: signed) */
  MOD: 0x90,
  /** `dst ^= src` */
  XOR: 0xa0,
  /** `dst = src` (off=8/16/32 with X: sign-extending move) */
  MOV: 0xb0,
  /** `dst >>= (src & mask)` (arithmetic) */
  ARSH: 0xc0,
  /** Byte swap: to little/big endian (ALU) or unconditional (ALU64); imm = width. */
  END: 0xd0,
} as const;
export type AluOp = (typeof AluOp)[keyof typeof AluOp];

/** Jump operations (bits 4–7 of JMP and JMP32 opcodes). */
export const JmpOp = {
  /** `PC += off` (JMP) or `PC += imm` (JMP32, "gotol") */
  JA: 0x00,
  /** `PC += off if dst == src` */
  JEQ: 0x10,
  /** `PC += off if dst > src` (unsigned) */
  JGT: 0x20,
  /** `PC += off if dst >= src` (unsigned) */
  JGE: 0x30,
  /** `PC += off if dst & src` */
  JSET: 0x40,
  /** `PC += off if dst != src` */
  JNE: 0x50,
  /** `PC += off if dst > src` (signed) */
  JSGT: 0x60,
  /** `PC += off if dst >= src` (signed) */
  JSGE: 0x70,
  /** Call a helper (src 0), a local function (src 1) or a kfunc (src 2); with X: callx. */
  CALL: 0x80,
  /** Return r0 to the caller. */
  EXIT: 0x90,
  /** `PC += off if dst < src` (unsigned) */
  JLT: 0xa0,
  /** `PC += off if dst <= src` (unsigned) */
  JLE: 0xb0,
  /** `PC += off if dst < src` (signed) */
  JSLT: 0xc0,
  /** `PC += off if dst <= src` (signed) */
  JSLE: 0xd0,
} as const;
export type JmpOp = (typeof JmpOp)[keyof typeof JmpOp];

/** Access size of load and store instructions (bits 3–4). */
export const Size = {
  /** 4 bytes */
  W: 0x00,
  /** 2 bytes */
  H: 0x08,
  /** 1 byte */
  B: 0x10,
  /** 8 bytes */
  DW: 0x18,
} as const;
export type Size = (typeof Size)[keyof typeof Size];

/** Addressing mode of load and store instructions (bits 5–7). */
export const Mode = {
  /** lddw: 64-bit immediate over two slots. */
  IMM: 0x00,
  /** Legacy packet load at an absolute offset. */
  ABS: 0x20,
  /** Legacy packet load at a register-relative offset. */
  IND: 0x40,
  /** Regular memory access. */
  MEM: 0x60,
  /** Sign-extending load (v4). */
  MEMSX: 0x80,
  /** Atomic read-modify-write; the operation is in imm. */
  ATOMIC: 0xc0,
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Atomic operations, carried in the immediate of STX|ATOMIC instructions. */
export const AtomicOp = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  /** Flag: return the old value in src. */
  FETCH: 0x01,
  /** Exchange (always fetches). */
  XCHG: 0xe1,
  /** Compare with r0 and exchange; the old value lands in r0. */
  CMPXCHG: 0xf1,
} as const;

/** The src field of lddw: what the 64-bit immediate means. */
export const PseudoSrc = {
  /** A plain 64-bit constant. */
  IMM64: 0,
  /** imm = a map fd; loads a map pointer. */
  MAP_FD: 1,
  /** imm = a map fd, next imm = offset; loads the address of a map value. */
  MAP_VALUE: 2,
  /** imm = a BTF id of a kernel variable. */
  BTF_ID: 3,
  /** imm = relative offset of a function; loads its address (callbacks). */
  FUNC: 4,
  /** imm = an index in the fd array. */
  MAP_IDX: 5,
  /** imm = an index in the fd array, next imm = offset into the value. */
  MAP_IDX_VALUE: 6,
} as const;
export type PseudoSrc = (typeof PseudoSrc)[keyof typeof PseudoSrc];

/** The src field of call: what the immediate names. */
export const CallSrc = {
  /** A helper function by id. */
  HELPER: 0,
  /** A local (bpf-to-bpf) function; imm = target - pc - 1. */
  LOCAL: 1,
  /** A kernel function by BTF id. */
  KFUNC: 2,
} as const;
export type CallSrc = (typeof CallSrc)[keyof typeof CallSrc];

/** Masks to take an opcode apart. */
export const CLASS_MASK = 0x07;
export const SOURCE_MASK = 0x08;
export const OP_MASK = 0xf0;
export const SIZE_MASK = 0x18;
export const MODE_MASK = 0xe0;

/** The frame pointer (read-only). */
export const FRAME_POINTER = 10;
/** Registers r0–r10. */
export const REGISTER_COUNT = 11;
/** Bytes of stack per frame. */
export const STACK_SIZE = 512;
/** Bytes per instruction slot. */
export const SLOT_SIZE = 8;

/** Bytes accessed by each Size. */
export function sizeBytes(size: Size): 1 | 2 | 4 | 8 {
  switch (size) {
    case Size.B: return 1;
    case Size.H: return 2;
    case Size.W: return 4;
    default: return 8;
  }
}

/** The Size field for an access width in bytes. */
export function sizeOf(bytes: 1 | 2 | 4 | 8): Size {
  switch (bytes) {
    case 1: return Size.B;
    case 2: return Size.H;
    case 4: return Size.W;
    default: return Size.DW;
  }
}
