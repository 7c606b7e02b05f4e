import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
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

test('run --type xdp --data: a test-run with the packet out, and --map with names in the assembly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbpf-run-'));
  const packetFile = join(dir, 'pkt.bin');
  await writeFile(packetFile, Uint8Array.of(0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 1, 2, 3));
  const program = join(dir, 'xdp.s');
  // Swap the first byte of the payload with the last, then pass.
  await writeFile(program, 'r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 17\nif r4 > r3 goto out\nr5 = *(u8 *)(r2 + 14)\nr6 = *(u8 *)(r2 + 16)\n*(u8 *)(r2 + 14) = r6\n*(u8 *)(r2 + 16) = r5\nout:\nr0 = 2\nexit\n');
  const r = await cli('run', program, '--type', 'xdp', '--data', packetFile, '--json');
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out) as { result: string; data: string };
  assert.equal(json.result, '0x2');
  assert.equal(json.data, '0000000000000200000000010800030201');
  const ring = join(dir, 'ring.s');
  await writeFile(ring, 'r1 = map_fd(events) ll\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto out\nr1 = 42\n*(u64 *)(r0 + 0) = r1\nr1 = r0\nr2 = 0\ncall 132\nout:\nr0 = 0\nexit\n');
  const dumped = await cli('run', ring, '--map', 'events:ringbuf:0:0:4096', '--dump-maps', '--json');
  assert.equal(dumped.code, 0, dumped.err);
  assert.deepEqual((JSON.parse(dumped.out) as { maps: unknown }).maps, { events: { type: 'ringbuf', availableBytes: 16, dropped: 0 } });
  const unknown = await cli('run', ring, '--map', 'other:ringbuf:0:0:4096');
  assert.match(unknown.err, /unknown map events \(maps: other\)/);
  assert.match((await cli('run', ring, '--map', 'x:nosuch:4:4:1')).err, /unknown map type 'nosuch'/);
  assert.match((await cli('run', program, '--type', 'wat')).err, /--type must be one of/);
});

test('run prints bpf_trace_printk lines on stderr in trace_pipe format', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbpf-run-'));
  const program = join(dir, 'printk.s');
  // "hi %d\n" on the stack, then bpf_trace_printk(fmt, 7, 42).
  await writeFile(program, 'r1 = 0xa6425206968 ll\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\nr2 = 7\nr3 = 42\ncall 6\nexit\n');
  const r = await cli('run', program, '--type', 'raw_tp');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '0x6\n', 'trace_printk returns the bytes written');
  assert.match(r.err, /^ +\S+-\d+ +\[000\] \S{4,5} +\d+\.\d{6}: bpf_trace_printk: hi 42\n$/);
});

test('run --engine: the JIT and the interpreter (default) give the same answer; jit --wat prints the module', async () => {
  const jit = await cli('run', join(ROOT, 'examples/sum.s'), '--engine', 'jit');
  const interp = await cli('run', join(ROOT, 'examples/sum.s'), '--engine', 'interp');
  assert.deepEqual([jit.out, interp.out], ['0x13ba\n', '0x13ba\n']);
  assert.match((await cli('run', join(ROOT, 'examples/sum.s'), '--engine', 'v8')).err, /--engine must be jit or interp/);
  const wat = await cli('jit', join(ROOT, 'examples/sum.s'), '--wat');
  assert.equal(wat.code, 0, wat.err);
  assert.match(wat.out, /^\(module\n/);
  assert.match(wat.out, /\(func \d+ ;; bpf function at slot 0 \(export "f0"\)/);
  assert.match(wat.out, /\n +loop ;; block at slot \d+\n/);
  const dir = await mkdtemp(join(tmpdir(), 'tsbpf-jit-'));
  const saved = await cli('jit', join(ROOT, 'examples/sum.s'), '-o', join(dir, 'sum.wasm'));
  assert.match(saved.out, /^\d+ bytes, 1 function, compiled in/);
  assert.ok(WebAssembly.validate(await readFile(join(dir, 'sum.wasm'))));
});

test('run --verify refuses what the verifier refuses, with its reason, and runs the rest on the JIT', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsbpf-run-'));
  await writeFile(join(dir, 'bad.s'), 'r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit\n');
  await writeFile(join(dir, 'good.s'), 'r0 = 2\nexit\n');
  await writeFile(join(dir, 'pkt.bin'), new Uint8Array(20));
  const bad = await cli('run', join(dir, 'bad.s'), '--type', 'xdp', '--data', join(dir, 'pkt.bin'), '--verify');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /VerifierError: R2 reaches packet bytes before any comparison with data_end/);
  assert.match(bad.err, /at 1: \(71\) r0 = \*\(u8 \*\)\(r2 \+0\)/);
  const good = await cli('run', join(dir, 'good.s'), '--type', 'xdp', '--data', join(dir, 'pkt.bin'), '--verify');
  assert.deepEqual([good.code, good.out], [0, '0x2\n']);
});
