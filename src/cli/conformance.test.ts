import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli as cli } from './testing.js';

const SUITE = fileURLToPath(new URL('../../../shared/bpf-conformance/', import.meta.url));

test('conformance: one line per file and the summary; a failure exits 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbpf-conf-'));
  await writeFile(join(dir, 'a.data'), '-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n');
  await writeFile(join(dir, 'b.data'), '-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n');
  await writeFile(join(dir, 'c.data'), '-- asm\nexit\n-- bogus\n');
  await writeFile(join(dir, 'ignored.txt'), 'not a test');
  const r = await cli('conformance', dir);
  assert.equal(r.code, 1);
  const lines = r.out.trimEnd().split('\n');
  assert.equal(lines[0], 'PASS a.data');
  assert.equal(lines[1], 'FAIL b.data: expected 0x2, got 0x1');
  assert.match(lines[2]!, /^FAIL c\.data: .*DataFileError: c\.data:3: unknown section header/);
  assert.equal(lines[3], '1 passed, 2 failed');
});

test('conformance: the whole shared suite passes', async () => {
  const r = await cli('conformance', SUITE);
  assert.equal(r.out.trimEnd().split('\n').pop(), '313 passed, 0 failed');
  assert.equal(r.code, 0);
});

test('conformance: usage errors', async () => {
  assert.equal((await cli('conformance')).code, 2);
  assert.equal((await cli('conformance', join(SUITE, 'add.data'))).code, 2);
});
