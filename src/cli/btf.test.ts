import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { btfCommand } from './btf.js';
import { UsageError } from './command.js';

const KINDS = fileURLToPath(new URL('../../src/btf/testdata/kinds.o', import.meta.url));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await btfCommand(args, { stdout: { write: (t) => (out += String(t)) }, stderr: { write: (t) => (err += String(t)) } });
  return { code, out, err };
}

test('btf dump FILE prints the raw listing by default', async () => {
  const { code, out } = await run('dump', KINDS);
  assert.equal(code, 0);
  assert.match(out, /^\[\d+\] STRUCT 'bits' size=32 vlen=6\n\t'a' type_id=\d+ bits_offset=0 bitfield_size=3$/m);
});

test('btf dump --format c prints a header', async () => {
  const { code, out } = await run('dump', KINDS, '--format', 'c');
  assert.equal(code, 0);
  assert.ok(out.startsWith('#ifndef __VMLINUX_H__\n'));
  assert.match(out, /struct packed_pair \{\n\tchar c;\n\tu32 n;\n\} __attribute__\(\(packed\)\);/);
});

test('btf dump --format json includes types and .BTF.ext', async () => {
  const { code, out } = await run('dump', KINDS, '-f', 'json');
  assert.equal(code, 0);
  const json = JSON.parse(out);
  assert.ok(json.types.some((t: { kind: string; name: string }) => t.kind === 'enum64' && t.name === 'wide'));
  assert.equal(json.ext.coreRelocations.xdp.length, 15);
});

test('bad input is an error line and exit code 1; bad usage is a UsageError', async () => {
  const { code, err } = await run('dump', fileURLToPath(import.meta.url));
  assert.equal(code, 1);
  assert.match(err, /BtfError BAD_MAGIC/);
  await assert.rejects(run('load', KINDS), UsageError);
  await assert.rejects(run('dump', KINDS, '--format', 'yaml'), UsageError);
  await assert.rejects(run('dump'), UsageError);
});

test('the binary writes a vmlinux.h', { skip: process.platform === 'linux' ? false : 'not Linux' }, () => {
  const bin = fileURLToPath(new URL('../../bin/tsbpf.js', import.meta.url));
  const out = execFileSync('node', [bin, 'btf', 'dump', KINDS, '--format', 'c'], { encoding: 'utf8' });
  assert.match(out, /enum wide \{/);
});
