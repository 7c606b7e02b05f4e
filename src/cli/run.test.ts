import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, make } from '../isa/index.js';
import { runCli as cli } from './testing.js';
import { detectProgramFile } from './source.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUITE = fileURLToPath(new URL('../../../shared/bpf-conformance/', import.meta.url));

test('run: the quick-start example prints r0 in hex', async () => {
  assert.deepEqual(await cli('run', join(ROOT, 'examples/sum.s')), { code: 0, out: '0x13ba\n', err: '' });
});

test('run: the checksum example over --mem', async () => {
  const r = await cli('run', join(ROOT, 'examples/checksum.s'), '--mem', '45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7');
  assert.deepEqual(r, { code: 0, out: '0xb861\n', err: '' });
});

test('run: a .data file with its own memory, as JSON', async () => {
  const r = await cli('run', join(SUITE, 'ldxb.data'), '--json');
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out), { result: '0x11', executed: 2, expected: '0x11' });
});

test('run: --mem and --mem-file override the file\'s memory', async () => {
  assert.equal((await cli('run', join(SUITE, 'mem-len.data'), '--mem', 'aabbcc')).out, '0x3\n');
  const dir = await mkdtemp(join(tmpdir(), 'tsbpf-run-'));
  await writeFile(join(dir, 'mem.bin'), new Uint8Array(5));
  assert.equal((await cli('run', join(SUITE, 'mem-len.data'), '--mem-file', join(dir, 'mem.bin'))).out, '0x5\n');
});

test('run: raw bytecode, and full 64-bit results', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbpf-run-'));
  const file = join(dir, 'prog.bin');
  await writeFile(file, encode([make(0xb7, 0, 0, 0, -2), make(0x95, 0, 0, 0, 0)]));
  assert.equal(detectProgramFile(file, encode([make(0xb7, 0, 0, 0, -2)])), 'raw');
  assert.deepEqual(await cli('run', file, '--json'), { code: 0, out: '{"result":"0xfffffffffffffffe","executed":2}\n', err: '' });
});

test('run: file kinds are detected by name and content', () => {
  const text = (s: string) => new TextEncoder().encode(s);
  assert.equal(detectProgramFile('x.data', text('')), 'data');
  assert.equal(detectProgramFile('x.txt', text('# t\n-- asm\nexit\n-- result\n0')), 'data');
  assert.equal(detectProgramFile('x.s', text('mov %r0, 1\nexit\n')), 'asm');
});

test('run: errors go to stderr with a non-zero exit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbpf-run-'));
  const loop = join(dir, 'loop.s');
  await writeFile(loop, 'loop:\nja loop\nexit\n');
  const budget = await cli('run', loop, '--budget', '100');
  assert.equal(budget.code, 1);
  assert.equal(budget.out, '');
  assert.match(budget.err, /BudgetExceededError: instruction 0: instruction budget of 100 exhausted/);
  const fault = join(dir, 'fault.s');
  await writeFile(fault, 'ldxw %r0, [%r1]\nexit\n');
  assert.match((await cli('run', fault)).err, /MemoryAccessError: instruction 0: invalid read of 4 bytes at 0x0/);
  assert.equal((await cli('run', join(dir, 'missing.s'))).code, 1);
  assert.equal((await cli('run', loop, '--mem', 'xyz')).code, 2);
  assert.equal((await cli('run', loop, '--budget', '-1')).code, 2);
  assert.equal((await cli('run')).code, 2);
});
