/**
 * The format rules of bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf.
 *
 * The kernel formats in two steps, and so does this module, on purpose:
 *
 * 1. `bpf_bprintf_prepare` (kernel/bpf/helpers.c) checks the format and packs
 *    the arguments into a 512-byte per-CPU buffer: integers as 4 or 8 bytes,
 *    strings (`%s`, `%pks`, `%pus`) and IP addresses (`%pI4`…) copied in as
 *    NUL-terminated text, pointers as 8 bytes. Whatever it does not accept is
 *    -EINVAL; running out of that buffer is -ENOSPC.
 * 2. `bstr_printf` (lib/vsprintf.c) renders the format against that buffer.
 *
 * Keeping the two steps (with a real byte buffer between them) reproduces the
 * kernel's corner cases without special-casing them: a long `%s` eats the
 * space later arguments need, and `%p%d` (the check skips the `%` after a bare
 * `%p`, the renderer does not) reads an argument that was never packed.
 *
 * Text is handled as bytes: a returned string holds one character per byte
 * (latin1), NULs included, exactly what the kernel would have in its buffer.
 */
import type { AddressSpace } from '../memory/index.js';

export const EFAULT = 14;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;

/** Arguments bpf_trace_printk passes (r3..r5). */
export const MAX_TRACE_PRINTK_VARARGS = 3;
/** Arguments bpf_trace_vprintk, bpf_snprintf and bpf_seq_printf accept. */
export const MAX_BPRINTF_VARARGS = 12;
/** The output buffer of bpf_trace_printk / bpf_trace_vprintk (1023 characters and a NUL). */
export const MAX_BPRINTF_BUF = 1024;
/** The packed-argument buffer of bpf_bprintf_prepare. */
export const MAX_BPRINTF_BIN_ARGS = 512;

export type FormatResult =
  /** `text` is what landed in a buffer of the requested size (without the NUL); `length` is bstr_printf's return: the untruncated length. */
  | { readonly text: string; readonly length: number }
  /** A positive errno (EINVAL, ENOSPC, EFAULT); the helper returns its negation. */
  | { readonly errno: number };

export interface FormatOptions {
  /**
   * Size of the output buffer, NUL included (bstr_printf's `size`); default
   * MAX_BPRINTF_BUF, as trace_printk uses. 0 renders nothing but still
   * computes the length, as bpf_snprintf(NULL, 0, …) does.
   */
  readonly outputSize?: number;
}

// ---------------------------------------------------------------------------
// Byte classes as the kernel's <linux/ctype.h> sees ASCII.

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
/** The kernel's isspace also counts 0xa0 (latin1 NBSP); the callers here reject non-ASCII first or want it. */
export const isKernelSpace = (c: number) => (c >= 9 && c <= 13) || c === 0x20 || c === 0xa0;
const isPrint = (c: number) => c >= 0x20 && c <= 0x7e;
const isPunct = (c: number) => isPrint(c) && c !== 0x20 && !isAlnum(c);

// ---------------------------------------------------------------------------
// Reading the address space the way the *_nofault accessors do.

/** How many bytes starting at `address` are inside live regions (regions may abut). */
function readableFrom(space: AddressSpace, address: number, wanted: number): number {
  let available = 0;
  while (available < wanted) {
    const region = space.regionAt(address + available, 1);
    if (!region) break;
    available = region.start + region.size - address;
  }
  return Math.min(available, wanted);
}

/** copy_from_kernel_nofault: all of it, or nothing. */
export function readNofault(space: AddressSpace, address: number, size: number): Uint8Array | undefined {
  if (size === 0) return new Uint8Array(0);
  if (!Number.isSafeInteger(address) || address < 0) return undefined;
  if (readableFrom(space, address, size) < size) return undefined;
  return space.bytes.slice(address, address + size);
}

/**
 * strncpy_from_kernel_nofault: copies up to `count` bytes, stopping after a
 * NUL. Returns the bytes copied including the NUL (the string is cut to
 * count - 1 characters when no NUL came in time, and `length` is count), or
 * undefined on a fault before the copy ended.
 */
export function readStringNofault(space: AddressSpace, address: number, count: number): { bytes: Uint8Array; length: number } | undefined {
  if (count <= 0) return { bytes: new Uint8Array(0), length: 0 };
  if (!Number.isSafeInteger(address) || address < 0) return undefined;
  const readable = readableFrom(space, address, count);
  const bytes = space.bytes;
  for (let i = 0; i < readable; i++) {
    if (bytes[address + i] === 0) return { bytes: bytes.slice(address, address + i + 1), length: i + 1 };
  }
  if (readable < count) return undefined;
  const out = bytes.slice(address, address + count);
  out[count - 1] = 0;
  return { bytes: out, length: count };
}

/** Interprets a register as an address in the space; values beyond 2^53 are never mapped. */
export function toAddress(value: bigint | number): number {
  if (typeof value === 'number') return value;
  const v = BigInt.asUintN(64, value);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
}

// ---------------------------------------------------------------------------
// Pointer hashing (%p, %pK): the kernel prints siphash(ptr, boot key) & 0xffffffff
// so addresses do not leak. The key is per process here, so values are stable
// within a run and meaningless across runs, as in the kernel across boots.

const HASH_KEY = (() => {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return (BigInt(words[0]!) << 32n) | BigInt(words[1]!);
})();

function hashPointer(ptr: bigint): bigint {
  // splitmix64's finaliser: enough to scatter addresses; not a security boundary.
  let z = BigInt.asUintN(64, ptr ^ HASH_KEY);
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  z ^= z >> 31n;
  return z & 0xffffffffn;
}

const isErrOrNull = (ptr: bigint) => ptr === 0n || ptr >= BigInt.asUintN(64, -4095n);

// ---------------------------------------------------------------------------
// Output buffer with vsprintf's `str < end` discipline: bytes past `size` are
// counted but not stored.

class Output {
  readonly #size: number;
  #chars: string[] = [];
  length = 0;
  constructor(size: number) {
    this.#size = size;
  }
  /** True while a byte written now would be stored (`str < end`). */
  get roomy(): boolean {
    return this.length < this.#size;
  }
  put(text: string): void {
    const room = this.#size - this.length;
    if (room > 0) this.#chars.push(text.length <= room ? text : text.slice(0, room));
    this.length += text.length;
  }
  pad(ch: string, n: number): void {
    if (n <= 0) return;
    const room = this.#size - this.length;
    if (room > 0) this.#chars.push(ch.repeat(Math.min(n, room)));
    this.length += n;
  }
  /** The NUL-terminated result: at most size - 1 bytes. */
  text(): string {
    const all = this.#chars.join('');
    return this.#size === 0 ? '' : all.slice(0, Math.min(all.length, this.#size - 1));
  }
}

// ---------------------------------------------------------------------------
// number() and friends from lib/vsprintf.c.

const SIGN = 1, LEFT = 2, PLUS = 4, SPACE = 8, ZEROPAD = 16, SMALL = 32, SPECIAL = 64;

interface Spec {
  flags: number;
  /** -1: none. */
  fieldWidth: number;
  /** -1: none. */
  precision: number;
  base: number;
}

/** field_width is a signed 24-bit bitfield, precision a signed 16-bit one. */
const toWidth = (n: number) => (n << 8) >> 8;
const toPrecision = (n: number) => (n << 16) >> 16;

function number(out: Output, value: bigint, spec: Spec): void {
  let num = BigInt.asUintN(64, value);
  let flags = spec.flags;
  const needPrefix = (flags & SPECIAL) !== 0 && spec.base !== 10;
  const isZero = num === 0n;
  let fieldWidth = spec.fieldWidth;
  let precision = spec.precision;
  if (flags & LEFT) flags &= ~ZEROPAD;
  let sign = '';
  if (flags & SIGN) {
    if (BigInt.asIntN(64, num) < 0n) {
      sign = '-';
      num = BigInt.asUintN(64, -BigInt.asIntN(64, num));
      fieldWidth--;
    } else if (flags & PLUS) {
      sign = '+';
      fieldWidth--;
    } else if (flags & SPACE) {
      sign = ' ';
      fieldWidth--;
    }
  }
  if (needPrefix) {
    if (spec.base === 16) fieldWidth -= 2;
    else if (!isZero) fieldWidth--;
  }
  let digits = num.toString(spec.base);
  digits = flags & SMALL ? digits.toLowerCase() : digits.toUpperCase();
  if (digits.length > precision) precision = digits.length;
  fieldWidth -= precision;
  if (!(flags & (ZEROPAD | LEFT))) {
    out.pad(' ', fieldWidth);
    fieldWidth = Math.min(fieldWidth, 0);
  }
  out.put(sign);
  if (needPrefix) {
    if (spec.base === 16 || !isZero) out.put('0');
    if (spec.base === 16) out.put(flags & SMALL ? 'x' : 'X');
  }
  if (!(flags & LEFT)) {
    out.pad(flags & ZEROPAD ? '0' : ' ', fieldWidth);
    fieldWidth = Math.min(fieldWidth, 0);
  }
  out.pad('0', precision - digits.length);
  out.put(digits);
  out.pad(' ', fieldWidth);
}

/** string_nocheck + widen_string. */
function string(out: Output, s: string, spec: Spec): void {
  const text = spec.precision >= 0 ? s.slice(0, spec.precision) : s;
  const spaces = spec.fieldWidth - text.length;
  if (spaces > 0 && !(spec.flags & LEFT)) out.pad(' ', spaces);
  out.put(text);
  if (spaces > 0 && spec.flags & LEFT) out.pad(' ', spaces);
}

function pointerString(out: Output, ptr: bigint, spec: Spec): void {
  const s: Spec = { ...spec, base: 16, flags: spec.flags | SMALL };
  if (s.fieldWidth === -1) {
    s.fieldWidth = 16;
    s.flags |= ZEROPAD;
  }
  number(out, ptr, s);
}

/** pointer() for the conversions whose argument is a plain pointer. */
function pointer(out: Output, kind: number, ptr: bigint, spec: Spec): void {
  switch (kind) {
    case 0x53: case 0x73: case 0x42: // S s B: no kallsyms here, so the kernel's fallback for an unknown address
      string(out, `0x${ptr.toString(16)}`, spec);
      return;
    case 0x78: // x
      pointerString(out, ptr, spec);
      return;
    default: // bare %p, and %pK with kptr_restrict=0: hashed
      pointerString(out, isErrOrNull(ptr) ? ptr : hashPointer(ptr), spec);
  }
}

// ---------------------------------------------------------------------------
// format_decode from lib/vsprintf.c.

const enum T {
  NONE, WIDTH, PRECISION, CHAR, STR, PTR, PERCENT, INVALID,
  LONG_LONG, ULONG, LONG, UBYTE, BYTE, USHORT, SHORT, UINT, INT, SIZE_T, PTRDIFF,
}

interface Decoded extends Spec {
  type: T;
}

function formatDecode(fmt: Uint8Array, start: number, spec: Decoded): number {
  let i = start;
  const at = (k: number) => (k < fmt.length ? fmt[k]! : 0);
  let gotoPrecision = false;
  if (spec.type === T.WIDTH) {
    if (spec.fieldWidth < 0) {
      spec.fieldWidth = -spec.fieldWidth;
      spec.flags |= LEFT;
    }
    spec.type = T.NONE;
    gotoPrecision = true;
  } else if (spec.type === T.PRECISION) {
    if (spec.precision < 0) spec.precision = 0;
    spec.type = T.NONE;
  } else {
    spec.type = T.NONE;
    while (at(i) !== 0 && at(i) !== 0x25) i++;
    if (i !== start || at(i) === 0) return i - start;
    spec.flags = 0;
    for (;;) {
      i++;
      const c = at(i);
      if (c === 0x2d) spec.flags |= LEFT;
      else if (c === 0x2b) spec.flags |= PLUS;
      else if (c === 0x20) spec.flags |= SPACE;
      else if (c === 0x23) spec.flags |= SPECIAL;
      else if (c === 0x30) spec.flags |= ZEROPAD;
      else break;
    }
    spec.fieldWidth = -1;
    if (isDigit(at(i))) {
      let n = 0;
      while (isDigit(at(i))) n = (Math.imul(n, 10) + at(i++) - 0x30) | 0;
      spec.fieldWidth = toWidth(n);
    } else if (at(i) === 0x2a) {
      spec.type = T.WIDTH;
      return i + 1 - start;
    }
    gotoPrecision = true;
  }
  if (gotoPrecision) {
    spec.precision = -1;
    if (at(i) === 0x2e) {
      i++;
      if (isDigit(at(i))) {
        let n = 0;
        while (isDigit(at(i))) n = (Math.imul(n, 10) + at(i++) - 0x30) | 0;
        spec.precision = toPrecision(n);
        if (spec.precision < 0) spec.precision = 0;
      } else if (at(i) === 0x2a) {
        spec.type = T.PRECISION;
        return i + 1 - start;
      }
    }
  }
  let qualifier = 0;
  const q = at(i);
  if (q === 0x68 || q === 0x6c || q === 0x4c || q === 0x7a || q === 0x74) {
    qualifier = q;
    i++;
    if (qualifier === at(i)) {
      if (qualifier === 0x6c) { qualifier = 0x4c; i++; } else if (qualifier === 0x68) { qualifier = 0x48; i++; }
    }
  }
  spec.base = 10;
  switch (at(i)) {
    case 0x63: spec.type = T.CHAR; return i + 1 - start;
    case 0x73: spec.type = T.STR; return i + 1 - start;
    case 0x70: spec.type = T.PTR; return i + 1 - start;
    case 0x25: spec.type = T.PERCENT; return i + 1 - start;
    case 0x6f: spec.base = 8; break;
    case 0x78: spec.flags |= SMALL; spec.base = 16; break;
    case 0x58: spec.base = 16; break;
    case 0x64: case 0x69: spec.flags |= SIGN; break;
    case 0x75: break;
    default: spec.type = T.INVALID; return i - start;
  }
  const signed = (spec.flags & SIGN) !== 0;
  if (qualifier === 0x4c) spec.type = T.LONG_LONG;
  else if (qualifier === 0x6c) spec.type = signed ? T.LONG : T.ULONG;
  else if (qualifier === 0x7a) spec.type = T.SIZE_T;
  else if (qualifier === 0x74) spec.type = T.PTRDIFF;
  else if (qualifier === 0x48) spec.type = signed ? T.BYTE : T.UBYTE;
  else if (qualifier === 0x68) spec.type = signed ? T.SHORT : T.USHORT;
  else spec.type = signed ? T.INT : T.UINT;
  return i + 1 - start;
}

// ---------------------------------------------------------------------------
// Step 1: bpf_bprintf_prepare.

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

function ip4(bytes: Uint8Array, leadingZeros: boolean): string {
  return Array.from(bytes, (b) => (leadingZeros ? String(b).padStart(3, '0') : String(b))).join('.');
}

function ip6(bytes: Uint8Array, colons: boolean): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return colons ? hex.match(/.{4}/g)!.join(':') : hex;
}

/**
 * Packs the arguments like bpf_bprintf_prepare; returns the packed buffer or
 * a positive errno. `fmt` is the format without its NUL.
 */
function prepare(space: AddressSpace, fmt: Uint8Array, raw: readonly bigint[]): Uint8Array | number {
  // Room past the end so a renderer that reads more than was packed (the %p%d
  // quirk) finds zeros, not an exception; the kernel would find stale bytes.
  const bin = new Uint8Array(MAX_BPRINTF_BIN_ARGS + 64);
  const binView = new DataView(bin.buffer);
  const END = MAX_BPRINTF_BIN_ARGS;
  const numArgs = raw.length;
  let off = 0;
  let numSpec = 0;
  const at = (k: number) => (k < fmt.length ? fmt[k]! : 0);
  /** Stores snprintf's output at `off`: cut to the room left, advanced by the full length + 1 (kept inside the buffer). */
  const storeText = (text: string) => {
    const room = END - off;
    const kept = room > 0 ? text.slice(0, room - 1) : '';
    bin.set(Buffer.from(kept, 'latin1'), off);
    off = Math.min(END, off + text.length + 1);
  };
  const storeScalar = (value: bigint, size: number): number => {
    off = (off + 3) & ~3;
    if (END - off < size) return ENOSPC;
    if (size === 8) binView.setBigUint64(off, BigInt.asUintN(64, value), true);
    else binView.setUint32(off, Number(BigInt.asUintN(32, value)), true);
    off += size;
    return 0;
  };

  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if ((!isPrint(c) && !isKernelSpace(c)) || c > 0x7f) return EINVAL;
    if (c !== 0x25) continue;
    if (at(i + 1) === 0x25) {
      i++;
      continue;
    }
    if (numSpec >= numArgs) return EINVAL;
    i++;
    while (at(i) === 0x30 || at(i) === 0x2b || at(i) === 0x2d || at(i) === 0x20) i++;
    if (at(i) >= 0x31 && at(i) <= 0x39) {
      i++;
      while (isDigit(at(i))) i++;
    }
    const arg = raw[numSpec]!;
    let isString = false;
    if (at(i) === 0x70) { // p
      const next = at(i + 1);
      if ((next === 0x6b || next === 0x75) && at(i + 2) === 0x73) { // %pks %pus
        i += 2;
        isString = true;
      } else if (next === 0 || isKernelSpace(next) || isPunct(next) || next === 0x4b || next === 0x78
        || next === 0x73 || next === 0x53) {
        i++;
        const err = storeScalar(arg, 8);
        if (err) return err;
        numSpec++;
        continue;
      } else if (next === 0x42) { // %pB
        storeText(`0x${BigInt.asUintN(64, arg).toString(16)}`);
        i++;
        numSpec++;
        continue;
      } else {
        if ((next !== 0x69 && next !== 0x49) || (at(i + 2) !== 0x34 && at(i + 2) !== 0x36)) return EINVAL;
        i += 2;
        const v4 = at(i) === 0x34;
        const size = v4 ? 4 : 16;
        if (END - off < size) return ENOSPC;
        const ip = readNofault(space, toAddress(arg), size) ?? new Uint8Array(size);
        const lower = at(i - 1) === 0x69;
        storeText(v4 ? ip4(ip, lower) : ip6(ip, !lower));
        numSpec++;
        continue;
      }
    } else if (at(i) === 0x73) {
      isString = true;
    } else if (at(i) === 0x63) { // c
      if (off === END) return ENOSPC;
      bin[off++] = Number(BigInt.asUintN(8, arg));
      numSpec++;
      continue;
    }
    if (isString) {
      const next = at(i + 1);
      if (next !== 0 && !isKernelSpace(next) && !isPunct(next)) return EINVAL;
      if (off === END) return ENOSPC;
      const copied = readStringNofault(space, toAddress(arg), END - off);
      if (copied) {
        bin.set(copied.bytes, off);
        off += copied.length;
      } else {
        bin[off] = 0;
        off += 1;
      }
      numSpec++;
      continue;
    }
    let size = 4;
    if (at(i) === 0x6c) { size = 8; i++; }
    if (at(i) === 0x6c) { size = 8; i++; }
    const conv = at(i);
    if (conv !== 0x69 && conv !== 0x64 && conv !== 0x75 && conv !== 0x78 && conv !== 0x58) return EINVAL;
    const err = storeScalar(arg, size);
    if (err) return err;
    numSpec++;
  }
  return bin;
}

// ---------------------------------------------------------------------------
// Step 2: bstr_printf.

function render(fmt: Uint8Array, bin: Uint8Array, outputSize: number): { text: string; length: number } {
  const out = new Output(outputSize);
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  let args = 0;
  const get = (size: 1 | 2 | 4 | 8): bigint => {
    args = size === 8 ? (args + 3) & ~3 : (args + size - 1) & ~(size - 1);
    let v = 0n;
    if (args + size <= bin.length) {
      if (size === 8) v = view.getBigUint64(args, true);
      else if (size === 4) v = BigInt(view.getUint32(args, true));
      else if (size === 2) v = BigInt(view.getUint16(args, true));
      else v = BigInt(bin[args]!);
    }
    args += size;
    return v;
  };
  const cString = (): string => {
    let end = args;
    while (end < bin.length && bin[end] !== 0) end++;
    return latin1(bin.subarray(Math.min(args, bin.length), end));
  };
  const spec: Decoded = { type: T.NONE, flags: 0, fieldWidth: -1, precision: -1, base: 10 };
  let i = 0;
  while (i < fmt.length) {
    const oldI = i;
    const read = formatDecode(fmt, i, spec);
    i += read;
    switch (spec.type) {
      case T.NONE:
        out.put(latin1(fmt.subarray(oldI, oldI + read)));
        break;
      case T.WIDTH:
        spec.fieldWidth = toWidth(Number(BigInt.asIntN(32, get(4))));
        break;
      case T.PRECISION: {
        const p = Number(BigInt.asIntN(32, get(4)));
        spec.precision = p < 0 ? -1 : Math.min(p, 0x7fff);
        break;
      }
      case T.CHAR: {
        if (!(spec.flags & LEFT)) out.pad(' ', spec.fieldWidth - 1);
        out.put(String.fromCharCode(Number(get(1))));
        if (spec.flags & LEFT) out.pad(' ', spec.fieldWidth - 1);
        break;
      }
      case T.STR: {
        const s = cString();
        args += s.length + 1;
        string(out, s, spec);
        break;
      }
      case T.PTR: {
        const kind = i < fmt.length ? fmt[i]! : 0;
        const plain = kind === 0x53 || kind === 0x73 || kind === 0x46 || kind === 0x66 || kind === 0x78
          || kind === 0x4b || !isAlnum(kind);
        if (plain) {
          pointer(out, kind, get(8), spec);
        } else if (out.roomy) {
          // Already formatted by prepare (%pI4, %pB, %pks…): copied as is, no width.
          const s = cString();
          out.put(s);
          args += s.length + 1;
        }
        while (i < fmt.length && isAlnum(fmt[i]!)) i++;
        break;
      }
      case T.PERCENT:
        out.put('%');
        break;
      case T.INVALID:
        return { text: out.text(), length: out.length };
      default: {
        let num: bigint;
        switch (spec.type) {
          case T.LONG_LONG: case T.ULONG: case T.LONG: case T.SIZE_T: case T.PTRDIFF:
            num = get(8);
            break;
          case T.UBYTE: num = BigInt.asUintN(8, get(1)); break;
          case T.BYTE: num = BigInt.asIntN(8, get(1)); break;
          case T.USHORT: num = get(2); break;
          case T.SHORT: num = BigInt.asIntN(16, get(2)); break;
          case T.UINT: num = get(4); break;
          default: num = BigInt.asIntN(32, get(4));
        }
        number(out, num, spec);
      }
    }
  }
  return { text: out.text(), length: out.length };
}

// ---------------------------------------------------------------------------

/**
 * Formats like the kernel's printf-style BPF helpers.
 *
 * `fmtSize` bounds the search for the format's NUL (bpf_trace_printk's
 * `fmt_size`; pass 2^32-1 for bpf_snprintf, whose format the verifier knows is
 * terminated). `args` are the raw u64 arguments, as many as the helper passes
 * (3 for trace_printk; data_len / 8 for the others); more than `maxArgs` is
 * -EINVAL. A format that is not readable in the address space is -EFAULT,
 * which the kernel's verifier makes impossible.
 */
export function formatBpfString(
  space: AddressSpace, fmtAddr: bigint | number, fmtSize: number, args: readonly bigint[], maxArgs: number,
  options: FormatOptions = {},
): FormatResult {
  if (args.length > maxArgs) return { errno: EINVAL };
  const address = toAddress(fmtAddr);
  if (fmtSize <= 0) return { errno: EINVAL };
  if (address < 0 || !space.regionAt(address, 1)) return { errno: EFAULT };
  const readable = readableFrom(space, address, fmtSize);
  const bytes = space.bytes;
  let nul = -1;
  for (let k = 0; k < readable; k++) {
    if (bytes[address + k] === 0) {
      nul = k;
      break;
    }
  }
  if (nul < 0) return { errno: readable < fmtSize ? EFAULT : EINVAL };
  const fmt = bytes.slice(address, address + nul);
  const bin = prepare(space, fmt, args);
  if (typeof bin === 'number') return { errno: bin };
  return render(fmt, bin, options.outputSize ?? MAX_BPRINTF_BUF);
}

/**
 * Reads the u64 argument array of bpf_trace_vprintk / bpf_snprintf:
 * `dataLen` must be a multiple of 8 and at most 12 * 8 (else EINVAL), and a
 * non-zero length needs a non-NULL, readable array.
 */
export function readArgArray(space: AddressSpace, address: bigint, dataLen: number): bigint[] | { errno: number } {
  if (dataLen % 8 !== 0 || dataLen > MAX_BPRINTF_VARARGS * 8 || (dataLen !== 0 && address === 0n)) return { errno: EINVAL };
  const raw = readNofault(space, toAddress(address), dataLen);
  if (!raw) return { errno: EFAULT };
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: bigint[] = [];
  for (let k = 0; k < dataLen; k += 8) out.push(view.getBigUint64(k, true));
  return out;
}
