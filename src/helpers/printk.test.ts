import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../memory/index.js';
import {
  EFAULT, EINVAL, ENOSPC, MAX_BPRINTF_VARARGS, MAX_TRACE_PRINTK_VARARGS, formatBpfString, readArgArray,
} from './printk.js';

/** An argument: a number, or bytes / a string placed in memory (the argument is then its address). */
type Arg = bigint | number | string | Uint8Array;

function setup() {
  const space = new AddressSpace();
  const put = (data: string | Uint8Array, nul = true): bigint => {
    const bytes = typeof data === 'string' ? Buffer.from(nul ? `${data}\0` : data, 'latin1') : data;
    const region = space.allocate(Math.max(1, bytes.length), { kind: 'scratch' });
    space.bytes.set(bytes, region.start);
    return BigInt(region.start);
  };
  const format = (fmt: string, args: readonly Arg[], maxArgs = MAX_TRACE_PRINTK_VARARGS, fmtSize?: number) => {
    const raw = args.map((a) => (typeof a === 'bigint' ? a : typeof a === 'number' ? BigInt.asUintN(64, BigInt(a)) : put(a)));
    while (maxArgs === MAX_TRACE_PRINTK_VARARGS && raw.length < MAX_TRACE_PRINTK_VARARGS) raw.push(0n);
    const addr = put(fmt);
    return formatBpfString(space, addr, fmtSize ?? fmt.length + 1, raw, maxArgs);
  };
  return { space, put, format };
}

const ip4 = Uint8Array.of(192, 168, 1, 10);
const ip6 = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

const good: [fmt: string, args: Arg[], expected: string | RegExp][] = [
  ['hello\n', [], 'hello\n'],
  ['%d', [-5], '-5'],
  ['%i', [42], '42'],
  ['%u', [-1], '4294967295'],
  ['%d', [0x1_0000_0005n], '5'],
  ['%x %X', [255, 255], 'ff FF'],
  ['%08x', [0xbeef], '0000beef'],
  ['%-5d|', [42], '42   |'],
  ['%+d % d', [5, 5], '+5  5'],
  ['%5d|%05d', [-42, -42], '  -42|-0042'],
  ['%ld', [-1], '-1'],
  ['%lu', [-1], '18446744073709551615'],
  ['%llx', [0xdeadbeefcafebaben], 'deadbeefcafebabe'],
  ['%lli', [0x8000000000000000n], '-9223372036854775808'],
  ['%lX', [0xabcn], 'ABC'],
  ['%c%c', [0x68, 0x69], 'hi'],
  ['%3c|%-3c|', [0x61, 0x62], '  a|b  |'],
  ['100%%', [], '100%'],
  ['%% %d %%', [7], '% 7 %'],
  ['%s!', ['world'], 'world!'],
  ['%10s|%-6s|', ['world', 'ab'], '     world|ab    |'],
  ['[%s]', [0x10], '[]'],
  ['[%s]', [0], '[]'],
  ['%pks %pus', ['kernel', 'user'], 'kernel user'],
  ['%pI4', [ip4], '192.168.1.10'],
  ['%pi4', [ip4], '192.168.001.010'],
  ['%pI6', [ip6], '2001:0db8:0000:0000:0000:0000:0000:0001'],
  ['%pi6', [ip6], '20010db8000000000000000000000001'],
  ['%pI4', [0x10], '0.0.0.0'],
  ['%pI4abc def', [ip4], '192.168.1.10 def'],
  ['%px', [0xffff888012345678n], 'ffff888012345678'],
  ['%p', [0], '0000000000000000'],
  ['%p', [0xffff888012345678n], /^00000000[0-9a-f]{8}$/],
  ['%pK', [0xffff888012345678n], /^00000000[0-9a-f]{8}$/],
  ['%pB %pS', [0x1234, 0xabcd], '0x1234 0xabcd'],
  ['tab\tand\nnewline', [], 'tab\tand\nnewline'],
  // The kernel's check consumes the character after a bare %p, its renderer does not:
  // %d then reads a slot that was never packed (zeros here).
  ['%p%d', [0], '00000000000000000'],
];

test('printk: accepted formats render like the kernel', () => {
  const { format } = setup();
  for (const [fmt, args, expected] of good) {
    const r = format(fmt, args);
    assert.ok('text' in r, `${JSON.stringify(fmt)} was refused: ${JSON.stringify(r)}`);
    if (typeof expected === 'string') assert.equal(r.text, expected, JSON.stringify(fmt));
    else assert.match(r.text, expected, JSON.stringify(fmt));
    assert.equal(r.length, r.text.length);
  }
});

test('printk: the same pointer hashes the same within a run', () => {
  const { format } = setup();
  const a = format('%p', [0x1000n]);
  const b = format('%p', [0x1000n]);
  const c = format('%p', [0x2000n]);
  assert.ok('text' in a && 'text' in b && 'text' in c);
  assert.equal(a.text, b.text);
  assert.notEqual(a.text, c.text);
});

const bad: [fmt: string, args: Arg[]][] = [
  ['%n', [0]], ['%f', [0]], ['%hd', [0]], ['%.2d', [0]], ['%#x', [0]], ['%*d', [0, 0]], ['%o', [0]],
  ['%lf', [0]], ['%lc', [0]], ['%llld', [0]], ['%z', [0]], ['%', []], ['abc%', [0]],
  ['%pa', [0]], ['%pI5', [0]], ['%pks1', [0]], ['%sx', [0]], ['%s1', [0]],
  ['\x01', []], ['caf\xe9', []], ['%5%', [0]],
  ['%d', []],
];

test('printk: refused formats are -EINVAL', () => {
  const { format, space, put } = setup();
  for (const [fmt, args] of bad) {
    const raw = args.map((a) => BigInt(a as number));
    const r = formatBpfString(space, put(fmt), fmt.length + 1, raw, MAX_BPRINTF_VARARGS);
    assert.deepEqual(r, { errno: EINVAL }, JSON.stringify(fmt));
  }
  // Through trace_printk's three arguments: a fourth conversion is too many.
  assert.deepEqual(format('%d %d %d', [1, 2, 3]), { text: '1 2 3', length: 5 });
  assert.deepEqual(format('%d %d %d %d', [1, 2, 3]), { errno: EINVAL });
  assert.deepEqual(format('%% %% %% %% %d', [1]), { text: '% % % % 1', length: 9 });
});

test('printk: the format must be NUL-terminated within fmt_size', () => {
  const { format, space, put } = setup();
  assert.deepEqual(format('abc', [], 3, 3), { errno: EINVAL });
  assert.deepEqual(format('abc', [], 3, 4), { text: 'abc', length: 3 });
  // fmt_size larger than the string: the first NUL ends it.
  assert.deepEqual(format('ab', [], 3, 3), { text: 'ab', length: 2 });
  // A format that is not in memory at all.
  assert.deepEqual(formatBpfString(space, 0x10n, 4, [0n, 0n, 0n], 3), { errno: EFAULT });
  // Not terminated before the end of its region.
  const unterminated = put('xyz', false);
  assert.deepEqual(formatBpfString(space, unterminated, 64, [], 3), { errno: EFAULT });
  assert.deepEqual(formatBpfString(space, unterminated, 3, [], 3), { errno: EINVAL });
});

test('printk: more arguments than the helper allows is -EINVAL', () => {
  const { space, put } = setup();
  const fmt = put('%d');
  assert.deepEqual(formatBpfString(space, fmt, 3, [1n, 2n, 3n, 4n], 3), { errno: EINVAL });
  const twelve = Array.from({ length: 12 }, (_, k) => BigInt(k));
  const f12 = put('%d'.repeat(12));
  assert.deepEqual(formatBpfString(space, f12, 25, twelve, 12), { text: '01234567891011', length: 14 });
  assert.deepEqual(formatBpfString(space, f12, 25, [...twelve, 12n], 12), { errno: EINVAL });
});

test('printk: strings share the 512-byte argument buffer (-ENOSPC when it runs out)', () => {
  const { format } = setup();
  const long = 'x'.repeat(600);
  const r = format('%s', [long]);
  assert.ok('text' in r);
  assert.equal(r.text, 'x'.repeat(511), 'cut to the room in the buffer');
  assert.deepEqual(format('%s %d', [long, 1]), { errno: ENOSPC });
  assert.deepEqual(format('%s %s', [long, 'y']), { errno: ENOSPC });
});

test('printk: output longer than the buffer is cut, the length is not', () => {
  const { space, put } = setup();
  const fmt = put('%1500d');
  const r = formatBpfString(space, fmt, 7, [1n, 0n, 0n], 3);
  assert.ok('text' in r);
  assert.equal(r.text.length, 1023);
  assert.equal(r.length, 1500);
  const small = formatBpfString(space, fmt, 7, [1n, 0n, 0n], 3, { outputSize: 0 });
  assert.deepEqual(small, { text: '', length: 1500 });
});

test('printk: the vprintk argument array', () => {
  const { space, put } = setup();
  const arr = new Uint8Array(16);
  new DataView(arr.buffer).setBigUint64(0, 7n, true);
  new DataView(arr.buffer).setBigUint64(8, 9n, true);
  const at = put(arr);
  assert.deepEqual(readArgArray(space, at, 16), [7n, 9n]);
  assert.deepEqual(readArgArray(space, at, 12), { errno: EINVAL });
  assert.deepEqual(readArgArray(space, at, 13 * 8), { errno: EINVAL });
  assert.deepEqual(readArgArray(space, 0n, 8), { errno: EINVAL });
  assert.deepEqual(readArgArray(space, 0n, 0), []);
});
