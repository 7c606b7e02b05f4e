/**
 * Helpers that need no maps and no packets: printing, probing memory, clocks,
 * the current task, strings, checksums. Each follows its kernel
 * implementation (kernel/bpf/helpers.c, kernel/trace/bpf_trace.c,
 * net/core/filter.c) and prototype (`bpf_func_proto`).
 *
 * Where the kernel relies on the verifier (sizes that are constants, pointers
 * that are valid), a call that breaks the rule — possible only when the
 * verifier did not run — throws HelperError instead of corrupting memory.
 * Memory the *program* cannot vouch for (probe_read's source, %s arguments)
 * follows the kernel's fault rules: outside every live region is a fault.
 */
import { basename } from 'node:path';
import { helperId } from '../isa/index.js';
import { HelperError, type HelperDefinition, type HelperEnv } from './table.js';
import type { TracePipe } from './trace-pipe.js';
import {
  EFAULT, EINVAL, ERANGE, MAX_BPRINTF_VARARGS, MAX_TRACE_PRINTK_VARARGS, formatBpfString, isKernelSpace,
  readArgArray, readNofault, readStringNofault, toAddress,
} from './printk.js';

/** What these helpers need from the runtime besides memory and the CPU number. */
export interface RuntimeHelperEnv extends HelperEnv {
  /** Where bpf_trace_printk / bpf_trace_vprintk lines go. */
  readonly tracePipe: TracePipe;
  /** The "current task" name (bpf_get_current_comm, trace lines); default: this process's name. */
  readonly comm?: string;
  /** The "current task" id for bpf_get_current_pid_tgid and trace lines; default process.pid. */
  readonly pid?: number;
  /** Addresses of the frames that led to this run, innermost first (bpf_get_stack). */
  stack?(): readonly bigint[];
}

/**
 * Which bpf_csum_diff the helper computes.
 * - 'folded': Linux 6.13 and later (the helper folds to 16 bits, the same on
 *   every architecture).
 * - 'x86_64' / 'generic': older kernels, which return csum_partial's 32-bit
 *   value over the scratch buffer; x86-64 has its own csum_partial, most other
 *   architectures use lib/checksum.c, and the two differ in the upper bits.
 */
export type CsumVariant = 'folded' | 'x86_64' | 'generic';

export interface BasicHelperOptions {
  /** Default 'folded', the kernel this project targets (6.18). */
  readonly csum?: CsumVariant;
}

// ---------------------------------------------------------------------------
// Checksums.

/** lib/checksum.c do_csum: 16-bit folded sum of little-endian 16-bit words; `odd` is the buffer address's low bit. */
function doCsum(bytes: Uint8Array, odd: boolean): number {
  let len = bytes.length;
  if (len <= 0) return 0;
  let p = 0;
  let result = 0;
  if (odd) {
    result += bytes[0]! << 8;
    len--;
    p++;
  }
  const u16 = (k: number) => bytes[k]! | (bytes[k + 1]! << 8);
  // The original also starts its 32-bit loop on a 4-aligned address; where
  // it starts changes only how carries are grouped, and the 16-bit fold below
  // makes every grouping give the same value.
  if (len >= 2) {
    if (len >= 4) {
      const end = p + (len & ~3);
      let carry = 0;
      do {
        const w = (u16(p) | (u16(p + 2) << 16)) >>> 0;
        p += 4;
        result = (result + carry) >>> 0;
        result = (result + w) >>> 0;
        carry = w > result ? 1 : 0;
      } while (p < end);
      result = (result + carry) >>> 0;
      result = ((result & 0xffff) + (result >>> 16)) >>> 0;
    }
    if (len & 2) {
      result += u16(p);
      p += 2;
    }
  }
  if (len & 1) result += bytes[p]!;
  result = (result & 0xffff) + (result >>> 16);
  result = (result & 0xffff) + (result >>> 16);
  if (odd) result = ((result >>> 8) & 0xff) | ((result & 0xff) << 8);
  return result;
}

/** lib/checksum.c csum_partial (most architectures). */
export function csumPartialGeneric(bytes: Uint8Array, seed: number, odd = false): number {
  const sum = seed >>> 0;
  let result = (doCsum(bytes, odd) + sum) >>> 0;
  if (sum > result) result = (result + 1) >>> 0;
  return result;
}

const MASK64 = (1n << 64n) - 1n;

/**
 * arch/x86/lib/csum-partial_64.c: a 64-bit end-around-carry sum of
 * little-endian u64 words (the tail zero-padded) started at the seed, folded
 * to 32 bits by adding its halves. End-around-carry addition is associative,
 * so the kernel's two interleaved accumulators give the same value as one.
 */
export function csumPartialX86(bytes: Uint8Array, seed: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let sum = BigInt(seed >>> 0);
  let k = 0;
  for (; k + 8 <= bytes.length; k += 8) sum += view.getBigUint64(k, true);
  if (k < bytes.length) {
    const tail = new Uint8Array(8);
    tail.set(bytes.subarray(k));
    sum += new DataView(tail.buffer).getBigUint64(0, true);
  }
  while (sum > MASK64) sum = (sum & MASK64) + (sum >> 64n);
  const t = sum;
  const rotated = ((t >> 32n) | (t << 32n)) & MASK64;
  return Number(((t + rotated) & MASK64) >> 32n);
}

const csumAdd = (a: number, b: number) => {
  const res = (a + b) >>> 0;
  return (res + (res < b >>> 0 ? 1 : 0)) >>> 0;
};
const csumSub = (a: number, b: number) => csumAdd(a, ~b >>> 0);
/** The kernel's csum_from32to16 (csum_fold without the final complement). */
const from32to16 = (sum: number) => ((sum + (((sum >>> 16) | (sum << 16)) >>> 0)) >>> 0) >>> 16;

/**
 * bpf_csum_diff's value for `from` → `to` with `seed`, or -EINVAL as a
 * negative number. The older variants want sizes that are multiples of 4 and
 * fit the 512-byte scratch buffer together; the folded one (checked against
 * Linux 6.18) takes any sizes, a ragged tail summed as if zero-padded.
 */
export function csumDiff(from: Uint8Array, to: Uint8Array, seed: number, variant: CsumVariant = 'folded'): number {
  const x86 = (b: Uint8Array, s: number) => csumPartialX86(b, s);
  if (variant === 'folded') {
    const partial = process.arch === 'x64' ? x86 : (b: Uint8Array, s: number) => csumPartialGeneric(b, s);
    if (from.length && to.length) return from32to16(csumSub(partial(to, seed), partial(from, 0)));
    if (to.length) return from32to16(partial(to, seed));
    if (from.length) return from32to16(~partial(from, ~seed >>> 0) >>> 0);
    return seed >>> 0;
  }
  if ((from.length | to.length) & 3 || from.length + to.length > 512) return -EINVAL;
  const scratch = new Uint8Array(from.length + to.length);
  for (let k = 0; k < from.length; k++) scratch[k] = ~from[k]! & 0xff;
  scratch.set(to, from.length);
  return variant === 'x86_64' ? x86(scratch, seed) : csumPartialGeneric(scratch, seed);
}

// ---------------------------------------------------------------------------
// String to integer, as kernel/bpf/helpers.c __bpf_strtoull.

const BPF_STRTOX_BASE_MASK = 0x1f;

/** Returns chars consumed (>= 1) with the magnitude and sign, or a negative errno. */
export function bpfStrtoull(buf: Uint8Array, flags: bigint): { consumed: number; value: bigint; negative: boolean } | number {
  let base = Number(flags & BigInt(BPF_STRTOX_BASE_MASK));
  if (buf.length === 0) return -EINVAL;
  if (base !== 0 && base !== 8 && base !== 10 && base !== 16) return -EINVAL;
  if (flags & ~BigInt(BPF_STRTOX_BASE_MASK)) return -EINVAL;
  let cur = 0;
  while (cur < buf.length && isKernelSpace(buf[cur]!)) cur++;
  const negative = cur < buf.length && buf[cur] === 0x2d;
  if (negative) cur++;
  const consumed = cur;
  if (buf.length - consumed === 0) return -EINVAL;
  // The kernel works on a NUL-terminated copy of at most 63 characters.
  const str = new Uint8Array(64);
  str.set(buf.subarray(cur, cur + Math.min(buf.length - consumed, 63)));
  const at = (k: number) => str[k] ?? 0;
  const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  const isXdigit = (c: number) => (c >= 0x30 && c <= 0x39) || (lower(c) >= 0x61 && lower(c) <= 0x66);
  let s = 0;
  if (base === 0) {
    if (at(0) === 0x30) base = lower(at(1)) === 0x78 && isXdigit(at(2)) ? 16 : 8;
    else base = 10;
  }
  if (base === 16 && at(0) === 0x30 && lower(at(1)) === 0x78) s += 2;
  const B = BigInt(base);
  let res = 0n;
  let digits = 0;
  let overflow = false;
  for (;;) {
    const c = at(s);
    let val: number;
    if (c >= 0x30 && c <= 0x39) val = c - 0x30;
    else if (lower(c) >= 0x61 && lower(c) <= 0x66) val = lower(c) - 0x61 + 10;
    else break;
    if (val >= base) break;
    if (res >> 60n !== 0n && res > (MASK64 - BigInt(val)) / B) overflow = true;
    res = (res * B + BigInt(val)) & MASK64;
    digits++;
    s++;
  }
  if (overflow) return -ERANGE;
  if (digits === 0) return -EINVAL;
  return { consumed: consumed + s, value: res, negative };
}

/** bpf_strtol's result: consumed characters and the value, or a negative errno. */
export function bpfStrtol(buf: Uint8Array, flags: bigint): { consumed: number; value: bigint } | number {
  const r = bpfStrtoull(buf, flags);
  if (typeof r === 'number') return r;
  if (r.negative) {
    if (BigInt.asIntN(64, -r.value) > 0n) return -ERANGE;
    return { consumed: r.consumed, value: BigInt.asIntN(64, -r.value) };
  }
  if (BigInt.asIntN(64, r.value) < 0n) return -ERANGE;
  return { consumed: r.consumed, value: r.value };
}

/** bpf_strtoul's result, or a negative errno (a '-' sign is -EINVAL). */
export function bpfStrtoul(buf: Uint8Array, flags: bigint): { consumed: number; value: bigint } | number {
  const r = bpfStrtoull(buf, flags);
  if (typeof r === 'number') return r;
  if (r.negative) return -EINVAL;
  return { consumed: r.consumed, value: r.value };
}

// ---------------------------------------------------------------------------
// The definitions.

const neg = (errno: number) => BigInt.asUintN(64, BigInt(-errno));
/** A C int return (negative errnos, counts) as the u64 r0. */
const int = (n: number) => BigInt.asUintN(64, BigInt(n));
const u32 = (v: bigint) => Number(BigInt.asUintN(32, v));

/** The kernel's HZ for jiffies64 (the common distribution value). */
export const JIFFIES_HZ = 250;
/** jiffies start 5 minutes before wrapping 32 bits, so wrap bugs show early (INITIAL_JIFFIES). */
const INITIAL_JIFFIES = BigInt(2 ** 32 - 300 * JIFFIES_HZ);
const NS_PER_JIFFY = BigInt(1e9 / JIFFIES_HZ);
const TASK_COMM_LEN = 16;

/** The name the kernel would give this process: the executable's base name, at most 15 bytes. */
function processComm(): string {
  const name = basename((process.title || 'node').split(' ')[0] || 'node') || 'node';
  return Buffer.from(name, 'utf8').subarray(0, TASK_COMM_LEN - 1).toString('latin1');
}

const randomPool = new Uint32Array(256);
let randomNext = randomPool.length;
function prandomU32(): number {
  if (randomNext === randomPool.length) {
    globalThis.crypto.getRandomValues(randomPool);
    randomNext = 0;
  }
  return randomPool[randomNext++]!;
}

function def<Env extends RuntimeHelperEnv>(name: string, proto: HelperDefinition['proto'], impl: HelperDefinition<Env>['impl']): HelperDefinition<Env> {
  const id = helperId(name);
  if (id === undefined) throw new Error(`no helper named ${name}`);
  return { id, name, proto, impl };
}

/** A destination the verifier would have checked: writable for `size` bytes. */
function dest(env: HelperEnv, helper: string, address: bigint, size: number): number {
  const at = toAddress(address);
  if (size === 0) return at;
  const region = at < 0 ? undefined : env.space.regionAt(at, size);
  if (!region || !region.writable) {
    throw new HelperError(helper, `${size} bytes at 0x${BigInt.asUintN(64, address).toString(16)} are not writable memory`);
  }
  return at;
}

/** A source the verifier would have checked: readable for `size` bytes. */
function source(env: HelperEnv, helper: string, address: bigint, size: number): Uint8Array {
  const bytes = readNofault(env.space, toAddress(address), size);
  if (!bytes) throw new HelperError(helper, `${size} bytes at 0x${BigInt.asUintN(64, address).toString(16)} are not readable memory`);
  return bytes;
}

/** A NUL-terminated constant string the verifier would have checked. */
function constString(env: HelperEnv, helper: string, address: bigint): Uint8Array {
  const at = toAddress(address);
  const region = at < 0 ? undefined : env.space.regionAt(at, 1);
  const s = region && readStringNofault(env.space, at, region.start + region.size - at);
  if (!s || s.bytes[s.length - 1] !== 0 || s.bytes.indexOf(0) !== s.length - 1) {
    throw new HelperError(helper, `no NUL-terminated string at 0x${BigInt.asUintN(64, address).toString(16)}`);
  }
  return s.bytes.subarray(0, s.length - 1);
}

function emit(env: RuntimeHelperEnv, text: string): void {
  env.tracePipe.write(Buffer.from(text, 'latin1').toString('utf8'), {
    comm: env.comm ?? processComm(), pid: env.pid ?? process.pid, cpu: env.cpu,
  });
}

function probeRead<Env extends RuntimeHelperEnv>(name: string): HelperDefinition<Env> {
  return def<Env>(name, { args: ['uninit_mem', 'const_size_or_zero', 'anything'], ret: 'integer', gplOnly: true }, (env, dst, size, src) => {
    const n = u32(size);
    const to = dest(env, name, dst, n);
    if (n === 0) return 0n;
    const bytes = readNofault(env.space, toAddress(src), n);
    if (!bytes) {
      env.space.bytes.fill(0, to, to + n);
      return neg(EFAULT);
    }
    env.space.bytes.set(bytes, to);
    return 0n;
  });
}

function probeReadStr<Env extends RuntimeHelperEnv>(name: string): HelperDefinition<Env> {
  return def<Env>(name, { args: ['uninit_mem', 'const_size_or_zero', 'anything'], ret: 'integer', gplOnly: true }, (env, dst, size, src) => {
    const n = u32(size);
    const to = dest(env, name, dst, n);
    if (n === 0) return 0n;
    const s = readStringNofault(env.space, toAddress(src), n);
    if (!s) {
      env.space.bytes.fill(0, to, to + n);
      return neg(EFAULT);
    }
    // Like the kernel, bytes after the NUL are left as they were.
    env.space.bytes.set(s.bytes, to);
    return int(s.length);
  });
}

/**
 * The helpers above as table entries.
 *
 * Notes on the userspace meaning of a few:
 * - ktime_get_ns / ktime_get_boot_ns: the monotonic clock (on Linux it counts
 *   from boot; the boot clock would also count suspended time, which Node
 *   cannot read). ktime_get_coarse_ns: the same rounded down to a tick
 *   (1/JIFFIES_HZ s). jiffies64: ticks since boot from INITIAL_JIFFIES.
 * - get_current_task: an opaque non-zero kernel-looking value derived from the pid.
 * - get_stack: after the kernel's checks of flags and size (-EINVAL, buffer
 *   zeroed), the frames the host gives through `env.stack()` (the userspace
 *   runtime: the JavaScript frames that ran the program, each an address its
 *   `symbolize` turns back into a name); without them, 0 bytes.
 * - probe_read*: one flat address space, so user and kernel variants read
 *   the same memory; outside every live region is a fault (-EFAULT, the
 *   destination zeroed), where x86 kernels would say -ERANGE for a user
 *   address given to probe_read_kernel.
 */
export function basicHelpers<Env extends RuntimeHelperEnv = RuntimeHelperEnv>(options: BasicHelperOptions = {}): HelperDefinition<Env>[] {
  const csumVariant = options.csum ?? 'folded';
  return [
    def<Env>('trace_printk', { args: ['mem', 'const_size'], ret: 'integer', gplOnly: true }, (env, fmt, fmtSize, a1, a2, a3) => {
      const r = formatBpfString(env.space, fmt, u32(fmtSize), [a1, a2, a3], MAX_TRACE_PRINTK_VARARGS);
      if ('errno' in r) return neg(r.errno);
      emit(env, r.text);
      return int(r.length);
    }),
    def<Env>('trace_vprintk', { args: ['mem', 'const_size', 'mem_or_null', 'const_size_or_zero'], ret: 'integer', gplOnly: true }, (env, fmt, fmtSize, argsAddr, dataLen) => {
      const args = readArgArray(env.space, argsAddr, u32(dataLen));
      if (!Array.isArray(args)) return neg(args.errno);
      const r = formatBpfString(env.space, fmt, u32(fmtSize), args, MAX_BPRINTF_VARARGS);
      if ('errno' in r) return neg(r.errno);
      emit(env, r.text);
      return int(r.length);
    }),
    def<Env>('snprintf', {
      args: ['mem_or_null', 'const_size_or_zero', 'const_str', 'mem_or_null', 'const_size_or_zero'], ret: 'integer', gplOnly: true,
    }, (env, str, strSize, fmt, argsAddr, dataLen) => {
      const size = u32(strSize);
      const to = dest(env, 'snprintf', str, size);
      const args = readArgArray(env.space, argsAddr, u32(dataLen));
      if (!Array.isArray(args)) return neg(args.errno);
      const r = formatBpfString(env.space, fmt, 0xffffffff, args, MAX_BPRINTF_VARARGS, { outputSize: size });
      if ('errno' in r) return neg(r.errno);
      if (size > 0) {
        env.space.bytes.set(Buffer.from(r.text, 'latin1'), to);
        env.space.bytes[to + r.text.length] = 0;
      }
      return int(r.length + 1);
    }),
    probeRead<Env>('probe_read'),
    probeRead<Env>('probe_read_kernel'),
    probeRead<Env>('probe_read_user'),
    probeReadStr<Env>('probe_read_str'),
    probeReadStr<Env>('probe_read_kernel_str'),
    probeReadStr<Env>('probe_read_user_str'),
    def<Env>('ktime_get_ns', { args: [], ret: 'integer' }, () => process.hrtime.bigint()),
    def<Env>('ktime_get_boot_ns', { args: [], ret: 'integer' }, () => process.hrtime.bigint()),
    def<Env>('ktime_get_coarse_ns', { args: [], ret: 'integer' }, () => {
      const now = process.hrtime.bigint();
      return now - (now % NS_PER_JIFFY);
    }),
    def<Env>('jiffies64', { args: [], ret: 'integer' }, () => INITIAL_JIFFIES + process.hrtime.bigint() / NS_PER_JIFFY),
    def<Env>('get_prandom_u32', { args: [], ret: 'integer' }, () => BigInt(prandomU32())),
    def<Env>('get_smp_processor_id', { args: [], ret: 'integer' }, (env) => BigInt(env.cpu)),
    def<Env>('get_numa_node_id', { args: [], ret: 'integer' }, () => 0n),
    def<Env>('get_current_pid_tgid', { args: [], ret: 'integer' }, (env) => {
      const pid = BigInt(env.pid ?? process.pid);
      return (pid << 32n) | pid;
    }),
    def<Env>('get_current_uid_gid', { args: [], ret: 'integer' }, () => {
      const uid = BigInt(process.getuid?.() ?? 0);
      const gid = BigInt(process.getgid?.() ?? 0);
      return (gid << 32n) | uid;
    }),
    def<Env>('get_current_comm', { args: ['uninit_mem', 'const_size'], ret: 'integer' }, (env, buf, size) => {
      const n = u32(size);
      // The verifier guarantees size > 0; without it, refuse like the kernel's error path.
      if (n === 0) return neg(EINVAL);
      const to = dest(env, 'get_current_comm', buf, n);
      const name = Buffer.from(env.comm ?? processComm(), 'latin1').subarray(0, TASK_COMM_LEN - 1);
      // strscpy_pad: at most n - 1 characters, then NULs to the end.
      const bytes = env.space.bytes;
      bytes.fill(0, to, to + n);
      bytes.set(name.subarray(0, n - 1), to);
      return 0n;
    }),
    def<Env>('get_current_task', { args: [], ret: 'integer', gplOnly: true }, (env) =>
      0xffff_8880_0000_0000n + BigInt(env.pid ?? process.pid) * 0x4000n),
    def<Env>('strncmp', { args: ['mem', 'const_size', 'const_str'], ret: 'integer' }, (env, s1, s1Size, s2) => {
      const n = u32(s1Size);
      const a = source(env, 'strncmp', s1, n);
      const b = constString(env, 'strncmp', s2);
      for (let k = 0; k < n; k++) {
        const c1 = a[k]!;
        const c2 = b[k] ?? 0;
        if (c1 !== c2) return c1 < c2 ? neg(1) : 1n;
        if (c1 === 0) break;
      }
      return 0n;
    }),
    def<Env>('strtol', { args: ['mem', 'const_size', 'anything', 'long'], ret: 'integer' }, (env, buf, bufLen, flags, res) => {
      const out = dest(env, 'strtol', res, 8);
      env.space.view.setBigUint64(out, 0n, true);
      const r = bpfStrtol(source(env, 'strtol', buf, u32(bufLen)), flags);
      if (typeof r === 'number') return int(r);
      env.space.view.setBigInt64(out, r.value, true);
      return int(r.consumed);
    }),
    def<Env>('strtoul', { args: ['mem', 'const_size', 'anything', 'long'], ret: 'integer' }, (env, buf, bufLen, flags, res) => {
      const out = dest(env, 'strtoul', res, 8);
      env.space.view.setBigUint64(out, 0n, true);
      const r = bpfStrtoul(source(env, 'strtoul', buf, u32(bufLen)), flags);
      if (typeof r === 'number') return int(r);
      env.space.view.setBigUint64(out, r.value, true);
      return int(r.consumed);
    }),
    def<Env>('csum_diff', {
      args: ['mem_or_null', 'const_size_or_zero', 'mem_or_null', 'const_size_or_zero', 'anything'], ret: 'integer',
    }, (env, from, fromSize, to, toSize, seed) => {
      const fn = u32(fromSize);
      const tn = u32(toSize);
      if (csumVariant !== 'folded' && (fn | tn) & 3) return neg(EINVAL);
      const r = csumDiff(source(env, 'csum_diff', from, fn), source(env, 'csum_diff', to, tn), u32(seed), csumVariant);
      return r < 0 ? int(r) : BigInt(r);
    }),
    def<Env>('get_stack', { args: ['ctx', 'uninit_mem', 'const_size_or_zero', 'anything'], ret: 'integer', gplOnly: true }, (env, _ctx, buf, size, flags) => {
      const n = u32(size);
      const to = dest(env, 'get_stack', buf, n);
      const BPF_F_SKIP_FIELD_MASK = 0xffn, BPF_F_USER_STACK = 1n << 8n, BPF_F_USER_BUILD_ID = 1n << 11n;
      const user = (flags & BPF_F_USER_STACK) !== 0n;
      const buildId = (flags & BPF_F_USER_BUILD_ID) !== 0n;
      const elemSize = buildId ? 32 : 8;
      env.space.bytes.fill(0, to, to + n);
      if (flags & ~(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_USER_BUILD_ID)) return neg(EINVAL);
      if (!user && buildId) return neg(EINVAL);
      if (n % elemSize) return neg(EINVAL);
      // The stack of whatever fired the program, as the host gives it (userspace: the JS frames); none without one.
      const frames = buildId ? [] : env.stack?.() ?? [];
      const skip = Number(flags & BPF_F_SKIP_FIELD_MASK);
      const count = Math.max(0, Math.min(n / elemSize, frames.length - skip));
      for (let i = 0; i < count; i++) env.space.view.setBigUint64(to + i * 8, frames[skip + i]!, true);
      return int(count * elemSize);
    }),
  ];
}
