import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-asm-'));

test('asm writes raw bytecode and disasm reads it back in both syntaxes', async () => {
  writeFileSync(join(dir, 'p.s'), 'mov %r0, 1\nadd32 %r0, 2 # a comment\nexit\n');
  assert.equal((await runCli('asm', join(dir, 'p.s'), '-o', join(dir, 'p.bin'))).code, 0);
  assert.equal(readFileSync(join(dir, 'p.bin')).toString('hex'), 'b7000000010000000400000002000000' + '9500000000000000');
  assert.deepEqual(await runCli('disasm', join(dir, 'p.bin')), { code: 0, out: 'r0 = 0x1\nw0 += 0x2\nexit\n', err: '' });
  assert.deepEqual(await runCli('disasm', join(dir, 'p.bin'), '--syntax', 'conformance'), { code: 0, out: 'mov %r0, 1\nadd32 %r0, 2\nexit\n', err: '' });
});

const bad: Array<[string, string | Uint8Array, RegExp]> = [
  ['bad assembly', 'mov %r0, 1\nr0 = *(u64 *)(r1 + \n', /line 2, column \d+: expected/],
  ['truncated bytecode', new Uint8Array([0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0]), /not a multiple of 8/],
  ['an unknown opcode', new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0]), /instruction 0: unknown opcode 0xff/],
  ['a truncated ELF object', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), /ElfError: .*truncated|ElfError/],
];

for (const [name, content, message] of bad) {
  test(`disasm reports ${name} on stderr with a non-zero exit`, async () => {
    const file = join(dir, name.replace(/\W/g, '_'));
    writeFileSync(file, content);
    const r = await runCli('disasm', file);
    assert.notEqual(r.code, 0);
    assert.match(r.err, message);
    assert.equal(r.out, '');
  });
}
