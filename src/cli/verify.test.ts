import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './testing.js';

const SAMPLES = new URL('../../../shared/ebpf-samples/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-verify-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const LOOKUP = `
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = map_fd(counts) ll
  call 1
  r0 = *(u64 *)(r0 + 0)
  exit`;

test('an accepted assembly program: verdict, processed count and time', async () => {
  const r = await runCli('verify', 'examples/sum.s');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^examples\/sum\.s \(socket_filter\): accepted, 303 instructions processed, [\d.]+ ms\n$/);
});

test('a rejected program prints the VerifierError and exits 1; --map defines the maps assembly names', async () => {
  const r = await runCli('verify', write('null.s', LOOKUP), '--map', 'counts:hash:4:8:16');
  assert.equal(r.code, 1);
  assert.match(r.out, /rejected, 7 instructions processed/);
  assert.match(r.out, /kernel: "R0 invalid mem access 'map_value_or_null'"/);
  assert.match(r.out, /at 7: \(79\) r0 = \*\(u64 \*\)\(r0 \+0\)/);
});

test('--json gives the verdict as data, --log 2 the kernel-style log', async () => {
  const r = await runCli('verify', write('null2.s', LOOKUP), '--map', 'counts:hash:4:8:16', '--json', '--log', '2');
  assert.equal(r.code, 1);
  const v = JSON.parse(r.out) as { ok: boolean; processed: number; type: string; error: { code: string; kernelMessage: string; insn: number }; log: string };
  assert.equal(v.ok, false);
  assert.equal(v.processed, 7);
  assert.equal(v.type, 'socket_filter');
  assert.deepEqual({ code: v.error.code, insn: v.error.insn }, { code: 'INVALID_MEMORY_ACCESS', insn: 7 });
  assert.equal(v.error.kernelMessage, "R0 invalid mem access 'map_value_or_null'");
  assert.match(v.log, /R0=map_value_or_null\(id=1,map=counts,ks=4,vs=8\)/);
});

test('--type picks the context rules', async () => {
  const cb = write('cb.s', 'r0 = *(u32 *)(r1 + 48)\nexit');
  assert.equal((await runCli('verify', cb, '--type', 'socket')).code, 0);
  const r = await runCli('verify', cb, '--type', 'xdp');
  assert.equal(r.code, 1);
  assert.match(r.out, /invalid bpf_context access off=48 size=4/);
});

test('usage errors', async () => {
  assert.equal((await runCli('verify')).code, 2);
  assert.match((await runCli('verify', 'examples/sum.s', '--type', 'lsm')).err, /--type must be one of/);
  assert.match((await runCli('verify', 'examples/sum.s', '--log', '3')).err, /--log must be 1 or 2/);
  assert.match((await runCli('verify', write('m.s', LOOKUP))).err, /unknown map counts/);
});

test('objects: every program, or one with --prog; maps come from the object', async (t) => {
  if (!existsSync(SAMPLES)) {
    t.skip('no sample objects');
    return;
  }
  const ok = await runCli('verify', `${SAMPLES}cilium-examples/xdp_bpf_bpfel.o`);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /^xdp_prog_func \(xdp\): accepted, \d+ instructions processed/);
  const bad = await runCli('verify', `${SAMPLES}build/nullmapref.o`, '--prog', 'test_repro', '--type', 'socket', '--json');
  assert.equal(bad.code, 1);
  const [v] = JSON.parse(bad.out) as { program: string; error: { kernelMessage: string } }[];
  assert.equal(v!.program, 'test_repro');
  assert.equal(v!.error.kernelMessage, "R0 invalid mem access 'map_value_or_null'");
  const untyped = await runCli('verify', `${SAMPLES}build/nullmapref.o`);
  assert.match(untyped.out, /section 'test' names no program type/);
  assert.match((await runCli('verify', `${SAMPLES}build/nullmapref.o`, '--prog', 'nope')).err, /no program 'nope' \(programs: test_repro\)/);
});
