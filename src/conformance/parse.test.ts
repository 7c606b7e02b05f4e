import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DataFileError, listDataFiles, parseDataFile } from './index.js';

/** dist/conformance/x.js → repo root is two levels up, shared data one more. */
const SUITE_DIR = fileURLToPath(new URL('../../../shared/bpf-conformance/', import.meta.url));

test('parses sections: comments, mem over lines, result last line, raw over asm, ignored sections', () => {
  const text = [
    '# header comment',
    '-- asm',
    'mov %r0, 1 # trailing',
    '',
    'exit',
    '-- mem',
    '00 ff',
    'AB',
    '-- no register offset',
    'call instruction',
    '-- c',
    'int main() { return 1; }',
    '-- result',
    '0x5',
    '0xFFFFFFFFFFFFFFF6',
  ].join('\n');
  const t = parseDataFile(text, 'x.data');
  assert.equal(t.asm.split('\n')[2], 'mov %r0, 1 ', 'asm keeps its file line numbers');
  assert.equal(t.asm.split('\n')[4], 'exit');
  assert.equal(t.asm.split('\n')[7], '', 'other sections are blanked');
  assert.deepEqual(t.memory, new Uint8Array([0x00, 0xff, 0xab]));
  assert.equal(t.result, 0xfffffffffffffff6n);
  assert.equal(t.raw, undefined);
  const raw = parseDataFile('-- raw\n0x5566778800000018\n0x1122334400000000\n0x0000000000000095\n-- result\n42', 'r.data');
  assert.deepEqual([...raw.raw!.subarray(0, 8)], [0x18, 0, 0, 0, 0x88, 0x77, 0x66, 0x55]);
  assert.equal(raw.raw!.length, 24);
  assert.equal(raw.result, 42n);
});

const malformed: [string, string, string, number][] = [
  ['unknown header', '-- asm\nexit\n-- bogus\n-- result\n0', 'UNKNOWN_SECTION', 3],
  ['bad result', '-- asm\nexit\n-- result\nzz', 'BAD_RESULT', 4],
  ['result beyond 64 bits', '-- asm\nexit\n-- result\n0x10000000000000000', 'BAD_RESULT', 4],
  ['bad memory byte', '-- asm\nexit\n-- mem\n00 1\n-- result\n0', 'BAD_MEMORY', 4],
  ['bad raw word', '-- raw\nnope\n-- result\n0', 'BAD_RAW', 2],
  ['no program', '-- result\n0', 'MISSING_PROGRAM', 2],
  ['no result', '-- asm\nexit', 'MISSING_RESULT', 2],
  ['text before a header', 'exit\n-- asm\nexit\n-- result\n0', 'TEXT_OUTSIDE_SECTION', 1],
];
for (const [name, text, code, line] of malformed) {
  test(`malformed file: ${name}`, () => {
    assert.throws(() => parseDataFile(text, 'bad.data'), (e: unknown) =>
      e instanceof DataFileError && e.code === code && e.line === line && e.message.startsWith(`bad.data:${line}:`));
  });
}

test('every file of the suite parses, with the section counts the README gives', async () => {
  const files = await listDataFiles(SUITE_DIR);
  assert.equal(files.length, 313);
  let withMem = 0;
  let withRaw = 0;
  for (const file of files) {
    const t = parseDataFile(await readFile(file, 'utf8'), file);
    assert.notEqual(t.result, undefined, file);
    if (t.memory) {
      withMem++;
      assert.ok(t.memory.length >= 2 && t.memory.length <= 74, file);
    }
    if (t.raw) withRaw++;
  }
  assert.equal(withMem, 40);
  assert.equal(withRaw, 1);
});
