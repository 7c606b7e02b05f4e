import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../memory/index.js';
import { helperId } from '../isa/index.js';
import { HelperError, HelperTable } from './table.js';
import { TracePipe } from './trace-pipe.js';
import {
  basicHelpers, bpfStrtol, bpfStrtoul, csumDiff, csumPartialGeneric, csumPartialX86, type RuntimeHelperEnv,
} from './definitions.js';

const EINVAL = 22, EFAULT = 14, ERANGE = 34;
const neg = (e: number) => BigInt.asUintN(64, BigInt(-e));

function setup(extra: Partial<RuntimeHelperEnv> = {}) {
  const space = new AddressSpace();
  const env: RuntimeHelperEnv = { space, cpu: 3, tracePipe: new TracePipe(), comm: 'myprog', pid: 1234, ...extra };
  const table = new HelperTable<RuntimeHelperEnv>(basicHelpers());
  const call = (name: string, ...args: bigint[]) => {
    const d = table.byName(name);
    assert.ok(d, name);
    const [r1 = 0n, r2 = 0n, r3 = 0n, r4 = 0n, r5 = 0n] = args;
    return d.impl(env, r1, r2, r3, r4, r5);
  };
  const put = (data: string | Uint8Array, nul = true): bigint => {
    const bytes = typeof data === 'string' ? Buffer.from(nul ? `${data}\0` : data, 'latin1') : data;
    const region = space.allocate(Math.max(1, bytes.length), { kind: 'scratch' });
    space.bytes.set(bytes, region.start);
    return BigInt(region.start);
  };
  const buffer = (size: number, fill = 0xaa) => {
    const region = space.allocate(size, { kind: 'stack' });
    space.bytes.fill(fill, region.start, region.start + size);
    return BigInt(region.start);
  };
  const read = (at: bigint, n: number) => Array.from(space.bytes.subarray(Number(at), Number(at) + n));
  return { space, env, table, call, put, buffer, read };
}

test('definitions: ids are the kernel ids and the table takes them all', () => {
  const defs = basicHelpers();
  for (const d of defs) assert.equal(d.id, helperId(d.name), d.name);
  assert.equal(new Set(defs.map((d) => d.id)).size, defs.length);
  assert.equal(defs.find((d) => d.name === 'trace_printk')!.id, 6);
  const names = defs.map((d) => d.name).sort();
  for (const n of ['trace_printk', 'trace_vprintk', 'snprintf', 'probe_read', 'probe_read_kernel', 'probe_read_user',
    'probe_read_str', 'probe_read_kernel_str', 'probe_read_user_str', 'ktime_get_ns', 'ktime_get_boot_ns',
    'ktime_get_coarse_ns', 'jiffies64', 'get_prandom_u32', 'get_smp_processor_id', 'get_numa_node_id',
    'get_current_pid_tgid', 'get_current_uid_gid', 'get_current_comm', 'get_current_task', 'strncmp', 'strtol',
    'strtoul', 'csum_diff', 'get_stack']) assert.ok(names.includes(n), n);
  const proto = (n: string) => defs.find((d) => d.name === n)!.proto;
  assert.deepEqual(proto('trace_printk'), { args: ['mem', 'const_size'], ret: 'integer', gplOnly: true });
  assert.deepEqual(proto('probe_read_kernel').args, ['uninit_mem', 'const_size_or_zero', 'anything']);
  assert.deepEqual(proto('strncmp').args, ['mem', 'const_size', 'const_str']);
  assert.equal(proto('csum_diff').gplOnly, undefined);
});

test('trace_printk: writes a trace line and returns the length; bad formats write nothing', () => {
  const { env, call, put } = setup();
  const fmt = 'pid %d says %s\n';
  const r = call('trace_printk', put(fmt), BigInt(fmt.length + 1), 77n, put('hi'));
  assert.equal(r, BigInt('pid 77 says hi\n'.length));
  const lines = env.tracePipe.read();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^ +myprog-1234 +\[003\] \.{5} +\d+\.\d{6}: bpf_trace_printk: pid 77 says hi$/);
  const bad = '%d %d %d %d';
  assert.equal(call('trace_printk', put(bad), BigInt(bad.length + 1), 1n, 2n, 3n), neg(EINVAL));
  assert.equal(call('trace_printk', put('%q'), 3n, 1n), neg(EINVAL));
  assert.equal(env.tracePipe.size, 0);
  // UTF-8 in %s arrives in the pipe decoded.
  call('trace_printk', put('%s'), 3n, put(Buffer.from('héllo\0', 'utf8')));
  assert.match(env.tracePipe.read()[0]!, /: héllo$/);
});

test('trace_vprintk and snprintf take a u64 array of up to 12 arguments', () => {
  const { env, call, put, buffer, read } = setup();
  const arr = (...v: bigint[]) => put(new Uint8Array(BigUint64Array.from(v).buffer));
  const fmt = '%d-%d-%d-%d';
  assert.equal(call('trace_vprintk', put(fmt), BigInt(fmt.length + 1), arr(1n, 2n, 3n, 4n), 32n), 7n);
  assert.match(env.tracePipe.read()[0]!, /: 1-2-3-4$/);
  assert.equal(call('trace_vprintk', put(fmt), BigInt(fmt.length + 1), arr(1n, 2n, 3n, 4n), 12n), neg(EINVAL));
  assert.equal(call('trace_vprintk', put(fmt), BigInt(fmt.length + 1), 0n, 8n), neg(EINVAL));

  const out = buffer(8);
  const sfmt = put('hello %d');
  assert.equal(call('snprintf', out, 8n, sfmt, arr(12345n), 8n), 12n, 'length of the full text + NUL');
  assert.deepEqual(read(out, 8), [...Buffer.from('hello 1'), 0]);
  assert.equal(call('snprintf', 0n, 0n, sfmt, arr(5n), 8n), 8n, 'NULL, 0 measures');
  assert.equal(call('snprintf', out, 8n, put('%s%s'), arr(0n), 8n), neg(EINVAL));
});

test('probe_read: copies, and a fault zeroes the destination with -EFAULT', () => {
  const { call, put, buffer, read } = setup();
  const src = put(Uint8Array.of(1, 2, 3, 4));
  for (const name of ['probe_read', 'probe_read_kernel', 'probe_read_user']) {
    const dst = buffer(4);
    assert.equal(call(name, dst, 4n, src), 0n);
    assert.deepEqual(read(dst, 4), [1, 2, 3, 4]);
    assert.equal(call(name, dst, 4n, 0x20n), neg(EFAULT));
    assert.deepEqual(read(dst, 4), [0, 0, 0, 0]);
    const dst2 = buffer(8);
    assert.equal(call(name, dst2, 8n, src), neg(EFAULT), 'reading past the end of the source region');
    assert.deepEqual(read(dst2, 8), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(call(name, dst, 0n, 0x20n), 0n, 'size 0 reads nothing');
  }
});

test('probe_read_str: length with the NUL, truncation, faults', () => {
  const { call, put, buffer, read } = setup();
  for (const name of ['probe_read_str', 'probe_read_kernel_str', 'probe_read_user_str']) {
    const dst = buffer(8);
    assert.equal(call(name, dst, 8n, put('abc')), 4n);
    assert.deepEqual(read(dst, 8), [0x61, 0x62, 0x63, 0, 0xaa, 0xaa, 0xaa, 0xaa], 'bytes after the NUL untouched');
    assert.equal(call(name, dst, 4n, put('abcdef')), 4n);
    assert.deepEqual(read(dst, 4), [0x61, 0x62, 0x63, 0]);
    assert.equal(call(name, dst, 8n, 0x30n), neg(EFAULT));
    assert.deepEqual(read(dst, 8), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(call(name, dst, 8n, put('xyz', false)), neg(EFAULT), 'runs off its region before a NUL');
    assert.equal(call(name, dst, 0n, put('abc')), 0n);
  }
});

test('probe_read on a destination the verifier would refuse throws HelperError', () => {
  const { call, put } = setup();
  assert.throws(() => call('probe_read', 0x40n, 4n, put('abc')), HelperError);
});

const strtolCases: [text: string, flags: bigint, expected: [number, bigint] | number][] = [
  ['123', 0n, [3, 123n]],
  [' \t-0x1f', 0n, [7, -31n]],
  ['0777', 0n, [4, 511n]],
  ['0x', 0n, [1, 0n]],
  ['0x', 16n, -EINVAL],
  ['0X1A', 16n, [4, 26n]],
  ['ff', 16n, [2, 255n]],
  ['FFz', 16n, [2, 255n]],
  ['12abc', 10n, [2, 12n]],
  ['089', 0n, [1, 0n]],
  ['+5', 10n, -EINVAL],
  ['', 10n, -EINVAL],
  ['   ', 10n, -EINVAL],
  ['-', 10n, -EINVAL],
  ['- 1', 10n, -EINVAL],
  ['abc', 10n, -EINVAL],
  ['1', 2n, -EINVAL],
  ['1', 10n | 0x20n, -EINVAL],
  ['\xa05', 10n, [2, 5n]],
  ['9223372036854775807', 10n, [19, 9223372036854775807n]],
  ['9223372036854775808', 10n, -ERANGE],
  ['-9223372036854775808', 10n, [20, -9223372036854775808n]],
  ['-9223372036854775809', 10n, -ERANGE],
  ['99999999999999999999', 10n, -ERANGE],
  [`${'0'.repeat(70)}1`, 10n, [63, 0n]],
];

test('strtol: the kernel\'s parsing rules', () => {
  for (const [text, flags, expected] of strtolCases) {
    const r = bpfStrtol(Buffer.from(text, 'latin1'), flags);
    const got = typeof r === 'number' ? r : [r.consumed, r.value];
    assert.deepEqual(got, expected, JSON.stringify(text));
  }
});

test('strtoul: unsigned range, and a minus sign is -EINVAL', () => {
  const u = (t: string, f = 10n) => {
    const r = bpfStrtoul(Buffer.from(t, 'latin1'), f);
    return typeof r === 'number' ? r : [r.consumed, r.value];
  };
  assert.deepEqual(u('18446744073709551615'), [20, 18446744073709551615n]);
  assert.deepEqual(u('18446744073709551616'), -ERANGE);
  assert.deepEqual(u('0xffffffffffffffff', 0n), [18, 18446744073709551615n]);
  assert.deepEqual(u('0x10000000000000000', 0n), -ERANGE);
  assert.deepEqual(u('-1'), -EINVAL);
  assert.deepEqual(u('9223372036854775808'), [19, 9223372036854775808n]);
});

test('strtol/strtoul helpers: the result is written (0 on error), the buffer length bounds parsing', () => {
  const { call, put, buffer, space } = setup();
  const res = buffer(8);
  const s = put('123456', false);
  assert.equal(call('strtol', s, 3n, 10n, res), 3n);
  assert.equal(space.view.getBigInt64(Number(res), true), 123n);
  assert.equal(call('strtol', put('-42', false), 3n, 0n, res), 3n);
  assert.equal(space.view.getBigInt64(Number(res), true), -42n);
  assert.equal(call('strtol', put('x', false), 1n, 0n, res), neg(EINVAL));
  assert.equal(space.view.getBigInt64(Number(res), true), 0n);
  assert.equal(call('strtoul', put('-1', false), 2n, 0n, res), neg(EINVAL));
  assert.equal(call('strtoul', put('0x20', false), 4n, 0n, res), 4n);
  assert.equal(space.view.getBigUint64(Number(res), true), 32n);
});

test('strncmp: the kernel\'s strncmp over s1_sz bytes, -1/0/1', () => {
  const { call, put } = setup();
  const cmp = (a: string, n: number, b: string) => BigInt.asIntN(64, call('strncmp', put(a, false), BigInt(n), put(b)));
  assert.equal(cmp('abc', 3, 'abd'), -1n);
  assert.equal(cmp('abd', 3, 'abc'), 1n);
  assert.equal(cmp('abc', 2, 'abd'), 0n);
  assert.equal(cmp('abc', 3, 'abc'), 0n);
  assert.equal(cmp('ab\0x', 4, 'ab'), 0n, 'both end at the NUL');
  assert.equal(cmp('abc', 3, 'ab'), 1n);
  assert.equal(cmp('ab', 2, 'abc'), 0n, 'only s1_sz bytes compared');
  assert.equal(cmp('\xff', 1, 'a'), 1n, 'bytes compare unsigned');
  assert.equal(cmp('', 0, 'abc'), 0n);
});

// ---- csum_diff ----------------------------------------------------------

/** 32-bit ones'-complement sum of little-endian u32 words: what x86-64's csum_partial computes, the long way. */
function refX86(bytes: Uint8Array, seed: number): number {
  let s = seed >>> 0;
  for (let k = 0; k < bytes.length; k += 4) {
    let w = 0;
    for (let b = 0; b < 4 && k + b < bytes.length; b++) w += bytes[k + b]! * 2 ** (8 * b);
    s += w;
    if (s > 0xffffffff) s -= 0xffffffff;
  }
  return s;
}

/** 16-bit ones'-complement sum of little-endian u16 words. */
function ref16(bytes: Uint8Array, start = 0): number {
  let s = start;
  for (let k = 0; k < bytes.length; k += 2) {
    s += bytes[k]! + (k + 1 < bytes.length ? bytes[k + 1]! << 8 : 0);
    if (s > 0xffff) s -= 0xffff;
  }
  return s;
}

function random(n: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  return Uint8Array.from({ length: n }, () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x & 0xff;
  });
}

test('csum_partial: x86-64 and generic agree with a plain ones\'-complement reference', () => {
  for (let n = 0; n <= 200; n += 1) {
    const bytes = random(n, n + 7);
    const seed = (n * 0x9e3779b1) >>> 0;
    assert.equal(csumPartialX86(bytes, seed), refX86(bytes, seed), `x86 n=${n}`);
    const g = csumPartialGeneric(bytes, seed);
    // generic = fold16(data) + seed with end-around carry.
    let expect = ref16(bytes) + seed;
    if (expect > 0xffffffff) expect -= 0xffffffff;
    assert.equal(g, expect, `generic n=${n}`);
    // Both are the same checksum once folded to 16 bits.
    assert.equal(ref16(new Uint8Array(Uint32Array.of(csumPartialX86(bytes, seed)).buffer)),
      ref16(new Uint8Array(Uint32Array.of(g).buffer)), `fold n=${n}`);
  }
  // All ones stays all ones (no 0 for a non-zero sum).
  assert.equal(csumPartialX86(new Uint8Array(8).fill(0xff), 0), 0xffffffff);
  assert.equal(csumPartialX86(new Uint8Array(8), 0), 0);
});

test('csum_diff: a known IPv4 header checksum and incremental updates', () => {
  const hdr = Uint8Array.of(0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
    0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7);
  for (const variant of ['folded', 'x86_64', 'generic'] as const) {
    const sum = csumDiff(new Uint8Array(0), hdr, 0, variant);
    const folded = ref16(new Uint8Array(Uint32Array.of(sum).buffer));
    // csum_fold: the complement, stored little-endian = bytes b8 61 on the wire.
    assert.equal(~folded & 0xffff, 0x61b8, variant);
    // Rewriting the destination address: old csum + diff == checksum of the new header.
    const from = hdr.slice(16, 20);
    const to = Uint8Array.of(10, 0, 0, 9);
    const diff = csumDiff(from, to, 0, variant);
    const updated = hdr.slice();
    updated.set(to, 16);
    const direct = ref16(new Uint8Array(Uint32Array.of(csumDiff(new Uint8Array(0), updated, 0, variant)).buffer));
    const incremental = ref16(new Uint8Array(Uint32Array.of(diff).buffer), folded);
    assert.equal(incremental, direct, variant);
  }
});

test('csum_diff: variants, sizes, and the pushing/pulling forms', () => {
  assert.equal(csumDiff(new Uint8Array(3), new Uint8Array(4), 0, 'generic'), -EINVAL);
  // Linux 6.18 takes ragged sizes: the tail counts as if zero-padded.
  assert.equal(csumDiff(Uint8Array.of(1, 0, 0, 0, 2, 0), new Uint8Array(0), 0), 0xfffc);
  assert.equal(csumDiff(new Uint8Array(0), Uint8Array.of(1, 2, 3), 0), csumDiff(new Uint8Array(0), Uint8Array.of(1, 2, 3, 0), 0));
  assert.equal(csumDiff(new Uint8Array(4), new Uint8Array(6), 0, 'x86_64'), -EINVAL);
  assert.equal(csumDiff(new Uint8Array(256), new Uint8Array(260), 0, 'x86_64'), -EINVAL, 'over the 512-byte scratch');
  assert.equal(csumDiff(new Uint8Array(0), new Uint8Array(0), 0xdeadbeef, 'folded'), 0xdeadbeef, 'nothing to sum: the seed');
  for (let k = 1; k < 40; k++) {
    const from = random(4 * (k % 5), k);
    const to = random(4 * ((k * 3) % 7), k + 100);
    const seed = (k * 0x01000193) >>> 0;
    const x = csumDiff(from, to, seed, 'x86_64');
    const g = csumDiff(from, to, seed, 'generic');
    const f = csumDiff(from, to, seed, 'folded');
    if (from.length + to.length > 0) assert.ok(f >= 0 && f <= 0xffff, 'folded is 16 bits');
    const inverted = from.map((b) => ~b & 0xff);
    const scratch = new Uint8Array([...inverted, ...to]);
    assert.equal(x, refX86(scratch, seed));
    // All three are the same ones'-complement value.
    const as16 = (v: number) => ref16(new Uint8Array(Uint32Array.of(v).buffer)) % 0xffff;
    assert.equal(as16(x), as16(g));
    assert.equal(as16(x), f % 0xffff);
  }
});

test('csum_diff helper: NULL with size 0, a ragged size, and the older variants\' refusal of it', () => {
  const { call, put, env } = setup();
  const to = put(Uint8Array.of(1, 2, 3, 4));
  assert.equal(call('csum_diff', 0n, 0n, to, 4n, 0n), BigInt(csumDiff(new Uint8Array(0), Uint8Array.of(1, 2, 3, 4), 0)));
  assert.equal(call('csum_diff', 0n, 0n, to, 3n, 0n), BigInt(csumDiff(new Uint8Array(0), Uint8Array.of(1, 2, 3), 0)));
  const legacy = basicHelpers({ csum: 'x86_64' }).find((d) => d.name === 'csum_diff')!;
  assert.equal(legacy.impl(env, 0n, 0n, to, 3n, 0n), neg(EINVAL));
  assert.equal(legacy.impl(env, 0n, 0n, to, 4n, 0n), BigInt(csumDiff(new Uint8Array(0), Uint8Array.of(1, 2, 3, 4), 0, 'x86_64')));
});

test('task and clock helpers', () => {
  const { call, buffer, read, env } = setup();
  assert.equal(call('get_current_pid_tgid'), (1234n << 32n) | 1234n);
  assert.equal(call('get_smp_processor_id'), 3n);
  assert.equal(call('get_numa_node_id'), 0n);
  const ug = call('get_current_uid_gid');
  assert.equal(ug & 0xffffffffn, BigInt(process.getuid?.() ?? 0));
  assert.ok(call('get_current_task') !== 0n);
  const comm = buffer(16);
  assert.equal(call('get_current_comm', comm, 16n), 0n);
  assert.deepEqual(read(comm, 16), [...Buffer.from('myprog'), ...new Array(10).fill(0)]);
  const small = buffer(3);
  assert.equal(call('get_current_comm', small, 3n), 0n);
  assert.deepEqual(read(small, 3), [0x6d, 0x79, 0]);
  assert.equal(call('get_current_comm', small, 0n), neg(EINVAL));
  const t1 = call('ktime_get_ns');
  const t2 = call('ktime_get_ns');
  assert.ok(t2 >= t1);
  assert.equal(call('ktime_get_coarse_ns') % 4_000_000n, 0n);
  assert.ok(call('ktime_get_boot_ns') >= t2);
  assert.ok(call('jiffies64') > BigInt(2 ** 32 - 75000));
  const r = new Set(Array.from({ length: 20 }, () => call('get_prandom_u32')));
  assert.ok(r.size > 15);
  for (const v of r) assert.ok(v <= 0xffffffffn);
  void env;
  const other = setup({ comm: undefined });
  const b2 = other.buffer(16);
  assert.equal(other.call('get_current_comm', b2, 16n), 0n);
  const name = Buffer.from(other.read(b2, 16)).toString('latin1').replace(/\0+$/, '');
  assert.ok(name.length > 0 && name.length <= 15 && !name.includes('/'), name);
});

test('get_stack: the kernel\'s checks, then an empty stack', () => {
  const { call, buffer, read } = setup();
  const buf = buffer(16);
  assert.equal(call('get_stack', 0n, buf, 16n, 0n), 0n);
  assert.deepEqual(read(buf, 16), new Array(16).fill(0));
  assert.equal(call('get_stack', 0n, buffer(12), 12n, 0n), neg(EINVAL));
  assert.equal(call('get_stack', 0n, buffer(16), 16n, 1n << 11n), neg(EINVAL), 'build ids only for user stacks');
  assert.equal(call('get_stack', 0n, buffer(64), 64n, (1n << 11n) | (1n << 8n)), 0n);
  assert.equal(call('get_stack', 0n, buffer(16), 16n, 1n << 20n), neg(EINVAL));
});
