/**
 * The userspace helpers against the running kernel: tiny tc programs call the
 * real bpf_csum_diff and bpf_trace_printk and return r0, and the same call is
 * made here. Skipped (visibly) where bpf(2) is not permitted.
 *
 * bpf_trace_printk runs for real: each case also lands in the host's trace
 * buffer (/sys/kernel/tracing), as any bpf_printk would.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../asm/index.js';
import { KernelProgram, bpfPermission } from '../kernel/index.js';
import { AddressSpace } from '../memory/index.js';
import { formatBpfString, MAX_TRACE_PRINTK_VARARGS } from './printk.js';
import { bpfStrtol, bpfStrtoul, csumDiff, type CsumVariant } from './definitions.js';

function needsBpf(t: TestContext): boolean {
  const p = bpfPermission();
  if (!p.permitted) t.skip(p.reason ?? 'bpf(2) not permitted');
  return p.permitted;
}

/** An argument register: an immediate, or the stack address of one of the blobs. */
type Reg = bigint | { readonly blob: number };

/**
 * A program that writes `blobs` to its stack (8-byte aligned, zero-padded),
 * loads r1..r5, calls `helper` and returns r0.
 */
function callProgram(helper: string, blobs: readonly Uint8Array[], regs: readonly Reg[], epilogue: (offsets: number[]) => string[] = () => []): string {
  const lines: string[] = [];
  const offsets: number[] = [];
  let top = 0;
  for (const blob of blobs) {
    const padded = new Uint8Array(Math.ceil(Math.max(blob.length, 1) / 8) * 8);
    padded.set(blob);
    top += padded.length;
    offsets.push(top);
    const view = new DataView(padded.buffer);
    for (let k = 0; k < padded.length; k += 8) {
      lines.push(`r1 = 0x${view.getBigUint64(k, true).toString(16)} ll`, `*(u64 *)(r10 - ${top - k}) = r1`);
    }
  }
  if (top > 512) throw new Error('blobs do not fit the stack');
  regs.forEach((reg, k) => {
    const r = `r${k + 1}`;
    if (typeof reg === 'bigint') lines.push(`${r} = 0x${BigInt.asUintN(64, reg).toString(16)} ll`);
    else lines.push(`${r} = r10`, `${r} += -${offsets[reg.blob]}`);
  });
  lines.push(`call bpf_${helper}`, ...epilogue(offsets), 'exit');
  return lines.join('\n');
}

function runInKernel(helper: string, blobs: readonly Uint8Array[], regs: readonly Reg[], epilogue?: (offsets: number[]) => string[]): number {
  const program = KernelProgram.load({ type: 'sched_cls', instructions: assemble(callProgram(helper, blobs, regs, epilogue)) });
  try {
    return program.testRun({ data: new Uint8Array(64) }).retval;
  } finally {
    program.close();
  }
}

const bytes = (...words: number[]) => new Uint8Array(Uint32Array.from(words).buffer);

test('kernel: bpf_csum_diff returns what csumDiff computes', (t) => {
  if (!needsBpf(t)) return;
  const cases: [from: Uint8Array, to: Uint8Array, seed: number][] = [
    [bytes(0x0100a8c0), bytes(0x0900000a), 0],
    [new Uint8Array(0), bytes(0x00450073, 0x00004000, 0x40110000, 0x0100a8c0, 0xc700a8c0), 0],
    [bytes(0xdeadbeef, 0x12345678), new Uint8Array(0), 0x1234],
    [bytes(0xffffffff), bytes(0xffffffff), 0],
    [bytes(0x11111111, 0x22222222, 0x33333333), bytes(0x44444444), 0xfffffff0],
    [new Uint8Array(0), Uint8Array.from({ length: 64 }, (_, k) => (k * 37 + 11) & 0xff), 0xabcdef01],
    [Uint8Array.from({ length: 40 }, (_, k) => (k * 91 + 3) & 0xff), Uint8Array.from({ length: 40 }, (_, k) => k), 7],
  ];
  for (const [from, to, seed] of cases) {
    const regs: Reg[] = [from.length ? { blob: 0 } : 0n, BigInt(from.length), to.length ? { blob: 1 } : 0n, BigInt(to.length), BigInt(seed)];
    const kernel = runInKernel('csum_diff', [from, to], regs) >>> 0;
    const ours = csumDiff(from, to, seed, 'folded') >>> 0;
    if (kernel !== ours) {
      const matching = (['folded', 'x86_64', 'generic'] as CsumVariant[]).filter((v) => csumDiff(from, to, seed, v) >>> 0 === kernel);
      assert.fail(`csum_diff(${from.length}, ${to.length}, ${seed}): kernel 0x${kernel.toString(16)}, ours 0x${ours.toString(16)}; variants that match the kernel: ${matching.join(', ') || 'none'}`);
    }
  }
  // Sizes that are not multiples of 4: refused by older kernels, summed by 6.13+.
  const ragged = bytes(1, 2).subarray(0, 6);
  assert.equal(runInKernel('csum_diff', [ragged], [{ blob: 0 }, 6n, 0n, 0n, 0n]) >>> 0, csumDiff(ragged, new Uint8Array(0), 0));
  const ragged2 = Uint8Array.of(9, 8, 7, 6, 5);
  assert.equal(runInKernel('csum_diff', [ragged2], [0n, 0n, { blob: 0 }, 5n, 0x77n]) >>> 0, csumDiff(new Uint8Array(0), ragged2, 0x77));
});

/** A trace_printk argument: a number, or bytes placed on the stack (the argument is then their address). */
type PArg = bigint | Uint8Array;
const str = (s: string) => Buffer.from(`${s}\0`, 'latin1');

const long260 = str('x'.repeat(260));
const long300 = str('y'.repeat(300));

const printkCases: [fmt: string, args: PArg[]][] = [
  ['plain\n', []],
  ['%d %i %u', [-5n, 42n, -1n]],
  ['%x %X %08x %-6x|', [255n, 255n, 0xbeefn, 0xabn]],
  ['%+d % d %5d %-5d| %05d', [5n, 5n, -42n]],
  ['%ld %lu %llx', [-1n, -1n, 0xdeadbeefcafebaben]],
  ['%lli %lld', [0x8000000000000000n, 12n]],
  ['%c%c%3c%-3c|', [0x68n, 0x69n, 0x61n]],
  ['100%% %% %d', [7n]],
  ['[%s] [%10s] [%-4s]', [str('world'), str('world'), str('ab')]],
  ['[%s]', [16n]],
  ['[%pks]', [str('kernel')]],
  ['%pI4 %pi4', [Uint8Array.of(192, 168, 1, 10), Uint8Array.of(10, 0, 0, 1)]],
  ['%pI6', [Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)]],
  ['%pi6', [Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2)]],
  ['%pI4', [16n]],
  ['%px %p %pK', [0xffff888012345678n, 0n, 0xffff888012345678n]],
  ['%pI4abc def', [Uint8Array.of(1, 2, 3, 4)]],
  ['%1500d', [1n]],
  // One long string twice: the second copy gets what is left of the 512-byte buffer, then nothing is left.
  ['%s%s', [long260, long260]],
  ['%s|%s', [long300, long300]],
  ['%s%s%d', [long300, long300, 1n]],
  // Refused: the kernel's -EINVAL cases.
  ['%d %d %d %d', [1n, 2n, 3n]],
  ['%n', [0n]], ['%f', [0n]], ['%hd', [0n]], ['%.2d', [0n]], ['%#x', [0n]], ['%*d', [1n, 2n]], ['%o', [0n]],
  ['%lc', [0n]], ['%llld', [0n]], ['%z', [0n]], ['abc%', [0n]], ['%pa', [0n]], ['%pI5', [0n]], ['%sx', [0n]],
  ['%pksx', [0n]], ['\x01', []], ['%5%', [0n]],
];

test('kernel: bpf_trace_printk accepts, refuses and measures formats as formatBpfString does', (t) => {
  if (!needsBpf(t)) return;
  const space = new AddressSpace();
  const place = (b: Uint8Array) => {
    const region = space.allocate(Math.max(1, b.length), { kind: 'scratch' });
    space.bytes.set(b, region.start);
    return BigInt(region.start);
  };
  const mismatches: string[] = [];
  for (const [fmt, args] of printkCases) {
    const fmtBytes = str(fmt);
    const blobs: Uint8Array[] = [fmtBytes];
    const regs: Reg[] = [{ blob: 0 }, BigInt(fmtBytes.length)];
    const ours: bigint[] = [];
    const placed = new Map<Uint8Array, bigint>();
    for (const a of args) {
      if (typeof a === 'bigint') {
        regs.push(a);
        ours.push(BigInt.asUintN(64, a));
      } else {
        if (!blobs.includes(a)) blobs.push(a);
        regs.push({ blob: blobs.indexOf(a) });
        if (!placed.has(a)) placed.set(a, place(a));
        ours.push(placed.get(a)!);
      }
    }
    while (regs.length < 5) {
      regs.push(0n);
      ours.push(0n);
    }
    const kernel = runInKernel('trace_printk', blobs, regs) | 0;
    const r = formatBpfString(space, place(fmtBytes), fmtBytes.length, ours.slice(0, 3), MAX_TRACE_PRINTK_VARARGS);
    const expected = 'errno' in r ? -r.errno : r.length;
    if (kernel !== expected) mismatches.push(`${JSON.stringify(fmt)}: kernel ${kernel}, ours ${expected}`);
  }
  assert.deepEqual(mismatches, []);
});

test('kernel: bpf_strtol / bpf_strtoul consume, refuse and convert as bpfStrtol / bpfStrtoul do', (t) => {
  if (!needsBpf(t)) return;
  const texts: [string, bigint][] = [
    ['123', 0n], [' \t-0x1f', 0n], ['0777', 0n], ['0x', 0n], ['0x', 16n], ['0X1A', 16n], ['FFz', 16n], ['12abc', 10n],
    ['089', 0n], ['+5', 10n], ['   ', 10n], ['-', 10n], ['abc', 10n], ['1', 2n], ['1', 0x2an],
    ['9223372036854775807', 10n], ['9223372036854775808', 10n], ['-9223372036854775808', 10n],
    ['-9223372036854775809', 10n], ['18446744073709551615', 10n], ['18446744073709551616', 10n], ['-1', 10n],
    [`${'0'.repeat(70)}1`, 10n],
  ];
  const mismatches: string[] = [];
  for (const helper of ['strtol', 'strtoul'] as const) {
    for (const [text, flags] of texts) {
      const buf = Buffer.from(text, 'latin1');
      const regs: Reg[] = [{ blob: 0 }, BigInt(buf.length), flags, { blob: 1 }];
      const res = new Uint8Array(8);
      let program: string;
      try {
        program = callProgram(helper, [buf, res], regs);
        KernelProgram.load({ type: 'sched_cls', instructions: assemble(program) }).close();
      } catch (e) {
        t.skip(`bpf_${helper} is not callable from tc programs here: ${(e as Error).message.split('\n')[0]}`);
        return;
      }
      const ret = runInKernel(helper, [buf, res], regs) | 0;
      const load = (shift: string[]) => (offsets: number[]) => [`r0 = *(u64 *)(r10 - ${offsets[1]})`, ...shift];
      const lo = runInKernel(helper, [buf, res], regs, load([])) >>> 0;
      const hi = runInKernel(helper, [buf, res], regs, load(['r0 >>= 32'])) >>> 0;
      const value = BigInt.asUintN(64, (BigInt(hi) << 32n) | BigInt(lo));
      const ours = (helper === 'strtol' ? bpfStrtol : bpfStrtoul)(buf, flags);
      const expected = typeof ours === 'number' ? [ours, 0n] : [ours.consumed, BigInt.asUintN(64, ours.value)];
      if (ret !== expected[0] || value !== expected[1]) {
        mismatches.push(`${helper}(${JSON.stringify(text)}, ${flags}): kernel ${ret}/${value}, ours ${expected[0]}/${expected[1]}`);
      }
    }
  }
  assert.deepEqual(mismatches, []);
});
