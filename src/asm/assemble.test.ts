import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AsmError, assemble } from './index.js';
import { encode } from '../isa/index.js';

const CONFORMANCE = fileURLToPath(new URL('../../../shared/bpf-conformance/', import.meta.url));

/** The `-- asm` section of a conformance file (the full .data parser lives in conformance/). */
function asmSection(text: string): string {
  const m = /^-- asm\s*$([\s\S]*?)(?=^--|(?![\s\S]))/m.exec(text);
  return m ? m[1]! : '';
}

test('assembles the asm section of every conformance file', () => {
  const files = readdirSync(CONFORMANCE).filter((f) => f.endsWith('.data'));
  assert.equal(files.length, 313);
  for (const file of files) {
    const text = readFileSync(CONFORMANCE + file, 'utf8');
    assert.doesNotThrow(() => assemble(asmSection(text)), `${file}`);
  }
});

const hexOf = (source: string) => Buffer.from(encode(assemble(source))).toString('hex');
const words = (...w: string[]) => w.join('');

const cases: Array<[string, string, string]> = [
  ['conformance ALU imm', 'add %r0, 1', 'b700000000000000'.replace('b7', '07').slice(0, 8) + '01000000'],
  ['llvm ALU imm', 'r0 += 1', '0700000001000000'],
  ['32-bit sub-register', 'w0 += w1', '0c10000000000000'],
  ['hex imm as a bit pattern', 'mov32 %r0, 0xffffff80', 'b400000080ffffff'],
  ['sdiv in offset', 'r0 s/= r1', '3f10010000000000'],
  ['movsx', 'r1 = (s32)r1', 'bf11200000000000'],
  ['sign-extending load', 'r2 = *(s8 *)(r0 + 0x3)', '9102030000000000'],
  ['store imm', '*(u32 *)(r10 - 0x4) = 0x0', '620afcff00000000'],
  ['lddw', 'r1 = 0x1122334455667788 ll', words('1801000088776655', '0000000044332211')],
  ['conformance lddw', 'lddw %r0, 0x123456789abcdef0', words('18000000f0debc9a', '0000000078563412')],
  ['jump with label', 'if r1 > 0x10 goto out\nr0 = 1\nout: exit', words('2501010010000000', 'b700000001000000', '9500000000000000')],
  ['implicit exit label', 'jle %r1, 4, exit\nexit', words('b501000004000000', '9500000000000000')],
  ['helper by name', 'call bpf_map_lookup_elem', '8500000001000000'],
  ['helper as the kernel log prints it', 'call bpf_map_lookup_elem#1', '8500000001000000'],
  ['local call', 'call pc+1\nexit\nexit', words('8510000001000000', '9500000000000000', '9500000000000000')],
  ['callx', 'call %r2', '8d02000000000000'],
  ['atomic add', 'lock *(u64 *)(r10 - 8) += r1', 'db1af8ff00000000'],
  ['atomic fetch, conformance', 'lock fetch add32 [%r10-8], %r1', 'c31af8ff01000000'],
  ['cmpxchg', 'r0 = cmpxchg_64(r10 - 8, r0, r1)', 'db1af8fff1000000'],
  ['kernel-log atomic', 'r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)', 'db1af8ff01000000'],
  ['byte swap', 'r1 = bswap64 r1', 'd701000040000000'],
  ['packet load', 'r0 = *(u16 *)skb[r1 + 12]', '481000000c000000'],
  ['objdump line', '      21:\td7 01 00 00 40 00 00 00\tr1 = bswap64 r1', 'd701000040000000'],
  ['kernel log line', '0: (b7) r0 = 0', 'b700000000000000'],
  ['objdump jump annotation', 'if r0 == 0x0 goto +0x1 <cpu_v4+0x100>\nexit\nexit', words('1500010000000000', '9500000000000000', '9500000000000000')],
  ['map reference', 'r1 = map_fd(5) ll', words('1811000005000000', '0000000000000000')],
  ['map value reference', 'r1 = map_value(5, 16) ll', words('1821000005000000', '0000000010000000')],
];

for (const [name, source, expected] of cases) {
  test(`assembles ${name}`, () => assert.equal(hexOf(source), expected));
}

const errors: Array<[string, string, string, number, number]> = [
  ['an unknown mnemonic', 'mov %r0, 1\nfrob %r0', 'UNKNOWN_MNEMONIC', 2, 1],
  ['a bad register', 'mov %r11, 1', 'BAD_REGISTER', 1, 5],
  ['an immediate out of range', 'mov %r0, 0x100000000', 'IMMEDIATE_RANGE', 1, 10],
  ['an undefined label', 'ja nowhere\nexit', 'UNDEFINED_LABEL', 1, 4],
  ['a duplicate label', 'a:\na:\nexit', 'DUPLICATE_LABEL', 2, 1],
  ['a jump out of the program', 'ja +5\nexit', 'JUMP_OUT_OF_RANGE', 1, 1],
  ['a missing operand', 'r0 = *(u64 *)(r1 + 8', 'SYNTAX', 1, 21],
  ['mixed register widths', 'w0 += r1', 'BAD_REGISTER', 1, 7],
  ['an unknown helper', 'call bpf_no_such_helper', 'UNKNOWN_HELPER', 1, 6],
];

for (const [name, source, code, line, column] of errors) {
  test(`reports ${name} with its line and column`, () => {
    assert.throws(() => assemble(source), (e: unknown) => {
      assert.ok(e instanceof AsmError, String(e));
      assert.deepEqual([e.code, e.line, e.column], [code, line, column], e.message);
      return true;
    });
  });
}

test('map references by name, when the caller names its maps', () => {
  const insns = assemble('r2 = map_fd(counts) ll\nr3 = map_value(counts, 8) ll\nr1 = map_fd(3) ll\nexit', { maps: { counts: 7 } });
  assert.deepEqual(insns.filter((i) => i.op.kind === 'lddw').map((i) => [i.src, i.imm64]), [[1, 7n], [2, (8n << 32n) | 7n], [1, 3n]]);
  assert.throws(() => assemble('r2 = map_fd(nope) ll', { maps: { counts: 7 } }), /line 1, column 13: unknown map nope \(maps: counts\)/);
});
